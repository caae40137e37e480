"""Vologda Oblast split into municipal units, with the rest of Russia and the world, 2021
(``cge sam-build municipalities``).

The oblast of the partner build (``cge sam-build partners``, :mod:`cge.sources.regions`: Vologda
sized as the flagship, the rest of Russia ``RUS`` the other 84 regions, trade between them from
Rosstat's 2016 goods matrix) is split into four units (``sam/municipalities/units.csv``):
Cherepovets ``CHE``, Vologda city ``VGD``, the 13 small and medium towns ``TWN`` and the rural
districts ``RUR``. Numbered assumptions M1-M12 in ``sam/municipalities/ASSUMPTIONS.md``:

1. **Population** [M2-M3] ``pop_m``: Cherepovets interpolated to mid-2021 between Vologdastat's
   1 January 2020 estimate and the city's 1 January 2022 figure; Vologda city's c. 2017 figure
   moved as Cherepovets's; the towns keep their 2010-census share of what the two cities leave of
   the oblast's 2021 population; the rural districts are the rest.
2. **Wages and employment** [M4-M5]: employment per resident is the oblast's everywhere; the
   wage index ``w_m`` has Cherepovets / Vologda city at the ratio of their published 2021 wages
   and the towns and districts at ``periphery_wage_ratio`` of Vologda city's. Compensation of
   employees of unit m is the oblast's times ``pop_m w_m / sum_n pop_n w_n``.
3. **Location of production** [M6-M8]: sector s of the oblast is split by a key
   ``k_ms`` (``location.csv``: population, income, the two steel and chemicals towns, the
   budget's spending by level for public services, capital for construction), the same
   technology everywhere: ``Z_ms = k_ms Z_s``, ``GVA_ms = k_ms GVA_s``; labour by sector is
   rescaled to the unit's compensation of step 2 and capital income is the rest (moved between
   the unit's sectors where it would turn negative, as the multi-region builds' R6).
4. **Final demand** [M9]: households consume ``pop_m w_m`` shares of the oblast's consumption,
   government follows public services (the budget key), investment follows construction
   (capital); final use of the local services (construction, public services) in each unit is
   what its output leaves after its intermediate use, its columns scaled biproportionally to the
   oblast's; households' purchases of the other products are then scaled (RAS) to their totals.
5. **Trade** [M10-M11]: sales to and purchases from ``RUS`` of each product are split over the
   units by their supply (output less exports abroad) and demand; what is left is traded between
   the units by gravity, ``supply_m demand_n / d_mn``, scaled (RAS) to both, with great-circle
   distances between towns (the group of towns weighted by population, the districts by their
   centres) and internal distances on the diagonal; construction and public services are local.
6. **Margins and assembly** [M12]: transport margins of every flow as the multi-region builds
   (Rosstat's rate of the product times ``a + (1 - a) d / mean haul``); the SAM assembled as the
   partner SAM (:func:`cge.sources.regions.assemble`), whole roubles, exactly balanced.

Adding up: the four units sum to the partner build's Vologda in output, GVA, compensation,
taxes, final demand by column and trade with ``RUS`` and the world, to rounding (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.sources.regions import (
    MultiRegionBuild,
    UnitFlows,
    aggregate,
    assemble,
    haversine,
    margin_rates,
    margins,
    ras,
    region_units,
)
from cge.sources.vologda import (
    RegionFlows,
    ReportRow,
)

UNITS = ("CHE", "VGD", "TWN", "RUR")
KEYS = ("pop", "income", "urban", "periphery", "rural", "CHE", "budget", "capital")
COMMAND = "cge sam-build municipalities"
BUDGET_LEVELS = {  # form 0503317 budget levels used by the public-services key [M7]
    "all": "консолидированный бюджет субъекта Российской Федерации и территориального "
           "государственного внебюджетного фонда",
    "cities": "бюджеты муниципальных округов, городских округов",
    "districts": "бюджеты муниципальных районов",
    "urban": "бюджеты городских поселений",
    "rural": "бюджеты сельских поселений",
}


def _csv(file: Path, **kw) -> pd.DataFrame:
    if not file.exists():
        raise InputError(Problem("missing-file", "file not found", Location(file=str(file))))
    return pd.read_csv(file, comment="#", **kw)


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class MunicipalData:
    """Inputs of the split: figures (``name -> value``), towns (coordinates, census
    population), the sector keys and trade rules, parameters and the budget by level (mln RUB
    of 2021 expenditure)."""

    figures: pd.DataFrame
    towns: pd.DataFrame
    location: pd.DataFrame
    rules: pd.Series
    params: dict[str, float]
    budget: dict[str, float]
    files: dict[str, str]

    def fig(self, name: str) -> float:
        if name not in self.figures.index:
            raise InputError(Problem("missing-figure", f"figure {name!r} not found",
                                     Location(file=self.files["figures"])))
        return float(self.figures.at[name, "value"])

    def param(self, name: str) -> float:
        if name not in self.params:
            raise InputError(Problem("missing-parameter", f"parameter {name!r} not found",
                                     Location(file=self.files["params"])))
        return self.params[name]


def read_municipal_data(sources_dir: Path, mun_dir: Path, sectors: pd.Index) -> MunicipalData:
    """Read the figures, towns, budget (``sources_dir``) and the keys, rules and parameters
    (``mun_dir``); a sector without a key or rule, or an unknown key, names the file."""
    files = {"figures": str(sources_dir / "vologda" / "vologda_municipal_figures.csv"),
             "towns": str(sources_dir / "vologda" / "vologda_towns_coords.csv"),
             "budget": str(sources_dir / "regions"
                           / "vologda_consolidated_budget_form0503317_2021.csv"),
             "location": str(mun_dir / "location.csv"), "trade": str(mun_dir / "trade.csv"),
             "params": str(mun_dir / "parameters.csv")}
    figures = _csv(Path(files["figures"])).set_index("name")
    towns = _csv(Path(files["towns"]), dtype={"okato": str, "oktmo": str})
    loc = _csv(Path(files["location"]), dtype={"fixed_unit": str}).set_index("sector")
    with open(files["location"], encoding="utf-8") as fh:  # file line of the first data row
        first = 2 + sum(1 for line in fh if line.startswith("#"))
    for i, r in enumerate(loc.itertuples(), start=first):
        bad = (r.key not in KEYS or (isinstance(r.fixed_unit, str) and r.fixed_unit not in UNITS)
               or not (0 <= (0.0 if pd.isna(r.fixed_share) else r.fixed_share) <= 1))
        if bad:
            raise InputError(Problem("bad-value", f"sector {r.Index!r}: key {r.key!r} must be one "
                                     f"of {KEYS}, fixed_unit one of {UNITS}, fixed_share in "
                                     "[0, 1]", Location(file=files["location"], line=i)))
    rules = _csv(Path(files["trade"]), dtype=str).set_index("sector")["rule"]
    for name, idx, file in (("location", loc.index, files["location"]),
                            ("trade", rules.index, files["trade"])):
        missing, extra = sorted(set(sectors) - set(idx)), sorted(set(idx) - set(sectors))
        if missing or extra:
            raise InputError(Problem("sectors", f"{name}: sectors missing {missing}, unknown "
                                     f"{extra}", Location(file=file)))
    bad_rules = sorted(set(rules) - {"local", "gravity"})
    if bad_rules:
        raise InputError(Problem("bad-value", f"rules {bad_rules} are not local or gravity",
                                 Location(file=files["trade"])))
    par = _csv(Path(files["params"]))
    params = dict(zip(par["name"], par["value"].astype(float), strict=True))
    b = _csv(Path(files["budget"]))
    b = b[(b["block"] == "expenditures (executed)") & (b["budget_code"] == "total")]
    budget = {}
    for short, level in BUDGET_LEVELS.items():
        v = b.loc[b["budget_level"] == level, "value_rub"]
        if len(v) != 1:
            raise InputError(Problem("missing-row", f"total expenditure of {level!r}: "
                                     f"{len(v)} rows", Location(file=files["budget"])))
        budget[short] = float(v.iloc[0]) / 1e6  # RUB -> mln RUB
    return MunicipalData(figures, towns, loc.reindex(sectors), rules.reindex(sectors), params,
                         budget, files)


# --------------------------------------------------------------------------- keys
def population(md: MunicipalData, pop_oblast: float) -> pd.Series:
    """Population of the units in 2021, thousand persons [M2, M3]."""
    che = md.fig("pop_che_2020") + 0.75 * (md.fig("pop_che_2022") - md.fig("pop_che_2020"))
    vgd = md.fig("pop_vgd_2017") * che / md.fig("pop_che_2017")
    t = md.towns
    cities = t["city"].isin(["Вологда", "Череповец"])
    rest_2010 = md.fig("pop_oblast_census_2010") - t.loc[cities, "population"].sum() / 1000
    twn = t.loc[~cities, "population"].sum() / 1000 / rest_2010 * (pop_oblast - che - vgd)
    return pd.Series({"CHE": che, "VGD": vgd, "TWN": twn, "RUR": pop_oblast - che - vgd - twn})


def wage_index(md: MunicipalData, pop: pd.Series) -> pd.Series:
    """Average wage of each unit relative to the oblast's (population-weighted mean 1) [M5]."""
    vgd = 1.0
    w = pd.Series({"CHE": vgd * md.fig("wage_che_h1_2021") / md.fig("wage_vgd_h1_2021"),
                   "VGD": vgd, "TWN": md.param("periphery_wage_ratio"),
                   "RUR": md.param("periphery_wage_ratio")})
    return w * pop.sum() / (pop * w).sum()


