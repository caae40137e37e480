r"""Rest of the world, exchange rates and the balance of payments of each country.

Regions belong to countries (``ModelConfig.countries``; by default all regions form one,
``home``). Each country ``c`` has an exchange rate ``epsilon[c]`` (its currency per unit of the
world currency in which world prices ``pWe``, ``pWm`` and foreign savings ``Sf`` are
measured) and a balance of payments. For a region ``r`` of country ``c(r)``:

.. math::

    (1 + te_{ri})\, pe_{ri} &= \varepsilon_{c(r)}\, pWe_{ri}\,\big(E_{ri}/EW_{ri}\big)^{-1/\eta_{ri}}
        && \text{eq\_export\_price} \to pe_{ri} \\
    pm_{ri} &= \varepsilon_{c(r)}\, pWm_{ri}\,\big(M_{ri}/MW_{ri}\big)^{1/\eta^m_{ri}}
        && \text{eq\_import\_price} \to pm_{ri} \\
    \sum_{r \in c}\Big(\sum_i (1 + te_{ri})\, pe_{ri} E_{ri}/\varepsilon_c + \sum_i pq_{ri}(Xre_{ri} + XvP_{ri})/\varepsilon_c
        + \sum_h TRW_{rh} + GRW_r + Sf_r\Big) + X^{out}_c &= \sum_{r \in c} \Big(\sum_i pm_{ri} M_{ri}/\varepsilon_c
        + DIVW_r\Big) + X^{in}_c
        && \text{eq\_balance\_of\_payments} \to \varepsilon_c

Exporters receive ``pe``, the world price net of the export tax ``te`` (zero at the benchmark;
its revenue goes to the government block like tariffs). A region that takes world prices as
given (no ``eta_exp`` in the elasticity file) sells any quantity at ``pWe``, the factor
``(E/EW)^{-1/eta}`` is then absent; with a finite price elasticity ``eta_exp`` of foreign
demand (a large exporter), the world price it gets falls as it sells more along the demand
curve ``E = EW (p/pWe)^{-eta}``, with ``EW`` the benchmark exports (a shockable shift of
foreign demand) and ``pWe`` the price of competing supplies. Likewise on the import side: a
region facing a finite price elasticity ``eta_imp`` of foreign supply (a large importer) pays
more as it buys more, along ``M = MW (p/pWm)^{eta}``, ``MW`` its benchmark imports; without
it the factor ``(M/MW)^{1/eta^m}`` is absent and the region buys any quantity at ``pWm``.

``X^out_c`` and ``X^in_c`` are the country's sales to and purchases from regions of other
countries in world currency, valued at the origin's price: ``pd[o,i] (1 + tmg) DS[o,d,i] /
epsilon[c(o)]``. Re-exports ``Xre`` (rest-of-world purchases of the composite), net transfers
to households ``TRW`` and government receipts from abroad ``GRW`` are exogenous (``Xre`` in
quantities, ``TRW``, ``GRW`` in world currency); project investment ``XvP`` (investment block)
is paid for by a capital inflow, as is the shortfall ``XSF_c`` of private savings under
non-negative investment (investment block; in the country's currency). ``DIVW`` are profits
enterprises distribute abroad
(enterprises block). Closure ``foreign = "flexible_exchange_rate"`` fixes ``Sf``
and lets exchange rates clear the balances; ``"fixed_exchange_rate"`` (one country only) fixes
``epsilon`` and frees ``Sf`` of the first region. Without a rest-of-world account and with one
country the economy is closed: its exchange rate is fixed at one and the balance of payments
left out; several countries without a rest of the world trade only with each other, in the
first country's currency, and the last country's ``Sf`` is endogenous (closures block).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import transformation, world_trade
from cge.model.symbols import equation, param, var

BLOCK = "rest_of_world"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    param(m, "pWe", m.RE, ("region", "sector"), block=BLOCK, unit="foreign currency",
          latex="p^{We}", doc="world price of exports (of competing supplies, for a large "
          "exporter)", init={k: world_trade.world_price(cal, "export").get(k, 1.0)
                             for k in m.RE})
    param(m, "te", m.RE, ("region", "sector"), block=BLOCK, unit="1", latex=r"te",
          doc="export tax rate (on the world price)", init=0.0)
    eta = cal.table("eta_exp")
    m.RE_LARGE = [k for k in m.RE if eta[k] > 0]
    param(m, "eta_e", m.RE_LARGE, ("region", "sector"), block=BLOCK, unit="1",
          latex=r"\eta", doc="price elasticity of foreign demand for the region's exports",
          init={k: eta[k] for k in m.RE_LARGE})
    param(m, "EW", m.RE_LARGE, ("region", "sector"), block=BLOCK, unit="quantity",
          latex="EW", doc="foreign demand for the region's exports at the world price pWe",
          init=cal.table("E0"))
    param(m, "pWm", m.RM, ("region", "commodity"), block=BLOCK, unit="foreign currency",
          latex="p^{Wm}", doc="world price of imports",
          init={k: world_trade.world_price(cal, "import").get(k, 1.0) for k in m.RM})
    eta_m = cal.table("eta_imp")
    m.RM_LARGE = [k for k in m.RM if eta_m[k] > 0]
    param(m, "eta_m", m.RM_LARGE, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\eta^m", doc="price elasticity of foreign supply of the region's imports",
          init={k: eta_m[k] for k in m.RM_LARGE})
    param(m, "MW", m.RM_LARGE, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="MW", doc="foreign supply of the region's imports at the world price pWm",
          init=cal.table("M0"))
    m.RXE = list(cal.nonzero("Xre0"))
    m.RH_W = list(cal.nonzero("TRW0"))
    param(m, "Xre", m.RXE, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{re}", doc="re-exports (rest-of-world purchases of the composite good)",
          init=cal.nonzero("Xre0"))
    param(m, "TRW", m.RH_W, ("region", "household"), block=BLOCK, unit="foreign currency",
          latex="TRW", doc="net transfers from the rest of the world to households",
          init=cal.nonzero("TRW0"))
    param(m, "GRW", m.R, ("region",), block=BLOCK, unit="foreign currency", latex="GRW",
          doc="government receipts from the rest of the world", init=cal.table("GRW0"))
    # benchmark exchange rates are one: prices at home are the world prices
    var(m, "pe", m.RE, ("region", "sector"), block=BLOCK, unit="price", latex="p^e",
        doc="export price in domestic currency", init={k: m.pWe[k].value for k in m.RE})
    var(m, "pm", m.RM, ("region", "commodity"), block=BLOCK, unit="price", latex="p^m",
        doc="import price in domestic currency (cif, before tariff)",
        init={k: m.pWm[k].value for k in m.RM})
    var(m, "epsilon", m.C, ("country",), block=BLOCK, unit="domestic per foreign currency",
        latex=r"\varepsilon", doc="exchange rate of the country")
    var(m, "Sf", m.R, ("region",), block=BLOCK, unit="foreign currency", latex="S^f",
        doc="foreign savings (current account deficit) of the region", init=cal.table("Sf0"),
        lower=None)


def fx(m: pyo.ConcreteModel, r: str):
    """The exchange rate of region r's country."""
    return m.epsilon[m.COUNTRY[r]]


