"""Lägesbilder and evaluation reports built by Celery."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationReportsConfig(AppConfig):
    name = "situation_reports"
    verbose_name = _("Situation reports")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Report

        # Changes to a report's life (asked, claimed, finished) and every view and download
        # (the `accessed` signal in the views) go to the audit log; the snapshot and the
        # progress ticks do not.
        auditlog.register(Report, exclude_fields=["snapshot", "progress", "stage"])