def budget_key(md: MunicipalData, pop: pd.Series) -> pd.Series:
    """Spending of the consolidated budget on each unit's residents, mln RUB [M7]: the city
    okrugs' budgets in Cherepovets and Vologda city by population, urban settlements in the
    towns, rural settlements in the districts, municipal districts over towns and districts by
    population, the rest (the oblast's own and the health fund's spending) by population."""
    b = md.budget
    municipal = b["cities"] + b["districts"] + b["urban"] + b["rural"]
    own = b["all"] - municipal
    key = own * pop / pop.sum()
    cities, periph = pop[["CHE", "VGD"]], pop[["TWN", "RUR"]]
    key[cities.index] += b["cities"] * cities / cities.sum()
    key[periph.index] += b["districts"] * periph / periph.sum()
    key["TWN"] += b["urban"]
    key["RUR"] += b["rural"]
    return key


def location_keys(md: MunicipalData, pop: pd.Series, wage: pd.Series, budget: pd.Series,
                  vol: RegionFlows) -> pd.DataFrame:
    """Share of each unit in each sector's oblast production (sectors x units, rows sum to 1)
    [M6-M8]."""
    zero = pd.Series(0.0, index=list(UNITS))
    base = {"pop": pop, "income": pop * wage, "urban": pop.where(pop.index != "RUR", 0.0),
            "periphery": pop.where(pop.index.isin(["TWN", "RUR"]), 0.0),
            "rural": zero.where(zero.index != "RUR", 1.0),
            "CHE": zero.where(zero.index != "CHE", 1.0), "budget": budget}
    rows = {}
    for s, r in md.location.iterrows():
        if r["key"] == "capital":
            continue
        k = base[r["key"]] / base[r["key"]].sum()
        if isinstance(r["fixed_unit"], str):
            k = k * (1 - r["fixed_share"])
            k[r["fixed_unit"]] += r["fixed_share"]
        rows[s] = k
    w = pd.DataFrame(rows).T
    # construction and investment follow the capital income of the other sectors [M8]
    cap = (w.mul(vol.cap[w.index], axis=0)).sum()
    for s in md.location.index[md.location["key"] == "capital"]:
        w.loc[s] = cap / cap.sum()
    return w.reindex(md.location.index)[list(UNITS)]


