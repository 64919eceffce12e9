"""SARA background work: e-mail when an action is assigned, and the daily reminders.

Both tasks take ids, read the state again when they run, and are safe to run twice: the
reminder job records each reminder (one per action and day) before it sends anything, and
sends only what its own run recorded.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date

from celery import shared_task
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import Action, ActionReminder

logger = logging.getLogger(__name__)

# Reminders go out this many days before the due date, and every day once it has passed.
DUE_SOON_DAYS = 7
_UNSET = object()


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=3,
)
def notify_action_assigned(action_id: int, responsible_id=_UNSET, assignee_id=_UNSET) -> int:
    """E-mail the responsible organisation's coordinators and the assignee about the action.

    Does nothing if the action is gone, closed, or assigned differently from when the task was
    queued (a newer task tells about the newer assignment). Returns the messages sent."""
    action = notifications.with_recipients(Action.objects.open().filter(pk=action_id)).first()
    if action is None:
        return 0
    if responsible_id is not _UNSET and responsible_id != action.responsible_id:
        return 0
    if assignee_id is not _UNSET and assignee_id != action.assignee_id:
        return 0
    return notifications.send_assignment_email(action)


def _as_date(today) -> date:
    if today is None:
        return timezone.localdate()
    return today if isinstance(today, date) else date.fromisoformat(today)


@shared_task
def send_action_reminders(today=None) -> int:
    """Remind of open actions due within 7 days or overdue, once per action and day.

    `today` (a date or ISO string) defaults to the local day in Europe/Stockholm. The
    reminders are recorded and committed first, then sent; only those this run recorded are
    sent. A message that fails is logged and its record removed, so that running the job
    again the same day sends it then. Returns how many reminders were sent."""
    today = _as_date(today)
    due = (
        Action.objects.overdue(today) | Action.objects.due_within(today, DUE_SOON_DAYS)
    ).order_by("pk")
    to_send = []
    with transaction.atomic():
        # Locking the actions (in one order) makes a second run that starts meanwhile wait
        # here until this one has committed its reminders, and then see them.
        actions = list(notifications.with_recipients(due).select_for_update(of=("self",)))
        done = set(
            ActionReminder.objects.filter(day=today, action__in=actions).values_list(
                "action_id", flat=True
            )
        )
        for action in actions:
            recipients = notifications.recipients_for_assignment(action)
            if action.pk in done or not recipients:
                continue
            overdue = action.due_on < today
            kind = ActionReminder.Kind.OVERDUE if overdue else ActionReminder.Kind.DUE_SOON
            to_send.append((action, kind, recipients))
        # The unique (action, day) constraint is the last word: a reminder that exists
        # already is skipped rather than an error.
        ActionReminder.objects.bulk_create(
            [ActionReminder(action=a, day=today, kind=kind) for a, kind, _r in to_send],
            ignore_conflicts=True,
        )
    sent = 0
    if not to_send:
        return sent
    with get_connection() as mail:
        for action, kind, recipients in to_send:
            try:
                sent += mail.send_messages(
                    [notifications.reminder_message(action, kind, recipients)]
                )
            except Exception:
                logger.exception("Could not send the %s reminder for action %s", kind, action.pk)
                ActionReminder.objects.filter(action=action, day=today).delete()
    return sent
