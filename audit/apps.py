from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from celery.signals import task_postrun, task_prerun

        from . import events  # noqa: F401  (connects the log-in, lock-out and MFA receivers)
        from .context import clear_context, set_context

        # Changes made by background work are recorded as the task's.
        def started(task_id=None, task=None, **kwargs):
            set_context({"path": f"task:{getattr(task, 'name', '')}"[:500], "request_id": task_id})

        def finished(**kwargs):
            clear_context()

        task_prerun.connect(started, weak=False, dispatch_uid="audit_task_started")
        task_postrun.connect(finished, weak=False, dispatch_uid="audit_task_finished")
