"""Fetching one object through a visibility rule: the same 404 for missing and forbidden."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Manager, Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_visible_or_404(queryset: QuerySet[M] | Manager[M], user: Any, pk: Any) -> M:
    """The object with this id among those `queryset.visible_to(user)` allows, else 404.

    An id that is not a number, one that does not exist and one the user may not see all get
    the same answer, so nobody learns that someone else's object exists."""
    # Every model's queryset has `visible_to` (its app's permissions.py); the generic
    # QuerySet and Manager types cannot know it.
    rule: Callable[[Any], QuerySet[M]] = queryset.visible_to  # type: ignore[union-attr]
    try:
        return rule(user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
