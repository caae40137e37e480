r"""Import quotas with rents: a complementarity pair per quota.

Sets: ``RQUOTA`` = (region, commodity) with a quota on imports from the rest of the world,
configured as data (``[model] import_quotas = { "REGION:COMMODITY" = { level = 1.2,
recipient = "households" } }``). Without quotas the set is empty, the block's symbols have no
elements and the model is the square system it always was (solved by the square Newton).

The quota ``qm`` (a quantity: ``level`` times benchmark imports) bounds imports ``M``; a
quota that binds earns a rent ``rq``, a rate on the cif import price, which buyers pay on top
of the tariff (trade block: imports cost ``(1 + \tau^m + rq) p^m``) and whose revenue goes to
the declared recipient (``RQV``, the value of the import licences):

.. math::

    qm_{ri} \ge M_{ri} \;\perp\; rq_{ri} \ge 0 && \text{eq\_import\_quota} \\
    RQV_{ri} = rq_{ri}\, p^m_{ri} M_{ri} && \text{eq\_quota\_rent} \to RQV_{ri}

Either imports are below the quota and there is no rent, or the quota binds and the rent is
what rations imports to it (an auction quota: the licences' value). The rent is added to the
revenue of the region's government (``recipient = "government"``: ``GREV``, all of it
regional) or to the revenue recycled lump-sum to its households (``"households"``: ``TLS``),
so that every rouble of rent has a recipient and Walras' law holds. The benchmark has no rent
(``level >= 1``); a scenario tightens the quota by shocking ``qm``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model.symbols import equation, param, var

BLOCK = "quotas"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    quotas = cal.config.import_quotas
    keys = [tuple(k.split(":")) for k in quotas]
    missing = [f"{r}:{i}" for r, i in keys if (r, i) not in set(m.RM)]
    if missing:
        raise InputError(Problem(
            "import-quota", f"import_quotas names {missing}, which import nothing from the rest "
            f"of the world in the SAM (regions and commodities with imports: "
            f"{[f'{r}:{i}' for r, i in m.RM][:20]})"))
    m.RQUOTA = keys
    m.quota_set = set(keys)
    m.QUOTA_RECIPIENT = {k: quotas[":".join(k)]["recipient"] for k in keys}
    m0 = cal.table("M0")
    param(m, "qm", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="qm", doc="import quota (upper bound on imports from the rest of the world)",
          init={k: quotas[":".join(k)]["level"] * m0[k] for k in keys})
    var(m, "rq", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="1", latex="rq",
        doc="quota rent per unit of imports, as a rate on the cif import price", init=0.0,
        lower=0.0)
    var(m, "RQV", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="value", latex="RQV",
        doc="quota rent (value of the import licences)", init=0.0, lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    equation(m, "eq_import_quota", m.RQUOTA, ("region", "commodity"), block=BLOCK,
             determines="rq", complementary=True, latex=r"qm \ge M",
             doc="imports stay within the quota; a rent only where it binds",
             rule=lambda m, r, i: m.qm[r, i] >= m.M[r, i])
    equation(m, "eq_quota_rent", m.RQUOTA, ("region", "commodity"), block=BLOCK,
             determines="RQV", latex=r"RQV = rq\, p^m M",
             doc="quota rent (value of the import licences)",
             rule=lambda m, r, i: m.RQV[r, i] == m.rq[r, i] * m.pm[r, i] * m.M[r, i])


def rent_to(m: pyo.ConcreteModel, r: str, recipient: str):
    """The quota rents of region r that ``recipient`` (government or households) receives."""
    return sum(m.RQV[k] for k in m.RQUOTA if k[0] == r and m.QUOTA_RECIPIENT[k] == recipient)


def rent_rate(m: pyo.ConcreteModel, r: str, i: str):
    """The quota rent rate on region r's imports of i (0 without a quota)."""
    return m.rq[r, i] if (r, i) in m.quota_set else 0
