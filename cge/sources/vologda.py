"""The flagship SAM: Vologda Oblast (``VOL``), the rest of Russia (``RUS``) and the rest of the
world (``ROW``), 2021, mln RUB, built from Rosstat's symmetric IO tables and regional statistics.

Pipeline (pure functions, typed hand-offs):

1. :func:`cge.sources.rosstat.read_rosstat_io` reads and checks the 113-product tables;
   :func:`cge.sources.sectors.aggregate_io` sums them into the sectors of ``sectors.csv``.
2. :func:`national_accounts` turns the tables into an exactly consistent set of national flows
   by sector (:class:`RegionFlows`), closing the institutional accounts by stated assumptions.
   :func:`assemble_sam` writes flows of one or more regions into a SAM;
   :func:`national_sam` is the one-region SAM of Russia (region ``RU``).
3. :func:`regional_size` sets Vologda's output and value added by sector from regional statistics,
   :func:`regionalise` derives Vologda's flows from national coefficients, the rest of Russia as
   national minus Vologda (so regional sums equal national totals exactly), and interregional
   shipments by location quotients (FLQ) and a commodity balance.
4. :func:`build_vologda_sam` runs everything from a sources folder and returns the SAM and a
   :class:`Report` comparing it with published figures (``targets.csv``).

Every assumption is numbered in ``sam/vologda/ASSUMPTIONS.md``; comments cite them as [An].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from cge.errors import InputError, Location, Problem
from cge.sam.accounts import Kind
from cge.sam.core import SAM, Account
from cge.sources.rosstat import IOTables, read_rosstat_io
from cge.sources.sectors import aggregate_io, read_sector_map, read_sectors

#: Final demand columns of the SAM and the IO final uses folded into each [A2, A3].
FINAL = {"hh": ["hh", "npish"], "gov": ["gov_ind", "gov_coll"],
         "inv": ["gfcf", "inventories", "valuables"]}
#: Sections whose exports are goods (customs statistics cover goods only).
GOODS_SECTIONS = ("A", "B", "C", "D")
#: Decimals kept in the written SAM (mln RUB): 1e-6 mln = 1 RUB. Rounding makes the files
#: independent of the last bits of floating-point sums on different machines.
DECIMALS = 6


# --------------------------------------------------------------------------- flows of a region
@dataclass(frozen=True)
class RegionFlows:
    """Flows of one region by sector, mln RUB (basic prices unless said otherwise).

    z_dom, z_imp:     intermediate use of domestic and imported products (rows products, columns
                      using sectors); tax_int: net product taxes on that use.
    final_dom, final_imp, tax_final: final demand by product, columns ``hh, gov, inv``.
    lab, cap, ptax:   compensation of employees, gross capital income, other net production
                      taxes by sector; exports: exports abroad of domestic output by product;
                      reexports: exports of imported products (paid by ROW to the commodity).
    etax:             taxes on exported products, paid by the rest of the world [A5].
    p33, p34:         direct purchases abroad by resident households (paid to ROW) and purchases
                      of non-residents on the domestic market (paid by ROW to households) [A4].
    dtax:             net direct taxes of households (closes the government account) [A7].
    gfcf:             gross fixed capital formation at purchasers' prices (part of ``inv``,
                      kept for comparison with regional investment statistics).
    """

    z_dom: pd.DataFrame
    z_imp: pd.DataFrame
    tax_int: pd.DataFrame
    final_dom: pd.DataFrame
    final_imp: pd.DataFrame
    tax_final: pd.DataFrame
    lab: pd.Series
    cap: pd.Series
    ptax: pd.Series
    exports: pd.Series
    reexports: pd.Series
    etax: float
    p33: float
    p34: float
    dtax: float
    gfcf: float

    @property
    def sectors(self) -> list[str]:
        return list(self.lab.index)

    @property
    def output(self) -> pd.Series:
        """Output by sector from the cost side (column of the activity)."""
        return (self.z_dom.sum() + self.z_imp.sum() + self.tax_int.sum() + self.lab + self.cap
                + self.ptax)

    @property
    def gva(self) -> pd.Series:
        return self.lab + self.cap + self.ptax

    @property
    def imports(self) -> pd.Series:
        return self.z_imp.sum(axis=1) + self.final_imp.sum(axis=1) + self.reexports

    @property
    def domestic_demand(self) -> pd.Series:
        """Use of domestically produced products in the region (excluding exports abroad)."""
        return self.z_dom.sum(axis=1) + self.final_dom.sum(axis=1)

    def scaled(self, other: RegionFlows, sign: float = -1.0) -> RegionFlows:
        """Element-wise ``self + sign * other`` (used for rest of Russia = national - Vologda)."""
        out = {}
        for f in self.__dataclass_fields__:
            out[f] = getattr(self, f) + sign * getattr(other, f)
        return RegionFlows(**out)


@dataclass(frozen=True)
class Shipments:
    """Sales of domestic output by origin and destination region: ``sales[(o, d)]`` by sector."""

    sales: dict[tuple[str, str], pd.Series]


# --------------------------------------------------------------------------- national accounts
def _fold_final(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({k: df[v].sum(axis=1) for k, v in FINAL.items()})


def national_accounts(t: IOTables) -> RegionFlows:
    """National flows by sector from the (aggregated) symmetric tables, exactly consistent.

    * Output is the row total of the domestic table (use of domestic output incl. exports);
      capital income (P51c + B2n+B3n) absorbs the source's rounding so that the cost column of
      each sector equals that output exactly [A1].
    * Net product taxes are given by user (row D21-D31); they are allocated to the products a
      user buys in proportion to its use at basic prices; the tax in the export column is the
      export duty [A5].
    * Household final demand includes NPISH [A2]; investment = GFCF + inventories + valuables
      [A3]; P33 and P34 are kept as household flows with the rest of the world [A4]; the cif/fob
      adjustment of exports (P6a) is dropped [A4].
    * Net direct taxes close the government account with zero government saving [A7].
    """
    sectors = list(t.products.index)
    z_dom = t.z_domestic.loc[sectors, sectors]
    z_imp = t.z_imported.loc[sectors, sectors]
    use = pd.concat([z_dom + z_imp, t.final_domestic + t.final_imported], axis=1)
    taxes = t.adjustments.loc["product_taxes", use.columns]
    col_use = use.sum()
    if (col_use[taxes != 0] <= 0).any():
        bad = list(col_use.index[(col_use <= 0) & (taxes != 0)])
        raise InputError(Problem("tax-allocation", f"users {bad} pay product taxes but buy "
                                 "nothing at basic prices"))
    tax_by_product = use * (taxes / col_use.where(col_use != 0, 1.0))
    va = t.value_added[sectors]
    output = z_dom.sum(axis=1) + t.final_domestic.sum(axis=1)
    tax_int = tax_by_product[sectors]
    cost_without_cap = z_dom.sum() + z_imp.sum() + tax_int.sum() + va.loc["D1"] + va.loc["D29_D39"]
    cap = output - cost_without_cap  # = P51c + B2n+B3n up to rounding [A1]
    final_tax = tax_by_product[[c for c in use.columns if c not in sectors]]
    tax_final = _fold_final(final_tax)
    g_spend = (_fold_final(t.final_domestic + t.final_imported) + tax_final)["gov"].sum()
    etax = float(final_tax["exports"].sum())
    indirect = float(tax_int.to_numpy().sum() + tax_final.to_numpy().sum() + etax
                     + va.loc["D29_D39"].sum())
    p34 = -float(t.adjustments.at["P34", "hh"])
    return RegionFlows(
        z_dom=z_dom, z_imp=z_imp, tax_int=tax_int,
        final_dom=_fold_final(t.final_domestic), final_imp=_fold_final(t.final_imported),
        tax_final=tax_final, lab=va.loc["D1"].rename("lab"), cap=cap.rename("cap"),
        ptax=va.loc["D29_D39"].rename("ptax"), exports=t.final_domestic["exports"],
        reexports=t.final_imported["exports"],
        etax=etax, p33=float(t.adjustments.at["P33", "hh"]), p34=p34,
        dtax=g_spend - indirect,
        gfcf=float(t.final_total["gfcf"].sum() + final_tax["gfcf"].sum()))


# --------------------------------------------------------------------------- SAM assembly
def sam_accounts(regions: list[str], sectors: pd.DataFrame, institutions: bool = False
                 ) -> list[Account]:
    """Accounts of each region (activities, commodities, factors, institutions) plus ROW; with
    ``institutions``, an enterprise and a profit tax account per region and a federal
    government (region ``FED``) [A26-A31]."""
    out = []
    for r in regions:
        out += [Account(r, f"a-{s}", Kind.ACTIVITY, f"production: {d}")
                for s, d in sectors["description"].items()]
        out += [Account(r, f"c-{s}", Kind.COMMODITY, f"market: {d}")
                for s, d in sectors["description"].items()]
        out += [Account(r, "lab", Kind.FACTOR, "labour (D1 compensation of employees)"),
                Account(r, "cap", Kind.FACTOR, "capital (P51c + B2n+B3n)"),
                Account(r, "hh", Kind.HOUSEHOLD, "households incl. NPISH"),
                Account(r, "gov", Kind.GOVERNMENT, "general government"),
                Account(r, "ptax", Kind.TAX, "other net taxes on production (D29-D39)"),
                Account(r, "ctax", Kind.TAX, "net taxes on products (D21-D31), domestic use"),
                Account(r, "etax", Kind.TAX, "net taxes on exported products (export duties)"),
                Account(r, "dtax", Kind.TAX, "net direct taxes of households (closure)"),
                Account(r, "inv", Kind.SAVINGS_INVESTMENT, "savings and investment")]
        if institutions:
            out += [Account(r, "ent", Kind.ENTERPRISE, "corporations: operating surplus of "
                            "incorporated producers"),
                    Account(r, "ytax", Kind.TAX, "tax on corporate profits")]
    if institutions:
        out.append(Account("FED", "gov", Kind.GOVERNMENT, "federal government incl. the "
                           "federal social funds"))
    out.append(Account("ROW", "row", Kind.REST_OF_WORLD, "rest of the world"))
    return out


@dataclass(frozen=True)
class Institutions:
    """Institutional flows by region, mln RUB [A26-A31].

    mixed:        capital income kept by households (mixed income, own dwellings) [A26];
    profit_tax:   tax on corporate profits paid by the region's enterprise [A27];
    dividends:    (enterprise region, household region) -> profits distributed [A28, A29];
    abroad:       enterprise region -> profits distributed to the rest of the world [A28, A29];
    transfers:    (region, "gov" | "FED") -> social benefits paid to households [A30];
    dtax:         gross direct taxes and social contributions of households [A7, A31];
    federal:      (region, tax account) -> federal share of the account's net receipts [A31];
    gov_regional: region -> regional share of government consumption [A31];
    trg:          region -> federal transfers to the regional government (None: the regional
                  budget balances) [A31].
    """

    mixed: dict[str, float]
    profit_tax: dict[str, float]
    dividends: dict[tuple[str, str], float]
    abroad: dict[str, float]
    transfers: dict[tuple[str, str], float]
    dtax: dict[str, float]
    federal: dict[tuple[str, str], float]
    gov_regional: dict[str, float]
    trg: dict[str, float | None]


def assemble_sam(flows: dict[str, RegionFlows], shipments: Shipments, sectors: pd.DataFrame,
                 *, name: str, source: str, year: int = 2021,
                 inst: Institutions | None = None) -> SAM:
    """Write regional flows into a SAM and close savings-investment.

    Per region: households receive all factor income of the region [A6] and P34; they pay P33,
    direct taxes and consumption and save the rest. The government receives all taxes of the
    region and saves what it does not spend. The rest of the world's surplus with each region
    is that region's foreign savings; one interregional capital transfer (first region's ``inv``
    from the second's) closes the first region, the last closes by Walras' law.

    With institutions ``inst`` [A26-A31]: households receive labour income, the mixed part of
    capital income, distributed profits and social benefits; each region's enterprise receives
    the rest of capital income, pays the profit tax, distributes profits and saves the rest;
    every tax account passes its federal share to the federal government ``FED:gov``, which
    buys the federal part of government consumption, pays benefits and transfers to the
    regions (the last region's budget is balanced by them) and saves the rest (paid to the last
    region's ``inv``).
    """
    regions = list(flows)
    sam = SAM(sam_accounts(regions, sectors, inst is not None), name=name, units="mln RUB",
              year=year, source=source)
    idx = {k: i for i, k in enumerate(sam.keys)}
    m = np.zeros((len(idx),) * 2)

    def put(row: str, col: str, v: float) -> None:
        m[idx[row], idx[col]] += v

    secs = list(sectors.index)
    if inst is not None:  # before any household account is closed
        for (o, d), v in inst.dividends.items():
            put(f"{d}:hh", f"{o}:ent", v)
    for r, f in flows.items():
        for s in secs:
            a, c = f"{r}:a-{s}", f"{r}:c-{s}"
            for j in secs:
                put(f"{r}:c-{j}", a, f.z_dom.at[j, s] + f.z_imp.at[j, s] + f.tax_int.at[j, s])
            put(f"{r}:lab", a, f.lab[s])
            put(f"{r}:cap", a, f.cap[s])
            put(f"{r}:ptax", a, f.ptax[s])
            put(a, "ROW:row", f.exports[s])
            put(c, "ROW:row", f.reexports[s])
            put("ROW:row", c, f.imports[s])
            put(f"{r}:ctax", c, f.tax_int.loc[s].sum() + f.tax_final.loc[s].sum())
            for k in FINAL:
                v = f.final_dom.at[s, k] + f.final_imp.at[s, k] + f.tax_final.at[s, k]
                if inst is not None and k == "gov":
                    put(c, f"{r}:gov", v * inst.gov_regional[r])
                    put(c, "FED:gov", v * (1 - inst.gov_regional[r]))
                else:
                    put(c, f"{r}:{k}", v)
        for (o, d), sales in shipments.sales.items():
            if o == r:
                for s in secs:
                    put(f"{o}:a-{s}", f"{d}:c-{s}", sales[s])
        put(f"{r}:hh", f"{r}:lab", f.lab.sum())
        put(f"{r}:hh", "ROW:row", f.p34)
        put("ROW:row", f"{r}:hh", f.p33)
        put(f"{r}:etax", "ROW:row", f.etax)
        taxes = ("ptax", "ctax", "etax", "dtax")
        if inst is None:
            put(f"{r}:hh", f"{r}:cap", f.cap.sum())
            put(f"{r}:dtax", f"{r}:hh", f.dtax)
        else:
            taxes += ("ytax",)
            ent = f"{r}:ent"
            put(f"{r}:hh", f"{r}:cap", inst.mixed[r])
            put(ent, f"{r}:cap", f.cap.sum() - inst.mixed[r])
            put(f"{r}:ytax", ent, inst.profit_tax[r])
            put("ROW:row", ent, inst.abroad[r])
            put(f"{r}:inv", ent, m[idx[ent]].sum() - m[:, idx[ent]].sum())
            put(f"{r}:dtax", f"{r}:hh", inst.dtax[r])
            put(f"{r}:hh", f"{r}:gov", inst.transfers[(r, "gov")])
            put(f"{r}:hh", "FED:gov", inst.transfers[(r, "FED")])
        for tax in taxes:
            net = m[idx[f"{r}:{tax}"]].sum()
            # net subsidies (D29-D39 is negative in 2021) are financed by the government
            if net >= 0:
                fed = inst.federal.get((r, tax), 0.0) if inst is not None else 0.0
                put(f"{r}:gov", f"{r}:{tax}", net * (1 - fed))
                if fed:
                    put("FED:gov", f"{r}:{tax}", net * fed)
            else:
                put(f"{r}:{tax}", f"{r}:gov", -net)
        if inst is not None:
            g = idx[f"{r}:gov"]
            trg = inst.trg[r]
            put(f"{r}:gov", "FED:gov", m[:, g].sum() - m[g].sum() if trg is None else trg)
        for who in ("hh", "gov"):
            k = idx[f"{r}:{who}"]
            put(f"{r}:inv", f"{r}:{who}", m[k].sum() - m[:, k].sum())
        row_in = sum(m[idx["ROW:row"], idx[f"{r}:{x}"]] for x in
                     [f"c-{s}" for s in secs] + ["hh"] + (["ent"] if inst is not None else []))
        row_out = sum(m[idx[f"{r}:{x}"], idx["ROW:row"]] for x in
                      [f"a-{s}" for s in secs] + [f"c-{s}" for s in secs] + ["hh", "etax"])
        put(f"{r}:inv", "ROW:row", row_in - row_out)
    if inst is not None:
        fed = idx["FED:gov"]
        put(f"{regions[-1]}:inv", "FED:gov", m[fed].sum() - m[:, fed].sum())
    if len(regions) > 1:
        first = idx[f"{regions[0]}:inv"]
        put(f"{regions[0]}:inv", f"{regions[1]}:inv", m[:, first].sum() - m[first].sum())
    return sam.with_values(round_balanced(m, DECIMALS))


def round_balanced(m: np.ndarray, decimals: int) -> np.ndarray:
    """Round every cell to ``decimals`` and restore exact balance in units of the last decimal.

    Rounding cell by cell leaves accounts unbalanced by a few units of the last decimal, enough
    to break the model's benchmark residual gate. In integer units the imbalances sum to zero
    exactly; each is pushed along a spanning tree of the largest cells (leaves first) to the
    root, where nothing is left. Cells change by a few units at most, so no sign flips.
    """
    unit = 10.0**decimals
    q = np.round(m * unit).astype(np.int64)
    magnitude = np.abs(q) + np.abs(q.T)
    weights = np.where(magnitude > 0, 1.0 / np.maximum(magnitude, 1), 0.0)
    tree = minimum_spanning_tree(csr_matrix(np.triu(weights)))
    root = q.shape[0] - 1
    order, parent = breadth_first_order(tree, root, directed=False, return_predecessors=True)
    for i in order[:0:-1]:
        e = q[i].sum() - q[:, i].sum()
        p = parent[i]
        if abs(q[i, p]) >= abs(q[p, i]):
            q[i, p] -= e
        else:
            q[p, i] += e
    assert not np.any(q.sum(axis=1) - q.sum(axis=0)), "integer balancing failed"
    return q / unit


def national_sam(flows: RegionFlows, sectors: pd.DataFrame, *, source: str) -> SAM:
    """The one-region SAM of Russia (region ``RU``): own sales are all domestic sales."""
    own = flows.output - flows.exports
    return assemble_sam({"RU": flows}, Shipments({("RU", "RU"): own}), sectors,
                        name="russia_2021", source=source)


# --------------------------------------------------------------------------- regional data
@dataclass(frozen=True)
class RegionalStats:
    """Published regional figures used by the regionalisation (values as in the source files).

    indicators: (indicator, year) -> (vologda, russian_federation) from the yearbooks.
    gva_structure: OKVED2 section (A ... T) -> percent of Vologda's GVA in 2021.
    accounts: Vologda's regional accounts 2021 (GRP, its income components, household actual
              final consumption; ``rf:``-prefixed keys: the Russian Federation).
    parameters: name -> value (``parameters.csv``).
    """

    indicators: dict[tuple[str, int], tuple[float, float]]
    gva_structure: dict[str, float]
    accounts: dict[str, float]
    parameters: dict[str, float]

    def get(self, indicator: str, year: int = 2021) -> tuple[float, float]:
        try:
            return self.indicators[(indicator, year)]
        except KeyError:
            raise InputError(Problem("missing-indicator", f"indicator {indicator!r} for {year} "
                                     "not found in the yearbook table")) from None

    def param(self, name: str) -> float:
        if name not in self.parameters:
            raise InputError(Problem("missing-parameter", f"parameter {name!r} not found in "
                                     "parameters.csv"))
        return self.parameters[name]

    def account(self, name: str) -> float:
        if name not in self.accounts:
            raise InputError(Problem("missing-indicator", f"regional accounts item {name!r} not "
                                     "found"))
        return self.accounts[name]

    def output_shares(self) -> dict[str, float]:
        return {k.split(":", 1)[1]: v for k, v in self.parameters.items()
                if k.startswith("output_share:")}

    def group_share(self, group: str) -> float:
        """Percent of GVA of a section or a group of sections (``KL``), normalised so all
        sections sum to 100 (the published one-decimal shares sum to 100 +- 0.6) [A8]."""
        total = sum(self.gva_structure.values())
        return 100.0 * sum(self.gva_structure[c] for c in group) / total


SHIPMENT_INDICATORS = {"B": "shipped own goods: mining (B)",
                       "C": "shipped own goods: manufacturing (C)",
                       "D": "shipped own goods: electricity, gas, steam (D)",
                       "E": "shipped own goods: water, sewerage, waste (E)"}
#: Items of Rosstat's regional accounts (VRP_s1998.xlsx) read for 2021, by short name.
ACCOUNTS = {"grp": "gross regional product (GVA at basic prices)",
            "compensation": "GRP by income: compensation of employees (excl. unobserved wages "
                            "and mixed income)",
            "ptax": "GRP by income: other net taxes on production",
            "surplus": "GRP by income: gross operating surplus and gross mixed income",
            "afc": "actual final consumption of households"}
ACCOUNTS_YEAR = 2021


def _need(file: Path) -> Path:
    if not file.exists():
        raise InputError(Problem("missing-file", "file not found", Location(file=str(file))))
    return file


def read_regional_stats(sources: Path, model_dir: Path,
                        overrides: dict[str, float] | None = None) -> RegionalStats:
    """Read the yearbook indicators, the 2021 GVA structure and regional accounts (Vologda and
    the Russian Federation) and ``parameters.csv``; ``overrides`` (``cge sam-build vologda
    --set NAME=VALUE``) replace parameters by name, e.g. ``{"output_share:chem": 0.02}`` for
    the sensitivity of assumption A21; a name not in ``parameters.csv`` is an error."""
    yb = pd.read_csv(_need(sources / "vologda" / "vologda_rosstat_yearbook_2021_2022.csv"))
    indicators = {(r.indicator, int(r.year)): (float(r.vologda), float(r.russian_federation))
                  for r in yb.itertuples()}
    st_file = _need(sources / "regions" / "vologda_gva_structure_okved2_2016_2022_pct.csv")
    st = pd.read_csv(st_file)
    st = st[(st["year"] == ACCOUNTS_YEAR) & (st["okved2_section"] != "TOTAL")]
    structure = dict(zip(st["okved2_section"], st["share_pct"].astype(float), strict=True))
    if abs(sum(structure.values()) - 100.0) > 0.6:
        raise InputError(Problem("grp-structure", f"{ACCOUNTS_YEAR} shares sum to "
                                 f"{sum(structure.values()):.2f}, not 100 +- 0.6",
                                 Location(file=str(st_file))))
    accounts = {}
    for prefix, name in (("", "vologda_grp_income_consumption_2016_2023.csv"),
                         ("rf:", "russia_grp_income_consumption_2021_rf.csv")):
        df = pd.read_csv(_need(sources / "regions" / name))
        df = df[df["year"] == ACCOUNTS_YEAR].set_index("indicator")["value"]
        for short, indicator in ACCOUNTS.items():
            if indicator in df.index:
                accounts[prefix + short] = float(df[indicator])
    flows = pd.read_csv(_need(sources / "regions"
                              / "vologda_interregional_goods_flows_2016_thou_rub.csv"))
    out = flows[flows["direction"].str.startswith("outflow")].set_index("partner_ru")
    own = float(out.at["Вологодская область", "value_thou_rub_2016"])
    domestic = float(out.at["Российская Федерация", "value_thou_rub_2016"])  # incl. own region
    # share of Vologda's goods sales to Russian buyers that stay in the region [A24]
    accounts["goods_kept_2016"] = own / domestic
    par = pd.read_csv(_need(model_dir / "parameters.csv"), comment="#")
    parameters = dict(zip(par["name"], par["value"].astype(float), strict=True))
    for name, value in (overrides or {}).items():
        if name not in parameters:
            raise InputError(Problem("unknown-parameter", f"--set {name}: no such parameter in "
                                     "parameters.csv", Location(file=str(model_dir /
                                                                        "parameters.csv"))))
        parameters[name] = float(value)
    return RegionalStats(indicators, structure, accounts, parameters)


@dataclass(frozen=True)
class RegionalSize:
    """Vologda's output and GVA by sector."""

    output: pd.Series
    gva: pd.Series
    notes: list[str] = field(default_factory=list)