def world_export_price(m: pyo.ConcreteModel, r: str, i: str):
    """The world price region r's exports of i fetch (foreign currency): ``pWe``, moved along
    the foreign demand curve for a large exporter."""
    if (r, i) in m.large_exporters:
        return m.pWe[r, i] * (m.E[r, i] / m.EW[r, i]) ** (-1.0 / m.eta_e[r, i])
    return m.pWe[r, i]


def world_import_price(m: pyo.ConcreteModel, r: str, i: str):
    """The world price region r pays for imports of i (foreign currency): ``pWm``, moved along
    the foreign supply curve for a large importer."""
    if (r, i) in m.large_importers:
        return m.pWm[r, i] * (m.M[r, i] / m.MW[r, i]) ** (1.0 / m.eta_m[r, i])
    return m.pWm[r, i]


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.large_exporters = set(m.RE_LARGE)
    m.large_importers = set(m.RM_LARGE)

    def cross_border(m, c):
        """Sales to and purchases from other countries' regions, in world currency."""
        out = inn = 0
        for o, d, i in m.ODC:
            co, cd = m.COUNTRY[o], m.COUNTRY[d]
            if co == cd:
                continue
            value = (transformation.origin_price(m, o, d, i) * (1 + m.tmg[o, d, i])
                     * m.DS[o, d, i] / m.epsilon[co])
            if co == c:
                out = out + value
            elif cd == c:
                inn = inn + value
        return out, inn

    def bop(m, c):
        members = set(m.REGIONS_OF[c])
        out, inn = cross_border(m, c)
        return (sum(world_export_price(m, *k) * m.E[k] for k in m.RE if k[0] in members)
                + (sum(m.pq[k] * m.Xre[k] for k in m.RXE if k[0] in members)
                   + sum(m.pq[k] * m.XvP[k] for k in m.RQ if k[0] in members)
                   + (m.XSF[c] if c in m.XSF else 0)) / m.epsilon[c]
                + sum(m.TRW[k] for k in m.RH_W if k[0] in members)
                + sum(m.GRW[r] + m.Sf[r] for r in members) + out
                == sum(world_import_price(m, *k) * m.M[k] for k in m.RM if k[0] in members)
                + inn
                + sum(m.DIVW[r] for r in m.RN_W if r in members))

    equation(m, "eq_export_price", m.RE, ("region", "sector"), block=BLOCK, determines="pe",
             latex=r"(1 + te) p^e = \varepsilon_c p^{We} (E/EW)^{-1/\eta}",
             doc="export price received, net of the export tax",
             rule=lambda m, r, i: (1 + m.te[r, i]) * m.pe[r, i]
             == fx(m, r) * world_export_price(m, r, i))
    equation(m, "eq_import_price", m.RM, ("region", "commodity"), block=BLOCK,
             determines="pm", latex=r"p^m = \varepsilon_c p^{Wm} (M/MW)^{1/\eta^m}",
             doc="import price (along the foreign supply curve for a large importer)",
             rule=lambda m, r, i: m.pm[r, i] == fx(m, r) * world_import_price(m, r, i))
    equation(m, "eq_balance_of_payments", m.C, ("country",), block=BLOCK,
             determines="epsilon",
             latex=r"\sum p^{We} E + \sum S^f + X^{out} = \sum p^{Wm} M + X^{in}",
             doc="balance of payments of the country in world currency", rule=bop)
