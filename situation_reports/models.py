"""Lägesbilder (situation reports) as stored records.

A `Report` is created queued when someone asks for one (or when a subscription's period has
ended), built once by a Celery worker from a frozen snapshot, and never changed after it is
done: asking again makes a new report. The PDF lives on the private `reports` storage and is
only ever served through the permission-checked download view.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation
from audit.triggers import audited
from ods_platform.lib.plain import PlainInput
from scenes.models import Scene

from .permissions import ReportQuerySet, SubscriptionQuerySet


def report_storage():
    """The private storage for report files (settings.STORAGES["reports"])."""
    return storages["reports"]


def report_path(report: Report, filename: str) -> str:
    day = report.created_at or report.period_end
    return f"lagesbilder/{day:%Y/%m}/{report.pk}-{filename}"


class Kind(models.TextChoices):
    LAGESBILD = "lagesbild", _("Situation report")
    EVALUATION = "evaluation", _("Evaluation report")
    ATGARDSPLAN = "atgardsplan", _("Action plan")


class Scope(models.TextChoices):
    SCENE = "scene", _("Scene")
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY = "county", _("Stockholm County")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportSubscription(PlainInput, models.Model):
    """A scene's recurring lägesbild: one report per ended week or month, mailed to the team."""

    scene = models.ForeignKey(
        Scene, verbose_name=_("scene"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        ordering = ["scene__name", "frequency"]
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "frequency"], name="one_subscription_per_scene_and_frequency"
            )
        ]

    def __str__(self):
        return f"{self.scene} ({self.get_frequency_display()})"


class Report(PlainInput, models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Stage(models.TextChoices):
        WAITING = "waiting", _("Waiting for a free worker")
        SNAPSHOT = "snapshot", _("Collecting the data")
        CHARTS = "charts", _("Drawing the charts and the map")
        RENDER = "render", _("Creating the PDF")
        STORE = "store", _("Saving the report")
        FINISHED = "finished", _("Finished")
        # Set back to queued after a passing fault (storage full or read-only, database):
        # the sweeper hands it out again at `retry_at`.
        RETRY = "retry", _("Trying again shortly")
        # Its worker died mid-build; the sweeper has handed it out again.
        RESTART = "restart", _("The work is being restarted")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.LAGESBILD)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    scene = models.ForeignKey(
        Scene,
        verbose_name=_("scene"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        limit_choices_to={"kind": Organisation.Kind.KOMMUN},
    )
    # The scenes the report covers: set when it is asked for, narrowed to what the requester
    # may still see when it is built. Who may see a report follows from these.
    scenes = models.ManyToManyField(Scene, verbose_name=_("scenes"), blank=True, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    title = models.CharField(_("title"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    subscription = models.ForeignKey(
        ReportSubscription,
        verbose_name=_("subscription"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True, editable=False)
    file = models.FileField(
        _("file"), storage=report_storage, upload_to=report_path, blank=True, editable=False
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(_("handed to the workers"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    notified_at = models.DateTimeField(_("team notified"), null=True, blank=True)
    # Liveness of a build: the advisory lock says the building connection is open, this
    # timestamp (written every few seconds by the build) says the build is still moving.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Automatic retries after passing faults, and when the next one is due.
    retries = models.PositiveSmallIntegerField(_("automatic retries"), default=0)
    retry_at = models.DateTimeField(_("next try"), null=True, blank=True)
    # A report beat makes on a schedule (the county's quarterly evaluation report): its key,
    # e.g. "evaluation:county:2026-Q3", unique, so that beat never makes it twice.
    schedule_key = models.CharField(
        _("schedule"), max_length=60, null=True, blank=True, unique=True, editable=False
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        triggers = [audited(exclude=("snapshot", "progress", "stage"))]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_period_in_order",
            ),
            # A subscription makes one report per period, however often beat runs.
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(subscription__isnull=False),
                name="one_report_per_subscription_period",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="report_unfinished",
                condition=Q(status__in=["queued", "running"]),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_waiting_to_retry(self) -> bool:
        return self.status == self.Status.QUEUED and self.stage == self.Stage.RETRY

    @property
    def was_restarted(self) -> bool:
        """Its build was interrupted (a worker died) and started again."""
        return not self.is_finished and (self.stage == self.Stage.RESTART or self.attempts > 1)

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    def previous_period(self):
        """The period of equal length just before this one (inclusive dates)."""
        end = self.period_start - timedelta(days=1)
        return end - timedelta(days=self.period_days - 1), end

    def filename(self, extension: str = "pdf") -> str:
        from django.utils.text import slugify

        return f"{slugify(self.title) or self.kind}.{extension}"