def regional_size(nat: RegionFlows, sectors: pd.DataFrame, stats: RegionalStats,
                  evidence: dict[str, float]) -> RegionalSize:
    """Vologda output and GVA by sector [A8-A11, A21, A22].

    * GVA by section (or group of sections) = GRP 2021 of the regional accounts x the 2021
      section structure [A8].
    * Sections with regional shipments (B, C, D, E): section output = Vologda shipments x the
      national ratio of IO output to shipments of the section; sectors with published evidence
      get their own output (``evidence``, mln RUB: steel from the metallurgy share, wood and
      paper from the timber complex, agriculture from its output) or a stated share of
      national output (``output_share:*`` in parameters.csv, chemicals an assumption [A21]);
      the rest of the section's output is split in proportion to national output [A9]. GVA =
      output x national GVA/output ratio, scaled within the section to its GVA target [A10].
    * Other sections: sectors with evidence of output (agriculture [A22]) get GVA = output x
      national ratio; the rest of the section's GVA is split in proportion to national GVA,
      output = GVA / national GVA ratio.
    """
    grp = stats.account("grp")
    section = sectors["okved_section"]
    x_n, gva_n = nat.output, nat.gva
    ratio = gva_n / x_n
    fixed = {s: v * x_n[s] for s, v in stats.output_shares().items()} | evidence
    unknown = [s for s in fixed if s not in section.index]
    if unknown:
        raise InputError(Problem("unknown-sector", f"output shares or evidence for unknown "
                                 f"sector(s) {unknown}"))
    out = pd.Series(np.nan, index=section.index)
    gva = pd.Series(np.nan, index=section.index)
    target = {g: stats.group_share(g) / 100 * grp for g in dict.fromkeys(section)}
    for sec, indicator in SHIPMENT_INDICATORS.items():
        members = list(section.index[section == sec])
        if not members:
            continue
        ship_v, ship_n = stats.get(indicator)
        total = ship_v * x_n[members].sum() / ship_n
        given = {s: fixed[s] for s in members if s in fixed}
        rest = [s for s in members if s not in given]
        remaining = total - sum(given.values())
        if remaining < 0 or (not rest and remaining > 1e-6 * total):
            raise InputError(Problem("output-shares", f"section {sec}: stated outputs give "
                                     f"{sum(given.values()):,.0f} mln RUB but the section's "
                                     f"output from shipments is {total:,.0f}"))
        for s, v in given.items():
            out[s] = v
        if rest:
            out[rest] = remaining * x_n[rest] / x_n[rest].sum()
        gva[members] = out[members] * ratio[members]
        if target[sec] > 0:
            gva[members] *= target[sec] / gva[members].sum()
    for sec, tgt in target.items():
        members = list(section.index[(section == sec) & out.isna()])
        if not members:
            continue
        given = [s for s in members if s in fixed]
        for s in given:
            out[s], gva[s] = fixed[s], fixed[s] * ratio[s]
        rest = [s for s in members if s not in fixed]
        left = tgt - gva[given].sum()
        if left < 0 or not rest:
            raise InputError(Problem("output-shares", f"section {sec}: GVA of sectors with "
                                     f"stated output exceeds the section's GVA {tgt:,.0f}"))
        gva[rest] = left * gva_n[rest] / gva_n[rest].sum()
        out[rest] = gva[rest] / ratio[rest]
    if out.isna().any():
        raise InputError(Problem("section", f"sectors {list(out.index[out.isna()])} belong to no "
                                 "section with a regional indicator"))
    # a section whose share rounds to 0.0 but has shipments (B: quarrying) keeps its small GVA;
    # the sections sized from GVA alone give it up so the sectors sum to GRP exactly
    free = [s for s in section.index if section[s] not in SHIPMENT_INDICATORS and s not in fixed]
    gva[free] *= 1 - (gva.sum() - grp) / gva[free].sum()
    out[free] = gva[free] / ratio[free]
    if (gva > out).any():
        raise InputError(Problem("gva-ratio", "regional GVA exceeds output in sector(s) "
                                 f"{list(out.index[gva > out])}"))
    return RegionalSize(out, gva)


