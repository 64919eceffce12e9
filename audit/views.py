"""Log review (loggkontroll): who read an object, what a user read, a random sample of reads
to review, and users who read unusually much or outside their team's scenes.

Regional coordinators review everyone; a coordinator reviews their own organisation's
users (audit/permissions.py). Every page here is itself recorded in the log, and so is every
"granskad" mark. Lists are paginated; each can be exported as CSV or XLSX.
"""

from __future__ import annotations

from statistics import median

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from actors.models import Membership
from actors.permissions import COUNTY_WIDE_ROLES
from ods_platform.lib.export import FORMATS, table_response
from ods_platform.lib.paging import bounded_page

from .events import record_event
from .forms import ObjectReadsForm, PeriodForm, ReviewForm, SampleForm, UserReadsForm
from .models import Entry, Review
from .permissions import may_review
from .reads import record_read

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000
# A user who read at least this many scenes, and three times the median, stands out.
UNUSUAL_MIN_SCENES = 10


def _reviewer(request):
    if not may_review(request.user):
        raise PermissionDenied(
            _("Log review is for regional coordinators and for each organisation's coordinators.")
        )


def _reads(request):
    return Entry.objects.visible_to(request.user).filter(kind=Entry.Kind.READ)


def _rows(entries):
    for e in entries:
        yield (
            e.at, e.username, e.organisations, e.get_action_display_text(), e.object_type,
            e.object_id or ", ".join(str(i) for i in e.object_ids[:20]), e.ip or "", e.path,
            e.request_id,
        )  # fmt: skip


HEADINGS = [
    gettext_lazy("When"), gettext_lazy("User"), gettext_lazy("Organisations and roles"),
    gettext_lazy("What"), gettext_lazy("Object type"), gettext_lazy("Objects"),
    gettext_lazy("Address"), gettext_lazy("Page"), gettext_lazy("Request"),
]  # fmt: skip


def _answer(request, template, entries, context, filename):
    """A page of entries, or all of them (up to EXPORT_LIMIT) as a download; either way the
    entries shown are recorded as read."""
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        chosen = list(entries[:EXPORT_LIMIT])
        record_read(request, "export", Entry, [e.pk for e in chosen])
        # At most EXPORT_LIMIT entries: bounded, so a direct download.
        return table_response(filename, HEADINGS, _rows(chosen), fmt)
    page = bounded_page(entries, PAGE_SIZE, request.GET.get("page"), settings.ODS_LIST_COUNT_AHEAD)
    record_read(request, "list", Entry, [e.pk for e in page.object_list])
    return render(request, template, {**context, "page": page, "query": request.GET.urlencode()})


@login_required
def review_index(request):
    _reviewer(request)
    return render(
        request,
        "audit/index.html",
        {
            "object_form": ObjectReadsForm(),
            "user_form": UserReadsForm(),
            "sample_form": SampleForm(),
            "period_form": PeriodForm(),
        },
    )


@login_required
def object_reads(request):
    _reviewer(request)
    form = ObjectReadsForm(request.GET or None)
    entries = Entry.objects.none()
    if form.is_valid():
        object_type, pk = form.cleaned_data["object_type"], form.cleaned_data["object_id"]
        entries = _reads(request).filter(object_type=object_type, object_ids__contains=[pk])
    return _answer(
        request, "audit/entries.html", entries.order_by("-at", "-id"),
        {"form": form, "heading": _("Who read the object")}, "loggkontroll-objekt",
    )  # fmt: skip


@login_required
def user_reads(request):
    _reviewer(request)
    form = UserReadsForm(request.GET or None)
    entries = Entry.objects.none()
    if form.is_valid():
        start, end = form.bounds()
        entries = _reads(request).filter(
            username=form.cleaned_data["username"], at__gte=start, at__lt=end
        )
    return _answer(
        request, "audit/entries.html", entries.order_by("-at", "-id"),
        {"form": form, "heading": _("What the user read")}, "loggkontroll-anvandare",
    )  # fmt: skip


