"""The Vologda / rest of Russia / ROW SAM: sector map, regionalisation, balance, determinism,
report. Expected values come from the source files (sam/sources, sam/vologda), never typed in."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.errors import InputError
from cge.sam.accounts import MAY_BE_NEGATIVE, Kind
from cge.sources.rosstat import read_rosstat_io
from cge.sources.sectors import aggregate_io, read_sector_map, read_sectors
from cge.sources.vologda import (
    build_vologda_sam,
    built_figures,
    compare,
    national_accounts,
    national_sam,
    read_figures,
    read_regional_stats,
    read_targets,
    regionalise,
    sector_evidence,
    write_vologda,
)

ROOT = Path(__file__).parents[1]
SOURCES = ROOT / "sam" / "sources"
MODEL = ROOT / "sam" / "vologda"
COMMITTED = ROOT / "sam" / "vologda_2021"


@pytest.fixture(scope="session")
def tables():
    return read_rosstat_io(SOURCES / "rosstat" / "baz_tzv-2021.xlsx")


@pytest.fixture(scope="session")
def sectors():
    return read_sectors(MODEL / "sectors.csv")


@pytest.fixture(scope="session")
def pipeline(tables, sectors):
    mapping = read_sector_map(MODEL / "okpd2_to_sectors.csv", tables.products.index,
                              sectors.index)
    agg = aggregate_io(tables, mapping, sectors)
    nat = national_accounts(agg)
    stats = read_regional_stats(SOURCES, MODEL)
    evidence = sector_evidence(tables, stats, read_figures(SOURCES))
    flows, ship, size = regionalise(nat, sectors, stats, evidence)
    return {"mapping": mapping, "agg": agg, "nat": nat, "stats": stats, "flows": flows,
            "ship": ship, "size": size, "evidence": evidence}


@pytest.fixture(scope="session")
def built():
    return build_vologda_sam(SOURCES, MODEL)


# --------------------------------------------------------------------------- sector map
def test_every_product_mapped_once(tables, pipeline):
    mapping = pipeline["mapping"]
    assert list(mapping.index) == list(tables.products.index)
    assert mapping.notna().all()


def test_aggregation_keeps_totals(tables, pipeline):
    assert pipeline["agg"].totals() == pytest.approx(tables.totals(), rel=1e-12)


def _bad_map(tmp_path, edit) -> Path:
    lines = (MODEL / "okpd2_to_sectors.csv").read_text(encoding="utf-8").splitlines()
    file = tmp_path / "map.csv"
    file.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return file


def test_duplicate_product_names_line(tmp_path, tables, sectors):
    lines = (MODEL / "okpd2_to_sectors.csv").read_text(encoding="utf-8").splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("001,"))
    file = _bad_map(tmp_path, lambda ls: [*ls, ls[first].replace(",agr,", ",food,", 1)])
    with pytest.raises(InputError, match=r"map.csv:\d+.*'001' is already mapped on line "
                                         f"{first + 1}"):
        read_sector_map(file, tables.products.index, sectors.index)


def test_missing_and_unknown_products(tmp_path, tables, sectors):
    file = _bad_map(tmp_path, lambda ls: [ln for ln in ls if not ln.startswith("040,")]
                    + ["999,ferr,x,unknown"])
    with pytest.raises(InputError) as err:
        read_sector_map(file, tables.products.index, sectors.index)
    msg = str(err.value)
    assert "'040' is not mapped" in msg and "'999' is not in the IO tables" in msg


def test_unknown_sector(tmp_path, tables, sectors):
    file = _bad_map(tmp_path, lambda ls: [ln.replace("040,ferr,", "040,steel,")
                                          for ln in ls])
    with pytest.raises(InputError, match="unknown sector 'steel'"):
        read_sector_map(file, tables.products.index, sectors.index)


# --------------------------------------------------------------------------- regionalisation
def test_regions_sum_to_national(pipeline):
    nat, vol, rus = pipeline["nat"], pipeline["flows"]["VOL"], pipeline["flows"]["RUS"]
    for f in fields(nat):
        total = getattr(vol, f.name) + getattr(rus, f.name)
        np.testing.assert_allclose(np.asarray(total, dtype=float),
                                   np.asarray(getattr(nat, f.name), dtype=float),
                                   rtol=1e-12, atol=1e-6, err_msg=f.name)


def test_shipments_close_commodity_balance(pipeline):
    flows, sales = pipeline["flows"], pipeline["ship"].sales
    for r, other in (("VOL", "RUS"), ("RUS", "VOL")):
        f = flows[r]
        supplied = sales[(r, r)] + sales[(r, other)] + f.exports
        np.testing.assert_allclose(supplied, f.output, rtol=1e-9, atol=1e-6)
        bought = sales[(r, r)] + sales[(other, r)]
        np.testing.assert_allclose(bought, f.domestic_demand, rtol=1e-9, atol=1e-6)


def test_regional_sam_sums_to_national_sam(pipeline, sectors, built):
    sam, _ = built
    nat = national_sam(pipeline["nat"], sectors, source="test")
    assert nat.is_balanced(rtol=1e-9, atol=1e-4)
    frame, nat_frame = sam.to_frame(), nat.to_frame()
    def receipts(f: pd.DataFrame, region: str, acc: str) -> float:
        # net subsidies are financed by the government (A7b): compare what the tax or factor
        # account receives from everything but governments
        row = f.loc[(region, acc)]
        return row[[a != "gov" for _, a in row.index]].sum()

    for acc in ("lab", "cap", "ptax", "ctax", "etax"):
        regional = sum(receipts(frame, r, acc) for r in ("VOL", "RUS"))
        assert regional == pytest.approx(receipts(nat_frame, "RU", acc), rel=1e-9)
    for s in sectors.index:
        out = sum(frame.loc[:, (r, f"a-{s}")].sum() for r in ("VOL", "RUS"))
        assert out == pytest.approx(nat_frame.loc[:, ("RU", f"a-{s}")].sum(), rel=1e-9, abs=1e-4)
    # profits paid abroad (A28, A29): the national SAM has no enterprises
    imports = (frame.loc[("ROW", "row")].sum()
               - sum(frame.loc[("ROW", "row"), (r, "ent")] for r in ("VOL", "RUS")))
    assert imports == pytest.approx(nat_frame.loc[("ROW", "row")].sum(), rel=1e-9)


def _regional_accounts(indicator: str) -> float:
    """Vologda 2021 from the copy of Rosstat's regional accounts (VRP_s1998.xlsx)."""
    df = pd.read_csv(SOURCES / "regions" / "vologda_grp_income_consumption_2016_2023.csv")
    return float(df[(df["indicator"] == indicator) & (df["year"] == 2021)]["value"].item())