def _export_factor(e_rate: pd.Series, x_v: pd.Series, cap: pd.Series, goods: pd.Index,
                   target: float) -> float:
    """The factor phi with sum over goods of min(phi * e_rate * x_v, cap) = target (bisection)."""
    def total(phi: float) -> float:
        return float(np.minimum(phi * e_rate[goods] * x_v[goods], cap[goods]).sum())

    if total(1e6) < target:
        raise InputError(Problem("exports", f"Vologda's goods exports of {target:,.0f} mln RUB "
                                 f"cannot be reached: at most {total(1e6):,.0f} with the "
                                 "export cap"))
    lo, hi = 0.0, 1.0
    while total(hi) < target:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < target else (lo, mid)
    return (lo + hi) / 2


def flq(x_v: pd.Series, x_n: pd.Series, delta: float) -> pd.DataFrame:
    """Flegg location quotients ``FLQ[i, j] = lambda * CILQ[i, j]`` (Flegg et al. 1995).

    ``SLQ_i = (x_v_i / x_v) / (x_n_i / x_n)`` with output x; ``CILQ_ij = SLQ_i / SLQ_j`` for
    i != j and ``SLQ_i`` on the diagonal; ``lambda = log2(1 + x_v / x_n) ** delta``. The share of
    a regional purchase of i by sector j bought inside the region is ``min(FLQ_ij, 1)``.
    Columns of sectors absent from the region are 0 (they buy nothing).
    """
    slq = (x_v / x_v.sum()) / (x_n / x_n.sum())
    lam = math.log2(1 + x_v.sum() / x_n.sum()) ** delta
    present = slq > 0
    cilq = np.divide.outer(slq.to_numpy(), np.where(present, slq.to_numpy(), 1.0))
    np.fill_diagonal(cilq, slq.to_numpy())
    cilq[:, ~present.to_numpy()] = 0.0
    return pd.DataFrame(lam * cilq, index=x_v.index, columns=x_v.index)


