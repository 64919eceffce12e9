"""Pages for SARA cases and actions. Views parse, authorise, call a service, respond.

Objects come through the helpers in sara/permissions.py: 404 for what the user may not see,
403 for what they may see but not change.
"""

from dataclasses import asdict
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.reads import record_read
from ods_platform import exports as ods_exports
from ods_platform.lib import formatting, suppression
from ods_platform.lib.access import get_visible_or_404
from ods_platform.lib.export import FORMATS, table_response
from ods_platform.models import ExportJob
from scenes.models import Observation
from scenes.permissions import can_share, get_scene_for_user

from . import effect, exports, permissions, services
from .filtersets import ActionFilterSet, MethodFilterSet
from .forms import (
    ActionForm,
    ActionUpdateForm,
    AnalysisForm,
    AssessmentForm,
    CaseForm,
    EffectAssessmentForm,
    EffectForm,
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
    Verdict,
)
from .permissions import overdue_condition

# Mina åtgärder: a page at a time (an organisation may have thousands of open actions).
MY_ACTIONS_PAGE_SIZE = 50


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
    if request.GET.get("format") in FORMATS:
        return exports.case_export(request, case, request.GET["format"])
    can_manage = permissions.can_manage_case(request.user, case)
    user = request.user
    actions = list(
        Action.objects.visible_to(user)
        .filter(case=case)
        .select_related("responsible", "assignee", "method", "analysis__place")
        .order_by("status", "due_on", "pk")
    )
    visible_observations = Observation.objects.in_scene(request.user, case.scene)
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
        "assessments": _with_effects(
            Assessment.objects.visible_to(user)
            .filter(case=case)
            .select_related(
                "effect_evaluation__place",
                "effect_evaluation__control_scene",
                "effect_evaluation__indicator",
                "effect_evaluation__control_indicator",
            ),
            case,
        ),
        "suppression_legend": suppression.legend(),
        "history": PhaseChange.objects.visible_to(user)
        .filter(case=case)
        .select_related("changed_by"),
        "linked_observations": visible_observations.counted().filter(cases=case).count(),
        "linked_indicators": case.indicators.all(),
        "phase_form": PhaseForm(),
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


def _with_effects(assessments, case) -> list:
    """The assessments, each with its stored effect and displacement in words (or None)."""
    out = []
    for a in assessments:
        stored = getattr(a, "effect_evaluation", None) if _has_effect(a) else None
        if stored is not None:
            stored.case = case
            a.effect_view = {
                "id": f"assessment-{a.pk}",
                "presented": effect.present(stored.counts, stored.results),
                "setup": effect.describe_setup(effect.Setup.of(stored)),
            }
        else:
            a.effect_view = None
        out.append(a)
    return out


def _has_effect(assessment) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return assessment.effect_evaluation is not None
    except ObjectDoesNotExist:
        return False


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
    """The pages that add one object to a case: GET shows the empty form, POST validates it
    and the verb records it (an invalid POST shows the form again with what was typed).
    The case page links here instead of rendering these forms inline: the action form
    alone (its choices of methods and assignees) was a third of the case page's time."""
    case = permissions.get_case_for_user(request.user, pk, manage=True)
    if request.method != "POST":
        form = form_class(case=case)
        return render(
            request, "sara/case_add_form.html", {"case": case, "form": form, "kind": template_key}
        )
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
@require_http_methods(["GET", "POST"])
def analysis_add(request, pk):
    return _add_to_case(
        request, pk, AnalysisForm, "analysis", _("The analysis entry was added."),
        services.add_analysis,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, pk):
    return _add_to_case(
        request, pk, ActionForm, "action", _("The action was added."), services.add_action
    )


@login_required
@require_http_methods(["GET", "POST"])
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


def desk_actions(user, query):
    """The actions of *Mina åtgärder* for these filters (one rule for the page, its CSV and
    the worker's XLSX export): the filter set over the actions on the user's desk, overdue
    first. `query` is the page's GET (its "format" and "page" are left out)."""
    from types import SimpleNamespace

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
    filters = query.copy()
    for name in ("format", "page"):  # how the list is shown, not which actions
        filters.pop(name, None)
    # The filters ask the request for its user only.
    return ActionFilterSet(
        filters or {"open": "true"}, queryset=actions, request=SimpleNamespace(user=user)
    )


