r"""Output transformation: CET between exports and domestic sales, production tax.

Sets: ``RE`` = (region r, sector i) with exports; ``RD`` = (r, i) with domestic sales.

.. math::

    Z_{ri} &= \theta_{ri}\big(\xi^e_{ri} E_{ri}^{\phi_{ri}} + \xi^d_{ri} D_{ri}^{\phi_{ri}}\big)^{1/\phi_{ri}}
        && \text{eq\_cet} \to pz_{ri} \\
    E_{ri} &= \big(\theta^{\phi}\xi^e_{ri}(1+\tau^z_{ri})\,pz_{ri}/pe_{ri}\big)^{1/(1-\phi)} Z_{ri}
        && \text{eq\_export\_supply} \to E_{ri} \\
    D_{ri} &= \big(\theta^{\phi}\xi^d_{ri}(1+\tau^z_{ri})\,pz_{ri}/pd_{ri}\big)^{1/(1-\phi)} Z_{ri}
        && \text{eq\_domestic\_supply} \to D_{ri}

with ``phi = (psi_cet + 1)/psi_cet``: the supply price of output gross of the production tax
``tauz`` is ``(1 + tauz) pz`` (Hosoe et al. 2010 convention). A sector with no exports (or no
domestic sales) has a single outlet and the CET reduces to a proportion. ``pe`` is set by the
rest-of-world block and ``pd`` by the domestic market of the origin region (trade block).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces
from cge.model.symbols import equation, param, var

BLOCK = "transformation"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RE = list(cal.nonzero("E0"))
    m.RD = list(cal.nonzero("D0"))
    param(m, "tauz", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex=r"\tau^z",
          doc="production tax rate", init=cal.table("tauz"))
    param(m, "theta", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex=r"\theta",
          doc="CET scale parameter", init=cal.table("theta"))
    param(m, "xie", m.RE, ("region", "sector"), block=BLOCK, unit="1", latex=r"\xi^e",
          doc="CET share of exports", init=cal.table("xie"))
    param(m, "xid", m.RD, ("region", "sector"), block=BLOCK, unit="1", latex=r"\xi^d",
          doc="CET share of domestic sales", init=cal.table("xid"))
    var(m, "E", m.RE, ("region", "sector"), block=BLOCK, unit="quantity", latex="E",
        doc="exports to the rest of the world", init=cal.nonzero("E0"))
    var(m, "D", m.RD, ("region", "sector"), block=BLOCK, unit="quantity", latex="D",
        doc="domestic sales (to all regions of the country)", init=cal.nonzero("D0"))
    var(m, "pd", m.RD, ("region", "sector"), block=BLOCK, unit="price", latex="p^d",
        doc="price of domestic sales at the origin")


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    phi = cal.table("phi")
    exp, dom = set(m.RE), set(m.RD)

    def parts(m, r, i):
        out = []
        if (r, i) in exp:
            out.append((m.xie[r, i], m.E[r, i], m.pe[r, i]))
        if (r, i) in dom:
            out.append((m.xid[r, i], m.D[r, i], m.pd[r, i]))
        return out

    def gross_price(m, r, i):
        return (1 + m.tauz[r, i]) * m.pz[r, i]

    equation(m, "eq_cet", m.RS, ("region", "sector"), block=BLOCK, determines="pz",
             latex=r"Z = \theta(\xi^e E^\phi + \xi^d D^\phi)^{1/\phi}",
             doc="constant-elasticity transformation of output",
             rule=lambda m, r, i: ces.technology(m.Z[r, i], gross_price(m, r, i),
                                                 m.theta[r, i], parts(m, r, i), phi[(r, i)]))
    equation(m, "eq_export_supply", m.RE, ("region", "sector"), block=BLOCK, determines="E",
             latex=r"E = (\theta^\phi \xi^e (1+\tau^z) p^z/p^e)^{1/(1-\phi)} Z",
             doc="revenue-maximising export supply",
             rule=lambda m, r, i: m.E[r, i] == ces.demand(
                 m.theta[r, i], m.xie[r, i], gross_price(m, r, i), m.pe[r, i], m.Z[r, i],
                 phi[(r, i)]))
    equation(m, "eq_domestic_supply", m.RD, ("region", "sector"), block=BLOCK, determines="D",
             latex=r"D = (\theta^\phi \xi^d (1+\tau^z) p^z/p^d)^{1/(1-\phi)} Z",
             doc="revenue-maximising domestic supply",
             rule=lambda m, r, i: m.D[r, i] == ces.demand(
                 m.theta[r, i], m.xid[r, i], gross_price(m, r, i), m.pd[r, i], m.Z[r, i],
                 phi[(r, i)]))
