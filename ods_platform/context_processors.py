"""Values every template may use: the navigation, decided by what the user's role can use,
and platform settings the pages need."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.permissions import memberships_of
from audit.permissions import may_review
from followup.permissions import may_follow_up
from sara.permissions import works_on_actions
from scenes.permissions import may_log_anywhere


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _items(user):
    yield _("Start"), "home", True
    yield _("Scenes"), "scenes:scene_list", True
    yield _("Log observation"), "scenes:observation_create", may_log_anywhere(user)
    yield _("My actions"), "sara:my_actions", works_on_actions(user)
    yield _("Follow-up"), "followup:scenes", may_follow_up(user)
    yield _("Situation reports"), "situation_reports:report_list", True
    yield _("Method catalogue"), "sara:method_list", True
    yield _("Organisations"), "actors:organisation_list", True
    yield _("Log review"), "audit:review", may_review(user)
    yield _("Security"), "mfa_index", True
    yield _("Administration"), "admin:index", user.is_staff


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = []
    for label, name, allowed in _items(user):
        if not allowed:
            continue
        url = reverse(name)
        current = path == url if url == "/" else path.startswith(url)
        items.append(NavItem(label, url, current))
    return {"nav_items": items, "user_memberships": memberships_of(user)}


def platform(request):
    return {"map_tiles": settings.MAP_TILES_URL}
