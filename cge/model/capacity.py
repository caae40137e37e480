r"""Capacity limits on production with capacity rents: a complementarity pair per limit.

Set: ``RS_CAP`` = (region, sector) activities with a capacity limit, configured as data
(``[model] capacity_limits = { "REGION:SECTOR" = { level = 1.05, recipient = "households" }
}``). Without limits the set is empty, the block's symbols have no elements and the model is
the square system it always was (solved by the square Newton).

The capacity ``zcap`` (a quantity: ``level`` times benchmark output ``Z``; a scenario shocks it,
a public project raises it, :mod:`cge.dynamics.projects`) bounds gross output. A limit that
binds earns a rent ``kr``, a rate on the activity's unit cost: the activity sells at ``pz`` and
its inputs cost :math:`p^z/(1 + kr)` per unit, so the production block's cost-minimising
demands and technology use :math:`p^z/(1 + kr)` as the root nest's price where
:mod:`cge.model.production` uses :math:`p^z` (zero profit net of the rent). The rent's value
``KRV`` is what the output earns above its cost:

.. math::

    zcap_{ri} \ge Z_{ri} \;\perp\; kr_{ri} \ge 0 && \text{eq\_capacity} \\
    (1 + kr_{ri})\, KRV_{ri} = kr_{ri}\, p^z_{ri} Z_{ri} && \text{eq\_capacity\_rent} \to KRV_{ri}

Either output is below the capacity and there is no rent (``kr = 0``: the activity is the
square model's), or the capacity binds and the rent is the wedge between the output price and
unit cost that rations demand to it. The benchmark has no rent (``level >= 1``). In the
dynamics the capacity is a physical limit: it does not grow with the economy (only a project's
``capacity`` raises it), so on a growth path it binds once output reaches it.

Recipient (the invariant that every wedge has one): the rent is a scarcity rent on the right to
use the capacity, like an auctioned quota licence (:mod:`cge.model.quotas`): it goes to the
government of the producing region (``recipient = "government"``: ``GREV``) or lump-sum to its
households (``"households"``: ``TLS``), who own the capital behind the capacity. It is
added to GRP by production (:mod:`cge.model.grp`), so that GRP by production equals GRP by
expenditure and Walras' law holds.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model.symbols import equation, param, var

BLOCK = "capacity"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    limits = cal.config.capacity_limits
    keys = {tuple(k.split(":")): k for k in limits}
    produced = set(m.RS)
    missing = [name for k, name in keys.items() if k not in produced]
    if missing:
        raise InputError(Problem(
            "capacity-limit", f"capacity_limits names {missing}, which produce nothing in the "
            f"SAM (activities: {[f'{r}:{i}' for r, i in m.RS][:20]})"))
    m.RS_CAP = [k for k in m.RS if k in keys]
    m.capacity_set = set(m.RS_CAP)
    m.CAPACITY_RECIPIENT = {k: limits[keys[k]]["recipient"] for k in m.RS_CAP}
    param(m, "zcap", m.RS_CAP, ("region", "sector"), block=BLOCK, unit="quantity",
          latex="zcap", doc="output capacity of the activity (upper bound on gross output)",
          init={k: limits[keys[k]]["level"] * m.Z[k].value for k in m.RS_CAP})
    var(m, "kr", m.RS_CAP, ("region", "sector"), block=BLOCK, unit="1", latex="kr",
        doc="capacity rent per unit of output, as a rate on the activity's unit cost",
        init=0.0, lower=0.0)
    var(m, "KRV", m.RS_CAP, ("region", "sector"), block=BLOCK, unit="value", latex="KRV",
        doc="capacity rent (what output earns above its cost)", init=0.0, lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    dims = ("region", "sector")
    equation(m, "eq_capacity", m.RS_CAP, dims, block=BLOCK, determines="kr",
             complementary=True, latex=r"zcap \ge Z",
             doc="output stays within the capacity; a rent only where it binds",
             rule=lambda m, r, i: m.zcap[r, i] >= m.Z[r, i])
    equation(m, "eq_capacity_rent", m.RS_CAP, dims, block=BLOCK, determines="KRV",
             latex=r"(1 + kr)\, KRV = kr\, p^z Z", doc="capacity rent (output value less cost)",
             rule=lambda m, r, i: (1 + m.kr[r, i]) * m.KRV[r, i]
             == m.kr[r, i] * m.pz[r, i] * m.Z[r, i])


def unit_cost_price(m: pyo.ConcreteModel, r: str, i: str):
    """What a unit of the activity's output may cost: ``pz``, net of the capacity rent where
    the activity has a limit (the root nest's price in the production block)."""
    if (r, i) in m.capacity_set:
        return m.pz[r, i] / (1 + m.kr[r, i])
    return m.pz[r, i]


def rent_to(m: pyo.ConcreteModel, r: str, recipient: str):
    """The capacity rents of region r's activities that ``recipient`` receives."""
    return sum(m.KRV[k] for k in m.RS_CAP if k[0] == r and m.CAPACITY_RECIPIENT[k] == recipient)


def rents_of(m: pyo.ConcreteModel, r: str):
    """All capacity rents of region r (GRP by production)."""
    return rent_to(m, r, "government") + rent_to(m, r, "households")