@login_required
def sample(request):
    _reviewer(request)
    form = SampleForm(request.GET or None)
    start, end = form.bounds()
    size = form.cleaned_data["size"] if form.is_valid() else 20
    entries = list(
        _reads(request).filter(at__gte=start, at__lt=end, reviews__isnull=True).order_by("?")[:size]
    )
    record_read(request, "list", Entry, [e.pk for e in entries])
    reviewed = (
        Review.objects.filter(entry__in=Entry.objects.visible_to(request.user))
        .select_related("entry", "reviewer")
        .order_by("-reviewed_at")[:20]
    )
    return render(
        request,
        "audit/sample.html",
        {
            "form": form,
            "entries": entries,
            "reviewed": reviewed,
            "review_form": ReviewForm(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def mark_reviewed(request):
    _reviewer(request)
    form = ReviewForm(request.POST)
    entry = None
    if form.is_valid():
        entry = _reads(request).filter(pk=form.cleaned_data["entry"]).first()
    if entry is None:
        messages.error(request, _("That read is not one you review."))
        return redirect("audit:sample")
    try:
        with transaction.atomic():
            Review.objects.create(
                entry=entry, reviewer=request.user, note=form.cleaned_data["note"]
            )
    except IntegrityError:
        messages.info(request, _("The read was already marked as reviewed."))
    else:
        record_event("audit_reviewed", request=request, object_type="audit.entry",
                     object_id=entry.pk, note=form.cleaned_data["note"])  # fmt: skip
        messages.success(request, _("The read is marked as reviewed."))
    return redirect(reverse("audit:sample") + "?" + request.POST.get("query", ""))


_UNUSUAL = """
WITH reads AS (
    SELECT e.user_id, e.username, e.organisation_ids, s.scene_id
    FROM audit_entry AS e CROSS JOIN LATERAL unnest(e.scene_ids) AS s(scene_id)
    WHERE e.id IN ({entries})
)
SELECT user_id, max(username), count(*), count(DISTINCT scene_id),
    count(DISTINCT scene_id) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM {team} AS t
        WHERE t.scene_id = reads.scene_id AND t.organisation_id = ANY(reads.organisation_ids)
    ))
FROM reads
GROUP BY user_id
ORDER BY 4 DESC, 2
"""


@login_required
def unusual(request):
    """Users by how many scenes they read in the period, and how many of those were outside
    the scenes their organisations work (county-wide roles read every scene by design)."""
    _reviewer(request)
    form = PeriodForm(request.GET or None)
    start, end = form.bounds()
    inner = _reads(request).filter(at__gte=start, at__lt=end).values("id")
    inner_sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    team = apps.get_model("scenes", "SceneTeam")._meta.db_table
    # Only this module's constant SQL and Django's compiled, parameterised SQL are joined.
    sql = _UNUSUAL.replace("{entries}", inner_sql).replace("{team}", team)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    county_wide = set(
        Membership.objects.filter(
            user_id__in=[r[0] for r in found], role__in=COUNTY_WIDE_ROLES
        ).values_list("user_id", flat=True)
    )
    typical = median([r[3] for r in found]) if found else 0
    rows = [
        {
            "user_id": user_id,
            "username": username,
            "reads": reads,
            "scenes": scenes,
            "outside": 0 if user_id in county_wide else outside,
            "county_wide": user_id in county_wide,
            "many": scenes >= max(UNUSUAL_MIN_SCENES, 3 * typical),
        }
        for user_id, username, reads, scenes, outside in found
    ]
    rows.sort(key=lambda r: (not (r["many"] or r["outside"]), -r["scenes"], r["username"]))
    fmt = request.GET.get("format")
    headings = [_("User"), _("Reads"), _("Scenes read"), _("Outside the team's scenes"),
                _("Unusually many"), _("County-wide role")]  # fmt: skip
    table = [
        (r["username"], r["reads"], r["scenes"], r["outside"],
         _("Yes") if r["many"] else _("No"), _("Yes") if r["county_wide"] else _("No"))
        for r in rows
    ]  # fmt: skip
    record_event("audit_unusual_viewed", request=request, start=str(start), end=str(end))
    if fmt in FORMATS:
        # One row per user who stands out: small; a direct download.
        return table_response("loggkontroll-avvikelser", headings, table, fmt)
    return render(
        request,
        "audit/unusual.html",
        {"form": form, "rows": rows, "typical": typical, "query": request.GET.urlencode()},
    )
