"""Template tags that show SARA work on other apps' pages (the scene page)."""

from django import template

from ..models import Case
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
