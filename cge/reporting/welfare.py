r"""Welfare decomposition of EV in the manner of Huff and Hertel (2000), exact along the path.

Huff, K. M. and T. W. Hertel (2000), "Decomposing welfare changes in the GTAP model", GTAP
Technical Paper 5, Center for Global Trade Analysis, Purdue University; Hanslow, K. J. (2000),
"A general welfare decomposition for CGE models", GTAP Technical Paper 19. Their EV of a region is
a sum of allocative-efficiency terms (each tax rate times the change in the quantity it taxes),
endowment, technology, terms of trade and investment-savings terms, each the integral along
the solution path of a differential identity. This module derives the same identity for this
model (:mod:`cge.model`) and integrates it numerically, so that the terms add up to the EV of
the results (tested to 1e-6 of it, ``tests/test_welfare_decomposition.py``).

**The identity.** A household of region r buys commodity i at the consumer price
:math:`p^c_{ri} = (1+tc_{ri})\,pq_{ri}` and its demand is homothetic over supernumerary
quantities (:mod:`cge.model.households`), so along any path (Euler's theorem on the utility
tree, subsistence quantities fixed) :math:`p^U dUU = \sum_i p^c_i\, dXp_i` and

.. math::

    EV_h = p^U_{h,0}\,(UU_{h,1} - UU_{h,0})
         = \int_0^1 \frac{p^U_{h,0}}{p^U_h(t)} \sum_i p^c_{i}\,\frac{dXp_{ih}}{dt}\,dt .

Sum over the region's households with one deflator :math:`D_r = \sum_h p^U_{h,0} UU_h /
\sum_h p^U_h UU_h` (the households' term below carries the difference between their own
deflators and :math:`D_r`; zero with one household), and write :math:`\sum_{ih} p^c\,dXp`
with the region's market identities, each product of a price and a quantity change
(differentials along the path, ``d``):

* commodity market (markets block): :math:`Q = \sum_j X_j + \sum_h Xp_h + Xg + Xgf + Xv +
  Xre + XvP + XMG`;
* the Armington, domestic-composite, production, make and CET functions are linearly
  homogeneous with fixed parameters and their inputs minimise cost (outputs maximise revenue),
  so at their prices :math:`P\,dQ = \sum_k p_k\, dq_k` (the envelope property):
  :math:`\frac{pq}{1+tq} dQ = (1+\tau^m+rq)\,p^m dM + p^{dd} dDD`,
  :math:`p^{dd} dDD = \sum_o pds_{or}\, dDS_{or}`, :math:`p^z dZ_j = \sum_f (1+tf)\,p^f
  (dF_{fj} + F_{fj}\, db_j/b_j) + \sum_i pq_i\, dX_{ij}`, :math:`\sum_j (1+\tau^z_j)\,p^z_j
  dZ_j = \sum_i (p^e_i dE_i + p^d_i dD_i)`, :math:`p^d_i dD_i = \sum_d p^o_{rdi}\, dY_{rdi}`
  with :math:`Y = (1+tmg) DS` what leaves r for d at the origin price :math:`p^o` (``pd`` or
  ``pdo``);
* a shipment is delivered at :math:`pds = (1+tb+rs)\,pl`, with the landed price :math:`pl =
  p^o (1+tmg)\,\varepsilon_r/\varepsilon_o + \sum_{ms} a^{marg} tmr\, pq_{sm}\,
  \varepsilon_r/\varepsilon_s`.

Substituting, the intermediate inputs cancel and

.. math::

    \sum_{ih} p^c\, dXp = \underbrace{\sum \tau\, p\, dq}_{\text{allocative}}
      + \underbrace{\sum_f p^f dF}_{\text{endowment}}
      + \underbrace{\sum_{fj} (1+tf) p^f F\, \frac{db}{b}
          - \sum_o p^o DS\, \frac{\varepsilon_r}{\varepsilon_o} dtmg
          - \sum pq_s DS\, d(a^{marg} tmr)}_{\text{technology}}
      + \sum_{\text{purchases}} p\, dq - \sum_{\text{sales}} p\, dq
      - \sum_i pq\,d(Xg + Xgf) - \sum_i pq\,dXv

where the allocative terms are, per commodity or sector: the consumption tax
:math:`tc\,pq\,dXp`, the sales tax :math:`\frac{tq}{1+tq} pq\,dQ`, the tariff :math:`\tau^m
p^m dM`, an import quota's rent :math:`rq\,p^m dM`, the barrier on shipments :math:`tb\, pl\,
dDS` (and a shipment quota's rent :math:`rs\,pl\,dDS`), the production tax :math:`\tau^z p^z
dZ`, the tax on factor use :math:`tf\,p^f dF` and the export tax :math:`te\,p^e dE`. Sales to
non-residents are exports :math:`(1+te) p^e E`, re-exports and projects financed from abroad
:math:`pq\,(Xre + XvP)` (both in the balance of payments), shipments to other regions
:math:`p^o Y`, margin services :math:`pq\,XMG`; purchases are imports :math:`p^m M`, shipments
from other regions :math:`p^o Y \varepsilon_r/\varepsilon_o`, margin services bought for the
region's shipments, and, for a factor mobile across the country, its use beyond the region's
endowment :math:`pfn\,(\sum_j F_j - FF)` (the endowment term is then :math:`pfn\, dFF`). With
:math:`NX` the value of sales less purchases in the region's currency and
:math:`\varepsilon` its country's exchange rate, the trade terms are

.. math::

    \sum_{\text{purch.}} p\,dq - \sum_{\text{sales}} p\,dq
      = \underbrace{\sum_{\text{sales}} q\,\varepsilon\, d\frac{p}{\varepsilon}
          - \sum_{\text{purch.}} q\,\varepsilon\, d\frac{p}{\varepsilon}}_{\text{terms of trade}}
        - \varepsilon\, d\frac{NX}{\varepsilon}

split into the world terms of trade (trade with the rest of the world) and the interregional
ones (shipments, margin services, factor services), prices measured in world currency as
Huff and Hertel's are (world prices ``pWe``, ``pWm`` are the model's exogenous reference).
Re-exports and projects financed from abroad are bought by foreigners at the region's
purchaser prices, so a small open economy has world terms-of-trade effects through them
alone. The
trade balance is what the region's residents save less what they invest, :math:`NL = \sum_h
Sp_h + Sg + SE - \sum_i pq\,Xv` (net lending; ``Xv`` with every other final use the markets
block adds, projects financed at home), plus the income and transfers they pay to non-residents
net, :math:`NX - NL` (profits distributed to other regions and abroad, taxes passed to the
federal budget less its transfers and purchases, transfers from abroad with a minus), by the
region's accounts. So :math:`-\varepsilon\,d(NX/\varepsilon)` splits into the
income-transfers term :math:`-\varepsilon\,d((NX - NL)/\varepsilon)` (Hanslow's foreign
income flows) and, with :math:`-\sum_i pq\,dXv`, the investment-savings term
:math:`-\varepsilon\,d(NL/\varepsilon) - \sum_i pq\,dXv`: what residents save is not
consumed by its households. ``government`` is :math:`-\sum_i pq\,d(Xg+Xgf)`.

Every term is multiplied by :math:`D_r(t)` and integrated over the path of the scenario:
:math:`p(t) = p_0 + t\,(p_1 - p_0)` for the shocked parameters, solved at ``nodes + 1``
Chebyshev-Lobatto points :math:`t_j = (1 - \cos(\pi j/n))/2` (the benchmark, ``nodes - 1``
interior points, the scenario). Each price and quantity is interpolated by its Chebyshev
polynomial through the nodes, and :math:`\int_0^1 a\,db` of the two interpolants is
computed exactly (Gauss-Legendre with enough points). The interpolation error falls
geometrically with ``nodes`` on the model's smooth (analytic) path; ``residual`` (EV less the
terms) measures it: below 1e-6 of EV with 8 nodes on the toy and flagship scenarios
(``tests/test_welfare_decomposition.py``). Where it is not, the nodes are doubled (up to
:data:`MAX_NODES`) until it is. A path on which a complementarity pair switches regime (a
quota starts to bind) has a kink, where the interpolants converge slowly: the path is split at
the switches it finds between nodes and integrated in segments (:func:`decompose_scenario`);
the residual says how much the rule lost.

**Where this differs from Huff and Hertel.** (1) The welfare of a region is its households'
EV (:mod:`cge.model.results`), not a regional household's that also values government
consumption and savings: GTAP's investment-savings term (the price of investment against the
price of savings) becomes the resources invested and lent abroad here, and government
consumption is a term of its own. (2) Trade costs are iceberg margins ``tmg`` or margin
services, not a global transport sector: their technical change is a technology term of the
buying region, as GTAP's ``ams`` is the importer's. (3) Terms of trade are split into the
world's and the interregional ones (prices of shipments, margin services and factor services
between regions), both valued in world currency. (4) Employment changes (unemployment,
migration) are in the endowment term, as GTAP's endowment term is when employment is
endogenous. (5) Regions own factors and pay taxes beyond their borders (enterprises'
profits, the federal budget): their net income and transfers from non-residents are a term
of their own, as Hanslow's foreign income flows are.

Preference and technology parameters other than those above (CES share and scale
parameters, subsistence quantities) would need terms of their own: a scenario that shocks one
is refused with the parameter's name.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.collections import ComponentMap

from cge.errors import InputError, Location, Problem
from cge.experiments.runner import (
    SCENARIO_FAILURES,
    ExperimentResult,
    apply_and_solve,
    calibrate_experiment,
    resolve_shock,
)
from cge.experiments.spec import Experiment, Scenario
from cge.model import build_model, enterprises, households, margins, trade, transformation
from cge.model.rest_of_world import fx
from cge.model.results import AtPoint
from cge.reporting.labels import Labels
from cge.reporting.tables import scenario_label
from cge.solvers import symbolic_params
from cge.solvers.mcp import complementarity_pairs, has_complementarity, pair_name

#: Subtotals, in the order of the tables: (name, description).
SUBTOTALS = (
    ("allocative", "tax and quota-rent rates times the change in the "
     "quantities they fall on"),
    ("endowment", "change in the factors employed in the region"),
    ("technology", "productivity, trade costs (iceberg margins) and margin "
     "services saved"),
    ("tot_world", "terms of trade with the rest of the world (prices in world currency)"),
    ("tot_interregional", "terms of trade with other regions: shipments, margin services, "
     "factor services (prices in world currency)"),
    ("income_transfers", "net income and transfers from non-residents (other regions, the "
     "federal budget, abroad): profits, taxes, transfers; the trade balance less net lending"),
    ("investment_savings", "savings of the region's households, government and enterprises, "
     "not consumed: real investment and net lending"),
    ("government", "government consumption (regional and federal) in the region, not the "
     "households'"),
    ("households", "differences between households' price-of-utility deflators (zero with one "
     "household per region)"),
)
TERMS = tuple(name for name, _ in SUBTOTALS)

#: Parameters of preferences and technology whose change the identity has no term for.
UNSUPPORTED = frozenset({"gn", "an", "beta", "ax", "xim", "theta_m", "deltas", "gammas",
                         "theta", "xie", "xid", "theta_o", "xio", "delta_o", "gamma_o",
                         "gamma", "deltam", "deltad", "alpha", "gamma_h", "gh", "ah"})

#: Path steps to start with: the residual is below 1e-6 of EV on the toy and flagship
#: scenarios with them (tests/test_welfare_decomposition.py).
NODES = 8
#: The residual the steps are doubled for (relative to EV) and the most steps tried: a 90 %
#: output tax (experiments/mpsge_2x2_two_agents_tax.toml, otaxa_90) misses EV by 9e-5 of it
#: with 8 steps.
TOLERANCE = 1e-6
MAX_NODES = 64
#: A switch of regime is located to where the pair's position (:func:`_pair_positions`) is
#: below this, in model units (100 times Newton's tolerance on residuals), in at most so
#: many solves.
SWITCH_TOLERANCE = 1e-8
SWITCH_ITERATIONS = 30


def _flows(model: pyo.ConcreteModel, util0: dict[tuple[str, str], float]
           ) -> tuple[dict[tuple[str, str, str, int], tuple[float, float]], dict[str, float]]:
    """Every product of the identity at the current point, key (region, term, item, n) ->
    (a, b), contributing :math:`\\int D_r\\, a\\, db` (n tells apart products of one item),
    and the deflators :math:`D_r`; ``util0`` are the benchmark prices of utility."""
    m = AtPoint(model)
    out: dict = {}
    count: dict = defaultdict(int)

    def add(r, term, item, a, b):
        key = (r, term, item)
        out[key + (count[key],)] = (float(a), float(b))
        count[key] += 1

    regions = list(dict.fromkeys(r for r, _ in m.RH))
    home = set(regions)
    eps = {r: float(fx(m, r)) for r in m.R}

    def fx_to(d, o):  # units of d's currency per unit of o's
        return eps[d] / eps[o] if m.COUNTRY[o] != m.COUNTRY[d] else 1.0

    # trade of each region: (price, quantity, world?) of sales and purchases, r's currency
    sales, purchases = defaultdict(list), defaultdict(list)
    # households: consumption tax; the households' term
    defl_num, defl_den = defaultdict(float), defaultdict(float)
    for r, h in m.RH:
        defl_num[r] += util0[(r, h)] * m.UU[r, h]
        defl_den[r] += m.pU[r, h] * m.UU[r, h]
    deflator = {r: defl_num[r] / defl_den[r] for r in regions}
    for r, i, h in m.RIH:
        own = util0[(r, h)] / m.pU[r, h] / deflator[r]  # D_h / D_r
        add(r, "households", i, (own - 1.0) * households.consumer_price(m, r, i), m.Xp[r, i, h])
        add(r, "allocative", f"consumption tax:{i}", m.tc[r, i] * m.pq[r, i], m.Xp[r, i, h])
    # Armington: sales tax, tariffs, quota rents; imports
    for r, i in m.RQ:
        add(r, "allocative", f"sales tax:{i}", m.tq[r, i] / (1 + m.tq[r, i]) * m.pq[r, i],
            m.Q[r, i])
    for r, i in m.RM:
        add(r, "allocative", f"tariff:{i}", m.taum[r, i] * m.pm[r, i], m.M[r, i])
        if (r, i) in m.quota_set:
            add(r, "allocative", f"import quota:{i}", m.rq[r, i] * m.pm[r, i], m.M[r, i])
        purchases[r].append((m.pm[r, i], m.M[r, i], True, i))
    # shipments: barriers, quota rents, trade costs, margin services
    for o, d, i in m.ODC:
        op = transformation.origin_price(m, o, d, i)
        landed = trade.landed_price(m, o, d, i)
        add(d, "allocative", f"barrier:{i}", m.tb[o, d, i] * landed, m.DS[o, d, i])
        if (o, d, i) in m.shipment_quota_set:
            add(d, "allocative", f"shipment quota:{i}", m.rs[o, d, i] * landed, m.DS[o, d, i])
        if (o, d, i) in m.local_preference:  # a local-content requirement (cooperation block)
            add(d, "allocative", f"local-content preference:{i}",
                -pyo.value(m.local_preference[(o, d, i)]) * landed, m.DS[o, d, i])
        add(d, "technology", f"trade costs:{i}", -op * fx_to(d, o) * m.DS[o, d, i],
            m.tmg[o, d, i])
        if o != d:
            shipped = (1 + m.tmg[o, d, i]) * m.DS[o, d, i]
            sales[o].append((op, shipped, False, i))
            purchases[d].append((op * fx_to(d, o), shipped, False, i))
        for mm, s in m.margins_of.get((o, d, i), ()):
            price = m.pq[s, mm] * fx_to(d, s)
            add(d, "technology", f"margin services:{i}", -price * m.DS[o, d, i],
                margins.requirement(m, o, d, i, mm, s))
            purchases[d].append((price, margins.requirement(m, o, d, i, mm, s) * m.DS[o, d, i],
                                 False, mm))
    for s, mm in m.RMG:
        sales[s].append((m.pq[s, mm], m.XMG[s, mm], False, mm))
    # production: production tax, factor-use tax, productivity, endowment
    for r, j in m.RS:
        add(r, "allocative", f"production tax:{j}", m.tauz[r, j] * m.pz[r, j], m.Z[r, j])
    for (r, j, i), surcharge in m.plant_surcharge.items():  # paid for the preference
        add(r, "allocative", f"local-content surcharge:{j}", pyo.value(surcharge) * m.pq[r, j],
            m.X[r, j, i])
    national = set(m.CF_NATIONAL)
    used = defaultdict(float)
    for r, f, j in m.RFS:
        add(r, "allocative", f"factor-use tax:{j}", m.tf[r, f, j] * m.pf[r, f, j], m.F[r, f, j])
        add(r, "technology", f"productivity:{j}",
            (1 + m.tf[r, f, j]) * m.pf[r, f, j] * m.F[r, f, j] / m.b[r, j], m.b[r, j])
        if (m.COUNTRY[r], f) in national:
            used[(r, f)] += m.F[r, f, j]
        else:
            add(r, "endowment", f, m.pf[r, f, j], m.F[r, f, j])
    for (r, f), q in used.items():
        price = m.pfn[m.COUNTRY[r], f]
        add(r, "endowment", f, price, m.FF[r, f])
        purchases[r].append((price, q - m.FF[r, f], False, f))
    # exports, export tax, re-exports and projects financed from abroad
    for r, i in m.RE:
        add(r, "allocative", f"export tax:{i}", m.te[r, i] * m.pe[r, i], m.E[r, i])
        sales[r].append(((1 + m.te[r, i]) * m.pe[r, i], m.E[r, i], True, i))
    for r, i in m.RXE:
        sales[r].append((m.pq[r, i], m.Xre[r, i], True, i))
    # final uses other than households': government, and investment as what the market
    # leaves (Xv and any final use a block adds, e.g. projects financed at home), so that a
    # new use is counted (as investment) rather than lost from the identity
    for r, i in m.RQ:
        sales[r].append((m.pq[r, i], m.XvP[r, i], True, i))
        gov = (m.Xg[r, i] if (r, i) in m.Xg else 0.0) + (
            m.Xgf[r, i] if (r, i) in m.Xgf else 0.0)
        add(r, "government", i, -m.pq[r, i], gov)
    other = {k: m.Q[k] - m.XvP[k] for k in m.RQ}
    for r, j, i in m.RJS:
        other[(r, j)] -= m.X[r, j, i]
    for r, i, h in m.RIH:
        other[(r, i)] -= m.Xp[r, i, h]
    for k in m.RG:
        other[k] -= m.Xg[k]
    for k in m.RGF:
        other[k] -= m.Xgf[k]
    for k in m.RXE:
        other[k] -= m.Xre[k]
    for k in m.RMG:
        other[k] -= m.XMG[k]
    invested = defaultdict(float)
    for (r, i), q in other.items():
        add(r, "investment_savings", f"investment:{i}", -m.pq[r, i], q)
        invested[r] += m.pq[r, i] * q
    # terms of trade (prices in world currency), net lending, income and transfers
    for r in regions:
        nx = 0.0
        for sign, flows in ((1.0, sales[r]), (-1.0, purchases[r])):
            for p, q, world, item in flows:
                nx += sign * p * q
                add(r, "tot_world" if world else "tot_interregional", item,
                    sign * q * eps[r], p / eps[r])
        saved = (sum(m.Sp[k] for k in m.RH if k[0] == r) + m.Sg[r]
                 + enterprises.savings(m, r))
        lending = saved - invested[r]
        add(r, "investment_savings", "net lending", -eps[r], lending / eps[r])
        add(r, "income_transfers", "net", -eps[r], (nx - lending) / eps[r])
    return {k: x for k, x in out.items() if k[0] in home}, deflator


def lobatto_nodes(n: int) -> np.ndarray:
    """The n + 1 Chebyshev-Lobatto points on [0, 1], from 0 to 1."""
    return (1.0 - np.cos(np.pi * np.arange(n + 1) / n)) / 2.0


def path_integrals(t: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`\\int_0^1 a\\,db` of the polynomials through (t, a[:, j]) and (t, b[:, j]),
    exactly (rows of ``a`` and ``b`` are the nodes ``t``, columns the products)."""
    n = len(t) - 1
    x = 2.0 * t - 1.0  # [0, 1] -> [-1, 1]
    inv = np.linalg.inv(np.polynomial.chebyshev.chebvander(x, n))
    ca, cb = inv @ a, inv @ b  # Chebyshev coefficients
    dcb = np.polynomial.chebyshev.chebder(cb, axis=0)  # d/dx: the 2 of d/dt cancels dt = dx/2
    g, w = np.polynomial.legendre.leggauss(n + 1)  # exact for degree 2n + 1 >= 2n - 1
    va = np.polynomial.chebyshev.chebvander(g, n) @ ca
    vdb = np.polynomial.chebyshev.chebvander(g, n - 1) @ dcb
    return w @ (va * vdb)


