"""The Celery application: worker and beat read their settings from Django's (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ods_platform.settings")

app = Celery("ods_platform", include=["ods_platform.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def load_report_renderers(**_kwargs):
    """Import matplotlib and WeasyPrint once in the worker's main process, before its pool
    forks, so that no report pays for the imports (about a second) and the pool processes
    share those pages. Web processes never import them."""
    from situation_reports import charts, pdf  # noqa: F401
