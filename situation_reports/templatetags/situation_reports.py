"""The scene page's lägesbild box: ask for one for the period shown, recent ones, schedules."""

from django import template

from ..models import Report, ReportSubscription
from ..permissions import may_subscribe

register = template.Library()

RECENT = 5


@register.inclusion_tag("situation_reports/_scene_reports.html", takes_context=True)
def scene_reports(context, scene, start, end):
    user = context["request"].user
    recent = (
        Report.objects.visible_to(user)
        .filter(scene=scene)
        .select_related("requested_by")
        .defer("snapshot")[:RECENT]
    )
    can_subscribe = may_subscribe(user, scene)
    return {
        "scene": scene,
        "start": start,
        "end": end,
        "reports": list(recent),
        "subscriptions": list(
            ReportSubscription.objects.in_scene(user, scene).filter(is_active=True)
        ),
        "can_subscribe": can_subscribe,
        "csrf_token": context.get("csrf_token"),
    }
