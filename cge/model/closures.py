r"""Closures and the numeraire: which variables are fixed and which market Walras' law drops.

Applied after all blocks are built, from :class:`cge.config.Closure` (see its docstring for the
options). Every choice is a visible fix/unfix or activate/deactivate here, nowhere else. A SAM
without a rest-of-world account is a closed economy: the exchange rate is fixed at one and the
balance of payments is left out.

Each country's price level is anchored by its numeraire (configuration): a price fixed at
``numeraire_level`` (its exchange rate, a factor price, a purchaser price or a household's
income) or its consumer price index; a CPI numeraire adds, for each country ``c`` whose
numeraire it is,

.. math:: \sum_{r \in c,\, i} cw_{ri}\, pq_{ri} = \bar p \qquad \text{eq\_cpi}

with ``cw`` the benchmark household consumption shares over the country's regions.

Several countries without a rest of the world trade only with each other. Each country's
numeraire anchors its price level; the first country's currency is the unit of cross-border flows (its
exchange rate is fixed at the numeraire level, so the others' are prices of its currency); and
because the balances of payments of a closed world sum to zero identically, the last country's
capital inflow ``Sf`` is endogenous, the mirror of the others' lending. Each balance of payments
is then left to Walras' law, country by country.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import government, projects
from cge.model.symbols import equation, param
from cge.model.walras import benchmark_tolerance

BLOCK = "closures"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    xp0 = cal.nonzero("Xp0")
    total = {c: 0.0 for c in m.C}
    for (r, _i, _h), v in xp0.items():
        total[m.COUNTRY[r]] += v
    cw: dict[tuple, float] = {}
    for (r, i, _h), v in xp0.items():
        cw[(r, i)] = cw.get((r, i), 0.0) + v / total[m.COUNTRY[r]]
    m.CPI_WEIGHTS = list(cw)
    param(m, "cw", m.CPI_WEIGHTS, ("region", "commodity"), block=BLOCK, unit="1",
          latex="cw", doc="weight of the commodity in the consumer price index", init=cw)
    param(m, "numeraire_level", None, (), block=BLOCK, unit="price", latex=r"\bar p",
          doc="value at which the numeraire is fixed", init=1.0)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    weights: dict[str, list] = {c: [] for c in m.C}
    for k in m.CPI_WEIGHTS:
        weights[m.COUNTRY[k[0]]].append(k)
    equation(m, "eq_cpi", m.C, ("country",), block=BLOCK, determines="(numeraire)",
             latex=r"\sum_{r \in c} cw\, p^q = \bar p", doc="consumer price index numeraire",
             rule=lambda m, c: sum(m.cw[k] * m.pq[k] for k in weights[c]) == m.numeraire_level)
    m.eq_cpi.deactivate()


def numeraires(m: pyo.ConcreteModel, cal: Calibration) -> dict[str, tuple[str, tuple]]:
    """Each country's numeraire as ``(kind, index)``: ``("cpi", ())``, ``("exchange_rate",
    (country,))``, ``("factor_national", (country, factor))``, ``("factor", (region, factor))``,
    ``("commodity", (region, commodity))`` or ``("income", (region, household))``."""
    out = {}
    for c, numeraire in cal.config.closure.numeraire_of(m.C).items():
        kind, *rest = numeraire.split(":")
        if kind == "cpi":
            out[c] = (kind, ())
        elif kind == "exchange_rate":
            out[c] = (kind, (c,))
        elif kind == "factor" and cal.config.closure.mobility(rest[1]) == "national":
            out[c] = ("factor_national", (c, rest[1]))
        else:
            r = m.REGIONS_OF[c][0] if rest[0] == "*" else rest[0]
            out[c] = (kind, (r, rest[1]))
            component = {"factor": m.pfr, "commodity": m.pq, "income": m.YH}[kind]
            if out[c][1] not in component:
                raise InputError(Problem("closure", f"closure.numeraire = {numeraire!r} names "
                                         f"no {kind} price of this model ({component.name} "
                                         f"has {[str(k) for k in component][:10]})"))
    return out


def numeraire_vars(m: pyo.ConcreteModel, cal: Calibration) -> list:
    """The variables fixed as numeraire, one per country whose numeraire is a price (a CPI is
    an equation).

    Every country's price level needs an anchor (each country's nominal system is homogeneous
    on its own).
    """
    component = {"exchange_rate": m.epsilon, "factor_national": m.pfn, "factor": m.pfr,
                 "commodity": m.pq, "income": m.YH}
    return [component[kind][index] for kind, index in numeraires(m, cal).values()
            if kind != "cpi"]


def fix_numeraire(m: pyo.ConcreteModel, level: float) -> None:
    """Fix every country's numeraire variable at ``level`` times its benchmark value."""
    for v in numeraire_vars(m, m.cal):
        v.fix(level * m.numeraire_base[v.name])


