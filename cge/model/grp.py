r"""Gross regional product, nominal and in volume, by production and by expenditure (SNA).

Nominal GRP at market prices of region r (in r's currency):

.. math::

    GRP_r &= \sum_{fi} pf_{rfi} F_{rfi} + \sum_i \big(Tz_{ri} + Tm_{ri} + Tq_{ri} + Te_{ri}\big)
             + Tb_r + Tf_r + Tc_r + \sum_i RQV_{ri} + \sum_{o,i} RSV_{ori} + \sum_i KRV_{ri}
        && \text{(production: value added + taxes + quota and capacity rents)} \\
          &= \sum_i pq_{ri} FD_{ri} + Tc_r + \sum_i (1+te_{ri}) pe_{ri}E_{ri} - \sum_i pm_{ri}M_{ri}
             + \sum_{d \ne r,i} pl_{rdi} DS_{rdi} - \sum_{o \ne r,i} pl_{ori} DS_{ori}
        && \text{(expenditure)}

with ``FD`` every final use of the composite good (households, governments, investment,
re-exports, projects), ``Tc`` the consumption tax households pay on top of purchaser prices,
and ``pl = (1 + tmg) pd`` (``pdo`` for origins selling under a CET between destinations) the
landed price of a shipment before the
destination's duty (converted between currencies where o and d are in different countries; on
the exporter's side in its own currency).

Real GRP is the same two sums at benchmark prices and tax rates with current quantities, as
the SNA measures volumes: every *transaction* (exports, shipments, imports, the goods bought)
is valued at its benchmark price, every tax at its benchmark rate on its current base. Model
aggregates that are not transactions (the Armington composite ``Q``, output ``Z``) are valued
through their components, so the two sides agree exactly (the model's quantity identities),
and a tax change moves real GRP only through the quantities it changes. A shipment's volume is
what leaves the origin and what the buyer pays for, ``(1 + tmg) DS`` units at the origin's
benchmark price: ``w_{odi} = (1+tmg_{odi}) pd^0_{oi} DS_{odi}`` (times the benchmark
exchange-rate ratio). The benchmark value of the goods that make up the composite is
``Q^b_{ri} = (1+\tau^{m0}) pm^0 M + \sum_o (1+tb^0) w_{ori}`` and each unit of composite used
is valued at ``v_{ri} = (1+tq^0) Q^b_{ri} / Q_{ri}``:

.. math::

    GRP^{real}_r &= \sum_i pe^0 E + \sum_{d,i} w_{rdi} - \sum_{j,i} v_{rj} X_{rji}
        + \sum_i \big(\tau^{m0} pm^0 M + tq^0 Q^b + \textstyle\sum_o tb^0 w_{ori}\big)
        && \text{(production, double deflation)} \\
        &= \sum_i v_{ri} FD_{ri} + \sum_i pe^0 E - \sum_i pm^0 M
            + \sum_{d \ne r,i} w_{rdi} - \sum_{o \ne r,i} w_{ori}
        && \text{(expenditure)}

Margin services (:mod:`cge.model.margins`) are sold by their supplier s to the flow's
destination d, like a shipment of services: ``+ pq_{sm} XMG`` on s's side, the margins of
d's inflows (part of their landed value ``pl``) on d's, netting out where s = d. In volume
they are valued at the supplier's benchmark purchaser price (``pq^0 a^{marg} tmr DS``), the
rest of s's composite at ``v`` computed without them.

An iceberg margin is nobody's value added: cutting it raises real GRP only as far as the
resources it frees produce more; its gain to buyers shows in prices, welfare (EV) and the terms
of trade. At the benchmark, real and nominal GRP coincide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyomo.environ as pyo
import xarray as xr

from cge.model import capacity, margins, quotas, transformation

#: Benchmark prices that value volumes: read from the model at its benchmark point or from a
#: solution Dataset of the benchmark.
PRICES = ("pe", "pd", "pdo", "pm", "pq", "epsilon")


@dataclass(frozen=True)
class BasePrices:
    """Benchmark prices (``PRICES``) and tax rates, keyed like the model's indices."""

    prices: Mapping[str, Mapping]
    rates: Mapping[str, Mapping]

    @classmethod
    def from_model(cls, m: pyo.ConcreteModel) -> BasePrices:
        """From the model's current point and parameters: call it at the benchmark."""
        return cls({n: {k: pyo.value(v) for k, v in getattr(m, n).items()} for n in PRICES},
                   _rates(m))

    @classmethod
    def from_solution(cls, m: pyo.ConcreteModel, benchmark: xr.Dataset) -> BasePrices:
        """Prices from ``benchmark`` (the model's :func:`~cge.model.results.solution` at its
        benchmark); rates from the calibration (the benchmark's tax and margin rates)."""
        prices = {}
        for n in PRICES:
            keys = list(getattr(m, n))
            # solution() leaves out variables without entries (no exports in a closed world)
            prices[n] = {k: float(v) for k, v in _at(benchmark[n], keys)} if keys else {}
        return cls(prices, _rates(m, calibrated=True))


