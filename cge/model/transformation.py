r"""Output transformation: CET between exports and domestic sales, production tax, and
optionally a CET between the destinations of domestic sales.

Sets: ``RE`` = (region r, sector i) with exports; ``RD`` = (r, i) with domestic sales;
``RCD`` = (r, i) selling to its destinations under a CET; ``ODT`` = (origin o, destination d,
commodity i) shipments of those.

.. math::

    Z_{ri} &= \theta_{ri}\big(\xi^e_{ri} E_{ri}^{\phi_{ri}} + \xi^d_{ri} D_{ri}^{\phi_{ri}}\big)^{1/\phi_{ri}}
        && \text{eq\_cet} \to pz_{ri} \\
    E_{ri} &= \big(\theta^{\phi}\xi^e_{ri}(1+\tau^z_{ri})\,pz_{ri}/pe_{ri}\big)^{1/(1-\phi)} Z_{ri}
        && \text{eq\_export\_supply} \to E_{ri} \\
    D_{ri} &= \big(\theta^{\phi}\xi^d_{ri}(1+\tau^z_{ri})\,pz_{ri}/pd_{ri}\big)^{1/(1-\phi)} Z_{ri}
        && \text{eq\_domestic\_supply} \to D_{ri}

with ``phi = (psi_cet + 1)/psi_cet``: the supply price of output gross of the production tax
``tauz`` is ``(1 + tauz) pz`` (Hosoe et al. 2010 convention). With a make matrix
(:mod:`cge.model.make`) the CET is that of each commodity's supply, over ``RSC``: ``ZS`` at its
supply price ``ps`` take the place of ``Z`` and ``(1 + tauz) pz`` (the tax is levied on the
activity) and ``eq_cet`` determines ``ps``. A sector with no exports (or no
domestic sales) has a single outlet and the CET reduces to a proportion. ``pe`` is set by the
rest-of-world block and ``pd`` by the domestic market of the origin region (trade block).

Where the elasticity file gives ``psi_dest`` (calibration: :mod:`cge.calibration.destinations`),
the origin's domestic sales are transformed into what leaves for each destination,
``Y_{odi} = (1 + tmg_{odi}) DS_{odi}``, each sold at a price of its own at the origin
``pdo_{odi}`` (export supply by destination; ``pd`` is then the unit revenue of domestic
sales):

.. math::

    D_{oi} &= \theta^o_{oi}\Big(\sum_d \xi^o_{odi} Y_{odi}^{\phi^o_{oi}}\Big)^{1/\phi^o_{oi}}
        && \text{eq\_destination\_cet} \to pd_{oi} \\
    pdo_{odi} &= (\theta^o_{oi})^{\phi^o}\xi^o_{odi}\,pd_{oi}\,(Y_{odi}/D_{oi})^{\phi^o - 1}
        && \text{eq\_destination\_supply} \to pdo_{odi}

with ``phi^o = (psi_dest + 1)/psi_dest``. Without ``psi_dest`` every destination pays ``pd``
(perfect transformation) and the trade block's ``eq_origin_market`` sets ``pd``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces, make, world_trade
from cge.model.symbols import LOWER, equation, param, var

BLOCK = "transformation"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    # with world trade activities, also export routes the SAM does not record
    m.RE = list(cal.nonzero("E0")) + world_trade.idle_routes(cal, "export")
    by_activity = set(cal.config.world_trade_activities)
    m.RD = list(cal.nonzero("D0"))
    param(m, "tauz", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex=r"\tau^z",
          doc="production tax rate", init=cal.table("tauz"))
    param(m, "theta", m.RSC, ("region", "sector"), block=BLOCK, unit="1", latex=r"\theta",
          doc="CET scale parameter", init=cal.table("theta"))
    param(m, "psi_cet", m.RSC, ("region", "sector"), block=BLOCK, unit="1", latex=r"\psi",
          doc="elasticity of transformation between exports and domestic sales",
          init=cal.table("psi_cet"))
    param(m, "xie", m.RE, ("region", "sector"), block=BLOCK, unit="1", latex=r"\xi^e",
          doc="CET share of exports", init=cal.table("xie"))
    param(m, "xid", m.RD, ("region", "sector"), block=BLOCK, unit="1", latex=r"\xi^d",
          doc="CET share of domestic sales", init=cal.table("xid"))
    var(m, "E", m.RE, ("region", "sector"), block=BLOCK, unit="quantity", latex="E",
        doc="exports to the rest of the world", init=cal.nonzero("E0"),
        # an export activity's level may be zero (cge.model.world_trade)
        lower={k: 0.0 if k[1] in by_activity else LOWER for k in m.RE})
    var(m, "D", m.RD, ("region", "sector"), block=BLOCK, unit="quantity", latex="D",
        doc="domestic sales (to all regions of the country)", init=cal.nonzero("D0"),
        # zero when a producer of a good traded by activities shuts down, and only in linear
        # terms there (cge.model.world_trade)
        lower={k: None if k[1] in by_activity else LOWER for k in m.RD})
    var(m, "pd", m.RD, ("region", "sector"), block=BLOCK, unit="price", latex="p^d",
        doc="price of domestic sales at the origin")
    m.RCD = list(cal.nonzero("theta_o"))
    m.ODT = list(cal.nonzero("xio"))
    param(m, "theta_o", m.RCD, ("region", "sector"), block=BLOCK, unit="1", latex=r"\theta^o",
          doc="scale of the CET between destinations", init=cal.nonzero("theta_o"))
    param(m, "xio", m.ODT, ("origin", "destination", "commodity"), block=BLOCK, unit="1",
          latex=r"\xi^o", doc="CET share of the destination in the origin's domestic sales",
          init=cal.nonzero("xio"))
    var(m, "pdo", m.ODT, ("origin", "destination", "commodity"), block=BLOCK, unit="price",
        latex="p^{do}", doc="price at the origin of what leaves for the destination (CET "
        "between destinations)")


def origin_price(m: pyo.ConcreteModel, o: str, d: str, i: str):
    """Price at the origin o of a unit leaving for d: ``pdo`` under a CET between
    destinations, else the one price of the origin's domestic sales ``pd``."""
    return m.pdo[o, d, i] if (o, d, i) in m.pdo else m.pd[o, i]


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    # exponents of the elasticity: a sensitivity point sets psi_cet
    phi = {k: ces.exponent(m.psi_cet[k], v, transformation=True)
           for k, v in cal.table("phi").items() if k in m.psi_cet}
    exp, dom = set(m.RE), set(m.RD)

    def parts(m, r, i):
        out = []
        if (r, i) in exp:
            out.append((m.xie[r, i], m.E[r, i], m.pe[r, i]))
        if (r, i) in dom:
            out.append((m.xid[r, i], m.D[r, i], m.pd[r, i]))
        return out

    def gross_price(m, r, i):
        return make.supply_price(m, r, i)

    # markets traded by activities with the rest of the world: cge.model.world_trade
    world = m.rwa_set
    ces_markets = [k for k in m.RSC if k not in world]
    equation(m, "eq_cet", ces_markets, ("region", "sector"), block=BLOCK,
             determines="ps" if m.make_matrix else "pz",
             latex=r"Z = \theta(\xi^e E^\phi + \xi^d D^\phi)^{1/\phi}",
             doc="constant-elasticity transformation of output",
             rule=lambda m, r, i: ces.technology(make.supply(m, r, i), gross_price(m, r, i),
                                                 m.theta[r, i], parts(m, r, i), phi[(r, i)]))
    equation(m, "eq_export_supply", [k for k in m.RE if k not in world],
             ("region", "sector"), block=BLOCK, determines="E",
             latex=r"E = (\theta^\phi \xi^e (1+\tau^z) p^z/p^e)^{1/(1-\phi)} Z",
             doc="revenue-maximising export supply",
             rule=lambda m, r, i: m.E[r, i] == ces.demand(
                 m.theta[r, i], m.xie[r, i], gross_price(m, r, i), m.pe[r, i],
                 make.supply(m, r, i), phi[(r, i)]))
    equation(m, "eq_domestic_supply", [k for k in m.RD if k not in world],
             ("region", "sector"), block=BLOCK, determines="D",
             latex=r"D = (\theta^\phi \xi^d (1+\tau^z) p^z/p^d)^{1/(1-\phi)} Z",
             doc="revenue-maximising domestic supply",
             rule=lambda m, r, i: m.D[r, i] == ces.demand(
                 m.theta[r, i], m.xid[r, i], gross_price(m, r, i), m.pd[r, i],
                 make.supply(m, r, i), phi[(r, i)]))

    phi_o = cal.table("phi_o")
    leaving = {k: [] for k in m.RCD}
    for o, d, i in m.ODT:
        leaving[(o, i)].append(d)

    def shipped(m, o, d, i):
        return (1 + m.tmg[o, d, i]) * m.DS[o, d, i]

    equation(m, "eq_destination_cet", m.RCD, ("region", "sector"), block=BLOCK,
             determines="pd", latex=r"D = \theta^o(\sum_d \xi^o Y_d^{\phi^o})^{1/\phi^o}",
             doc="constant-elasticity transformation of domestic sales into destinations",
             rule=lambda m, o, i: ces.technology(
                 m.D[o, i], m.pd[o, i], m.theta_o[o, i],
                 [(m.xio[o, d, i], shipped(m, o, d, i), m.pdo[o, d, i])
                  for d in leaving[(o, i)]], phi_o[(o, i)]))
    equation(m, "eq_destination_supply", m.ODT, ("origin", "destination", "commodity"),
             block=BLOCK, determines="pdo",
             latex=r"p^{do} = (\theta^o)^{\phi^o} \xi^o p^d (Y_d/D)^{\phi^o - 1}",
             doc="revenue-maximising supply to each destination",
             rule=lambda m, o, d, i: destination_supply(m, o, d, i, phi_o[(o, i)]))


def destination_supply(m: pyo.ConcreteModel, o: str, d: str, i: str, phi: float):
    """The supply to one destination, solved for its price (the inverse supply
    ``pdo = theta^phi xi pd (Y/D)^(phi - 1)``, with ``phi - 1 = 1/psi``): the quantity form
    raises the price ratio to the power ``-psi``, which leaves no accuracy for an elasticity
    of 1e4, where the price form is at its best. Fixed destination shares have no inverse."""
    y = (1 + m.tmg[o, d, i]) * m.DS[o, d, i]
    if ces.fixed(phi):
        return y == ces.demand(m.theta_o[o, i], m.xio[o, d, i], m.pd[o, i], m.pdo[o, d, i],
                               m.D[o, i], phi)
    return m.pdo[o, d, i] == (m.theta_o[o, i] ** phi * m.xio[o, d, i] * m.pd[o, i]
                              * (y / m.D[o, i]) ** (phi - 1.0))
