"""E-mail about actions: when one is assigned, and reminders when it is due soon or overdue.

Who is told: the coordinators of the action's responsible organisation and the assignee, if
they are active and have an address. The messages are in Swedish and name only the case, the
scene, the action, organisations and staff: never the action's free-text description.

Sending happens in Celery tasks (``sara.tasks``); a page or service that assigns an action
calls ``queue_assignment_notification`` inside its transaction, and the task is published
once the transaction commits. Publishing never blocks the user: if the broker is down the
error is logged and the daily reminder job is the safety net.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from actors.models import Membership
from actors.permissions import COORDINATOR_ROLES

from .models import Action, ActionReminder

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[ODS] "


def action_url(action: Action) -> str:
    """The action's page, absolute, for a link in an e-mail."""
    path = reverse("sara:action_detail", args=[action.pk])
    return settings.ODS_BASE_URL.rstrip("/") + path


def with_recipients(queryset: QuerySet[Action]) -> QuerySet[Action]:
    """Actions with all an e-mail about them needs, in a constant number of queries."""
    coordinators = Membership.objects.filter(role__in=COORDINATOR_ROLES).select_related("user")
    return queryset.select_related(
        "case", "case__scene", "responsible", "assignee"
    ).prefetch_related(
        Prefetch(
            "responsible__memberships", queryset=coordinators, to_attr="coordinator_memberships"
        )
    )


def _coordinator_memberships(action: Action) -> Iterable[Membership]:
    prefetched = getattr(action.responsible, "coordinator_memberships", None)
    if prefetched is not None:
        return prefetched
    return action.responsible.memberships.filter(role__in=COORDINATOR_ROLES).select_related("user")


def recipients_for_assignment(action: Action) -> list[str]:
    """Addresses of the responsible organisation's coordinators and of the assignee.

    Each address once (case-insensitively); users who are inactive or have no address are
    left out."""
    people = [m.user for m in _coordinator_memberships(action)]
    if action.assignee_id:
        people.append(action.assignee)
    addresses: list[str] = []
    seen: set[str] = set()
    for user in people:
        address = (user.email or "").strip()
        if not user.is_active or not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        addresses.append(address)
    return addresses


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _context(action: Action, **extra) -> dict:
    return {
        "action": action,
        "case": action.case,
        "scene": action.case.scene,
        "responsible": action.responsible,
        "assignee": action.assignee if action.assignee_id else None,
        "due_on": action.due_on,
        "url": action_url(action),
        **extra,
    }


def _message(action: Action, subject: str, template: str, recipients: list[str], **extra):
    with translation.override("sv"):
        body = render_to_string(template, _context(action, **extra))
    return EmailMessage(subject=_one_line(SUBJECT_PREFIX + subject), body=body, to=recipients)


def assignment_message(action: Action, recipients: list[str] | None = None) -> EmailMessage:
    recipients = recipients_for_assignment(action) if recipients is None else recipients
    return _message(
        action,
        f"Ny åtgärd för {action.responsible}: {action.title}",
        "sara/email/action_assigned.txt",
        recipients,
    )


def reminder_message(
    action: Action, kind: str, recipients: list[str] | None = None
) -> EmailMessage:
    recipients = recipients_for_assignment(action) if recipients is None else recipients
    if kind == ActionReminder.Kind.OVERDUE:
        subject = f"Försenad åtgärd: {action.title} (skulle vara klar {action.due_on:%Y-%m-%d})"
    else:
        subject = f"Påminnelse: {action.title} ska vara klar {action.due_on:%Y-%m-%d}"
    return _message(
        action,
        subject,
        "sara/email/action_reminder.txt",
        recipients,
        kind=kind,
        overdue=kind == ActionReminder.Kind.OVERDUE,
    )


def send_assignment_email(action: Action, connection=None) -> int:
    """Tell the coordinators and the assignee about the action. Returns messages sent (0/1)."""
    recipients = recipients_for_assignment(action)
    if not recipients:
        return 0
    message = assignment_message(action, recipients)
    message.connection = connection
    return message.send()


def send_reminder(action: Action, kind: str, connection=None) -> int:
    """Remind the coordinators and the assignee of the action; `kind` is an
    ``ActionReminder.Kind``. Returns messages sent (0/1)."""
    recipients = recipients_for_assignment(action)
    if not recipients:
        return 0
    message = reminder_message(action, kind, recipients)
    message.connection = connection
    return message.send()


def queue_assignment_notification(action: Action) -> None:
    """Publish ``notify_action_assigned`` once the current transaction commits.

    Call it where an action gets its responsible organisation or assignee. The task is told
    whom the action was assigned to now, so that it stays silent if the assignment has
    changed again before it runs. Publishing fails fast (no retries, the broker's short
    connection timeout) and a failure is logged, never raised: the assignment itself stands,
    and the daily reminders still reach the organisation."""
    from .tasks import notify_action_assigned

    action_id = action.pk
    kwargs = {"responsible_id": action.responsible_id, "assignee_id": action.assignee_id}

    def publish():
        try:
            notify_action_assigned.apply_async((action_id,), kwargs, retry=False)
        except Exception:
            logger.exception("Could not queue the assignment e-mail for action %s", action_id)

    transaction.on_commit(publish)
