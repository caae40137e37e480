"""SAM data model and I/O: round trips and read-time errors with file and line."""

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cge.errors import SAMError
from cge.examples import toy_sam
from cge.sam import SAM, Account, Kind, read_sam, write_csv, write_excel


@pytest.fixture(scope="module")
def toy() -> SAM:
    return toy_sam()


def _folder(tmp_path: Path, accounts: str, cells: str) -> Path:
    (tmp_path / "accounts.csv").write_text(accounts)
    (tmp_path / "cells.csv").write_text(cells)
    (tmp_path / "meta.toml").write_text("")
    return tmp_path


ACCOUNTS = "region,account,kind\nR,a,activity\nR,c,commodity\n"
HEADER = "row_region,row_account,col_region,col_account,value\n"


def test_csv_round_trip_is_exact_and_deterministic(toy, tmp_path):
    write_csv(toy, tmp_path / "a")
    back = read_sam(tmp_path / "a")
    assert back == toy and back.meta == toy.meta
    write_csv(back, tmp_path / "b")
    for f in ("accounts.csv", "cells.csv", "meta.toml"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_excel_round_trip(toy, tmp_path):
    back = read_sam(write_excel(toy, tmp_path / "toy.xlsx"))
    assert back.accounts.equals(toy.accounts)
    # openpyxl writes 16 significant digits (Excel itself keeps 15): not bit-exact.
    np.testing.assert_allclose(back.values, toy.values, rtol=1e-15, atol=0)
    assert back.meta == toy.meta


def test_unknown_account_names_file_and_line(tmp_path):
    folder = _folder(tmp_path, ACCOUNTS, HEADER + "R,a,R,c,1\nR,a,R,x,2\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    (p,) = err.value.problems
    assert p.code == "unknown-account"
    assert p.where.file == str(folder / "cells.csv") and p.where.line == 3
    assert p.where.cell == ("R:a", "R:x")
    assert "cells.csv:3" in str(err.value) and "R:x" in str(err.value)


def test_line_numbers_count_comment_and_blank_lines(tmp_path):
    folder = _folder(tmp_path, "# accounts\nregion,account,kind\n\nR,a,activity\nR,c,commodity\n",
                     "# cells\n" + HEADER + "R,a,R,c,1\n# note\n\nR,a,R,x,2\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    assert err.value.problems[0].where.line == 6
    (tmp_path / "accounts.csv").write_text("region,account,kind\n\n# x\nR,a,bogus\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    assert err.value.problems[0].where.line == 4


def test_nan_and_non_numeric_values(tmp_path):
    folder = _folder(tmp_path, ACCOUNTS, HEADER + "R,a,R,c,nan\nR,c,R,a,abc\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    codes = [(p.code, p.where.line) for p in err.value.problems]
    assert codes == [("bad-value", 2), ("bad-value", 3)]
    assert "'abc' is not a finite number" in str(err.value)


def test_duplicate_cell(tmp_path):
    folder = _folder(tmp_path, ACCOUNTS, HEADER + "R,a,R,c,1\nR,c,R,a,1\nR,a,R,c,2\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    (p,) = err.value.problems
    assert p.code == "duplicate-cell" and p.where.line == 4
    assert "first at line 2" in p.message


def test_bad_kind_and_duplicate_account(tmp_path):
    folder = _folder(tmp_path, "region,account,kind\nR,a,activity\nR,b,factory\nR,a,commodity\n",
                     HEADER)
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    (p,) = err.value.problems
    assert p.code == "unknown-kind" and p.where.line == 3 and "'factory'" in p.message
    (tmp_path / "accounts.csv").write_text("region,account,kind\nR,a,activity\nR,a,commodity\n")
    with pytest.raises(SAMError) as err:
        read_sam(folder)
    assert err.value.problems[0].code == "duplicate-account"
    assert "lines [2, 3]" in str(err.value)


def test_from_tidy_reports_every_problem(tmp_path):
    accounts = [Account("R", "a", Kind.ACTIVITY), Account("R", "c", Kind.COMMODITY)]
    cells = pd.DataFrame({"row_region": ["R", "R", "R"], "row_account": ["a", "q", "a"],
                          "col_region": ["R"] * 3, "col_account": ["c", "a", "c"],
                          "value": [1.0, 2.0, np.inf]})
    with pytest.raises(SAMError) as err:
        SAM.from_tidy(cells, accounts, cells_file="cells.csv")
    assert [(p.code, p.where.line) for p in err.value.problems] == [
        ("unknown-account", 3), ("bad-value", 4)]


def test_excel_errors_name_sheet_and_row(toy, tmp_path):
    file = write_excel(toy, tmp_path / "toy.xlsx")
    book = openpyxl.load_workbook(file)
    sheet = book["NORTH x NORTH"]
    sheet["A3"] = "a-nope"
    sheet["C2"] = "lots"
    book.save(file)
    with pytest.raises(SAMError) as err:
        read_sam(file)
    text = str(err.value)
    assert "[NORTH x NORTH]:3" in text and "NORTH:a-nope" in text
    assert "[NORTH x NORTH]:2" in text and "'lots'" in text


def test_excel_repeated_label(toy, tmp_path):
    file = write_excel(toy, tmp_path / "toy.xlsx")
    book = openpyxl.load_workbook(file)
    book["NORTH x NORTH"]["C1"] = "a-agr"
    book.save(file)
    with pytest.raises(SAMError) as err:
        read_sam(file)
    (p,) = err.value.problems
    assert p.code == "duplicate-label" and "column B, column C" in p.message
