"""Platform-wide tasks."""

from celery import shared_task

from actors.models import Organisation


@shared_task
def count_organisations() -> int:
    """A round trip through the worker and the database: used to check that both answer."""
    return Organisation.objects.count()
