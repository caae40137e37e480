r"""Trade with the rest of the world by activities at world prices (Markusen's small open
economy in GAMS/MPSGE: export and import activities, some idle).

Sets: ``RWA`` = (region, commodity) whose trade with the rest of the world runs by activities,
for the commodities listed as data (``[model] world_trade_activities = ["1", "2"]``) that the
region produces, sells at home and buys; ``RWE`` = those with an export route; ``RWM`` = those
with an import route. Routes are the SAM's and those it does not record, given world prices as
data (``[model] world_prices = { "REGION:COMMODITY" = { export = 0.825, import =
1.01 } }``, per unit of the good, benchmark domestic prices being one). Without the option
the sets are empty and the CET between exports and domestic sales, and the Armington CES
between imports and domestic goods, hold everywhere.

On these markets exports and domestic sales are one good for producers, and imports and the
domestic composite one good for buyers. Each route is an activity at zero profit or idle, and
the prices of the domestic chain are tied by equalities that hold at zero quantities too, so
that they stay unique when the region stops producing the good:

.. math::

    (1 + \tau^z_{ri})\, p^z_{ri} = p^d_{ri} && \text{eq\_world\_output\_price} \to p^z_{ri} \\
    Z_{ri} = D_{ri} + E_{ri} && \text{eq\_world\_output} \to D_{ri} \\
    p^d_{ri} \ge p^e_{ri} \;\perp\; E_{ri} \ge 0 && \text{eq\_export\_activity} \\
    (1+\tau^m_{ri}+rq_{ri})\, p^m_{ri} \ge um_{ri}\, p^q_{ri}/(1+t^q_{ri}) \;\perp\; M_{ri} \ge 0
        && \text{eq\_import\_activity} \\
    Q_{ri} = DD_{ri} + um_{ri} M_{ri} && \text{eq\_world\_composite} \to Q_{ri} \\
    p^{dd}_{ri} = p^q_{ri}/(1+t^q_{ri}) && \text{eq\_world\_domestic\_price} \to p^{dd}_{ri} \\
    p^{dd}_{ri} = c^o_{ri}(pds_{ori}) && \text{eq\_domestic\_composite\_cost} \to DD_{ri}

``um`` converts a unit of imports (the SAM's value at the world price; one unit of the good on
a route the SAM does not record) into units of the good: ``1 + taum + rq`` at the benchmark.
``c^o`` is the unit cost of the CES over origins of the trade block
(:func:`cge.model.ces.unit_cost`), which with ``eq_origin_demand`` and ``eq_origin_market``
(``p^d``) replaces ``eq_domestic_composite``; ``eq_world_output_price``, ``eq_world_output``
and the two activities replace ``eq_cet``, ``eq_domestic_supply``, ``eq_export_supply`` and
``eq_import_demand``; ``eq_world_composite``, ``eq_world_domestic_price`` replace
``eq_armington`` and ``eq_domestic_demand``. An activity that may shut down
(``on_off_activities``, production block) then leaves the market to imports.

Calibration: the benchmark must be an equilibrium at domestic prices of one: no production or
sales tax on these markets, and no route the SAM does not record with a world price that
would make it profitable (an export price above one or an import price below one). A route is
an exporting or importing activity, never both at a profit: an export price at or above the
import price would let the region re-export imports without limit (refused).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import ces, trade
from cge.model.symbols import equation, param

BLOCK = "world_trade"
TOL = 1e-9  # benchmark zero profit, relative to prices of one


def idle_routes(cal: Calibration, flow: str) -> list[tuple[str, str]]:
    """The (region, commodity) routes of ``flow`` ("export" or "import") the SAM does not
    record, with world prices given as data."""
    recorded = cal.nonzero("E0" if flow == "export" else "M0")
    out = []
    for key, prices in cal.config.world_prices.items():
        k = tuple(key.split(":"))
        if flow in prices and k not in recorded:
            out.append(k)
    return out


def world_price(cal: Calibration, flow: str) -> dict[tuple[str, str], float]:
    """World prices of the routes the SAM does not record (one on the others)."""
    return {tuple(key.split(":")): prices[flow]
            for key, prices in cal.config.world_prices.items() if flow in prices}


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    goods = set(cal.config.world_trade_activities)
    made, sold = set(m.RS), set(m.RD)
    m.RWA = [k for k in m.RQ if k[1] in goods and k in made and k in sold]
    m.rwa_set = set(m.RWA)
    m.RWE = [k for k in m.RE if k in m.rwa_set]
    m.RWM = [k for k in m.RM if k in m.rwa_set]
    problems = []
    unknown = sorted(goods - {i for _, i in m.RWA})
    if unknown:
        problems.append(f"world_trade_activities names {unknown}, which no region produces, "
                        "sells at home and buys in the SAM")
    keys = [tuple(k.split(":")) for k in cal.config.world_prices]
    stray = [":".join(k) for k in keys if len(k) != 2 or k not in m.rwa_set]
    if stray:
        problems.append(f"world_prices names {stray}, which are not markets of "
                        f"world_trade_activities (those: {[':'.join(k) for k in m.RWA]})")
    both = sorted(goods & set(cal.config.trade_activities))
    if both:
        problems.append(f"{both} are in both trade_activities and world_trade_activities, "
                        "which this block does not combine")
    if m.RWA and (m.make_matrix or any(k in m.rwa_set for k in m.RCD)):
        problems.append("world trade activities need one product per activity and one price "
                        "for every destination (no make matrix, no psi_dest)")
    tauz, tq = cal.table("tauz"), cal.table("tq")
    taxed = [":".join(k) for k in m.RWA if abs(tauz[k]) > TOL or abs(tq[k]) > TOL]
    if taxed:
        problems.append(f"{taxed} have a production or sales tax at the benchmark, where "
                        "domestic sales, exports and imports must trade at one price")
    pwe, pwm = world_price(cal, "export"), world_price(cal, "import")
    e0, m0 = cal.nonzero("E0"), cal.nonzero("M0")
    for k in m.RWA:
        export, imp = pwe.get(k, 1.0 if k in m.RE else None), pwm.get(k)
        if k in m.RM and k not in pwm:
            imp = 1.0 / (1 + cal.table("taum")[k] + rent_rate(cal, k))
        if (k not in e0 and export is not None and export > 1 + TOL) or (
                k not in m0 and imp is not None and imp < 1 - TOL):
            problems.append(f"{':'.join(k)}: a route the SAM does not record would be "
                            "profitable at the benchmark (export price above one or import "
                            "price below one)")
        if export is not None and imp is not None and export >= imp - TOL:
            problems.append(f"{':'.join(k)}: the export price {export:.6g} is not below the "
                            f"import price {imp:.6g}: imports would be re-exported without limit")
    if problems:
        raise InputError([Problem("world-trade-activities", p) for p in problems])
    um = {k: 1 + cal.table("taum")[k] + rent_rate(cal, k) if k in m0 else 1.0 for k in m.RWM}
    param(m, "um", m.RWM, ("region", "commodity"), block=BLOCK, unit="1", latex="um",
          doc="units of the good per unit of imports (a trade activity's output)", init=um)


def rent_rate(cal: Calibration, k: tuple[str, str]) -> float:
    """The benchmark rent rate of an import quota binding at the benchmark (0 without one)."""
    m0 = cal.table("M0")[k]
    return cal.table("RQ0")[k] / m0 if m0 else 0.0


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    dims = ("region", "commodity")
    exports, imports = set(m.RWE), set(m.RWM)
    rho_o = cal.table("rho_o")
    origins: dict = {k: [] for k in m.RWA}
    for o, d, i in m.ODC:
        if (d, i) in m.rwa_set:
            origins[(d, i)].append(o)

    def supply_price(m, r, i):
        return m.pq[r, i] / (1 + m.tq[r, i])

    equation(m, "eq_world_output_price", m.RWA, dims, block=BLOCK, determines="pz",
             latex=r"(1+\tau^z) p^z = p^d", doc="exports and domestic sales are one good for "
             "producers: one price, gross of the production tax",
             rule=lambda m, r, i: (1 + m.tauz[r, i]) * m.pz[r, i] == m.pd[r, i])
    equation(m, "eq_world_output", m.RWA, dims, block=BLOCK, determines="D",
             latex=r"Z = D + E", doc="output is sold at home or exported",
             rule=lambda m, r, i: m.Z[r, i] == m.D[r, i]
             + (m.E[r, i] if (r, i) in exports else 0))
    equation(m, "eq_export_activity", m.RWE, dims, block=BLOCK, determines="E",
             complementary=True, latex=r"p^d \ge p^e",
             doc="zero profit of exporting: the region exports only if the world price, net of "
             "the export tax, covers the domestic price",
             rule=lambda m, r, i: m.pd[r, i] >= m.pe[r, i])
    equation(m, "eq_import_activity", m.RWM, dims, block=BLOCK, determines="M",
             complementary=True, latex=r"(1+\tau^m+rq) p^m \ge um\, p^q/(1+t^q)",
             doc="zero profit of importing: the region imports only if the domestic price "
             "covers the import price with tariff and quota rent",
             rule=lambda m, r, i: trade.import_cost(m, r, i)
             >= m.um[r, i] * supply_price(m, r, i))
    equation(m, "eq_world_composite", m.RWA, dims, block=BLOCK, determines="Q",
             latex=r"Q = DD + um\, M", doc="imports and domestic goods are one good for buyers",
             rule=lambda m, r, i: m.Q[r, i] == m.DD[r, i]
             + (m.um[r, i] * m.M[r, i] if (r, i) in imports else 0))
    equation(m, "eq_world_domestic_price", m.RWA, dims, block=BLOCK, determines="pdd",
             latex=r"p^{dd} = p^q/(1+t^q)", doc="the domestic composite sells at the price of "
             "the good",
             rule=lambda m, r, i: m.pdd[r, i] == supply_price(m, r, i))
    equation(m, "eq_domestic_composite_cost", m.RWA, dims, block=BLOCK, determines="DD",
             latex=r"p^{dd} = c^o(pds)",
             doc="the domestic composite's price is its unit cost over origins (holds when "
             "nothing is produced)",
             rule=lambda m, d, i: m.pdd[d, i] == ces.unit_cost(
                 m.gamma_o[d, i], [(m.delta_o[o, d, i], trade.delivered_price(m, o, d, i))
                                   for o in origins[(d, i)]], rho_o[(d, i)]))
