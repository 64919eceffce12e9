"""Building lägesbilder in the worker, and the beat tasks that keep them coming.

`build_report` may be delivered more than once (a worker killed mid-report hands its task
back, the sweeper re-publishes what seems stuck) and still produces each report exactly once:

1. Claim: lock the row with `select_for_update(skip_locked=True)` and take a session-level
   PostgreSQL advisory lock on the report. The advisory lock lives exactly as long as the
   building process's database connection: while it is held, another delivery leaves the
   report alone; when a worker dies, its connection closes and the lock is free again, so
   a "running" row with a free lock is an orphan that the next delivery takes over.
2. Build outside any transaction: snapshot (read in one REPEATABLE READ transaction, with
   the requester's permissions as they are now), charts, PDF.
3. Store under the report's own file name (a retry overwrites, never adds a second file)
   and mark the row done in a short transaction, only if it is still ours.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation

from .action_plan import build_action_plan
from .models import Kind, Report, ReportSubscription, Scope, report_path, report_storage
from .snapshot import NothingToReport, SnapshotBuilder

logger = logging.getLogger(__name__)

# Advisory locks are (namespace, report id) pairs; the namespace keeps them apart from any
# other advisory lock the platform may take.
LOCK_NAMESPACE = 7105

FAILED_NO_ACCESS = (
    "Rapporten skapades inte: beställaren har inte längre behörighet till något av det "
    "rapporten gällde."
)
FAILED_TOO_SLOW = "Rapporten tog för lång tid att skapa och avbröts. Välj en kortare period."
FAILED_ERROR = (
    "Rapporten kunde inte skapas på grund av ett tekniskt fel. Felet är loggat; beställ "
    "rapporten igen eller kontakta supporten och ange rapportnummer {pk}."
)


def _try_lock(report_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, report_id])
        return cursor.fetchone()[0]


def _unlock(report_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, report_id])


def building_now() -> set[int]:
    """Ids of the reports a live process is building (holds the advisory lock of)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objsubid = 2 AND granted",
            [LOCK_NAMESPACE],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def claim(report_id: int) -> Report | None:
    """The report, now ours to build; None when it is done, failed, gone or being built."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RUNNING])
            .first()
        )
        if report is None or not _try_lock(report_id):
            return None
        report.status = Report.Status.RUNNING
        report.stage = Report.Stage.SNAPSHOT
        report.progress = 5
        report.attempts = F("attempts") + 1
        report.started_at = timezone.now()
        report.save(update_fields=["status", "stage", "progress", "attempts", "started_at"])
        report.refresh_from_db(fields=["attempts"])
    return report


def _progress(report_id: int, percent: int, stage: str | None = None) -> None:
    fields = {"progress": percent}
    if stage:
        fields["stage"] = stage
    Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(**fields)


def _snapshot(report: Report) -> tuple[dict, list[int]]:
    """Everything the report shows, read in one consistent view of the database, and the
    ids of the scenes it covers."""
    outermost = not connection.in_atomic_block  # (tests run inside a transaction already)
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with connection.cursor() as cursor:
            # The grid queries look costly to the planner (it expects a cell per row), so
            # PostgreSQL would JIT-compile them: ~0.3 s of compiling for ~30 ms of work
            # (bench/README.md). Off for this transaction only.
            cursor.execute("SET LOCAL jit = off")
        # No progress is written in here: a read-only transaction, and invisible until commit.
        if report.kind == Kind.ATGARDSPLAN:
            snapshot = build_action_plan(report)
            return snapshot, list(report.scenes.values_list("pk", flat=True))
        builder = SnapshotBuilder(report)
        return builder.build(), builder.scene_ids


def render(snapshot: dict, progress=None) -> bytes:
    """Charts and PDF from a snapshot alone (the benchmark calls this too)."""
    from .charts import draw_charts
    from .pdf import html_to_pdf, render_pdf

    if snapshot.get("kind") == Kind.ATGARDSPLAN:  # no charts: a plan is a table of actions
        from .action_plan import render_html

        return html_to_pdf(render_html(snapshot))
    charts = draw_charts(snapshot)
    if progress:
        progress(65, Report.Stage.RENDER)
    return render_pdf(snapshot, charts)


def _fail(report: Report, message: str) -> None:
    Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING).update(
        status=Report.Status.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def generate(report: Report) -> None:
    """Build, store and finish a claimed report."""
    snapshot, scene_ids = _snapshot(report)
    report.snapshot = snapshot
    Report.objects.filter(pk=report.pk).update(snapshot=snapshot)
    report.scenes.set(scene_ids)  # who may see the report follows from what it shows
    _progress(report.pk, 40, Report.Stage.CHARTS)
    pdf = render(snapshot, lambda p, s: _progress(report.pk, p, s))
    _progress(report.pk, 90, Report.Stage.STORE)
    digest = hashlib.sha256(pdf).hexdigest()
    storage = report_storage()
    name = report_path(report, f"{report.kind}.pdf")
    if storage.exists(name):  # left by an attempt that died before it finished
        storage.delete(name)
    stored = storage.save(name, ContentFile(pdf))
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status != Report.Status.RUNNING or current.attempts != report.attempts:
            if stored != current.file.name:
                storage.delete(stored)
            return
        current.file.name = stored
        current.sha256 = digest
        current.size = len(pdf)
        current.status = Report.Status.DONE
        current.stage = Report.Stage.FINISHED
        current.progress = 100
        current.finished_at = timezone.now()
        current.save(
            update_fields=["file", "sha256", "size", "status", "stage", "progress", "finished_at"]
        )


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def build_report(report_id: int) -> str:
    """Build one report. Safe to run any number of times; returns what happened."""
    report = claim(report_id)
    if report is None:
        return "skipped"
    try:
        generate(report)
    except NothingToReport:
        _fail(report, FAILED_NO_ACCESS)
        return "failed"
    except SoftTimeLimitExceeded:
        logger.error("Report %s took too long and was stopped.", report_id)
        _fail(report, FAILED_TOO_SLOW)
        return "failed"
    except Exception:
        logger.exception("Report %s could not be built.", report_id)
        _fail(report, FAILED_ERROR.format(pk=report_id))
        return "failed"
    finally:
        _unlock(report_id)
    notify_subscribers(report_id)
    return "done"


@shared_task(ignore_result=True)
def republish_stuck_reports() -> int:
    """Hand out again the reports no worker has: queued ones not handed out for a while
    (the broker was down, or the message was lost) and running ones whose worker is gone.
    Returns how many were published."""
    from .services import publish

    cutoff = timezone.now() - timedelta(seconds=settings.ODS_REPORT_REPUBLISH_AFTER_S)
    queued = Report.objects.filter(status=Report.Status.QUEUED).filter(
        Q(published_at__isnull=True) | Q(published_at__lt=cutoff)
    )
    running = Report.objects.filter(status=Report.Status.RUNNING, started_at__lt=cutoff)
    busy = building_now()
    stuck = list(queued.values_list("pk", flat=True)) + [
        pk for pk in running.values_list("pk", flat=True) if pk not in busy
    ]
    published = 0
    for pk in sorted(stuck):
        if not publish(pk):
            break  # the broker is still down: try again at the next beat
        published += 1
    return published


# -- subscriptions ----------------------------------------------------------------------------


def _as_date(today) -> date:
    if today is None:
        return timezone.localdate()
    return today if isinstance(today, date) else date.fromisoformat(today)


@shared_task
def create_scheduled_reports(today=None) -> int:
    """One report per active subscription for its last ended week or month, never two:
    the (subscription, period start) pair is unique, so a second run creates nothing.
    Returns how many reports were created."""
    from django.core.exceptions import ValidationError

    from .services import period_ending_before, request_report

    today = _as_date(today)
    created = 0
    subscriptions = ReportSubscription.objects.filter(
        is_active=True, created_by__is_active=True
    ).select_related("scene", "created_by")
    for subscription in subscriptions:
        start, end = period_ending_before(subscription.frequency, today)
        if subscription.reports.filter(period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                request_report(
                    subscription.created_by,
                    scope=Scope.SCENE,
                    scene=subscription.scene,
                    start=start,
                    end=end,
                    subscription=subscription,
                )
        except IntegrityError:
            continue  # another run made it first
        except ValidationError:
            logger.warning(
                "Subscription %s: %s may no longer ask for this report; skipped.",
                subscription.pk,
                subscription.created_by,
            )
            continue
        created += 1
    return created


def team_addresses(report: Report) -> list[str]:
    """Active members of the scene team's organisations who have an address, once each."""
    from actors.models import Membership

    members = (
        Membership.objects.filter(
            organisation__scene_teams__scene_id=report.scene_id,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    seen: dict[str, str] = {}
    for address in members:
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def notify_subscribers(report_id: int) -> int:
    """Tell the team a subscribed report is ready: a link, never the file. Once per report
    (the row records it before anything is sent). Returns the messages sent."""
    claimed = Report.objects.filter(
        pk=report_id,
        status=Report.Status.DONE,
        subscription__isnull=False,
        notified_at__isnull=True,
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0
    report = Report.objects.select_related("scene", "subscription").get(pk=report_id)
    recipients = team_addresses(report)
    if not recipients:
        return 0
    url = settings.ODS_BASE_URL.rstrip("/") + reverse(
        "situation_reports:report_detail", args=[report.pk]
    )
    with translation.override("sv"):
        body = (
            f"Hej!\n\nEn ny lägesbild är klar: {report.title}.\n\n"
            f"Läs den här (inloggning krävs): {url}\n\n"
            f"Du får det här meddelandet eftersom din organisation ingår i teamet för "
            f"{report.scene}, som får en {report.subscription.get_frequency_display().lower()} "
            f"lägesbild.\n\n/ODS-plattformen\n"
        )
    message = EmailMessage(subject=f"[ODS] Ny lägesbild: {report.title}", body=body, to=recipients)
    try:
        return message.send()
    except Exception:
        logger.exception("Could not e-mail the team about report %s", report_id)
        return 0