def _at(da: xr.DataArray, keys) -> list[tuple]:
    """``(key, value)`` of ``da`` at each label tuple (or label) in ``keys``, read in one pass
    (as ``da.loc[key]`` one by one)."""
    s = da.to_series()
    table = dict(zip(s.index, s.to_numpy(), strict=True))
    return [(k, table[k]) for k in keys]


def _rates(m: pyo.ConcreteModel, calibrated: bool = False) -> dict[str, dict]:
    if calibrated:
        data = m.cal.data
        return {"taum": {k: float(v) for k, v in _at(data["taum"], m.RQ)},
                "tq": {k: float(v) for k, v in _at(data["tq"], m.RQ)},
                # duties the SAM records (duty_accounts), else zero
                "tb": {k: float(v) for k, v in _at(data["tb0"], m.ODC)}}
    return {n: {k: pyo.value(v) for k, v in getattr(m, n).items()}
            for n in ("taum", "tq", "tb")}


def _origin_price(p: Mapping[str, Mapping], o: str, d: str, i: str) -> float:
    """Benchmark price at the origin of what leaves o for d (as
    :func:`cge.model.transformation.origin_price`)."""
    return p["pdo"][(o, d, i)] if (o, d, i) in p["pdo"] else p["pd"][(o, i)]


def _fx(m: pyo.ConcreteModel, o: str, d: str, eps: Mapping):
    """Exchange-rate ratio that converts o's currency into d's (1 within a country)."""
    co, cd = m.COUNTRY[o], m.COUNTRY[d]
    return 1.0 if co == cd else eps[cd] / eps[co]


def _final_demand(m: pyo.ConcreteModel) -> dict:
    """Every final use of each composite good (r, i): the components named in
    ``m.final_uses`` (markets block; extensions append theirs)."""
    out: dict = {k: 0 for k in m.RQ}
    for name in m.final_uses:
        for k, v in getattr(m, name).items():
            out[(k[0], k[1])] = out[(k[0], k[1])] + v
    return out


def _by_region(m: pyo.ConcreteModel, terms) -> dict:
    """Sum ``(region, term)`` pairs per region of the model."""
    out: dict = {r: 0 for r in m.R}
    for r, term in terms:
        out[r] = out[r] + term
    return out


