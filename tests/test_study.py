"""``cge study`` on the toy SAM (experiments/toy_study.toml): the three steps end to end and the
report's content. The HTML must show the numbers of the CSV tables (data-value to 1e-12
relative; the text shown equal to it to half a unit of its last decimal), in both languages,
every table row and instrument (a failed one as a dash, never dropped). Step 1's location
quotients and shipment shares are recomputed from the SAM's cells (1e-12). The PDF (printed by
Chromium when it is installed) carries every table row and figure of the HTML, with embedded
TrueType fonts."""

from __future__ import annotations

import base64
import math
import re
import shutil
import subprocess
import tomllib
import unicodedata
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cge.cli import main
from cge.errors import InputError
from cge.reporting.figures import bars_with_bands
from cge.reporting.labels import read_labels
from cge.study import load_study
from cge.study.pdf import find_browser
from cge.study.report import _maps

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_study.toml"


class _Cells(HTMLParser):
    """Tables (by section language and table id): rows of (text, data-value, decimals)."""

    def __init__(self) -> None:
        super().__init__()
        self.lang, self.table, self.cell = None, None, None
        self.tables: dict[tuple[str, str], list[list]] = {}
        self.images: dict[str, int] = {}
        self.svgs: dict[str, list[str]] = {}
        self.captions: dict[str, list[str]] = {}
        self.text: dict[str, str] = {}
        self.caption: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.lang = a["lang"]
            self.text[self.lang] = ""
        elif tag == "table":
            self.table = (self.lang, a["data-table"])
            self.tables[self.table] = []
        elif tag == "tr" and self.table:
            self.tables[self.table].append([])
        elif tag in ("td", "th") and self.table:
            self.cell = ["", a.get("data-value"), a.get("data-decimals")]
        elif tag == "img" and a["src"].startswith("data:image/svg+xml;base64,"):
            self.images[self.lang] = self.images.get(self.lang, 0) + 1
            self.svgs.setdefault(self.lang, []).append(base64.b64decode(
                a["src"].split(",", 1)[1]).decode("utf-8"))
        elif tag in ("figcaption", "caption"):
            self.caption = ""

    def handle_endtag(self, tag):
        if tag in ("figcaption", "caption") and self.caption is not None:
            self.captions.setdefault(self.lang, []).append(self.caption)
            self.caption = None
        elif tag == "table":
            self.table = None
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[self.table][-1].append(tuple(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.caption is not None:
            self.caption += data
        if self.cell is not None:
            self.cell[0] += data
        if self.lang:
            self.text[self.lang] += data


def _shown(text: str, lang: str) -> float:
    t = text.replace("\u2212", "-")
    t = t.replace("\u202f", "").replace(",", ".") if lang == "ru" else t.replace(",", "")
    return float(t)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "toy_study"
    assert main(["study", str(TOY), "--out", str(out)]) == 0
    parser = _Cells()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    return out, parser


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_html_numbers_are_the_csv_tables(study):
    out, html = study
    ids = sorted(p.stem for p in (out / "tables").glob("*.csv"))
    # 5 of step 1, 2 of step 2, 5 of step 3 (with the welfare decomposition, every region's
    # GRP and the intervals)
    assert len(ids) == 12
    for lang in ("ru", "en"):
        for tid in ids:
            csv = pd.read_csv(out / "tables" / f"{tid}.csv")
            rows = html.tables[(lang, tid)]
            body = rows[1:]
            assert len(body) == len(csv), (lang, tid)  # no row dropped
            values = [c for row in body for c in row if c[1] is not None]
            numeric = csv.select_dtypes("number")
            index_cols = {"year"} if tid == "step2_targets" else set()
            if tid == "step2_baseline":
                index_cols = {"year"}
            want = numeric.drop(columns=[c for c in index_cols if c in numeric]).to_numpy()
            assert len(values) == want.size, (lang, tid)
            for (text, value, dec), w in zip(values, want.ravel(), strict=True):
                v = float(value)
                if math.isnan(w):
                    assert math.isnan(v) and text == "\u2014"
                    continue
                assert v == pytest.approx(w, rel=1e-12, abs=1e-12), (lang, tid)
                assert abs(_shown(text, lang) - v) <= 0.5 * 10.0 ** -int(dec) * (1 + 1e-9), \
                    (lang, tid, text, v)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_welfare_decomposition_adds_up_to_ev(study):
    # the terms of the region's EV add up to it within 1e-6 relative, the tolerance of
    # cge.reporting.welfare (issue 20), for every instrument
    out, _ = study
    df = pd.read_csv(out / "tables" / "step3_welfare.csv", index_col="instrument")
    assert len(df) == 4 and not df.isna().any().any()  # 3 instruments, 1 combination
    terms = df.drop(columns="EV").sum(axis=1)
    assert ((terms - df["EV"]).abs() <= 1e-6 * df["EV"].abs()).all(), df


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_both_languages_figures_and_every_instrument(study):
    out, html = study
    assert "Шаг 1. Информационно-аналитический" in html.text["ru"]
    assert "Step 1. Information and analysis" in html.text["en"]
    assert "Шаг 1" not in html.text["en"]
    assert html.images == {"ru": 3, "en": 3}
    names = {"agreement", "plant", "services_subsidy", "agreement_and_plant"}
    for lang in ("ru", "en"):
        shown = {row[0][0] for row in html.tables[(lang, "step3_effects")][1:]}
        assert shown == names
    eff = pd.read_csv(out / "tables" / "step3_effects.csv", index_col=0)
    assert (eff["status"] == "ok").all()
    assert eff.loc["agreement_and_plant", "cost"] == pytest.approx(0.5 + 1.2, rel=1e-12)
    assert np.allclose(eff["GRP_per_rouble"], eff["GRP"] / eff["cost"], rtol=1e-12)
    assert list(eff["rank"]) == sorted(eff["rank"])  # ranked by GRP per rouble
    regions = pd.read_csv(out / "tables" / "step3_regions.csv", index_col=0)
    assert list(regions.columns) == ["NORTH", "SOUTH"]
    assert np.allclose(regions.loc[eff.index, "NORTH"], eff["GRP_pct"], rtol=1e-12, atol=0)
    # the toy's regions are not Russia's: no map, and the report says why in both languages
    assert "Карты нет: ни один из регионов (NORTH, SOUTH)" in html.text["ru"]
    assert "No map: none of the regions (NORTH, SOUTH)" in html.text["en"]
    iv = pd.read_csv(out / "tables" / "step3_intervals.csv")
    grp = iv[iv["measure"] == "GRP_per_rouble"].set_index("instrument")
    assert set(grp.index) == names
    assert (grp["low"] <= grp["mean"]).all() and (grp["mean"] <= grp["high"]).all()
    for f in ("tables.xlsx", "figures/lq_ru.pdf", "figures/per_rouble_en.pdf",
              "inputs/experiment.toml", "inputs/baseline.toml", "inputs/sensitivity.toml"):
        assert (out / f).is_file(), f
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_step1_and_step2_from_the_data(study):
    out, _ = study
    cells = pd.read_csv(ROOT / "sam" / "toy2r" / "cells.csv")
    va = cells[cells["col_account"].str.startswith("a-")
               & cells["row_account"].isin(["lab", "cap", "ptax"])]
    gva = va.groupby(["col_region", "col_account"])["value"].sum()
    north = gva["NORTH"] / gva["NORTH"].sum()
    country = gva.groupby(level="col_account").sum()
    lq = north / (country / country.sum())
    st = pd.read_csv(out / "tables" / "step1_structure.csv", index_col=0)
    for s in ("agr", "man", "ser"):
        assert st.loc[s, "lq"] == pytest.approx(lq[f"a-{s}"], rel=1e-12)
    sales = pd.read_csv(out / "tables" / "step1_sales.csv", index_col=0)
    man = cells[(cells["row_region"] == "NORTH") & (cells["row_account"] == "a-man")]
    to_south = man[man["col_region"] == "SOUTH"]["value"].sum()
    assert sales.loc["man", "SOUTH"] == pytest.approx(100 * to_south / man["value"].sum(),
                                                      rel=1e-12)
    assert np.allclose(sales.sum(axis=1), 100.0, rtol=1e-12)
    base = pd.read_csv(out / "tables" / "step2_baseline.csv", index_col=0)
    grp = base["GRP_real"]
    # the baseline reproduces the forecast of [dynamics.targets]: 1.5 % a year for NORTH
    assert grp[2023] / grp[2021] == pytest.approx(1.015 ** 2, rel=1e-8)
    tg = pd.read_csv(out / "tables" / "step2_targets.csv")
    g = tg[tg["indicator"] == "GRP_real"].iloc[0]
    assert g["target_value"] == pytest.approx(grp[2021] * 1.03 ** 2, rel=1e-12)
    assert g["gap"] == pytest.approx(g["target_value"] - grp[2023], rel=1e-12)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_report_renders_in_a_headless_browser(study):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    out, html = study
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", (out / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    parsed = _Cells()
    parsed.feed(dom)
    assert parsed.tables.keys() == html.tables.keys()
    assert parsed.tables == html.tables
    assert parsed.images == html.images
    assert parsed.captions == html.captions


def _norm(text: str) -> str:
    """Text compared without its spacing and ligatures (Chromium sets "ffi" as one glyph)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _pdf_fonts(reader) -> dict[str, tuple[str, bool]]:
    """Every font of the PDF's pages and their forms: name -> (subtype, embedded)."""
    fonts: dict[str, tuple[str, bool]] = {}

    def walk(resources):
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            for f in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                desc = f.get("/FontDescriptor")
                if desc is None and f is font and "/DescendantFonts" in font:
                    continue
                desc = desc.get_object() if desc is not None else {}
                embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(f.get("/BaseFont", "?"))] = (str(f["/Subtype"]), embedded)
        for x in (resources.get("/XObject") or {}).values():
            x = x.get_object()
            if x.get("/Subtype") == "/Form":
                walk(x.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return fonts


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_pdf_report_has_every_table_row_and_figure(study):
    if find_browser() is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium): no PDF")
    import pypdf

    out, html = study
    reader = pypdf.PdfReader(out / "report.pdf")
    fonts = _pdf_fonts(reader)
    assert fonts and all(kind != "/Type3" and embedded for kind, embedded in fonts.values()), \
        fonts
    text = _norm("".join(page.extract_text() for page in reader.pages))
    # every row of every table in both languages, its cells in order (rows do not break
    # across pages), and every figure and table caption
    rows = [(key, _norm("".join(c[0] for c in row)))
            for key, t in html.tables.items() for row in t]
    assert len(rows) > 100
    assert [r for r in rows if r[1] not in text] == []
    captions = [c for lang in ("ru", "en") for c in html.captions[lang]]
    assert len(captions) == 2 * (3 + 12)  # 3 figures and 12 tables a language
    assert [c for c in captions if _norm(c) not in text] == []
    # the figures are drawn, not only captioned: every text of every SVG is in the PDF
    for svg in (s for lang in ("ru", "en") for s in html.svgs[lang]):
        words = [_norm(html_unescape(w)) for w in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
        assert words and [w for w in words if w not in text] == []


def test_bands_are_the_sensitivity_intervals():
    # an SSA's intervals drawn as bands over the central bars: each band spans [low, high],
    # each bar is the central value, a failed row keeps its label with no bar
    central = pd.Series([2.0, -1.0, np.nan], index=["a", "b", "c"])
    low = pd.Series([1.5, -1.2, np.nan], index=["a", "b", "c"])
    high = pd.Series([2.4, -0.7, np.nan], index=["a", "b", "c"])
    mean = pd.Series([2.1, -0.9, np.nan], index=["a", "b", "c"])
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    bars_with_bands(ax, central, low.iloc[::-1], high, mean,
                    labels={"central": "model", "band": "interval", "mean": "mean"})
    bars, bands = ax.containers
    # rows top to bottom in the series' order
    assert {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()} == {
        "a": 2, "b": 1, "c": 0}
    for k in range(2):
        assert bars[k].get_width() == pytest.approx(central.iloc[k], rel=1e-12)
        assert bands[k].get_x() == pytest.approx(low.iloc[k], rel=1e-12)
        assert bands[k].get_x() + bands[k].get_width() == pytest.approx(high.iloc[k], rel=1e-12)
        # the band sits on its bar's row
        assert bands[k].get_y() + bands[k].get_height() / 2 == pytest.approx(
            bars[k].get_y() + bars[k].get_height() / 2, abs=1e-12)
    assert not np.isfinite(bars[2].get_width())
    assert sorted(ax.get_legend_handles_labels()[1]) == ["interval", "mean", "model"]


@pytest.mark.slow  # 9-13 s here at load 15-16; runs in the CI stage for slow tests
def test_maps_of_every_solved_instrument(tmp_path):
    # the flagship's regions (VOL and the rest of Russia) on the tile grid, an instrument that
    # failed (NaN) left out and named under the maps, the notes in the report's language
    regional = pd.DataFrame({"VOL": [0.5, np.nan, -0.2], "RUS": [0.01, np.nan, 0.03]},
                            index=pd.Index(["road", "failed_one", "farm"], name="instrument"))
    labels = read_labels(ROOT / "calibration" / "labels_vologda.csv").in_language("ru")
    maps, notes = _maps(SimpleNamespace(regional=regional), labels, "ru", tmp_path)
    # one figure, a panel per solved instrument titled by its name
    assert [c for c, _ in maps] == ["ВРП по регионам в постоянных ценах, изменение в %, карта "
                                    "для каждого инструмента в единой цветовой шкале"]
    assert notes == ["Без карты (не решены): failed_one."]
    assert [p.name for p in tmp_path.iterdir()] == ["map_grp_ru.pdf"]
    svg = base64.b64decode(maps[0][1]).decode("utf-8")
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert "road" in texts and "farm" in texts and "failed_one" not in texts
    assert "Остальная Россия: одно значение (0.01) на всех 84 клетках" in texts
    assert "Остальная Россия: одно значение (0.03) на всех 84 клетках" in texts
    toy = pd.DataFrame({"NORTH": [1.0], "SOUTH": [2.0]}, index=["x"])
    assert _maps(SimpleNamespace(regional=toy), labels, "en", tmp_path) == ([], [
        "No map: none of the regions (NORTH, SOUTH) is a region of Russia on the tile grid."])


@pytest.mark.parametrize(("old", "new", "message"), [
    ('kind = "programme"', 'kind = "subsidy"', "kind 'subsidy'"),
    ("cost = 1.0", "cost = 0.0", "must be positive"),
    ('instruments = ["agreement", "plant"]', 'instruments = ["agreement", "road"]',
     "not instruments: ['road']"),
    ('projects = ["plant"]', 'projects = ["mill"]', "unknown project(s) ['mill']"),
    ('indicator = "employment"', 'indicator = "jobs"', "indicator 'jobs'"),
    ('sector = ["ser"] }, multiply = 0.5', 'sector = ["ser"] }, stock = 0.5',
     "capital stocks come with projects"),
])
def test_bad_study_files_are_named(tmp_path, old, new, message):
    text = TOY.read_text(encoding="utf-8").replace("../", f"{ROOT}/")
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        load_study(bad)


def test_agreement_and_project_shocks():
    st = load_study(TOY)
    by = {i.name: i for i in st.instruments}
    assert [(s["parameter"], s["where"]["origin"], s["multiply"]) for s in by["agreement"].shocks
            ] == [("tmg", ["NORTH"], 0.5), ("tmg", ["SOUTH"], 0.5)]
    assert by["plant"].shocks == (
        {"parameter": "FFS", "where": {"region": ["NORTH"], "factor": ["cap"],
                                       "sector": ["man"]}, "stock": 6.0},
        {"parameter": "b", "where": {"region": ["NORTH"], "sector": ["man"]},
         "multiply": 1.02})
    assert by["agreement_and_plant"].shocks == by["agreement"].shocks + by["plant"].shocks


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_a_project_adds_the_capital_services_its_stock_yields(study):
    """The plant's 6.0 of capital (a stock of investment goods) adds 6.0 x rho of capital
    services, rho = NORTH's capital income / its steady-state stock (sam/toy2r: capital income
    15 + 45 + 30 = 90; investment 2 + 35 + 10 = 47; toy_study.toml: growth 0.02, depreciation
    0.05, so K0 = 47 / 0.07), as the dynamic model adds it (cge.dynamics.capital), not 6.0 of
    annual capital income."""
    out, _ = study
    exp = tomllib.loads((out / "inputs" / "experiment.toml").read_text(encoding="utf-8"))
    plant = next(s for s in exp["scenario"] if s["name"] == "plant")
    ffs = [s for s in plant["shocks"] if s["parameter"] == "FFS"]
    assert len(ffs) == 1 and "stock" not in ffs[0]
    assert ffs[0]["add"] == pytest.approx(6.0 * 90.0 / (47.0 / 0.07), rel=1e-9)


@pytest.mark.slow  # several minutes: the flagship's baseline, five scenarios, 10 SSA solves
def test_flagship_study_report(tmp_path):
    """``cge study experiments/vologda_study.toml`` (issue 20): the report in both languages
    with the map of Vologda and the rest of Russia, the welfare terms adding up to EV within
    1e-6 relative (cge.reporting.welfare's tolerance), and the PDF carrying every table row."""
    out = tmp_path / "vologda_study"
    assert main(["study", str(ROOT / "experiments" / "vologda_study.toml"),
                 "--out", str(out)]) == 0
    html = _Cells()
    html.feed((out / "report.html").read_text(encoding="utf-8"))
    # location quotients, the path, the effects per rouble with bands, the maps
    assert html.images == {"ru": 4, "en": 4}
    eff = pd.read_csv(out / "tables" / "step3_effects.csv", index_col=0)
    assert (eff["status"] == "ok").all() and len(eff) == 5
    regions = pd.read_csv(out / "tables" / "step3_regions.csv", index_col=0)
    assert np.allclose(regions.loc[eff.index, "VOL"], eff["GRP_pct"], rtol=1e-12, atol=0)
    w = pd.read_csv(out / "tables" / "step3_welfare.csv", index_col=0)
    assert len(w) == 5 and not w.isna().any().any()
    assert ((w.drop(columns="EV").sum(axis=1) - w["EV"]).abs() <= 1e-6 * w["EV"].abs()).all()
    if find_browser() is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium): no PDF")
    import pypdf

    text = _norm("".join(p.extract_text() for p in pypdf.PdfReader(out / "report.pdf").pages))
    rows = [_norm("".join(c[0] for c in row)) for t in html.tables.values() for row in t]
    assert [r for r in rows if r not in text] == []
