"""A SARA case's actions with their updates, and *Mina åtgärder*, as CSV or XLSX.

The rows come from the same querysets as the pages (`Action.objects.visible_to`,
`ActionUpdate.objects.visible_to`): an update kept to another organisation is not there, and
free text the user may not read (an action's description, an update's text) comes back None
from the database and leaves its cell empty, as the case page and the action page leave it out.
Every export is recorded in the audit trail with the ids it held.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.reads import record_read
from ods_platform.lib import formatting
from ods_platform.lib.export import table_response

from .models import Action, ActionUpdate


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def headings(with_case: bool = False) -> list[str]:
    lead = [_("Scene"), _("Case")] if with_case else []
    return [
        *lead,
        _("Row"),
        _("Action"),
        _("Method"),
        _("Responsible organisation"),
        _("Assigned to"),
        _("Status"),
        _("Start"),
        _("Due"),
        _("Completed"),
        _("Overdue"),
        _("Output unit"),
        _("Output target"),
        _("Output achieved"),
        _("Written"),
        _("Written by"),
        _("Written by organisation"),
        _("Text"),
    ]


def _number(value):
    """Whole numbers as whole numbers (42, not 42.00); others as they are."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def action_row(action: Action, with_case: bool = False) -> list:
    lead = [action.case.scene.name, action.case.title] if with_case else []
    return [
        *lead,
        _("Action"),
        action.title,
        action.method.name if action.method is not None else "",
        action.responsible.name,
        _person(action.assignee),
        action.get_status_display(),
        action.start_on,
        action.due_on,
        action.completed_on,
        _("Yes") if action.is_overdue else _("No"),
        action.output_unit,
        _number(action.output_target),
        _number(action.output_achieved),
        formatting.iso_datetime(action.created_at),
        _person(action.created_by),
        action.organisation.name if action.organisation is not None else "",
        action.description,  # None when the user may not read it: an empty cell
    ]


def update_row(update: ActionUpdate, action: Action, with_case: bool = False) -> list:
    lead = [action.case.scene.name, action.case.title] if with_case else []
    return [
        *lead,
        _("Update"),
        action.title,
        "",
        action.responsible.name,
        "",
        update.get_status_display() if update.status else "",
        None,
        None,
        None,
        "",
        "",
        None,
        _number(update.output_achieved),
        formatting.iso_datetime(update.written_at),
        _person(update.written_by),
        update.organisation.name if update.organisation is not None else "",
        update.text,  # None when the user may not read it
    ]


def case_export(request, case, fmt: str):
    """The case's actions, each followed by its updates (newest first)."""
    user = request.user
    today = timezone.localdate()
    actions = list(
        Action.objects.visible_to(user)
        .filter(case=case)
        .select_related(
            "case", "case__scene", "responsible", "assignee", "method", "created_by", "organisation"
        )
        .order_by("status", "due_on", "pk")
    )
    updates: dict[int, list[ActionUpdate]] = {}
    for update in (
        ActionUpdate.objects.visible_to(user)
        .filter(action__case=case)
        .select_related("written_by", "organisation")
    ):
        updates.setdefault(update.action_id, []).append(update)
    rows = []
    for action in actions:
        rows.append(action_row(action))
        rows += [update_row(u, action) for u in updates.get(action.pk, [])]
    scene_ids = [case.scene_id]
    record_read(request, "export", Action, [a.pk for a in actions], scene_ids=scene_ids)
    record_read(
        request, "export", ActionUpdate, [u.pk for us in updates.values() for u in us],
        scene_ids=scene_ids,
    )  # fmt: skip
    day = formatting.iso_date(today)
    # One case's actions and updates: small and fixed; a direct download (Mina åtgärder,
    # which may hold thousands, is built by a worker as XLSX).
    return table_response(f"arende-{case.pk}-atgarder-{day}", headings(), rows, fmt)


def _desk_rows(actions):
    return actions.select_related("case__scene", "method", "created_by", "organisation")


def my_actions_export_source(user, parameters: dict):
    """The XLSX export of *Mina åtgärder* (ods_platform/exports.py), built by a worker with
    the page's own filters and visibility (`views.desk_actions`)."""
    from django.http import QueryDict

    from ods_platform.exports import Source

    from .views import desk_actions

    data = QueryDict(mutable=True)
    for key, values in parameters.items():
        data.setlist(key, [str(v) for v in values])
    actions = desk_actions(user, data).qs
    return Source(
        title=_("My actions"),
        headings=headings(with_case=True),
        rows=(
            (a.pk, a.case.scene_id, action_row(a, with_case=True))
            for a in _desk_rows(actions).iterator(chunk_size=500)
        ),
        total=actions.order_by().count(),
    )


def my_actions_export(request, actions, fmt: str):
    """The actions of *Mina åtgärder* as filtered on the page (all of them, not one page), as
    CSV; the XLSX is built by a worker (`my_actions_export_source`)."""
    today = timezone.localdate()
    shown = list(_desk_rows(actions).iterator(chunk_size=500))
    record_read(
        request, "export", Action, [a.pk for a in shown],
        scene_ids=[a.case.scene_id for a in shown],
    )  # fmt: skip
    return table_response(
        f"mina-atgarder-{formatting.iso_date(today)}",
        headings(with_case=True),
        (action_row(a, with_case=True) for a in shown),
        fmt,
    )
