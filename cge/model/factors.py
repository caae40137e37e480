r"""Factor markets: prices by sector, mobility by configuration, market clearing.

``pf[r,f,i]`` is the price factor f earns in sector i of region r. How it is tied together is
the factor's mobility in the closure (``closure.factor_mobility``):

* ``sectors`` (default): one price per region, ``pf[r,f,i] = pfr[r,f]``
  (eq_factor_price_link), and the regional market clears,
  ``sum_i F[r,f,i] = FF[r,f]`` (eq_factor_market -> pfr);
* ``specific``: the factor is fixed in each sector, ``F[r,f,i] = FFS[r,f,i]``
  (eq_factor_market_specific -> pf), where ``FFS`` is the sector's endowment (shock it to add
  capital to one sector);
* ``national``: one price for the country ``c``, ``pf[r,f,i] = pfn[c(r),f]``, and
  ``sum_{r in c,i} F[r,f,i] = sum_{r in c} FF[r,f]`` (eq_factor_market_national -> pfn); with
  several countries (``ModelConfig.countries``) the factor moves between the regions of its
  country, not across borders;
* ``migration``: one price per region as for ``sectors``, but the region's supply ``LS[r,f]``
  responds to its real wage relative to the country's, with the elasticity ``mig`` (closure
  ``migration``), and the country's total is fixed (eq_migration -> LS, eq_labour_force ->
  RWN, the country's real-wage index): owners of the factor move to where its real wage rose
  most, and its income is earned (and spent) where they work. As ``mig`` goes to zero this is
  ``sectors``; as it grows, regional real wages move together.

Unemployment (``closure.unemployment = {factor: benchmark rate}``, for factors mobile between
sectors): the real wage is fixed, ``pfr[r,f] = wbar[r,f] CPI[r]`` (eq_real_wage -> U), where
``CPI[r] = sum_i cwr[r,i] pq[r,i]`` uses the region's benchmark consumption weights, and
employment is the labour force less the unemployed, ``sum_i F[r,f,i] = FF[r,f] - U[r,f]``.

A wage floor (``closure.wage_floor = {factor: share}``) keeps the real wage at or above a share
of its benchmark level: the floor and unemployment are a complementarity pair,
``pfr[r,f] >= wfloor[r,f] CPI[r]`` ⟂ ``U[r,f] >= 0`` (eq_wage_floor): unemployment only where the
floor binds, full employment (and a market-clearing wage) elsewhere.

Factor income of a region, ``FY[r,f]``, values the region's endowment at its price (for a
national factor: the region's endowment at the national price; with unemployment: the
employed).

.. math::

    pf_{rfi} &= pfr_{rf}   && \text{eq\_factor\_price\_link} \to pf_{rfi} \\
    \sum_i F_{rfi} &= FF_{rf} - U_{rf} && \text{eq\_factor\_market} \to pfr_{rf} \\
    pfr_{rf} &= \bar w_{rf} \sum_i cwr_{ri}\, pq_{ri} && \text{eq\_real\_wage} \to U_{rf} \\
    pfr_{rf} &\ge w^{floor}_{rf} \sum_i cwr_{ri}\, pq_{ri} && \text{eq\_wage\_floor} \perp U_{rf} \ge 0 \\
    F_{rfi} &= FFS_{rfi} && \text{eq\_factor\_market\_specific} \to pf_{rfi} \\
    \sum_{r \in c,i} F_{rfi} &= \sum_{r \in c} FF_{rf}
        && \text{eq\_factor\_market\_national} \to pfn_{cf} \\
    LS_{rf} &= FF_{rf} \Big(\frac{pfr_{rf}}{RWN_{c(r)f} \sum_i cwr_{ri}\, pq_{ri}}\Big)^{mig_{c(r)f}}
        && \text{eq\_migration} \to LS_{rf} \\
    \sum_{r \in c} LS_{rf} &= \sum_{r \in c} FF_{rf} && \text{eq\_labour\_force} \to RWN_{cf}

With migration, the regional market is :math:`\sum_i F_{rfi} = LS_{rf}`.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces
from cge.model.symbols import equation, grouped, param, var

BLOCK = "factors"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    mob = cal.config.closure.mobility
    m.RF = list(cal.nonzero("FF0"))
    # a regional price: mobile between sectors only, or also migrating between regions
    m.RF_SECTORS = [(r, f) for r, f in m.RF if mob(f) in ("sectors", "migration")]
    m.RF_MIG = [(r, f) for r, f in m.RF if mob(f) == "migration"]
    m.CF_MIG = list(dict.fromkeys((m.COUNTRY[r], f) for r, f in m.RF_MIG))
    m.RFS_LINKED = [(r, f, i) for r, f, i in m.RFS if mob(f) != "specific"]
    m.RFS_SPECIFIC = [(r, f, i) for r, f, i in m.RFS if mob(f) == "specific"]
    m.CF_NATIONAL = list(dict.fromkeys((m.COUNTRY[r], f) for r, f in m.RF
                                       if mob(f) == "national"))
    m.SPECIFIC_SECTORS = grouped([((r, f), i) for r, f, i in m.RFS_SPECIFIC], m.RF)
    rates = cal.config.closure.unemployment
    floors = cal.config.closure.wage_floor
    m.RF_FLOOR = [(r, f) for r, f in m.RF_SECTORS if f in floors]
    # the unemployed: a fixed real wage, or a floor that may bind (none at the benchmark)
    m.RF_UNEMP = [(r, f) for r, f in m.RF_SECTORS if f in rates or f in floors]
    ff0 = cal.nonzero("FF0")
    # with unemployment the endowment is the labour force: employment / (1 - rate)
    labour_force = {(r, f): v / (1.0 - rates.get(f, 0.0)) for (r, f), v in ff0.items()}
    param(m, "FF", [k for k in m.RF if mob(k[1]) != "specific"], ("region", "factor"),
          block=BLOCK, unit="quantity", latex="FF",
          doc="factor endowment of the region (mobile factors; the labour force if "
          "unemployment is modelled)", init=labour_force)
    param(m, "wbar", [k for k in m.RF_UNEMP if k[1] in rates], ("region", "factor"),
          block=BLOCK, unit="1", latex=r"\bar w", doc="fixed real wage (factor price over the regional CPI)", init=1.0)
    xp0 = cal.nonzero("Xp0")
    spend: dict = {}
    for (r, i, _h), v in xp0.items():
        spend[(r, i)] = spend.get((r, i), 0.0) + v
    totals = {r: sum(v for (rr, _), v in spend.items() if rr == r) for r in m.R}
    real_wage_regions = {r for r, _ in m.RF_UNEMP + m.RF_MIG}
    param(m, "wfloor", m.RF_FLOOR, ("region", "factor"), block=BLOCK, unit="1",
          latex=r"w^{floor}", doc="floor on the real wage, as a share of the benchmark's",
          init={(r, f): float(floors[f]) for r, f in m.RF_FLOOR})
    m.RC_CPI = [k for k in spend if k[0] in real_wage_regions]
    param(m, "cwr", m.RC_CPI, ("region", "commodity"), block=BLOCK, unit="1", latex="cwr",
          doc="weight of the commodity in the regional consumer price index",
          init={k: spend[k] / totals[k[0]] for k in m.RC_CPI})
    var(m, "U", m.RF_UNEMP, ("region", "factor"), block=BLOCK, unit="quantity", latex="U",
        doc="unemployed (labour force less employment)",
        init={k: labour_force[k] - ff0[k] for k in m.RF_UNEMP}, lower=0.0)
    param(m, "mig", m.CF_MIG, ("country", "factor"), block=BLOCK, unit="1", latex="mig",
          doc="elasticity of regional factor supply to the relative real wage (migration)",
          init={(c, f): float(cal.config.closure.migration[f]) for c, f in m.CF_MIG})
    var(m, "LS", m.RF_MIG, ("region", "factor"), block=BLOCK, unit="quantity", latex="LS",
        doc="supply of a migrating factor in the region", init={k: ff0[k] for k in m.RF_MIG})
    var(m, "RWN", m.CF_MIG, ("country", "factor"), block=BLOCK, unit="1", latex="RWN",
        doc="the country's real-wage index of a migrating factor", init=1.0)
    param(m, "FFS", m.RFS_SPECIFIC, ("region", "factor", "sector"), block=BLOCK,
          unit="quantity", latex="FFS", doc="sector's endowment of a sector-specific factor",
          init=cal.nonzero("F0"))
    var(m, "pf", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="price",
        latex="p^f", doc="factor price in the sector")
    var(m, "pfr", m.RF_SECTORS, ("region", "factor"), block=BLOCK, unit="price",
        latex="p^f_r", doc="factor price of the region (factor mobile between sectors)")
    var(m, "pfn", m.CF_NATIONAL, ("country", "factor"), block=BLOCK, unit="price",
        latex="p^f_n", doc="national factor price (factor mobile between a country's regions)")


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    mob = cal.config.closure.mobility
    sectors_of = {k: [] for k in m.RF}
    for r, f, i in m.RFS:
        sectors_of[(r, f)].append(i)

    def link(m, r, f, i):
        return m.pf[r, f, i] == (m.pfn[m.COUNTRY[r], f] if mob(f) == "national"
                                 else m.pfr[r, f])

    equation(m, "eq_factor_price_link", m.RFS_LINKED, ("region", "factor", "sector"),
             block=BLOCK, determines="pf", latex="p^f = p^f_r", rule=link,
             doc="a mobile factor earns the same price in every sector")
    cpi_goods = grouped(m.RC_CPI, m.R)
    equation(m, "eq_factor_market", m.RF_SECTORS, ("region", "factor"), block=BLOCK,
             determines="pfr", latex=r"\sum_i F = FF - U \;(LS)",
             doc="regional factor market clearing (supply LS for a migrating factor)",
             rule=lambda m, r, f: sum(m.F[r, f, i] for i in sectors_of[(r, f)])
             == supply(m, r, f))

    def cpi(m, r):
        return sum(m.cwr[r, i] * m.pq[r, i] for i in cpi_goods[r])

    equation(m, "eq_migration", m.RF_MIG, ("region", "factor"), block=BLOCK, determines="LS",
             latex=r"LS = FF\,(p^f_r/(RWN \cdot CPI_r))^{mig}",
             doc="regional supply of a migrating factor responds to its relative real wage",
             rule=lambda m, r, f: migration(m, r, f, cpi(m, r)))
    members = grouped([(m.COUNTRY[r], r, f) for r, f in m.RF_MIG], m.C)
    equation(m, "eq_labour_force", m.CF_MIG, ("country", "factor"), block=BLOCK,
             determines="RWN", latex=r"\sum_{r \in c} LS = \sum_{r \in c} FF",
             doc="the country's supply of a migrating factor is fixed: owners move, not vanish",
             rule=lambda m, c, f: sum(m.LS[r, f] for r, g in members[c] if g == f)
             == sum(m.FF[r, f] for r, g in members[c] if g == f))
    floored = set(m.RF_FLOOR)
    equation(m, "eq_wage_floor", m.RF_FLOOR, ("region", "factor"), block=BLOCK,
             determines="U", complementary=True, latex=r"p^f_r \ge w^{floor} CPI_r",
             doc="the real wage stays at or above its floor; unemployment only where it binds",
             rule=lambda m, r, f: m.pfr[r, f] >= m.wfloor[r, f] * cpi(m, r))
    equation(m, "eq_real_wage", [k for k in m.RF_UNEMP if k not in floored],
             ("region", "factor"), block=BLOCK,
             determines="U", latex=r"p^f_r = \bar w \sum_i cwr_i\, p^q_i",
             doc="fixed real wage: the factor price follows the regional consumer prices",
             rule=lambda m, r, f: m.pfr[r, f] == m.wbar[r, f] * cpi(m, r))
    equation(m, "eq_factor_market_specific", m.RFS_SPECIFIC, ("region", "factor", "sector"),
             block=BLOCK, determines="pf", latex=r"F = FFS",
             doc="sector-specific factor: use equals the sector's endowment",
             rule=lambda m, r, f, i: m.F[r, f, i] == m.FFS[r, f, i])
    national = set(m.CF_NATIONAL)
    employed = {k: [] for k in m.CF_NATIONAL}
    for r, f, i in m.RFS:
        if (m.COUNTRY[r], f) in national:
            employed[(m.COUNTRY[r], f)].append(m.F[r, f, i])
    endowed = {k: [] for k in m.CF_NATIONAL}
    for r, f in m.RF:
        if (m.COUNTRY[r], f) in national:
            endowed[(m.COUNTRY[r], f)].append(m.FF[r, f])
    equation(m, "eq_factor_market_national", m.CF_NATIONAL, ("country", "factor"),
             block=BLOCK, determines="pfn", latex=r"\sum_{r \in c,i} F = \sum_{r \in c} FF",
             doc="national factor market clearing",
             rule=lambda m, c, f: sum(employed[(c, f)]) == sum(endowed[(c, f)]))


def migration(m: pyo.ConcreteModel, r: str, f: str, cpi):
    """The supply curve ``LS = FF (w/RWN)^mig`` of real wage ``w`` (in the form
    :func:`cge.model.ces.constant_elasticity` chooses by the elasticity)."""
    c = m.COUNTRY[r]
    return ces.constant_elasticity(m.LS[r, f], m.FF[r, f],
                                   m.pfr[r, f] / (m.RWN[c, f] * cpi), m.mig[c, f])


def supply(m: pyo.ConcreteModel, r: str, f: str):
    """The region's supply of a factor with a regional price: its endowment, less the
    unemployed, or (migration) the supply ``LS`` of those who work there."""
    if (r, f) in m.LS:
        return m.LS[r, f]
    return m.FF[r, f] - (m.U[r, f] if (r, f) in m.U else 0)


def income(m: pyo.ConcreteModel, r: str, f: str):
    """Income of the owners of factor f in region r: the endowment valued at its price.

    Valuing the endowment (not the use) is what makes the dropped market hold by Walras' law.
    """
    mob = m.cal.config.closure.mobility(f)
    if mob == "national":
        return m.pfn[m.COUNTRY[r], f] * m.FF[r, f]
    if mob in ("sectors", "migration"):
        return m.pfr[r, f] * supply(m, r, f)
    return sum(m.pf[r, f, i] * m.FFS[r, f, i] for i in m.SPECIFIC_SECTORS[(r, f)])
