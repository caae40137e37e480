r"""Make matrix: activities that make several commodities, commodities made by several
activities (calibration: :mod:`cge.calibration.make`).

Only a SAM in which some activity sells a commodity of another name has a make matrix. Without
one (every activity makes exactly its own commodity) the block's sets are empty: it creates no
variable and no equation, and the transformation block transforms each activity's output
``Z`` at the price ``(1 + tauz) pz`` as it always has.

With one, activity j of region r transforms its output :math:`Z_{rj}` (production block, at
unit cost :math:`p^z_{rj}`, the production tax :math:`\tau^z_{rj}` on top) into its products
:math:`ZC_{rji}` by a CET with elasticity ``psi_make`` (0: fixed output shares), each sold at
the price :math:`p^c_{rji}` (the commodity's supply price :math:`p^s_{ri}`, or, where
``sigma_make`` is given, a price of the activity's own):

.. math::

    Z_{rj} &= \theta^m_{rj}\Big(\sum_i \xi^m_{rji} ZC_{rji}^{\phi^m_{rj}}\Big)^{1/\phi^m_{rj}}
        && \text{eq\_make\_cet} \to pz_{rj} \\
    ZC_{rji} &= \big((\theta^m)^{\phi^m}\xi^m_{rji}(1+\tau^z_{rj})\,p^z_{rj}/p^c_{rji}\big)
        ^{1/(1-\phi^m)} Z_{rj}
        && \text{eq\_make\_supply} \to ZC_{rji}

with :math:`\phi^m = (\psi + 1)/\psi`: per unit of activity, product i is supplied as
``MAKE0 (p_i / r_j)^psi`` with :math:`r_j = (1+\tau^z) p^z` the unit revenue (MPSGE's ``t:``
elasticity is ``psi_make``). The region's supply of commodity i is the sum over the activities
making it, perfect substitutes at one price :math:`p^s_{ri}` (:math:`p^c_{rji} = p^s_{ri}`),
or, where the elasticity file gives ``sigma_make`` (set ``RMS``), a CES over them:

.. math::

    ZS_{ri} &= \sum_j ZC_{rji} \quad\text{or}\quad
        \gamma^s_{ri}\Big(\sum_j \delta^s_{rji} ZC_{rji}^{\rho^s_{ri}}\Big)^{1/\rho^s_{ri}}
        && \text{eq\_commodity\_supply} \to ZS_{ri} \\
    ZC_{rji} &= \big((\gamma^s)^{\rho^s}\delta^s_{rji}\,p^s_{ri}/p^c_{rji}\big)
        ^{1/(1-\rho^s)} ZS_{ri}
        && \text{eq\_maker\_demand} \to p^c_{rji}

with :math:`\rho^s = (\sigma - 1)/\sigma`. The transformation block then transforms the
commodity's supply :math:`ZS_{ri}` at the price :math:`p^s_{ri}` (no tax: it is levied on the
activity) into exports and domestic sales, its ``eq_cet`` determining :math:`p^s` instead of
:math:`p^z`; shipments to other regions, the Armington composite and the markets are by
commodity, as before. The production tax revenue stays :math:`\tau^z p^z Z` (government block).

Sets: ``RJI`` = (region r, activity j, commodity i) in the make matrix; ``RMA`` = activities
with a CET over products; ``RMC`` = (r, i) with a supply of the commodity; ``RSC`` = what the
transformation block transforms (``RMC`` with a make matrix, else the activities ``RS``);
``RMS`` = (r, i) supplied under a CES over activities, ``RJM`` its (r, j, i).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces
from cge.model.symbols import equation, param, var

BLOCK = "make"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """Sets, parameters and variables of the block (empty without a make matrix)."""
    m.make_matrix = "MAKE0" in cal.data
    on = m.make_matrix
    m.RJI = list(cal.nonzero("MAKE0")) if on else []
    m.RMA = list(cal.nonzero("theta_m")) if on else []
    m.RMC = list(cal.nonzero("ZS0")) if on else []
    m.RSC = m.RMC if on else m.RS
    m.RMS = list(cal.nonzero("gammas")) if on else []
    m.RJM = list(cal.nonzero("deltas")) if on else []
    table = cal.nonzero if on else (lambda name: {})

    param(m, "xim", m.RJI, ("region", "sector", "commodity"), block=BLOCK, unit="1",
          latex=r"\xi^m", doc="CET share of the commodity in the activity's output",
          init=table("xim"))
    param(m, "theta_m", m.RMA, ("region", "sector"), block=BLOCK, unit="1",
          latex=r"\theta^m", doc="scale of the activity's CET between its products",
          init=table("theta_m"))
    param(m, "deltas", m.RJM, ("region", "sector", "commodity"), block=BLOCK, unit="1",
          latex=r"\delta^s", doc="CES share of the activity in the region's supply of the "
          "commodity", init=table("deltas"))
    param(m, "gammas", m.RMS, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\gamma^s", doc="scale of the CES over the activities making the commodity",
          init=table("gammas"))
    var(m, "ZC", m.RJI, ("region", "sector", "commodity"), block=BLOCK, unit="quantity",
        latex="ZC", doc="output of the commodity by the activity (make matrix)",
        init=table("MAKE0"))
    var(m, "ZS", m.RMC, ("region", "commodity"), block=BLOCK, unit="quantity", latex="ZS",
        doc="the region's supply of the commodity (all its activities)", init=table("ZS0"))
    var(m, "ps", m.RMC, ("region", "commodity"), block=BLOCK, unit="price", latex="p^s",
        doc="supply price of the commodity (before the CET between exports and domestic "
        "sales)")
    var(m, "pc", m.RJM, ("region", "sector", "commodity"), block=BLOCK, unit="price",
        latex="p^c", doc="price of the activity's output of the commodity (CES over "
        "activities)")


def supply(m: pyo.ConcreteModel, r: str, i: str):
    """What the CET between exports and domestic sales transforms: the commodity's supply
    ``ZS`` with a make matrix, else the activity's output ``Z``."""
    return m.ZS[r, i] if m.make_matrix else m.Z[r, i]


