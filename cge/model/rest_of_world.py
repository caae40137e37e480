r"""Rest of the world: world prices, the exchange rate and the balance of payments.

Small open economy: world prices ``pWe``, ``pWm`` (foreign currency) are exogenous.

.. math::

    pe_{ri} &= \varepsilon\, pWe_{ri}   && \text{eq\_export\_price} \to pe_{ri} \\
    pm_{ri} &= \varepsilon\, pWm_{ri}   && \text{eq\_import\_price} \to pm_{ri} \\
    \sum_{ri} pWe_{ri} E_{ri} + \sum_{ri} pq_{ri} (Xre_{ri} + XvP_{ri})/\varepsilon
        + \sum_{rh} TRW_{rh} + \sum_r GRW_r + \sum_r Sf_r &= \sum_{ri} pWm_{ri} M_{ri}
        && \text{eq\_balance\_of\_payments} \to \varepsilon

Re-exports ``Xre`` (rest-of-world purchases of the composite good), net transfers to households
``TRW`` and government receipts from abroad ``GRW`` (e.g. export duties recorded against the
rest of the world) are exogenous: ``Xre`` in quantities, ``TRW`` and ``GRW`` in foreign
currency. Project investment ``XvP`` (investment block) is paid for by a capital inflow.

All regions share one currency and one balance of payments. Closure ``foreign =
"flexible_exchange_rate"`` fixes foreign savings ``Sf`` (foreign currency) and lets ``epsilon``
clear the balance; ``"fixed_exchange_rate"`` fixes ``epsilon`` and frees ``Sf`` of the first
region (the others keep their benchmark values).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model.symbols import equation, param, var

BLOCK = "rest_of_world"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    param(m, "pWe", m.RE, ("region", "sector"), block=BLOCK, unit="foreign currency",
          latex="p^{We}", doc="world price of exports", init=1.0)
    param(m, "pWm", m.RM, ("region", "commodity"), block=BLOCK, unit="foreign currency",
          latex="p^{Wm}", doc="world price of imports", init=1.0)
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
    var(m, "pe", m.RE, ("region", "sector"), block=BLOCK, unit="price", latex="p^e",
        doc="export price in domestic currency")
    var(m, "pm", m.RM, ("region", "commodity"), block=BLOCK, unit="price", latex="p^m",
        doc="import price in domestic currency (cif, before tariff)")
    var(m, "epsilon", None, (), block=BLOCK, unit="domestic per foreign currency",
        latex=r"\varepsilon", doc="exchange rate")
    var(m, "Sf", m.R, ("region",), block=BLOCK, unit="foreign currency", latex="S^f",
        doc="foreign savings (current account deficit) of the region", init=cal.table("Sf0"),
        lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    equation(m, "eq_export_price", m.RE, ("region", "sector"), block=BLOCK, determines="pe",
             latex=r"p^e = \varepsilon p^{We}", doc="export price",
             rule=lambda m, r, i: m.pe[r, i] == m.epsilon * m.pWe[r, i])
    equation(m, "eq_import_price", m.RM, ("region", "commodity"), block=BLOCK,
             determines="pm", latex=r"p^m = \varepsilon p^{Wm}", doc="import price",
             rule=lambda m, r, i: m.pm[r, i] == m.epsilon * m.pWm[r, i])
    equation(m, "eq_balance_of_payments", None, (), block=BLOCK, determines="epsilon",
             latex=r"\sum p^{We} E + \sum S^f = \sum p^{Wm} M",
             doc="balance of payments in foreign currency",
             rule=lambda m: sum(m.pWe[k] * m.E[k] for k in m.RE)
             + (sum(m.pq[k] * m.Xre[k] for k in m.RXE)
                + sum(m.pq[k] * m.XvP[k] for k in m.RQ)) / m.epsilon
             + sum(m.TRW[k] for k in m.RH_W) + sum(m.GRW[r] + m.Sf[r] for r in m.R)
             == sum(m.pWm[k] * m.M[k] for k in m.RM))
