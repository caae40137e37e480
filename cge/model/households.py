r"""Households: income, direct taxes, savings, demand as a tree of CES nests, utility.

Sets: ``RH`` = (region, household) with income; ``RIH`` = (region, commodity, household) with
consumption; ``RHN`` = (region, household, nest n) of the household's demand tree, root
included; ``RHNI`` = the inner nests.

.. math::

    YH_{rh} &= \sum_f sh_{rhf}\, FY_{rf} + TR_{rh} + TRF_{rh} + \varepsilon\, TRW_{rh}
        + lsh_{rh}\, TLS_r + \sum_n DIV_{nrh}
        && \text{eq\_household\_income} \to YH_{rh} \\
    Td_{rh} &= (\tau^d_{rh} + t^{df}) YH_{rh}      && \text{eq\_direct\_tax} \to Td_{rh} \\
    Sp_{rh} &= s^{adj}\, ss^p_{rh} YH_{rh}          && \text{eq\_household\_savings} \to Sp_{rh} \\
    p^U_{rh} UU_{rh} &= YH_{rh} - Td_{rh} - Sp_{rh} - \sum_j pq_{rj}\gamma^h_{rjh}
        && \text{eq\_household\_budget} \to p^U_{rh} \\
    UU_{rh} &= g^h_{rh0} \Big(\sum_{k \in 0} \delta_k q_k^{\rho_0}\Big)^{1/\rho_0}
        && \text{eq\_utility} \to UU_{rh} \\
    QH_{rhn} &= g^h_{rhn} \Big(\sum_{k \in n} \delta_k q_k^{\rho_n}\Big)^{1/\rho_n}
        && \text{eq\_hnest\_technology} \to p^H_{rhn} \\
    QH_{rhn} &= ((g^h_{rhm})^{\rho_m} a^h_{rhn}\, P_m / p^H_{rhn})^{1/(1-\rho_m)} Q_m
        && \text{eq\_hnest\_demand} \to QH_{rhn} \\
    Xp_{rih} - \gamma^h_{rih} &= ((g^h_{rhm})^{\rho_m} \alpha_{rih}\, P_m / pq_{ri})^{1/(1-\rho_m)}
        Q_m && \text{eq\_household\_demand} \to Xp_{rih}

Demand is a tree of CES nests (given as data, :mod:`cge.calibration.households`) over
supernumerary quantities :math:`q_i = Xp_i - \gamma^h_i`; its root 0 is utility :math:`UU` at
price :math:`p^U` and spends what is left after taxes, savings and subsistence. m is the nest
using an input (quantity :math:`Q_m`, price :math:`P_m`: :math:`UU, p^U` for the root),
:math:`\delta_k` the input's share parameter (``ah`` or ``alpha``) and :math:`\rho = (\sigma -
1)/\sigma`; Cobb-Douglas and fixed proportions as in production (:mod:`cge.model.ces`). The
default tree, one Cobb-Douglas nest with unit scale, is Stone-Geary demand (``gamma_h``
subsistence quantities, ``household_demand = "les"``) or, with ``gamma_h = 0``, Cobb-Douglas:
:math:`UU = \prod_i (Xp_i - \gamma^h_i)^{\alpha_i}`.

Households buy commodity i at the consumer price :math:`(1 + tc_{ri})\,pq_{ri}`: ``tc`` is a tax
on household consumption (:math:`pq` in the equations above stands for it), zero at the
benchmark (an instrument experiments may introduce; revenue: government block).

The trees are homothetic over supernumerary quantities, so the expenditure function is
:math:`e(p, U) = \sum_i p_i \gamma^h_i + U P(p)` with :math:`P` the root's unit cost
(:func:`unit_cost`, used for EV and CV).

``t^{df}`` is a federal surcharge on every household's direct tax rate, zero unless the
federal government pays for projects by raising taxes (federal block). ``FY`` is factor
income (factors block), ``TR`` and ``TRF`` regional and federal government
transfers (government and federal blocks),
``TRW`` net transfers from abroad in foreign currency (rest-of-world block), ``TLS`` the
revenue of taxes recycled lump-sum (government block), shared in proportion to benchmark
income (``lsh``), ``DIV`` profits distributed by the enterprises of any region of the country
(enterprises block), and
``sadj`` the savings-rate adjuster, fixed at one unless investment is exogenous.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.calibration.nests import DEFAULT_HOUSEHOLD, DEFAULT_HOUSEHOLD_TREE
from cge.model import ces, enterprises, factors
from cge.model.rest_of_world import fx
from cge.model.symbols import equation, param, var

BLOCK = "households"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    parent = cal.labels("hnest_parent")
    m.RH = list(cal.nonzero("YH0"))
    m.RIH = list(cal.nonzero("alpha"))
    m.RHN = list(cal.nonzero("QH0"))
    m.RHNI = [k for k in m.RHN if k in parent]
    m.RHF = list(cal.nonzero("shf"))
    param(m, "alpha", m.RIH, ("region", "commodity", "household"), block=BLOCK, unit="1",
          latex=r"\alpha", doc="share parameter of the commodity in its demand nest (the "
          "marginal budget share under the default tree)", init=cal.nonzero("alpha"))
    param(m, "gamma_h", m.RIH, ("region", "commodity", "household"), block=BLOCK,
          unit="quantity", latex=r"\gamma^h", doc="subsistence quantity (zero: Cobb-Douglas)",
          init=cal.table("gamma_h"))
    param(m, "gh", m.RHN, ("region", "household", "hnest"), block=BLOCK, unit="1",
          latex="g^h", doc="scale parameter of the demand nest (one at the root)",
          init=cal.nonzero("gh"))
    param(m, "ah", m.RHNI, ("region", "household", "hnest"), block=BLOCK, unit="1",
          latex="a^h", doc="share parameter of the demand nest in its parent",
          init=cal.nonzero("ah"))
    param(m, "shf", m.RHF, ("region", "household", "factor"), block=BLOCK, unit="1",
          latex="sh", doc="household share of regional factor income", init=cal.nonzero("shf"))
    m.RC = list(dict.fromkeys((r, i) for r, i, _ in m.RIH))
    param(m, "tc", m.RC, ("region", "commodity"), block=BLOCK, unit="1", latex="t^c",
          doc="tax rate on household consumption (zero in the SAM)", init=0.0)
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
    qh0, ph0 = cal.nonzero("QH0"), cal.nonzero("PH0")
    root = {(r, h): (r, h, n) for r, h, n in m.RHN if (r, h, n) not in parent}
    var(m, "UU", m.RH, ("region", "household"), block=BLOCK, unit="utility", latex="UU",
        doc="household utility (the root of the demand tree; Stone-Geary by default)",
        init={k: qh0[n] for k, n in root.items()})
    var(m, "pU", m.RH, ("region", "household"), block=BLOCK, unit="price", latex="p^U",
        doc="price of utility: unit cost of the root of the demand tree",
        init={k: ph0[n] for k, n in root.items()})
    var(m, "QH", m.RHNI, ("region", "household", "hnest"), block=BLOCK, unit="quantity",
        latex="Q^H", doc="quantity of an inner demand nest (e.g. food)", init=qh0)
    var(m, "PH", m.RHNI, ("region", "household", "hnest"), block=BLOCK, unit="price",
        latex="p^H", doc="price of an inner demand nest (e.g. food)", init=ph0)
    var(m, "sadj", None, (), block=BLOCK, unit="1", latex="s^{adj}",
        doc="savings-rate adjuster (free only when investment is exogenous)")


def describe(m: pyo.ConcreteModel) -> list[str]:
    """The demand trees of the instance as Markdown (for the model reference)."""
    rules = m.cal.config.household_nests or DEFAULT_HOUSEHOLD
    users: dict[str, list[str]] = {}
    for r, h in m.RH:
        users.setdefault(rules.rule(r, h).label, []).append(f"{r}:{h}")
    out = ["### Demand trees", "", "Without a household nest file every household has the "
           f"default tree ({DEFAULT_HOUSEHOLD_TREE.source}):", "", "```",
           *DEFAULT_HOUSEHOLD_TREE.describe(), "```", ""]
    if rules is DEFAULT_HOUSEHOLD:
        return out + ["Every household of the instance has the default tree.", ""]
    for rule in rules.rules:
        if rule.label in users:
            out += [f"{rule.label} of `{rules.file}` ({rule.source}), for "
                    f"{', '.join(users[rule.label])}:", "", "```", *rule.describe(), "```", ""]
    return out


def _tree(m: pyo.ConcreteModel) -> dict:
    """``{(r, h, nest): [(share, kind, label), ...]}``: each demand nest's inputs, where kind is
    "nest" or "commodity"."""
    cal = m.cal
    parent, commodity_nest = cal.labels("hnest_parent"), cal.labels("commodity_hnest")
    tree: dict[tuple, list] = {k: [] for k in m.RHN}
    for r, h, n in m.RHNI:
        tree[(r, h, parent[(r, h, n)])].append((m.ah[r, h, n], "nest", n))
    for r, i, h in m.RIH:
        tree[(r, h, commodity_nest[(r, i, h)])].append((m.alpha[r, i, h], "commodity", i))
    return tree


def consumer_price(m: pyo.ConcreteModel, r: str, i: str):
    """What households pay for a unit of commodity i: the purchaser price plus the
    consumption tax."""
    return (1 + m.tc[r, i]) * m.pq[r, i]


def unit_cost(m: pyo.ConcreteModel, prices: dict) -> dict[tuple[str, str], float]:
    """The root's unit cost ``P(p)`` of every household at commodity prices ``{(r, i): p}``.

    With CES nests over supernumerary quantities the expenditure function is ``e(p, U) =
    sum p gamma_h + U P(p)``, so ``EV = (U1 - U0) P(p0)`` and ``CV = (U1 - U0) P(p1)``. A
    nest's unit cost is ``(sum delta^sigma p^(1-sigma))^(1/(1-sigma)) / g`` (Cobb-Douglas:
    ``prod (p/delta)^delta / g``, fixed proportions: ``sum delta p / g``), its inputs' prices
    being commodity prices or the unit costs of inner nests.
    """
    tree, rho = _tree(m), m.cal.table("rho_h")

    def cost(r, h, n) -> float:
        parts = [(pyo.value(d), prices[(r, x)] if kind == "commodity" else cost(r, h, x))
                 for d, kind, x in tree[(r, h, n)]]
        g, rh = pyo.value(m.gh[r, h, n]), rho[(r, h, n)]
        if ces.fixed(rh):
            return sum(d * p for d, p in parts) / g
        if rh == 0.0:
            return math.prod((p / d) ** d for d, p in parts) / g
        sigma = 1.0 / (1.0 - rh)
        return sum(d**sigma * p ** (1.0 - sigma) for d, p in parts) ** (1.0 / (1.0 - sigma)) / g

    parent = m.cal.labels("hnest_parent")
    return {(r, h): cost(r, h, n) for r, h, n in m.RHN if (r, h, n) not in parent}


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    goods = {k: [] for k in m.RH}
    for r, i, h in m.RIH:
        goods[(r, h)].append(i)
    owned = {k: [] for k in m.RH}
    for r, h, f in m.RHF:
        owned[(r, h)].append(f)
    transfers, federal, from_abroad = set(m.RH_TR), set(m.RH_TRF), set(m.RH_W)
    profits = enterprises.profits_received(m)

    equation(m, "eq_household_income", m.RH, ("region", "household"), block=BLOCK,
             determines="YH", latex=r"YH = \sum_f sh\,FY_f + TR + TRF + \varepsilon TRW + lsh\,TLS + \sum DIV",
             doc="household income: factor income, transfers and distributed profits",
             rule=lambda m, r, h: m.YH[r, h] == sum(m.shf[r, h, f] * factors.income(m, r, f)
                                                    for f in owned[(r, h)])
             + (m.TR[r, h] if (r, h) in transfers else 0)
             + (m.TRF[r, h] if (r, h) in federal else 0)
             + (fx(m, r) * m.TRW[r, h] if (r, h) in from_abroad else 0)
             + m.lsh[r, h] * m.TLS[r]
             + sum(profits.get((r, h), ())))
    equation(m, "eq_direct_tax", m.RH, ("region", "household"), block=BLOCK, determines="Td",
             latex=r"T^d = (\tau^d + t^{df}) YH", doc="direct tax",
             rule=lambda m, r, h: m.Td[r, h] == (m.taud[r, h] + m.tdf) * m.YH[r, h])
    equation(m, "eq_household_savings", m.RH, ("region", "household"), block=BLOCK,
             determines="Sp", latex=r"S^p = s^{adj} ss^p YH", doc="household savings",
             rule=lambda m, r, h: m.Sp[r, h] == m.sadj * m.ssp[r, h] * m.YH[r, h])

    rho = cal.table("rho_h")
    parent, commodity_nest = cal.labels("hnest_parent"), cal.labels("commodity_hnest")
    root = {(r, h): n for r, h, n in m.RHN if (r, h, n) not in parent}
    tree = _tree(m)

    def quantity(r, h, n):
        return m.UU[r, h] if root[(r, h)] == n else m.QH[r, h, n]

    def price(r, h, n):
        return m.pU[r, h] if root[(r, h)] == n else m.PH[r, h, n]

    def supernumerary(r, i, h):
        return m.Xp[r, i, h] - m.gamma_h[r, i, h]

    # (share, quantity, price) of every input of every nest
    parts = {k: [(d, quantity(k[0], k[1], x), price(k[0], k[1], x)) if kind == "nest"
                 else (d, supernumerary(k[0], x, k[1]), consumer_price(m, k[0], x))
                 for d, kind, x in inputs] for k, inputs in tree.items()}

    def demand(r, h, nest, share, price_input):
        """Demand for one input of ``nest`` (see :func:`cge.model.ces.demand`)."""
        return ces.demand(m.gh[r, h, nest], share, price(r, h, nest), price_input,
                          quantity(r, h, nest), rho[(r, h, nest)])

    equation(m, "eq_household_budget", m.RH, ("region", "household"), block=BLOCK,
             determines="pU", latex=r"p^U UU = YH - T^d - S^p - \sum_j p^q_j \gamma^h_j",
             doc="the root of the demand tree spends what is left after taxes, savings and "
             "subsistence",
             rule=lambda m, r, h: m.pU[r, h] * m.UU[r, h]
             == m.YH[r, h] - m.Td[r, h] - m.Sp[r, h]
             - sum(consumer_price(m, r, i) * m.gamma_h[r, i, h] for i in goods[(r, h)]))
    equation(m, "eq_utility", m.RH, ("region", "household"), block=BLOCK, determines="UU",
             latex=r"UU = g^h\,\mathrm{CES}(q_k)",
             doc="utility, the root of the demand tree (under fixed proportions its unit cost)",
             rule=lambda m, r, h: ces.technology(
                 m.UU[r, h], m.pU[r, h], m.gh[r, h, root[(r, h)]], parts[(r, h, root[(r, h)])],
                 rho[(r, h, root[(r, h)])]))
    equation(m, "eq_hnest_technology", m.RHNI, ("region", "household", "hnest"), block=BLOCK,
             determines="PH", latex=r"Q^H = g^h\,\mathrm{CES}(q_k)",
             doc="an inner demand nest from its inputs (under fixed proportions its unit cost)",
             rule=lambda m, r, h, n: ces.technology(m.QH[r, h, n], m.PH[r, h, n],
                                                    m.gh[r, h, n], parts[(r, h, n)],
                                                    rho[(r, h, n)]))
    equation(m, "eq_hnest_demand", m.RHNI, ("region", "household", "hnest"), block=BLOCK,
             determines="QH", latex=r"Q^H = (g^{h\rho} a^h P/p^H)^{1/(1-\rho)} Q",
             doc="utility-maximising demand of the parent nest for the nest",
             rule=lambda m, r, h, n: m.QH[r, h, n] == demand(
                 r, h, parent[(r, h, n)], m.ah[r, h, n], m.PH[r, h, n]))
    equation(m, "eq_household_demand", m.RIH, ("region", "commodity", "household"),
             block=BLOCK, determines="Xp",
             latex=r"X^p - \gamma^h = (g^{h\rho} \alpha P/p^q)^{1/(1-\rho)} Q",
             doc="utility-maximising demand of the commodity's nest for supernumerary "
             "consumption (with the default tree the linear expenditure system)",
             rule=lambda m, r, i, h: supernumerary(r, i, h) == demand(
                 r, h, commodity_nest[(r, i, h)], m.alpha[r, i, h], consumer_price(m, r, i)))
