r"""Households: income, direct taxes, savings, Cobb-Douglas demand, utility.

Sets: ``RH`` = (region, household) with income; ``RIH`` = (region, commodity, household) with
consumption.

.. math::

    YH_{rh} &= \sum_f sh_{rhf}\, FY_{rf} + TR_{rh} + TRF_{rh} + \varepsilon\, TRW_{rh}
        + lsh_{rh}\, TLS_r
        && \text{eq\_household\_income} \to YH_{rh} \\
    Td_{rh} &= \tau^d_{rh} YH_{rh}                && \text{eq\_direct\_tax} \to Td_{rh} \\
    Sp_{rh} &= s^{adj}\, ss^p_{rh} YH_{rh}          && \text{eq\_household\_savings} \to Sp_{rh} \\
    Xp_{rih} &= \gamma^h_{rih} + \alpha_{rih}\Big(YH_{rh} - Td_{rh} - Sp_{rh}
        - \sum_j pq_{rj}\gamma^h_{rjh}\Big)/pq_{ri}
        && \text{eq\_household\_demand} \to Xp_{rih} \\
    UU_{rh} &= \prod_i (Xp_{rih} - \gamma^h_{rih})^{\alpha_{rih}}  && \text{eq\_utility} \to UU_{rh}

Stone-Geary preferences: ``gamma_h`` are subsistence quantities and ``alpha`` marginal budget
shares (the linear expenditure system, ``household_demand = "les"``); with ``gamma_h = 0`` they
are Cobb-Douglas (the default), and ``alpha`` are budget shares.

``FY`` is factor income (factors block), ``TR`` and ``TRF`` regional and federal government
transfers (government and federal blocks),
``TRW`` net transfers from abroad in foreign currency (rest-of-world block), ``TLS`` the
revenue of taxes recycled lump-sum (government block), shared in proportion to benchmark
income (``lsh``), and
``sadj`` the savings-rate adjuster, fixed at one unless investment is exogenous.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import factors
from cge.model.rest_of_world import fx
from cge.model.symbols import equation, param, var

BLOCK = "households"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RH = list(cal.nonzero("YH0"))
    m.RIH = list(cal.nonzero("alpha"))
    m.RHF = list(cal.nonzero("shf"))
    param(m, "alpha", m.RIH, ("region", "commodity", "household"), block=BLOCK, unit="1",
          latex=r"\alpha", doc="marginal budget share", init=cal.nonzero("alpha"))
    param(m, "gamma_h", m.RIH, ("region", "commodity", "household"), block=BLOCK,
          unit="quantity", latex=r"\gamma^h", doc="subsistence quantity (zero: Cobb-Douglas)",
          init=cal.table("gamma_h"))
    param(m, "shf", m.RHF, ("region", "household", "factor"), block=BLOCK, unit="1",
          latex="sh", doc="household share of regional factor income", init=cal.nonzero("shf"))
    param(m, "taud", m.RH, ("region", "household"), block=BLOCK, unit="1", latex=r"\tau^d",
          doc="direct tax rate", init=cal.table("taud"))
    param(m, "ssp", m.RH, ("region", "household"), block=BLOCK, unit="1", latex="ss^p",
          doc="savings rate", init=cal.table("ssp"))
    yh0 = cal.nonzero("YH0")
    regional = {}
    for (r, _h), v in yh0.items():
        regional[r] = regional.get(r, 0.0) + v
    param(m, "lsh", m.RH, ("region", "household"), block=BLOCK, unit="1", latex="lsh",
          doc="household's share of taxes recycled lump-sum (benchmark income share)",
          init={k: v / regional[k[0]] for k, v in yh0.items()})
    var(m, "YH", m.RH, ("region", "household"), block=BLOCK, unit="value", latex="YH",
        doc="household gross income", init=yh0)
    var(m, "Td", m.RH, ("region", "household"), block=BLOCK, unit="value", latex="T^d",
        doc="direct taxes paid", init=cal.table("Td0"), lower=None)
    var(m, "Sp", m.RH, ("region", "household"), block=BLOCK, unit="value", latex="S^p",
        doc="household savings", init=cal.table("Sp0"), lower=None)
    var(m, "Xp", m.RIH, ("region", "commodity", "household"), block=BLOCK, unit="quantity",
        latex="X^p", doc="household consumption", init=cal.nonzero("Xp0"))
    uu0, xp0, sub = {}, cal.table("Xp0"), cal.table("gamma_h")
    for (r, i, h), a in cal.nonzero("alpha").items():
        uu0[(r, h)] = uu0.get((r, h), 1.0) * (xp0[(r, i, h)] - sub[(r, i, h)]) ** a
    var(m, "UU", m.RH, ("region", "household"), block=BLOCK, unit="utility", latex="UU",
        doc="household utility (Stone-Geary; Cobb-Douglas without subsistence)", init=uu0)
    var(m, "sadj", None, (), block=BLOCK, unit="1", latex="s^{adj}",
        doc="savings-rate adjuster (free only when investment is exogenous)")


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    goods = {k: [] for k in m.RH}
    for r, i, h in m.RIH:
        goods[(r, h)].append(i)
    owned = {k: [] for k in m.RH}
    for r, h, f in m.RHF:
        owned[(r, h)].append(f)
    transfers, federal, from_abroad = set(m.RH_TR), set(m.RH_TRF), set(m.RH_W)

    equation(m, "eq_household_income", m.RH, ("region", "household"), block=BLOCK,
             determines="YH", latex=r"YH = \sum_f sh\,FY_f + TR + TRF + \varepsilon TRW + lsh\,TLS",
             doc="household income: factor income plus transfers",
             rule=lambda m, r, h: m.YH[r, h] == sum(m.shf[r, h, f] * factors.income(m, r, f)
                                                    for f in owned[(r, h)])
             + (m.TR[r, h] if (r, h) in transfers else 0)
             + (m.TRF[r, h] if (r, h) in federal else 0)
             + (fx(m, r) * m.TRW[r, h] if (r, h) in from_abroad else 0)
             + m.lsh[r, h] * m.TLS[r])
    equation(m, "eq_direct_tax", m.RH, ("region", "household"), block=BLOCK, determines="Td",
             latex=r"T^d = \tau^d YH", doc="direct tax",
             rule=lambda m, r, h: m.Td[r, h] == m.taud[r, h] * m.YH[r, h])
    equation(m, "eq_household_savings", m.RH, ("region", "household"), block=BLOCK,
             determines="Sp", latex=r"S^p = s^{adj} ss^p YH", doc="household savings",
             rule=lambda m, r, h: m.Sp[r, h] == m.sadj * m.ssp[r, h] * m.YH[r, h])
    def supernumerary(m, r, h):
        """Spending left after subsistence: YH - Td - Sp - sum_j pq_j gamma_j."""
        return (m.YH[r, h] - m.Td[r, h] - m.Sp[r, h]
                - sum(m.pq[r, j] * m.gamma_h[r, j, h] for j in goods[(r, h)]))

    equation(m, "eq_household_demand", m.RIH, ("region", "commodity", "household"),
             block=BLOCK, determines="Xp",
             latex=r"X^p = \gamma^h + \alpha (YH - T^d - S^p - \sum_j p^q_j \gamma^h_j)/p^q",
             doc="linear expenditure system (Cobb-Douglas when gamma_h = 0)",
             rule=lambda m, r, i, h: (m.Xp[r, i, h] - m.gamma_h[r, i, h]) * m.pq[r, i]
             == m.alpha[r, i, h] * supernumerary(m, r, h))

    def utility(m, r, h):
        u = 1
        for i in goods[(r, h)]:
            u = u * (m.Xp[r, i, h] - m.gamma_h[r, i, h]) ** m.alpha[r, i, h]
        return m.UU[r, h] == u

    equation(m, "eq_utility", m.RH, ("region", "household"), block=BLOCK, determines="UU",
             latex=r"UU = \prod_i (X^p_i - \gamma^h_i)^{\alpha_i}",
             doc="Stone-Geary utility", rule=utility)