# --------------------------------------------------------------------------- flows
def split_flows(vol: RegionFlows, w: pd.DataFrame, comp: pd.Series, final_shares: pd.DataFrame,
                rules: pd.Series) -> tuple[dict[str, RegionFlows], list[str]]:
    """The oblast's flows split over the units [M6, M9]. ``w``: sectors x units keys;
    ``comp``: compensation of employees by unit; ``final_shares``: units x (hh, gov, inv)."""
    notes: list[str] = []
    local = list(rules.index[rules == "local"])
    trad = list(rules.index[rules != "local"])
    flows: dict[str, RegionFlows] = {}
    for u in UNITS:
        k = w[u]
        lab = vol.lab * k
        lab *= comp[u] / lab.sum()
        ptax = vol.ptax * k
        cap = vol.gva * k - lab - ptax
        if (cap < 0).any():
            # labour cannot exceed what GVA leaves after production taxes: the excess moves to
            # the unit's other sectors in proportion to their capital income (as regions R6)
            short = -cap.clip(upper=0.0)
            room = cap.clip(lower=0.0)
            lab = lab - short + short.sum() * room / room.sum()
            cap = vol.gva * k - lab - ptax
            notes.append(f"{u}: compensation above GVA less taxes in "
                         f"{list(short.index[short > 0])}, {short.sum():,.0f} mln RUB moved to "
                         "other sectors [M5]")
        sh = final_shares.loc[u]
        ex = vol.exports * k
        xs = ex.sum() / vol.exports.sum()
        fac = (lab.sum() + cap.sum()) / (vol.lab.sum() + vol.cap.sum())
        flows[u] = RegionFlows(
            z_dom=vol.z_dom * k, z_imp=vol.z_imp * k, tax_int=vol.tax_int * k,
            final_dom=vol.final_dom * sh, final_imp=vol.final_imp * sh,
            tax_final=vol.tax_final * sh, lab=lab, cap=cap, ptax=ptax, exports=ex,
            reexports=vol.reexports * xs, etax=vol.etax * xs, p33=vol.p33 * sh["hh"],
            p34=vol.p34 * sh["hh"], dtax=vol.dtax * fac, gfcf=vol.gfcf * sh["inv"])
    # local services: each unit's final use is what its output leaves after its own
    # intermediate use; columns (hh, gov, inv) scaled biproportionally to the oblast's [M9]
    cols = list(vol.final_dom.columns)
    for s in local:
        left = np.array([flows[u].output[s] - flows[u].exports[s] - flows[u].z_dom.loc[s].sum()
                         for u in UNITS])
        if (left <= 0).any():
            bad = [u for u, v in zip(UNITS, left, strict=True) if v <= 0]
            raise InputError(Problem("non-tradable", f"{s}: intermediate use in {bad} exceeds "
                                     "the unit's output; make the sector gravity-traded in "
                                     "sam/municipalities/trade.csv or change its key"))
        prior = np.array([flows[u].final_dom.loc[s, cols].to_numpy() for u in UNITS])
        target = ras(prior, left, vol.final_dom.loc[s, cols].to_numpy() * left.sum()
                     / vol.final_dom.loc[s].sum(), f"final use of {s} by unit [M9]")
        for i, u in enumerate(UNITS):
            ratio = np.divide(target[i], prior[i], out=np.zeros(len(cols)), where=prior[i] > 0)
            for df in (flows[u].final_dom, flows[u].final_imp, flows[u].tax_final):
                df.loc[s, cols] = df.loc[s, cols].to_numpy() * ratio
    # households' purchases of the other products: RAS to each unit's consumption total
    # (population x wage index share of the oblast's) and the oblast's purchases [M9]
    hh_all = {u: (f.final_dom + f.final_imp + f.tax_final)["hh"] for u, f in flows.items()}
    total = (vol.final_dom + vol.final_imp + vol.tax_final)["hh"]
    rows = np.array([total.sum() * final_shares.at[u, "hh"] - hh_all[u][local].sum()
                     for u in UNITS])
    rows *= total[trad].sum() / rows.sum()  # equal but for the last bits of the sums above
    prior = np.array([hh_all[u][trad].to_numpy() for u in UNITS])
    new = ras(prior, rows, total[trad].to_numpy(), "household purchases by unit [M9]")
    for i, u in enumerate(UNITS):
        ratio = np.divide(new[i], prior[i], out=np.zeros(len(trad)), where=prior[i] > 0)
        for df in (flows[u].final_dom, flows[u].final_imp, flows[u].tax_final):
            df.loc[trad, "hh"] = df.loc[trad, "hh"].to_numpy() * ratio
    return flows, notes


