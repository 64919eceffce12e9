import io

import openpyxl
import pytest

from ods_platform.lib.export import table_response


def test_csv_cells_that_would_run_as_formulas_are_defused():
    response = table_response(
        "t", ["Namn", "Kommentar"], [('=HYPERLINK("x")', "+1"), ("Vanlig", None)], "csv"
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1] == '"\'=HYPERLINK(""x"")",\'+1'
    assert lines[2] == "Vanlig,"


def test_xlsx_keeps_swedish_text():
    response = table_response("t", ["Namn"], [("Österåker",)], "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "Österåker"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        table_response("t", ["a"], [], "pdf")