def test_vologda_matches_its_regional_accounts(pipeline, sectors):
    """Issue 17, "Done when": GVA shares by section within 0.5 pp of Rosstat's 2021 structure,
    GRP within 0.1 %, compensation and household consumption within 2 % (published values read
    from sam/sources/regions, the build's concept bridges from the RF rows, A13 and A14)."""
    vol, nat = pipeline["flows"]["VOL"], pipeline["nat"]
    grp = _regional_accounts("gross regional product (GVA at basic prices)")
    assert vol.gva.sum() == pytest.approx(grp, rel=1e-3)
    st = pd.read_csv(SOURCES / "regions" / "vologda_gva_structure_okved2_2016_2022_pct.csv")
    st = st[(st["year"] == 2021)].set_index("okved2_section")["share_pct"]
    section = sectors["okved_section"]
    for group in dict.fromkeys(section):
        built = 100 * vol.gva[section.index[section == group]].sum() / vol.gva.sum()
        assert abs(built - sum(st[c] for c in group)) <= 0.5, group
    rf = pd.read_csv(SOURCES / "regions" / "russia_grp_income_consumption_2021_rf.csv")
    rf = rf.set_index("indicator")["value"]
    comp = "GRP by income: compensation of employees (excl. unobserved wages and mixed income)"
    built_comp = vol.lab.sum() * rf[comp] / nat.lab.sum()
    assert built_comp == pytest.approx(_regional_accounts(comp), rel=0.02)
    afc = "actual final consumption of households"
    hh = lambda f: (f.final_dom + f.final_imp + f.tax_final)["hh"].sum()  # noqa: E731
    assert hh(vol) / hh(nat) * rf[afc] == pytest.approx(_regional_accounts(afc), rel=0.02)


