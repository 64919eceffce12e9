"""Template tags that show SARA work on other apps' pages (the scene page)."""

from django import template
from django.db.models import Q

from ..models import Action, Analysis, Case
from ..permissions import can_create_case

register = template.Library()


# The scene page lists the most recently updated cases; all of them with `?cases=all`. A busy
# scene at national scale has hundreds of cases, and rendering every one was most of the
# scene page's time (bench/README.md).
SCENE_CASES_SHOWN = 20


@register.inclusion_tag("sara/_scene_cases.html", takes_context=True)
def scene_cases(context, scene):
    request = context["request"]
    user = request.user
    cases = (
        Case.objects.visible_to(user)
        .filter(scene=scene)
        .select_related("owner")
        .order_by("-updated_at", "-pk")
    )
    show_all = request.GET.get("cases") == "all"
    shown = list(cases if show_all else cases[: SCENE_CASES_SHOWN + 1])
    more = 0
    if len(shown) > SCENE_CASES_SHOWN and not show_all:
        shown = shown[:SCENE_CASES_SHOWN]
        more = cases.count() - SCENE_CASES_SHOWN
    query = request.GET.copy()
    query["cases"] = "all"
    return {
        "scene": scene,
        "cases": shown,
        "more": more,
        "all_url": f"?{query.urlencode()}#cases",
        "can_create": can_create_case(user, scene),
    }


@register.inclusion_tag("sara/_place_work.html", takes_context=True)
def place_work(context, place):
    """A sub-place's own SARA work: the analyses that concern it and its actions."""
    user = context["request"].user
    return {
        "case_analyses": list(
            Analysis.objects.visible_to(user)
            .filter(place=place)
            .select_related("case")
            .order_by("case__title", "area", "created_at")[:50]
        ),
        "actions": list(
            Action.objects.visible_to(user)
            .filter(Q(analysis__place=place) | Q(case__places=place))
            .distinct()
            .select_related("case", "method", "responsible")
            .order_by("due_on", "pk")[:100]
        ),
    }
