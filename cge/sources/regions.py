"""Multi-region SAMs of Russia from regional accounts: Vologda and its partner regions
(``cge sam-build partners``) and all 85 federal subjects (``cge sam-build russia``), 2021.

One construction for every region (numbered assumptions R1-R16 in ``sam/regions/ASSUMPTIONS.md``):

1. **Units.** The 85 federal subjects as non-overlapping units (``sam/regions/regions.csv``):
   Arkhangelsk and Tyumen oblasts *without* their autonomous okrugs, and the three okrugs
   (Nenets, Khanty-Mansi, Yamal-Nenets) as units of their own; composite rows of the sources
   are never read [R1].
2. **Size.** GVA of a unit by OKVED2 section (or group of sections, ``sectors.csv``) = its GRP
   2021 (Rosstat regional accounts, April 2025 vintage) x its 2021 section structure; within a
   section, sectors in national proportions [R2], except Vologda, sized from evidence as in the
   flagship SAM (:func:`cge.sources.vologda.regional_size`) [R3]. The unit x sector GVA matrix is
   scaled biproportionally (RAS) so that units sum to the national GVA of each sector of the IO
   tables and each unit keeps its GRP share, the rest of Russia absorbing what the named regions
   of the partner SAM leave [R4]. In the 85-region SAM every unit keeps its published GRP and
   structure and the national IO table is re-balanced to their sum instead [R16].
3. **Flows.** Every unit uses the national technology of each sector (intermediate and import
   coefficients, product taxes) and exports abroad the national share of each sector's output
   [R5]; compensation of employees and other taxes on production are set to the unit's regional
   accounts (compensation bridged to the IO concept incl. unobserved wages), capital income is
   the rest [R6]; final demand by shares: households by actual final consumption, government
   by population, investment by investment in fixed capital [R7].
4. **Non-tradables** (construction, trade, finance and real estate, other services, public
   services) are not traded: each unit's final use of them is what its output leaves after its
   intermediate use [R8]; household purchases of tradables are then rebalanced (RAS) to the
   household totals and the national supply [R9].
5. **Trade.** Goods (sections A-C) between units follow Rosstat's 2016 matrix of goods sales
   between regions (diagonal = sales inside the region), carried to 2021 by RAS of each
   sector's 2016 pattern to the unit's 2021 supply (output less exports abroad) and demand [R10];
   other tradables (energy, water and waste incl. scrap, transport) follow a gravity rule,
   ``supply_o demand_d / distance_od``, with great-circle distances between capitals and the
   internal distance ``0.67 sqrt(area / pi)`` of a unit on the diagonal [R11].
6. **Margins.** The iceberg margin of a shipment of sector s from o to d is Rosstat's national
   transport-margin rate of s (``calibration/vologda_margins_rosstat.csv``) times
   ``a + (1 - a) dist_od / mean_dist_s`` with ``mean_dist_s`` the flow-weighted mean distance of
   all shipments of s (internal distance inside a unit), so the national average margin stays
   Rosstat's rate and longer hauls cost more; ``a`` is the share of terminal costs [R12]. The
   flagship's margins VOL <-> RUS are the same with Vologda and the 84 other units summed
   (:func:`flagship_margins`, ``cge sam-build vologda-margins``).
7. **Aggregation.** A SAM of named regions and the rest of Russia sums the flows of its units;
   distances between aggregates are flow-weighted means of unit distances [R13].
8. **Assembly.** As the flagship (households own the factors of their region, taxes to the
   regional government, savings close institutions), each region's savings-investment account
   closes by a capital transfer with the largest region; cells are whole roubles and balance
   exactly in integers [R14].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.sam.core import SAM
from cge.sources.vologda import (
    DECIMALS,
    FINAL,
    RegionFlows,
    ReportRow,
    national_sector_accounts,
    read_figures,
    read_regional_stats,
    regional_size,
    sam_accounts,
    sector_evidence,
)

YEAR = 2021
SHIPMENTS = {"B": "shipped own goods: mining (B)",
             "C": "shipped own goods: manufacturing (C)",
             "D": "shipped own goods: electricity, gas, steam (D)",
             "E": "shipped own goods: water, sewerage, waste (E)"}
GRP_ITEMS = {"grp": "gross regional product (GVA at basic prices)",
             "compensation": "GRP by income: compensation of employees (excl. unobserved wages "
                             "and mixed income)",
             "ptax": "GRP by income: other net taxes on production",
             "afc": "actual final consumption of households"}
YEARBOOK = {"area": ("territory", "2022-01-01"), "pop": ("population (table 4.2)", "2021"),
            "emp": ("employed (LFS)", "2021"),
            "wage": ("average gross nominal monthly wage (organizations)", "2021"),
            "inv": ("investment in fixed capital", "2021"),
            "exports_usd": ("exports of goods, total (customs statistics)", "2021"),
            "income_pc": ("average per capita money income", "2021")} | {
    f"ship_{k}": (v, "2021") for k, v in SHIPMENTS.items()}
RAS_TOL = 1e-12
RAS_MAX_ITER = 20000


def _need(file: Path) -> Path:
    if not file.exists():
        raise InputError(Problem("missing-file", "file not found", Location(file=str(file))))
    return file


def _csv(file: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(_need(file), comment="#", **kw)


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class RegionData:
    """Published data of the 85 units (index: ``code`` of ``regions.csv``).

    units: the regions table; stats: one column per item of :data:`GRP_ITEMS` (mln RUB) and
    :data:`YEARBOOK` (units as published); sections: percent of GVA by OKVED2 section (A-T,
    normalised to 100); matrix: goods sales 2016 origin x destination (thousand RUB);
    dist: km between capitals, internal distance on the diagonal; rf: Russian Federation rows;
    params: ``parameters.csv``.
    """

    units: pd.DataFrame
    stats: pd.DataFrame
    sections: pd.DataFrame
    matrix: pd.DataFrame
    dist: pd.DataFrame
    rf: dict[str, float]
    params: dict[str, float]

    @property
    def codes(self) -> list[str]:
        return list(self.units.index)

    def param(self, name: str) -> float:
        if name not in self.params:
            raise InputError(Problem("missing-parameter", f"parameter {name!r} not found in "
                                     "sam/regions/parameters.csv"))
        return self.params[name]


def haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (Earth radius 6371 km)."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    a = (np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def read_region_data(sources_dir: str | Path, regions_dir: str | Path) -> RegionData:
    """Read ``sources_dir/regions/*`` and ``regions_dir/{regions,parameters}.csv``; every unit
    must be found in every source, else the file and label are named."""
    src, rdir = Path(sources_dir) / "regions", Path(regions_dir)
    units_file = rdir / "regions.csv"
    units = _csv(units_file, dtype={"okato": str}).set_index("code")
    if units.index.duplicated().any():
        dup = list(units.index[units.index.duplicated()])
        raise InputError(Problem("duplicate", f"duplicate codes {dup}",
                                 Location(file=str(units_file))))
    by_name = dict(zip(units["name_ru"], units.index, strict=True))

    def pick(df: pd.DataFrame, file: Path, what: str) -> pd.Series:
        rows = df[df["region_ru"].isin(by_name)]
        missing = sorted(set(by_name) - set(rows["region_ru"]))
        if missing:
            raise InputError(Problem("missing-region", f"{what}: no row for {missing}",
                                     Location(file=str(file))))
        s = rows.set_index(rows["region_ru"].map(by_name))["value"].astype(float)
        if s.index.duplicated().any():
            raise InputError(Problem("duplicate", f"{what}: several rows for "
                                     f"{sorted(set(s.index[s.index.duplicated()]))}",
                                     Location(file=str(file))))
        return s.reindex(units.index)

    stats, rf = {}, {}
    grp_file = src / "russia_regions_grp_income_consumption_2021.csv"
    grp = _csv(grp_file)
    grp = grp[grp["year"] == YEAR]
    for short, ind in GRP_ITEMS.items():
        stats[short] = pick(grp[grp["indicator"] == ind], grp_file, ind)
        rf[short] = float(grp[(grp["indicator"] == ind) & (grp["level"] == "RF")]["value"].iloc[0])
    yb_file = src / "russia_regions_rosstat_yearbook_2021_selected.csv"
    yb = _csv(yb_file)
    yb["year"] = yb["year"].astype(str)
    for short, (ind, year) in YEARBOOK.items():
        rows = yb[(yb["indicator"] == ind) & (yb["year"] == year)]
        stats[short] = pick(rows, yb_file, ind)
        rf[short] = float(rows[rows["level"] == "RF"]["value"].iloc[0])
    st_file = src / "russia_regions_gva_structure_okved2_2021_pct.csv"
    st = _csv(st_file)
    st = st[(st["year"] == YEAR) & (st["okved2_section"] != "TOTAL")
            & st["region_ru"].isin(by_name)]
    sections = st.pivot_table(index="region_ru", columns="okved2_section", values="share_pct",
                              aggfunc="sum").fillna(0.0)
    missing = sorted(set(by_name) - set(sections.index))
    if missing:
        raise InputError(Problem("missing-region", f"GVA structure: no rows for {missing}",
                                 Location(file=str(st_file))))
    sections.index = sections.index.map(by_name)
    sections = sections.reindex(units.index)
    total = sections.sum(axis=1)
    bad = list(total.index[(total - 100).abs() > 0.6])
    if bad:
        raise InputError(Problem("grp-structure", f"section shares of {bad} do not sum to "
                                 "100 +- 0.6", Location(file=str(st_file))))
    sections = sections.div(total, axis=0) * 100
    m_file = src / "russia_interregional_goods_sales_matrix_2016_thou_rub.csv"
    m = _csv(m_file)
    by_matrix = dict(zip(units["matrix_name"], units.index, strict=True))
    m = m[m["origin_ru"].isin(by_matrix) & m["destination_ru"].isin(by_matrix)]
    for side in ("origin_ru", "destination_ru"):
        missing = sorted(set(by_matrix) - set(m[side]))
        if missing:
            raise InputError(Problem("missing-region", f"goods matrix: no {side} {missing}",
                                     Location(file=str(m_file))))
    matrix = m.pivot_table(index=m["origin_ru"].map(by_matrix),
                           columns=m["destination_ru"].map(by_matrix),
                           values="value_thou_rub_2016", aggfunc="sum").fillna(0.0)
    matrix = matrix.reindex(index=units.index, columns=units.index, fill_value=0.0)
    lat, lon = units["lat"].to_numpy(float), units["lon"].to_numpy(float)
    d = haversine(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    internal = 0.67 * np.sqrt(stats["area"].to_numpy() * 1000 / math.pi)  # thou km2 -> km2
    # units sharing coordinates (Moscow city and oblast; St Petersburg and Leningrad oblast)
    # are at least the mean of their internal distances apart [R11]
    d = np.maximum(d, (internal[:, None] + internal[None, :]) / 2)
    np.fill_diagonal(d, internal)
    dist = pd.DataFrame(d, index=units.index, columns=units.index)
    par = _csv(rdir / "parameters.csv")
    params = dict(zip(par["name"], par["value"].astype(float), strict=True))
    return RegionData(units, pd.DataFrame(stats), sections, matrix, dist, rf, params)


# --------------------------------------------------------------------------- helpers
def ras(prior: np.ndarray, rows: np.ndarray, cols: np.ndarray, what: str,
        tol: float = RAS_TOL) -> np.ndarray:
    """Scale ``prior`` (>= 0) so that its row sums are ``rows`` and column sums ``cols``."""
    v = prior.astype(float).copy()
    scale = max(rows.sum(), 1e-300)
    for _ in range(RAS_MAX_ITER):
        rs = v.sum(axis=1)
        v *= np.divide(rows, rs, out=np.zeros_like(rows, dtype=float), where=rs > 0)[:, None]
        cs = v.sum(axis=0)
        v *= np.divide(cols, cs, out=np.zeros_like(cols, dtype=float), where=cs > 0)[None, :]
        if np.max(np.abs(v.sum(axis=1) - rows)) <= tol * scale:
            return v
    raise InputError(Problem("ras", f"{what}: biproportional scaling did not converge "
                             f"(largest row gap {np.max(np.abs(v.sum(axis=1) - rows)):.3g})"))


def read_trade_rules(regions_dir: str | Path, sectors: pd.DataFrame) -> pd.Series:
    """The trade rule of every sector (``trade.csv``: matrix, gravity or local) [R8, R10, R11]."""
    file = Path(regions_dir) / "trade.csv"
    df = _csv(file, dtype=str)
    for r in df.itertuples():
        if r.rule not in ("matrix", "gravity", "local"):
            raise InputError(Problem("bad-value", f"rule {r.rule!r} of sector {r.sector!r} is not "
                                     "matrix, gravity or local", Location(file=str(file))))
    rules = df.set_index("sector")["rule"]
    missing = sorted(set(sectors.index) - set(rules.index))
    extra = sorted(set(rules.index) - set(sectors.index))
    if missing or extra:
        raise InputError(Problem("sectors", f"trade rules missing for {missing}, unknown sectors "
                                 f"{extra}", Location(file=str(file))))
    return rules.reindex(sectors.index)


def gva_matrix(nat: RegionFlows, sectors: pd.DataFrame, data: RegionData,
               overrides: dict[str, pd.Series], exact: list[str] | None = None,
               scale: bool = True) -> pd.DataFrame:
    """Unit x sector GVA (mln RUB) summing to the national GVA of each sector [R2-R4].

    Units in ``exact`` keep their published GRP and structure (``GRP x share``, no scaling); the
    other units then absorb the difference between the IO tables' national structure and the
    sum of regional structures, in proportion to their scaled GVA [R4]. With ``scale=False``
    every unit keeps its published GRP and structure and the national table is adjusted to
    their sum instead (:func:`national_from_regions`) [R16]."""
    group = sectors["okved_section"]
    gva_n = nat.gva
    grp = data.stats["grp"]
    prior = pd.DataFrame(0.0, index=data.codes, columns=sectors.index)
    for g in dict.fromkeys(group):
        members = list(group.index[group == g])
        share = data.sections[list(g)].sum(axis=1) / 100
        within = gva_n[members] / gva_n[members].sum()
        prior[members] = np.outer(grp * share, within)
    for code, gva in overrides.items():
        prior.loc[code] = gva.reindex(sectors.index).to_numpy()
    if not scale:
        return prior
    rows = grp.to_numpy() * gva_n.sum() / grp.sum()
    g = pd.DataFrame(ras(prior.to_numpy(), rows, gva_n.to_numpy(), "unit x sector GVA"),
                     index=data.codes, columns=sectors.index)
    if exact:
        rest = [u for u in data.codes if u not in exact]
        g.loc[exact] = prior.loc[exact]
        left = gva_n - prior.loc[exact].sum()
        if (left < 0).any():
            raise InputError(Problem("gva", f"the named regions' GVA exceeds the national GVA of "
                                     f"sector(s) {list(left.index[left < 0])}"))
        g.loc[rest] = g.loc[rest] * (left / g.loc[rest].sum())
    return g


def ras_factors(prior: np.ndarray, rows: np.ndarray, cols: np.ndarray, what: str,
                tol: float = RAS_TOL) -> tuple[np.ndarray, np.ndarray]:
    """Row and column factors ``r, s`` of the RAS of :func:`ras`: ``x_ij = r_i prior_ij s_j``."""
    a = prior.astype(float)
    r, s = np.ones(a.shape[0]), np.ones(a.shape[1])
    scale = max(rows.sum(), 1e-300)
    for _ in range(RAS_MAX_ITER):
        rs = a @ s
        r = np.divide(rows, rs, out=np.zeros_like(rows, dtype=float), where=rs > 0)
        cs = r @ a
        s = np.divide(cols, cs, out=np.zeros_like(cols, dtype=float), where=cs > 0)
        if np.max(np.abs(a @ s * r - rows)) <= tol * scale:
            return r, s
    raise InputError(Problem("ras", f"{what}: biproportional scaling did not converge "
                             f"(largest row gap {np.max(np.abs(a @ s * r - rows)):.3g})"))


def national_from_regions(nat: RegionFlows, gva: pd.Series) -> RegionFlows:
    """The national table of the 85-region SAM: the IO tables re-balanced to the sum of the
    regions' published GVA by sector ``gva`` [R16].

    Each sector's column is scaled by ``k_s = gva_s / GVA_s`` (IO tables): its output, exports
    abroad, imported inputs, taxes on inputs, compensation, capital income and other taxes on
    production, so every sector keeps the IO tables' value-added, import, tax and export
    coefficients. The domestic use matrix (intermediate use and final demand of domestic
    products) is then scaled biproportionally (RAS): rows to the new domestic sales of each
    product (output less exports), intermediate columns to each sector's scaled domestic inputs,
    final-demand columns (households, government, investment) in the IO tables' proportions to
    the rest. Imports and product taxes of final demand follow their cell's domestic part (the
    import share and tax rate of each final purchase are kept)."""
    sec = list(nat.lab.index)
    k = (gva / nat.gva).reindex(sec)
    if not (k > 0).all():
        raise InputError(Problem("gva", "a sector has no GVA in the regions or the IO tables: "
                                 f"{list(k.index[~(k > 0)])}"))
    kk = k.to_numpy()
    exports = nat.exports * k
    supply = ((nat.output - nat.exports) * k).to_numpy()
    zcol = nat.z_dom.sum().to_numpy() * kk
    fin = nat.final_dom.sum().to_numpy()
    fcol = fin * (supply.sum() - zcol.sum()) / fin.sum()
    use = np.hstack([nat.z_dom.to_numpy(), nat.final_dom.to_numpy()])
    r, s = ras_factors(use, supply, np.concatenate([zcol, fcol]), "national use matrix [R16]")
    n = len(sec)
    ratio_f = pd.DataFrame(np.outer(r, s[n:]), index=nat.final_dom.index,
                           columns=nat.final_dom.columns)
    z_dom = pd.DataFrame(r[:, None] * nat.z_dom.to_numpy() * s[None, :n],
                         index=nat.z_dom.index, columns=nat.z_dom.columns)
    final_dom = nat.final_dom * ratio_f
    out = RegionFlows(
        z_dom=z_dom, z_imp=nat.z_imp * k, tax_int=nat.tax_int * k, final_dom=final_dom,
        final_imp=nat.final_imp * ratio_f, tax_final=nat.tax_final * ratio_f, lab=nat.lab * k,
        cap=nat.cap * k, ptax=nat.ptax * k, exports=exports, reexports=nat.reexports,
        etax=nat.etax * exports.sum() / nat.exports.sum(), p33=nat.p33, p34=nat.p34,
        dtax=nat.dtax, gfcf=nat.gfcf * fcol[list(nat.final_dom.columns).index("inv")]
        / fin[list(nat.final_dom.columns).index("inv")])
    # exports close what the RAS leaves at its tolerance (1e-12 of the total, well under a
    # rouble), so domestic sales equal domestic use exactly, product by product
    exact = out.output - out.domestic_demand
    if (np.abs(exact - exports) > 1e-9 * supply.sum()).any():
        raise InputError(Problem("ras", "national use matrix [R16]: rows left unbalanced"))
    return RegionFlows(**{f: getattr(out, f) for f in out.__dataclass_fields__}
                       | {"exports": exact})


@dataclass(frozen=True)
class UnitFlows:
    """Flows of every unit (:class:`RegionFlows` by code) and goods trade ``trade[s]`` (unit x
    unit, mln RUB), with the notes of the construction."""

    flows: dict[str, RegionFlows]
    trade: dict[str, pd.DataFrame]
    gva: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    national: RegionFlows | None = None  # the national table the units sum to [R4, R16]


def unit_flows(nat: RegionFlows, sectors: pd.DataFrame, data: RegionData,
               overrides: dict[str, pd.Series], rules: pd.Series,
               exact: list[str] | None = None, from_regions: bool = False) -> UnitFlows:
    """Flows of the 85 units [R5-R11]. With ``from_regions`` every unit keeps its published GVA
    by section and the national table is re-balanced to their sum [R16]; otherwise the units are
    scaled to the IO tables [R4]."""
    notes: list[str] = []
    # compensation bridge: IO D1 over the regional accounts' total, from the IO tables [R6]
    bridge = nat.lab.sum() / data.rf["compensation"]
    G = gva_matrix(nat, sectors, data, overrides, exact, scale=not from_regions)
    if from_regions:
        nat = national_from_regions(nat, G.sum())
    w = G / nat.gva  # unit's share of national sector s
    st = data.stats
    shares = pd.DataFrame({"hh": st["afc"] / st["afc"].sum(), "gov": st["pop"] / st["pop"].sum(),
                           "inv": st["inv"] / st["inv"].sum()})
    local = list(sectors.index[rules == "local"])
    trad = list(sectors.index[rules != "local"])
    flows: dict[str, RegionFlows] = {}
    for u in data.codes:
        wu = w.loc[u]
        gva = G.loc[u]
        lab = nat.lab * wu
        lab *= st.at[u, "compensation"] * bridge / lab.sum()
        ptax = nat.ptax * wu
        ptax += (st.at[u, "ptax"] - ptax.sum()) * gva / gva.sum()
        cap = gva - lab - ptax
        if (cap < 0).any():
            # labour cannot exceed what GVA leaves after production taxes: the excess moves to
            # the unit's other sectors in proportion to their capital income [R6]
            short = -cap.clip(upper=0.0)
            lab -= short
            room = cap.clip(lower=0.0)
            lab += short.sum() * room / room.sum()
            cap = gva - lab - ptax
            notes.append(f"{u}: compensation above GVA less taxes in "
                         f"{list(short.index[short > 0])}, {short.sum():,.0f} mln RUB moved to "
                         "other sectors [R6]")
        exports = nat.exports * wu
        sh = shares.loc[u]
        flows[u] = RegionFlows(
            z_dom=nat.z_dom * wu, z_imp=nat.z_imp * wu, tax_int=nat.tax_int * wu,
            final_dom=nat.final_dom * sh, final_imp=nat.final_imp * sh,
            tax_final=nat.tax_final * sh, lab=lab, cap=cap, ptax=ptax, exports=exports,
            reexports=nat.reexports * exports.sum() / nat.exports.sum(),
            etax=nat.etax * exports.sum() / nat.exports.sum(), p33=nat.p33 * sh["hh"],
            p34=nat.p34 * sh["hh"],
            dtax=nat.dtax * (lab.sum() + cap.sum()) / (nat.lab.sum() + nat.cap.sum()),
            gfcf=nat.gfcf * sh["inv"])
    # non-tradables: final use = output - exports - intermediate use [R8]
    k_floor = data.param("nontradable_final_floor")
    for u, f in flows.items():
        left = (f.output - f.exports - f.z_dom.sum(axis=1))[local]
        used = f.final_dom.loc[local].sum(axis=1)
        k = left / used
        low = k < k_floor
        if low.any():
            # intermediate use leaves (almost) nothing for final users: the unit's users buy
            # less of the service, the saving goes to capital income [R8]
            for s in k.index[low]:
                need = (f.z_dom.loc[s].sum() + k_floor * used[s]) - (f.output[s] - f.exports[s])
                cut = need / f.z_dom.loc[s].sum()
                removed = f.z_dom.loc[s] * cut
                f.z_dom.loc[s] -= removed
                f.tax_int.loc[s] *= 1 - cut
                f.cap.loc[:] += removed  # same index (using sectors)
                notes.append(f"{u}: intermediate use of {s} cut by {100 * cut:.1f} % "
                             f"({removed.sum():,.0f} mln RUB) to leave {k_floor:.0%} of its "
                             "final demand [R8]")
            left = (f.output - f.exports - f.z_dom.sum(axis=1))[local]
            k = left / used
        kk = k.to_numpy()[:, None]
        rows_l = [f.final_dom.index.get_loc(s) for s in local]
        for df in (f.final_dom, f.final_imp, f.tax_final):
            v = df.to_numpy().copy()
            v[rows_l] = v[rows_l] * kk
            df.iloc[:, :] = v
    # household purchases of tradables: RAS to household totals and national supply [R9]
    hh_target = st["afc"] / st["afc"].sum() * (nat.final_dom + nat.final_imp
                                                + nat.tax_final)["hh"].sum()
    fl = list(flows.values())
    ti = np.array([sectors.index.get_loc(s) for s in trad])
    li = np.array([sectors.index.get_loc(s) for s in local])
    # one pass over the units (positions in sector order, as the flows' indices)
    supply, other, dom, tot, loc_hh = [], [], [], [], []
    for f in fl:
        hh_all = (f.final_dom["hh"] + f.final_imp["hh"] + f.tax_final["hh"]).to_numpy()
        supply.append((f.output - f.exports).to_numpy()[ti])
        other.append((f.z_dom.sum(axis=1) + f.final_dom[["gov", "inv"]].sum(axis=1))
                     .to_numpy()[ti])
        dom.append(f.final_dom["hh"].to_numpy()[ti])
        tot.append(hh_all[ti])
        loc_hh.append(hh_all[li].sum())
    supply, other, dom, tot, loc_hh = map(np.array, (supply, other, dom, tot, loc_hh))
    cols = pd.Series(supply.sum(axis=0) - other.sum(axis=0), index=trad)
    rows_t = (hh_target.to_numpy() - loc_hh)
    if (rows_t <= 0).any():
        raise InputError(Problem("households", "households of "
                                 f"{list(np.array(data.codes)[rows_t <= 0])} spend all their "
                                 "consumption on local services"))
    fac = np.ones_like(dom)
    has = dom.sum(axis=0) > 0
    if (np.abs(cols.to_numpy()[~has]) > 1e-6).any():
        raise InputError(Problem("households", f"sectors {list(cols.index[~has])}: supply left "
                                 "for households but no household demand"))
    for _ in range(RAS_MAX_ITER):
        r = rows_t / (tot * fac).sum(axis=1)
        fac *= r[:, None]
        c = np.ones(len(trad))
        c[has] = cols.to_numpy()[has] / (dom * fac).sum(axis=0)[has]
        fac *= c[None, :]
        if np.max(np.abs(c - 1)) < 1e-13 and np.max(np.abs(r - 1)) < 1e-10:
            break
    for i, f in enumerate(flows.values()):
        for df in (f.final_dom, f.final_imp, f.tax_final):
            col = df["hh"].to_numpy().copy()
            col[ti] = col[ti] * fac[i]
            df["hh"] = col
    trade = interregional_trade(flows, rules, data)
    return UnitFlows(flows, trade, G, notes, nat)


def interregional_trade(flows: dict[str, RegionFlows], rules: pd.Series, data: RegionData
                        ) -> dict[str, pd.DataFrame]:
    """Sales of each tradable sector, origin x destination unit (mln RUB) [R10, R11]."""
    codes = data.codes
    M = data.matrix.to_numpy()
    D = data.dist.to_numpy()
    eps = data.param("goods_gravity_weight")
    out: dict[str, pd.DataFrame] = {}
    sup = pd.DataFrame({u: flows[u].output - flows[u].exports for u in codes})
    dem = pd.DataFrame({u: flows[u].domestic_demand for u in codes})
    for s in rules.index:
        supply, demand = sup.loc[s].to_numpy(), dem.loc[s].to_numpy()
        if rules[s] == "local":
            out[s] = pd.DataFrame(np.diag(supply), index=codes, columns=codes)
            gap = np.abs(supply - demand).max()
            if gap > 1e-6 * max(supply.sum(), 1.0):
                raise InputError(Problem("non-tradable", f"{s}: supply and demand differ by "
                                         f"{gap:,.3f} mln RUB in a unit"))
            continue
        gap = abs(supply.sum() - demand.sum())
        if gap > 1e-7 * supply.sum():
            raise InputError(Problem("commodity-balance", f"{s}: national supply "
                                     f"{supply.sum():,.1f} and demand {demand.sum():,.1f} differ"))
        demand = demand * supply.sum() / demand.sum()
        grav = np.outer(supply, demand) / D
        grav /= grav.sum()
        if rules[s] == "matrix":
            prior = M / M.sum() + eps * grav
        else:
            prior = grav
        out[s] = pd.DataFrame(ras(prior, supply, demand, f"trade of {s}"), index=codes,
                              columns=codes)
    return out


def sparsify(trade: dict[str, pd.DataFrame], rules: pd.Series, threshold: float,
             min_flow: float, hub: str) -> dict[str, pd.DataFrame]:
    """Keep flows carrying at least ``threshold`` of the origin's sales or the destination's
    purchases, sales inside a unit and links with the hub; rescale (RAS) to the same supply and
    demand and drop flows below ``min_flow`` mln RUB, as the synthetic generator does."""
    out = {}
    for s, df in trade.items():
        v = df.to_numpy()
        if rules[s] == "local":
            out[s] = df
            continue
        a, b = v.sum(axis=1), v.sum(axis=0)
        n = len(v)
        eye = np.eye(n, dtype=bool)
        h = list(df.index).index(hub)
        keep = eye.copy()
        keep[h, :] = keep[:, h] = True
        with np.errstate(invalid="ignore", divide="ignore"):
            keep |= (v / a[:, None] >= threshold) | (v / b[None, :] >= threshold)
        keep |= v == v.max(axis=1, keepdims=True)
        while True:
            w = ras(np.where(keep, v, 0.0), a, b, f"sparse trade of {s}")
            small = ~eye & (w > 0) & (w < min_flow)
            if not small.any():
                break
            keep &= ~small
        out[s] = pd.DataFrame(w, index=df.index, columns=df.columns)
    return out


# --------------------------------------------------------------------------- aggregation
def aggregate(units: UnitFlows, groups: dict[str, str], order: list[str], data: RegionData
              ) -> tuple[dict[str, RegionFlows], dict[str, pd.DataFrame], pd.DataFrame]:
    """Sum units into model regions (``groups``: unit -> region) [R13]: flows, trade and the
    flow-weighted mean distance between regions (by sector: ``dist[s]`` region x region)."""
    flows: dict[str, RegionFlows] = {}
    for u, f in units.flows.items():
        r = groups[u]
        flows[r] = f if r not in flows else flows[r].scaled(f, sign=1.0)
    flows = {r: flows[r] for r in order}
    key = pd.Series(groups).reindex(data.codes)
    trade, dist = {}, {}
    D = data.dist
    if all(groups[u] == u for u in data.codes) and order == data.codes:
        # one region per unit (the 85-region SAM): nothing to sum
        for s, t in units.trade.items():
            trade[s] = t.reindex(index=order, columns=order)
            dist[s] = D.where(trade[s] > 0).reindex(index=order, columns=order)
        return flows, trade, dist
    for s, t in units.trade.items():
        agg = t.groupby(key).sum().T.groupby(key).sum().T
        trade[s] = agg.reindex(index=order, columns=order)
        wd = (t * D).groupby(key).sum().T.groupby(key).sum().T
        dist[s] = (wd / agg.where(agg > 0)).reindex(index=order, columns=order)
    return flows, trade, dist


def margin_rates(file: str | Path) -> pd.Series:
    """Rosstat's national transport-margin rate by sector (one value per commodity)."""
    df = _csv(Path(file))
    rates = df.groupby("commodity")["value"].first()
    return rates


def margins(trade: dict[str, pd.DataFrame], dist: dict[str, pd.DataFrame],
            unit_trade: dict[str, pd.DataFrame], unit_dist: pd.DataFrame, rates: pd.Series,
            terminal: float) -> pd.DataFrame:
    """Rows ``origin,destination,commodity,value,source`` of every interregional flow [R12]."""
    parts = []
    for s, t in trade.items():
        rate = float(rates.get(s, 0.0))
        if rate <= 0:
            continue
        ut = unit_trade[s].to_numpy()
        mean_d = float((ut * unit_dist.to_numpy()).sum() / ut.sum())
        tv = t.to_numpy()
        o_i, d_i = np.nonzero((tv > 0) & ~np.eye(*tv.shape, dtype=bool))  # row-major order
        km = dist[s].to_numpy()[o_i, d_i]
        v = rate * (terminal + (1 - terminal) * km / mean_d)
        parts.append(pd.DataFrame({
            "origin": t.index.to_numpy()[o_i], "destination": t.columns.to_numpy()[d_i],
            "commodity": s, "value": [round(float(x), 6) for x in v],
            "source": [f"Rosstat rate {rate:g} x ({terminal:g} + {1 - terminal:g} x "
                       f"{float(k):.0f} km / {mean_d:.0f} km) [R12]" for k in km]}))
    if not parts:
        return pd.DataFrame(columns=["origin", "destination", "commodity", "value", "source"])
    return pd.concat(parts, ignore_index=True)[["origin", "destination", "commodity", "value",
                                                "source"]]


# --------------------------------------------------------------------------- assembly
def assemble(flows: dict[str, RegionFlows], trade: dict[str, pd.DataFrame],
             sectors: pd.DataFrame, *, hub: str, name: str, source: str) -> SAM:
    """Write regional flows and trade into a SAM balanced exactly in whole roubles [R14].

    Every cell is rounded once to whole roubles (``DECIMALS``) in an integer matrix, so the
    closures below are exact; vectorised over regions and sectors."""
    regions = list(flows)
    secs = list(sectors.index)
    accounts = sam_accounts(regions, sectors)
    keys = [f"{a.region}:{a.name}" for a in accounts]  # as SAM keys; the SAM is made once, below
    pos = {k: i for i, k in enumerate(keys)}
    n = len(pos)
    unit = 10.0**DECIMALS
    Q = np.zeros((n, n), dtype=np.int64)

    def idx(r: str, names) -> np.ndarray:
        return np.array([pos[f"{r}:{k}"] for k in names], dtype=np.int64)

    def put(rows: np.ndarray, cols: np.ndarray, v: np.ndarray) -> None:
        """Cells (rows x cols, or element-wise for equal 1-d shapes) rounded to whole roubles
        (round half to even, as Python's round)."""
        Q[rows, cols] = np.rint(np.asarray(v, dtype=float) * unit).astype(np.int64)

    world = pos["ROW:row"]
    act = {r: idx(r, [f"a-{s}" for s in secs]) for r in regions}
    com = {r: idx(r, [f"c-{s}" for s in secs]) for r in regions}
    one = {r: {k: pos[f"{r}:{k}"] for k in ("lab", "cap", "hh", "gov", "ptax", "ctax", "etax",
                                            "dtax", "inv")} for r in regions}
    for r, f in flows.items():
        a, c, o = act[r], com[r], one[r]
        z = (f.z_dom + f.z_imp + f.tax_int).loc[secs, secs].to_numpy()
        put(c[:, None], a[None, :], z)
        for fac in ("lab", "cap", "ptax"):
            put(np.full(len(secs), o[fac]), a, getattr(f, fac)[secs].to_numpy())
        put(a, np.full(len(secs), world), f.exports[secs].to_numpy())
        put(c, np.full(len(secs), world), f.reexports[secs].to_numpy())
        put(np.full(len(secs), world), c, f.imports[secs].to_numpy())
        ti = np.ascontiguousarray(f.tax_int.loc[secs].to_numpy())
        tf = np.ascontiguousarray(f.tax_final.loc[secs].to_numpy())
        put(np.full(len(secs), o["ctax"]), c, ti.sum(axis=1) + tf.sum(axis=1))
        cols = list(FINAL)
        fd = (f.final_dom + f.final_imp + f.tax_final).loc[secs, cols].to_numpy()
        put(c[:, None], np.array([o[k] for k in cols])[None, :], fd)
        put(np.array([o["hh"], world, o["etax"], o["dtax"]]),
            np.array([world, o["hh"], world, o["hh"]]),
            np.array([f.p34, f.p33, f.etax, f.dtax]))
    for j, s in enumerate(secs):
        if s not in trade:
            continue
        tt = trade[s].loc[regions, regions].to_numpy()
        rows = np.array([act[o][j] for o in regions])
        cols = np.array([com[d][j] for d in regions])
        put(rows[:, None], cols[None, :], tt)

    def gap() -> np.ndarray:
        """Receipts minus payments of every account, exactly (integers)."""
        return Q.sum(axis=1) - Q.sum(axis=0)

    # commodities close on their largest domestic supplier (rounding: a few roubles); ties go
    # to the first region in order
    g = gap()
    for j, s in enumerate(secs):
        rows = np.array([act[o][j] for o in regions])
        for d in regions:
            col = com[d][j]
            if g[col]:
                v = Q[rows, col]
                if not (v != 0).any():
                    raise InputError(Problem("assembly", f"{d}:c-{s} has no domestic supplier"))
                cand = np.where(v != 0, v, np.iinfo(np.int64).min)
                Q[rows[int(np.argmax(cand))], col] += g[col]
    g = gap()
    for r in regions:  # activities close on capital income
        Q[one[r]["cap"], act[r]] += g[act[r]]
    g = gap()
    for r in regions:  # factors pay their income to the region's households [A6]
        for fac in ("lab", "cap"):
            Q[one[r]["hh"], one[r][fac]] += g[one[r][fac]]
    g = gap()
    for r in regions:  # net taxes to the government, net subsidies from it
        for tax in ("ptax", "ctax", "etax", "dtax"):
            tx, gov = one[r][tax], one[r]["gov"]
            if g[tx] >= 0:
                Q[gov, tx] += g[tx]
            else:
                Q[tx, gov] += -g[tx]
    g = gap()
    for r in regions:  # institutions save what they do not spend (flagship convention)
        for inst in ("hh", "gov"):
            Q[one[r]["inv"], one[r][inst]] += g[one[r][inst]]
    # foreign savings of each region: its net payments to the rest of the world
    owner = np.full(n, -1)
    for i, r in enumerate(regions):
        owner[np.array([pos[k] for k in keys if k.startswith(f"{r}:")])] = i
    mine = owner >= 0
    net = np.zeros(len(regions), dtype=np.int64)
    np.add.at(net, owner[mine], Q[world, mine])
    np.subtract.at(net, owner[mine], Q[mine, world])
    for i, r in enumerate(regions):
        Q[one[r]["inv"], world] += net[i]
    g = gap()
    h = one[hub]["inv"]
    for r in regions:  # capital transfers with the hub close each region's savings
        j = one[r]["inv"]
        if r != hub and g[j] > 0:
            Q[h, j] += g[j]
        elif r != hub and g[j] < 0:
            Q[j, h] += -g[j]
    if (gap() != 0).any():
        raise InputError(Problem("assembly", "integer closure left the SAM unbalanced at "
                                 f"{[keys[i] for i in np.flatnonzero(gap())][:5]}"))
    sam = SAM(accounts, Q / unit, name=name, units="mln RUB", year=YEAR, source=source)
    if sam.keys != keys:
        raise InputError(Problem("assembly", "account keys differ from the SAM's"))
    return sam


# --------------------------------------------------------------------------- build and report
@dataclass(frozen=True)
class MultiRegionBuild:
    """A built multi-region SAM with its margins table, report rows, facts and notes."""

    sam: SAM
    margins: pd.DataFrame
    rows: list[ReportRow]
    facts: dict[str, str]
    notes: list[str]
    title: str
    command: str
    assumptions: str = "R1-R15"  # the numbered assumptions the build uses (SOURCES.md)
    sources_extra: str = ""  # a paragraph of SOURCES.md particular to the build

    @property
    def flagged(self) -> list[ReportRow]:
        return [r for r in self.rows if r.flagged]

    def to_markdown(self) -> str:
        kinds: dict[str, list[ReportRow]] = {}
        for r in self.rows:
            kinds.setdefault(r.name.split(" | ")[0], []).append(r)
        checks = [r for r in self.rows if r.role == "check"]
        lines = [f"# {self.title}: comparison with published figures", "",
                 f"Generated by `{self.command}`; do not edit by hand. A row fails when the "
                 "difference between built and published exceeds its tolerance (relative, or in "
                 "percentage points). Rows marked **input** are figures the build uses: they "
                 "test the code. Rows marked check are figures the build does not use: they test "
                 "the SAM. Failures are listed, not hidden.", "",
                 f"Checks: {sum(not r.flagged for r in checks)} pass, "
                 f"{sum(r.flagged for r in checks)} fail (inputs: "
                 f"{sum(not r.flagged for r in self.rows if r.role == 'input')} pass, "
                 f"{sum(r.flagged for r in self.rows if r.role == 'input')} fail).", "",
                 "## Summary by figure", "",
                 "| figure | role | rows | pass | fail | median abs. difference | tolerance | "
                 "source |", "|---|---|---:|---:|---:|---:|---:|---|"]
        for k, rs in kinds.items():
            med = float(np.median([abs(r.diff) for r in rs]))
            lines.append(f"| {k} | {'**input**' if rs[0].role == 'input' else 'check'} | "
                         f"{len(rs)} | {sum(not r.flagged for r in rs)} | "
                         f"{sum(r.flagged for r in rs)} | {rs[0]._fmt(med)} | "
                         f"{rs[0].tolerance()} | {rs[0].source} |")
        lines += ["", "## Notes on the figures", ""]
        lines += [f"- {k}: {rs[0].note}" for k, rs in kinds.items() if rs[0].note]
        lines += ["", "## All rows", "",
                  "| figure | region | role | published | built | unit | difference | "
                  "tolerance | status |", "|---|---|---|---:|---:|---|---:|---:|---|"]
        for r in self.rows:
            k, reg = r.name.split(" | ")
            lines.append(f"| {k} | {reg} | {'**input**' if r.role == 'input' else 'check'} | "
                         f"{r.target:,.2f} | {r.built:,.2f} | {r.unit} | {r._fmt(r.diff)} | "
                         f"{r.tolerance()} | {'**FAIL**' if r.flagged else 'pass'} |")
        lines += ["", "## Build facts", ""] + [f"- {k}: {v}" for k, v in self.facts.items()]
        lines += ["", "## Adjustments made by the build", ""]
        lines += [f"- {n}" for n in self.notes] or ["None."]
        return "\n".join(lines) + "\n"


def _report_rows(flows: dict[str, RegionFlows], trade: dict[str, pd.DataFrame],
                 groups: dict[str, str], data: RegionData, nat: RegionFlows,
                 sectors: pd.DataFrame, shipments_n: dict[str, float],
                 milk_target: pd.Series | None, skip: set[str], bridge: float | None = None,
                 from_regions: bool = False) -> list[ReportRow]:
    st = data.stats.copy()
    st["wagebill"] = st["emp"] * st["wage"] * 12 / 1000  # thou. persons x RUB/month -> mln RUB
    key = pd.Series(groups).reindex(data.codes)
    agg = st.groupby(key).sum()
    sec = (data.sections.mul(st["grp"], axis=0)).groupby(key).sum()
    sec = sec.div(sec.sum(axis=1), axis=0) * 100
    if bridge is None:
        bridge = nat.lab.sum() / data.rf["compensation"]
    hh_nat = (nat.final_dom + nat.final_imp + nat.tax_final)["hh"].sum()
    usd = data.param("usd_rub_2021")
    section = sectors["okved_section"]
    goods = sectors.index[section.isin(["A", "B", "C", "D"])]
    wage_ratio = data.rf["compensation"] / (data.rf["emp"] * data.rf["wage"] * 12 / 1000)
    src_grp = ("Rosstat regional accounts VRP_s1998.xlsx (9 April 2025), 2021 "
               "(regions/russia_regions_grp_income_consumption_2021.csv)")
    src_yb = ("Rosstat, Russian Statistical Yearbook 2022/2023 "
              "(regions/russia_regions_rosstat_yearbook_2021_selected.csv)")
    if from_regions:
        grp_note = ("every region keeps its published GRP (GRP x published section shares; "
                    "Vologda sized from evidence, R3); the national table is re-balanced to "
                    "the sum of regions instead [R16]")
        sec_note = ("published shares normalised to sum to 100; within a section group sectors "
                    "in national proportions [R2]. Every region keeps its published structure: "
                    "the national IO table is re-balanced to the sum of regional structures "
                    "[R16]")
    else:
        grp_note = ("named regions of the partner SAM: exact; in the 85-region SAM GVA by "
                    "sector is scaled (RAS) to the national GVA of the IO tables, 120.80 trn RUB "
                    "against 122.20 trn summed over regions, -1.1 % everywhere [R4]")
        sec_note = ("published shares normalised to sum to 100. Exact for the named regions of "
                    "the partner SAM. In the 85-region SAM the RAS of R4 makes regions sum to "
                    "the IO tables' national structure, which differs from the sum of regional "
                    "structures (finance and real estate K-L 16.6 % of GVA in the IO tables, "
                    "10.8 % summed over regions; manufacturing 13.6 % vs 17.1 %): shares move by "
                    "several points, a known failure [R4]")
    # positions of each section group's sectors and published columns, computed once
    members_of = {g: np.flatnonzero((section == g).to_numpy()) for g in dict.fromkeys(section)}
    sec_cols = {g: [list(sec.columns).index(c) for c in g] for g in members_of}
    sec_np, sec_row = sec.to_numpy(), {r: i for i, r in enumerate(sec.index)}
    rows: list[ReportRow] = []
    # output of each region once (the property sums four tables), and Russia's by section
    outputs = {r: f.output for r, f in flows.items()}
    ship_total = {}
    for g in SHIPMENTS:
        members = section.index[section == g]
        ship_total[g] = sum(o[members].sum() for o in outputs.values())
    for r, f in flows.items():
        a = agg.loc[r]
        gva = f.gva
        if r in skip:  # the rest of Russia is a residual: its GVA is not an input [R4]
            pass
        else:
            rows.append(ReportRow(f"GRP | {r}", a["grp"], gva.sum(), "mln RUB", 0.015, src_grp,
                                  grp_note, "input"))
        gv = gva.reindex(section.index).to_numpy()
        built_sec = {g: 100 * gv[pos].sum() / gv.sum() for g, pos in members_of.items()}
        pub_sec = {g: sec_np[sec_row[r], cols].sum() for g, cols in sec_cols.items()}
        worst = max(built_sec, key=lambda g: abs(built_sec[g] - pub_sec[g]))
        if r not in skip:
            rows.append(ReportRow(f"GVA share, largest gap over section groups | {r}",
                                  pub_sec[worst], built_sec[worst], f"% of GVA ({worst})", 0.5,
                                  "Rosstat VRP_OKVED2_s2016.xlsx, 2021 "
                                  "(regions/russia_regions_gva_structure_okved2_2021_pct.csv)",
                                  sec_note, "input", True))
        rows.append(ReportRow(f"compensation of employees | {r}", a["compensation"],
                              f.lab.sum() / bridge, "mln RUB", 0.02, src_grp,
                              "built D1 over the national ratio of IO D1 to the regional "
                              "accounts' total (unobserved wages) [R6]", "input"))
        hh = (f.final_dom + f.final_imp + f.tax_final)["hh"].sum()
        rows.append(ReportRow(f"household actual final consumption | {r}", a["afc"],
                              hh / hh_nat * data.rf["afc"], "mln RUB", 0.02, src_grp,
                              "built household and NPISH consumption as a share of the national "
                              "total, times the regional accounts' Russian total [R7, R9]",
                              "input"))
        rows.append(ReportRow(f"exports of goods abroad | {r}", a["exports_usd"],
                              f.exports[goods].sum() / usd, "mln USD", 0.25,
                              src_yb + ", table 25.4",
                              "built: exports of sections A-D at basic prices (national export "
                              "propensity of each sector x the region's output [R5]) at 73.65 "
                              "RUB/USD; customs count the exporter's region of registration",
                              "check"))
        for g in SHIPMENTS:
            pub = a[f"ship_{g}"]
            members = section.index[section == g]
            if not pub > 0 or len(members) == 0:
                continue
            total = ship_total[g]
            rows.append(ReportRow(f"share of Russia's industrial shipments {g} | {r}",
                                  100 * pub / shipments_n[g],
                                  100 * outputs[r][members].sum() / total, "% of Russia", 0.25,
                                  src_yb + ", table 16.3",
                                  "built: the region's share of the SAM's output of the section "
                                  "(output follows GVA by the national GVA/output ratio [R2, R5]);"
                                  " published: its share of shipments of own goods (the RF row "
                                  "includes amounts not allocated to regions)", "check"))
        rows.append(ReportRow(f"wage bill vs employment x wage | {r}",
                              a["wagebill"] * wage_ratio, f.lab.sum() / bridge, "mln RUB", 0.2,
                              src_yb + ", tables 5.3 and 6.2",
                              "published: employed (LFS) x average monthly wage in "
                              "organisations x 12, times the national ratio of regional-accounts "
                              "compensation to that product "
                              f"({wage_ratio:.3f}, social contributions and the wage gap of "
                              "small firms); built: the compensation input, so this checks the "
                              "regional accounts against the labour statistics", "check"))
    if milk_target is not None and "VLG" in flows:
        t = trade["dairy"]
        f = flows["VLG"]
        out = t.loc["VLG"].drop("VLG").sum() + f.exports["dairy"]
        res = f.output["dairy"] + t["VLG"].drop("VLG").sum() + f.imports["dairy"]
        rows.append(ReportRow("Vologda milk outflow share | VLG", float(milk_target["value"]),
                              100 * out / res, "percent of resources", float(milk_target["tol"]),
                              str(milk_target["source"]), str(milk_target["note"]), "check",
                              True))
    return rows


SOURCES_TEXT = """# {name}: {title}, 2021

Generated by `{command}` (code: `cge/sources/regions.py`); do not edit by hand.
Units: mln RUB, current prices of 2021. Regions: {regions}; `ROW` the rest of the world.
`margins.csv` holds the iceberg trade margin of every interregional flow (pass it as
`trade_margins` in an experiment file).

Inputs (copies in `sam/sources/`, provenance in `sam/sources/SOURCES.md`, section `regions/`):
- Rosstat, basic input-output tables of the Russian Federation 2021 (the national flows, 22
  sectors of `sam/vologda/sectors.csv`, closed exactly as in the Vologda SAM);
- Rosstat, regional accounts VRP_s1998.xlsx of 9 April 2025: GRP 2021 of every region, its
  income components (compensation of employees, other net taxes on production) and household
  actual final consumption;
- Rosstat, GVA structure by OKVED2 section of every region, 2021 (VRP_OKVED2_s2016.xlsx);
- Rosstat, matrix of goods sales between regions, 2016 (thousand RUB; the latest published);
- Rosstat, Russian Statistical Yearbooks 2022/2023: territory, population, employment, wages,
  investment in fixed capital (inputs); foreign exports by region, industrial shipments by
  section (checks only);
- coordinates of the regional capitals (hflabs/city, DaData geocoding, CC BY-SA 4.0);
- Rosstat's 2021 transport-margin rates by sector (`calibration/vologda_margins_rosstat.csv`);
- for Vologda, the flagship's sizing of its manufacturing from published evidence
  (`sam/vologda/`, `cge/sources/vologda.py`).

Regions are the 85 federal subjects as non-overlapping units: Arkhangelsk and Tyumen oblasts
without their autonomous okrugs; the Nenets, Khanty-Mansi and Yamal-Nenets okrugs on their own
(the sources' composite rows "with okrugs" are never read). Codes: ISO 3166-2:RU
(`sam/regions/regions.csv`). Every assumption is numbered ({assumptions}) in
`sam/regions/ASSUMPTIONS.md`; `REPORT.md` compares the SAM with published figures.

Accounts per region: as the Vologda SAM (activities `a-*`, commodities `c-*`, `lab`, `cap`,
`hh`, `gov`, `ptax`, `ctax`, `etax`, `dtax`, `inv`).
{extra}"""


R16_TEXT = """
National table (assumption R16): every region keeps its published GRP and GVA structure by
section, and the national IO table is re-balanced to their sum (each sector's column of the IO
tables scaled to the regions' GVA, keeping its value-added, import, tax and export coefficients;
the domestic use matrix then by RAS). The SAM therefore does not add up to Rosstat's national IO
tables: national GVA is the sum of the regional accounts' GRP (122.20 trn RUB against 120.80
trn), its structure the sum of regional structures (finance and real estate 10.8 % of GVA
against 16.6 %, manufacturing 17.1 % against 13.6 %); with more goods production, national
output is 7.1 % higher, exports abroad 17.2 % and imports 16.0 % higher than in the IO tables,
household final consumption 0.7 % higher, government and investment 2.5 % and 2.0 % lower
(`REPORT.md`, build facts).
"""


def region_units(sources_dir: Path, regions_dir: Path, vologda_dir: Path,
                 exact: list[str] | None, from_regions: bool
                 ) -> tuple[RegionFlows, pd.DataFrame, RegionData, pd.Series, UnitFlows]:
    """The national accounts, sectors, published data, trade rules and flows of the 85 units,
    Vologda sized as in the flagship SAM [R3]; ``exact`` and ``from_regions`` as
    :func:`unit_flows`. Shared by the multi-region builds, the flagship's margins and the
    municipal build (:mod:`cge.sources.municipalities`)."""
    nat, sectors, tables = national_sector_accounts(sources_dir, vologda_dir,
                                                    "okpd2_to_sectors.csv")
    stats = read_regional_stats(sources_dir, vologda_dir)
    size = regional_size(nat, sectors, stats, sector_evidence(tables, stats,
                                                              read_figures(sources_dir)))
    data = read_region_data(sources_dir, regions_dir)
    rules = read_trade_rules(regions_dir, sectors)
    uf = unit_flows(nat, sectors, data, {"VLG": size.gva}, rules, exact, from_regions)
    return nat, sectors, data, rules, uf


def build_multiregion(sources_dir: str | Path, regions_dir: str | Path,
                      vologda_dir: str | Path, *, named: list[str] | None, name: str,
                      title: str, command: str, margins_file: str | Path,
                      sparse: bool = False) -> MultiRegionBuild:
    """Build the SAM of the ``named`` units plus the rest of Russia (``RUS``), or of all units
    (``named=None``), with the rest of the world."""
    sources_dir, regions_dir, vologda_dir = Path(sources_dir), Path(regions_dir), Path(vologda_dir)
    # the 85-region SAM keeps every region's published GVA and re-balances the national table
    # to their sum [R16]; the partner SAM keeps the IO tables and lets RUS absorb the gap [R4]
    from_regions = named is None
    nat, sectors, data, rules, uf = region_units(sources_dir, regions_dir, vologda_dir, named,
                                                 from_regions)
    bridge = nat.lab.sum() / data.rf["compensation"]
    trade_u = uf.trade
    if sparse:
        trade_u = sparsify(trade_u, rules, data.param("sparse_threshold"),
                           data.param("sparse_min_flow"), hub="MOW")
    if named is None:
        groups = {u: u for u in data.codes}
        order = list(data.codes)
        hub = "MOW"
    else:
        unknown = [c for c in named if c not in data.codes]
        if unknown:
            raise InputError(Problem("unknown-region", f"regions {unknown} are not codes of "
                                     f"{regions_dir / 'regions.csv'}"))
        groups = {u: (u if u in named else "RUS") for u in data.codes}
        order = list(named) + ["RUS"]
        hub = "RUS"
    flows, trade, dist = aggregate(UnitFlows(uf.flows, trade_u, uf.gva), groups, order, data)
    rates = margin_rates(margins_file)
    tm = margins(trade, dist, trade_u, data.dist, rates, data.param("margin_terminal_share"))
    sam = assemble(flows, trade, sectors, hub=hub, name=name,
                   source=f"Rosstat IO tables 2021, regional accounts 2021, 2016 interregional "
                          f"goods matrix; built by {command} (cge/sources/regions.py)")
    yb = pd.read_csv(sources_dir / "regions" / "russia_regions_rosstat_yearbook_2021_selected.csv")
    ship_n = {g: float(yb[(yb["indicator"] == ind) & (yb["level"] == "RF")
                          & (yb["year"].astype(str) == "2021")]["value"].iloc[0])
              for g, ind in SHIPMENTS.items()}
    targets = pd.read_csv(vologda_dir / "targets.csv", comment="#").set_index("name")
    milk = targets.loc["vol_milk_outflow"] if "vol_milk_outflow" in targets.index else None
    rows = _report_rows(flows, trade, groups, data, uf.national, sectors, ship_n, milk,
                        {"RUS"} if named is not None else set(), bridge, from_regions)
    n_flows = sum(int(((t.to_numpy() > 0) & ~np.eye(len(t), dtype=bool)).sum())
                  for t in trade.values())
    facts = {"regions": f"{len(order)} + ROW", "accounts": str(len(sam.keys)),
             "interregional flows (origin, destination, sector)": str(n_flows),
             "flows with a margin": str(len(tm)),
             "mean margin on goods flows": f"{tm['value'].mean():.4f}" if len(tm) else "-",
             "sum of regional GVA (mln RUB)": f"{sum(f.gva.sum() for f in flows.values()):,.1f}",
             "national GVA of the IO tables (mln RUB)": f"{nat.gva.sum():,.1f}"}
    if from_regions:
        nu = uf.national
        hh_io = (nat.final_dom + nat.final_imp + nat.tax_final).sum()
        hh_u = (nu.final_dom + nu.final_imp + nu.tax_final).sum()
        facts |= {
            "national table re-balanced to the sum of regions [R16]: GVA, output, exports, "
            "imports (mln RUB; IO tables -> SAM)": "; ".join(
                f"{a:,.0f} -> {b:,.0f}" for a, b in (
                    (nat.gva.sum(), nu.gva.sum()), (nat.output.sum(), nu.output.sum()),
                    (nat.exports.sum(), nu.exports.sum()),
                    (nat.imports.sum(), nu.imports.sum()))),
            "final demand at purchasers' prices, households / government / investment "
            "(mln RUB; IO tables -> SAM) [R16]": "; ".join(
                f"{hh_io[k]:,.0f} -> {hh_u[k]:,.0f}" for k in ("hh", "gov", "inv")),
            "share of GVA, IO tables -> sum of regions [R16]": "; ".join(
                f"{s} {100 * nat.gva[s] / nat.gva.sum():.1f} -> "
                f"{100 * nu.gva[s] / nu.gva.sum():.1f} %" for s in nat.gva.index),
        }
    if named is not None:
        for r in named:
            facts[f"{r}: GVA, goods sold to other regions / bought from them (mln RUB)"] = (
                f"{flows[r].gva.sum():,.0f}; "
                f"{sum(t.loc[r].drop(r).sum() for t in trade.values()):,.0f} / "
                f"{sum(t[r].drop(r).sum() for t in trade.values()):,.0f}")
    if not from_regions:
        return MultiRegionBuild(sam, tm, rows, facts, uf.notes, title, command)
    return MultiRegionBuild(sam, tm, rows, facts, uf.notes, title, command, "R1-R16", R16_TEXT)


def write_multiregion(build: MultiRegionBuild, out: str | Path, extra: str = "") -> Path:
    """Write the SAM folder with ``margins.csv``, ``REPORT.md`` and ``SOURCES.md``."""
    from cge.outputs import write_text
    from cge.sam.io import write_csv

    out = write_csv(build.sam, out)
    write_text(out / "margins.csv", build.margins.to_csv(index=False, lineterminator="\n"))
    write_text(out / "REPORT.md", build.to_markdown())
    regions = ", ".join(f"`{r}`" for r in build.sam.regions if r != "ROW")
    write_text(out / "SOURCES.md", SOURCES_TEXT.format(
        name=build.sam.name, title=build.title, command=build.command, regions=regions,
        assumptions=build.assumptions, extra=build.sources_extra + extra))
    return out


def read_partners(regions_dir: str | Path) -> list[str]:
    """Vologda and its partner regions (``partners.csv``, in order)."""
    file = Path(regions_dir) / "partners.csv"
    return list(_csv(file, dtype=str)["code"])


def build_partners(sources_dir: str | Path = "sam/sources", regions_dir: str | Path = "sam/regions",
                   vologda_dir: str | Path = "sam/vologda",
                   margins_file: str | Path = "calibration/vologda_margins_rosstat.csv"
                   ) -> MultiRegionBuild:
    """Vologda, its main partner regions by the 2016 goods matrix, the rest of Russia, ROW."""
    return build_multiregion(sources_dir, regions_dir, vologda_dir,
                             named=read_partners(regions_dir), name="vologda_partners_2021",
                             title="Vologda and its partner regions",
                             command="cge sam-build partners", margins_file=margins_file)


def build_russia(sources_dir: str | Path = "sam/sources", regions_dir: str | Path = "sam/regions",
                 vologda_dir: str | Path = "sam/vologda",
                 margins_file: str | Path = "calibration/vologda_margins_rosstat.csv"
                 ) -> MultiRegionBuild:
    """All 85 federal subjects and ROW (interregional flows sparsified as the synthetic SAMs)."""
    return build_multiregion(sources_dir, regions_dir, vologda_dir, named=None,
                             name="russia_2021", title="Russia's 85 regions",
                             command="cge sam-build russia", margins_file=margins_file,
                             sparse=True)


# --------------------------------------------------------------------------- flagship margins
#: the two Russian regions of the flagship SAM (``cge sam-build vologda``): Vologda's unit is
#: ``VOL``, every other unit is summed into ``RUS``
FLAGSHIP_REGIONS = {"VLG": "VOL"}
FLAGSHIP_REST = "RUS"

FLAGSHIP_MARGINS_HEADER = """\
# Interregional margins of the flagship Vologda model (VOL <-> RUS), the default of every flagship
# experiment (issue 17). Generated by `cge sam-build vologda-margins` (cge/sources/regions.py,
# flagship_margins); do not edit by hand. value = iceberg margin as a share of the goods' value:
# Rosstat's 2021 national transport-margin rate of the sector ({rates}) x
# (a + (1 - a) dist / mean), assumption R12 of sam/regions/ASSUMPTIONS.md, the construction of
# the partner-region and 85-region SAMs: a = {terminal:g} (margin_terminal_share of
# sam/regions/parameters.csv) is the distance-independent part (loading, terminals); dist is the
# flow-weighted mean great-circle distance between the regional capitals of the 2021 shipments of
# the sector from Vologda Oblast to the 84 other regions (VOL -> RUS) or from them to Vologda
# (RUS -> VOL) [R13]; mean is the flow-weighted mean haul of all shipments of the sector in
# Russia, internal hauls included [R12], so the national average margin stays Rosstat's rate.
# Shipments: the 85-unit goods trade of cge/sources/regions.py (2016 interregional goods matrix
# carried to 2021, gravity for energy, water and transport [R10, R11]) with Vologda sized as the
# flagship SAM [R3]. Sectors whose rate is 0 (services) carry no margin; a sector with a rate but
# no shipment in one direction keeps the national rate (no distance to weight).
# Sensitivities: calibration/vologda_margins_rosstat.csv (national rates, no distance) and
# calibration/vologda_margins_uniform10.csv (10 % on every good).
"""


@dataclass(frozen=True)
class FlagshipMargins:
    """The flagship's margins table, the terminal share it used and the name of the rates file."""

    table: pd.DataFrame
    terminal: float
    rates_file: str

    def to_csv(self) -> str:
        header = FLAGSHIP_MARGINS_HEADER.format(rates=self.rates_file, terminal=self.terminal)
        return header + self.table.to_csv(index=False, lineterminator="\n")


def flagship_margins(sources_dir: str | Path = "sam/sources",
                     regions_dir: str | Path = "sam/regions",
                     vologda_dir: str | Path = "sam/vologda",
                     margins_file: str | Path = "calibration/vologda_margins_rosstat.csv"
                     ) -> FlagshipMargins:
    """The flagship's margins VOL <-> RUS by the multi-region construction [R12, R13]: rows
    ``origin,destination,commodity,value,source`` for both directions and every sector, in
    the order of the rates file (:data:`FLAGSHIP_MARGINS_HEADER` says what they mean)."""
    sources_dir, regions_dir, vologda_dir = Path(sources_dir), Path(regions_dir), Path(vologda_dir)
    _, _, data, _, uf = region_units(sources_dir, regions_dir, vologda_dir,
                                     list(FLAGSHIP_REGIONS), False)
    groups = {u: FLAGSHIP_REGIONS.get(u, FLAGSHIP_REST) for u in data.codes}
    order = list(FLAGSHIP_REGIONS.values()) + [FLAGSHIP_REST]
    _, trade, dist = aggregate(uf, groups, order, data)
    rates = margin_rates(margins_file)
    terminal = data.param("margin_terminal_share")
    tm = margins(trade, dist, uf.trade, data.dist, rates, terminal)
    found = {(r.origin, r.destination, r.commodity): (r.value, r.source)
             for r in tm.itertuples()}
    rows = []
    for o, d in (order, order[::-1]):
        for s, rate in rates.items():
            if (o, d, s) in found:
                value, source = found[(o, d, s)]
            elif rate == 0:
                value, source = 0.0, "Rosstat rate 0: no transport margin on the sector [R12]"
            else:
                value, source = float(rate), (f"Rosstat rate {rate:g}: no shipments {o} -> {d} "
                                              "in the regional construction, national rate")
            rows.append({"origin": o, "destination": d, "commodity": s, "value": value,
                         "source": source})
    return FlagshipMargins(pd.DataFrame(rows), terminal, Path(margins_file).name)
