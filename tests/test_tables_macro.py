"""The trade matrix and the macro and prices table (issue 20 item 2, cge.reporting.tables_macro),
on Hosoe et al.'s STDCGE tariff abolition: benchmark columns against the SAM's cells, the GRP
components against GRP by expenditure, the CPI against a hand computation, and the tables in
the report's CSV, Excel and LaTeX outputs."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from cge import examples
from cge.experiments import run_experiment
from cge.reporting import read_labels, write_report
from cge.reporting.tables_macro import macro, trade_matrix
from cge.sam import read_sam


@pytest.fixture(scope="module")
def stdcge():
    res = run_experiment(examples.data_root() / "experiments" / "stdcge_tariff.toml")
    return res.results, read_sam(res.experiment.sam)


def test_trade_matrix_benchmark_is_the_sam(stdcge):
    ds, sam = stdcge
    df = trade_matrix(ds, read_labels(None))
    for i in ("BRD", "MLK"):
        # exports: activity row, rest-of-world column; imports: the reverse, commodity column
        assert df.at[f"ECO \u2192 abroad: {i}", "benchmark"] == pytest.approx(
            sam.get(f"ECO:a-{i}", "ROW:EXT"), rel=1e-12)
        assert df.at[f"abroad \u2192 ECO: {i}", "benchmark"] == pytest.approx(
            sam.get("ROW:EXT", f"ECO:c-{i}"), rel=1e-12)
        assert df.at[f"ECO \u2192 ECO: {i}", "benchmark"] == pytest.approx(
            sam.get(f"ECO:a-{i}", f"ECO:c-{i}"), rel=1e-12)
    scen = [c for c in df.columns if c.endswith(", %")][0]
    level = scen.removesuffix(", %")
    row = "abroad \u2192 ECO: BRD"
    assert df.at[row, scen] == pytest.approx(
        100 * (df.at[row, level] / df.at[row, "benchmark"] - 1), rel=1e-12)
    assert df.attrs["units"][scen] == "%" and df.attrs["units"]["benchmark"] == ds.attrs["units"]


def test_macro_components_add_up_and_prices(stdcge):
    ds, _ = stdcge
    df = macro(ds, read_labels(None))
    unit = ds.attrs["units"]
    part = [f"ECO: {x} ({unit})" for x in (
        "household consumption", "government consumption", "investment", "exports abroad",
        "imports from abroad")]
    for col in ("benchmark", "import tariffs on both goods set to zero"):
        total = df.at[f"ECO: GRP by expenditure ({unit})", col]
        # STDCGE has no re-exports: the components alone make GRP by expenditure (to 1e-9)
        assert abs(df.loc[part, col].sum() - total) < 1e-9 * total
        assert abs(df.at[f"ECO: other final demand (re-exports) ({unit})", col]) < 1e-9 * total
    s = ds.sel(scenario="tariff_abolition")
    b = ds.sel(scenario="benchmark")
    xp0 = b["Xp"].sum("household")
    cpi = float((s["pq"] * xp0).sum() / (b["pq"] * xp0).sum())
    scen = "import tariffs on both goods set to zero"
    assert df.at["ECO: consumer price index (index, benchmark = 1)", scen] == pytest.approx(
        cpi, rel=1e-12)
    # labour is the numeraire (pf = 1), capital earns its market price
    assert df.at["ECO: price of LAB (average) (index, benchmark = 1)", scen] == pytest.approx(
        1.0, abs=1e-12)
    assert df.at[f"ECO: government budget balance (savings) ({unit})", scen] == (
        pytest.approx(float(s["Sg"].sel(region="ECO")), rel=1e-12))
    eps = [i for i in df.index if i.startswith("exchange rate")]
    assert len(eps) == 1 and df.at[eps[0], scen] == pytest.approx(
        float(s["epsilon"].squeeze()), rel=1e-12)
    assert np.isfinite(df.drop(columns=[c for c in df.columns if c.endswith(", %")])
                       .values).all()


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_tables_in_report_outputs(stdcge, tmp_path):
    ds, _ = stdcge
    write_report(ds, tmp_path, labels=read_labels(None), formats=("csv", "xlsx", "tex"))
    for name in ("trade_matrix", "macro"):
        assert (tmp_path / "tables" / f"{name}.tex").is_file()
        text = (tmp_path / "tables" / f"{name}.csv").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert f",benchmark ({ds.attrs['units']})," in lines[0] or name == "macro"
        assert lines[-1].startswith("# ")  # the last note
    wb = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert {"trade_matrix", "macro"} <= set(wb.sheetnames)
