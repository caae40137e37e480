"""``cge study`` on the toy SAM (experiments/toy_study.toml): the three steps end to end and the
report's content. The HTML must show the numbers of the CSV tables (data-value to 1e-12
relative; the text shown equal to it to half a unit of its last decimal), in both languages,
every table row and instrument (a failed one as a dash, never dropped). Step 1's location
quotients and shipment shares are recomputed from the SAM's cells (1e-12)."""

from __future__ import annotations

import math
import shutil
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.cli import main
from cge.errors import InputError
from cge.study import load_study

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_study.toml"


class _Cells(HTMLParser):
    """Tables (by section language and table id): rows of (text, data-value, decimals)."""

    def __init__(self) -> None:
        super().__init__()
        self.lang, self.table, self.cell = None, None, None
        self.tables: dict[tuple[str, str], list[list]] = {}
        self.images: dict[str, int] = {}
        self.text: dict[str, str] = {}

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

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[self.table][-1].append(tuple(self.cell))
            self.cell = None

    def handle_data(self, data):
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
    # 5 of step 1, 2 of step 2, 4 of step 3 (with intervals and the welfare decomposition)
    assert len(ids) == 11
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
    assert parsed.images == html.images


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