def test_manufacturing_divisions_from_evidence(pipeline):
    """Steel, wood, paper and agriculture take the output the published figures give (A9, A22),
    chemicals the stated share of A21; manufacturing is 53.8 % of GVA, not 2019's 38.4 %."""
    size, ev, nat = pipeline["size"], pipeline["evidence"], pipeline["nat"]
    for s, v in ev.items():
        assert size.output[s] == pytest.approx(v, rel=1e-12), s
    chem = pipeline["stats"].param("output_share:chem")
    assert size.output["chem"] == pytest.approx(chem * nat.output["chem"], rel=1e-12)
    # the steel works are more than half of Vologda's manufacturing output
    manuf = [s for s in size.output.index if s in ("food", "dairy", "wood", "paper", "petro",
                                                     "chem", "ferr", "omet", "mach", "oman")]
    assert size.output["ferr"] > 0.5 * size.output[manuf].sum()


def test_non_tradables_not_traded_and_scrap_tradable(pipeline, sectors):
    """Non-tradables are not sold to the rest of Russia (A17); water and waste, 71 % scrap and
    waste recovery (OKPD2 38), is (A23)."""
    ship = pipeline["ship"].sales
    local = sectors.index[~sectors["tradable"]]
    assert (ship[("VOL", "RUS")][local].abs() < 1e-6).all()
    assert sectors.at["wat", "tradable"]
    assert ship[("VOL", "RUS")]["wat"] > 0 or ship[("RUS", "VOL")]["wat"] > 0


def test_goods_outflow_share_of_2016(pipeline, sectors):
    """Vologda's goods (sections A-D) sold to other regions over its domestic goods sales equals
    the 2016 interregional matrix's share (A24): 214.3 of 271.0 bln RUB."""
    ship = pipeline["ship"].sales
    goods = sectors.index[sectors["okved_section"].isin(["A", "B", "C", "D"])]
    out = ship[("VOL", "RUS")][goods].sum()
    share = out / (out + ship[("VOL", "VOL")][goods].sum())
    flows = pd.read_csv(SOURCES / "regions" / "vologda_interregional_goods_flows_2016_thou_rub.csv")
    sold = flows[flows["direction"].str.startswith("outflow")].set_index("partner_ru")
    sold = sold["value_thou_rub_2016"]
    expected = 1 - sold["Вологодская область"] / sold["Российская Федерация"]
    assert share == pytest.approx(expected, rel=1e-6)


# --------------------------------------------------------------------------- the SAM
def test_sam_balanced_and_signs(built):
    sam, _ = built
    rows, cols = sam.row_totals(), sam.col_totals()
    assert np.all(np.abs(rows - cols) <= 1e-6 * np.maximum(np.abs(rows), np.abs(cols)) + 1e-4)
    v = sam.values
    kinds = sam.accounts["kind"].map(Kind).to_numpy()
    for i, j in zip(*np.nonzero(v < 0), strict=True):
        assert (kinds[i], kinds[j]) in MAY_BE_NEGATIVE, (sam.keys[i], sam.keys[j], v[i, j])
    assert set(sam.regions) == {"VOL", "RUS", "FED", "ROW"}