def nominal(m: pyo.ConcreteModel) -> dict[str, tuple]:
    """Nominal GRP of every region by production and by expenditure (Pyomo expressions)."""
    fd = _final_demand(m)
    # value added at factor cost is factor income (production block: zero profit in each nest)
    production = _by_region(m, [(k[0], m.pf[k] * m.F[k]) for k in m.RFS]
                            + [(k[0], m.Tz[k]) for k in m.RS]
                            + [(k[0], m.Tm[k] + m.Tq[k]) for k in m.RQ]
                            + [(r, quotas.rents_of(m, r)) for r in m.R]  # quota rents
                            + [(r, capacity.rents_of(m, r)) for r in m.R]
                            + [(k[0], m.Te[k]) for k in m.RE]
                            + [(r, m.Tb[r] + m.Tf[r] + m.Tc[r]) for r in m.R])
    # exports at their fob value, export tax included
    terms = ([(k[0], m.pq[k] * fd[k]) for k in m.RQ]
             + [(k[0], (1 + m.te[k]) * m.pe[k] * m.E[k]) for k in m.RE]
             + [(k[0], -m.pm[k] * m.M[k]) for k in m.RM]
             # households pay the consumption tax on top of purchaser prices
             + [(r, m.Tc[r]) for r in m.R])
    for o, d, i in m.ODC:
        if o != d:
            # on the exporter's side in its own currency, on the importer's in its own
            price = transformation.origin_price(m, o, d, i)
            landed = (1 + m.tmg[o, d, i]) * price * m.DS[o, d, i]
            terms += [(o, landed), (d, -landed * _fx(m, o, d, m.epsilon))]
    # margin services: sold by the supplier to the destination (net zero where s = d)
    for o, d, i, mm, s in m.MSUP:
        sold = margins.requirement(m, o, d, i, mm, s) * m.DS[o, d, i] * m.pq[s, mm]
        terms += [(s, sold), (d, -sold * _fx(m, s, d, m.epsilon))]
    expenditure = _by_region(m, terms)
    return {r: (production[r], expenditure[r]) for r in m.R}


def real(m: pyo.ConcreteModel, base: BasePrices) -> dict[str, tuple]:
    """Real GRP of every region at ``base`` prices by production and by expenditure (Pyomo
    expressions; see the module docstring)."""
    p, t = base.prices, base.rates
    eps = p["epsilon"]
    goods: dict = {k: 0 for k in m.RQ}  # Q^b: benchmark value of what the composite is made of
    prod: list = []
    exp: list = []
    for k in m.RM:
        goods[k] = goods[k] + (1 + t["taum"][k]) * p["pm"][k] * m.M[k]
        prod.append((k[0], t["taum"][k] * p["pm"][k] * m.M[k]))
        exp.append((k[0], -p["pm"][k] * m.M[k]))
    for k in m.RE:
        prod.append((k[0], p["pe"][k] * m.E[k]))
        exp.append((k[0], p["pe"][k] * m.E[k]))
    for o, d, i in m.ODC:
        # what leaves o, at o's benchmark price, before the duty; in o's and in d's currency
        w_o = (1 + m.tmg[o, d, i]) * _origin_price(p, o, d, i) * m.DS[o, d, i]
        w_d = w_o * _fx(m, o, d, eps)
        goods[(d, i)] = goods[(d, i)] + (1 + t["tb"][o, d, i]) * w_d
        prod += [(o, w_o), (d, t["tb"][o, d, i] * w_d)]
        if o != d:
            exp += [(o, w_o), (d, -w_d)]
    # margin services: their volume at the supplier's benchmark purchaser price, sold by s to
    # the flow's destination, part of the landed value the duty and the composite take in
    sold: dict = {k: 0 for k in m.RMG}
    for o, d, i, mm, s in m.MSUP:
        v_s = p["pq"][(s, mm)] * margins.requirement(m, o, d, i, mm, s) * m.DS[o, d, i]
        v_d = v_s * _fx(m, s, d, eps)
        sold[(s, mm)] = sold[(s, mm)] + v_s
        goods[(d, i)] = goods[(d, i)] + (1 + t["tb"][o, d, i]) * v_d
        prod.append((d, t["tb"][o, d, i] * v_d))
        exp += [(s, v_s), (d, -v_d)]
    # benchmark value of one unit of each composite good (other than those sold as margins,
    # valued above)
    value = {k: ((1 + t["tq"][k]) * goods[k] - sold[k]) / (m.Q[k] - m.XMG[k]) if k in sold
             else (1 + t["tq"][k]) * goods[k] / m.Q[k] for k in m.RQ}
    prod += [(k[0], t["tq"][k] * goods[k]) for k in m.RQ]
    prod += [(r, -value[(r, j)] * m.X[r, j, i]) for r, j, i in m.RJS]
    fd = _final_demand(m)
    exp += [(k[0], value[k] * fd[k]) for k in m.RQ]
    production, expenditure = _by_region(m, prod), _by_region(m, exp)
    return {r: (production[r], expenditure[r]) for r in m.R}