# --------------------------------------------------------------------------- distances
def distances(md: MunicipalData, area_km2: float) -> pd.DataFrame:
    """km between the units, internal distances on the diagonal [M10].

    Cities: their coordinates; the towns: every town but the two cities, weighted by its census
    population; the districts: the district centres (towns with ``capital_marker`` 1) and the
    two cities (centres of the Vologda and Cherepovets districts), unweighted. Between two
    groups, the weighted mean distance over pairs of different points; on the diagonal the
    cities' ``city_internal_km``, the towns' mean distance between different towns, the
    districts' ``internal_distance_factor sqrt(area / pi)`` (the oblast's area, as R11)."""
    t = md.towns
    pts = {"CHE": t[t["city"] == "Череповец"], "VGD": t[t["city"] == "Вологда"],
           "TWN": t[~t["city"].isin(["Вологда", "Череповец"])],
           "RUR": t[(t["capital_marker"] == 1) | t["city"].isin(["Вологда", "Череповец"])]}
    wts = {"CHE": np.ones(1), "VGD": np.ones(1),
           "TWN": pts["TWN"]["population"].to_numpy(float), "RUR": np.ones(len(pts["RUR"]))}
    if len(pts["CHE"]) != 1 or len(pts["VGD"]) != 1:
        raise InputError(Problem("missing-row", "Vologda and Cherepovets must appear once",
                                 Location(file=md.files["towns"])))
    d = pd.DataFrame(0.0, index=list(UNITS), columns=list(UNITS))
    for a in UNITS:
        for b in UNITS:
            pa, pb = pts[a], pts[b]
            km = haversine(pa["geo_lat"].to_numpy()[:, None], pa["geo_lon"].to_numpy()[:, None],
                           pb["geo_lat"].to_numpy()[None, :], pb["geo_lon"].to_numpy()[None, :])
            ww = np.outer(wts[a], wts[b]) * (km > 0)  # pairs of different points
            d.loc[a, b] = float((ww * km).sum() / ww.sum()) if ww.sum() > 0 else 0.0
    d.loc["CHE", "CHE"] = d.loc["VGD", "VGD"] = md.param("city_internal_km")
    d.loc["RUR", "RUR"] = md.param("internal_distance_factor") * math.sqrt(area_km2 / math.pi)
    return d


