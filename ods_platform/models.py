"""What the platform keeps about its own pages: when each user last looked at the start page,
and the exports built for them by a worker."""

import contextlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import audited
from ods_platform.lib.plain import PlainInput
from ods_platform.permissions import ExportJobQuerySet


class StartPageVisit(PlainInput, models.Model):
    """When the user last opened the start page, so that it can say what is new since then
    ("since" is the visit before the current one: see `ods_platform.startpage.visit_since`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="start_page_visit"
    )
    seen_at = models.DateTimeField(_("last visit"), default=timezone.now)

    class Meta:
        triggers = [audited()]
        verbose_name = _("start page visit")
        verbose_name_plural = _("start page visits")

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"


def export_storage():
    """The private storage for finished export files (settings.STORAGES["exports"])."""
    from django.core.files.storage import storages

    return storages["exports"]


class ExportJob(models.Model):
    """One XLSX export of a big table, built by a worker (`ods_platform.tasks.build_export`).

    The request stores what was asked for (the kind and the page's filters, with the period
    fixed to the day of the request) and publishes the build when it commits; the worker
    applies the same visibility rule as the page, writes the workbook row by row to the
    private `exports` storage and notes progress per chunk. Only the person who asked sees
    the job and its file (ods_platform/permissions.py); downloading the file is recorded in
    the read log with the rows it holds. The file is removed after `ODS_EXPORT_KEEP_HOURS`
    (`sweep_exports`, beat).

    A job row, like a cache entry: it is not audited (no trigger). It holds no domain data of
    its own, only the filters, its progress and where its file is, and it is removed with
    the file; what reaches the audit trail is the download, in the read log.
    """

    class Kind(models.TextChoices):
        OBSERVATIONS = "observations", _("Observations")
        MY_ACTIONS = "my_actions", _("My actions")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a free worker")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not be built")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parameters = models.JSONField(_("parameters"), default=dict)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="sv"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(_("rows written"), default=0)
    total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    file = models.CharField(_("stored file"), max_length=200, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(_("handed to the workers"), null=True, blank=True)
    started_at = models.DateTimeField(_("build started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("removed after"), db_index=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def is_building(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def ids_name(self) -> str:
        """The stored list of the rows' ids (one a line), for the read log at download."""
        return f"{self.file}.ids" if self.file else ""

    def remove_files(self) -> None:
        storage = export_storage()
        for name in (self.file, self.ids_name):
            if name:
                with contextlib.suppress(OSError):
                    storage.delete(name)
