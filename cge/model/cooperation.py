r"""Industrial cooperation: a local-content requirement on a large plant (a complementarity).

Sets: ``LCP`` = (region r, sector p): plants with a requirement, configured as data
(``[model] local_content = { "VOL:ferr" = ["mach", "omet", "chem", "oman"] }``: the plant
and the supplier goods the requirement covers, at most one plant per region); ``LCJ`` =
(r, j, p) its supplier goods. Without a requirement the sets are empty and the model is the
square system it always was.

Every buyer in a region buys a good in the same mix of origins (TERM's assumption: the SAM
records purchases by user, not by user and origin), so the plant's local content is its
purchases valued at purchaser prices times the local share of the region's supply of each
good, the value of local deliveries at their landed price over that of all deliveries and
imports (before duties, sales taxes and the preference below; ``pl``: trade block):

.. math::

    s_{rj} = \frac{pl_{rrj} DS_{rrj}}{\sum_o pl_{orj} DS_{orj} + pm_{rj} M_{rj}}, \qquad
    LC_{rp} = \sum_j s_{rj}\, pq_{rj} X_{rjp}

The requirement is a share :math:`\kappa_{rp}` (``lcs``, zero at the benchmark: no
requirement) of the plant's purchases of the covered goods, met by a price preference
:math:`\mu_{rp}` for local suppliers: buyers in r pay :math:`(1 + tb - \mu)\,pl` for local
deliveries of the covered goods (trade block), and since there is one market for each good,
the preference lowers the price of local goods to every buyer in the region, not only to the
plant. The plant pays for it (a surcharge :math:`\phi_{rp}` on its purchases of the covered
goods, which cost it :math:`(1 + \phi)\,pq`: production block), so the requirement is the
implicit tax on the plant's inputs and subsidy to local supply of Grossman (1981, "The
theory of domestic content protection and content preference", QJE 96(4)):

.. math::

    LC_{rp} \ge \kappa_{rp} \sum_j pq_{rj} X_{rjp} \;&\perp\; \mu_{rp} \ge 0
        && \text{eq\_local\_content} \\
    \phi_{rp} \sum_j pq_{rj} X_{rjp} &= \mu_{rp} \sum_j pl_{rrj} DS_{rrj}
        && \text{eq\_local\_content\_cost} \to \phi_{rp} \\
    LCC_{rp} &= \mu_{rp} \sum_j pl_{rrj} DS_{rrj} && \text{eq\_local\_content\_payment} \to LCC_{rp} \\
    LCSH_{rp} \sum_j pq_{rj} X_{rjp} &= LC_{rp} && \text{eq\_local\_content\_share} \to LCSH_{rp}

Either the plant's local content is above the requirement and there is no preference, or the
requirement binds and the preference is what raises the local share to it. ``LCSH`` is the
plant's local-content share, what the requirement is compared with (reported also without a
requirement). ``LCC`` is the requirement's cost to the plant: the preference rate (its shadow
price) times the local deliveries it applies to. It is a transfer from the plant (from its
owners, wherever the enterprise block sends its profits) to the buyers of local goods in the
region; what it costs the economy is the distortion, measured by EV summed over regions.
Because the preference cannot be confined to the plant's own purchases, ``LCC`` overstates
what a plant that could contract locally for its own needs alone would pay.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import trade
from cge.model.symbols import equation, param, var

BLOCK = "cooperation"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    plants = {tuple(k.split(":")): list(goods) for k, goods in cal.config.local_content.items()}
    problems = []
    regions = [r for r, _ in plants]
    for r in {r for r in regions if regions.count(r) > 1}:
        problems.append(f"local_content names several plants in {r}: the preference for local "
                        "suppliers is one per region")
    inputs, local = set(m.RJS), set(m.ODC)
    for (r, p), goods in plants.items():
        if (r, p) not in set(m.RS):
            problems.append(f"local_content names {r}:{p}, which has no output in the SAM")
            continue
        for j in goods:
            if (r, j, p) not in inputs or (r, r, j) not in local:
                problems.append(f"local_content[{r}:{p}] names {j!r}, which {r}:{p} does not "
                                f"buy or {r} does not supply to itself in the SAM")
    if problems:
        raise InputError([Problem("local-content", msg) for msg in problems])
    m.LCP = list(plants)
    m.LCJ = [(r, j, p) for (r, p), goods in plants.items() for j in goods]
    param(m, "lcs", m.LCP, ("region", "sector"), block=BLOCK, unit="1", latex=r"\kappa",
          doc="local-content requirement: the least share of local supplies in the plant's "
          "purchases of the covered goods (0: none)", init=0.0)
    var(m, "mulc", m.LCP, ("region", "sector"), block=BLOCK, unit="1", latex=r"\mu",
        doc="price preference for local suppliers of the covered goods (shadow price of the "
        "local-content requirement)", init=0.0, lower=0.0)
    var(m, "philc", m.LCP, ("region", "sector"), block=BLOCK, unit="1", latex=r"\phi",
        doc="surcharge on the plant's purchases of the covered goods that pays for the "
        "preference", init=0.0, lower=None)
    var(m, "LCC", m.LCP, ("region", "sector"), block=BLOCK, unit="value", latex="LCC",
        doc="cost of the local-content requirement to the plant (preference paid)", init=0.0,
        lower=None)
    var(m, "LCSH", m.LCP, ("region", "sector"), block=BLOCK, unit="1", latex="LCSH",
        doc="local-content share of the plant's purchases of the covered goods",
        init={k: _benchmark_share(cal, k, plants[k]) for k in m.LCP})
    #: hooks for the trade block (local deliveries: the preference) and the production block
    #: (the plant's purchases: the surcharge)
    m.local_preference = {(r, r, j): m.mulc[r, p] for r, j, p in m.LCJ}
    m.plant_surcharge = {(r, j, p): m.philc[r, p] for r, j, p in m.LCJ}


def _benchmark_share(cal: Calibration, plant: tuple[str, str], goods: list[str]) -> float:
    """The plant's local-content share at the benchmark (all prices one: shipments' landed
    values ``(1 + tmg) DS`` are ``V0``, imports' cif values ``M0``)."""
    r, p = plant
    v0, m0, x0 = (cal.table(n) for n in ("V0", "M0", "X0"))

    def share(j):
        landed = {o: v for (o, d, i), v in v0.items() if d == r and i == j}
        return landed[r] / (sum(landed.values()) + m0.get((r, j), 0.0))

    return sum(share(j) * x0[(r, j, p)] for j in goods) / sum(x0[(r, j, p)] for j in goods)