def _targets(m: pyo.ConcreteModel, exp: Experiment, sc: Scenario) -> ComponentMap:
    targets = ComponentMap()
    for shock in sc.shocks:
        if shock.parameter in UNSUPPORTED:
            raise InputError(Problem(
                "bad-welfare-decomposition",
                f"scenario {sc.name!r} shocks {shock.parameter}, a parameter of preferences or "
                "technology that the welfare decomposition has no term for (it handles "
                "productivity b, trade costs tmg, margin services amarg and tmr, taxes, "
                "endowments, world prices and transfers)", Location(file=str(exp.file))))
        for data, new in resolve_shock(m, shock, sc.name, str(exp.file)):
            targets[data] = new
    return targets


@dataclass(frozen=True)
class _Benchmark:
    """What every scenario's path starts from: the model's variables and their benchmark
    values, the benchmark prices of utility and spending on it, and the products of the
    identity at the benchmark (the same for every scenario: computed once)."""

    variables: list
    values: list
    util0: dict
    uu0: dict
    spend0: dict
    flows: tuple[dict, dict]

    @classmethod
    def of(cls, m: pyo.ConcreteModel) -> _Benchmark:
        util0 = {k: pyo.value(m.pU[k]) for k in m.RH}
        uu0 = {k: pyo.value(m.UU[k]) for k in m.RH}
        spend0: dict = defaultdict(float)
        for k, p in util0.items():
            spend0[k[0]] += p * uu0[k]
        variables = list(m.component_data_objects(pyo.Var))
        return cls(variables, [d.value for d in variables], util0, uu0, dict(spend0),
                   _flows(m, util0))


