"""Who may see and do what with actors data, and the role facts the other apps build on.

The rest of the platform asks this module about a user's organisations and roles; it never
reads memberships on its own. Each model's visibility is one queryset method here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

from ods_platform.lib.access import get_visible_or_404

if TYPE_CHECKING:
    from .models import Membership, Organisation

# Roles that see county-wide data. Regional coordinators work every scene; evaluators
# read every scene for STAD's follow-up (without restricted rows, added with sharing).
COUNTY_WIDE_ROLES = frozenset({"regional_coordinator", "evaluator"})
COORDINATOR_ROLES = frozenset({"regional_coordinator", "coordinator"})


def memberships_of(user: Any) -> list[Membership]:
    """The user's memberships, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_ods_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("organisation"))
        user._ods_memberships = cached
    return cached


def organisation_ids(user: Any) -> frozenset[int]:
    return frozenset(m.organisation_id for m in memberships_of(user))


def reader_organisation_ids(user: Any) -> frozenset[int]:
    """The organisations through which the user reads free text and rows kept to an
    organisation: all of theirs, except where their role is evaluator (STAD's evaluators
    read aggregates and never free text, whatever organisation they belong to)."""
    return frozenset(m.organisation_id for m in memberships_of(user) if m.role != "evaluator")


def roles_of(user: Any) -> frozenset[str]:
    return frozenset(m.role for m in memberships_of(user))


def is_county_wide(user: Any) -> bool:
    return bool(roles_of(user) & COUNTY_WIDE_ROLES)


def is_regional_coordinator(user: Any) -> bool:
    return "regional_coordinator" in roles_of(user)


def coordinates(user: Any, organisation_id: int) -> bool:
    """True when the user is a coordinator of that organisation, or a regional coordinator."""
    if is_regional_coordinator(user):
        return True
    return any(
        m.organisation_id == organisation_id and m.role in COORDINATOR_ROLES
        for m in memberships_of(user)
    )


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: Any) -> Self:
        """The directory of actors is shared by every partner: all active organisations."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(is_active=True)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user: Any) -> Self:
        """Who works where: regional coordinators see everyone; others their colleagues."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_regional_coordinator(user):
            return self.all()
        return self.filter(organisation_id__in=organisation_ids(user))


def get_organisation_for_user(user: Any, pk: Any) -> Organisation:
    """The organisation with this id if the user may see it, else 404."""
    from .models import Organisation

    return get_visible_or_404(Organisation.objects, user, pk)