def _negatives(flows: RegionFlows, region: str, tol: float) -> list[Problem]:
    problems = []
    # product taxes may be negative (net subsidies); purchases including them may not
    checks = {"z_dom": flows.z_dom, "z_imp": flows.z_imp, "lab": flows.lab, "cap": flows.cap,
              "exports": flows.exports,
              "intermediate purchases": flows.z_dom + flows.z_imp + flows.tax_int}
    for name, v in checks.items():
        arr = v.to_numpy()
        if (arr < -tol).any():
            problems.append(Problem("negative", f"{region} {name} has negative entries "
                                    f"(min {arr.min():,.3f} mln RUB)"))
    fin = (flows.final_dom + flows.final_imp + flows.tax_final)[["hh", "gov"]].to_numpy()
    if (fin < -tol).any():
        problems.append(Problem("negative", f"{region} household or government demand is "
                                "negative"))
    return problems


def sector_evidence(tables: IOTables, stats: RegionalStats, figures: pd.DataFrame
                    ) -> dict[str, float]:
    """Vologda output (mln RUB, 2021) of sectors with published evidence [A9, A22].

    * ``ferr``: Vologdastat's share of Vologda in Russian shipments of metallurgy (OKVED2 24)
      x national IO output of OKPD2 24; all of Vologda's metallurgy is ferrous (Cherepovets).
    * ``wood``, ``paper``: the timber complex's shipments of wood processing and of pulp and
      paper, January-November 2019, x 12/11, in 2019 prices [A22], x the national ratio of IO
      output to shipments of manufacturing (as for the section, A9).
    * ``agr``: agricultural output of all producers 2020 x the 2021 volume index, 2020 prices
      [A22].
    """
    def figure(indicator: str) -> float:
        row = figures[figures["indicator"] == indicator]
        if len(row) != 1:
            raise InputError(Problem("missing-indicator", f"published figure {indicator!r} not "
                                     "found once in vologda_misc_published_figures.csv"))
        return float(row["value"].iloc[0])

    output = tables.z_domestic.sum(axis=1) + tables.final_domestic.sum(axis=1)
    metallurgy = output[tables.products["okpd2"].str.startswith("24")].sum()
    ship_v, ship_n = stats.get(SHIPMENT_INDICATORS["C"])
    c_products = tables.products["okpd2"].str.match(r"(1[0-9]|2[0-9]|3[0-3])\b")
    c_ratio = output[c_products].sum() / ship_n
    annual = 12 / 11 * 1000  # bln RUB over 11 months -> mln RUB a year
    agr_index = stats.get("agricultural production index")[0] / 100
    return {
        "ferr": figure("Vologda metallurgical production share in RF metallurgy shipments")
        / 100 * metallurgy,
        "wood": figure("shipped: wood processing (деревообработка)") * annual * c_ratio,
        "paper": figure("shipped: pulp and paper (ЦБП)") * annual * c_ratio,
        "agr": figure("agricultural output all producers") * 1000 * agr_index,
    }


