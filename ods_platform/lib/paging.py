"""Pages of a list whose count stays cheap however long the list grows.

Django's `Paginator` counts every row of the list to number its pages: for a scene's
observations at national scale that is 250,000 rows for 90 days at 10 M (bench/README.md),
read for every page shown. `BoundedPaginator` counts at most `ahead` rows past the page asked
for, like the API's pagination (ods_platform/api.py): up to there the count is exact, beyond it
`capped` is true and the count is a lower bound, which the page says ("more than …"). Paging
on still reaches the end: each further page counts its own `ahead` rows.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator

if TYPE_CHECKING:
    _Paginator = Paginator[Any]
else:  # not subscriptable at run time
    _Paginator = Paginator

# Rows counted past the page asked for; the API counts as far ahead (COUNT_AHEAD).
COUNT_AHEAD = 10_000
# A page number beyond this is not a page anyone pages to: it is read as the last page
# counted, so a crafted number does not make the count read the whole list.
MAX_PAGE = 100_000


def page_number(raw: Any) -> int:
    """The page asked for as a whole number from 1 (anything else is page 1)."""
    text = str(raw or "").strip()
    if not text.isdigit() or not text.isascii():
        return 1
    return max(1, min(int(text), MAX_PAGE)) if len(text) <= 6 else MAX_PAGE


class BoundedPaginator(_Paginator):
    """A `Paginator` for an ordered queryset that counts at most `ahead` rows past page
    `number`; `capped` says whether there are more."""

    def __init__(self, object_list: Any, per_page: int, *, number: int, ahead: int = COUNT_AHEAD):
        super().__init__(object_list, per_page)
        self.bound = number * int(per_page) + max(int(ahead), 0)
        self.capped = False

    @cached_property
    def count(self) -> int:
        # In the list's own order, so the count walks the index the page is read from.
        rows: Any = self.object_list
        counted: int = rows[: self.bound + 1].count()
        self.capped = counted > self.bound
        return min(counted, self.bound)


def bounded_page(
    object_list: Any, per_page: int, raw_number: Any, ahead: int = COUNT_AHEAD
) -> Page[Any]:
    """The page `raw_number` (as typed in the URL) of `object_list`, counted ahead as above;
    the last page when the number is past the end."""
    number = page_number(raw_number)
    return BoundedPaginator(object_list, per_page, number=number, ahead=ahead).get_page(number)