@dataclass
class _Node:
    """A solved point t of the path: the identity's products, the deflators, the variables,
    and the complementarity pairs' positions (:func:`_pair_positions`)."""

    t: float
    flows: dict
    deflator: dict
    values: list
    pairs: dict[str, float]


def _pair_positions(m: pyo.ConcreteModel) -> dict[str, float]:
    """For each complementarity pair, its variable's distance from its bound less its
    inequality's slack: negative while the variable is at its bound, positive while the
    inequality binds, continuous along the path and zero where the regime switches (a kink)."""
    out = {}
    for row, var in complementarity_pairs(m)[0]:
        body = pyo.value(row.body)
        slack = body - pyo.value(row.lower) if row.has_lb() else pyo.value(row.upper) - body
        out[pair_name(row, var)] = var.value - var.lb - slack
    return out


class _Path:
    """The path of one scenario, p(t) = p0 + t (p1 - p0) of its shocked parameters: solves
    its points, each warm-started from a solved one, and integrates the identity over it."""

    def __init__(self, m: pyo.ConcreteModel, exp: Experiment, sc: Scenario,
                 targets: ComponentMap, bench: _Benchmark):
        self.m, self.exp, self.sc, self.targets, self.bench = m, exp, sc, targets, bench
        self.start = ComponentMap((d, pyo.value(d)) for d in targets)
        self.pairs = has_complementarity(m)
        self.first = _Node(0.0, *bench.flows, bench.values,
                           _pair_positions(m) if self.pairs else {})
        self.at: _Node = self.first  # the point the model is at

    def solve(self, t: float, near: _Node) -> _Node:
        """The point t, solved from the solved point ``near``."""
        if self.at is not near:
            self.place(near)
        apply_and_solve(self.m, self._parameters(t), self.exp,
                        f"scenario {self.sc.name!r} at t = {t:.4f} of its path")
        self.at = _Node(t, *_flows(self.m, self.bench.util0),
                        [d.value for d in self.bench.variables],
                        _pair_positions(self.m) if self.pairs else {})
        return self.at

    def _parameters(self, t: float) -> ComponentMap:
        """The shocked parameters' values at t."""
        return ComponentMap((d, self.start[d] + t * (new - self.start[d]))
                            for d, new in self.targets.items())

    def place(self, node: _Node) -> None:
        """Put the model at the solved point ``node``."""
        for d, x in zip(self.bench.variables, node.values, strict=True):
            d.set_value(x, skip_validation=True)
        for d, x in self._parameters(node.t).items():
            d.set_value(x)
        self.at = node

    def segment(self, solved: dict[int, _Node], t1: float, nodes: int
                ) -> dict[tuple[str, str, str, int], float]:
        """The integrals of every product from ``solved[0]`` to t1, at ``nodes`` steps.

        ``solved`` holds the segment's nodes already solved (by their index on this grid: the
        nodes of ``nodes / 2`` steps are the even ones of ``nodes``) and gains the others,
        each solved from the node before it.
        """
        t = solved[0].t + (t1 - solved[0].t) * lobatto_nodes(nodes)
        for j in range(1, nodes + 1):
            if j not in solved:
                solved[j] = self.solve(float(t[j]), solved[j - 1])
        keys = list(self.bench.flows[0])
        a = np.array([[solved[j].flows[k][0] * solved[j].deflator[k[0]] for k in keys]
                      for j in range(nodes + 1)])
        b = np.array([[solved[j].flows[k][1] for k in keys] for j in range(nodes + 1)])
        # the integral does not depend on the parametrisation: the segment's nodes are the
        # Chebyshev-Lobatto points of [0, 1] mapped onto it
        return dict(zip(keys, path_integrals(lobatto_nodes(nodes), a, b), strict=True))

    def switches(self, nodes: list[_Node]) -> list[_Node]:
        """The points where a complementarity pair switches regime between two consecutive
        ``nodes``, solved: each a root of the pair's position (:func:`_pair_positions`),
        found by regula falsi (Illinois) between the two. A switch at a node needs no point
        of its own."""
        out: list[_Node] = []
        for lo, hi in itertools.pairwise(nodes):
            for name, f_lo in lo.pairs.items():
                f_hi = hi.pairs[name]
                if min(abs(f_lo), abs(f_hi)) > SWITCH_TOLERANCE and (f_lo < 0) != (f_hi < 0):
                    kink = self._root(name, lo, hi)
                    if all(abs(kink.t - k.t) > 1e-9 for k in out):
                        out.append(kink)
        return sorted(out, key=lambda n: n.t)

    def _root(self, name: str, a: _Node, b: _Node) -> _Node:
        """The switch of pair ``name`` between a and b (a.t < b.t, positions of opposite
        signs). The position is smooth on either side of the switch with a kink at it: a
        secant through the last two points on one side extrapolates that side's branch
        (superlinearly), a secant across the kink (regula falsi) converges only linearly
        (measured: 29 solves to 4e-9 on the toy's requirement). A step outside the bracket
        bisects it."""
        side: dict[bool, list[_Node]] = {a.pairs[name] < 0: [a], b.pairs[name] < 0: [b]}
        c = a
        for _ in range(SWITCH_ITERATIONS):
            fa, fb = a.pairs[name], b.pairs[name]
            t = (a.t * fb - b.t * fa) / (fb - fa)
            branch = side[c.pairs[name] < 0][-2:]
            if c is not a and len(branch) == 2:
                (p, fp), (q, fq) = ((n.t, n.pairs[name]) for n in branch)
                t = q - fq * (q - p) / (fq - fp) if fq != fp else a.t
                if not a.t < t < b.t:
                    t = (a.t + b.t) / 2.0
            c = self.solve(t, a if t - a.t < b.t - t else b)
            fc = c.pairs[name]
            if abs(fc) <= SWITCH_TOLERANCE:
                break
            side[fc < 0].append(c)
            if (fc < 0) == (fb < 0):
                b = c
            else:
                a = c
            if b.t - a.t <= 1e-9:
                break
        return c


