"""Multi-region SAMs from regional accounts (cge/sources/regions.py): the partner-region SAM
(`cge sam-build partners`) and all 85 regions (`cge sam-build russia`). Balance, byte-for-byte
rebuild of the committed folders, and published figures with tolerances; expected values are
read from the source files in sam/sources/regions (Rosstat), never typed in unless cited."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cge.errors import InputError
from cge.sources.regions import (
    build_partners,
    build_russia,
    flagship_margins,
    national_from_regions,
    read_region_data,
    read_trade_rules,
    write_multiregion,
)
from cge.sources.sectors import read_sectors
from cge.sources.vologda import RegionFlows

ROOT = Path(__file__).parents[1]
SOURCES = ROOT / "sam" / "sources"
REGIONS = ROOT / "sam" / "regions"
MODEL = ROOT / "sam" / "vologda"
MARGINS = ROOT / "calibration" / "vologda_margins_rosstat.csv"
FILES = ("accounts.csv", "cells.csv", "meta.toml", "margins.csv", "REPORT.md", "SOURCES.md")


def published(region_ru: str, indicator: str) -> float:
    """A 2021 figure of Rosstat's regional accounts VRP_s1998.xlsx (9 April 2025)."""
    df = pd.read_csv(SOURCES / "regions" / "russia_regions_grp_income_consumption_2021.csv")
    row = df[(df["region_ru"] == region_ru) & (df["indicator"] == indicator)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


@pytest.fixture(scope="module")
def partners():
    return build_partners(SOURCES, REGIONS, MODEL, MARGINS)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_partner_sam_balances_matches_published_figures_and_rebuilds(partners, tmp_path):
    sam = partners.sam
    assert sam.regions == ["VLG", "MOW", "SPE", "MOS", "NIZ", "KO", "PER", "YAR", "LEN", "KOS",
                           "RUS", "ROW"]
    # exact balance in whole roubles (1e-6 mln RUB)
    assert sam.is_balanced(rtol=0.0, atol=1e-6)
    # GRP 2021 of named regions = Rosstat's regional accounts (April 2025 vintage): Vologda
    # 1,026,496.5 and Moscow 24,265,759.9 mln RUB; the build keeps them exactly [R4]
    gva = {r.name: r for r in partners.rows}
    for code, name in (("VLG", "Вологодская область"), ("MOW", "г. Москва")):
        row = gva[f"GRP | {code}"]
        assert row.built == pytest.approx(published(name, "gross regional product (GVA at "
                                                    "basic prices)"), rel=1e-6)
    # Vologda's manufacturing share of GVA 2021: 53.8 % (Rosstat VRP_OKVED2_s2016.xlsx, as the
    # issue's audit quotes it), within 0.5 pp (shares are normalised to sum to 100)
    secs = read_sectors(MODEL / "sectors.csv")
    fac = ["VLG:lab", "VLG:cap", "VLG:ptax"]

    def gva_of(sectors) -> float:
        return sum(sam.get(f, f"VLG:a-{s}") for f in fac for s in sectors)

    share = 100 * gva_of(secs.index[secs["okved_section"] == "C"]) / gva_of(secs.index)
    assert share == pytest.approx(53.8, abs=0.5)
    # household consumption of Vologda within 2 % of the regional accounts (an input, R7/R9)
    assert abs(gva["household actual final consumption | VLG"].diff) < 0.02
    # Moscow is Vologda's largest customer among the partners, as in the 2016 matrix (41.7 bln
    # RUB of 214.3 bln of Vologda's goods sold in Russia, sam/regions/partners.csv)
    goods = [s for s in secs.index if secs.at[s, "okved_section"] in ("A", "B", "C")]
    sales = {d: sum(sam.get(f"VLG:a-{s}", f"{d}:c-{s}") for s in goods)
             for d in sam.regions if d not in ("VLG", "ROW", "RUS")}
    assert max(sales, key=sales.get) == "MOW"
    # margins: every interregional goods flow has one, none within a region, all in (0, 0.2)
    tm = partners.margins
    assert (tm["origin"] != tm["destination"]).all()
    assert tm["value"].between(0.0, 0.2, inclusive="neither").all()
    # the committed folder rebuilds byte for byte
    out = write_multiregion(partners, tmp_path / "p")
    committed = ROOT / "sam" / "vologda_partners_2021"
    for f in FILES:
        assert (out / f).read_bytes() == (committed / f).read_bytes(), f


def test_unit_missing_from_a_source_is_named(tmp_path):
    """A region of regions.csv without rows in a source names the file and the region."""
    rdir = tmp_path / "regions"
    rdir.mkdir()
    for f in ("parameters.csv", "trade.csv", "partners.csv"):
        (rdir / f).write_bytes((REGIONS / f).read_bytes())
    text = (REGIONS / "regions.csv").read_text(encoding="utf-8")
    (rdir / "regions.csv").write_text(text.replace("Вологодская область,Vologda",
                                                   "Вологодская обл,Vologda"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_region_data(SOURCES, rdir)
    msg = str(e.value)
    assert "Вологодская обл" in msg and "russia_regions_grp_income_consumption_2021.csv" in msg


def test_bad_trade_rule_is_named(tmp_path):
    secs = read_sectors(MODEL / "sectors.csv")
    text = (REGIONS / "trade.csv").read_text(encoding="utf-8")
    (tmp_path / "trade.csv").write_text(text.replace("cons,local", "cons,teleport"),
                                        encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_trade_rules(tmp_path, secs)
    assert "teleport" in str(e.value) and "trade.csv" in str(e.value)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_russia_sam_keeps_every_regions_accounts_balances_and_rebuilds(tmp_path):
    b = build_russia(SOURCES, REGIONS, MODEL, MARGINS)
    sam = b.sam
    assert len(sam.regions) == 86 and sam.regions[-1] == "ROW"
    assert sam.is_balanced(rtol=0.0, atol=1e-6)
    rows = {r.name: r for r in b.rows}
    data = read_region_data(SOURCES, REGIONS)
    secs = read_sectors(MODEL / "sectors.csv")
    sections = secs["okved_section"]
    fac = ("lab", "cap", "ptax")
    for code in data.codes:
        # GRP 2021 of every region = Rosstat's regional accounts (April 2025 vintage), to the
        # whole roubles of the SAM (1e-6 relative) [R16]
        gva = {s: sum(sam.get(f"{code}:{f}", f"{code}:a-{s}") for f in fac) for s in secs.index}
        total = sum(gva.values())
        grp = data.stats.at[code, "grp"]
        assert total == pytest.approx(grp, rel=1e-6), code
        assert not rows[f"GRP | {code}"].flagged
        # every section group's share of GVA within 0.5 pp of Rosstat VRP_OKVED2_s2016.xlsx
        # 2021 (shares normalised to 100), the Done-when of issue 17; Vologda's within 0.5 pp
        # of its evidence-based sizing (R3)
        for g in dict.fromkeys(sections):
            built = 100 * sum(gva[s] for s in sections.index[sections == g]) / total
            published_share = data.sections.loc[code, list(g)].sum()
            assert built == pytest.approx(published_share, abs=0.5), (code, g)
        assert not rows[f"GVA share, largest gap over section groups | {code}"].flagged
        # compensation and household consumption within 2 % (inputs, R6, R7/R9)
        assert abs(rows[f"compensation of employees | {code}"].diff) < 0.02
        assert abs(rows[f"household actual final consumption | {code}"].diff) < 0.02
    # Vologda's manufacturing: 53.8 % of GVA 2021 (Rosstat VRP_OKVED2_s2016.xlsx), +- 0.5 pp
    vlg = {s: sum(sam.get(f"VLG:{f}", f"VLG:a-{s}") for f in fac) for s in secs.index}
    manuf = sum(vlg[s] for s in sections.index[sections == "C"])
    assert 100 * manuf / sum(vlg.values()) == pytest.approx(53.8, abs=0.5)
    # the national table is the sum of regions: GVA = the regional accounts' GRP summed over the
    # 85 units (122.20 trn RUB, sam/sources/regions), not the IO tables' 120.80 trn [R16]
    total = float(b.facts["sum of regional GVA (mln RUB)"].replace(",", ""))
    assert total == pytest.approx(data.stats["grp"].sum(), rel=1e-9)
    out = write_multiregion(b, tmp_path / "r")
    for f in FILES:
        assert (out / f).read_bytes() == (ROOT / "sam" / "russia_2021" / f).read_bytes(), f


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_flagship_margins_rebuild_and_give_every_flagship_shipment_a_distance():
    """calibration/vologda_margins_distance.csv (the flagship's default margins, A33) is
    `cge sam-build vologda-margins` byte for byte; every VOL <-> RUS shipment of the flagship
    SAM whose Rosstat rate is positive gets a distance from the regional construction (R12,
    R13), and that distance lies between the shortest and the longest great-circle distance from
    Vologda to another regional capital (sam/sources/regions coordinates)."""
    import re

    fm = flagship_margins(SOURCES, REGIONS, MODEL, MARGINS)
    committed = ROOT / "calibration" / "vologda_margins_distance.csv"
    assert fm.to_csv().encode() == committed.read_bytes()
    table = fm.table.set_index(["origin", "destination", "commodity"])
    rates = pd.read_csv(MARGINS, comment="#").groupby("commodity")["value"].first()
    cells = pd.read_csv(ROOT / "sam" / "vologda_2021" / "cells.csv", comment="#")
    ship = cells[cells["row_account"].str.startswith("a-")
                 & cells["col_account"].str.startswith("c-")
                 & (cells["row_region"] != cells["col_region"])
                 & cells["row_region"].isin(["VOL", "RUS"])
                 & cells["col_region"].isin(["VOL", "RUS"]) & (cells["value"] > 0)]
    data = read_region_data(SOURCES, REGIONS)
    km_from_vlg = data.dist.loc["VLG"].drop("VLG")
    checked = 0
    for r in ship.itertuples():
        s = r.row_account[2:]
        if rates[s] == 0:
            assert table.at[(r.row_region, r.col_region, s), "value"] == 0.0
            continue
        source = table.at[(r.row_region, r.col_region, s), "source"]
        m = re.search(r"x (\d+) km / (\d+) km", source)
        assert m, (r.row_region, r.col_region, s, source)
        assert km_from_vlg.min() <= float(m.group(1)) <= km_from_vlg.max(), source
        checked += 1
    assert checked >= 25  # the goods both ways (oil and petro only into Vologda)


def _toy_national() -> RegionFlows:
    """Two sectors, one final-demand split: a consistent national table (output = row and
    column totals)."""
    idx = ["x", "y"]
    z_dom = pd.DataFrame([[10.0, 20.0], [30.0, 5.0]], index=idx, columns=idx)
    z_imp = pd.DataFrame([[2.0, 4.0], [1.0, 1.0]], index=idx, columns=idx)
    tax_int = pd.DataFrame([[1.0, -0.5], [0.5, 0.5]], index=idx, columns=idx)
    fd = pd.DataFrame([[40.0, 10.0, 10.0], [25.0, 30.0, 20.0]], index=idx,
                      columns=["hh", "gov", "inv"])
    lab = pd.Series([30.0, 40.0], index=idx)
    ptax = pd.Series([2.0, 3.0], index=idx)
    exports = pd.Series([20.0, 10.0], index=idx)
    output = z_dom.sum(axis=1) + fd.sum(axis=1) + exports
    cap = output - (z_dom.sum() + z_imp.sum() + tax_int.sum() + lab + ptax)
    return RegionFlows(z_dom, z_imp, tax_int, fd, fd * 0.1, fd * 0.05, lab, cap, ptax, exports,
                       exports * 0.0, 1.0, 2.0, 3.0, 4.0, 5.0)


def test_national_table_rebalanced_to_the_sum_of_regions():
    """R16: GVA of each sector becomes the target; value-added, import, tax and export
    coefficients of each sector are kept; domestic supply = domestic use exactly."""
    nat = _toy_national()
    target = pd.Series([nat.gva["x"] * 1.3, nat.gva["y"] * 0.7], index=nat.gva.index)
    new = national_from_regions(nat, target)
    assert new.gva.to_numpy() == pytest.approx(target.to_numpy(), rel=1e-12)
    k = target / nat.gva
    assert new.output.to_numpy() == pytest.approx((nat.output * k).to_numpy(), rel=1e-12)
    assert (new.exports / new.output).to_numpy() == pytest.approx(
        (nat.exports / nat.output).to_numpy(), rel=1e-12)
    assert (new.z_imp.sum() / new.output).to_numpy() == pytest.approx(
        (nat.z_imp.sum() / nat.output).to_numpy(), rel=1e-12)
    # domestic sales = intermediate + final use of domestic products, product by product
    assert (new.output - new.exports).to_numpy() == pytest.approx(
        new.domestic_demand.to_numpy(), rel=1e-11)
    # final demand keeps the IO proportions between households, government and investment
    fd0, fd1 = nat.final_dom.sum(), new.final_dom.sum()
    assert (fd1 / fd1.sum()).to_numpy() == pytest.approx((fd0 / fd0.sum()).to_numpy(), rel=1e-12)
    # the import share of each final purchase is kept
    assert (new.final_imp / new.final_dom).to_numpy() == pytest.approx(0.1, rel=1e-12)
    assert (new.z_dom.to_numpy() > 0).all()
    with pytest.raises(InputError):
        national_from_regions(nat, target * pd.Series([1.0, 0.0], index=target.index))