def walras_equations(m: pyo.ConcreteModel, cal: Calibration) -> list:
    """The market-clearing equations left out of the system (they hold by Walras' law): one,
    or with several countries each country's balance of payments (Walras' law holds country by
    country)."""
    if len(m.C) > 1:
        return [m.eq_balance_of_payments[c] for c in m.C]
    return [_walras_equation(m, cal)]


def _walras_equation(m: pyo.ConcreteModel, cal: Calibration):
    c = cal.config.closure
    choice = c.walras
    if choice == "auto":
        kind, index = numeraires(m, cal)[m.C[0]]
        if kind == "factor":
            choice = "factor:{}:{}".format(*index)
        elif kind == "factor_national":
            choice = f"factor:*:{index[1]}"
        elif c.foreign == "flexible_exchange_rate" and cal.has_rest_of_world:
            choice = "bop"
        else:
            choice = "commodity:{}:{}".format(*m.RQ[0])
    kind, *rest = choice.split(":")
    if kind == "bop" and cal.has_rest_of_world:
        return m.eq_balance_of_payments[m.C[0]]
    markets = {("factor", True): (m.eq_factor_market_national, lambda r: (m.C[0], r[1])),
               ("factor", False): (m.eq_factor_market, tuple),
               ("commodity", False): (m.eq_commodity_market, tuple)}
    pick = markets.get((kind, bool(rest) and rest[0] == "*"))
    if pick is None or len(rest) != 2:
        raise InputError(Problem("closure", f"closure.walras = {choice!r}: write 'bop', "
                                 "'factor:REGION:FACTOR' (REGION '*' for a national factor "
                                 "market) or 'commodity:REGION:COMMODITY'"))
    equations, index = pick
    if index(rest) not in equations:
        raise InputError(Problem("closure", f"closure.walras = {choice!r} names no market of "
                                 f"this model (markets of that kind: "
                                 f"{[str(k) for k in equations][:10]})"))
    return equations[index(rest)]


def apply(m: pyo.ConcreteModel, cal: Calibration) -> None:
    c = cal.config.closure
    # a numeraire is fixed at numeraire_level times its benchmark value (one for prices)
    m.numeraire_base = {v.name: pyo.value(v) for v in numeraire_vars(m, cal)}
    for country, (kind, _) in numeraires(m, cal).items():
        if kind == "cpi":
            m.eq_cpi[country].activate()
    fix_numeraire(m, pyo.value(m.numeraire_level))
    dropped = walras_equations(m, cal)
    for eq in dropped:
        eq.deactivate()
    # names: a component may belong to one block attribute only
    m.walras_names = [eq.name for eq in dropped]
    # from the benchmark, before anything moves (cge.model.walras)
    m.walras_tol = benchmark_tolerance(m)
    # tax rates whose revenue would reach no one: experiments may not move them
    # (taxes recycled to households always have one)
    lost = government.revenue_without_recipient(m, cal)
    lump = set(government.lump_sum_taxes(cal))
    m.unshockable = {(name, k): f"the revenue of {getattr(m, name)[k].name} would have no "
                     f"recipient: {lost[k[pos] if isinstance(k, tuple) else k]}; declare one "
                     f"in [model] (tax_recipients = {{ {name} = \"households\" }}) to pay it "
                     "lump-sum to households"
                     for name, pos in government.TAX_INSTRUMENTS.items() if name not in lump
                     for k in getattr(m, name)
                     if (k[pos] if isinstance(k, tuple) else k) in lost}
    # projects and targeted transfers whose cost nobody could pay
    m.unshockable.update(projects.unpaid(m, cal))

    for r in m.R:
        m.Sf[r].fix()
    if not cal.has_rest_of_world and len(m.C) == 1:
        # a closed economy: nothing is priced in foreign currency and there are no payments
        m.epsilon[m.C[0]].fix(1.0)
        m.eq_balance_of_payments[m.C[0]].deactivate()
    elif not cal.has_rest_of_world:
        # countries trading only with each other: the first country's currency is the unit
        # of account of cross-border flows, and the last country's capital inflow is the mirror
        # of the others' (the balances of payments of a closed world sum to zero identically)
        m.epsilon[m.C[0]].fix(pyo.value(m.numeraire_level))
        m.Sf[m.REGIONS_OF[m.C[-1]][0]].unfix()
    if c.foreign == "fixed_exchange_rate":  # one country (checked in the configuration)
        m.epsilon[m.C[0]].fix()
        m.Sf[m.R[0]].unfix()

    if c.government == "fixed_consumption":
        m.Xg.fix()
        m.eq_government_savings.deactivate()
        m.eq_government_demand.deactivate()
        m.eq_government_budget.activate()
        m.Xgf.fix()
        m.eq_federal_savings.deactivate()
        m.eq_federal_demand.deactivate()
        m.eq_federal_budget.activate()

    if c.investment == "savings_driven":
        m.sadj.fix(1.0)
    else:
        m.Xv.fix()
        m.eq_investment_demand.deactivate()
        m.eq_savings_investment.activate()
