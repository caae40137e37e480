"""Calibration of savings and investment (:mod:`cge.model.investment`): each region's
investment spending, its composition by commodity (``lambda``) and its share of its country's
savings pool (``kappa``)."""

from __future__ import annotations

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "INV0": (["region"], _V, "investment spending"),
    "lambda": (["region", "commodity"], "1", "investment spending share of commodity"),
    "kappa": (["region"], "1", "region's share of its country's savings pool"),
}


def calibrate_investment(b: dict, regions: list[str], sectors: list[str],
                         country: dict[str, str]) -> dict[str, dict]:
    """Investment spending, its shares by commodity and the regions' shares of the pools."""
    p: dict[str, dict] = {n: {} for n in SPEC}
    for r in regions:
        inv = sum(b["Xv0"].get((r, i), 0.0) for i in sectors)
        p["INV0"][r] = inv
        for i in sectors:
            if b["Xv0"].get((r, i), 0.0):
                p["lambda"][(r, i)] = b["Xv0"][(r, i)] / inv
    pool = {c: sum(p["INV0"][r] for r in regions if country[r] == c)
            for c in set(country.values())}
    for r in regions:  # the region's share of its country's investment spending
        p["kappa"][r] = p["INV0"][r] / pool[country[r]] if pool[country[r]] else 0.0
    return p
