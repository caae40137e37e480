"""Calibration of household demand: subsistence quantities and each household's demand tree.

Demand is a tree of CES nests over supernumerary consumption ``Xp - gamma_h`` (a nest file
with household rules, :mod:`cge.calibration.nests`; without one the default tree, a single
Cobb-Douglas nest). Subsistence quantities ``gamma_h`` stay at the leaves: zero under
``household_demand = "cobb_douglas"``, the linear expenditure system's under ``"les"``
(:func:`household_demand`). A Cobb-Douglas tree is then Cobb-Douglas or Stone-Geary demand.

At benchmark prices (one) an inner nest's quantity is the value of its inputs and its share
parameters come from :func:`~cge.calibration.shares.ces_shares`. The root is utility ``UU``:
its scale is one, so a Cobb-Douglas root is the old utility ``prod (Xp - gamma_h)^alpha`` at
the same level, and its benchmark price ``PH0`` is supernumerary spending over ``UU0``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from cge.calibration.nests import DEFAULT_HOUSEHOLD, NestRules, instantiate
from cge.calibration.shares import ces_shares, data_array

_V = "value (SAM units)"
SPEC: dict[str, tuple[list[str], str, str]] = {
    "alpha": (["region", "commodity", "household"], "1", "share parameter of the commodity in "
              "its demand nest (the marginal budget share under the default tree)"),
    "gamma_h": (["region", "commodity", "household"], _V, "subsistence quantity of the "
                "linear expenditure system (zero under Cobb-Douglas)"),
    "QH0": (["region", "household", "hnest"], "quantity", "benchmark quantity of each nest of "
            "the household's demand tree (the root's is utility UU0)"),
    "PH0": (["region", "household", "hnest"], "price", "benchmark price of each demand nest "
            "(one, except the root's: supernumerary spending over UU0)"),
    "gh": (["region", "household", "hnest"], "1", "scale parameter of the demand nest (one "
           "at the root)"),
    "rho_h": (["region", "household", "hnest"], "1", "CES exponent of the demand nest, "
              "(sigma - 1)/sigma (0 = Cobb-Douglas, -inf = fixed proportions)"),
    "sigma_h": (["region", "household", "hnest"], "1", "elasticity of substitution in the "
                "demand nest"),
    "ah": (["region", "household", "hnest"], "1", "share parameter of the demand nest in its "
           "parent"),
}
#: Household income and its uses (:func:`calibrate_income`).
INCOME_SPEC: dict[str, tuple[list[str], str, str]] = {
    "YH0": (["region", "household"], _V, "household gross income"),
    "taud": (["region", "household"], "1", "direct tax rate on household income"),
    "ssp": (["region", "household"], "1", "household savings rate"),
}
LABELS: dict[str, tuple[list[str], str]] = {
    "hnest_parent": (["region", "household", "hnest"], "the demand nest using this one "
                     "(empty: the root, or no such nest for the household)"),
    "commodity_hnest": (["region", "commodity", "household"], "the demand nest using the "
                        "commodity"),
}


def calibrate_income(b: dict, profits: dict, regions: list[str], factors: list[str],
                     households: list[str]) -> dict[str, dict]:
    """Gross income of each household (factor income, transfers from both governments and from
    abroad, distributed profits, import quota rents) and the shares of it paid in direct taxes
    and saved."""
    p: dict[str, dict] = {n: {} for n in INCOME_SPEC}
    for r in regions:
        for h in households:
            yh = (sum(b["HF0"].get((r, h, f), 0.0) for f in factors)
                  + b["TR0"].get((r, h), 0.0) + b["TRW0"].get((r, h), 0.0)
                  + b["TRF0"].get((r, h), 0.0) + profits.get((r, h), 0.0)
                  + b.get("RQH0", {}).get((r, h), 0.0))
            if yh <= 0:
                continue
            p["YH0"][(r, h)] = yh
            p["taud"][(r, h)] = b["Td0"][(r, h)] / yh
            p["ssp"][(r, h)] = b["Sp0"][(r, h)] / yh
    return p


def household_demand(xp: np.ndarray, form: str, income_el: list[float], frisch: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Marginal budget shares and subsistence quantities of household demand (prices 1).

    Cobb-Douglas: ``beta_i = w_i = x_i / C`` and no subsistence. Linear expenditure system
    (Stone-Geary): ``beta_i = e_i w_i / sum_j e_j w_j`` from income elasticities ``e_i``
    (rescaled to satisfy Engel aggregation) and ``gamma_i = x_i + beta_i C / frisch`` with the
    Frisch parameter ``frisch = -C / (C - sum_j gamma_j) <= -1``.
    """
    cons = xp.sum()
    w = xp / cons
    if form == "cobb_douglas":
        return w, np.zeros_like(w)
    e = np.asarray(income_el, dtype=float)
    beta = e * w / (e * w).sum()
    return beta, xp + beta * cons / frisch


