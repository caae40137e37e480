r"""Margins as services (TERM: Horridge, Madden and Wittwer 2005): shipments need trade and
transport services supplied by regions' margin industries (calibration:
:mod:`cge.calibration.margins`).

Sets: ``MSUP`` = (origin o, destination d, commodity i, margin commodity m, supplier s) with a
margin requirement; ``MCOR`` = its (o, d, i, m); ``RMG`` = (s, m) supplying margins.

Each unit of i delivered from o to d needs :math:`a^{marg}_{odim}\,tmr_{odims}` units of
margin commodity m from region s, in fixed proportions to the flow and in fixed shares of the
suppliers (TERM's Leontief margin technology with margin-saving technical change ``a_marg``;
TERM also lets the supplying regions substitute, which the shares as data leave out). The
margin services are bought from s's composite good m at its purchaser price ``pq``: a SAM
records them as a use of that commodity's market (``c-m(s) -> c-i(d)``), taxed like its other
uses, and the composite is what a region's transport or trade industry sells (a productivity
gain in s's transport sector lowers ``pq`` through ``pd``). Requirements are demand for the
margin commodity in s:

.. math::

    XMG_{sm} = \sum_{odi} a^{marg}_{odim}\,tmr_{odims}\,DS_{odi}
        \qquad \text{eq\_margin\_demand} \to XMG_{sm}

a use of s's composite (markets block), and the margin cost enters the landed price of the
flow (trade block), in d's currency:

.. math::

    pl_{odi} = (1+tmg_{odi})\,pd_{oi}\,\frac{\varepsilon_{c(d)}}{\varepsilon_{c(o)}}
        + \sum_{ms} a^{marg}_{odim}\,tmr_{odims}\,pq_{sm}\,
        \frac{\varepsilon_{c(d)}}{\varepsilon_{c(s)}}

so cheaper trade (``a_marg`` below one) shrinks the margin industries only by the services no
longer needed, and demand for trade can raise them. A flow with margin services has no
iceberg margin (``tmg = 0``); without a margin-structure file the sets are empty and the
model is the iceberg model.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.calibration.margins import requirements
from cge.model.symbols import equation, param, var

BLOCK = "margins"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    tmr = requirements(cal.data)
    m.MSUP = list(tmr)
    m.MCOR = list(dict.fromkeys(k[:4] for k in m.MSUP))
    m.RMG = list(dict.fromkeys((k[4], k[3]) for k in m.MSUP))
    #: per flow (o, d, i): its margin commodities and suppliers (m, s)
    m.margins_of = {}
    for o, d, i, mm, s in m.MSUP:
        m.margins_of.setdefault((o, d, i), []).append((mm, s))
    dims5 = ("origin", "destination", "commodity", "margin", "supplier")
    param(m, "tmr", m.MSUP, dims5, block=BLOCK, unit="1", latex="tmr",
          doc="benchmark margin services (of the margin commodity from the supplier region) "
          "per unit of goods delivered from origin to destination", init=tmr)
    param(m, "amarg", m.MCOR, ("origin", "destination", "commodity", "margin"), block=BLOCK,
          unit="1", latex="a^{marg}", doc="margin-saving technical change (1 at the benchmark; "
          "below 1: fewer services per unit shipped)", init=1.0)
    v0 = cal.table("V0") if m.MSUP else {}
    tmg0 = cal.table("tmg0") if m.MSUP else {}
    xmg0: dict = {k: 0.0 for k in m.RMG}
    for (o, d, i, mm, s), v in tmr.items():
        xmg0[(s, mm)] += v * v0[(o, d, i)] / (1 + tmg0[(o, d, i)])
    var(m, "XMG", m.RMG, ("region", "commodity"), block=BLOCK, unit="quantity",
        latex="XMG", doc="margin services supplied by the region (use of its composite good)",
        init=xmg0)


def requirement(m: pyo.ConcreteModel, o: str, d: str, i: str, mm: str, s: str):
    """Units of margin mm from s per unit of i delivered from o to d: ``amarg x tmr``."""
    return m.amarg[o, d, i, mm] * m.tmr[o, d, i, mm, s]


def cost(m: pyo.ConcreteModel, o: str, d: str, i: str):
    """Margin services per unit delivered from o to d, at the suppliers' purchaser prices, in
    d's currency (0 for a flow without margin services)."""
    total = 0
    for mm, s in m.margins_of.get((o, d, i), ()):
        price = m.pq[s, mm]
        if m.COUNTRY[s] != m.COUNTRY[d]:
            price = price * m.epsilon[m.COUNTRY[d]] / m.epsilon[m.COUNTRY[s]]
        total = total + requirement(m, o, d, i, mm, s) * price
    return total


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    served: dict = {k: [] for k in m.RMG}
    for o, d, i, mm, s in m.MSUP:
        served[(s, mm)].append((o, d, i))
    equation(m, "eq_margin_demand", m.RMG, ("region", "commodity"), block=BLOCK,
             determines="XMG", latex=r"XMG_{sm} = \sum_{odi} a^{marg}\,tmr\,DS_{odi}",
             doc="margin services the region supplies: requirements times the flows",
             rule=lambda m, s, mm: m.XMG[s, mm] == sum(
                 requirement(m, o, d, i, mm, s) * m.DS[o, d, i] for o, d, i in served[(s, mm)]))