def regionalise(nat: RegionFlows, sectors: pd.DataFrame, stats: RegionalStats,
                evidence: dict[str, float]
                ) -> tuple[dict[str, RegionFlows], Shipments, RegionalSize]:
    """Split the national flows into Vologda (``VOL``) and the rest of Russia (``RUS``).

    Vologda's columns use national coefficients scaled to its output and GVA: intermediate use
    and product taxes on it = national coefficient x output x (1 - regional GVA ratio) /
    (1 - national GVA ratio) [A12]; GVA by national composition with labour scaled to the
    regional accounts' compensation of employees and other taxes on production set to theirs
    [A13]; final demand by shares (households: their share of actual final consumption;
    government: population; investment: investment in fixed capital) [A14]; exports abroad by
    national export propensities scaled to the customs total [A15]; imports by the national
    import share of each use [A16]. Non-tradables are used where they are produced: Vologda's
    final demand for them is what its output leaves after intermediate use and exports, and its
    households' other purchases absorb the difference so their total stays on target [A17].
    The rest of Russia is national minus Vologda.

    Interregional shipments [A17, A24]: Vologda buys ``min(FLQ_ij, 1)`` of its intermediate use
    of domestic product i (by sector j) and ``min(lambda * SLQ_i, 1)`` of its final use inside
    the region, at most what it has left after exporting abroad; for goods (sections A-D) these
    own purchases are scaled by one factor so that the share of Vologda's domestic goods sales
    leaving the region is that of Rosstat's 2016 interregional matrix. What it does not buy at
    home comes from the rest of Russia; what it produces and neither exports nor uses goes to
    the rest of Russia. Both directions are kept (cross-hauling), the net flow is the commodity
    balance.
    """
    size = regional_size(nat, sectors, stats, evidence)
    x_n, gva_n = nat.output, nat.gva
    x_v, gva_v = size.output, size.gva
    col = x_v / x_n * (1 - gva_v / x_v.where(x_v > 0, 1)) / (1 - gva_n / x_n)

    pop_v, pop_n = stats.get("population (table 4.2)")
    inv_v, inv_n = stats.get("investment in fixed capital")
    hh_share = stats.account("afc") / stats.account("rf:afc")
    share = pd.Series({"hh": hh_share, "gov": pop_v / pop_n, "inv": inv_v / inv_n})

    # compensation in the IO tables' concept (D1 incl. the imputed unobserved wages), bridged by
    # the national ratio of IO D1 to the regional accounts' total [A13]
    lab_target = stats.account("compensation") * nat.lab.sum() / stats.account("rf:compensation")
    lab = nat.lab / gva_n * gva_v
    lab *= lab_target / lab.sum()
    # other net taxes on production at the regional accounts' level; the difference to the
    # national rates is spread over GVA (the IO total is negative, the regional one positive)
    ptax = nat.ptax / gva_n * gva_v
    ptax += (stats.account("ptax") - ptax.sum()) * gva_v / gva_v.sum()
    cap = gva_v - lab - ptax

    goods = sectors.index[sectors["okved_section"].isin(GOODS_SECTIONS)]
    usd_v = stats.get("exports of goods, total (customs statistics)")[0]
    target = usd_v * stats.param("usd_rub_2021")
    e_rate = nat.exports / x_n
    e_cap = np.minimum(stats.param("export_cap_share") * x_v, nat.exports)
    phi = _export_factor(e_rate, x_v, e_cap, goods, target)
    exports = np.minimum(e_rate * x_v * np.where(x_v.index.isin(goods), phi, 1.0), e_cap)

    z_dom = nat.z_dom * col
    final_dom, final_imp = nat.final_dom * share, nat.final_imp * share
    tax_final = nat.tax_final * share
    # a non-tradable whose intermediate use alone exceeds Vologda's output (trade services for
    # the steel and fertiliser works) keeps its final demand and buys the rest from RUS
    local = list(sectors.index[~sectors["tradable"]])
    left = x_v[local] - exports[local] - z_dom.loc[local].sum(axis=1)
    local = list(left.index[left >= 0])
    left = left[local]
    used = final_dom.loc[local].sum(axis=1)
    if ((used <= 0) & (left > 0)).any():
        raise InputError(Problem("non-tradable", f"Vologda's output of non-tradables "
                                 f"{list(left.index[(used <= 0) & (left > 0)])} has no final "
                                 "use in the region"))
    k = (left / used.where(used > 0, 1.0)).to_numpy()[:, None]
    for df in (final_dom, final_imp, tax_final):
        df.loc[local] = df.loc[local].to_numpy() * k
    hh_total = hh_share * (nat.final_dom + nat.final_imp + nat.tax_final)["hh"].sum()
    trade = [s for s in sectors.index if s not in local]
    hh_local = sum(df.loc[local, "hh"].sum() for df in (final_dom, final_imp, tax_final))
    hh_trade = sum(df.loc[trade, "hh"].sum() for df in (final_dom, final_imp, tax_final))
    for df in (final_dom, final_imp, tax_final):
        df.loc[trade, "hh"] *= (hh_total - hh_local) / hh_trade
    inv_nat = (nat.final_dom + nat.final_imp + nat.tax_final)["inv"].sum()
    inv_vol = (final_dom + final_imp + tax_final)["inv"].sum()

    vol = RegionFlows(
        z_dom=z_dom, z_imp=nat.z_imp * col, tax_int=nat.tax_int * col,
        final_dom=final_dom, final_imp=final_imp, tax_final=tax_final,
        lab=lab, cap=cap, ptax=ptax, exports=exports,
        reexports=nat.reexports * exports / nat.exports.where(nat.exports > 0, 1.0),
        etax=nat.etax * exports.sum() / nat.exports.sum(), p33=nat.p33 * hh_share,
        p34=nat.p34 * hh_share,
        dtax=nat.dtax * (lab.sum() + cap.sum()) / (nat.lab.sum() + nat.cap.sum()),
        gfcf=nat.gfcf * inv_vol / inv_nat)
    rus = nat.scaled(vol)
    problems = _negatives(vol, "VOL", 1e-6) + _negatives(rus, "RUS", 1e-6)
    if problems:
        raise InputError(problems)

    # interregional shipments by FLQ, the 2016 outflow share and commodity balance [A17, A24]
    fq = flq(x_v, x_n, stats.param("flq_delta"))
    is_local = ~sectors["tradable"].reindex(x_v.index).to_numpy()
    q = np.minimum(fq.to_numpy(), 1.0)
    lam_slq = np.minimum(np.diag(fq.to_numpy()), 1.0)
    q[is_local, :] = 1.0
    lam_slq[is_local] = 1.0
    demand_v = vol.domestic_demand
    avail_v = x_v - vol.exports
    upper = np.minimum(avail_v, demand_v.clip(lower=0.0))
    flq_own = (q * vol.z_dom).sum(axis=1) + lam_slq * vol.final_dom.sum(axis=1)
    goods_mask = x_v.index.isin(goods)
    kept = stats.account("goods_kept_2016")

    def own(scale: float) -> pd.Series:
        return np.clip(flq_own * np.where(goods_mask, scale, 1.0), 0.0, upper)

    lo, hi = 0.0, 1.0
    while own(hi)[goods_mask].sum() < kept * avail_v[goods_mask].sum() and hi < 1e6:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = ((mid, hi) if own(mid)[goods_mask].sum() < kept * avail_v[goods_mask].sum()
                  else (lo, mid))
    own_v = own((lo + hi) / 2)
    to_rus = avail_v - own_v
    from_rus = demand_v - own_v
    own_r = rus.domestic_demand - to_rus
    bad = [s for s in x_v.index if min(to_rus[s], from_rus[s], own_r[s]) < -1e-6]
    if bad:
        raise InputError(Problem("commodity-balance", f"negative shipments for sector(s) {bad}: "
                                 "Vologda's surplus exceeds the rest of Russia's demand or its "
                                 "domestic demand is negative"))
    ship = Shipments({("VOL", "VOL"): own_v, ("VOL", "RUS"): to_rus,
                      ("RUS", "RUS"): own_r, ("RUS", "VOL"): from_rus})
    return {"VOL": vol, "RUS": rus}, ship, size