def calibrate_households(Xp0: dict, coords: dict, form: str, rules: NestRules | None,
                         income_el: Callable[[str, str], float],
                         frisch: Callable[[str], float], household_name: Callable
                         ) -> tuple[dict[str, xr.DataArray], list[str]]:
    """Arrays of household demand and the labels of the ``hnest`` dimension.

    ``Xp0`` is benchmark consumption ``{(region, commodity, household): value}``; ``form``
    the subsistence model (``"cobb_douglas"`` or ``"les"``, whose ``income_el(r, i)`` and
    ``frisch(r)`` read the elasticity file); ``household_name(r, h)`` names a household in
    errors.
    """
    rules = rules or DEFAULT_HOUSEHOLD
    p: dict[str, dict] = {name: {} for name in SPEC}
    labels: dict[str, dict] = {name: {} for name in LABELS}
    names: dict[str, None] = {}
    for r in coords["region"]:
        for h in coords["household"]:
            goods = [i for i in coords["commodity"] if Xp0.get((r, i, h), 0.0) > 0]
            if not goods:
                continue
            xp = np.array([Xp0[(r, i, h)] for i in goods])
            # the marginal budget shares are the supernumerary value shares, which the tree's
            # own calibration turns into its share parameters
            les = form == "les"  # only the linear expenditure system reads the elasticities
            _, subsistence = household_demand(xp, form,
                                              [income_el(r, i) for i in goods] if les else [],
                                              frisch(r) if les else -1.0)
            value = {("commodity", i): v for i, v in zip(goods, xp - subsistence, strict=True)}
            for i, g in zip(goods, subsistence, strict=True):
                p["gamma_h"][(r, i, h)] = g
            nests = instantiate(rules.rule(r, h), [], goods, _no_parameters,
                                f"household {household_name(r, h)}", rules.file)
            root = nests[-1].name
            for n in nests:  # bottom-up: an inner nest's quantity is the value of its inputs
                names[n.name] = None
                spend = value[("nest", n.name)] = sum(value[c] for c in n.children)
                v = np.array([value[c] for c in n.children])
                key = (r, h, n.name)
                if n.name == root and n.sigma != 0.0:
                    # unit scale: utility is the CES of supernumerary quantities itself
                    delta, g, rho = ces_shares(v, np.ones_like(v), 1.0, n.sigma)
                    q, g = 1.0 / g, 1.0
                else:
                    delta, g, rho = ces_shares(v, np.ones_like(v), spend, n.sigma)
                    q = spend
                p["QH0"][key], p["PH0"][key] = q, spend / q
                p["gh"][key], p["rho_h"][key], p["sigma_h"][key] = g, rho, n.sigma
                for (kind, label), d in zip(n.children, delta, strict=True):
                    if kind == "nest":
                        p["ah"][(r, h, label)] = d
                        labels["hnest_parent"][(r, h, label)] = n.name
                    else:
                        p["alpha"][(r, label, h)] = d
                        labels["commodity_hnest"][(r, label, h)] = n.name
    coords = {**coords, "hnest": list(names)}
    arrays = {name: data_array(p[name], dims, coords, unit, doc)
              for name, (dims, unit, doc) in SPEC.items()}
    arrays |= {name: data_array(labels[name], dims, coords, "label", doc, fill="")
               for name, (dims, doc) in LABELS.items()}
    return arrays, list(names)


def _no_parameters(name: str) -> float:
    raise AssertionError(f"household trees take numeric elasticities, got {name!r}")