def decompose_scenario(m: pyo.ConcreteModel, exp: Experiment, sc: Scenario,
                       nodes: int = NODES, bench: _Benchmark | None = None
                       ) -> tuple[dict[tuple[str, str, str], float], int]:
    """The terms of one scenario, (region, term, item) -> value (model money units), and the
    number of path steps used (per segment, see below).

    Starts with ``nodes`` steps and doubles them (up to :data:`MAX_NODES`) while a region's
    terms miss its EV by more than :data:`TOLERANCE` of it (plus 1e-9 of its households'
    benchmark spending on utility, for an EV near zero); a doubled path solves only its new
    nodes, between those already solved. Where a complementarity pair switches regime
    between two nodes of the first path (a quota or a local-content requirement starts to
    bind), the path has a kink, on which the interpolants converge slowly (a local-content
    requirement's path missed EV by 1.5e-6 of it with 64 steps): the switch points are found
    and the path is integrated in segments between them, each with ``nodes`` steps. ``m``
    must be at its benchmark (``bench``, if given, from it); its parameters are restored, its
    variables left at the scenario's solution.
    """
    targets = _targets(m, exp, sc)
    path = _Path(m, exp, sc, targets, bench or _Benchmark.of(m))
    solved: list[dict[int, _Node]] = [{0: path.first}]
    ends = [1.0]
    try:
        while True:
            out: dict = defaultdict(float)
            for seg, t1 in zip(solved, ends, strict=True):
                for k, x in path.segment(seg, t1, nodes).items():
                    out[k[:3]] += float(x)
            kinks = (path.switches([solved[0][j] for j in range(nodes + 1)])
                     if len(ends) == 1 and path.pairs else [])
            if kinks:  # again, in segments between the switch points
                solved = [{0: k} for k in (path.first, *kinks)]
                for seg, k in zip(solved, kinks, strict=False):
                    seg[nodes] = k
                ends = [k.t for k in kinks] + [1.0]
                continue
            path.place(solved[-1][nodes])
            ev: dict = defaultdict(float)
            for (r, h), u0 in path.bench.util0.items():
                ev[r] += u0 * (pyo.value(m.UU[r, h]) - path.bench.uu0[(r, h)])
            total: dict = defaultdict(float)
            for (r, _, _), x in out.items():
                total[r] += x
            if nodes >= MAX_NODES or all(
                    abs(total[r] - e) <= TOLERANCE * abs(e) + 1e-9 * path.bench.spend0[r]
                    for r, e in ev.items()):
                return dict(out), nodes
            solved = [{2 * j: node for j, node in seg.items()} for seg in solved]
            nodes *= 2
    finally:  # the shocked parameters back at the benchmark
        for d, x in path.start.items():
            d.set_value(x)