# --------------------------------------------------------------------------- institutions
#: Items of the Treasury's report on Vologda's consolidated budget (form 0503317, 2021) read by
#: the build, by budget code; the level is the consolidated budget with the territorial health
#: insurance fund (whose federal subvention is a federal transfer too) [A31].
BUDGET = {"revenue": ("revenues (executed)", "total"),
          "expenditure": ("expenditures (executed)", "total"),
          "profit_tax": ("revenues (executed)", "10101000000000110"),
          "ndfl": ("revenues (executed)", "10102000010000110"),
          "excises": ("revenues (executed)", "10302000010000110"),
          "property_taxes": ("revenues (executed)", "10600000000000000"),
          "transfers_in": ("revenues (executed)", "20200000000000000"),
          "social_policy": ("expenditures (executed)", "1000")}
BUDGET_LEVEL = ("консолидированный бюджет субъекта Российской Федерации и территориального "
                "государственного внебюджетного фонда")


def read_budget(sources: Path) -> dict[str, float]:
    """Vologda's consolidated budget 2021 (Treasury form 0503317), mln RUB, items of
    :data:`BUDGET`."""
    file = _need(sources / "regions" / "vologda_consolidated_budget_form0503317_2021.csv")
    df = pd.read_csv(file, dtype={"budget_code": str})
    df = df[(df["year"] == ACCOUNTS_YEAR) & (df["budget_level"] == BUDGET_LEVEL)]
    out = {}
    for name, (block, code) in BUDGET.items():
        hit = df[(df["block"] == block) & (df["budget_code"] == code)]
        if len(hit) != 1:
            raise InputError(Problem("budget-item", f"{len(hit)} rows for {block} {code} at "
                                     f"level {BUDGET_LEVEL!r}; expected one",
                                     Location(file=str(file))))
        out[name] = float(hit["value_rub"].iloc[0]) / 1e6
    return out


def institutions(flows: dict[str, RegionFlows], sectors: pd.DataFrame, stats: RegionalStats,
                 budget: dict[str, float]) -> Institutions:
    """Institutional flows of Vologda (VOL) and the rest of Russia (RUS) [A26-A31].

    * Capital income of each sector is split: the share ``hh_surplus_share:SECTOR`` stays with
      households (mixed income of unincorporated producers and households' own dwellings),
      the rest goes to the region's enterprise [A26].
    * Profit tax: Vologda's from the Treasury (the regional budget's 17 of the 20 % rate, so
      the total is receipts x 20/17); the rest of Russia at Vologda's effective rate on
      enterprise income; 3/20 of it is federal [A27].
    * Enterprises distribute shares of income after tax to resident households and abroad;
      in Vologda the steel and fertiliser works (``ferr``, ``chem``) have the owners of
      Severstal and PhosAgro, the rest local owners [A28, A29]; the rest is saved.
    * Social benefits: pensions = average pension x pensioners (national ratio to population)
      paid by the federal government; regional social policy spending from the Treasury, the
      rest of Russia at Vologda's per-head level [A30].
    * Net direct taxes (A7) become gross: national government saving stays zero with the
      profit tax and the benefits; split by household primary income; taxes by budget level
      and government consumption by level from the Treasury data [A31].
    """
    par = stats.param
    vol, rus = flows["VOL"], flows["RUS"]
    secs = list(sectors.index)
    share = pd.Series({s_: stats.parameters.get(f"hh_surplus_share:{s_}", 0.0) for s_ in secs})
    mixed = {r: float((f.cap.clip(lower=0.0) * share).sum()) for r, f in flows.items()}
    ent_income = {r: float(f.cap.sum()) - mixed[r] for r, f in flows.items()}
    fed_rate, reg_rate = par("profit_tax_rate_federal"), par("profit_tax_rate_regional")
    tax_vol = budget["profit_tax"] * (fed_rate + reg_rate) / reg_rate
    rate = tax_vol / ent_income["VOL"]
    profit_tax = {"VOL": tax_vol, "RUS": rate * ent_income["RUS"]}
    after = {r: ent_income[r] - profit_tax[r] for r in flows}
    # Vologda's enterprise: the big works' share of its income by their capital income
    big = ["ferr", "chem"]
    cap_v = vol.cap.clip(lower=0.0) * (1 - share)
    w_big = float(cap_v[big].sum() / cap_v.sum())
    hh_rate, row_rate = par("dividends_to_households"), par("dividends_abroad")
    pop_v, pop_n = stats.get("population (table 4.2)")
    to_hh_v = after["VOL"] * hh_rate
    dividends = {
        ("VOL", "VOL"): to_hh_v * (w_big * par("big_owners_vologda")
                                   + (1 - w_big) * par("local_owners_vologda")),
        ("VOL", "RUS"): to_hh_v * (w_big * (1 - par("big_owners_vologda"))
                                   + (1 - w_big) * (1 - par("local_owners_vologda"))),
        # Vologda's households own Russian companies like the average Russian [A29]
        ("RUS", "VOL"): after["RUS"] * hh_rate * pop_v / pop_n,
        ("RUS", "RUS"): after["RUS"] * hh_rate * (1 - pop_v / pop_n)}
    abroad = {"VOL": after["VOL"] * (w_big * par("big_dividends_abroad")
                                     + (1 - w_big) * row_rate),
              "RUS": after["RUS"] * row_rate}
    # social benefits [A30]
    pension_v, pension_n = stats.get("average pension (1 Jan 2022)")
    pensioners = par("pensioners_rf_thou") / pop_n
    pensions_n = par("pensioners_rf_thou") * pension_n * 12 / 1e3
    pensions_v = pensioners * pop_v * pension_v * 12 / 1e3
    social_v = budget["social_policy"]
    transfers = {("VOL", "FED"): pensions_v, ("RUS", "FED"): pensions_n - pensions_v,
                 ("VOL", "gov"): social_v, ("RUS", "gov"): social_v * (pop_n - pop_v) / pop_v}
    # gross direct taxes: national government saving stays zero (A7) [A31]
    nat_dtax = (vol.dtax + rus.dtax + sum(transfers.values()) - sum(profit_tax.values()))
    primary = {r: float(f.lab.sum()) + mixed[r] + sum(v for (_, d), v in dividends.items()
                                                     if d == r) for r, f in flows.items()}
    dtax = {r: nat_dtax * primary[r] / sum(primary.values()) for r in flows}
    ctax_v = float(vol.tax_int.to_numpy().sum() + vol.tax_final.to_numpy().sum())
    fed_ctax = 1 - budget["excises"] / ctax_v
    fed_dtax = 1 - budget["ndfl"] / dtax["VOL"]
    federal = {}
    for r in flows:
        federal |= {(r, "ctax"): fed_ctax, (r, "etax"): 1.0, (r, "ptax"): 0.0,
                    (r, "ytax"): fed_rate / (fed_rate + reg_rate), (r, "dtax"): fed_dtax}
    gov_v = float((vol.final_dom + vol.final_imp + vol.tax_final)["gov"].sum())
    regional = (budget["expenditure"] - budget["social_policy"]) / gov_v
    if not 0 < regional <= 1 or not 0 < fed_ctax < 1 or not 0 < fed_dtax < 1:
        raise InputError(Problem("budget-levels", f"shares outside (0, 1]: regional share of "
                                 f"government consumption {regional:.4g}, federal share of "
                                 f"product taxes {fed_ctax:.4g}, of direct taxes "
                                 f"{fed_dtax:.4g}"))
    return Institutions(mixed=mixed, profit_tax=profit_tax, dividends=dividends, abroad=abroad,
                        transfers=transfers, dtax=dtax, federal=federal,
                        gov_regional={r: regional for r in flows},
                        trg={"VOL": budget["transfers_in"], "RUS": None})


# --------------------------------------------------------------------------- report
@dataclass(frozen=True)
class ReportRow:
    """One published figure against the SAM. ``tol`` is relative, or in the figure's own unit
    (percentage points for shares) when ``absolute``. ``role``: ``input`` if the build uses the
    figure (matching it tests the code, not the data), ``check`` if it is independent."""

    name: str
    target: float
    built: float
    unit: str
    tol: float
    source: str
    note: str = ""
    role: str = "check"
    absolute: bool = False

    @property
    def diff(self) -> float:
        if self.absolute:
            return self.built - self.target
        return (self.built - self.target) / abs(self.target) if self.target else math.inf

    @property
    def flagged(self) -> bool:
        return abs(self.diff) > self.tol

    def _fmt(self, x: float) -> str:
        return f"{x:+.2f} pp" if self.absolute else f"{100 * x:+.2f}%"

    def tolerance(self) -> str:
        return f"{self.tol:.2f} pp" if self.absolute else f"{100 * self.tol:.1f}%"


