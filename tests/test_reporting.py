"""Exports of results: NetCDF round trip, tidy CSV, Excel, LaTeX, figures, labels, comparison.

Uses the toy 2-region experiment; checks are structural (what a reader of the files gets back)
and the one number checked is recomputed from the Dataset itself.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from cge.errors import InputError
from cge.experiments import run_experiment
from cge.reporting import (
    compare_runs,
    headline_tables,
    parse_formats,
    read_labels,
    read_results,
    to_latex,
    to_tidy,
    write_netcdf,
    write_report,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "calibration" / "labels_vologda.csv"
CUT = "import tariffs halved in both regions"


@pytest.fixture(scope="module")
def ds():
    return run_experiment(ROOT / "experiments" / "toy_interregional.toml").results


def test_netcdf_round_trip_is_identical(ds, tmp_path):
    back = read_results(write_netcdf(ds, tmp_path / "results.nc"))
    xr.testing.assert_identical(back, ds)  # values, coords, string variables and all attrs
    assert back.attrs["sam_sha256"] == ds.attrs["sam_sha256"]
    assert back["Z"].attrs["units"] == "quantity"
    assert back["description"].sel(scenario="tariff_cut").item().startswith("import tariffs")
    xr.testing.assert_identical(read_results(tmp_path), ds)  # a folder works too


def test_tidy_csv_has_one_row_per_entry(ds):
    tidy = to_tidy(ds)
    numeric = [n for n, v in ds.data_vars.items() if "scenario" in v.dims and v.dtype.kind in "fi"]
    assert len(tidy) == sum(ds[n].size for n in numeric)
    row = tidy[(tidy.variable == "Z") & (tidy.scenario == "tariff_cut") & (tidy.region == "NORTH")
               & (tidy.sector == "man")]
    assert row["value"].item() == float(ds["Z"].sel(scenario="tariff_cut", region="NORTH",
                                                    sector="man"))
    assert row["units"].item() == "quantity" and row["commodity"].item() == ""


def test_headline_tables_match_the_dataset(ds):
    tables = headline_tables(ds, read_labels(None))
    assert set(tables) >= {"welfare", "grp", "trade", "output_NORTH", "output_SOUTH"}
    # rows are scenario descriptions (the experiment gives them), not ids
    tariff, half = CUT, "interregional trade margins halved in both directions"
    assert tables["grp"].loc[tariff, "NORTH"] == float(
        ds["pct_GRP_real"].sel(scenario="tariff_cut", region="NORTH"))
    assert "benchmark" not in tables["welfare"].index
    # trade: shipments NORTH -> SOUTH at benchmark prices, % change, recomputed here
    vol = ds["trade_volume"].sel(origin="NORTH", destination="SOUTH").sum("commodity")
    expected = 100 * (float(vol.sel(scenario="margins_half")) / float(vol.sel(
        scenario="benchmark")) - 1)
    col = [c for c in tables["trade"].columns if "NORTH \u2192 SOUTH" in c]
    assert tables["trade"].loc[half, col[0]] == pytest.approx(expected, rel=1e-12)
    assert tables["trade"].attrs["units"][col[0]] == "%"
    assert set(tables["welfare"].attrs["units"].values()) == {ds.attrs["units"], "%"}


def test_latex_is_booktabs_and_escaped(ds):
    tex = to_latex(headline_tables(ds, read_labels(None))["grp"], label="toy:grp")
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert "import tariffs halved in both regions" in tex and r"\label{tab:toy:grp}" in tex
    assert r"\% change" in tex


def test_report_writes_every_format(ds, tmp_path):
    written = write_report(ds, tmp_path, labels=read_labels(None), formats=parse_formats(
        "nc,csv,xlsx,tex,png,pdf"))
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"results.nc", "results.csv", "tables.xlsx", "tables/welfare.tex",
            "figures/welfare.png", "figures/welfare.pdf", "figures/trade.pdf",
            "figures/output_NORTH.png"} <= names
    wb = openpyxl.load_workbook(tmp_path / "tables.xlsx", read_only=True)
    assert {"welfare", "grp", "trade", "scenarios", "metadata"} <= set(wb.sheetnames)
    assert (tmp_path / "figures" / "grp.pdf").read_bytes().startswith(b"%PDF")


def test_russian_labels(ds, tmp_path):
    labels = read_labels(LABELS, "ru")
    assert labels.of("commodity", "ferr") == "Чёрная металлургия"
    assert labels.of("region", "NORTH") == "NORTH"  # unknown codes stay codes
    written = write_report(ds, tmp_path, labels=labels, formats=("tex", "png"))
    tex = (tmp_path / "tables_ru" / "grp.tex").read_text(encoding="utf-8")
    assert "Реальный ВРП" in tex
    assert any(p.parent.name == "figures_ru" for p in written)


def test_bad_label_file_and_format(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("kind,label,en\nsector,a,A\nsector,a,B\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"labels.csv:3.*listed twice"):
        read_labels(bad)
    with pytest.raises(InputError, match="unknown format"):
        parse_formats("csv,docx")


def test_compare_runs(ds, tmp_path):
    a = write_netcdf(ds, tmp_path / "a.nc")
    b = write_netcdf(ds.sel(scenario=["benchmark", "tariff_cut"]), tmp_path / "b.nc")
    table = compare_runs([a, b])
    assert table.shape[1] == 2
    ev = table.loc[("EV", "NORTH", "tariff_cut")]
    assert ev.iloc[0] == ev.iloc[1] == float(ds["EV"].sel(scenario="tariff_cut", region="NORTH"
                                                          ).sum())
    assert table.loc[("EV", "NORTH", "margins_half")].isna().iloc[1]
