r"""Domestic and foreign sourcing: the TERM-style domestic composite and Armington imports.

Sets: ``ODC`` = (origin o, destination d, commodity i) with interregional (or intraregional,
o = d) shipments; ``RQ`` = (region, commodity) with a composite market; ``RM`` = with imports;
``RDD`` = with domestic supply; ``RDD_CES`` = the composites made by the CES over origins
below (all, unless goods are traded by activities: :mod:`cge.model.trade_activities`);
``ODC_CES`` = their flows.

Each destination region buys a domestic composite ``DD`` as a CES over origin regions, where a
shipment from o to d costs the origin price ``pd`` grossed up by an iceberg trade margin
``tmg`` (``1 + tmg`` units leave o for each unit delivered in d), by an ad-valorem barrier
``tb`` (a duty the destination's government collects, government block; at the benchmark the
duties the SAM records in ``duty_accounts``, else zero; set by experiments) and, between
countries, converted by the
ratio of their exchange rates ``epsilon[c(d)] / epsilon[c(o)]``. The delivered price is

.. math::

    pds_{odi} = (1+tb_{odi})(1+tmg_{odi})\,pd_{oi}\,\varepsilon_{c(d)}/\varepsilon_{c(o)}

plus, on flows that need margin services instead of an iceberg margin, their cost
(:mod:`cge.model.margins`); on local deliveries covered by a local-content requirement
buyers pay ``(1 + tb - mu)`` times the landed price (:mod:`cge.model.cooperation`), and on
flows with a quota its rent ``rs`` beside ``tb`` (:mod:`cge.model.quotas`)

and

.. math::

    DD_{di} &= \gamma^o_{di}\Big(\sum_o \delta^o_{odi} DS_{odi}^{\rho^o_{di}}\Big)^{1/\rho^o_{di}}
        && \text{eq\_domestic\_composite} \to pdd_{di} \\
    DS_{odi} &= \big((\gamma^o)^{\rho}\delta^o_{odi}\,pdd_{di}/pds_{odi}\big)^{1/(1-\rho)}
        DD_{di} && \text{eq\_origin\_demand} \to DS_{odi} \\
    D_{oi} &= \sum_d (1+tmg_{odi})\, DS_{odi} && \text{eq\_origin\_market} \to pd_{oi}

(where the origin sells under a CET between destinations, ``pd`` is replaced by the price for
each destination ``pdo`` and the last equation by the CET: :mod:`cge.model.transformation`)

The Armington composite ``Q`` (at purchaser prices ``pq``, incl. the sales tax ``tq``) is a CES
of imports ``M`` (paying the tariff ``taum``, and the rent ``rq`` of an import quota where one
is configured: :mod:`cge.model.quotas`) and the domestic composite:

.. math::

    Q_{ri} &= \gamma_{ri}\big(\delta^m_{ri} M_{ri}^{\eta_{ri}} + \delta^d_{ri} DD_{ri}^{\eta_{ri}}\big)^{1/\eta_{ri}}
        && \text{eq\_armington} \to Q_{ri} \\
    M_{ri} &= \Big(\gamma^{\eta}\delta^m_{ri}\,\frac{pq_{ri}/(1+tq_{ri})}{(1+\tau^m_{ri})\,pm_{ri}}\Big)^{1/(1-\eta)} Q_{ri}
        && \text{eq\_import\_demand} \to M_{ri} \\
    DD_{ri} &= \Big(\gamma^{\eta}\delta^d_{ri}\,\frac{pq_{ri}/(1+tq_{ri})}{pdd_{ri}}\Big)^{1/(1-\eta)} Q_{ri}
        && \text{eq\_domestic\_demand} \to DD_{ri}

with ``eta = (sigma_arm - 1)/sigma_arm`` and ``rho = (sigma_dom - 1)/sigma_dom`` (Cobb-Douglas
forms when an elasticity is one). With a single region, ``DD = DS = D`` and the block reduces to
the standard single-country Armington model.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces, margins, trade_activities, transformation, world_trade
from cge.model.symbols import LOWER, equation, param, var

BLOCK = "trade"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RQ = list(cal.nonzero("Q0"))
    # with world trade activities, also import routes the SAM does not record
    m.RM = list(cal.nonzero("M0")) + world_trade.idle_routes(cal, "import")
    by_activity = set(cal.config.world_trade_activities)
    m.RDD = list(cal.nonzero("DD0"))
    # with trade activities, also the routes that carry nothing in the benchmark
    homogeneous = set(trade_activities.markets(cal, m.RDD))
    m.ODC = list(cal.nonzero("delta_o")) + trade_activities.routes(cal, m.RDD)
    # the composites and flows with a CES over origins (the others: trade activities)
    m.RDD_CES = [k for k in m.RDD if k not in homogeneous]
    m.ODC_CES = [k for k in m.ODC if k[1:] not in homogeneous]
    tmg0 = cal.table("tmg0")
    v0 = cal.table("V0")
    param(m, "tmg", m.ODC, ("origin", "destination", "commodity"), block=BLOCK, unit="1",
          latex="tmg", doc="iceberg trade margin on shipments from origin to destination",
          init={k: tmg0[k] for k in m.ODC})
    param(m, "tb", m.ODC, ("origin", "destination", "commodity"), block=BLOCK, unit="1",
          latex="tb", doc="ad-valorem barrier (duty of the destination) on shipments from "
          "origin to destination", init=cal.nonzero("tb0"))
    param(m, "delta_o", m.ODC, ("origin", "destination", "commodity"), block=BLOCK, unit="1",
          latex=r"\delta^o", doc="share of the origin in the domestic composite",
          init=cal.nonzero("delta_o"))
    param(m, "gamma_o", m.RDD, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\gamma^o", doc="scale of the domestic composite", init=cal.table("gamma_o"))
    param(m, "gamma", m.RQ, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\gamma",
          doc="Armington scale parameter", init=cal.table("gamma"))
    param(m, "deltam", m.RM, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\delta^m", doc="Armington share of imports", init=cal.table("deltam"))
    param(m, "deltad", m.RDD, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\delta^d", doc="Armington share of the domestic composite",
          init=cal.table("deltad"))
    param(m, "sigma_dom", m.RDD, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\sigma^o", doc="elasticity of substitution between regions of origin",
          init=cal.table("sigma_dom"))
    param(m, "sigma_arm", m.RQ, ("region", "commodity"), block=BLOCK, unit="1",
          latex=r"\sigma^a", doc="Armington elasticity between imports and the domestic "
          "composite", init=cal.table("sigma_arm"))
    param(m, "taum", m.RQ, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\tau^m",
          doc="import tariff rate", init=cal.table("taum"))
    param(m, "tq", m.RQ, ("region", "commodity"), block=BLOCK, unit="1", latex=r"t^q",
          doc="sales tax rate on the composite good", init=cal.table("tq"))

    var(m, "DS", m.ODC, ("origin", "destination", "commodity"), block=BLOCK, unit="quantity",
        latex="DS", doc="shipments delivered from origin to destination",
        init={k: v0[k] / (1 + tmg0[k]) for k in m.ODC},
        # a trade activity's level may be zero (cge.model.trade_activities)
        # and goods traded with the rest of the world by activities have no bound: linear
        # terms only, zero when the producer shuts down (cge.model.world_trade)
        lower={k: 0.0 if k[1:] in homogeneous else None if k[2] in by_activity else LOWER
               for k in m.ODC})
    var(m, "DD", m.RDD, ("region", "commodity"), block=BLOCK, unit="quantity", latex="DD",
        doc="domestic composite (all regions of origin)", init=cal.nonzero("DD0"),
        lower={k: None if k[1] in by_activity else LOWER for k in m.RDD})
    var(m, "pdd", m.RDD, ("region", "commodity"), block=BLOCK, unit="price", latex="p^{dd}",
        doc="price of the domestic composite")
    var(m, "Q", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity", latex="Q",
        doc="Armington composite good", init=cal.nonzero("Q0"))
    var(m, "M", m.RM, ("region", "commodity"), block=BLOCK, unit="quantity", latex="M",
        doc="imports from the rest of the world", init=cal.nonzero("M0"),
        # an import activity's level may be zero (cge.model.world_trade)
        lower={k: 0.0 if k[1] in by_activity else LOWER for k in m.RM})
    var(m, "pq", m.RQ, ("region", "commodity"), block=BLOCK, unit="price", latex="p^q",
        doc="purchaser price of the composite good")


def landed_price(m: pyo.ConcreteModel, o: str, d: str, i: str):
    """Price in d of a unit shipped from o, before the barrier: (1 + tmg) pd, in d's currency
    (``pdo`` in place of ``pd`` where the origin sells under a CET between destinations), plus
    the margin services the flow needs (:mod:`cge.model.margins`)."""
    price = (1 + m.tmg[o, d, i]) * transformation.origin_price(m, o, d, i)
    if m.COUNTRY[o] != m.COUNTRY[d]:
        price = price * m.epsilon[m.COUNTRY[d]] / m.epsilon[m.COUNTRY[o]]
    if (o, d, i) in m.margins_of:
        price = price + margins.cost(m, o, d, i)
    return price


def delivered_price(m: pyo.ConcreteModel, o: str, d: str, i: str):
    """What buyers in d pay per unit delivered from o: the landed price, with the duty ``tb``
    (and where configured a local-content preference or a quota's rent)."""
    rate = 1 + m.tb[o, d, i]
    if (o, d, i) in m.local_preference:  # a local-content requirement (cooperation block)
        rate = rate - m.local_preference[(o, d, i)]
    if (o, d, i) in m.shipment_quota_set:  # a binding quota's rent (quotas block)
        rate = rate + m.rs[o, d, i]
    return rate * landed_price(m, o, d, i)


def import_cost(m: pyo.ConcreteModel, r: str, i: str):
    """What buyers in r pay per unit of imports of i: ``(1 + taum) pm``, plus the rent
    ``rq pm`` where an import quota is configured (:mod:`cge.model.quotas`)."""
    if (r, i) in m.quota_set:
        return (1 + m.taum[r, i] + m.rq[r, i]) * m.pm[r, i]
    return (1 + m.taum[r, i]) * m.pm[r, i]


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    # exponents of the elasticities: a sensitivity point sets sigma_dom and sigma_arm
    rho_o = {k: ces.exponent(m.sigma_dom[k], v) for k, v in cal.table("rho_o").items()
             if k in m.sigma_dom}
    eta = {k: ces.exponent(m.sigma_arm[k], v) for k, v in cal.table("eta").items()
           if k in m.sigma_arm}
    origins = {k: [] for k in m.RDD}
    shipped = {k: [] for k in m.RD}
    for o, d, i in m.ODC:
        origins[(d, i)].append(o)
        shipped[(o, i)].append(d)
    imp, dom = set(m.RM), set(m.RDD)

    # markets traded by activities with the rest of the world: cge.model.world_trade
    world = m.rwa_set
    equation(m, "eq_domestic_composite", [k for k in m.RDD_CES if k not in world],
             ("region", "commodity"), block=BLOCK,
             determines="pdd", latex=r"DD = \gamma^o (\sum_o \delta^o DS^\rho)^{1/\rho}",
             doc="CES composite of domestic goods over regions of origin",
             rule=lambda m, d, i: ces.technology(
                 m.DD[d, i], m.pdd[d, i], m.gamma_o[d, i],
                 [(m.delta_o[o, d, i], m.DS[o, d, i], delivered_price(m, o, d, i))
                  for o in origins[(d, i)]], rho_o[(d, i)]))
    equation(m, "eq_origin_demand", m.ODC_CES, ("origin", "destination", "commodity"),
             block=BLOCK, determines="DS",
             latex=r"DS = ((\gamma^o)^\rho \delta^o p^{dd}/pds)^{1/(1-\rho)} DD",
             doc="demand of the destination for goods of each origin",
             rule=lambda m, o, d, i: m.DS[o, d, i] == ces.demand(
                 m.gamma_o[d, i], m.delta_o[o, d, i], m.pdd[d, i], delivered_price(m, o, d, i),
                 m.DD[d, i], rho_o[(d, i)]))
    # where the origin sells under a CET between destinations, eq_destination_cet sets pd
    by_cet = set(m.RCD)
    equation(m, "eq_origin_market", [k for k in m.RD if k not in by_cet], ("region", "sector"),
             block=BLOCK, determines="pd", latex=r"D_o = \sum_d (1+tmg)\,DS_{od}",
             doc="domestic sales of the origin equal shipments to all destinations",
             rule=lambda m, o, i: m.D[o, i] == sum((1 + m.tmg[o, d, i]) * m.DS[o, d, i]
                                                   for d in shipped[(o, i)]))

    def parts(m, r, i):
        out = []
        if (r, i) in imp:
            out.append((m.deltam[r, i], m.M[r, i], import_cost(m, r, i)))
        if (r, i) in dom:
            out.append((m.deltad[r, i], m.DD[r, i], m.pdd[r, i]))
        return out

    def supply_price(m, r, i):
        return m.pq[r, i] / (1 + m.tq[r, i])

    equation(m, "eq_armington", [k for k in m.RQ if k not in world], ("region", "commodity"),
             block=BLOCK, determines="Q",
             latex=r"Q = \gamma(\delta^m M^\eta + \delta^d DD^\eta)^{1/\eta}",
             doc="Armington CES composite of imports and domestic goods",
             rule=lambda m, r, i: ces.technology(m.Q[r, i], supply_price(m, r, i),
                                                 m.gamma[r, i], parts(m, r, i), eta[(r, i)]))
    equation(m, "eq_import_demand", [k for k in m.RM if k not in world],
             ("region", "commodity"), block=BLOCK,
             determines="M", latex=r"M = (\gamma^\eta \delta^m p^q/((1+t^q)(1+\tau^m) p^m))"
             r"^{1/(1-\eta)} Q", doc="cost-minimising import demand",
             rule=lambda m, r, i: m.M[r, i] == ces.demand(
                 m.gamma[r, i], m.deltam[r, i], supply_price(m, r, i),
                 import_cost(m, r, i), m.Q[r, i], eta[(r, i)]))
    equation(m, "eq_domestic_demand", [k for k in m.RDD if k not in world],
             ("region", "commodity"), block=BLOCK,
             determines="DD", latex=r"DD = (\gamma^\eta \delta^d p^q/((1+t^q) p^{dd}))"
             r"^{1/(1-\eta)} Q", doc="cost-minimising demand for the domestic composite",
             rule=lambda m, r, i: m.DD[r, i] == ces.demand(
                 m.gamma[r, i], m.deltad[r, i], supply_price(m, r, i), m.pdd[r, i], m.Q[r, i],
                 eta[(r, i)]))