@dataclass(frozen=True)
class Report:
    """Comparison of the built SAM with published figures, and the build's key numbers."""

    rows: list[ReportRow]
    facts: dict[str, str]

    @property
    def flagged(self) -> list[ReportRow]:
        return [r for r in self.rows if r.flagged]

    def to_markdown(self) -> str:
        checks = [r for r in self.rows if r.role == "check"]
        lines = ["# Vologda SAM 2021: comparison with published figures", "",
                 "Generated by `cge sam-build vologda`; do not edit by hand. A row fails when "
                 "the difference between built and published exceeds its tolerance "
                 "(`sam/vologda/targets.csv`; relative, or in percentage points for shares). "
                 "Rows marked **input** are figures the build uses: they test the code. Rows "
                 "marked check are figures the build does not use: they test the SAM. Failures "
                 "are listed, not hidden; see the notes below the table.", "",
                 f"Checks: {sum(not r.flagged for r in checks)} pass, "
                 f"{sum(r.flagged for r in checks)} fail.", "",
                 "| item | role | published | built | unit | difference | tolerance | status |",
                 "|---|---|---:|---:|---|---:|---:|---|"]
        for r in self.rows:
            role = "**input**" if r.role == "input" else "check"
            lines.append(f"| {r.name} | {role} | {r.target:,.2f} | {r.built:,.2f} | {r.unit} | "
                         f"{r._fmt(r.diff)} | {r.tolerance()} | "
                         f"{'**FAIL**' if r.flagged else 'pass'} |")
        lines += ["", "## Failures", ""]
        lines += ([f"- {r.name} ({r.role}): published {r.target:,.2f}, built {r.built:,.2f} "
                   f"{r.unit} ({r._fmt(r.diff)}). Why: {r.note or 'not explained'}"
                   for r in self.flagged]
                  or ["None."])
        lines += ["", "## Build facts", ""]
        lines += [f"- {k}: {v}" for k, v in self.facts.items()]
        lines += ["", "## Sources of the figures", ""]
        lines += [f"- {r.name}: {r.source}" + (f" Note: {r.note}" if r.note else "")
                  for r in self.rows]
        return "\n".join(lines) + "\n"


def read_targets(file: Path) -> pd.DataFrame:
    if not file.exists():
        raise InputError(Problem("missing-file", "file not found", Location(file=str(file))))
    df = pd.read_csv(file, comment="#")
    missing = [c for c in ("name", "value", "unit", "tol", "source") if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}",
                                 Location(file=str(file), line=1)))
    return df.set_index("name")


def built_figures(flows: dict[str, RegionFlows], ship: Shipments, sectors: pd.DataFrame,
                  stats: RegionalStats, sam: SAM | None = None) -> dict[str, float]:
    """The built counterpart of each target name (units as in ``targets.csv``); figures of the
    institutions are read off the ``sam`` (with its enterprise and federal accounts)."""
    vol = flows["VOL"]
    nat = flows["VOL"].scaled(flows["RUS"], sign=1.0)
    usd = stats.param("usd_rub_2021")
    section = sectors["okved_section"]
    manuf = sectors.index[section == "C"]
    goods = sectors.index[section.isin(GOODS_SECTIONS)]
    emp_v, emp_n = stats.get("employed (LFS)")
    _, wage_n = stats.get("average gross nominal monthly wage (organizations)")
    pop_v = stats.get("population (table 4.2)")[0]
    out_v, in_v = ship.sales[("VOL", "RUS")], ship.sales[("RUS", "VOL")]
    own_v = ship.sales[("VOL", "VOL")]
    hh = (vol.final_dom + vol.final_imp + vol.tax_final)["hh"].sum()
    hh_nat = (nat.final_dom + nat.final_imp + nat.tax_final)["hh"].sum()
    dairy = "dairy"
    shares = {f"vol_gva_share_{g}": 100 * vol.gva[section.index[section == g]].sum()
              / vol.gva.sum() for g in dict.fromkeys(section)}
    return shares | {
        "vol_grp": vol.gva.sum(),
        "vol_grp_rsy": vol.gva.sum(),
        "vol_compensation": vol.lab.sum() * stats.account("rf:compensation") / nat.lab.sum(),
        "vol_ptax": vol.ptax.sum(),
        "vol_surplus": vol.cap.sum(),
        "vol_afc": hh / hh_nat * stats.account("rf:afc"),
        "vol_manuf_shipments": vol.output[manuf].sum(),
        "vol_exports": vol.exports[goods].sum() / usd,
        "vol_imports": vol.imports[goods].sum() / usd,
        "vol_avg_wage": wage_n * (vol.lab.sum() / emp_v) / (nat.lab.sum() / emp_n),
        "vol_investment": vol.gfcf,
        "vol_milk_outflow": 100 * (out_v[dairy] + vol.exports[dairy])
        / (vol.output[dairy] + in_v[dairy] + vol.imports[dairy]),
        "vol_goods_inflow_share": 100 * in_v[goods].sum() / (in_v[goods] + own_v[goods]).sum(),
        "vol_ferr_share": 100 * vol.output["ferr"] / nat.output["ferr"],
        "vol_logging": vol.output["for"],
        "vol_hh_income": _household_income(vol, stats, sam) / pop_v / 12 * 1000,
        "nat_output": nat.output.sum() / 1e6,
        "nat_gva": nat.gva.sum() / 1e6,
        "nat_compensation": nat.lab.sum() / 1e6,
        "nat_product_taxes": (nat.tax_int.to_numpy().sum() + nat.tax_final.to_numpy().sum()
                              + nat.etax) / 1e6,
        "nat_imports": nat.imports.sum() / 1e6,
        **_budget_figures(sam),
        "nat_exports": (nat.exports.sum() + nat.reexports.sum()) / 1e6,
    }


def _household_income(vol: RegionFlows, stats: RegionalStats, sam: SAM | None) -> float:
    """Vologda's households' receipts comparable with money income, mln RUB [A30]: all their
    receipts in the SAM (labour, mixed income, distributed profits, benefits, P34) less the
    employers' social contributions, which compensation of employees includes and money income
    does not (the statutory rate on the regional accounts' compensation). Without institutions:
    labour and all capital income (A6)."""
    if sam is None or "VOL:ent" not in sam.keys:
        return float(vol.lab.sum() + vol.cap.sum() + vol.p34)
    rate = stats.param("employer_contribution_rate")
    d12 = stats.account("compensation") * rate / (1 + rate)
    return float(sam.values[sam.keys.index("VOL:hh")].sum()) - d12


def _budget_figures(sam: SAM | None) -> dict[str, float]:
    """Vologda's regional budget in the SAM (mln RUB), with institutions [A31]."""
    if sam is None or "FED:gov" not in sam.keys:
        return {}
    return {"vol_profit_tax_regional": sam.get("VOL:gov", "VOL:ytax"),
            "vol_federal_transfers": sam.get("VOL:gov", "FED:gov"),
            "vol_property_taxes": sam.get("VOL:gov", "VOL:ptax"),
            "vol_budget_surplus": sam.get("VOL:inv", "VOL:gov")}


def compare(targets: pd.DataFrame, built: dict[str, float], facts: dict[str, str]) -> Report:
    """Rows of the report, one per target; a target without a built counterpart is an error."""
    unknown = [n for n in targets.index if n not in built]
    if unknown:
        raise InputError(Problem("unknown-target", f"no built figure for target(s) {unknown}; "
                                 f"known: {sorted(built)}"))

    def text(r: pd.Series, col: str, default: str = "") -> str:
        return default if col not in r.index or pd.isna(r[col]) else str(r[col])

    rows = [ReportRow(n, float(r.value), float(built[n]), str(r.unit), float(r.tol),
                      str(r.source), text(r, "note"), text(r, "role", "check"),
                      text(r, "tol_kind") == "pp")
            for n, r in targets.iterrows()]
    return Report(rows, facts)


