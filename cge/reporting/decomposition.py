r"""EV of each household split by the sources of the change in its real income (exact).

The split by income sources, beside the welfare decomposition of Huff and Hertel (2000),
"Decomposing welfare changes in the GTAP model", GTAP Technical Paper 5, Purdue University,
which :mod:`cge.reporting.welfare` computes by region along the solution path (allocative
efficiency of taxes, terms of trade, endowment, technology, investment-savings). This module
gives the exact, discrete split of each household's EV that the model's own budget identities
imply; allocative-efficiency and terms-of-trade effects are inside ``factor_prices`` here.

With demand homothetic over supernumerary quantities (:mod:`cge.model.households`), the
household spends :math:`S = p^U UU = YH - T^d - S^p - \sum_i p_i \gamma^h_i` on utility at the
price :math:`p^U` (the unit cost of utility), so

.. math::

    EV = (UU_1 - UU_0)\,p^U_0 = \frac{\Delta S - S_0\,\Delta p^U}{p^U_1/p^U_0}

exactly. :math:`\Delta S` is split by the household's budget, each product of a price and a
quantity by Bennet's rule :math:`\Delta(a E) = \bar a\,\Delta E + \bar E\,\Delta a` (bars:
means of benchmark and scenario), which is exact:

* ``endowment``: :math:`\sum_f \overline{sh\,w_f}\,\Delta E_f`, the household's factors owned
  (employed labour, the endowment of capital) valued at mean prices;
* ``factor_prices``: :math:`\sum_f \bar E_f\,\Delta(sh\,w_f)`, what the change in factor prices
  (and in shares ``sh``) brings;
* ``transfers_profits``: transfers from governments and abroad, distributed profits, taxes
  recycled lump-sum;
* ``direct_tax``: :math:`-\Delta T^d`; ``savings``: :math:`-\Delta S^p` (investment-savings:
  income saved is not spent on utility); ``subsistence``: :math:`-\Delta \sum p \gamma^h`;
* ``cost_of_living``: :math:`-S_0\,\Delta p^U`, the change in the price of utility;

each divided by :math:`p^U_1/p^U_0`. The residual (EV less the sum of the terms) is rounding:
tested below 1e-9 of benchmark spending (``tests/test_decomposition.py``).
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from cge.model import enterprises, factors
from cge.model.rest_of_world import fx
from cge.reporting.updated_sam import load_solution

#: The terms, in the order of the table.
TERMS = ("endowment", "factor_prices", "transfers_profits", "direct_tax", "savings",
         "subsistence", "cost_of_living")


def _owned(m: pyo.ConcreteModel, r: str, f: str) -> list[tuple[float, float]]:
    """(price, quantity) pairs of the endowment of factor f owned in region r (the income of
    :func:`cge.model.factors.income`)."""
    v = pyo.value
    mob = m.cal.config.closure.mobility(f)
    if mob == "national":
        return [(v(m.pfn[m.COUNTRY[r], f]), v(m.FF[r, f]))]
    if mob in ("sectors", "migration"):
        return [(v(m.pfr[r, f]), v(factors.supply(m, r, f)))]
    return [(v(m.pf[r, f, i]), v(m.FFS[r, f, i])) for i in m.SPECIFIC_SECTORS[(r, f)]]


def _point(m: pyo.ConcreteModel) -> dict:
    """What the decomposition needs of the model's current point, per household."""
    v = pyo.value
    tr, trf, abroad = set(m.RH_TR), set(m.RH_TRF), set(m.RH_W)
    profits = enterprises.profits_received(m)
    out = {}
    for r, h in m.RH:
        fac = {}
        for rr, hh, f in m.RHF:
            if (rr, hh) == (r, h):
                share = v(m.shf[r, h, f])
                for k, (w, e) in enumerate(_owned(m, r, f)):
                    fac[(f, k)] = (share * w, e)
        transfers = ((v(m.TR[r, h]) if (r, h) in tr else 0.0)
                     + (v(m.TRF[r, h]) if (r, h) in trf else 0.0)
                     + (v(fx(m, r) * m.TRW[r, h]) if (r, h) in abroad else 0.0)
                     + v(m.lsh[r, h] * m.TLS[r]) + sum(v(x) for x in profits.get((r, h), ())))
        spend = v(m.pU[r, h] * m.UU[r, h])
        out[(r, h)] = {"factors": fac, "transfers": transfers, "Td": v(m.Td[r, h]),
                       "Sp": v(m.Sp[r, h]), "S": spend, "pU": v(m.pU[r, h]),
                       "UU": v(m.UU[r, h]),
                       # the budget: YH - Td - Sp - sum p gamma = S
                       "subsistence": v(m.YH[r, h]) - v(m.Td[r, h]) - v(m.Sp[r, h]) - spend}
    return out


def decompose_ev(m: pyo.ConcreteModel, ds: xr.Dataset) -> pd.DataFrame:
    """The terms of every household's EV in every solved scenario of ``ds`` (the results of
    the experiment whose model is ``m``): rows (scenario, region, household), columns
    :data:`TERMS`, ``EV`` (of the results), ``residual`` (EV less the terms)."""
    load_solution(m, ds, "benchmark")
    base = _point(m)
    rows = []
    for s in [str(x) for x in ds["scenario"].values[1:]]:
        if str(ds["status"].sel(scenario=s).item()) != "ok":
            continue
        load_solution(m, ds, s)
        now = _point(m)
        for (r, h), b in base.items():
            n = now[(r, h)]
            endow = price = 0.0
            for k, (a0, e0) in b["factors"].items():
                a1, e1 = n["factors"][k]
                endow += 0.5 * (a0 + a1) * (e1 - e0)
                price += 0.5 * (e0 + e1) * (a1 - a0)
            pi = n["pU"] / b["pU"]
            terms = dict(zip(TERMS, (
                endow, price, n["transfers"] - b["transfers"], -(n["Td"] - b["Td"]),
                -(n["Sp"] - b["Sp"]), -(n["subsistence"] - b["subsistence"]),
                -b["S"] * (pi - 1.0)), strict=True))
            terms = {k: t / pi for k, t in terms.items()}
            ev = float(ds["EV"].sel(scenario=s, region=r, household=h))
            rows.append({"scenario": s, "region": r, "household": h, **terms, "EV": ev,
                         "residual": ev - sum(terms.values())})
    return pd.DataFrame(rows).set_index(["scenario", "region", "household"])
