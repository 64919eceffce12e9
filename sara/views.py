"""Pages for SARA cases and actions. Views parse, authorise, call a service, respond.

Objects come through the helpers in sara/permissions.py: 404 for what the user may not see,
403 for what they may see but not change.
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.reads import record_read
from ods_platform.lib.access import get_visible_or_404
from ods_platform.lib.export import FORMATS, table_response
from scenes.models import Observation
from scenes.permissions import can_share, get_scene_for_user

from . import permissions, services
from .filtersets import ActionFilterSet, MethodFilterSet
from .forms import (
    ActionForm,
    ActionUpdateForm,
    AnalysisForm,
    AssessmentForm,
    CaseForm,
    LinkObservationsForm,
    MethodForm,
    PhaseForm,
)
from .models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Analysis,
    Assessment,
    Case,
    Method,
    Phase,
    PhaseChange,
)
from .permissions import overdue_condition


@login_required
def case_create(request, scene_pk):
    scene = get_scene_for_user(request.user, scene_pk)
    if not permissions.can_create_case(request.user, scene):
        raise PermissionDenied
    form = CaseForm(request.POST or None, user=request.user, scene=scene)
    if request.method == "POST" and form.is_valid():
        many = ("places", "indicators")
        data = {k: v for k, v in form.cleaned_data.items() if k not in many}
        with transaction.atomic():
            case = services.open_case(by=request.user, scene=scene, **data)
            for name in many:
                getattr(case, name).set(form.cleaned_data[name])
        messages.success(request, _("The case was opened in the Scanning phase."))
        return redirect("sara:case_detail", case.pk)
    return render(request, "sara/case_form.html", {"form": form, "scene": scene})


@login_required
def case_edit(request, pk):
    case = permissions.get_case_for_user(request.user, pk, manage=True)
    form = CaseForm(request.POST or None, instance=case, user=request.user, scene=case.scene)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The case was saved."))
        return redirect("sara:case_detail", case.pk)
    return render(request, "sara/case_form.html", {"form": form, "scene": case.scene, "case": case})


@login_required
def case_detail(request, pk):
    case = permissions.get_case_for_user(request.user, pk)
    can_manage = permissions.can_manage_case(request.user, case)
    user = request.user
    actions = list(
        Action.objects.visible_to(user)
        .filter(case=case)
        .select_related("responsible", "assignee", "method", "analysis__place")
        .order_by("status", "due_on", "pk")
    )
    visible_observations = Observation.objects.visible_to(request.user)
    analyses = list(
        Analysis.objects.visible_to(user).filter(case=case).select_related("place", "organisation")
    )
    labels = dict(Phase.choices)
    context = {
        "case": case,
        "can_manage": can_manage,
        "phases": [(value, label, PHASE_INDEX[value]) for value, label in Phase.choices],
        "phase_index": PHASE_INDEX[case.phase],
        "next_phase": services.next_phase(case),
        "previous_phase": services.previous_phase(case),
        "blocked": services.blocked_reason(case),
        "analyses": analyses,
        "shareable": {a.pk for a in analyses if can_share(user, a)},
        "actions": actions,
        "updatable": set(
            Action.objects.updatable_by(request.user).filter(case=case).values_list("pk", flat=True)
        ),
        "process": services.process_figures(case),
        "goal": services.goal_figures(case, visible_observations),
        "assessments": Assessment.objects.visible_to(user).filter(case=case),
        "history": PhaseChange.objects.visible_to(user)
        .filter(case=case)
        .select_related("changed_by"),
        "linked_observations": visible_observations.filter(cases=case).count(),
        "linked_indicators": case.indicators.all(),
        "phase_form": PhaseForm(),
        "analysis_form": AnalysisForm(case=case) if can_manage else None,
        "action_form": ActionForm(case=case) if can_manage else None,
        "assessment_form": AssessmentForm(case=case) if can_manage else None,
        "link_form": LinkObservationsForm(case=case) if can_manage else None,
        "by_place": _actions_by_place(actions),
        "next_phase_label": labels.get(services.next_phase(case)),
        "previous_phase_label": labels.get(services.previous_phase(case)),
    }
    record_read(request, "view", Case, [case.pk], scene_ids=[case.scene_id])
    record_read(request, "list", Action, [a.pk for a in actions], scene_ids=[case.scene_id])
    record_read(request, "list", Analysis, [a.pk for a in analyses], scene_ids=[case.scene_id])
    return render(request, "sara/case_detail.html", context)


PHASE_INDEX = {value: i for i, value in enumerate(Phase.values)}


def _actions_by_place(actions):
    """The actions that follow from each sub-place's analysis: that sub-place's own list."""
    places = {}
    for action in actions:
        if action.analysis_id and action.analysis.place_id:
            places.setdefault(action.analysis.place, []).append(action)
    return sorted(places.items(), key=lambda item: item[0].name)


@login_required
@require_POST
def case_link_observations(request, pk):
    case = permissions.get_case_for_user(request.user, pk, manage=True)
    form = LinkObservationsForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("Choose a period whose start comes before its end."))
        return redirect("sara:case_detail", case.pk)
    data = form.cleaned_data
    start = timezone.make_aware(datetime.combine(data["start"], time.min))
    end = timezone.make_aware(datetime.combine(data["end"] + timedelta(days=1), time.min))
    observations = Observation.objects.visible_to(request.user).filter(
        occurred_at__gte=start, occurred_at__lt=end
    )
    if data["category"]:
        observations = observations.filter(category=data["category"])
    if data["place"]:
        observations = observations.filter(place=data["place"])
    linked = services.link_observations(case, observations)
    messages.success(request, _("%(n)d observations were linked to the case.") % {"n": linked})
    return redirect("sara:case_detail", case.pk)


@login_required
def action_edit(request, pk):
    action = permissions.get_action_for_user(request.user, pk, manage=True)
    form = ActionForm(request.POST or None, instance=action, case=action.case)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
        action = services.change_action(action, by=request.user, **fields)
        messages.success(request, _("The action was saved."))
        return redirect("sara:action_detail", action.pk)
    return render(
        request,
        "sara/case_add_form.html",
        {"case": action.case, "form": form, "kind": "action", "action": action},
    )


@login_required
@require_POST
def case_phase(request, pk):
    case = permissions.get_case_for_user(request.user, pk, manage=True)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.move_phase(
                case, form.cleaned_data["to_phase"], by=request.user,
                comment=form.cleaned_data["comment"],
            )  # fmt: skip
            messages.success(
                request, _("The case is now in %(phase)s.") % {"phase": case.get_phase_display()}
            )
        except services.TransitionBlocked as blocked:
            messages.error(request, str(blocked))
    return redirect("sara:case_detail", case.pk)


def _add_to_case(request, pk, form_class, template_key, success, verb):
    """Shared POST handling for the forms on the case page that add one object: the form
    validates, the verb records it."""
    case = permissions.get_case_for_user(request.user, pk, manage=True)
    form = form_class(request.POST, case=case)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        verb(case, by=request.user, **fields)
        messages.success(request, success)
        return redirect("sara:case_detail", case.pk)
    return render(
        request, "sara/case_add_form.html", {"case": case, "form": form, "kind": template_key}
    )


@login_required
@require_POST
def analysis_add(request, pk):
    return _add_to_case(
        request, pk, AnalysisForm, "analysis", _("The analysis entry was added."),
        services.add_analysis,
    )  # fmt: skip


@login_required
@require_POST
def action_add(request, pk):
    return _add_to_case(
        request, pk, ActionForm, "action", _("The action was added."), services.add_action
    )


@login_required
@require_POST
def assessment_add(request, pk):
    return _add_to_case(
        request, pk, AssessmentForm, "assessment", _("The assessment was saved."),
        services.record_assessment,
    )  # fmt: skip


@login_required
def action_detail(request, pk):
    action = permissions.get_action_for_user(request.user, pk)
    can_update = permissions.can_update_action(request.user, action)
    form = ActionUpdateForm(request.POST or None) if can_update else None
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.post_action_update(action, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The update was saved."))
                return redirect(_safe_next(request) or reverse("sara:action_detail", args=[pk]))
    updates = list(
        ActionUpdate.objects.visible_to(request.user)
        .filter(action=action)
        .select_related("written_by", "organisation")
    )
    scene_ids = [action.case.scene_id]
    record_read(request, "view", Action, [action.pk], scene_ids=scene_ids)
    record_read(request, "list", ActionUpdate, [u.pk for u in updates], scene_ids=scene_ids)
    return render(
        request,
        "sara/action_detail.html",
        {
            "action": action,
            "updates": updates,
            "shareable": {u.pk for u in updates if can_share(request.user, u)},
            "form": form,
            "can_update": can_update,
            "can_manage": permissions.can_manage_case(request.user, action.case),
        },
    )


def _safe_next(request) -> str | None:
    """A same-site page to return to after a quick update (My actions), else None."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target and allowed else None


