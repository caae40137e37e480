r"""Commodity markets: the composite good is used by firms, households, government, investors.

.. math::

    Q_{ri} = \sum_j X_{rij} + \sum_h Xp_{rih} + Xg_{ri} + Xgf_{ri} + Xv_{ri} + Xre_{ri} + XvP_{ri}
        + XvD_{ri} + XvR_{ri} + XvF_{ri} + XMG_{ri} \qquad \text{eq\_commodity\_market} \to pq_{ri}

``XvP``, ``XvD``, ``XvR``, ``XvF`` are investment projects by source of financing
(:mod:`cge.model.projects`); ``XMG`` are the margin services the region supplies
(:mod:`cge.model.margins`). Origin markets for domestic goods are in the trade block, factor
markets in the factors block.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model.symbols import equation

BLOCK = "markets"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """The block owns no variables: it ties together those of the demand blocks."""
    # final uses of the composite good, indexed (region, commodity, ...): what GRP by
    # expenditure adds up (cge.model.grp); a block that adds a final use appends its name
    m.final_uses = ["Xp", "Xg", "Xgf", "Xv", "Xre", "XvP", "XvD", "XvR", "XvF"]


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    users: dict[tuple, list] = {k: [] for k in m.RQ}
    for r, j, i in m.RJS:
        users[(r, j)].append(m.X[r, j, i])
    for r, i, h in m.RIH:
        users[(r, i)].append(m.Xp[r, i, h])
    for r, i in m.RG:
        users[(r, i)].append(m.Xg[r, i])
    for r, i in m.RGF:
        users[(r, i)].append(m.Xgf[r, i])
    for r, i in m.RV:
        users[(r, i)].append(m.Xv[r, i])
    for r, i in m.RXE:
        users[(r, i)].append(m.Xre[r, i])
    for r, i in m.RMG:
        users[(r, i)].append(m.XMG[r, i])
    equation(m, "eq_commodity_market", m.RQ, ("region", "commodity"), block=BLOCK,
             determines="pq", latex=r"Q = \sum_j X + \sum_h X^p + X^g + X^{gf} + X^v + X^{re} + X^{vP} + X^{vD} + X^{vR} + X^{vF} + XMG",
             doc="supply of the composite good equals its uses",
             rule=lambda m, r, i: m.Q[r, i] == sum(users[(r, i)]) + m.XvP[r, i] + m.XvD[r, i]
             + m.XvR[r, i] + m.XvF[r, i])
