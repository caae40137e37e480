r"""Trade activities: origins that are perfect substitutes, routes that may carry nothing.

Sets: ``RTA`` = (region, commodity) whose domestic composite is a homogeneous good, for the
commodities listed as data (``[model] trade_activities = ["x", "y"]``); ``ODTA`` = (origin,
destination, commodity) routes into those markets: the region's own supply, the SAM's
shipments, and a route from every other region that sells the good at home, carrying nothing in
the benchmark (its trade cost: the iceberg margin ``tmg`` of the trade-margins file and the
duty ``tb``). Without the option both sets are empty and the trade block's CES over origins
holds everywhere.

On these markets the goods of all origins are one good with one price ``pdd`` in the
destination, and each route is an activity (Markusen's trade activities in GAMS/MPSGE): it
buys the good at the origin and sells it in the destination, at zero profit if it runs and at
a loss if it does not (complementary slackness), and the homogeneous good's market clears:

.. math::

    pds_{odi} \ge pdd_{di} \;\perp\; DS_{odi} \ge 0 && \text{eq\_trade\_activity} \\
    DD_{di} = \sum_o DS_{odi} && \text{eq\_homogeneous\_market} \to pdd_{di}

with ``pds = (1+tb)(1+tmg) pd`` the delivered price of the trade block. These replace the trade
block's CES composite over origins and its origin demands on these markets (the rest of the
model is unchanged: ``D = sum (1+tmg) DS`` at the origin, the Armington composite of ``DD``
and imports from the rest of the world). A route whose cost falls below the destination's
price opens; one whose cost rises above it closes: regime switches the MCP solver finds.

Calibration: at benchmark prices of one the routes that carry goods must deliver at the
destination's price, ``(1+tb)(1+tmg) = 1``, and the others at no less (else the benchmark is
not an equilibrium: refused, naming the route).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import trade
from cge.model.symbols import equation

BLOCK = "trade_activities"
TOL = 1e-9  # benchmark zero profit of an active route, relative to prices of one


def markets(cal: Calibration, rdd: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The markets (region, commodity) of homogeneous goods among those with domestic
    supply, ``rdd``."""
    goods = set(cal.config.trade_activities)
    return [(d, i) for d, i in rdd if i in goods]


def routes(cal: Calibration, rdd: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Routes into the homogeneous markets that the SAM does not ship on: from every other
    region that sells the commodity at home (``V0[o, o, i] > 0``)."""
    v0 = cal.table("V0")
    sellers = sorted({(o, i) for (o, d, i), v in v0.items() if o == d and v > 0})
    return [(o, d, i) for d, i in markets(cal, rdd) for o, i_ in sellers
            if i_ == i and o != d and not v0.get((o, d, i), 0.0) > 0]


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    goods = set(cal.config.trade_activities)
    unknown = sorted(goods - {i for _, i in m.RDD})
    if unknown:
        raise InputError(Problem(
            "trade-activities", f"trade_activities names {unknown}, which no region buys from "
            f"domestic origins in the SAM (commodities: {sorted({i for _, i in m.RDD})})"))
    m.RTA = markets(cal, m.RDD)
    m.rta_set = set(m.RTA)
    m.ODTA = [(o, d, i) for o, d, i in m.ODC if (d, i) in m.rta_set]
    v0, tmg0, tb0 = cal.table("V0"), cal.table("tmg0"), cal.nonzero("tb0")
    bad = []
    for k in m.ODTA:
        cost = (1 + tb0.get(k, 0.0)) * (1 + tmg0[k])
        if (v0[k] > 0 and abs(cost - 1) > TOL) or cost < 1 - TOL:
            bad.append(f"{k[0]}>{k[1]}:{k[2]} delivers at {cost:.6g} "
                       f"({'ships' if v0[k] > 0 else 'ships nothing'} in the SAM)")
    if bad:
        raise InputError(Problem(
            "trade-activities", "with perfect substitutes between origins the benchmark needs "
            "every route that ships to deliver at the destination's price, (1+tb)(1+tmg) = 1, "
            f"and no other route below it: {bad[:10]}"))


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    dims = ("origin", "destination", "commodity")
    origins: dict = {k: [] for k in m.RTA}
    for o, d, i in m.ODTA:
        origins[(d, i)].append(o)
    equation(m, "eq_trade_activity", m.ODTA, dims, block=BLOCK, determines="DS",
             complementary=True, latex=r"pds \ge p^{dd}",
             doc="zero profit of the trade activity: it runs only if delivering covers its cost",
             rule=lambda m, o, d, i: trade.delivered_price(m, o, d, i) >= m.pdd[d, i])
    equation(m, "eq_homogeneous_market", m.RTA, ("region", "commodity"), block=BLOCK,
             determines="pdd", latex=r"DD = \sum_o DS",
             doc="market for the homogeneous good: deliveries of all origins",
             rule=lambda m, d, i: m.DD[d, i] == sum(m.DS[o, d, i] for o in origins[(d, i)]))
