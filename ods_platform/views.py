"""Platform-level pages: the start page and the health endpoint."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.reads import record_read
from sara.models import Action

from . import health, startpage


@login_required
def home(request):
    """The start page: the user's organisations, and per role what to look at or act on
    (ods_platform/startpage.py)."""
    memberships = request.user.memberships.select_related("organisation").order_by(
        "organisation__name"
    )
    overdue = Action.objects.on_desk_of(request.user).overdue(timezone.localdate()).count()
    since = startpage.visit_since(request)
    sections = startpage.sections_for(request.user, since)
    for label, (ids, scene_ids) in startpage.shown_ids(sections).items():
        record_read(request, "list", label, ids, scene_ids=scene_ids)
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "overdue_actions": overdue,
            "since": since,
            "sections": {s.key: s.data for s in sections},
        },
    )


@never_cache
@require_GET
def healthz(request):
    counts: dict[str, int] = {}
    checks = health.check_all(counts)
    down = sorted(name for name, up in checks.items() if not up)
    body = {
        "status": "ok" if not down else "down",
        "checks": {name: "up" if up else "down" for name, up in checks.items()},
    }
    if down:
        body["down"] = down
    if counts.get("missing_report_files"):
        body["missing_report_files"] = counts["missing_report_files"]
    return JsonResponse(body, status=200 if not down else 503)
