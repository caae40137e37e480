r"""Regional government: tax revenues, savings, consumption and transfers.

Sets: ``RG`` = (region, commodity) with government consumption; ``RH_TR`` = (region,
household) receiving transfers.

.. math::

    Tz_{ri} &= \tau^z_{ri}\, pz_{ri} Z_{ri}                    && \text{eq\_production\_tax} \to Tz_{ri} \\
    Tm_{ri} &= \tau^m_{ri}\, pm_{ri} M_{ri}                    && \text{eq\_tariff} \to Tm_{ri} \\
    Tb_{d} &= \sum_{o,i} tb_{odi}\, pl_{odi}\, DS_{odi}            && \text{eq\_barrier\_revenue} \to Tb_{d} \\
    Tq_{ri} &= t^q_{ri}\, pq_{ri} Q_{ri} / (1 + t^q_{ri})      && \text{eq\_sales\_tax} \to Tq_{ri} \\
    Te_{ri} &= te_{ri}\, pe_{ri} E_{ri}                         && \text{eq\_export\_tax} \to Te_{ri} \\
    Tf_r &= \sum_{f,i} tf_{rfi}\, pf_{rfi} F_{rfi}              && \text{eq\_factor\_use\_tax} \to Tf_r \\
    Tc_r &= \sum_{i,h} tc_{ri}\, pq_{ri} Xp_{rih}               && \text{eq\_consumption\_tax} \to Tc_r \\
    GREV_r &= \sum_i \big((1-fs^z_r) Tz + (1-fs^m_r) (Tm + Te) + (1-fs^q_r) Tq\big)_{ri} + (1-fs^b_r) Tb_r
        + (1-fs^d_r)\sum_h Td_{rh} + (1-fs^w_r)\,\varepsilon\, GRW_r + (1-fs^p_r)\, TP_r + TRG_r + TRT_r
        && \text{eq\_government\_revenue} \to GREV_r \\
    Sg_r &= ss^g_r\, GREV_r\ [-\,PR_r]                         && \text{eq\_government\_savings} \to Sg_r \\
    Xg_{ri} &= \mu_{ri}(GREV_r - Sg_r - PR_r)/pq_{ri}          && \text{eq\_government\_demand} \to Xg_{ri} \\
    TR_{rh} &= \omega_{rh}(GREV_r - Sg_r - PR_r)               && \text{eq\_transfers} \to TR_{rh}

``PR_r = \sum_i pq_{ri} XvR_{ri}`` is the cost of the investment projects the region's
government pays for (:mod:`cge.model.projects`): cut from its consumption and transfers, or,
with ``project_financing = { regional = "borrowing" }``, borrowed (the bracketed term).

A tax rate whose revenue the configuration sends to households (``tax_recipients``; a new
instrument, zero in the SAM) is left out of ``GREV`` and paid lump-sum to the region's
households:

.. math::

    TLS_r = \sum_{t \in \text{lump-sum}} T^t_r \qquad \text{eq\_lump\_sum\_revenue} \to TLS_r

(households block: ``YH`` includes ``lsh_{rh} TLS_r``). The rents of import quotas
(:mod:`cge.model.quotas`) are added to ``GREV`` or ``TLS``, as each quota's ``recipient``
says.

The ``fs`` are the shares of each tax that the region passes to a federal government (zero in a
SAM without one); ``TP`` is the profit tax of the region's enterprise (enterprises block);
``TRG`` and ``TRT`` are federal equalisation and targeted transfers to the region (federal
block). ``Te`` is the
export tax ``te`` (rest-of-world block) on the price exporters receive, shared with a federal
government like tariffs (customs duties). ``Tb`` is the duty collected on shipments from other
regions (and countries) at the ad-valorem barrier ``tb`` on their landed price
``pl = (1 + tmg) pd`` in the destination's currency (trade block); a SAM may record it
(``duty_accounts``), and its federal share ``fs^b`` is then the SAM's. ``Tf`` (a tax on factor
use, production block) and ``Tc`` (a tax on household consumption, households block) are
instruments a SAM does not record: zero at the benchmark, shared with a federal government like
production taxes and sales taxes respectively (their ``fs`` terms are left out of ``GREV``
above for brevity, as ``Te``'s).

Closure ``government = "fixed_consumption"`` fixes ``Xg`` at its benchmark level and replaces
eq_government_savings and eq_government_demand by the budget
``GREV_r - Sg_r = sum_i pq Xg + sum_h TR + PR_r`` (eq_government_budget -> Sg).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import capacity, projects, quotas, trade
from cge.model.rest_of_world import fx
from cge.model.symbols import equation, grouped, param, var

BLOCK = "government"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RG = list(cal.nonzero("Xg0"))
    m.REGION_SECTORS, m.REGION_MARKETS = grouped(m.RS, m.R), grouped(m.RQ, m.R)
    m.REGION_HOUSEHOLDS = grouped(m.RH, m.R)
    m.REGION_EXPORTS = grouped(m.RE, m.R)
    m.RH_TR = list(cal.nonzero("omega"))
    param(m, "ssg", m.R, ("region",), block=BLOCK, unit="1", latex="ss^g",
          doc="government savings rate (share of revenue)", init=cal.table("ssg"))
    param(m, "mu", m.RG, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\mu",
          doc="government spending share", init=cal.nonzero("mu"))
    param(m, "omega", m.RH_TR, ("region", "household"), block=BLOCK, unit="1",
          latex=r"\omega", doc="share of government spending on transfers",
          init=cal.nonzero("omega"))
    param(m, "fsz", m.R, ("region",), block=BLOCK, unit="1", latex="fs^z",
          doc="share of production taxes passed to the federal government",
          init=cal.table("fsz"))
    param(m, "fsm", m.R, ("region",), block=BLOCK, unit="1", latex="fs^m",
          doc="share of tariffs passed to the federal government", init=cal.table("fsm"))
    param(m, "fsb", m.R, ("region",), block=BLOCK, unit="1", latex="fs^b",
          doc="share of duties on shipments passed to the federal government",
          init=cal.table("fsb"))
    param(m, "fsq", m.R, ("region",), block=BLOCK, unit="1", latex="fs^q",
          doc="share of sales taxes passed to the federal government", init=cal.table("fsq"))
    param(m, "fsd", m.R, ("region",), block=BLOCK, unit="1", latex="fs^d",
          doc="share of direct taxes passed to the federal government", init=cal.table("fsd"))
    param(m, "fsw", m.R, ("region",), block=BLOCK, unit="1", latex="fs^w",
          doc="share of government receipts from abroad passed to the federal government",
          init=cal.table("fsw"))
    var(m, "Tz", m.RS, ("region", "sector"), block=BLOCK, unit="value", latex="T^z",
        doc="production tax revenue", init=cal.table("Tz0"), lower=None)
    var(m, "Tm", m.RQ, ("region", "commodity"), block=BLOCK, unit="value", latex="T^m",
        doc="tariff revenue", init=cal.table("Tm0"), lower=None)
    var(m, "Tb", m.R, ("region",), block=BLOCK, unit="value", latex="T^b",
        doc="duties collected on shipments from other regions (barriers tb)",
        init=_by_region(cal, "Tb0"), lower=None)
    var(m, "Te", m.RE, ("region", "sector"), block=BLOCK, unit="value", latex="T^e",
        doc="export tax revenue", init=0.0, lower=None)
    var(m, "Tf", m.R, ("region",), block=BLOCK, unit="value", latex="T^f",
        doc="revenue of the tax on factor use", init=0.0, lower=None)
    var(m, "Tc", m.R, ("region",), block=BLOCK, unit="value", latex="T^c",
        doc="revenue of the tax on household consumption", init=0.0, lower=None)
    var(m, "Tq", m.RQ, ("region", "commodity"), block=BLOCK, unit="value", latex="T^q",
        doc="sales tax revenue", init=cal.table("Tq0"), lower=None)
    var(m, "TLS", m.R, ("region",), block=BLOCK, unit="value", latex="TLS",
        doc="revenue of taxes recycled lump-sum to households", init=0.0, lower=None)
    for tax in lump_sum_taxes(cal):
        benchmark = REVENUE_AT_BENCHMARK[tax]
        if benchmark and any(cal.table(benchmark).values()):
            raise InputError(Problem(
                "tax-recipient", f"tax_recipients sends {tax} to households, but the SAM "
                "records its revenue (paid to the government): recycling applies to new "
                "instruments, zero in the SAM"))
    var(m, "GREV", m.R, ("region",), block=BLOCK, unit="value", latex="GREV",
        doc="government revenue", init=cal.table("GREV0"), lower=None)
    var(m, "Sg", m.R, ("region",), block=BLOCK, unit="value", latex="S^g",
        doc="government savings", init=cal.table("Sg0"), lower=None)
    var(m, "Xg", m.RG, ("region", "commodity"), block=BLOCK, unit="quantity", latex="X^g",
        doc="government consumption", init=cal.nonzero("Xg0"))
    var(m, "TR", m.RH_TR, ("region", "household"), block=BLOCK, unit="value", latex="TR",
        doc="government transfers to households", init=cal.nonzero("TR0"))


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    imp = set(m.RM)
    goods, recipients = grouped(m.RG, m.R), grouped(m.RH_TR, m.R)

    equation(m, "eq_production_tax", m.RS, ("region", "sector"), block=BLOCK,
             determines="Tz", latex=r"T^z = \tau^z p^z Z", doc="production tax revenue",
             rule=lambda m, r, i: m.Tz[r, i] == m.tauz[r, i] * m.pz[r, i] * m.Z[r, i])
    equation(m, "eq_tariff", m.RQ, ("region", "commodity"), block=BLOCK, determines="Tm",
             latex=r"T^m = \tau^m p^m M", doc="tariff revenue",
             rule=lambda m, r, i: m.Tm[r, i] == (m.taum[r, i] * m.pm[r, i] * m.M[r, i]
                                                 if (r, i) in imp else 0))
    arriving = grouped([(d, o, i) for o, d, i in m.ODC], m.R)
    equation(m, "eq_barrier_revenue", m.R, ("region",), block=BLOCK, determines="Tb",
             latex=r"T^b_d = \sum_{o,i} tb\, pl\, DS", doc="duties on shipments from other regions",
             rule=lambda m, d: m.Tb[d] == sum(m.tb[o, d, i] * trade.landed_price(m, o, d, i)
                                              * m.DS[o, d, i] for o, i in arriving[d]))
    equation(m, "eq_sales_tax", m.RQ, ("region", "commodity"), block=BLOCK, determines="Tq",
             latex=r"T^q = t^q p^q Q/(1+t^q)", doc="sales tax revenue",
             rule=lambda m, r, i: m.Tq[r, i] * (1 + m.tq[r, i]) == m.tq[r, i] * m.pq[r, i]
             * m.Q[r, i])
    equation(m, "eq_export_tax", m.RE, ("region", "sector"), block=BLOCK, determines="Te",
             latex=r"T^e = te\, p^e E", doc="export tax revenue",
             rule=lambda m, r, i: m.Te[r, i] == m.te[r, i] * m.pe[r, i] * m.E[r, i])
    factor_uses = grouped([(r, f, i) for r, f, i in m.RFS], m.R)
    equation(m, "eq_factor_use_tax", m.R, ("region",), block=BLOCK, determines="Tf",
             latex=r"T^f = \sum tf\, p^f F", doc="revenue of the tax on factor use",
             rule=lambda m, r: m.Tf[r] == sum(m.tf[r, f, i] * m.pf[r, f, i] * m.F[r, f, i]
                                              for f, i in factor_uses[r]))
    purchases = grouped([(r, i, h) for r, i, h in m.RIH], m.R)
    equation(m, "eq_consumption_tax", m.R, ("region",), block=BLOCK, determines="Tc",
             latex=r"T^c = \sum tc\, p^q X^p", doc="revenue of the tax on household consumption",
             rule=lambda m, r: m.Tc[r] == sum(m.tc[r, i] * m.pq[r, i] * m.Xp[r, i, h]
                                              for i, h in purchases[r]))
    from_federal = set(m.R_TRG)
    equation(m, "eq_government_revenue", m.R, ("region",), block=BLOCK, determines="GREV",
             latex=r"GREV = \sum (1-fs)\,T + TRG + TRT", doc="regional government revenue",
             rule=lambda m, r: m.GREV[r] == tax_revenue(m, r, federal=False)
             + (m.TRG[r] if r in from_federal else 0) + m.TRT[r]
             + quotas.rent_to(m, r, "government") + capacity.rent_to(m, r, "government"))
    lump = lump_sum_taxes(cal)
    equation(m, "eq_lump_sum_revenue", m.R, ("region",), block=BLOCK, determines="TLS",
             latex=r"TLS = \sum_{t\ \text{lump-sum}} T^t",
             doc="revenue of taxes recycled lump-sum to households",
             rule=lambda m, r: m.TLS[r] == sum(_revenue(m, r, t) for t in lump)
             + quotas.rent_to(m, r, "households") + capacity.rent_to(m, r, "households"))
    # a project the region pays for (projects block): borrowed, or cut from its spending
    borrows = projects.financing(cal, "regional") == "borrowing"

    def spending(m, r):
        return m.GREV[r] - m.Sg[r] - projects.regional_cost(m, r)

    equation(m, "eq_government_savings", m.R, ("region",), block=BLOCK, determines="Sg",
             latex=r"S^g = ss^g GREV\ [- PR]", doc="government savings at a fixed rate (less "
             "the projects it pays for when it borrows for them)",
             rule=lambda m, r: m.Sg[r] == m.ssg[r] * m.GREV[r]
             - (projects.regional_cost(m, r) if borrows else 0))
    equation(m, "eq_government_demand", m.RG, ("region", "commodity"), block=BLOCK,
             determines="Xg", latex=r"X^g = \mu (GREV - S^g - PR)/p^q",
             doc="government consumption in fixed budget shares",
             rule=lambda m, r, i: m.Xg[r, i] * m.pq[r, i] == m.mu[r, i] * spending(m, r))
    equation(m, "eq_transfers", m.RH_TR, ("region", "household"), block=BLOCK,
             determines="TR", latex=r"TR = \omega (GREV - S^g - PR)",
             doc="transfers to households in a fixed share of spending",
             rule=lambda m, r, h: m.TR[r, h] == m.omega[r, h] * spending(m, r))
    equation(m, "eq_government_budget", m.R, ("region",), block=BLOCK, determines="Sg",
             latex=r"GREV - S^g = \sum_i p^q X^g + \sum_h TR + PR",
             doc="government budget (active only with fixed real consumption)",
             rule=lambda m, r: spending(m, r) == sum(m.pq[r, i] * m.Xg[r, i]
                                                     for i in goods[r])
             + sum(m.TR[r, h] for h in recipients[r]))
    m.eq_government_budget.deactivate()


def _by_region(cal: Calibration, name: str) -> dict[str, float]:
    """A (region, ...) benchmark array summed over its other dimensions."""
    out = dict.fromkeys(cal.regions, 0.0)
    for k, v in cal.nonzero(name).items():
        out[k[0]] += v
    return out


def _revenue(m: pyo.ConcreteModel, r: str, tax: str):
    """Revenue raised in region r by one tax rate."""
    regional = {"tb": m.Tb, "tf": m.Tf, "tc": m.Tc}
    if tax in regional:
        return regional[tax][r]
    if tax == "taud":  # the federal surcharge tdf on it is all federal (federal block)
        return sum(m.Td[r, h] - m.tdf * m.YH[r, h] for h in m.REGION_HOUSEHOLDS[r])
    comp, members = {"tauz": (m.Tz, m.REGION_SECTORS), "taum": (m.Tm, m.REGION_MARKETS),
                     "tq": (m.Tq, m.REGION_MARKETS), "taud": (m.Td, m.REGION_HOUSEHOLDS),
                     "te": (m.Te, m.REGION_EXPORTS)}[tax]
    return sum(comp[r, k] for k in members[r])


#: The share of each tax a region passes to a federal government (export taxes share the
#: tariffs', taxes on factor use the production taxes', taxes on consumption the sales taxes').
_FEDERAL_SHARE = {"tauz": "fsz", "taum": "fsm", "tb": "fsb", "te": "fsm", "tq": "fsq",
                  "taud": "fsd", "tf": "fsz", "tc": "fsq"}


def lump_sum_taxes(cal: Calibration) -> list[str]:
    """The tax rates whose revenue goes lump-sum to households (configuration)."""
    return [t for t, who in cal.config.tax_recipients.items() if who == "households"]


def tax_revenue(m: pyo.ConcreteModel, r: str, *, federal: bool):
    """Taxes raised in region r that stay with its government, or (``federal``) go to the
    federal government: each tax type split by the region's ``fs`` share; taxes recycled to
    households are neither's."""
    def part(share):
        return share if federal else 1 - share

    lump = set(lump_sum_taxes(m.cal))
    return (sum(part(getattr(m, _FEDERAL_SHARE[t])[r]) * _revenue(m, r, t)
                for t in _FEDERAL_SHARE if t not in lump)
            + part(m.fsw[r]) * fx(m, r) * m.GRW[r]
            + (part(m.fsp[r]) * m.TP[r] if r in m.RN else 0))