@login_required
def my_actions(request):
    user = request.user
    today = timezone.localdate()
    actions = (
        Action.objects.on_desk_of(user)
        .select_related("case", "case__scene", "responsible", "assignee")
        .annotate(
            overdue_first=models.Case(
                models.When(overdue_condition(today), then=models.Value(0)),
                default=models.Value(1),
                output_field=models.IntegerField(),
            )
        )
        .order_by("overdue_first", "due_on", "pk")
    )
    # Open actions unless the page is asked for something else.
    filterset = ActionFilterSet(request.GET or {"open": "true"}, queryset=actions, request=request)
    actions = list(filterset.qs)
    record_read(
        request, "list", Action, [a.pk for a in actions],
        scene_ids=[a.case.scene_id for a in actions],
    )  # fmt: skip
    return render(
        request,
        "sara/my_actions.html",
        {
            "actions": actions,
            "only_open": filterset.form.cleaned_data.get("open") is True,
            "statuses": ActionStatus.choices,
        },
    )


# --- The method catalogue -----------------------------------------------------------------


@login_required
def method_list(request):
    filterset = MethodFilterSet(
        request.GET or None,
        queryset=Method.objects.visible_to(request.user).order_by("kind", "name"),
        request=request,
    )
    form, methods = filterset.form, filterset.qs
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            "metodkatalog",
            [_("Name"), _("Kind"), _("Usually led by"), _("Techniques"),
             _("Checked against a source"), _("Description")],
            (
                (m.name, m.get_kind_display(), ", ".join(m.lead_kind_labels()),
                 ", ".join(m.technique_labels()), _("Yes") if m.source_checked else _("No"),
                 m.description)
                for m in methods
            ),
            fmt,
        )  # fmt: skip
    return render(
        request,
        "sara/method_list.html",
        {
            "form": form,
            "methods": methods,
            "query": request.GET.urlencode(),
            "can_edit": permissions.can_edit_methods(request.user),
        },
    )


@login_required
def method_detail(request, pk):
    method = get_visible_or_404(Method.objects, request.user, pk)
    used_in = (
        Action.objects.visible_to(request.user)
        .filter(method=method)
        .select_related("case", "case__scene", "responsible")
        .order_by("-updated_at")
    )
    used_in = list(used_in)
    record_read(
        request, "list", Action, [a.pk for a in used_in],
        scene_ids=[a.case.scene_id for a in used_in],
    )  # fmt: skip
    return render(
        request,
        "sara/method_detail.html",
        {
            "method": method,
            "used_in": used_in,
            "techniques": method.techniques_by_group(),
            "can_edit": permissions.can_edit_methods(request.user),
        },
    )


@login_required
def method_form(request, pk=None):
    if not permissions.can_edit_methods(request.user):
        raise PermissionDenied
    method = get_visible_or_404(Method.objects, request.user, pk) if pk else None
    form = MethodForm(request.POST or None, instance=method)
    if request.method == "POST" and form.is_valid():
        method = form.save()
        messages.success(request, _("The method was saved."))
        return redirect("sara:method_detail", method.pk)
    return render(request, "sara/method_form.html", {"form": form, "method": method})
