r"""Production: each activity's tree of CES nests over factors and intermediate inputs.

An activity (region r, sector i) combines its inputs in a tree of nests given as data
(:mod:`cge.calibration.nests`; without a nest file the default tree below) and calibrated by
:mod:`cge.calibration.production`. A nest n aggregates its inputs k, each with quantity
:math:`q_k` and price :math:`p_k`: inner nests (:math:`QN, PN`), factors and commodities. The
root nest is gross output :math:`Z` at price :math:`p^z`. A factor enters as the effective
input :math:`b F` at price :math:`p^f / b`: :math:`b` is factor-augmenting productivity, 1 at
the benchmark (for the default tree the old value-added scale times :math:`b`). The activity
pays :math:`(1 + tf_{rfi})\,p^f` for a unit of factor f: ``tf`` is a tax on factor use, zero at
the benchmark (an instrument experiments may introduce; revenue: government block). A plant
under a local-content requirement pays :math:`(1 + \phi)\,pq` for the supplier goods it
covers (:mod:`cge.model.cooperation`; :math:`\phi = 0` otherwise).

Sets: ``RS`` = (region r, sector i) with output; ``RSN`` = (r, i, nest n) of the activity's
tree, root included; ``RSNI`` = the inner nests (every nest but the root); ``RFS`` = (r, factor
f, i) with factor use; ``RJS`` = (r, commodity j, i) with intermediate use.

.. math::

    Z_{ri} &= gn_{ri0} \Big(\sum_{k \in 0} \delta_k q_k^{\rho_0}\Big)^{1/\rho_0}
        && \text{eq\_output\_technology} \to Z_{ri} \\
    QN_{rin} &= gn_{rin} \Big(\sum_{k \in n} \delta_k q_k^{\rho_n}\Big)^{1/\rho_n}
        && \text{eq\_nest\_technology} \to p^n_{rin} \\
    QN_{rin} &= (gn_{rim}^{\rho_m} an_{rin}\, P_m / PN_{rin})^{1/(1-\rho_m)} Q_m
        && \text{eq\_nest\_demand} \to Q^n_{rin} \\
    b_{ri} F_{rfi} &= (gn_{rim}^{\rho_m} \beta_{rfi}\, P_m b_{ri}/((1+tf_{rfi})\,pf_{rfi}))^{1/(1-\rho_m)} Q_m
        && \text{eq\_factor\_demand} \to F_{rfi} \\
    X_{rji} &= (gn_{rim}^{\rho_m} ax_{rji}\, P_m / pq_{rj})^{1/(1-\rho_m)} Q_m
        && \text{eq\_intermediate\_demand} \to X_{rji}

An activity whose sector is listed in ``on_off_activities`` may shut down (set ``RS_ONOFF``):
its output is an activity level at zero profit or zero, and its nests' prices are their unit
costs, which hold at zero quantities too (so that they stay unique after a shutdown):

.. math::

    c_{ri}(p_k) \ge p^z_{ri} \;\perp\; Z_{ri} \ge 0 && \text{eq\_zero\_profit} \\
    p^n_{rin} = c_{rin}(p_k) && \text{eq\_nest\_unit\_cost} \to p^n_{rin}

with :math:`c` the CES unit cost :math:`(1/\gamma)(\sum_k \delta_k^s p_k^{1-s})^{1/(1-s)}`,
:math:`s = 1/(1-\rho)` (:func:`cge.model.ces.unit_cost`). These replace
``eq_output_technology`` and ``eq_nest_technology`` for those activities: with the demands
below, either form implies the other where the activity runs.

where 0 is the root, m the nest using the input (quantity :math:`Q_m`, price :math:`P_m`:
:math:`Z, p^z` for the root; for an activity with a capacity limit the price net of its
capacity rent, :math:`p^z/(1 + kr)`, :mod:`cge.model.capacity`), :math:`\delta_k` the
input's share parameter (``an``, ``beta`` or ``ax``) and :math:`\rho = (\sigma - 1)/\sigma`. Cobb-Douglas nests (:math:`\sigma = 1`) are
:math:`Q = gn \prod_k q_k^{\delta_k}` with :math:`q_k = \delta_k P Q / p_k`; fixed proportions
(:math:`\sigma = 0`) are :math:`q_k = \delta_k Q / gn` with the unit cost
:math:`P = \sum_k p_k \delta_k / gn` as the nest's technology (:mod:`cge.model.ces`). Combined, the
technology and demands of a nest are zero profit: :math:`P Q = \sum_k p_k q_k`. ``Z`` is output
valued at ``pz``, net of the production tax (the tax is levied in the transformation block).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.calibration.nests import DEFAULT, DEFAULT_TREE
from cge.errors import InputError, Problem
from cge.model import capacity, ces
from cge.model.symbols import LOWER, equation, param, var

BLOCK = "production"
#: The equations productivity ``b`` enters, with the (region, sector) of each index: the
#: dynamics rewrite them to let a productivity index multiply ``b``.
PRODUCTIVITY_EQUATIONS = {
    "eq_output_technology": lambda k: (k[0], k[1]),
    "eq_nest_technology": lambda k: (k[0], k[1]),
    "eq_factor_demand": lambda k: (k[0], k[2]),
    "eq_zero_profit": lambda k: (k[0], k[1]),
    "eq_nest_unit_cost": lambda k: (k[0], k[1]),
}


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """Sets, parameters and variables of the block."""
    parent = cal.labels("nest_parent")
    m.RS = list(cal.nonzero("Z0"))
    m.RSN = list(cal.nonzero("QN0"))
    m.RSNI = [k for k in m.RSN if k in parent]
    m.RFS = list(cal.nonzero("beta"))
    m.RJS = list(cal.nonzero("ax"))
    switch = set(cal.config.on_off_activities)
    m.RS_ONOFF = [k for k in m.RS if k[1] in switch]
    m.RSNI_ONOFF = [k for k in m.RSNI if k[1] in switch]
    unknown = sorted(switch - {i for _, i in m.RS})
    if unknown:
        raise InputError(Problem(
            "on-off-activities", f"on_off_activities names {unknown}, which no region "
            f"produces in the SAM (sectors: {sorted({i for _, i in m.RS})})"))

    param(m, "b", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex="b",
          doc="factor-augmenting productivity of the activity (1 at the benchmark)", init=1.0)
    param(m, "tf", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="1", latex="tf",
          doc="tax rate on the use of the factor by the activity (zero in the SAM)", init=0.0)
    param(m, "gn", m.RSN, ("region", "sector", "nest"), block=BLOCK, unit="1",
          latex=r"\gamma^n", doc="scale parameter of the nest", init=cal.nonzero("gn"))
    param(m, "sigma_n", m.RSN, ("region", "sector", "nest"), block=BLOCK, unit="1",
          latex=r"\sigma^n", doc="elasticity of substitution in the nest",
          init=cal.table("sigma_n"))
    param(m, "an", m.RSNI, ("region", "sector", "nest"), block=BLOCK, unit="1", latex="a^n",
          doc="share parameter of the nest in its parent", init=cal.nonzero("an"))
    param(m, "beta", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="1",
          latex=r"\beta", doc="share parameter of the factor in its nest",
          init=cal.nonzero("beta"))
    param(m, "ax", m.RJS, ("region", "commodity", "sector"), block=BLOCK, unit="1",
          latex="ax", doc="share parameter of the commodity in its nest (input per unit of "
          "the nest under fixed proportions)", init=cal.nonzero("ax"))

    var(m, "QN", m.RSNI, ("region", "sector", "nest"), block=BLOCK, unit="quantity",
        latex="Q^n", doc="quantity of an inner nest (e.g. value added)",
        init=cal.nonzero("QN0"), lower=_free_if_on_off(m.RSNI, switch))
    var(m, "PN", m.RSNI, ("region", "sector", "nest"), block=BLOCK, unit="price",
        latex="p^n", doc="price of an inner nest (e.g. value added)")
    var(m, "F", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="quantity",
        latex="F", doc="factor demand", init=cal.nonzero("F0"),
        lower=_free_if_on_off(m.RFS, switch, sector=2))
    var(m, "X", m.RJS, ("region", "commodity", "sector"), block=BLOCK, unit="quantity",
        latex="X", doc="intermediate demand", init=cal.nonzero("X0"),
        lower=_free_if_on_off(m.RJS, switch, sector=2))
    var(m, "Z", m.RS, ("region", "sector"), block=BLOCK, unit="quantity", latex="Z",
        doc="gross output (activity level, the root nest)", init=cal.nonzero("Z0"),
        # an activity that may shut down has a level >= 0 (eq_zero_profit)
        lower={k: 0.0 if k[1] in switch else LOWER for k in m.RS})
    var(m, "pz", m.RS, ("region", "sector"), block=BLOCK, unit="price", latex="p^z",
        doc="producer price of output, net of production tax")


def _free_if_on_off(index: list, switch: set, sector: int = 1) -> dict:
    """Lower bounds of an activity's input quantities: none where the activity may shut down
    (they go to zero with it, and enter only linear demands there: a bound above zero would
    exclude the shutdown), else the strictly positive bound of CES terms."""
    return {k: None if k[sector] in switch else LOWER for k in index}


def describe(m: pyo.ConcreteModel) -> list[str]:
    """The nesting trees of the instance as Markdown (for the model reference)."""
    rules = m.cal.config.production_nests or DEFAULT
    users: dict[str, list[str]] = {}
    for r, i in m.RS:
        users.setdefault(rules.rule(r, i).label, []).append(f"{r}:{i}")
    out = ["### Nesting trees", "", "Without a nest file every activity has the default tree "
           f"({DEFAULT_TREE.source}); `elasticity` is a number or a parameter of the elasticity "
           "file:", "", "```", *DEFAULT_TREE.describe(), "```", ""]
    if rules is DEFAULT:
        return out + ["Every activity of the instance has the default tree.", ""]
    for rule in rules.rules:
        if rule.label in users:
            out += [f"{rule.label} of `{rules.file}` ({rule.source}), for "
                    f"{', '.join(users[rule.label])}:", "", "```", *rule.describe(), "```", ""]
    return out


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """Equations of the block (all variables of all blocks exist by now)."""
    # exponents of the elasticities: a sensitivity point sets sigma_n
    rho = {k: ces.exponent(m.sigma_n[k], v) for k, v in cal.table("rho_n").items()
           if k in m.sigma_n}
    parent = cal.labels("nest_parent")
    factor_nest, commodity_nest = cal.labels("factor_nest"), cal.labels("commodity_nest")
    root = {(r, i): n for r, i, n in m.RSN if (r, i, n) not in parent}

    def quantity(r, i, n):
        return m.Z[r, i] if root[(r, i)] == n else m.QN[r, i, n]

    def price(r, i, n):
        # the root's price is what a unit of output may cost: net of a capacity rent
        return capacity.unit_cost_price(m, r, i) if root[(r, i)] == n else m.PN[r, i, n]

    # (share, quantity, price) of every input of every nest; factors are effective inputs
    parts: dict[tuple, list] = {k: [] for k in m.RSN}
    for r, i, n in m.RSNI:
        parts[(r, i, parent[(r, i, n)])].append((m.an[r, i, n], m.QN[r, i, n], m.PN[r, i, n]))
    def user_cost(r, f, i):
        """What the activity pays for a unit of effective factor input."""
        return (1 + m.tf[r, f, i]) * m.pf[r, f, i] / m.b[r, i]

    for r, f, i in m.RFS:
        parts[(r, i, factor_nest[(r, f, i)])].append(
            (m.beta[r, f, i], m.b[r, i] * m.F[r, f, i], user_cost(r, f, i)))

    def input_price(r, j, i):
        """What the activity pays for a unit of commodity j: a plant under a local-content
        requirement pays a surcharge on the goods it covers (cooperation block)."""
        if (r, j, i) in m.plant_surcharge:
            return (1 + m.plant_surcharge[(r, j, i)]) * m.pq[r, j]
        return m.pq[r, j]

    for r, j, i in m.RJS:
        parts[(r, i, commodity_nest[(r, j, i)])].append((m.ax[r, j, i], m.X[r, j, i],
                                                         input_price(r, j, i)))

    def demand(r, i, nest, share, price_input):
        """Demand for one input of ``nest`` (see :func:`cge.model.ces.demand`)."""
        return ces.demand(m.gn[r, i, nest], share, price(r, i, nest), price_input,
                          quantity(r, i, nest), rho[(r, i, nest)])

    on_off = set(m.RS_ONOFF)

    def unit_cost(r, i, n):
        return ces.unit_cost(m.gn[r, i, n], [(share, p) for share, _, p in parts[(r, i, n)]],
                             rho[(r, i, n)])

    equation(m, "eq_zero_profit", m.RS_ONOFF, ("region", "sector"), block=BLOCK,
             determines="Z", complementary=True, latex=r"c(p_k) \ge p^z",
             doc="zero profit of an activity that may shut down: it runs only if its price "
             "covers its unit cost",
             rule=lambda m, r, i: unit_cost(r, i, root[(r, i)])
             >= price(r, i, root[(r, i)]))
    equation(m, "eq_nest_unit_cost", m.RSNI_ONOFF, ("region", "sector", "nest"), block=BLOCK,
             determines="PN", latex=r"p^n = c(p_k)",
             doc="price of an inner nest of an activity that may shut down: its unit cost",
             rule=lambda m, r, i, n: m.PN[r, i, n] == unit_cost(r, i, n))
    equation(m, "eq_output_technology", [k for k in m.RS if k not in on_off],
             ("region", "sector"), block=BLOCK,
             determines="Z", latex=r"Z = \gamma^n\,\mathrm{CES}(q_k)",
             doc="technology of the root nest: gross output from its inputs (under fixed "
             "proportions its unit cost: zero profit)",
             rule=lambda m, r, i: ces.technology(
                 m.Z[r, i], price(r, i, root[(r, i)]), m.gn[r, i, root[(r, i)]],
                 parts[(r, i, root[(r, i)])],
                 rho[(r, i, root[(r, i)])]))
    inner_on_off = set(m.RSNI_ONOFF)
    equation(m, "eq_nest_technology", [k for k in m.RSNI if k not in inner_on_off],
             ("region", "sector", "nest"), block=BLOCK,
             determines="PN", latex=r"Q^n = \gamma^n\,\mathrm{CES}(q_k)",
             doc="technology of an inner nest (under fixed proportions its unit cost)",
             rule=lambda m, r, i, n: ces.technology(m.QN[r, i, n], m.PN[r, i, n], m.gn[r, i, n],
                                                    parts[(r, i, n)], rho[(r, i, n)]))
    equation(m, "eq_nest_demand", m.RSNI, ("region", "sector", "nest"), block=BLOCK,
             determines="QN", latex=r"Q^n = (\gamma^{\rho} a^n P/p^n)^{1/(1-\rho)} Q",
             doc="cost-minimising demand of the parent nest for the nest",
             rule=lambda m, r, i, n: m.QN[r, i, n] == demand(
                 r, i, parent[(r, i, n)], m.an[r, i, n], m.PN[r, i, n]))
    equation(m, "eq_factor_demand", m.RFS, ("region", "factor", "sector"), block=BLOCK,
             determines="F", latex=r"b F = (\gamma^{\rho} \beta\, P b/((1+tf) p^f))^{1/(1-\rho)} Q",
             doc="cost-minimising factor demand of the factor's nest",
             rule=lambda m, r, f, i: m.F[r, f, i] == demand(
                 r, i, factor_nest[(r, f, i)], m.beta[r, f, i], user_cost(r, f, i))
             / m.b[r, i])
    equation(m, "eq_intermediate_demand", m.RJS, ("region", "commodity", "sector"),
             block=BLOCK, determines="X",
             latex=r"X = (\gamma^{\rho} ax\, P/p^q)^{1/(1-\rho)} Q",
             doc="cost-minimising intermediate demand of the commodity's nest",
             rule=lambda m, r, j, i: m.X[r, j, i] == demand(
                 r, i, commodity_nest[(r, j, i)], m.ax[r, j, i], input_price(r, j, i)))

