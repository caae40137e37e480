"""The Rosstat reader on the real 2021 workbook: identities, national totals, layout errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from cge.errors import InputError
from cge.sources.rosstat import (
    NATIONAL_TOTALS_2021,
    ROUNDING_TOL,
    TOTALS_TOL_TRN,
    check_identities,
    read_rosstat_io,
)

WORKBOOK = Path(__file__).parents[1] / "sam" / "sources" / "rosstat" / "baz_tzv-2021.xlsx"


@pytest.fixture(scope="session")
def io2021():
    return read_rosstat_io(WORKBOOK)


def test_shapes_and_labels(io2021):
    # 113 products in the 2021 basic tables (SOURCES.md); product 040 is ferrous metals 24.1-24.3
    assert len(io2021.products) == 113
    assert io2021.z_total.shape == (113, 113)
    assert io2021.products.at["040", "okpd2"].startswith("24.1")
    assert list(io2021.final_total.columns) == ["hh", "gov_ind", "gov_coll", "npish", "gfcf",
                                                "inventories", "valuables", "exports"]


def test_identities_hold(io2021):
    assert check_identities(io2021) == []


def test_national_totals_within_tolerance(io2021):
    got = io2021.totals()
    for name, published in NATIONAL_TOTALS_2021.items():
        assert got[name] == pytest.approx(published, abs=TOTALS_TOL_TRN), name


def test_ferrous_metals_product(io2021):
    # SOURCES.md: product 040 in 2021 has output 5.97 trn RUB, GVA 1.23 trn, exports 1.94 trn
    assert io2021.output["040"] / 1e6 == pytest.approx(5.97, abs=0.005)
    assert io2021.value_added.at["B1g", "040"] / 1e6 == pytest.approx(1.23, abs=0.005)
    assert io2021.final_total.at["040", "exports"] / 1e6 == pytest.approx(1.94, abs=0.005)


def test_violated_identity_is_reported(io2021):
    z = io2021.z_domestic.copy()
    z.iloc[3, 5] += 10 * ROUNDING_TOL
    problems = check_identities(replace(io2021, z_domestic=z))
    codes = {p.code for p in problems}
    assert {"domestic-plus-imported", "domestic-row"} <= codes
    assert any("product 004" in p.message for p in problems)


def test_wrong_published_total_is_reported(io2021):
    problems = check_identities(io2021, totals={"gva": 100.0})
    assert [p.code for p in problems] == ["national-total"]
    assert "gva" in problems[0].message


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_layout_change_names_sheet(tmp_path):
    wb = openpyxl.load_workbook(WORKBOOK)
    ws = wb["Симм отеч"]
    for row in ws.iter_rows(min_row=1, max_row=6, max_col=3):
        for cell in row:
            if cell.value == "Коды":
                cell.value = "Codes?"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(InputError, match="Симм отеч.*Коды"):
        read_rosstat_io(bad)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_bad_cell_names_sheet_and_cell(tmp_path):
    wb = openpyxl.load_workbook(WORKBOOK)
    wb["Симм ТЗВ"]["E5"] = 99_999_999
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(InputError) as err:
        read_rosstat_io(bad)
    assert "Симм ТЗВ" in str(err.value) and "E5" in str(err.value)
