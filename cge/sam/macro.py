r"""Macroeconomic aggregates of a SAM: gross regional product three ways, and trade balances.

What the conventions of :mod:`cge.sam.accounts` imply, for a region :math:`r` (sums over the
accounts of the kinds named; "cell X <- Y" is what X receives from Y):

Production approach
    output at basic prices :math:`Q_r` = activity <- commodity (markets of any region: own sales
    and interregional shipments) + activity <- rest of world (exports);
    intermediate consumption :math:`IC_r` = commodity <- activity + rest of world <- activity
    (imported inputs recorded against activities);
    GVA at basic prices = :math:`Q_r - IC_r`;
    ``grp_production`` = GVA + net taxes on products :math:`T^c_r` (tax <- commodity: product
    taxes and tariffs).

Income approach
    factor income :math:`F_r` = factor <- activity;
    net production taxes :math:`T^a_r` = tax <- activity - activity <- government (production
    subsidies recorded as activity receipts);
    ``grp_income`` = :math:`F_r + T^a_r + T^c_r`.

Expenditure approach
    ``grp_expenditure`` = C + G + I + (X - M) + (Z - W) with
    C = commodity <- household and enterprise, G = commodity <- government,
    I = commodity <- savings-investment (incl. inventory changes),
    foreign exports X = activity <- rest of world + commodity <- rest of world,
    foreign imports M = rest of world <- commodity + rest of world <- activity,
    interregional exports Z = activity in r <- commodity of another region,
    interregional imports W = activity of another region <- commodity in r.

Why they agree: adding the balance equations (receipts = payments) of all activities of r,
    :math:`Q_r + S_r = IC_r + F_r + T^{a,gross}_r` (``S_r`` the subsidies), so GVA equals
    :math:`F_r + T^a_r`: production and income agree when the activities balance. Adding those of
    all commodities of r (trade-margin accounts only trade with commodities of their own region,
    so their receipts and payments cancel) gives the expenditure identity: intermediate use and
    own-region sales cancel and what is left is
    :math:`F_r + T^a_r + T^c_r = C + G + I + X - M + Z - W`.
    Transfers, factor income from or to abroad and direct taxes are not part of GRP (they are
    part of regional income, not product).

Trade balances: ``trade_balance_foreign`` = X - M, ``trade_balance_interregional`` = Z - W
(these sum to zero over regions) and ``trade_balance`` their sum. Regions holding only
rest-of-world accounts have no product and are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.errors import Location, Problem, SAMError
from cge.sam.accounts import Kind
from cge.sam.core import SAM

K = Kind

#: Columns of :func:`macro_summary`, in order.
COLUMNS = [
    "output", "intermediate_consumption", "gva", "product_taxes", "grp_production",
    "factor_income", "production_taxes", "grp_income",
    "consumption", "government", "investment", "exports_foreign", "imports_foreign",
    "exports_interregional", "imports_interregional", "grp_expenditure",
    "trade_balance_foreign", "trade_balance_interregional", "trade_balance",
]


def domestic_regions(sam: SAM) -> list[str]:
    """Regions with at least one account that is not rest of world."""
    acc = sam.accounts
    return [r for r in sam.regions
            if (acc.loc[acc["region"] == r, "kind"] != K.REST_OF_WORLD).any()]


def macro_summary(sam: SAM) -> pd.DataFrame:
    """GRP by production, income and expenditure and its components, one row per region."""
    v = sam.data.values
    kind = sam.accounts["kind"].to_numpy()
    region = sam.accounts["region"].to_numpy()

    def flow(row_kinds, col_kinds, row_in, col_in) -> float:
        rows = np.isin(kind, [str(k) for k in row_kinds]) & row_in
        cols = np.isin(kind, [str(k) for k in col_kinds]) & col_in
        return float(v[np.ix_(rows, cols)].sum())

    everywhere = np.ones(len(kind), dtype=bool)
    out = {}
    for r in domestic_regions(sam):
        here, elsewhere = region == r, region != r
        row = {
            "output": flow([K.ACTIVITY], [K.COMMODITY, K.REST_OF_WORLD], here, everywhere),
            "intermediate_consumption": flow([K.COMMODITY, K.REST_OF_WORLD], [K.ACTIVITY],
                                             everywhere, here),
            "product_taxes": flow([K.TAX], [K.COMMODITY], everywhere, here),
            "factor_income": flow([K.FACTOR], [K.ACTIVITY], everywhere, here),
            "production_taxes": flow([K.TAX], [K.ACTIVITY], everywhere, here)
            - flow([K.ACTIVITY], [K.GOVERNMENT], here, everywhere),
            "consumption": flow([K.COMMODITY], [K.HOUSEHOLD, K.ENTERPRISE], here, everywhere),
            "government": flow([K.COMMODITY], [K.GOVERNMENT], here, everywhere),
            "investment": flow([K.COMMODITY], [K.SAVINGS_INVESTMENT], here, everywhere),
            "exports_foreign": flow([K.ACTIVITY, K.COMMODITY], [K.REST_OF_WORLD], here,
                                    everywhere),
            "imports_foreign": flow([K.REST_OF_WORLD], [K.COMMODITY, K.ACTIVITY], everywhere,
                                    here),
            "exports_interregional": flow([K.ACTIVITY], [K.COMMODITY], here, elsewhere),
            "imports_interregional": flow([K.ACTIVITY], [K.COMMODITY], elsewhere, here),
        }
        row["gva"] = row["output"] - row["intermediate_consumption"]
        row["grp_production"] = row["gva"] + row["product_taxes"]
        row["grp_income"] = (row["factor_income"] + row["production_taxes"]
                             + row["product_taxes"])
        row["trade_balance_foreign"] = row["exports_foreign"] - row["imports_foreign"]
        row["trade_balance_interregional"] = (row["exports_interregional"]
                                              - row["imports_interregional"])
        row["trade_balance"] = (row["trade_balance_foreign"]
                                + row["trade_balance_interregional"])
        row["grp_expenditure"] = (row["consumption"] + row["government"] + row["investment"]
                                  + row["trade_balance"])
        out[r] = row
    return pd.DataFrame.from_dict(out, orient="index", columns=COLUMNS).rename_axis("region")


def check_macro(sam: SAM, *, rtol: float = 1e-6, atol: float = 1e-9) -> list[Problem]:
    """A ``grp-mismatch`` problem for each region where the three GRP measures disagree."""
    summary = macro_summary(sam)
    problems = []
    for r, row in summary.iterrows():
        measures = {m: row[f"grp_{m}"] for m in ("production", "income", "expenditure")}
        spread = max(measures.values()) - min(measures.values())
        if not spread <= atol + rtol * max(abs(x) for x in measures.values()):
            text = ", ".join(f"by {m} {x:.10g}" for m, x in measures.items())
            problems.append(Problem("grp-mismatch", f"region {r}: GRP measures disagree ({text}; "
                                    f"spread {spread:.3g})", Location(account=f"{r}:*")))
    return problems


def assert_macro(sam: SAM, **tolerances: float) -> None:
    """Raise :class:`SAMError` if the GRP measures of any region disagree."""
    problems = check_macro(sam, **tolerances)
    if problems:
        raise SAMError(problems)
