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
3. Store under the report's own file name and mark the row done in one short transaction
   that holds the row lock and checks the attempt is still ours: the file is written to a
   temporary name and renamed (never half a file under the real name), a retry overwrites
   it, and a build that has lost its claim can no longer write.

Liveness of a build is its heartbeat: the advisory lock (the building connection is open)
plus `heartbeat_at`, which a thread of the build writes every `ODS_REPORT_HEARTBEAT_S`
seconds. The sweeper (`republish_stuck_reports`, every few seconds) hands a build out again
when its lock is free (the worker died) or its heartbeat has stopped for
`ODS_REPORT_HEARTBEAT_TIMEOUT_S` (the worker hangs or its machine is gone: its database
session is ended first, which frees the lock). It looks in the broker first and never sends
a report again that is still waiting there or was just taken by a worker.

A build that fails for a passing cause (report storage full or read-only, the database
gone) goes back to queued with `retry_at` set, backing off from `ODS_REPORT_RETRY_BASE_S`
to `ODS_REPORT_RETRY_MAX_S`; the sweeper hands it out when it is due. After
`ODS_REPORT_MAX_RETRIES` it fails with a message that says why.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import date, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from redis import exceptions as redis_errors

from . import broker
from .action_plan import build_action_plan
from .evaluation import build_evaluation
from .models import Kind, Report, ReportSubscription, Scope, report_path
from .snapshot import NothingToReport, SnapshotBuilder
from .storage import is_transient_storage_error, store_atomically

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
RETRY_STORAGE = (
    "Rapporten kunde inte sparas: lagringen för rapporter är full eller går inte att skriva "
    "till just nu. Den försöker igen automatiskt; du behöver inte beställa den igen."
)
RETRY_DATABASE = (
    "Databasen svarade inte medan rapporten skapades. Den försöker igen automatiskt; du "
    "behöver inte beställa den igen."
)
FAILED_STORAGE = (
    "Rapporten kunde inte sparas: lagringen för rapporter har varit full eller gått inte att "
    "skriva till under alla nya försök. Felet är loggat; kontakta supporten och ange "
    "rapportnummer {pk}."
)


def _try_lock(report_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, report_id])
        return cursor.fetchone()[0]


def _unlock(report_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, report_id])
    except (OperationalError, InterfaceError):
        # The connection is gone, and the session's locks with it.
        connection.close()