# --------------------------------------------------------------------------- build
def national_sector_accounts(sources_dir: str | Path, model_dir: str | Path, sector_map: str
                             ) -> tuple[RegionFlows, pd.DataFrame, IOTables]:
    """Russia 2021 from Rosstat's tables in ``sources_dir``, aggregated to the sectors of
    ``model_dir/sectors.csv`` by ``model_dir/sector_map`` and closed exactly; the sectors; and
    the 113-product tables themselves."""
    tables = read_rosstat_io(Path(sources_dir) / "rosstat" / "baz_tzv-2021.xlsx")
    sectors = read_sectors(Path(model_dir) / "sectors.csv")
    mapping = read_sector_map(Path(model_dir) / sector_map, tables.products.index,
                              sectors.index)
    return national_accounts(aggregate_io(tables, mapping, sectors)), sectors, tables


def read_figures(sources_dir: str | Path) -> pd.DataFrame:
    """Single published figures (``regions/vologda_misc_published_figures.csv``)."""
    return pd.read_csv(_need(Path(sources_dir) / "regions"
                             / "vologda_misc_published_figures.csv"))


def build_vologda_sam(sources_dir: str | Path, model_dir: str | Path | None = None,
                      overrides: dict[str, float] | None = None) -> tuple[SAM, Report]:
    """Build the VOL/RUS/ROW SAM from ``sources_dir`` (``sam/sources``) and ``model_dir``
    (``sam/vologda``: sector map, sectors, parameters, targets; default: ``sources_dir``'s
    sibling ``vologda``). ``overrides`` replace parameters of ``parameters.csv`` by name (a
    sensitivity build; the report lists them). Returns the SAM and the comparison report."""
    sources_dir = Path(sources_dir)
    model_dir = Path(model_dir) if model_dir is not None else sources_dir.parent / "vologda"
    nat, sectors, tables = national_sector_accounts(sources_dir, model_dir,
                                                    "okpd2_to_sectors.csv")
    stats = read_regional_stats(sources_dir, model_dir, overrides)
    figures = read_figures(sources_dir)
    evidence = sector_evidence(tables, stats, figures)
    flows, ship, size = regionalise(nat, sectors, stats, evidence)
    inst = institutions(flows, sectors, stats, read_budget(sources_dir))
    sam = assemble_sam(flows, ship, sectors, name="vologda_2021",
                       source="Rosstat basic IO tables 2021, Vologda regional statistics and "
                              "consolidated budget; built by cge sam-build vologda "
                              "(cge/sources/vologda.py)", inst=inst)
    lab_v = flows["VOL"].lab.sum()
    hh_in = sam.values[sam.keys.index("VOL:hh")].sum()
    facts = {"accounts": f"{len(sam.keys)} ({len(sectors)} sectors x activity and commodity, "
                         "11 factor/institution/tax accounts per region, FED:gov, ROW)",
             "Vologda households: receipts, saving rate [A26-A30]":
                 f"{hh_in:,.1f} mln RUB, {sam.get('VOL:inv', 'VOL:hh') / hh_in:.1%}",
             "Vologda enterprise: income, profit tax, to VOL/RUS households, abroad, saved "
             "(mln RUB) [A26-A29]": ", ".join(f"{v:,.1f}" for v in (
                 sam.values[:, sam.keys.index("VOL:ent")].sum(), sam.get("VOL:ytax", "VOL:ent"),
                 sam.get("VOL:hh", "VOL:ent"), sam.get("RUS:hh", "VOL:ent"),
                 sam.get("ROW:row", "VOL:ent"), sam.get("VOL:inv", "VOL:ent"))),
             "profits of RUS enterprises to Vologda households (mln RUB) [A29]":
                 f"{sam.get('VOL:hh', 'RUS:ent'):,.1f}",
             "federal government: revenue, saving (mln RUB) [A31]":
                 f"{sam.values[sam.keys.index('FED:gov')].sum():,.1f}, "
                 f"{sam.get('RUS:inv', 'FED:gov'):,.1f}",
             "GRP vintage": f"Rosstat regional accounts VRP_s1998.xlsx of 9 April 2025: "
                            f"{stats.account('grp'):,.1f} mln RUB (RSY 2022/2023: "
                            f"{stats.get('gross regional product (basic prices)')[0]:,.1f})",
             "compensation, IO concept incl. unobserved wages [A13]": f"{lab_v:,.1f} mln RUB",
             "FLQ delta": f"{stats.param('flq_delta'):g}",
             "RUB/USD 2021": f"{stats.param('usd_rub_2021'):g}",
             "interregional exports VOL->RUS (mln RUB)":
                 f"{ship.sales[('VOL', 'RUS')].sum():,.1f}",
             "interregional imports RUS->VOL (mln RUB)":
                 f"{ship.sales[('RUS', 'VOL')].sum():,.1f}",
             "capital transfer to VOL:inv from RUS:inv (mln RUB)":
                 f"{sam.get('VOL:inv', 'RUS:inv'):,.1f}"}
    facts |= {f"output {s} (mln RUB)": f"{size.output[s]:,.1f}"
              for s in ("agr", "for", "food", "dairy", "wood", "paper", "chem", "ferr")}
    if overrides:
        facts["parameters overridden (cge sam-build vologda --set): a sensitivity build"] = (
            ", ".join(f"{k} = {v:g}" for k, v in overrides.items()))
    report = compare(read_targets(model_dir / "targets.csv"),
                     built_figures(flows, ship, sectors, stats, sam), facts)
    return sam, report


__all__ = ["RegionFlows", "Shipments", "RegionalStats", "RegionalSize", "Report", "ReportRow",
           "national_accounts", "national_sam", "assemble_sam", "regional_size", "regionalise",
           "sector_evidence", "read_figures", "Institutions", "institutions", "read_budget",
           "flq", "read_regional_stats", "read_targets", "built_figures", "compare",
           "build_vologda_sam", "write_vologda"]


SOURCES_TEXT = """# vologda_2021: Vologda Oblast / rest of Russia / rest of world SAM, 2021

Generated by `cge sam-build vologda` (code: `cge/sources/vologda.py`); do not edit by hand.
Units: mln RUB, current prices of 2021. Regions: `VOL` (Vologda Oblast), `RUS` (rest of
Russia), `ROW` (rest of the world, one account `row`).

Inputs (copies in `sam/sources/`, provenance in `sam/sources/SOURCES.md`):
- Rosstat, basic input-output tables of the Russian Federation 2021 (symmetric product-by-product
  tables total, domestic and imported; 113 products aggregated to 22 sectors by
  `sam/vologda/okpd2_to_sectors.csv`);
- Rosstat, regional accounts (VRP_s1998.xlsx of 9 April 2025: GRP 2021, its income
  components, household actual final consumption) and the 2021 GVA structure by OKVED2 section
  (VRP_OKVED2_s2016.xlsx); Rosstat's 2016 interregional goods matrix (Vologda's row and column);
- Rosstat, Russian Statistical Yearbooks 2022 and 2023 (Vologda and Russia: population,
  employment, wages, incomes, investment, shipments by activity, foreign trade, milk);
- published figures of `regions/vologda_misc_published_figures.csv` (metallurgy share, timber
  complex, agricultural output);
- modelling parameters `sam/vologda/parameters.csv` (exchange rate, FLQ delta, export cap,
  output shares, the chemicals assumption A21).

Every assumption is numbered in `sam/vologda/ASSUMPTIONS.md`; `REPORT.md` compares the SAM with
published figures and lists the differences beyond tolerance.

Accounts per region: activities `a-*` and commodities `c-*` of the 22 sectors of
`sam/vologda/sectors.csv`, factors `lab` and `cap`, households `hh` (incl. NPISH), enterprise
`ent` (corporations), regional government `gov`, taxes `ptax` (D29-D39), `ctax` (net product
taxes on domestic use), `etax` (taxes on exported products), `dtax` (direct taxes and social
contributions of households, closure), `ytax` (profit tax), savings-investment `inv`; the
federal government `FED:gov` (A25-A31); Vologda's consolidated budget 2021 (Treasury form
0503317) sets its taxes by budget level and its federal transfers.
"""


def write_vologda(sam: SAM, report: Report, out: str | Path) -> Path:
    """Write the SAM folder (``write_csv``) with ``REPORT.md`` and ``SOURCES.md``."""
    from cge.sam.io import write_csv

    out = write_csv(sam, out)
    (out / "REPORT.md").write_text(report.to_markdown(), encoding="utf-8")
    (out / "SOURCES.md").write_text(SOURCES_TEXT, encoding="utf-8")
    return out
