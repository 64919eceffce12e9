"""Who sees the platform's own objects: an export job and its file are the asker's alone."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from .lib.access import get_visible_or_404


class ExportJobQuerySet(models.QuerySet[Any]):
    """An export is seen by the person who asked for it, no one else: its file holds what
    that person's visibility allowed at the time, which may be more than another sees."""

    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(user=user)


def get_export_for_user(user: Any, pk: Any) -> Any:
    """The user's own export job, else 404."""
    from .models import ExportJob

    return get_visible_or_404(ExportJob.objects.all(), user, pk)
