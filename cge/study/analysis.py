"""Step 1, information-analytic: what the region's economy is and how it is linked.

All from the SAM and the interregional IO table built from it (:mod:`cge.io`):

* diagnostics: :func:`cge.sam.validate.check` problems, the largest row/column imbalance and
  GRP three ways with its components (:func:`cge.sam.macro.macro_summary`);
* structure: output and gross value added (GVA) by sector, the sector's share of the region's
  GVA and of the country's GVA in that sector, and the location quotient
  ``LQ_i = (v_ri / v_r) / (v_Ni / v_N)`` (``N`` the country's regions): above one, the region
  is specialised in the sector. The Krugman specialisation index
  ``sum_i |v_ri / v_r - v_Ni / v_N| / 2`` (0: the country's structure, 1: nothing in common)
  sums it up;
* IO multipliers (type I and II output, value-added and income multipliers) and backward and
  forward linkages (Rasmussen; above one: above the average) of the region's sectors;
* interregional links, straight from the SAM's shipments: the shares of each sector's sales
  going to the region itself, to each partner and abroad, and the shares of its purchases
  (the commodity's supply) coming from the region itself, each partner and abroad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cge import io
from cge.sam import SAM
from cge.sam.macro import macro_summary
from cge.sam.validate import check

#: Rows of the diagnostics table (macro_summary columns) in their order.
MACRO_ROWS = ("output", "gva", "grp_production", "grp_income", "grp_expenditure",
              "consumption", "government", "investment", "exports_foreign", "imports_foreign",
              "exports_interregional", "imports_interregional")
WORLD = "ROW"


@dataclass(frozen=True)
class Step1:
    problems: tuple[str, ...]
    max_imbalance: float  # largest |row - column total| over the larger of the two, relative
    macro: pd.DataFrame  # indicator x region
    structure: pd.DataFrame  # sector x (output, gva, gva_share, country_share, lq)
    specialisation: float
    multipliers: pd.DataFrame  # sector x measures
    sales: pd.DataFrame  # sector x destination: % of the sector's sales
    purchases: pd.DataFrame  # sector x origin: % of the commodity's supply


def _shipments(sam: SAM, region: str, partners: tuple[str, ...], act: str, com: str,
               sectors: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = sam.data
    rr, ra = d["row_region"].values, d["row_account"].values
    cr, ca, ck = d["col_region"].values, d["col_account"].values, d["col_kind"].values
    rk = d["row_kind"].values
    v = d.values
    dests = [region, *partners, WORLD]
    sales = pd.DataFrame(0.0, index=sectors, columns=dests)
    buys = pd.DataFrame(0.0, index=sectors, columns=dests)
    for s in sectors:
        row = (rr == region) & (ra == act + s)
        col = (cr == region) & (ca == com + s)
        for dest in dests:
            if dest == WORLD:
                to, frm = ck == "rest_of_world", rk == "rest_of_world"
            else:
                to, frm = (cr == dest) & (ca == com + s), (rr == dest) & (ra == act + s)
            sales.loc[s, dest] = v[np.ix_(row, to)].sum()
            buys.loc[s, dest] = v[np.ix_(frm, col)].sum()
    return sales, buys


def _percent_of_rows(df: pd.DataFrame) -> pd.DataFrame:
    total = df.sum(axis=1)
    out = 100.0 * df.div(total.where(total > 0), axis=0)
    out.loc["total"] = 100.0 * df.sum() / df.to_numpy().sum()
    return out


def step1(sam: SAM, region: str, partners: tuple[str, ...], country: tuple[str, ...],
          activity_prefix: str = "a-", commodity_prefix: str = "c-") -> Step1:
    """Step 1's tables for ``region`` (see the module docstring)."""
    problems = tuple(str(p) for p in check(sam))
    rows, cols = sam.row_totals(), sam.col_totals()
    scale = np.maximum(np.abs(rows.values), np.abs(cols.values))
    imbalance = float(np.max(np.abs(rows.values - cols.values)
                             / np.where(scale > 0, scale, 1.0)))
    macro = macro_summary(sam).T.loc[list(MACRO_ROWS), [region, *partners]]

    table = io.from_sam(sam)
    v, x = table.v, table.x
    sectors = [s for s in table.sectors if (region, s) in x.index and x[(region, s)] > 0]
    v_r = v.xs(region, level="region").reindex(sectors)
    v_n = v[v.index.get_level_values("region").isin(country)].groupby(level="sector").sum(
        ).reindex(sectors)
    share_r, share_n = v_r / v_r.sum(), v_n / v_n.sum()
    structure = pd.DataFrame({
        "output": x.xs(region, level="region").reindex(sectors),
        "gva": v_r,
        "gva_share": 100.0 * share_r,
        "country_share": 100.0 * v_r / v_n.where(v_n > 0),
        "lq": share_r / share_n.where(share_n > 0),
    })
    structure.index.name = "sector"
    multipliers = pd.concat([io.multiplier_table(table), io.linkages(table)], axis=1
                            ).xs(region, level="region").reindex(sectors)
    multipliers["key_sector"] = multipliers["key_sector"].astype(float)
    sales, buys = _shipments(sam, region, partners, activity_prefix, commodity_prefix, sectors)
    return Step1(problems, imbalance, macro, structure,
                 float(0.5 * (share_r - share_n).abs().sum()), multipliers,
                 _percent_of_rows(sales), _percent_of_rows(buys))
