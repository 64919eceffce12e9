"""Template tags that show SARA work on other apps' pages (the scene page)."""

from django import template
from django.core.paginator import Paginator
from django.db.models import Q

from ..models import Action, Analysis, Case
from ..permissions import can_create_case

register = template.Library()


# The scene page lists the most recently updated cases, SCENE_CASES_SHOWN a page
# (`?cases_page=N`). A busy scene at national scale has hundreds of cases, and rendering every
# one was most of the scene page's time (bench/README.md).
SCENE_CASES_SHOWN = 20


@register.inclusion_tag("sara/_scene_cases.html", takes_context=True)
def scene_cases(context, scene):
    request = context["request"]
    user = request.user
    cases = (
        Case.objects.in_scene(user, scene).select_related("owner").order_by("-updated_at", "-pk")
    )
    page = Paginator(cases, SCENE_CASES_SHOWN).get_page(request.GET.get("cases_page"))
    query = request.GET.copy()
    query.pop("cases_page", None)

    def page_url(number: int) -> str:
        query["cases_page"] = str(number)
        return f"?{query.urlencode()}#cases"

    return {
        "scene": scene,
        "cases": page,
        "cases_page": page,
        "newer_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "older_url": page_url(page.next_page_number()) if page.has_next() else "",
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