def test_sam_passes_validation(built):
    validate = pytest.importorskip("cge.sam.validate")
    assert validate.check(built[0]) == []


def test_build_is_deterministic(built, tmp_path):
    sam, report = built
    again = build_vologda_sam(SOURCES, MODEL)
    a = write_vologda(sam, report, tmp_path / "a")
    b = write_vologda(*again, tmp_path / "b")
    names = sorted(p.name for p in COMMITTED.iterdir())
    assert names == sorted(p.name for p in a.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / name).read_bytes() == (COMMITTED / name).read_bytes(), \
            f"{name} differs from the committed sam/vologda_2021: rerun cge sam-build vologda"


# --------------------------------------------------------------------------- report
def test_report_flags_wrong_target(pipeline, sectors, built):
    targets = read_targets(MODEL / "targets.csv")
    built = built_figures(pipeline["flows"], pipeline["ship"], sectors, pipeline["stats"],
                          built[0])
    clean = {r.name for r in compare(targets, built, {}).flagged}
    wrong = targets.copy()
    wrong.loc["vol_grp", "value"] *= 1.5  # a deliberately wrong GRP
    report = compare(wrong, built, {})
    assert {r.name for r in report.flagged} == clean | {"vol_grp"}
    assert "vol_grp" in report.to_markdown().split("## Failures")[1]


def test_report_rejects_unknown_target(pipeline, sectors):
    targets = pd.concat([read_targets(MODEL / "targets.csv"),
                         pd.DataFrame({"value": [1.0], "unit": ["x"], "tol": [0.1],
                                       "source": ["s"]}, index=pd.Index(["nope"], name="name"))])
    with pytest.raises(InputError, match="nope"):
        compare(targets, built_figures(pipeline["flows"], pipeline["ship"], sectors,
                                       pipeline["stats"]), {})


# --------------------------------------------------------------------------- sensitivity builds
def test_parameter_override_by_name():
    """cge sam-build vologda --set NAME=VALUE replaces one parameter of parameters.csv (the
    chemicals share of A21 here); an unknown name is an error, not a silent new parameter."""
    base = read_regional_stats(SOURCES, MODEL)
    alt = read_regional_stats(SOURCES, MODEL, {"output_share:chem": 0.02})
    assert alt.param("output_share:chem") == 0.02
    assert {k: v for k, v in alt.parameters.items() if k != "output_share:chem"} == {
        k: v for k, v in base.parameters.items() if k != "output_share:chem"}
    with pytest.raises(InputError, match="output_share:chemicals"):
        read_regional_stats(SOURCES, MODEL, {"output_share:chemicals": 0.02})


def test_set_option_needs_name_and_number():
    from argparse import Namespace

    from cge.cli.build import _vologda

    with pytest.raises(SystemExit, match="NAME=NUMBER"):
        _vologda(Namespace(sources=str(SOURCES), model=str(MODEL), out="unused",
                           set=["output_share:chem"]))


@pytest.mark.parametrize("share", [0.02, 0.06])
def test_committed_chemicals_sensitivity_sams(pipeline, share):
    """sam/vologda_2021_chem2 and _chem6 (A21 sensitivity, experiments/vologda_trade_chem*.toml)
    are cge sam-build vologda --set output_share:chem=SHARE: Vologda's chemical output is SHARE x
    national chemical output of the IO tables (to the 1 RUB rounding of A20, 1e-6 mln RUB per
    cell), and the report says the build is a sensitivity build."""
    folder = ROOT / "sam" / f"vologda_2021_chem{round(share * 100)}"
    cells = pd.read_csv(folder / "cells.csv")
    col = cells[(cells["col_region"] == "VOL") & (cells["col_account"] == "a-chem")]
    assert col["value"].sum() == pytest.approx(share * pipeline["nat"].output["chem"],
                                               abs=1e-6 * len(col))
    assert f"output_share:chem = {share:g}" in (folder / "REPORT.md").read_text()