@login_required
def my_actions(request):
    filterset = desk_actions(request.user, request.GET)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        # Every action of an organisation can be thousands: a worker builds the workbook
        # (ods_platform/exports.py) and the download is logged with the rows it holds.
        return ods_exports.start_response(
            request,
            ExportJob.Kind.MY_ACTIONS,
            ods_exports.parameters_of(request.GET),
            f"mina-atgarder-{formatting.iso_date(timezone.localdate())}",
        )
    if fmt in FORMATS:
        return exports.my_actions_export(request, filterset.qs, request.GET["format"])
    page = Paginator(filterset.qs, MY_ACTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    actions = list(page)
    query = request.GET.copy()
    query.pop("page", None)
    record_read(
        request, "list", Action, [a.pk for a in actions],
        scene_ids=[a.case.scene_id for a in actions],
    )  # fmt: skip
    return render(
        request,
        "sara/my_actions.html",
        {
            "actions": actions,
            "page": page,
            "page_query": query.urlencode(),
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
        # The method catalogue: a few hundred rows at most; a direct download.
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
    outcome = effect.what_worked(Case.objects.visible_to(request.user)).get(method.pk)
    return render(
        request,
        "sara/method_detail.html",
        {
            "method": method,
            "used_in": used_in,
            "outcome": outcome,
            "outcome_sentence": effect.outcome_sentence(outcome),
            "outcome_cells": _outcome_cells(outcome),
            "not_causal": effect.NOT_CAUSAL,
            "suppression_legend": suppression.legend(),
            "techniques": method.techniques_by_group(),
            "can_edit": permissions.can_edit_methods(request.user),
        },
    )


def _outcome_cells(outcome) -> list[tuple[str, object]]:
    """What worked for one method, as labelled counts (small ones withheld)."""
    if outcome is None:
        return []
    return [
        (_("Cases that used it"), suppression.shown(outcome.used)),
        (_("Effect measured"), suppression.shown(outcome.measured)),
        (str(Verdict.DECREASE.label), suppression.shown(outcome.decrease)),
        (str(Verdict.UNCLEAR.label), suppression.shown(outcome.unclear)),
        (str(Verdict.INCREASE.label), suppression.shown(outcome.increase)),
        (str(Verdict.NOT_COMPUTABLE.label), suppression.shown(outcome.not_computable)),
    ]


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


# --- Effect and displacement --------------------------------------------------------------


def _effect_context(request, scene, case=None, *, data=None):
    """The effect page's form and, when its choices are valid, the counts and measures."""
    user = request.user
    if data is None:
        data = request.GET if "before_start" in request.GET else None
    if data is None:
        data = EffectForm.data_of(effect.default_setup(scene, user, case=case))
    form = EffectForm(data, scene=scene, user=user)
    context = {"scene": scene, "case": case, "form": form, "presented": None}
    if form.is_valid():
        setup = form.setup()
        evaluation = effect.evaluate(setup, user)
        presented = effect.present(asdict(evaluation.counts), evaluation.results.as_dict())
        context.update(
            setup=effect.describe_setup(setup),
            evaluation=evaluation,
            presented=presented,
            chart_data=_effect_chart(presented),
            query=form_query(form),
            effect_hidden=_choices(form),
            suppression_legend=suppression.legend(),
        )
    return context


def _choices(form) -> list[tuple[str, str]]:
    """The effect form's choices as (name, value) pairs, each value on its own."""
    data = form.data
    pairs = data.lists() if hasattr(data, "lists") else data.items()
    out = []
    for name, value in pairs:
        if name not in form.fields:
            continue
        for one in value if isinstance(value, list | tuple) else [value]:
            out.append((name, str(one)))
    return out


def form_query(form) -> str:
    """The form's choices as a query string (for the export links)."""
    from urllib.parse import urlencode

    return urlencode(_choices(form))


def _effect_chart(presented) -> dict:
    """Before and after per area for the chart; withheld counts are left out of it."""
    rows = presented["counts"]
    return {
        "areas": [r["area"] for r in rows],
        "before": [r["before"].value for r in rows],
        "after": [r["after"].value for r in rows],
        "labels": {"before": _("Before"), "after": _("After")},
        "description": _("Counts before and after, by area: %(list)s.")
        % {
            "list": "; ".join(
                f"{r['area']} {r['before'].text} {_('before')}, {r['after'].text} {_('after')}"
                for r in rows
            )
        },
    }


def _effect_export(request, context, name):
    presented = context["presented"]
    rows = [
        (r["area"], r["before"].cell(), r["after"].cell(), r["change"]) for r in presented["counts"]
    ]
    rows.append(())
    rows += [
        (m["name"], m["formula"], m["value"], m["warning"] or m["explanation"])
        for m in presented["measures"]
    ]
    rows += [(), (_("Note"), str(presented["caveat"]))]
    padded = [(*row, *([""] * (4 - len(row)))) for row in rows]
    # One case's effect table: a row per area; a direct download.
    return table_response(name, [_("Area"), _("Before"), _("After"), _("Change")], padded,
                          request.GET["format"])  # fmt: skip


@login_required
def case_effect(request, pk):
    """Effect and displacement for a case, from its first action on by default; its
    managers store the result with a new assessment."""
    case = permissions.get_case_for_user(request.user, pk)
    can_manage = permissions.can_manage_case(request.user, case)
    assessment_form = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        context = _effect_context(request, case.scene, case, data=request.POST)
        assessment_form = EffectAssessmentForm(request.POST, case=case)
        if context["presented"] is not None and assessment_form.is_valid():
            fields = {n: assessment_form.cleaned_data[n] for n in EffectAssessmentForm.Meta.fields}
            services.record_assessment(
                case, by=request.user, effect_setup=context["form"].setup(), **fields
            )
            messages.success(
                request, _("The assessment was saved with the effect and displacement.")
            )
            return redirect(reverse("sara:case_detail", args=[case.pk]) + "#assessment-heading")
    else:
        context = _effect_context(request, case.scene, case)
        if can_manage:
            assessment_form = EffectAssessmentForm(case=case)
    record_read(request, "view", Case, [case.pk], scene_ids=[case.scene_id])
    if request.GET.get("format") in FORMATS and context["presented"] is not None:
        return _effect_export(request, context, f"effekt-arende-{case.pk}")
    context.update(can_manage=can_manage, assessment_form=assessment_form)
    return render(request, "sara/effect.html", context)


@login_required
def scene_effect(request, scene_pk):
    """Effect and displacement at a scene, without a case (nothing is stored)."""
    from scenes.models import Scene

    scene = get_scene_for_user(request.user, scene_pk)
    context = _effect_context(request, scene)
    record_read(request, "view", Scene, [scene.pk], scene_ids=[scene.pk])
    if request.GET.get("format") in FORMATS and context["presented"] is not None:
        return _effect_export(request, context, f"effekt-scen-{scene.pk}")
    return render(request, "sara/effect.html", context)
