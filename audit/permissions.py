"""Who may review the audit trail (loggkontroll).

Regional coordinators review everyone's entries; a coordinator reviews the entries of their
own organisation's users (entries record the organisations the user acted for). Nobody else
sees the audit trail in the platform.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from actors.permissions import is_regional_coordinator, memberships_of


def reviewed_organisation_ids(user: Any) -> list[int] | None:
    """The organisations whose users' entries the user reviews; None: every organisation."""
    if is_regional_coordinator(user):
        return None
    return sorted({m.organisation_id for m in memberships_of(user) if m.role == "coordinator"})


def may_review(user: Any) -> bool:
    ids = reviewed_organisation_ids(user)
    return ids is None or bool(ids)


class EntryQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = reviewed_organisation_ids(user)
        if ids is None:
            return self.all()
        if not ids:
            return self.none()
        return self.filter(organisation_ids__overlap=ids)