#: Tax instruments (rate parameters an experiment may shock) and the position, in their index,
#: of the region whose government collects the revenue.
TAX_INSTRUMENTS = {"tauz": 0, "taum": 0, "tq": 0, "taud": 0, "tb": 1, "te": 0, "tf": 0,
                   "tc": 0}
#: Benchmark revenue of each tax in the calibration (None: zero in every SAM).
REVENUE_AT_BENCHMARK = {"tauz": "Tz0", "taum": "Tm0", "tq": "Tq0", "taud": "Td0", "tb": "Tb0",
                        "te": None, "tf": None, "tc": None}
#: The profit tax of a region's enterprise (enterprises block), shared with a federal
#: government in the SAM's proportion ``fsp``.
TAX_INSTRUMENTS["taup"] = 0
REVENUE_AT_BENCHMARK["taup"] = "TP0"


def revenue_without_recipient(m: pyo.ConcreteModel, cal: Calibration) -> dict[str, str]:
    """Regions whose government could not pass on a marginal rouble of tax revenue, and why.

    A rouble of regional revenue goes to savings (share ``ss^g``, or all of it when the closure
    fixes government consumption) and to consumption and transfers (shares ``mu`` and
    ``omega`` of the rest). Savings reach a recipient only if the country invests. A rouble
    that reaches nobody breaks Walras' law: a tax levied there has no revenue recipient (e.g.
    any tax in a SAM without a government). Taxes passed to a federal government are checked
    the same way against the federal government's uses.
    """
    invests = {m.COUNTRY[r] for r, _ in m.RV}
    fixed = cal.config.closure.government == "fixed_consumption"

    def absorbed(saving_rate: float, spending_shares: float, country: str) -> float:
        saved = 1.0 if country in invests else 0.0
        if fixed:
            return saved
        return saving_rate * saved + (1.0 - saving_rate) * spending_shares

    out = {}
    spend = {r: 0.0 for r in m.R}
    for k in m.RG:
        spend[k[0]] += pyo.value(m.mu[k])
    for k in m.RH_TR:
        spend[k[0]] += pyo.value(m.omega[k])
    federal_spend = (sum(pyo.value(m.muf[k]) for k in m.RGF)
                     + sum(pyo.value(m.omegag[r]) for r in m.R_TRG)
                     + sum(pyo.value(m.omegaf[k]) for k in m.RH_TRF))
    for r in m.R:
        c = m.COUNTRY[r]
        if abs(absorbed(pyo.value(m.ssg[r]), spend[r], c) - 1.0) > 1e-6:
            out[r] = (f"the government of region {r} neither spends nor saves tax revenue "
                      "(the SAM gives it no spending, transfers or savings"
                      + ("" if c in invests else ", and its country does not invest") + ")")
        shares = [pyo.value(getattr(m, f"fs{t}")[r]) for t in "zmbqdw"]
        shares.append(pyo.value(m.fsp[r]))
        if any(shares) and abs(absorbed(pyo.value(m.ssgf), federal_spend, c) - 1.0) > 1e-6:
            out[r] = ("the federal government, which receives part of region "
                      f"{r}'s taxes, neither spends nor saves them")
    return out
