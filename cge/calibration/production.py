"""Calibration of the production block: each activity's nesting tree from its SAM inputs.

For every activity (region r, sector i) with inputs, the tree of its rule
(:mod:`cge.calibration.nests`) is instantiated with the factors (``F0 > 0``) and commodities
(``X0 > 0``) it uses. All benchmark prices are one (factor prices, productivity ``b`` and
purchaser prices of commodities), so a nest's benchmark quantity is the sum of its inputs'
values, bottom-up, and the root's is gross output ``Z0``. Each nest is then a CES aggregate
calibrated by :func:`~cge.calibration.shares.ces_shares` over its inputs: share parameters
``beta`` (factors), ``ax`` (commodities) and ``an`` (nests inside it), scale ``gn`` and
exponent ``rho_n``. For the default tree ``ax`` is input per unit of output, as before.

The tree's structure is kept as labels in the calibration data (``nest_parent``,
``factor_nest``, ``commodity_nest``), so the model block reads everything it declares from
the data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from cge.calibration.nests import DEFAULT, NestRules, instantiate
from cge.calibration.shares import ces_shares, data_array

_V = "value (SAM units)"
SPEC: dict[str, tuple[list[str], str, str]] = {
    "Z0": (["region", "sector"], _V, "gross output at producer prices net of production tax"),
    "QN0": (["region", "sector", "nest"], _V, "benchmark quantity of each nest of the "
            "activity's tree (the root's is Z0)"),
    "gn": (["region", "sector", "nest"], "1", "scale parameter of the nest's CES"),
    "rho_n": (["region", "sector", "nest"], "1", "CES exponent of the nest, (sigma - 1)/sigma "
              "(0 = Cobb-Douglas, -inf = fixed proportions)"),
    "sigma_n": (["region", "sector", "nest"], "1", "elasticity of substitution in the nest"),
    "an": (["region", "sector", "nest"], "1", "share parameter of the nest in its parent"),
    "beta": (["region", "factor", "sector"], "1", "share parameter of the factor in its nest"),
    "ax": (["region", "commodity", "sector"], "1", "share parameter of the commodity in its "
           "nest (input per unit of the nest under fixed proportions)"),
}
LABELS: dict[str, tuple[list[str], str]] = {
    "nest_parent": (["region", "sector", "nest"], "the nest using this one (empty: the root, "
                    "or no such nest in the activity)"),
    "factor_nest": (["region", "factor", "sector"], "the nest using the factor"),
    "commodity_nest": (["region", "commodity", "sector"], "the nest using the commodity"),
}


def calibrate_production(F0: dict, X0: dict, coords: dict, rules: NestRules | None,
                         sigma: Callable[[str, str, str], float], activity_name: Callable
                         ) -> tuple[dict[str, xr.DataArray], list[str], dict]:
    """Arrays of the production block, the labels of the ``nest`` dimension and gross output
    ``{(region, sector): Z0}`` of the activities with inputs (other blocks calibrate on it).

    ``sigma(parameter, region, sector)`` reads the elasticity file; ``activity_name(r, i)``
    names an activity in errors. ``coords`` lacks ``nest``, which this function defines.
    """
    p, labels, nest_names = production_tables(F0, X0, coords, rules, sigma, activity_name)
    coords = {**coords, "nest": nest_names}
    arrays = {name: data_array(p[name], dims, coords, unit, doc)
              for name, (dims, unit, doc) in SPEC.items()}
    arrays |= {name: data_array(labels[name], dims, coords, "label", doc, fill="")
               for name, (dims, doc) in LABELS.items()}
    return arrays, nest_names, p["Z0"]


def production_tables(F0: dict, X0: dict, coords: dict, rules: NestRules | None,
                      sigma: Callable[[str, str, str], float], activity_name: Callable
                      ) -> tuple[dict[str, dict], dict[str, dict], list[str]]:
    """The production block's parameters and labels as ``{name: {index: value}}``, and the
    nest names (see :func:`calibrate_production`; a sensitivity point recalibrates with
    these, without building arrays)."""
    rules = rules or DEFAULT
    R, S, FAC = coords["region"], coords["sector"], coords["factor"]
    p: dict[str, dict] = {name: {} for name in SPEC}
    labels: dict[str, dict] = {name: {} for name in LABELS}
    nest_names: dict[str, None] = {}
    for r in R:
        for i in S:
            fs = {f: F0.get((r, f, i), 0.0) for f in FAC}
            xs = {j: X0.get((r, j, i), 0.0) for j in S}
            z0 = sum(fs.values()) + sum(xs.values())
            if z0 <= 0:
                continue
            p["Z0"][(r, i)] = z0
            nests = instantiate(rules.rule(r, i), [f for f, v in fs.items() if v > 0],
                                [j for j, v in xs.items() if v > 0],
                                lambda name, r=r, i=i: sigma(name, r, i),
                                f"activity {activity_name(r, i)}",
                                rules.file)
            value = {("factor", f): v for f, v in fs.items()}
            value |= {("commodity", j): v for j, v in xs.items()}
            for n in nests:  # bottom-up: a nest's quantity is the value of its inputs
                nest_names[n.name] = None
                q = value[("nest", n.name)] = sum(value[c] for c in n.children)
                v = np.array([value[c] for c in n.children])
                delta, gamma, rho = ces_shares(v, np.ones_like(v), q, n.sigma)
                key = (r, i, n.name)
                p["QN0"][key], p["gn"][key], p["rho_n"][key] = q, gamma, rho
                p["sigma_n"][key] = n.sigma
                for (kind, label), d in zip(n.children, delta, strict=True):
                    if kind == "nest":
                        p["an"][(r, i, label)] = d
                        labels["nest_parent"][(r, i, label)] = n.name
                    elif kind == "factor":
                        p["beta"][(r, label, i)] = d
                        labels["factor_nest"][(r, label, i)] = n.name
                    else:
                        p["ax"][(r, label, i)] = d
                        labels["commodity_nest"][(r, label, i)] = n.name
    return p, labels, list(nest_names)
