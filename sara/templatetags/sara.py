"""Template tags that show SARA work on other apps' pages (the scene page)."""

from django import template
from django.db.models import Q

from ..models import Action, Analysis, Case
from ..permissions import can_create_case

register = template.Library()


@register.inclusion_tag("sara/_scene_cases.html", takes_context=True)
def scene_cases(context, scene):
    user = context["request"].user
    return {
        "scene": scene,
        "cases": Case.objects.visible_to(user).filter(scene=scene).select_related("owner"),
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