def municipal_trade(flows: dict[str, RegionFlows], rus: RegionFlows,
                    trade: dict[str, pd.DataFrame], dist: pd.DataFrame, rules: pd.Series
                    ) -> dict[str, pd.DataFrame]:
    """Sales of each product, origin x destination over the units and ``RUS`` [M10, M11]."""
    order = [*UNITS, "RUS"]
    out = {}
    for s in rules.index:
        supply = np.array([flows[u].output[s] - flows[u].exports[s] for u in UNITS])
        demand = np.array([flows[u].domestic_demand[s] for u in UNITS])
        t = trade[s]
        to_rus, from_rus = float(t.at["VLG", "RUS"]), float(t.at["RUS", "VLG"])
        m = np.zeros((5, 5))
        m[4, 4] = t.at["RUS", "RUS"]
        if rules[s] == "local":
            if to_rus or from_rus:
                raise InputError(Problem("non-tradable", f"{s}: local between units but traded "
                                         "with the rest of Russia in the partner build"))
            m[:4, :4] = np.diag(supply)
        else:
            sup_share = supply / supply.sum() if supply.sum() > 0 else np.zeros(4)
            dem_share = demand / demand.sum() if demand.sum() > 0 else np.zeros(4)
            m[:4, 4] = to_rus * sup_share
            m[4, :4] = from_rus * dem_share
            inside_s = supply - m[:4, 4]
            inside_d = demand - m[4, :4]
            gap = inside_s.sum() - inside_d.sum()
            if abs(gap) > 1e-7 * max(supply.sum(), 1.0):
                raise InputError(Problem("commodity-balance", f"{s}: the units' supply left "
                                         f"after trade with RUS ({inside_s.sum():,.1f}) differs "
                                         f"from their demand ({inside_d.sum():,.1f})"))
            if inside_s.sum() > 0:
                prior = np.outer(inside_s, inside_d) / dist.to_numpy()
                m[:4, :4] = ras(prior, inside_s, inside_d * inside_s.sum() / inside_d.sum(),
                                f"trade of {s} between units [M11]")
        out[s] = pd.DataFrame(m, index=order, columns=order)
    return out


