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
  country, not across borders.

Unemployment (``closure.unemployment = {factor: benchmark rate}``, for factors mobile between
sectors): the real wage is fixed, ``pfr[r,f] = wbar[r,f] CPI[r]`` (eq_real_wage -> U), where
``CPI[r] = sum_i cwr[r,i] pq[r,i]`` uses the region's benchmark consumption weights, and
employment is the labour force less the unemployed, ``sum_i F[r,f,i] = FF[r,f] - U[r,f]``.

Factor income of a region, ``FY[r,f]``, values the region's endowment at its price (for a
national factor: the region's endowment at the national price; with unemployment: the
employed).

.. math::

    pf_{rfi} &= pfr_{rf}   && \text{eq\_factor\_price\_link} \to pf_{rfi} \\
    \sum_i F_{rfi} &= FF_{rf} - U_{rf} && \text{eq\_factor\_market} \to pfr_{rf} \\
    pfr_{rf} &= \bar w_{rf} \sum_i cwr_{ri}\, pq_{ri} && \text{eq\_real\_wage} \to U_{rf} \\
    F_{rfi} &= FFS_{rfi} && \text{eq\_factor\_market\_specific} \to pf_{rfi} \\
    \sum_{r \in c,i} F_{rfi} &= \sum_{r \in c} FF_{rf}
        && \text{eq\_factor\_market\_national} \to pfn_{cf}
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model.symbols import equation, grouped, param, var

BLOCK = "factors"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    mob = cal.config.closure.mobility
    m.RF = list(cal.nonzero("FF0"))
    m.RF_SECTORS = [(r, f) for r, f in m.RF if mob(f) == "sectors"]
    m.RFS_LINKED = [(r, f, i) for r, f, i in m.RFS if mob(f) != "specific"]
    m.RFS_SPECIFIC = [(r, f, i) for r, f, i in m.RFS if mob(f) == "specific"]
    m.CF_NATIONAL = list(dict.fromkeys((m.COUNTRY[r], f) for r, f in m.RF
                                       if mob(f) == "national"))
    m.SPECIFIC_SECTORS = grouped([((r, f), i) for r, f, i in m.RFS_SPECIFIC], m.RF)
    rates = cal.config.closure.unemployment
    m.RF_UNEMP = [(r, f) for r, f in m.RF_SECTORS if f in rates]
    ff0 = cal.nonzero("FF0")
    # with unemployment the endowment is the labour force: employment / (1 - rate)
    labour_force = {(r, f): v / (1.0 - rates.get(f, 0.0)) for (r, f), v in ff0.items()}
    param(m, "FF", [k for k in m.RF if mob(k[1]) != "specific"], ("region", "factor"),
          block=BLOCK, unit="quantity", latex="FF",
          doc="factor endowment of the region (mobile factors; the labour force if "
          "unemployment is modelled)", init=labour_force)
    param(m, "wbar", m.RF_UNEMP, ("region", "factor"), block=BLOCK, unit="1",
          latex=r"\bar w", doc="fixed real wage (factor price over the regional CPI)", init=1.0)
    xp0 = cal.nonzero("Xp0")
    spend: dict = {}
    for (r, i, _h), v in xp0.items():
        spend[(r, i)] = spend.get((r, i), 0.0) + v
    totals = {r: sum(v for (rr, _), v in spend.items() if rr == r) for r in m.R}
    m.RC_CPI = [k for k in spend if any(r == k[0] for r, _ in m.RF_UNEMP)]
    param(m, "cwr", m.RC_CPI, ("region", "commodity"), block=BLOCK, unit="1", latex="cwr",
          doc="weight of the commodity in the regional consumer price index",
          init={k: spend[k] / totals[k[0]] for k in m.RC_CPI})
    var(m, "U", m.RF_UNEMP, ("region", "factor"), block=BLOCK, unit="quantity", latex="U",
        doc="unemployed (labour force less employment)",
        init={k: labour_force[k] - ff0[k] for k in m.RF_UNEMP}, lower=0.0)
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
    unemployed = set(m.RF_UNEMP)
    cpi_goods = grouped(m.RC_CPI, m.R)
    equation(m, "eq_factor_market", m.RF_SECTORS, ("region", "factor"), block=BLOCK,
             determines="pfr", latex=r"\sum_i F = FF - U", doc="regional factor market clearing",
             rule=lambda m, r, f: sum(m.F[r, f, i] for i in sectors_of[(r, f)])
             == m.FF[r, f] - (m.U[r, f] if (r, f) in unemployed else 0))
    equation(m, "eq_real_wage", m.RF_UNEMP, ("region", "factor"), block=BLOCK,
             determines="U", latex=r"p^f_r = \bar w \sum_i cwr_i\, p^q_i",
             doc="fixed real wage: the factor price follows the regional consumer prices",
             rule=lambda m, r, f: m.pfr[r, f]
             == m.wbar[r, f] * sum(m.cwr[r, i] * m.pq[r, i] for i in cpi_goods[r]))
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


def income(m: pyo.ConcreteModel, r: str, f: str):
    """Income of the owners of factor f in region r: the endowment valued at its price.

    Valuing the endowment (not the use) is what makes the dropped market hold by Walras' law.
    """
    mob = m.cal.config.closure.mobility(f)
    if mob == "national":
        return m.pfn[m.COUNTRY[r], f] * m.FF[r, f]
    if mob == "sectors":
        employed = m.FF[r, f] - (m.U[r, f] if (r, f) in m.RF_UNEMP else 0)
        return m.pfr[r, f] * employed
    return sum(m.pf[r, f, i] * m.FFS[r, f, i] for i in m.SPECIFIC_SECTORS[(r, f)])