def lock_holders() -> dict[int, int]:
    """Report id -> database backend pid, for every report whose advisory lock is held."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid, pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objsubid = 2 AND granted",
            [LOCK_NAMESPACE],
        )
        return {int(objid): int(pid) for objid, pid in cursor.fetchall()}


def building_now() -> set[int]:
    """Ids of the reports a live process is building (holds the advisory lock of)."""
    return set(lock_holders())


class Heartbeat:
    """While a build runs, a thread of its own writes `heartbeat_at` every few seconds (on
    its own connection, skipping the row while another transaction holds it), so the
    sweeper can tell a slow build from a stopped one."""

    SQL = (
        "UPDATE situation_reports_report SET heartbeat_at = %s WHERE id IN ("
        "SELECT id FROM situation_reports_report WHERE id = %s AND status = 'running' "
        "AND attempts = %s FOR UPDATE SKIP LOCKED)"
    )

    def __init__(self, report_id: int, attempt: int) -> None:
        self.report_id = report_id
        self.attempt = attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"report-{report_id}-heartbeat", daemon=True
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.ODS_REPORT_HEARTBEAT_S):
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(self.SQL, [timezone.now(), self.report_id, self.attempt])
                except Exception:
                    logger.warning("Report %s: heartbeat not written", self.report_id)
                    connection.close()
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def claim(report_id: int) -> Report | None:
    """The report, now ours to build; None when it is done, failed, gone, being built or
    waiting for a retry that is not yet due."""
    now = timezone.now()
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RUNNING])
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .first()
        )
        if report is None or not _try_lock(report_id):
            return None
        report.status = Report.Status.RUNNING
        report.stage = Report.Stage.SNAPSHOT
        report.progress = 5
        report.attempts = F("attempts") + 1
        report.started_at = now
        report.heartbeat_at = now
        report.retry_at = None
        report.save(
            update_fields=[
                "status", "stage", "progress", "attempts", "started_at", "heartbeat_at",
                "retry_at",
            ]
        )  # fmt: skip
        report.refresh_from_db(fields=["attempts"])
    return report


def _progress(report_id: int, percent: int, stage: str | None = None) -> None:
    fields = {"progress": percent, "heartbeat_at": timezone.now()}
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
        if report.kind == Kind.EVALUATION:
            return build_evaluation(report)
        builder = SnapshotBuilder(report)
        return builder.build(), builder.scene_ids


def render(snapshot: dict, progress=None) -> bytes:
    """Charts and PDF from a snapshot alone (the benchmark calls this too)."""
    from .charts import draw_charts
    from .pdf import html_to_pdf, render_pdf

    if snapshot.get("kind") == Kind.ATGARDSPLAN:  # no charts: a plan is a table of actions
        from .action_plan import render_html

        return html_to_pdf(render_html(snapshot))
    if snapshot.get("kind") == Kind.EVALUATION:  # tables, each described beneath it
        from .evaluation import render_html as render_evaluation

        return html_to_pdf(render_evaluation(snapshot))
    charts = draw_charts(snapshot)
    if progress:
        progress(65, Report.Stage.RENDER)
    return render_pdf(snapshot, charts)


def _fail(report: Report, message: str) -> None:
    Report.objects.filter(
        pk=report.pk, status=Report.Status.RUNNING, attempts=report.attempts
    ).update(
        status=Report.Status.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def retry_delay(retries: int) -> timedelta:
    """The wait before automatic retry number `retries + 1`: doubling, with a ceiling."""
    seconds = settings.ODS_REPORT_RETRY_BASE_S * 2 ** min(retries, 20)
    return timedelta(seconds=min(seconds, settings.ODS_REPORT_RETRY_MAX_S))


def _retry_later(report: Report, message: str) -> bool:
    """Back to queued, to be handed out again when the retry is due. False when the row is
    no longer ours (another attempt took over) or the database cannot be reached."""
    due = timezone.now() + retry_delay(report.retries)
    try:
        changed = Report.objects.filter(
            pk=report.pk, status=Report.Status.RUNNING, attempts=report.attempts
        ).update(
            status=Report.Status.QUEUED,
            stage=Report.Stage.RETRY,
            progress=0,
            error=message,
            retries=F("retries") + 1,
            retry_at=due,
        )
    except (OperationalError, InterfaceError):
        connection.close()
        logger.warning("Report %s: the database is gone; the sweeper will restart it.", report.pk)
        return False
    return bool(changed)


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
    name = report_path(report, f"{report.kind}.pdf")
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status != Report.Status.RUNNING or current.attempts != report.attempts:
            return  # another attempt has taken over: it writes the file, not this one
        # Written while the row is locked, so a build that lost its claim cannot overwrite
        # the file of the one that holds it; an older file of a failed attempt is replaced.
        stored = store_atomically(name, pdf)
        current.file.name = stored
        current.sha256 = digest
        current.size = len(pdf)
        current.status = Report.Status.DONE
        current.stage = Report.Stage.FINISHED
        current.progress = 100
        current.finished_at = timezone.now()
        current.heartbeat_at = current.finished_at
        current.error = ""
        current.save(
            update_fields=[
                "file", "sha256", "size", "status", "stage", "progress", "finished_at",
                "heartbeat_at", "error",
            ]
        )  # fmt: skip


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
        with Heartbeat(report.pk, report.attempts):
            generate(report)
    except NothingToReport:
        _fail(report, FAILED_NO_ACCESS)
        return "failed"
    except SoftTimeLimitExceeded:
        logger.error("Report %s took too long and was stopped.", report_id)
        _fail(report, FAILED_TOO_SLOW)
        return "failed"
    except (OperationalError, InterfaceError):
        # The database went away mid-build. A fresh connection may reach it again; if not,
        # the lock went with the old one and the sweeper restarts the build.
        logger.warning("Report %s: the database was lost mid-build.", report_id, exc_info=True)
        connection.close()
        if report.retries < settings.ODS_REPORT_MAX_RETRIES:
            _retry_later(report, RETRY_DATABASE)
            return "retry"
        _fail(report, FAILED_ERROR.format(pk=report_id))
        return "failed"
    except Exception as error:
        if is_transient_storage_error(error):
            if report.retries < settings.ODS_REPORT_MAX_RETRIES:
                logger.warning(
                    "Report %s could not be stored (%s); it is tried again in %s.",
                    report_id, error, retry_delay(report.retries),
                )  # fmt: skip
                _retry_later(report, RETRY_STORAGE)
                return "retry"
            logger.exception("Report %s could not be stored after its retries.", report_id)
            _fail(report, FAILED_STORAGE.format(pk=report_id))
            return "failed"
        logger.exception("Report %s could not be built.", report_id)
        _fail(report, FAILED_ERROR.format(pk=report_id))
        return "failed"
    finally:
        _unlock(report_id)
    notify_subscribers(report_id)
    return "done"


def _end_session(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def stuck_reports(now=None) -> tuple[list[int], list[tuple[int, int]]]:
    """(queued reports to hand out, running builds that have stopped as (id, attempt)).

    Queued: not waiting for a retry that is not yet due, not handed out within
    `ODS_REPORT_REPUBLISH_AFTER_S`, and whose message the broker neither holds in a queue nor
    gave a worker within that time. Running: the advisory lock is free (its worker died), or
    the heartbeat is older than `ODS_REPORT_HEARTBEAT_TIMEOUT_S` (its database session is then
    ended, which frees the lock); unless a new delivery is already waiting in the broker or
    was taken by a worker after the build's last heartbeat. Raises when the broker cannot be
    read."""
    now = now or timezone.now()
    seen = broker.look()
    grace = timedelta(seconds=settings.ODS_REPORT_REPUBLISH_AFTER_S)
    taken_recently = {pk for pk, since in seen.taken.items() if since >= (now - grace).timestamp()}
    queued = (
        Report.objects.filter(status=Report.Status.QUEUED)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .filter(
            Q(published_at__isnull=True)
            | Q(published_at__lt=now - grace)
            | Q(retry_at__gt=F("published_at"))
        )
        .values_list("pk", flat=True)
    )
    to_publish = [pk for pk in queued if pk not in seen.waiting and pk not in taken_recently]

    stale = now - timedelta(seconds=settings.ODS_REPORT_HEARTBEAT_TIMEOUT_S)
    stopped = []
    # The rows first, then the locks: a build claimed in between is not in the list (a lock
    # read first would miss it and call it dead).
    running = list(
        Report.objects.filter(status=Report.Status.RUNNING).values_list(
            "pk", "heartbeat_at", "started_at", "attempts"
        )
    )
    holders = lock_holders()
    for pk, heartbeat, started, attempt in running:
        last_sign = heartbeat or started or now
        if pk in holders:
            if last_sign >= stale:
                continue  # alive: its connection is open and it is moving
            logger.warning(
                "Report %s: no heartbeat since %s; ending its database session.", pk, last_sign
            )
            _end_session(holders[pk])
        if pk in seen.waiting or seen.taken.get(pk, 0.0) > last_sign.timestamp():
            continue  # a new delivery is on its way
        stopped.append((pk, attempt))
    return to_publish, stopped


@shared_task(ignore_result=True)
def republish_stuck_reports() -> int:
    """Hand out again the reports no worker has: queued ones whose message is not in the
    broker (it was down, or lost its data), retries that are due, and builds whose worker
    died or hangs. Returns how many were published."""
    from .services import publish

    try:
        queued, stopped = stuck_reports()
    except redis_errors.RedisError:
        logger.warning("Sweeper: the broker cannot be reached; nothing handed out.")
        return 0
    for pk, attempt in stopped:
        # The progress page says the work is being restarted until a worker claims it (a
        # build that has been claimed again meanwhile has another attempt number).
        Report.objects.filter(pk=pk, status=Report.Status.RUNNING, attempts=attempt).update(
            stage=Report.Stage.RESTART
        )
    if stopped:
        logger.warning("Reports %s stopped mid-build; handed out again.", [p for p, _ in stopped])
    published = 0
    for pk in sorted(set(queued) | {pk for pk, _attempt in stopped}):
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
    """Tell the team a subscribed report is ready, and STAD a scheduled evaluation report: a
    link, never the file. Once per report (the row records it before anything is sent).
    Returns the messages sent."""
    if Report.objects.filter(
        pk=report_id, kind=Kind.EVALUATION, schedule_key__isnull=False
    ).exists():
        return notify_evaluators(report_id)
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


# -- the quarterly evaluation report ----------------------------------------------------------


def last_ended_quarter(today: date) -> tuple[date, date]:
    """The calendar quarter that ended before today's quarter began."""
    first_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_end = first_this - timedelta(days=1)
    return date(last_end.year, 3 * ((last_end.month - 1) // 3) + 1, 1), last_end


def quarter_key(start: date) -> str:
    return f"evaluation:county:{start.year}-Q{(start.month + 2) // 3}"


def evaluation_requester():
    """Who a scheduled county evaluation report is made for: STAD's first active evaluator
    (the snapshot is read with their permissions: aggregates, no free text, no kept rows)."""
    from actors.models import Membership, Organisation

    membership = (
        Membership.objects.filter(
            role="evaluator", organisation__kind=Organisation.Kind.STAD, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return membership.user if membership else None


@shared_task
def create_quarterly_evaluation_report(today=None) -> int:
    """The county's evaluation report for the last ended quarter, made once: the quarter's
    key is unique, so a second run (or a second beat) creates nothing. Returns how many
    reports were created (0 or 1). STAD gets a link by e-mail when it is done."""
    from django.core.exceptions import ValidationError

    from .services import request_report

    today = _as_date(today)
    start, end = last_ended_quarter(today)
    key = quarter_key(start)
    if Report.objects.filter(schedule_key=key).exists():
        return 0
    requester = evaluation_requester()
    if requester is None:
        logger.warning("No active STAD evaluator: the evaluation report %s was not made.", key)
        return 0
    try:
        with transaction.atomic():
            request_report(
                requester, scope=Scope.COUNTY, start=start, end=end, kind=Kind.EVALUATION,
                schedule_key=key,
            )  # fmt: skip
    except IntegrityError:
        return 0  # another run made it first
    except ValidationError:
        logger.warning("The evaluation report %s could not be asked for.", key, exc_info=True)
        return 0
    return 1


def evaluator_addresses() -> list[str]:
    """STAD's active staff with an address, once each."""
    from actors.models import Membership, Organisation

    members = (
        Membership.objects.filter(organisation__kind=Organisation.Kind.STAD, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    seen: dict[str, str] = {}
    for address in members:
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def notify_evaluators(report_id: int) -> int:
    """Tell STAD a scheduled evaluation report is ready: a link, never the file; once."""
    claimed = Report.objects.filter(
        pk=report_id, status=Report.Status.DONE, notified_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0
    report = Report.objects.get(pk=report_id)
    recipients = evaluator_addresses()
    if not recipients:
        return 0
    url = settings.ODS_BASE_URL.rstrip("/") + reverse(
        "situation_reports:report_detail", args=[report.pk]
    )
    body = (
        f"Hej!\n\nKvartalets utvärderingsrapport är klar: {report.title}.\n\n"
        f"Läs den som PDF eller XLSX här (inloggning krävs): {url}\n\n"
        "Du får det här meddelandet eftersom du arbetar på STAD, som följer upp och utvärderar "
        "det regionala arbetet mot öppna drogscener.\n\n/ODS-plattformen\n"
    )
    message = EmailMessage(
        subject=f"[ODS] Utvärderingsrapport: {report.title}", body=body, to=recipients
    )
    try:
        return message.send()
    except Exception:
        logger.exception("Could not e-mail STAD about report %s", report_id)
        return 0
