"""Paper-ready outputs: decimals per column, true minus signs, LaTeX tables that fit the page,
Excel header and panes, TrueType fonts in PDF figures, units in NetCDF and CSV, scenario
descriptions as labels. Built from small frames, no solve: each test takes well under 10 s."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xarray as xr

from cge.experiments.runner import model_units, with_units
from cge.reporting import read_labels, read_results, to_tidy, write_netcdf
from cge.reporting.export import (
    TEXT_HEIGHT_PT,
    TEXT_WIDTH_PT,
    latex_layout,
    to_latex,
    write_excel,
)
from cge.reporting.figures import grouped_bars, save_figures
from cge.reporting.numbers import decimals, format_number, text_width_pt
from cge.reporting.tables import scenario_label


def test_small_effects_keep_their_significant_digits():
    assert decimals([0.0005, 0.23]) == 5
    assert format_number(0.0005, decimals([0.0005])) == "0.00050"
    assert decimals([12.5, 1.25]) == 1 and decimals([3.0, 4.0]) == 0
    assert decimals([1e-13, 0.5]) == 2  # solver noise does not count
    assert format_number(1234.5, 1) == "1{,}234.5"


def test_true_minus_signs():
    assert format_number(-0.5, 2) == "$-$0.50"
    assert format_number(-0.5, 2, style="text") == "\u22120.50"
    assert format_number(-1e-12, 2) == "0.00"  # no sign on a value that prints as zero
    assert format_number(float("nan"), 2) == "--"


def _frame(n_cols: int, header: str) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(5, n_cols)) * 10,
                      index=pd.Index([f"sector {k}" for k in range(5)], name="Sector"),
                      columns=[f"{header} {k}" for k in range(n_cols)])
    df.iloc[0, 0] = 0.0005
    df.iloc[1, 0] = -0.75
    df.attrs.update(title="Output by sector, % change", units=dict.fromkeys(df.columns, "%"))
    return df


def test_latex_prints_small_values_and_minus():
    tex = to_latex(_frame(2, "scenario"), label="t")
    assert "0.00050" in tex and "$-$0.75000" in tex and "-0." not in tex.replace("$-$", "")


@pytest.mark.parametrize("n_cols", [3, 8, 14, 30])
def test_latex_fits_the_page(n_cols):
    """Widths from Computer Modern's metrics (pdflatex is not needed): every tabular fits
    the text width, or the text height on a landscape page."""
    df = _frame(n_cols, "interregional trade costs for goods cut by 25 % in both directions, "
                "scenario")
    lay = latex_layout(df)
    limit = TEXT_HEIGHT_PT if lay.env == "sidewaystable" else TEXT_WIDTH_PT
    assert all(lay.width(chunk) <= limit for chunk in lay.chunks)
    assert sum(len(c) for c in lay.chunks) == n_cols
    tex = to_latex(df, label="t")
    # headers too long for a column become keys explained under the table
    assert r"\par\footnotesize (1) interregional trade costs" in tex
    if len(lay.chunks) > 1:
        assert tex.count(r"\begin{table}") == len(lay.chunks) and "(continued)" in tex


def test_width_estimate_is_computer_modern():
    # TeX's cmr10 advance widths: "M" 9.17 pt, "i" 2.78 pt
    assert text_width_pt("M") == pytest.approx(9.17, abs=0.1)
    assert text_width_pt("i") == pytest.approx(2.78, abs=0.1)
    assert text_width_pt("Вологда") > text_width_pt("Volog")  # no glyph: measured as Latin


def test_numbers_summed_from_glyphs_measure_as_freetype_lays_them_out():
    # numbers take the glyph-sum shortcut of _width; FreeType's layout of the same strings
    # (kerning, ligatures, ink beyond the advance) is the reference
    from cge.reporting.export import _measured
    from cge.reporting.numbers import NUMERIC, _font, _glyph_sum

    def laid_out(text):
        font = _font()
        font.set_text(text)
        return font.get_width_height()[0]

    values = [0.0, 1.0, -7.0, 0.0005, -0.00123456, 12.5, -345.678, 1234567.891, 0.1, 99.99]
    texts = {_measured(format_number(v, d)) for v in values for d in range(7)}
    texts |= {"(1)", "(12)", "12 %", "--", "1 000", "+0.5 %"}
    assert all(NUMERIC.issuperset(t) for t in texts)
    assert {t: _glyph_sum(t) for t in texts} == {t: laid_out(t) for t in texts}


def _ds() -> xr.Dataset:
    ds = xr.Dataset(
        {"status": ("scenario", ["benchmark", "ok"]),
         "description": ("scenario", ["benchmark", "trade costs halved"]),
         "EV": (("scenario", "region"), [[0.0, 0.0], [1.5, -0.0005]],
                {"units": "value", "description": "equivalent variation"})},
        coords={"scenario": ["benchmark", "cut"], "region": ["VOL", "RUS"]},
        attrs={"units": "bln RUB"})
    return with_units(ds, ds.attrs["units"])


def test_excel_header_in_row_one_frozen_panes_and_number_formats(tmp_path):
    df = pd.DataFrame({"EV VOL": [0.0005, -1.25]},
                      index=pd.Index(["trade costs halved", "tariffs"], name="Scenario"))
    df.attrs.update(title="Welfare", units={"EV VOL": "bln RUB"}, notes=["a note"])
    path = write_excel(_ds(), {"welfare": df}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["welfare"]
    assert [ws["A1"].value, ws["B1"].value] == ["Scenario", "EV VOL (bln RUB)"]
    assert ws.freeze_panes == "B2"
    assert ws["B2"].value == 0.0005 and ws["B2"].number_format == "#,##0.00000"
    assert ws["A5"].value == "Welfare" and ws["A6"].value == "a note"


def test_pdf_figures_embed_truetype_fonts(tmp_path):
    import matplotlib

    df = pd.DataFrame({"cut": [1.0, -0.5]}, index=["VOL", "RUS"])
    (pdf,) = save_figures({"grp": grouped_bars(df, title="GRP", xlabel="%")}, tmp_path,
                          ("pdf",))
    data = pdf.read_bytes()
    # Type 42: a CID-keyed TrueType font, not a Type 3 font
    assert b"/CIDFontType2" in data and b"/Type3" not in data
    assert matplotlib.rcParams["pdf.fonttype"] == 3  # set for the save only, not globally


def test_netcdf_and_csv_carry_units(tmp_path):
    ds = _ds()
    assert ds["EV"].attrs["units"] == "bln RUB" and ds["EV"].attrs["unit_kind"] == "value"
    assert ds["EV"].attrs["long_name"] == "equivalent variation"
    back = read_results(write_netcdf(ds, tmp_path / "r.nc"))
    assert back["EV"].attrs["units"] == "bln RUB"
    assert set(to_tidy(back)["units"]) == {"bln RUB"}


def test_model_units():
    from cge.config import ModelConfig

    assert model_units(ModelConfig(scale=1000.0, units="bln RUB"), "mln RUB") == "bln RUB"
    assert model_units(ModelConfig(), "mln RUB") == "mln RUB"
    assert model_units(ModelConfig(scale=1000.0), "mln RUB") == "mln RUB / 1000"


def test_scenario_labels_are_descriptions(tmp_path):
    ds = _ds()
    assert scenario_label(ds, read_labels(None), "cut") == "trade costs halved"
    labels = tmp_path / "labels.csv"
    labels.write_text("kind,label,en,ru\nscenario,cut,Cheaper trade,Дешевле торговля\n",
                      encoding="utf-8")
    assert scenario_label(ds, read_labels(labels), "cut") == "Cheaper trade"
    assert scenario_label(ds, read_labels(labels, "ru"), "cut") == "Дешевле торговля"


def _regions_frame(rows: str, n_other: int) -> pd.DataFrame:
    """Real GRP, % change: the 85 regions of sam/regions/regions.csv by n_other scenarios
    (rows="regions"), or the scenarios by the 85 regions (rows="scenarios")."""
    names = pd.read_csv("sam/regions/regions.csv", comment="#")["name_en"].tolist()
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(85, n_other)), index=pd.Index(names, name="Region"),
                      columns=[f"scenario {k + 1}" for k in range(n_other)])
    if rows == "scenarios":
        df = df.T
        df.index.name = "Scenario"
    df.attrs.update(title="Real gross regional product", units=dict.fromkeys(df.columns, "%"))
    return df


def test_latex_85_regions_as_rows_is_a_longtable_with_repeated_header():
    tex = to_latex(_regions_frame("regions", 3), label="grp")
    assert tex.splitlines()[0] == r"% needs \usepackage{booktabs,array,longtable}"
    assert tex.count(r"\begin{longtable}") == 1 and r"\begin{table}" not in tex
    head, rest = tex.split(r"\endfirsthead")
    repeated, body = rest.split(r"\endhead")
    # the caption and header repeat on every page, marked as continued
    assert r"\caption[]{Real gross regional product (\%) (continued)}" in repeated
    assert "Region & " in head and "Region & " in repeated
    assert r"\label{tab:grp}" in head and r"\label" not in repeated
    assert r"\endfoot" in body and r"\endlastfoot" in body
    assert body.count(r" \\") == 85 + 1  # 85 regions and the foot
    assert "Khanty" in body and "Chukotka" in body


def test_latex_scenarios_by_85_regions_is_set_with_regions_as_rows():
    """Too wide even for a landscape page: rows and columns are swapped (one unit), then it
    is too long for a page: a longtable, said under the table."""
    df = _regions_frame("scenarios", 3)
    assert len(latex_layout(df).chunks) > 1
    tex = to_latex(df, label="grp")
    assert tex.count(r"\begin{longtable}{") == 1
    assert "Rows and columns are swapped to fit the page." in tex
    body = tex.split(r"\endlastfoot")[1]
    assert body.count("\n") - 2 >= 85 and "Moscow" in body


def test_latex_long_and_wide_goes_landscape_long_or_splits_columns():
    wide = _regions_frame("regions", 6)
    lay = latex_layout(wide)
    assert lay.env == "sidewaystable" and lay.long
    tex = to_latex(wide, label="w")
    assert tex.splitlines()[0] == r"% needs \usepackage{booktabs,array,pdflscape,longtable}"
    assert tex.count(r"\begin{landscape}") == 1 and tex.count(r"\begin{longtable}") == 1
    wider = _regions_frame("regions", 40)
    wider.attrs["units"] = {c: ("%" if k % 2 else "bln RUB") for k, c in
                            enumerate(wider.columns)}  # two units: not swapped
    lay = latex_layout(wider)
    assert len(lay.chunks) > 1 and lay.long
    tex = to_latex(wider, label="w")
    assert tex.count(r"\begin{longtable}") == len(lay.chunks)
    assert all(lay.width(c) <= TEXT_WIDTH_PT for c in lay.chunks)


def test_long_latex_tables_compile(tmp_path):
    """pdflatex, where installed, sets the long tables (portrait, landscape, swapped, in
    column parts) without overfull lines."""
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    tables = [to_latex(_regions_frame("regions", 3), label="a"),
              to_latex(_regions_frame("regions", 6), label="b"),
              to_latex(_regions_frame("scenarios", 3), label="c")]
    parts = _regions_frame("regions", 40)  # two units: columns in parts, each a longtable
    parts.attrs["units"] = {c: ("%" if k % 2 else "bln RUB") for k, c in
                            enumerate(parts.columns)}
    tables.append(to_latex(parts, label="d"))
    doc = "\n".join([r"\documentclass{article}",
                     r"\usepackage{booktabs,array,rotating,longtable,pdflscape}",
                     r"\begin{document}", *tables, r"\end{document}"])
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull \\hbox" not in run.stdout
