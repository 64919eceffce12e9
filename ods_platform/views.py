"""Platform-level pages: the start page and the health endpoint."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sara.models import Action

from . import health


@login_required
def home(request):
    memberships = request.user.memberships.select_related("organisation").order_by(
        "organisation__name"
    )
    overdue = Action.objects.on_desk_of(request.user).overdue(timezone.localdate()).count()
    return render(request, "home.html", {"memberships": memberships, "overdue_actions": overdue})


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