# --------------------------------------------------------------------------- build
def _vologda_and_rest(sources_dir: Path, regions_dir: Path, vologda_dir: Path):
    """The partner build's Vologda (``VLG``) and rest of Russia (``RUS``): flows, trade, flow
    weighted distances, the 85 units and the national sector table (R1-R13)."""
    # the partner build's units with Vologda exact, as the flagship's margins [R3, R4]
    _, sectors, data, _, uf = region_units(sources_dir, regions_dir, vologda_dir, ["VLG"],
                                           False)
    groups = {u: (u if u == "VLG" else "RUS") for u in data.codes}
    flows, trade, dist = aggregate(UnitFlows(uf.flows, uf.trade, uf.gva), groups,
                                   ["VLG", "RUS"], data)
    return flows, trade, dist, uf, data, sectors


def build_municipalities(sources_dir: str | Path = "sam/sources",
                         mun_dir: str | Path = "sam/municipalities",
                         regions_dir: str | Path = "sam/regions",
                         vologda_dir: str | Path = "sam/vologda",
                         margins_file: str | Path = "calibration/vologda_margins_rosstat.csv"
                         ) -> MultiRegionBuild:
    """Build the SAM of Vologda's four municipal units, the rest of Russia and the world."""
    sources_dir, mun_dir = Path(sources_dir), Path(mun_dir)
    flows2, trade2, dist2, uf, data, sectors = _vologda_and_rest(
        sources_dir, Path(regions_dir), Path(vologda_dir))
    vol, rus = flows2["VLG"], flows2["RUS"]
    md = read_municipal_data(sources_dir, mun_dir, sectors.index)
    st = data.stats.loc["VLG"]
    pop = population(md, float(st["pop"]))
    wage = wage_index(md, pop)
    budget = budget_key(md, pop)
    w = location_keys(md, pop, wage, budget, vol)
    comp = vol.lab.sum() * pop * wage / (pop * wage).sum()
    final_shares = pd.DataFrame({"hh": pop * wage / (pop * wage).sum(), "gov": w.loc["pub"],
                                 "inv": w.loc["cons"]})
    flows, notes = split_flows(vol, w, comp, final_shares, md.rules)
    dist = distances(md, float(st["area"]) * 1000)  # thousand km2 -> km2
    trade = municipal_trade(flows, rus, trade2, dist, md.rules)
    all_flows = {**flows, "RUS": rus}
    order = [*UNITS, "RUS"]
    dist_s = {}
    for s in trade:
        d = pd.DataFrame(np.nan, index=order, columns=order)
        d.loc[list(UNITS), list(UNITS)] = dist.to_numpy()
        d.loc[list(UNITS), "RUS"] = dist2[s].at["VLG", "RUS"]
        d.loc["RUS", list(UNITS)] = dist2[s].at["RUS", "VLG"]
        dist_s[s] = d
    rates = margin_rates(Path(margins_file))
    tm = margins(trade, dist_s, uf.trade, data.dist, rates, data.param("margin_terminal_share"))
    sam = assemble(all_flows, trade, sectors, hub="RUS", name="vologda_municipalities_2021",
                   source="Rosstat IO tables 2021, regional accounts 2021, 2016 interregional "
                          f"goods matrix, Vologda municipal figures; built by {COMMAND} "
                          "(cge/sources/municipalities.py)")
    rows = _report_rows(md, flows, vol, pop, wage, budget, st)
    facts = _facts(flows, vol, trade, pop, wage, budget, dist, w)
    return MultiRegionBuild(sam, tm, rows, facts, notes,
                            "Vologda Oblast's municipalities", COMMAND, "M1-M12")