def local_share(m: pyo.ConcreteModel, r: str, j: str):
    """The local share of region r's supply of j: local deliveries over all deliveries and
    imports, at landed prices before duties, sales taxes and the preference."""
    local = trade.landed_price(m, r, r, j) * m.DS[r, r, j]
    total = sum(trade.landed_price(m, o, d, i) * m.DS[o, d, i]
                for o, d, i in m.ODC if d == r and i == j)
    if (r, j) in set(m.RM):
        total = total + m.pm[r, j] * m.M[r, j]
    return local / total


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    goods = {k: [j for r, j, p in m.LCJ if (r, p) == k] for k in m.LCP}

    def content(m, r, p):
        return sum(local_share(m, r, j) * m.pq[r, j] * m.X[r, j, p] for j in goods[(r, p)])

    def purchases(m, r, p):
        return sum(m.pq[r, j] * m.X[r, j, p] for j in goods[(r, p)])

    def preference_base(m, r, p):
        return sum(trade.landed_price(m, r, r, j) * m.DS[r, r, j] for j in goods[(r, p)])

    equation(m, "eq_local_content", m.LCP, ("region", "sector"), block=BLOCK,
             determines="mulc", complementary=True,
             latex=r"\sum_j s_j\, p^q X_{jp} \ge \kappa \sum_j p^q X_{jp}",
             doc="the plant's local content meets the requirement; a preference only where "
             "it binds",
             rule=lambda m, r, p: content(m, r, p) >= m.lcs[r, p] * purchases(m, r, p))
    equation(m, "eq_local_content_cost", m.LCP, ("region", "sector"), block=BLOCK,
             determines="philc", latex=r"\phi \sum_j p^q X_{jp} = \mu \sum_j pl_{rrj} DS_{rrj}",
             doc="the plant's surcharge pays for the preference",
             rule=lambda m, r, p: m.philc[r, p] * purchases(m, r, p)
             == m.mulc[r, p] * preference_base(m, r, p))
    equation(m, "eq_local_content_payment", m.LCP, ("region", "sector"), block=BLOCK,
             determines="LCC", latex=r"LCC = \mu \sum_j pl_{rrj} DS_{rrj}",
             doc="cost of the requirement to the plant: the preference times the local "
             "deliveries it applies to",
             rule=lambda m, r, p: m.LCC[r, p] == m.mulc[r, p] * preference_base(m, r, p))
    equation(m, "eq_local_content_share", m.LCP, ("region", "sector"), block=BLOCK,
             determines="LCSH", latex=r"LCSH \sum_j p^q X_{jp} = \sum_j s_j\, p^q X_{jp}",
             doc="local-content share of the plant's purchases of the covered goods",
             rule=lambda m, r, p: m.LCSH[r, p] * purchases(m, r, p) == content(m, r, p))
