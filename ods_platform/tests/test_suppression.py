"""Small counts: 1 to 4 shown as "<5", and no total that gives one away by subtraction."""

import itertools

import pytest

from ods_platform.lib import suppression
from ods_platform.lib.suppression import HIDDEN, protect, protect_list, share, shown


def texts(cells):
    return [c.text for c in cells]


def test_small_counts_are_shown_as_less_than_five_and_zero_and_five_as_they_are():
    assert [shown(n).text for n in (0, 1, 4, 5, 1248)] == ["0", "<5", "<5", "5", "1\u00a0248"]
    assert [shown(n).value for n in (0, 1, 4, 5)] == [0, None, None, 5]
    assert shown(3).cell() == "<5" and shown(12).cell() == 12
    assert shown(None).text == "–"


def test_the_threshold_is_a_setting(settings):
    settings.ODS_SUPPRESS_BELOW = 10
    assert shown(9).text == "<10" and shown(10).text == "10"
    assert "mellan 1 och 9" in suppression.legend() or "between 1 and 9" in suppression.legend()


def test_a_total_beside_one_small_cell_makes_a_second_cell_withheld():
    table = protect([[3, 0, 7, 12]])
    # 3 is small; with the total 22 shown it would be 22 - 0 - 7 - 12: the smallest other
    # non-zero cell (7) is withheld as well, and 0 stays.
    assert texts(table.cells[0]) == ["<5", "0", HIDDEN, "12"]
    assert table.row_totals[0].text == "22"


def test_a_row_of_one_small_cell_and_zeros_has_a_small_total_that_is_withheld():
    table = protect([[3, 0, 0]])
    assert texts(table.cells[0]) == ["<5", "0", "0"]
    assert table.row_totals[0].text == "<5"


def test_two_small_cells_in_a_row_protect_each_other():
    table = protect([[2, 3, 10]])
    assert texts(table.cells[0]) == ["<5", "<5", "10"]
    assert table.row_totals[0].text == "15"


def test_rows_and_columns_are_protected_together_until_no_line_gives_a_cell_away():
    counts = [[2, 8, 9], [7, 6, 12], [10, 11, 13]]
    table = protect(counts, row_totals=True, column_totals=True)
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)] + [
        [*table.column_totals, table.grand_total]
    ]
    full = [[*r, sum(r)] for r in counts]
    full.append([sum(col) for col in zip(*full, strict=True)])
    # No row and no column has exactly one withheld entry.
    for line in [*grid, *zip(*grid, strict=True)]:
        assert sum(e.withheld for e in line) != 1
    # Every shown value is the true one.
    for i, j in itertools.product(range(4), range(4)):
        if not grid[i][j].withheld:
            assert grid[i][j].value == full[i][j]
    assert grid[0][0].text == "<5"


@pytest.mark.parametrize(
    "counts",
    [[[1, 5, 5]], [[4, 9], [9, 4]], [[0, 3], [6, 7]], [[1, 1, 1, 1]], [[5, 6], [7, 3], [2, 9]]],
)
def test_no_withheld_count_can_be_worked_out_from_the_shown_figures(counts):
    table = protect(counts, row_totals=True, column_totals=True)
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)] + [
        [*table.column_totals, table.grand_total]
    ]
    for line in [*grid, *zip(*grid, strict=True)]:
        withheld = [e for e in line if e.withheld]
        assert len(withheld) != 1
    assert not any(e.value is not None and suppression.is_small(e.value) for r in grid for e in r)


def test_a_list_with_its_total():
    cells, total = protect_list([12, 2, 30])
    assert texts(cells) == [HIDDEN, "<5", "30"] and total.text == "44"  # the smaller of the two
    cells, total = protect_list([12, 2, 30], total=False)
    assert texts(cells) == ["12", "<5", "30"] and total is None


def test_a_share_that_would_give_away_a_small_count_is_withheld():
    assert share(9, 10) == HIDDEN  # the rest, 1, would follow
    assert share(3, 20) == HIDDEN
    assert share(10, 40) == "25\u00a0%"
    assert share(0, 20) == "0\u00a0%"
    assert share(20, 20) == "100\u00a0%"
    assert share(5, 0) == "–"
    assert share(shown(3), shown(30)) == HIDDEN


def test_a_statistic_over_a_small_group_is_withheld():
    assert suppression.group_statistic(3, 41.5) == HIDDEN
    assert suppression.group_statistic(5, 41.5) == "41,5"
    assert suppression.group_statistic(0, None) == "–"


def test_an_empty_table_has_zero_totals():
    table = protect([], row_totals=True, column_totals=True)
    assert table.cells == [] and table.grand_total.text == "0"


def test_bad_tables_are_refused():
    with pytest.raises(ValueError):
        protect([[1, 2], [3]])
    with pytest.raises(ValueError):
        protect([[-1]])