def _report_rows(md: MunicipalData, flows: dict[str, RegionFlows], vol: RegionFlows,
                 pop: pd.Series, wage: pd.Series, budget: pd.Series, st: pd.Series
                 ) -> list[ReportRow]:
    src_fig = "sam/sources/vologda/vologda_municipal_figures.csv"
    rows = []
    for u in UNITS:
        rows.append(ReportRow(f"population 2021 | {u}", pop[u], pop[u], "thou. persons", 0.001,
                              f"{src_fig}; Rosstat RSY table 4.2 (oblast)",
                              "inputs: M2 (cities), M3 (towns, districts)", "input"))
    gva = sum(f.gva.sum() for f in flows.values())
    rows.append(ReportRow("GVA, sum of the units | VOL", vol.gva.sum(), gva, "mln RUB", 1e-9,
                          "partner build's Vologda (sam/regions R3)",
                          "the units add up to the oblast [M1]", "input"))
    pub = pd.Series({u: flows[u].output["pub"] for u in UNITS})
    for u in UNITS:
        rows.append(ReportRow(f"public services, share of the oblast | {u}",
                              100 * budget[u] / budget.sum(), 100 * pub[u] / pub.sum(),
                              "% of oblast", 0.01, "Treasury form 0503317, 2021, expenditure by "
                              "budget level", "input: the budget key [M7]", "input", True))
    # the build's average wage by unit, on the oblast's published average (employment per
    # resident equal, M4): compensation per resident relative to the oblast's
    comp = pd.Series({u: flows[u].lab.sum() for u in UNITS})
    rel = (comp / pop) / (comp.sum() / pop.sum())
    oblast_wage = float(st["wage"])
    rows.append(ReportRow("average wage | CHE", md.fig("wage_che_admin_2021") * 1000,
                          rel["CHE"] * oblast_wage, "RUB per month", 0.10,
                          f"{src_fig} (city administration, 2021); Rosstat RSY 2022 table 6.2 "
                          "(oblast average 2021)",
                          "built: the oblast's average wage x Cherepovets's compensation per "
                          "resident relative to the oblast's (the wage index of M5 after the "
                          "capital-income floor); the administration's figure is rounded and "
                          "its concept is not stated", "check"))
    # residents employed in metallurgy: ferrous metals' wage bill in Cherepovets over the
    # metallurgy wage (the city's average wage x the administration's ratio 81 / 51)
    emp_rate = float(st["emp"]) / pop.sum()
    avg_comp = comp["CHE"] / (pop["CHE"] * emp_rate)
    ferr_emp = flows["CHE"].lab["ferr"] / (avg_comp * md.fig("wage_che_metallurgy_2021")
                                           / md.fig("wage_che_admin_2021"))
    rows.append(ReportRow("residents employed in metallurgy | CHE",
                          md.fig("metallurgy_residents_che_2019"), 100 * ferr_emp / pop["CHE"],
                          "% of residents", 2.0, f"{src_fig} (Vologdastat, 2019)",
                          "built: compensation of ferrous metals in Cherepovets / (average "
                          "compensation per employed resident x 81 / 51, the administration's "
                          "metallurgy and all-enterprise wages) / residents; the sector also "
                          "holds coke and tubes (OKPD2 19.1, 24.1-24.3) and its size comes from "
                          "the flagship's metallurgy share (A9)", "check", True))
    t = md.towns
    towns_2010 = t.loc[~t["city"].isin(["Вологда", "Череповец"]), "population"].sum()
    cities_2010 = t.loc[t["city"].isin(["Вологда", "Череповец"]), "population"].sum()
    rows.append(ReportRow("urban population share, 2010 census | VOL",
                          md.fig("urban_share_census_2010"),
                          100 * (towns_2010 + cities_2010) / 1000
                          / md.fig("pop_oblast_census_2010"), "% of population", 6.0,
                          f"{src_fig} (census 2010); sam/sources/vologda/vologda_towns_coords.csv",
                          "built: the census population of the 15 towns (the units CHE, VGD, "
                          "TWN) over the oblast's; the census also counts the urban-type "
                          "settlements (Sheksna, Kaduy, Chagoda, ...) as urban, which the build "
                          "places in the rural districts [M3]", "check", True))
    paper = flows["TWN"].output["paper"]
    rows.append(ReportRow("pulp and paper output | TWN",
                          md.fig("pulp_paper_shipments_2019") * 1000 * 12 / 11, paper,
                          "mln RUB", 0.5, f"{src_fig} (Jan-Nov 2019 shipments x 12/11)",
                          "built: paper output placed in the towns (half the oblast's, M6: the "
                          "Sokol mill); published: the timber complex's pulp and paper "
                          "shipments of 2019, at 2019 prices, organisations only", "check"))
    return rows


