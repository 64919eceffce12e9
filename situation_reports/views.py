"""Pages for lägesbilder: ask for one, watch it being built, download it, list past ones.

Every report is fetched through `permissions.get_report_for_user` (404 for reports the user
may not see) and every download and detail view is recorded in the audit log.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.reads import noting, record_read
from ods_platform.lib.export import FORMATS, table_response, workbook_response
from scenes.permissions import get_scene_for_user

from . import permissions, services
from .filtersets import ReportFilterSet
from .forms import ReportRequestForm, SubscriptionForm
from .models import Kind, Report, ReportSubscription, Scope, report_storage
from .storage import file_present

PAGE_SIZE = 50


def _list_context(request, form):
    reports = (
        Report.objects.visible_to(request.user)
        .select_related("requested_by", "scene", "municipality")
        .defer("snapshot")
    )
    filterset = ReportFilterSet(request.GET or None, queryset=reports, request=request)
    reports = filterset.qs
    status = filterset.form.cleaned_data.get("status", "") if filterset.is_bound else ""
    kind = filterset.form.cleaned_data.get("kind", "") if filterset.is_bound else ""
    scope = filterset.form.cleaned_data.get("scope", "") if filterset.is_bound else ""
    return reports, {
        "form": form,
        "status_choices": Report.Status.choices,
        "status": status,
        "kind_choices": Kind.choices,
        "kind": kind,
        "scope_choices": Scope.choices,
        "scope": scope,
        "query": request.GET.urlencode(),
    }


@login_required
def report_list(request):
    """Past reports, newest first, and the form that asks for a new one."""
    if request.method == "POST":
        form = ReportRequestForm(request.POST, user=request.user)
        if form.is_valid() and (report := form.save()) is not None:
            return redirect("situation_reports:report_detail", report.pk)
        status_code = 400
    else:
        scene = None
        if request.GET.get("scene"):
            try:
                scene = get_scene_for_user(request.user, request.GET["scene"])
            except Http404:
                scene = None
        asked = {k: request.GET[k] for k in ("kind", "scope", "municipality") if k in request.GET}
        form = ReportRequestForm(user=request.user, scene=scene, initial=asked)
        status_code = 200
    reports, context = _list_context(request, form)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        seen: list[int] = []
        # The report list: the user's reports, small; a direct download.
        response = table_response(
            "lagesbilder",
            [_("Report"), _("Status"), _("From"), _("To"), _("Requested by"), _("Requested"),
             _("Finished"), "SHA-256"],
            (
                (r.title, r.get_status_display(), r.period_start, r.period_end,
                 _person(r.requested_by), _local(r.created_at), _local(r.finished_at), r.sha256)
                for r in noting(reports.iterator(chunk_size=500), seen)
            ),
            fmt,
        )  # fmt: skip
        record_read(request, "export", Report, seen)
        return response
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, "list", Report, [r.pk for r in page.object_list])
    context["page"] = page
    return render(request, "situation_reports/report_list.html", context, status=status_code)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _state(report) -> dict:
    """What the page says about a report; a finished report whose file has gone missing
    (a restore without the report files, a lost disk) says so and offers to create it again."""
    missing = report.status == Report.Status.DONE and not file_present(report.file.name)
    return {"report": report, "polling": not report.is_finished, "file_missing": missing}


@login_required
def report_detail(request, pk):
    report = permissions.get_report_for_user(request.user, pk)
    record_read(
        request, "view", Report, [report.pk], scene_ids=report.scenes.values_list("pk", flat=True)
    )
    return render(request, "situation_reports/report_detail.html", _state(report))


@login_required
@require_GET
def report_progress(request, pk):
    """The progress box alone, polled by the detail page while the report is built."""
    report = permissions.get_report_for_user(request.user, pk)
    return render(request, "situation_reports/_progress.html", _state(report))


@login_required
@require_GET
def report_download(request, pk):
    report = permissions.get_report_for_user(request.user, pk)
    if report.status != Report.Status.DONE or not report.file:
        raise Http404
    try:
        handle = report_storage().open(report.file.name, "rb")
    except FileNotFoundError:
        # The page explains it and offers to create the report again.
        state = _state(report) | {"file_missing": True}
        return render(request, "situation_reports/report_detail.html", state, status=404)
    record_read(
        request,
        "download",
        Report,
        [report.pk],
        scene_ids=report.scenes.values_list("pk", flat=True),
    )
    response = FileResponse(
        handle, as_attachment=True, filename=report.filename(), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def report_table(request, pk):
    """A finished åtgärdsplan as XLSX (or CSV), or an evaluation report as an XLSX workbook:
    the same rows as its PDF, from its snapshot."""
    from .action_plan import HEADERS, rows

    report = permissions.get_report_for_user(request.user, pk)
    tabular = (Kind.ATGARDSPLAN, Kind.EVALUATION)
    if report.kind not in tabular or report.status != Report.Status.DONE:
        raise Http404
    if not report.snapshot:  # deferred by the getter: read now
        raise Http404
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS or (report.kind == Kind.EVALUATION and fmt != "xlsx"):
        raise Http404
    record_read(
        request, "export", Report, [report.pk], scene_ids=report.scenes.values_list("pk", flat=True)
    )
    if report.kind == Kind.EVALUATION:
        from .evaluation import sheets

        # A finished report's snapshot (bounded when the report was built); direct.
        response = workbook_response(report.filename("")[:-1], sheets(report.snapshot))
        response["Cache-Control"] = "private, no-store"
        return response
    return table_response(report.filename("")[:-1], HEADERS, rows(report.snapshot), fmt)


@login_required
@require_POST
def report_again(request, pk):
    report = permissions.get_report_for_user(request.user, pk)
    try:
        new = services.again(report, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("situation_reports:report_detail", report.pk)
    return redirect("situation_reports:report_detail", new.pk)


@login_required
@require_POST
def subscription_add(request, scene_pk):
    scene = get_scene_for_user(request.user, scene_pk)
    if not permissions.may_subscribe(request.user, scene):
        raise PermissionDenied
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose weekly or monthly."))
    else:
        try:
            with transaction.atomic():
                ReportSubscription.objects.create(
                    scene=scene, frequency=form.cleaned_data["frequency"], created_by=request.user
                )
            messages.success(
                request,
                _("The team will get a lägesbild by e-mail link after every ended period."),
            )
        except IntegrityError:
            messages.info(request, _("The scene already has that subscription."))
    return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#reports")


@login_required
@require_POST
def subscription_remove(request, pk):
    subscription = permissions.get_subscription_for_user(request.user, pk)
    scene = get_scene_for_user(request.user, subscription.scene_id)
    if not permissions.may_subscribe(request.user, scene):
        raise PermissionDenied
    subscription.delete()
    messages.success(request, _("The subscription has been ended."))
    return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#reports")
