"""The follow-up's links on other pages (the start page), for those who follow up."""

from django import template

from ..permissions import may_follow_up, may_follow_up_county

register = template.Library()


@register.inclusion_tag("followup/_home_links.html", takes_context=True)
def followup_links(context):
    """The start page's way into the follow-up, evaluation reports and indicators: for STAD,
    regional coordinators and municipalities' coordinators; nothing for anyone else."""
    from django.apps import apps

    user = context["request"].user
    if not may_follow_up(user):
        return {"shown": False}
    report = apps.get_model("situation_reports", "Report")
    latest = (
        report.objects.visible_to(user)
        .filter(kind="evaluation", status="done")
        .defer("snapshot")
        .order_by("-finished_at", "-pk")
        .first()
    )
    return {"shown": True, "county": may_follow_up_county(user), "latest_report": latest}