def _facts(flows: dict[str, RegionFlows], vol: RegionFlows, trade: dict[str, pd.DataFrame],
           pop: pd.Series, wage: pd.Series, budget: pd.Series, dist: pd.DataFrame,
           w: pd.DataFrame) -> dict[str, str]:
    facts = {}
    for u in UNITS:
        f = flows[u]
        sold = sum(t.loc[u].drop(u).sum() for t in trade.values())
        bought = sum(t[u].drop(u).sum() for t in trade.values())
        facts[f"{u}: population (thou.), wage index, GVA (mln RUB), GVA per resident (thou. "
              "RUB), compensation, consumption of households, sold to / bought from other units "
              "and RUS (mln RUB)"] = (
            f"{pop[u]:,.1f}; {wage[u]:.3f}; {f.gva.sum():,.0f}; "
            f"{f.gva.sum() / pop[u]:,.0f}; {f.lab.sum():,.0f}; "
            f"{(f.final_dom + f.final_imp + f.tax_final)['hh'].sum():,.0f}; "
            f"{sold:,.0f} / {bought:,.0f}")
    facts["public-services key: spending on residents by unit (mln RUB) [M7]"] = "; ".join(
        f"{u} {budget[u]:,.0f}" for u in UNITS)
    facts["construction key: capital income share by unit [M8]"] = "; ".join(
        f"{u} {w.at['cons', u]:.3f}" for u in UNITS)
    facts["distances between units (km) [M10]"] = "; ".join(
        f"{a}-{b} {dist.at[a, b]:.0f}" for i, a in enumerate(UNITS) for b in UNITS[i:])
    facts["oblast GVA (mln RUB), units' sum"] = (
        f"{vol.gva.sum():,.1f}, {sum(f.gva.sum() for f in flows.values()):,.1f}")
    return facts


SOURCES_TEXT = """# vologda_municipalities_2021: Vologda's municipalities, rest of Russia, world

Generated by `cge sam-build municipalities` (code: `cge/sources/municipalities.py`); do not edit
by hand. Units: mln RUB, current prices of 2021. Regions: `CHE` Cherepovets, `VGD` Vologda city,
`TWN` the 13 small and medium towns, `RUR` the rural districts (together Vologda Oblast, as
`VLG` of `sam/vologda_partners_2021`), `RUS` the other 84 regions, `ROW` the rest of the world.
`margins.csv` holds the transport margin of every flow between regions (pass it as
`trade_margins` in an experiment file).

Inputs (copies in `sam/sources/`, provenance in `sam/sources/SOURCES.md`):
- everything the partner build reads (`sam/vologda_partners_2021/SOURCES.md`): Rosstat's IO
  tables 2021, regional accounts 2021, the 2016 goods matrix, the yearbook, the flagship's
  sizing of Vologda's industries;
- `vologda/vologda_municipal_figures.csv`: population of Cherepovets and Vologda city
  (Vologdastat, city and regional documents), the 2010 census, wages of Cherepovets and Vologda
  city in 2021 (RIA Novosti's ranking from Rosstat data; the Cherepovets administration),
  residents employed in metallurgy (Vologdastat), pulp and paper shipments (oblast government);
- `vologda/vologda_towns_coords.csv`: coordinates and census population of the oblast's 15
  towns (hflabs/city, DaData geocoding, CC BY-SA 4.0);
- `regions/vologda_consolidated_budget_form0503317_2021.csv`: executed expenditure of the
  oblast's consolidated budget by level (oblast, city okrugs, municipal districts, urban and
  rural settlements, health fund; Federal Treasury form 0503317).

Every assumption is numbered (M1-M12) in `sam/municipalities/ASSUMPTIONS.md`; `REPORT.md`
compares the SAM with published figures. Accounts per region: as the partner SAM (activities
`a-*`, commodities `c-*`, `lab`, `cap`, `hh`, `gov`, `ptax`, `ctax`, `etax`, `dtax`, `inv`). A
unit's `gov` is the consolidated budget's spending on its residents (oblast, municipal and health
fund together), not its municipal budget alone.
"""


def write_municipalities(build: MultiRegionBuild, out: str | Path) -> Path:
    """Write the SAM folder with ``margins.csv``, ``REPORT.md`` and ``SOURCES.md``."""
    from cge.outputs import write_text
    from cge.sam.io import write_csv

    out = write_csv(build.sam, out)
    write_text(out / "margins.csv", build.margins.to_csv(index=False, lineterminator="\n"))
    write_text(out / "REPORT.md", build.to_markdown())
    write_text(out / "SOURCES.md", SOURCES_TEXT)
    return out
