"""Fetching one object through a visibility rule: the same 404 for missing and forbidden."""

from django.http import Http404


def get_visible_or_404(queryset, user, pk):
    """The object with this id among those `queryset.visible_to(user)` allows, else 404.

    An id that is not a number, one that does not exist and one the user may not see all get
    the same answer, so nobody learns that someone else's object exists."""
    try:
        return queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