def supply_price(m: pyo.ConcreteModel, r: str, i: str):
    """Its price: ``ps`` with a make matrix, else ``(1 + tauz) pz``."""
    return m.ps[r, i] if m.make_matrix else (1 + m.tauz[r, i]) * m.pz[r, i]


def product_price(m: pyo.ConcreteModel, r: str, j: str, i: str):
    """Price of commodity i made by activity j: its own under a CES over activities, else the
    commodity's supply price."""
    return m.pc[r, j, i] if (r, j, i) in m.pc else m.ps[r, i]


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    on = m.make_matrix
    phi = cal.table("phi_m") if on else {}
    rho = cal.table("rhos") if on else {}
    ces_supply = set(m.RMS)
    products: dict[tuple, list] = {k: [] for k in m.RMA}
    makers: dict[tuple, list] = {k: [] for k in m.RMC}
    for r, j, i in m.RJI:
        products[(r, j)].append(i)
        makers[(r, i)].append(j)

    def revenue_price(m, r, j):
        return (1 + m.tauz[r, j]) * m.pz[r, j]

    equation(m, "eq_make_cet", m.RMA, ("region", "sector"), block=BLOCK, determines="pz",
             latex=r"Z = \theta^m(\sum_i \xi^m ZC_i^{\phi^m})^{1/\phi^m}",
             doc="constant-elasticity transformation of the activity's output into its "
             "products (under fixed shares its unit revenue)",
             rule=lambda m, r, j: ces.technology(
                 m.Z[r, j], revenue_price(m, r, j), m.theta_m[r, j],
                 [(m.xim[r, j, i], m.ZC[r, j, i], product_price(m, r, j, i))
                  for i in products[(r, j)]], phi[(r, j)]))
    equation(m, "eq_make_supply", m.RJI, ("region", "sector", "commodity"), block=BLOCK,
             determines="ZC",
             latex=r"ZC = ((\theta^m)^{\phi^m} \xi^m (1+\tau^z) p^z/p^c)^{1/(1-\phi^m)} Z",
             doc="revenue-maximising supply of each product of the activity",
             rule=lambda m, r, j, i: m.ZC[r, j, i] == ces.demand(
                 m.theta_m[r, j], m.xim[r, j, i], revenue_price(m, r, j),
                 product_price(m, r, j, i), m.Z[r, j], phi[(r, j)]))

    def commodity_supply(m, r, i):
        if (r, i) in ces_supply:
            return ces.technology(m.ZS[r, i], m.ps[r, i], m.gammas[r, i],
                                  [(m.deltas[r, j, i], m.ZC[r, j, i], m.pc[r, j, i])
                                   for j in makers[(r, i)]], rho[(r, i)])
        return m.ZS[r, i] == sum(m.ZC[r, j, i] for j in makers[(r, i)])

    equation(m, "eq_commodity_supply", m.RMC, ("region", "commodity"), block=BLOCK,
             determines="ZS", latex=r"ZS = \sum_j ZC_j \ \text{or}\ \gamma^s\,\mathrm{CES}(ZC_j)",
             doc="the region's supply of the commodity from the activities making it",
             rule=commodity_supply)
    equation(m, "eq_maker_demand", m.RJM, ("region", "sector", "commodity"), block=BLOCK,
             determines="pc",
             latex=r"ZC = ((\gamma^s)^{\rho^s} \delta^s p^s/p^c)^{1/(1-\rho^s)} ZS",
             doc="demand for each activity's output of the commodity under a CES over "
             "activities",
             rule=lambda m, r, j, i: m.ZC[r, j, i] == ces.demand(
                 m.gammas[r, i], m.deltas[r, j, i], m.ps[r, i], m.pc[r, j, i], m.ZS[r, i],
                 rho[(r, i)]))