def _model(exp: Experiment, scenarios: list[Scenario]) -> pyo.ConcreteModel:
    """The experiment's model at its benchmark, for results without theirs: the Params the
    scenarios shock are declared parameters of its translation, which every path node then
    reuses (:func:`cge.solvers.symbolic_params`)."""
    _, cal = calibrate_experiment(exp)
    m = build_model(cal)
    shocked = []
    for sc in scenarios:
        for shock in sc.shocks:
            shocked += [data for data, _ in resolve_shock(m, shock, sc.name, str(exp.file))]
    symbolic_params(m, shocked)
    return m


def welfare_results(res: ExperimentResult, nodes: int = NODES,
                    progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """The decomposition of every solved scenario of ``res`` (from :func:`run_experiment`):

    * ``welfare_terms`` (scenario, region, welfare_term): the subtotals :data:`TERMS`;
    * ``welfare_detail`` (scenario, region, welfare_item): every term by instrument and
      commodity, sector or factor (``term:instrument:label``; zero where absent);
    * ``welfare_residual`` (scenario, region): the region's EV less the sum of its terms.

    The benchmark is zero; NaN for a failed scenario and for one whose decomposition failed
    (a shock the identity has no term for, a path point that did not solve: the reasons are
    in the attribute ``welfare_skipped``); money in the results' unit.
    """
    ds, exp = res.results, res.experiment
    scen = [str(s) for s in ds["scenario"].values]
    by_name = {s.name: s for s in exp.scenarios}
    solved = [s for s in scen[1:] if str(ds["status"].sel(scenario=s).item()) == "ok"]
    m = res.model if res.model is not None else _model(exp, [by_name[s] for s in solved])
    bench = _Benchmark.of(m)
    regions = list(dict.fromkeys(r for r, _ in m.RH))
    found: dict[str, dict] = {}
    skipped, steps = [], {}
    for s in solved:
        if progress is not None:
            progress(f"welfare decomposition: {s} ({nodes} steps)")
        try:
            found[s], steps[s] = decompose_scenario(m, exp, by_name[s], nodes, bench)
        except (InputError, *SCENARIO_FAILURES) as exc:
            # the scenario itself solved: its results stand, without a decomposition (NaN)
            skipped.append(f"{s}: {str(exc).splitlines()[0]}")
        finally:  # the next path starts at the benchmark
            for d, x in zip(bench.variables, bench.values, strict=True):
                d.set_value(x, skip_validation=True)
    items = sorted({f"{t}:{i}" for out in found.values() for _, t, i in out},
                   key=lambda x: (TERMS.index(x.split(":")[0]), x))
    detail = np.full((len(scen), len(regions), len(items)), np.nan)
    detail[0] = 0.0
    col = {x: n for n, x in enumerate(items)}
    row = {r: n for n, r in enumerate(regions)}
    for s, out in found.items():
        k = scen.index(s)
        detail[k] = 0.0
        for (r, t, i), x in out.items():
            detail[k, row[r], col[f"{t}:{i}"]] += x
    money = ds.attrs.get("units", "value")
    coords = {"scenario": ds["scenario"].values, "region": regions}
    detail_da = xr.DataArray(detail, dims=("scenario", "region", "welfare_item"),
                             coords=coords | {"welfare_item": items})
    # subtotals: 0 for a term without items, NaN where the scenario has no decomposition
    subtotal = np.zeros((len(scen), len(regions), len(TERMS)))
    for x, n in col.items():
        subtotal[:, :, TERMS.index(x.split(":")[0])] += detail[:, :, n]
    subtotal[[k for k, s in enumerate(scen) if k and s not in found]] = np.nan
    terms = xr.DataArray(subtotal, dims=("scenario", "region", "welfare_term"),
                         coords=coords | {"welfare_term": list(TERMS)})
    ev = ds["EV"].sel(region=regions).sum("household", skipna=False)
    residual = ev - terms.sum("welfare_term", skipna=False)
    out = xr.Dataset({
        "welfare_terms": terms.assign_attrs(
            units=money, unit_kind="value", kind="indicator",
            long_name="welfare decomposition of the region's EV (Huff and Hertel 2000)",
            description="; ".join(f"{n}: {d}" for n, d in SUBTOTALS)),
        "welfare_detail": detail_da.assign_attrs(
            units=money, unit_kind="value", kind="indicator",
            long_name="welfare decomposition of the region's EV by term, instrument and "
            "commodity, sector or factor"),
        "welfare_residual": residual.assign_attrs(
            units=money, unit_kind="value", kind="indicator",
            long_name="EV less the sum of its welfare decomposition terms (integration error)"),
        "welfare_steps": xr.DataArray(
            [0.0] + [float(steps.get(s, np.nan)) for s in scen[1:]], dims="scenario",
            coords={"scenario": ds["scenario"].values}).assign_attrs(
            units="1", kind="run", long_name="path steps (solves) of the welfare "
            "decomposition: doubled from the first until the terms add up to EV"),
    })
    for da in out.data_vars.values():
        da.attrs["description"] = da.attrs.get("description", da.attrs["long_name"])
    out.attrs["welfare_nodes"] = nodes
    out.attrs["welfare_skipped"] = "; ".join(skipped)
    return out


def add_welfare_decomposition(res: ExperimentResult, nodes: int = NODES,
                              progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """``res.results`` with the variables of :func:`welfare_results` and their attributes."""
    extra = welfare_results(res, nodes, progress)
    ds = res.results.merge(extra, join="outer")  # regions without households: NaN
    ds.attrs.update(extra.attrs)
    return ds


def decomposition_table(ds: xr.Dataset, labels: Labels, region: str) -> pd.DataFrame:
    """The subtotals of one region's EV: terms (and EV) by scenario, in the results' unit.

    The households' term is left out (with a note) for a region with one household, where it
    is zero by definition.
    """
    terms = ds["welfare_terms"].sel(region=region, scenario=ds["scenario"].values[1:])
    df = terms.to_pandas().T
    notes = []
    if int(ds["EV"].sel(region=region, scenario="benchmark").notnull().sum()) == 1:
        df = df.drop(index="households")
        notes.append(labels.text("welfare_one_household"))
    ev = ds["EV"].sel(region=region, scenario=list(df.columns)).sum("household", skipna=False)
    df.loc["EV"] = ev.values
    df = df.rename(index=lambda t: labels.text("EV" if t == "EV" else f"welfare_{t}"))
    df.index.name, df.columns.name = labels.text("welfare_term"), None
    df = df.rename(columns=lambda s: scenario_label(ds, labels, s))
    df.attrs["title"] = f"{labels.text('welfare_decomposition')}: {labels.of('region', region)}"
    df.attrs["units"] = dict.fromkeys(df.columns, ds["welfare_terms"].attrs.get("units", ""))
    if ds.attrs.get("welfare_skipped"):
        notes.append(f"{labels.text('welfare_skipped')}: {ds.attrs['welfare_skipped']}")
    df.attrs["notes"] = notes
    return df
