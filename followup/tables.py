"""A follow-up table: its columns (each explained), its rows of cells already protected by
`ods_platform.lib.suppression`, and how it is drawn.

One shape for every surface: the page renders it (`followup/_table.html`) with an ECharts chart
beside it, the CSV/XLSX export writes its `headers()` and `export_rows()`, the evaluation
report stores `as_json()` in its snapshot and prints it, and the report's workbook gets one
sheet per table plus a sheet that explains every column (`column_rows`). A cell is a label
(text) or a `Shown` (a count, or a share or median shown as text); a withheld count is never
in a table, only its "<5" or "×".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ods_platform.lib.suppression import Shown

# Cells an ARIA description lists before it refers to the table.
DESCRIBED_CELLS = 60


@dataclass(frozen=True)
class Column:
    label: str
    help: str
    numeric: bool = True


@dataclass
class Table:
    key: str
    title: str
    description: str
    columns: list[Column]
    rows: list[list]
    # {"series": [column index, ...], "lines": [column index, ...] (drawn as lines, not
    # stacked: a total), "stacked": bool, "percent": bool}, or None: no chart.
    chart: dict | None = None
    note: str = ""
    footer: list | None = None  # a totals row, drawn under the rows
    notes: list[str] = field(default_factory=list)

    def headers(self) -> list[str]:
        return [c.label for c in self.columns]

    def export_rows(self) -> list[list]:
        rows = [[_export(cell) for cell in row] for row in self.rows]
        if self.footer:
            rows.append([_export(cell) for cell in self.footer])
        return rows

    def chart_data(self) -> dict | None:
        """What charts.js draws: categories (the rows), one series per chosen column; a
        withheld cell is None and not drawn."""
        if not self.chart or not self.rows:
            return None
        series = []
        lines = self.chart.get("lines", [])
        for index in [*self.chart["series"], *lines]:
            series.append(
                {
                    "name": self.columns[index].label,
                    "values": [_value(row[index]) for row in self.rows],
                    "line": index in lines,
                }
            )
        return {
            "categories": [str(row[0]) for row in self.rows],
            "series": series,
            "stacked": self.chart.get("stacked", False),
            "percent": self.chart.get("percent", False),
            "rotate": len(self.rows) > 6,
        }

    def aria_description(self) -> str:
        """The chart's description for screen readers: the figures, then the table."""
        from django.utils.translation import gettext as _

        parts = []
        shown = 0
        for row in self.rows:
            cells = []
            for index in [*(self.chart or {}).get("series", []),
                          *(self.chart or {}).get("lines", [])]:  # fmt: skip
                cells.append(f"{self.columns[index].label} {_text(row[index])}")
                shown += 1
            parts.append(f"{row[0]}: " + ", ".join(cells))
            if shown >= DESCRIBED_CELLS:
                parts.append(_("and more in the table"))
                break
        return f"{self.title}. " + "; ".join(parts) + "."

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "columns": [
                {"label": c.label, "help": c.help, "numeric": c.numeric} for c in self.columns
            ],
            "rows": [[_json(cell) for cell in row] for row in self.rows],
            "footer": [_json(cell) for cell in self.footer] if self.footer else None,
            "note": self.note,
            "notes": list(self.notes),
            "chart": self.chart,
        }

    @classmethod
    def from_json(cls, data: dict) -> Table:
        return cls(
            key=data["key"],
            title=data["title"],
            description=data["description"],
            columns=[Column(c["label"], c["help"], c["numeric"]) for c in data["columns"]],
            rows=[[_unjson(cell) for cell in row] for row in data["rows"]],
            footer=[_unjson(cell) for cell in data["footer"]] if data.get("footer") else None,
            note=data.get("note", ""),
            notes=list(data.get("notes", [])),
            chart=data.get("chart"),
        )


def _export(cell):
    return cell.cell() if isinstance(cell, Shown) else cell


def _value(cell):
    return cell.value if isinstance(cell, Shown) and not cell.withheld else None


def _text(cell) -> str:
    return cell.text if isinstance(cell, Shown) else str(cell)


def _json(cell):
    if isinstance(cell, Shown):
        return {"v": None if cell.withheld else cell.value, "t": cell.text, "k": cell.kind,
                "s": cell.as_text}  # fmt: skip
    return cell


def _unjson(cell):
    if isinstance(cell, dict):
        return Shown(cell["v"], cell["t"], cell.get("k"), cell.get("s", False))
    return cell


def column_rows(tables: list[Table]) -> list[list[str]]:
    """The explanation of every column of every table: (sheet, column, what it holds)."""
    rows = []
    for table in tables:
        rows.append([table.title, "", table.description])
        for column in table.columns:
            rows.append([table.title, column.label, column.help])
    return rows
