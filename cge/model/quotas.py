r"""Quotas with rents: a complementarity pair per quota, on imports from the rest of the world
or on shipments between regions.

Sets: ``RQUOTA`` = (region, commodity) with a quota on imports from the rest of the world;
``ODQUOTA`` = (origin, destination, commodity) with a quota on shipments from another region,
both configured as data (``[model] import_quotas = { "REGION:COMMODITY" = { level = 1.2,
recipient = "households" }, "ORIGIN>DESTINATION:COMMODITY" = { ... } }``). Without quotas the
sets are empty, the block's symbols have no elements and the model is the square system it
always was (solved by the square Newton).

The quota ``qm`` (a quantity: ``level`` times benchmark imports) bounds imports ``M``; a
quota that binds earns a rent ``rq``, a rate on the cif import price, which buyers pay on top
of the tariff (trade block: imports cost ``(1 + \tau^m + rq) p^m``) and whose revenue goes to
the declared recipient (``RQV``, the value of the import licences):

.. math::

    qm_{ri} \ge M_{ri} \;\perp\; rq_{ri} \ge 0 && \text{eq\_import\_quota} \\
    RQV_{ri} = rq_{ri}\, p^m_{ri} M_{ri} && \text{eq\_quota\_rent} \to RQV_{ri}

A quota on shipments from o to d is the same pair on the delivered quantity ``DS``, with the
rent ``rs`` a rate on the landed price ``pl`` (trade block), paid on top of the destination's
duty ``tb`` (the delivered price is ``(1 + tb + rs) pl``) and, like the duty, received in the
destination:

.. math::

    qs_{odi} \ge DS_{odi} \;\perp\; rs_{odi} \ge 0 && \text{eq\_shipment\_quota} \\
    RSV_{odi} = rs_{odi}\, pl_{odi} DS_{odi} && \text{eq\_shipment\_rent} \to RSV_{odi}

Either the flow is below its quota and there is no rent, or the quota binds and the rent is
what rations the flow to it (an auction quota: the licences' value). A quota on imports may
bind at the benchmark (``rent_account``: the SAM's tax account that records the rent on the
commodity and pays it to the households): its level is then the benchmark imports and its
rent rate ``rq`` is calibrated, ``rent / M0``. The rent is added to the
revenue of the government of the region that imports (``recipient = "government"``: ``GREV``,
all of it regional) or to the revenue recycled lump-sum to its households (``"households"``:
``TLS``), so that every rouble of rent has a recipient and Walras' law holds. The benchmark has
no rent (``level >= 1``); a scenario tightens the quota by shocking ``qm`` or ``qs``, or moves
the flow to it (a cut in tariffs or trade margins).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import trade
from cge.model.symbols import equation, param, var

BLOCK = "quotas"


def _shipment_key(key: str) -> tuple[str, ...] | None:
    """``"O>D:I"`` -> (o, d, i); None for an import quota's ``"R:I"``."""
    route, commodity = key.split(":")
    return (*route.split(">"), commodity) if ">" in route else None


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    quotas = cal.config.import_quotas
    imports = {tuple(k.split(":")): k for k in quotas if _shipment_key(k) is None}
    shipments = {_shipment_key(k): k for k in quotas if _shipment_key(k) is not None}
    missing = [f"{r}:{i}" for r, i in imports if (r, i) not in set(m.RM)]
    if missing:
        raise InputError(Problem(
            "import-quota", f"import_quotas names {missing}, which import nothing from the rest "
            f"of the world in the SAM (regions and commodities with imports: "
            f"{[f'{r}:{i}' for r, i in m.RM][:20]})"))
    flows = {k for k in m.ODC if k[0] != k[1]}
    missing = [shipments[k] for k in shipments if k not in flows]
    if missing:
        shipped = [f"{o}>{d}:{i}" for o, d, i in sorted(flows)]
        raise InputError(Problem(
            "import-quota", f"import_quotas names {missing}, which ship nothing from one region "
            f"to another in the SAM (shipments: {shipped[:20]})"))
    m.RQUOTA = list(imports)
    m.ODQUOTA = list(shipments)
    m.quota_set = set(m.RQUOTA)
    m.shipment_quota_set = set(m.ODQUOTA)
    m.QUOTA_RECIPIENT = {k: quotas[name]["recipient"]
                         for k, name in (imports | shipments).items()}
    m0, rent0 = cal.table("M0"), cal.table("RQ0")
    rents = {k: rent0[k] for k in m.RQUOTA if "rent_account" in quotas[imports[k]]}
    problems = [f"{name}: a rent at the benchmark (rent_account) is read on imports from the "
                "rest of the world only" for name in shipments.values()
                if "rent_account" in quotas[name]]
    problems += [f"{imports[k]}: the rent account records no rent on {k[1]} in the SAM"
                 for k, v in rents.items() if not v > 0]
    problems += [f"{imports[k]}: a rent at the benchmark is read for recipient 'households' "
                 "only (the SAM's rent account pays the households)"
                 for k in rents if quotas[imports[k]]["recipient"] != "households"]
    received, owed, paid = cal.table("RQH0"), {}, {}
    for (r, _), v in rents.items():
        owed[r] = owed.get(r, 0.0) + v
    for (r, _), v in received.items():
        paid[r] = paid.get(r, 0.0) + v
    problems += [f"region {r}: households receive {paid.get(r, 0.0):.6g} of quota rents in the "
                 f"SAM, its rent accounts record {v:.6g}" for r, v in owed.items()
                 if abs(paid.get(r, 0.0) - v) > 1e-9 * (1 + v)]
    if problems:
        raise InputError([Problem("import-quota", p) for p in problems])
    m.quota_rent0 = owed  # the households' benchmark receipts (TLS, equations below)
    param(m, "qm", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="qm", doc="import quota (upper bound on imports from the rest of the world)",
          init={k: quotas[imports[k]]["level"] * m0[k] for k in m.RQUOTA})
    var(m, "rq", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="1", latex="rq",
        doc="quota rent per unit of imports, as a rate on the cif import price",
        init={k: v / m0[k] for k, v in rents.items()}, lower=0.0)
    var(m, "RQV", m.RQUOTA, ("region", "commodity"), block=BLOCK, unit="value", latex="RQV",
        doc="quota rent (value of the import licences)", init=rents, lower=None)
    dims = ("origin", "destination", "commodity")
    param(m, "qs", m.ODQUOTA, dims, block=BLOCK, unit="quantity", latex="qs",
          doc="quota on shipments from the origin (upper bound on deliveries to the "
          "destination)", init={k: quotas[shipments[k]]["level"] * m.DS[k].value
                                for k in m.ODQUOTA})
    var(m, "rs", m.ODQUOTA, dims, block=BLOCK, unit="1", latex="rs",
        doc="shipment quota rent per unit delivered, as a rate on the landed price", init=0.0,
        lower=0.0)
    var(m, "RSV", m.ODQUOTA, dims, block=BLOCK, unit="value", latex="RSV",
        doc="shipment quota rent (value of the licences), received in the destination",
        init=0.0, lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    for r, v in m.quota_rent0.items():  # benchmark rents recycled to households
        m.TLS[r].set_value(m.TLS[r].value + v)
    equation(m, "eq_import_quota", m.RQUOTA, ("region", "commodity"), block=BLOCK,
             determines="rq", complementary=True, latex=r"qm \ge M",
             doc="imports stay within the quota; a rent only where it binds",
             rule=lambda m, r, i: m.qm[r, i] >= m.M[r, i])
    equation(m, "eq_quota_rent", m.RQUOTA, ("region", "commodity"), block=BLOCK,
             determines="RQV", latex=r"RQV = rq\, p^m M",
             doc="quota rent (value of the import licences)",
             rule=lambda m, r, i: m.RQV[r, i] == m.rq[r, i] * m.pm[r, i] * m.M[r, i])
    dims = ("origin", "destination", "commodity")
    equation(m, "eq_shipment_quota", m.ODQUOTA, dims, block=BLOCK, determines="rs",
             complementary=True, latex=r"qs \ge DS",
             doc="shipments stay within the quota; a rent only where it binds",
             rule=lambda m, o, d, i: m.qs[o, d, i] >= m.DS[o, d, i])
    equation(m, "eq_shipment_rent", m.ODQUOTA, dims, block=BLOCK, determines="RSV",
             latex=r"RSV = rs\, pl\, DS", doc="shipment quota rent (value of the licences)",
             rule=lambda m, o, d, i: m.RSV[o, d, i]
             == m.rs[o, d, i] * trade.landed_price(m, o, d, i) * m.DS[o, d, i])


def rent_to(m: pyo.ConcreteModel, r: str, recipient: str):
    """The quota rents received in region r (its imports' and its shipments' from other
    regions) that ``recipient`` (government or households) receives."""
    return (sum(m.RQV[k] for k in m.RQUOTA if k[0] == r and m.QUOTA_RECIPIENT[k] == recipient)
            + sum(m.RSV[k] for k in m.ODQUOTA
                  if k[1] == r and m.QUOTA_RECIPIENT[k] == recipient))


def rents_of(m: pyo.ConcreteModel, r: str):
    """All quota rents received in region r (GRP by production)."""
    return rent_to(m, r, "government") + rent_to(m, r, "households")
