"""Small counts in what STAD or another organisation receives: shown as "<5", never worked out.

One module for every surface that hands figures to someone outside the organisations whose
work they count: the follow-up pages and their CSV/XLSX exports, the evaluation report (PDF
and XLSX), the effect and displacement page and "what worked" per method. Every count there
goes through `shown`, `protect` or `share`; nothing else decides what is withheld.

The rules (the threshold is `settings.ODS_SUPPRESS_BELOW`, 5 by default):

- **Small counts.** A count from 1 to threshold − 1 is shown as "<5" and its value is withheld
  (`Shown.value` is None). Zero is shown: it reveals no one.
- **Totals.** In a table whose rows or columns have a total shown, a line (a row or a column,
  the totals row and column included) with exactly one withheld entry would give it away by
  subtraction. A second entry of that line is then withheld as well: the smallest shown
  non-zero cell, else the line's total. Withholding one entry can expose another line, so
  this is repeated until no line has exactly one withheld entry. A cell withheld only for this
  reason is shown as "×" (its value may be any size).
- **Shares.** A share part/whole is withheld when the part, the whole or the rest (whole −
  part) is a small count, or when either count is withheld: each of them can be worked out
  from the share and the other.
- **Statistics over a group** (a median number of days, say) are withheld when the group has
  1 to threshold − 1 members (`group_statistic`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from . import formatting

#: Shown for a cell withheld so that a small count cannot be worked out from a total.
HIDDEN = "×"


def threshold() -> int:
    """The smallest count that is shown as it is (ODS_SUPPRESS_BELOW, at least 1)."""
    return max(int(getattr(settings, "ODS_SUPPRESS_BELOW", 5)), 1)


def small_text() -> str:
    return f"<{threshold()}"


def is_small(n: Any) -> bool:
    """1 to threshold − 1: a count that is never shown as it is."""
    return n is not None and 0 < n < threshold()


@dataclass(frozen=True)
class Shown:
    """A count as it may be shown: `value` (None when withheld) and `text` for people.

    `kind` is None (shown), "small" (withheld as a small count, "<5") or "hidden" (withheld
    so that a small count cannot be worked out, "×")."""

    value: int | float | None
    text: str
    kind: str | None = None
    # A share, a median or another figure that a spreadsheet gets as its text ("25 %").
    as_text: bool = False

    @property
    def withheld(self) -> bool:
        return self.kind is not None

    def cell(self) -> Any:
        """For a spreadsheet: the number, or the text where it is withheld."""
        return self.text if self.withheld or self.as_text else self.value

    def as_json(self) -> dict[str, Any]:
        return {"v": None if self.withheld else self.value, "t": self.text}

    def __str__(self) -> str:
        return self.text


def _fmt(value: Any) -> str:
    return formatting.integer(value) if isinstance(value, int) else formatting.number(value)


def shown(n: Any) -> Shown:
    """One count on its own (no total to protect)."""
    if n is None:
        return Shown(None, formatting.DASH)
    if is_small(n):
        return Shown(None, small_text(), "small")
    return Shown(n, _fmt(n))


@dataclass
class Protected:
    """A table of counts as it may be shown: `cells[i][j]`, and the totals that were asked
    for (`row_totals[i]`, `column_totals[j]`, `grand_total`), each a `Shown`."""

    cells: list[list[Shown]]
    row_totals: list[Shown] | None = None
    column_totals: list[Shown] | None = None
    grand_total: Shown | None = None
    withheld: int = field(default=0)


def protect(
    counts: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = False,
) -> Protected:
    """Withhold small counts and the entries that would give them away through the totals.

    `counts` is a list of rows of whole, non-negative counts. With `row_totals`, each row's
    sum is shown beside it; with `column_totals`, each column's sum below; with both, also
    the grand total."""
    rows = [list(r) for r in counts]
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        raise ValueError("every row needs the same number of cells")
    if any(v is None or v < 0 for r in rows for v in r):
        raise ValueError("counts are whole numbers of at least 0")
    # The grid of entries: the cells, a totals column and a totals row where asked for.
    grid = [list(r) for r in rows]
    if row_totals:
        for r in grid:
            r.append(sum(r[:width]))
    full_width = width + (1 if row_totals else 0)
    if column_totals:
        grid.append([sum(r[j] for r in grid) for j in range(full_width)])
    height = len(grid)
    data_rows = len(rows)

    def is_total(i: int, j: int) -> bool:
        return (row_totals and j == width) or (column_totals and i == data_rows)

    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        lines += [[(i, j) for j in range(full_width)] for i in range(height)]
    if column_totals:
        lines += [[(i, j) for i in range(height)] for j in range(full_width)]

    small = {(i, j) for i in range(height) for j in range(full_width) if is_small(grid[i][j])}
    hidden: set[tuple[int, int]] = set()

    def withheld(pos: tuple[int, int]) -> bool:
        return pos in small or pos in hidden

    changed = True
    while changed:
        changed = False
        for line in lines:
            out = [p for p in line if withheld(p)]
            if len(out) != 1:
                continue
            candidates = [p for p in line if not withheld(p)]
            if not candidates:
                continue
            nonzero = [p for p in candidates if grid[p[0]][p[1]] > 0]
            pool = nonzero or candidates
            # The smallest cell first (it costs the reader least), totals last.
            choice = min(pool, key=lambda p: (is_total(*p), grid[p[0]][p[1]], p))
            hidden.add(choice)
            changed = True

    def entry(i: int, j: int) -> Shown:
        value = grid[i][j]
        if (i, j) in small:
            return Shown(None, small_text(), "small")
        if (i, j) in hidden:
            return Shown(None, HIDDEN, "hidden")
        return Shown(value, _fmt(value))

    cells = [[entry(i, j) for j in range(width)] for i in range(data_rows)]
    result = Protected(cells=cells, withheld=len(small) + len(hidden))
    if row_totals:
        result.row_totals = [entry(i, width) for i in range(data_rows)]
    if column_totals:
        result.column_totals = [entry(data_rows, j) for j in range(width)]
        if row_totals:
            result.grand_total = entry(data_rows, width)
    return result


def protect_list(counts: Sequence[int], *, total: bool = True) -> tuple[list[Shown], Shown | None]:
    """A list of counts (a one-column table) and, when asked for, its total below it."""
    table = protect([[n] for n in counts], row_totals=False, column_totals=total)
    total_shown = table.column_totals[0] if total and table.column_totals else None
    return [row[0] for row in table.cells], total_shown


def share(part: Any, whole: Any) -> str:
    """part / whole as a percentage, or "×" when it would give a small count away."""
    if isinstance(part, Shown) or isinstance(whole, Shown):
        if getattr(part, "withheld", False) or getattr(whole, "withheld", False):
            return HIDDEN
        part = part.value if isinstance(part, Shown) else part
        whole = whole.value if isinstance(whole, Shown) else whole
    if part is None or whole is None or whole == 0:
        return formatting.DASH
    if is_small(part) or is_small(whole) or is_small(whole - part):
        return HIDDEN
    return formatting.percent(part / whole)


def share_cell(part: Any, whole: Any) -> Shown:
    """`share` as a table cell: its text, and the share as a number where it is shown."""
    text = share(part, whole)
    if text == HIDDEN:
        return Shown(None, HIDDEN, "hidden")
    return Shown(share_value(part, whole), text, as_text=True)


def statistic_cell(
    members: int, value: Any, format_value: Callable[..., str] = formatting.number
) -> Shown:
    """`group_statistic` as a table cell."""
    text = group_statistic(members, value, format_value)
    if text == HIDDEN:
        return Shown(None, HIDDEN, "hidden")
    return Shown(value if text != formatting.DASH else None, text, as_text=True)


def share_value(part: Any, whole: Any) -> float | None:
    """The share as a number for a chart or a spreadsheet, None where `share` withholds it."""
    text = share(part, whole)
    if text in (HIDDEN, formatting.DASH):
        return None
    part = part.value if isinstance(part, Shown) else part
    whole = whole.value if isinstance(whole, Shown) else whole
    return float(part / whole)


def group_statistic(
    members: int, value: Any, format_value: Callable[..., str] = formatting.number
) -> str:
    """A statistic over a group (a median, a mean), withheld for a group of 1 to 4."""
    if not members or value is None:
        return formatting.DASH
    if is_small(members):
        return HIDDEN
    return format_value(value)


def legend() -> str:
    """The sentence under every table that may hold withheld counts (translated)."""
    from django.utils.translation import gettext

    return gettext(
        "%(small)s: between 1 and %(max)d, not shown. %(hidden)s: withheld so that a small "
        "count cannot be worked out from a total."
    ) % {"small": small_text(), "max": threshold() - 1, "hidden": HIDDEN}
