"""Calibration of factor markets (:mod:`cge.model.factors`): endowments and who owns them.

A factor's endowment is what the region's activities use of it at the benchmark price of one;
its income goes to the region's households (shares ``shf``) and enterprise
(:mod:`cge.calibration.enterprises`), and all of it must: a factor paying out more or less than
it earns is refused, naming the account.
"""

from __future__ import annotations

from collections.abc import Callable

from cge.errors import InputError, Location, Problem

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "FF0": (["region", "factor"], _V, "factor endowment"),
    "shf": (["region", "household", "factor"], "1", "household share of factor income"),
}


def calibrate_factors(b: dict, regions: list[str], sectors: list[str], factors: list[str],
                      households: list[str], account: Callable[[str, str], str]
                      ) -> dict[str, dict]:
    """Endowments and household shares of factor income (``account(region, factor)`` names
    the SAM account in errors)."""
    p: dict[str, dict] = {n: {} for n in SPEC}
    for r in regions:
        for f in factors:
            ff = sum(b["F0"].get((r, f, i), 0.0) for i in sectors)
            if ff <= 0:
                continue
            p["FF0"][(r, f)] = ff
            paid = (sum(b["HF0"].get((r, h, f), 0.0) for h in households)
                    + b["EF0"].get((r, f), 0.0))
            if abs(paid - ff) > 1e-9 * max(1.0, ff):
                raise InputError(Problem("factor-income", f"factor {f} earns {ff:.6g} but "
                                         f"pays households and enterprises {paid:.6g}; the "
                                         "model gives all factor income to them",
                                         Location(account=account(r, f))))
            for h in households:
                if b["HF0"].get((r, h, f), 0.0):
                    p["shf"][(r, h, f)] = b["HF0"][(r, h, f)] / ff
    return p
