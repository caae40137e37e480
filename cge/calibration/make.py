"""Calibration of the make block: activities that make several commodities, commodities made
by several activities (:mod:`cge.model.make`).

Reading. A SAM has a make matrix when some activity sells a commodity of another name: a cell
activity ``a-j`` of region o -> commodity ``c-i`` of region d with ``i != j``. Without one (every
shipped SAM) each activity makes its own commodity, the sector labels are the activities', and
nothing here is used: the model is the one-to-one model, unchanged. With one:

* the sector labels are the activities' and the commodities' names together (an activity and a
  commodity may share a name, as in ``a-X`` / ``c-X``, and need not);
* a cell ``a-j(o) -> c-i(d)`` is commodity i made in region o by activity j and shipped to d:
  it adds to the make matrix ``MAKE0[o, j, i]`` and to the shipment ``V0[o, d, i]`` (shipments
  are by commodity, whichever activity made them);
* exports ``a-j(o) -> ROW`` of an activity that makes one commodity are that commodity's
  exports (of its own, if it sells nothing at home). Exports of an activity that makes two or
  more commodities are refused, naming the cell: the SAM does not say which commodity leaves,
  and attributing them by the activity's domestic sales would invent a split. Record them
  against a single-product activity, or as the rest of the world's purchases of a commodity
  (cell ``c-i -> ROW``: re-exports of the composite);
* a commodity that no activity of any region sells is refused (a commodity only imported is not
  modelled), as in the one-to-one model.

Calibration. Activity j of region r has gross output ``Z0`` (the value of its inputs, as in
:mod:`cge.calibration.production`) at producer price one, and sells ``MAKE0[r, j, i]`` of each
product at price one, production tax included: ``sum_i MAKE0 = (1 + tauz) Z0``. Its products
form a CET with elasticity ``psi_make`` (elasticity file, per region and activity; required
for activities with two or more products; 0 = fixed output shares), calibrated by
:func:`~cge.calibration.shares.ces_shares` (``transformation=True``): share ``xim``, scale
``theta_m`` and exponent ``phi_m = (psi + 1)/psi``. Convention: ``psi_make`` is MPSGE's ``t:``
elasticity, positive, the supply of product i rising with its price as
``ZC_i = MAKE0_i (p_i / r)^psi`` per unit of activity (r the unit revenue); ``t:1`` is
``psi_make = 1``, not a Cobb-Douglas revenue function. A single-product activity has fixed
shares (one share).

The region's supply of commodity i, ``ZS0[r, i] = sum_j MAKE0[r, j, i]``, equals its exports
plus its domestic sales (``E0 + D0``): it is what the CET between exports and domestic sales
transforms (:mod:`cge.calibration.calibrate`). The activities making it are perfect substitutes
at one price, or, where the elasticity file gives ``sigma_make`` for the region and commodity
and two or more activities make it, a CES with that elasticity (share ``deltas``, scale
``gammas``, exponent ``rhos``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cge.calibration.shares import ces_shares
from cge.errors import InputError, Location, Problem
from cge.sam import SAM, Kind

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "MAKE0": (["region", "sector", "commodity"], _V, "make matrix: the activity's sales of the "
              "commodity (to every region and abroad) at benchmark prices, production tax "
              "included"),
    "ZS0": (["region", "commodity"], _V, "the region's supply of the commodity (all its "
            "activities), exports and domestic sales"),
    "xim": (["region", "sector", "commodity"], "1", "CET share of the commodity in the "
            "activity's output (per unit of output under fixed shares)"),
    "theta_m": (["region", "sector"], "1", "scale of the activity's CET between its products"),
    "phi_m": (["region", "sector"], "1", "exponent of the activity's CET between products, "
              "(psi + 1)/psi (inf: fixed output shares)"),
    "psi_make": (["region", "sector"], "1", "elasticity of transformation between the "
                 "activity's products (0 for single-product activities)"),
    "deltas": (["region", "sector", "commodity"], "1", "CES share of the activity in the "
               "region's supply of the commodity (sigma_make)"),
    "gammas": (["region", "commodity"], "1", "scale of the CES over the activities making the "
               "commodity (sigma_make)"),
    "rhos": (["region", "commodity"], "1", "exponent of the CES over the activities making "
             "the commodity, (sigma - 1)/sigma"),
}


def _cells(sam: SAM, ap: str, cp: str):
    """Nonzero cells activity ``a-j`` -> commodity ``c-i`` as ``(row key, col key, j, i)``."""
    acc = sam.accounts
    kinds = acc["kind"].to_numpy()
    names = acc["account"].to_numpy()
    keys = list(sam.keys)
    rows = np.nonzero(kinds == Kind.ACTIVITY)[0]
    cols = np.nonzero(kinds == Kind.COMMODITY)[0]
    if not len(rows) or not len(cols):
        return
    block = sam.data.values[np.ix_(rows, cols)]
    for a, c in zip(*np.nonzero(block != 0), strict=True):
        an, cn = str(names[rows[a]]), str(names[cols[c]])
        if an.startswith(ap) and cn.startswith(cp):
            yield keys[rows[a]], keys[cols[c]], an[len(ap):], cn[len(cp):]


def has_make_matrix(sam: SAM, ap: str, cp: str) -> bool:
    """Whether some activity sells a commodity of another name."""
    return any(j != i for *_, j, i in _cells(sam, ap, cp))


def made_commodities(sam: SAM, ap: str, cp: str) -> set[str]:
    """Names (without prefix) of the commodities some activity of some region sells."""
    return {i for *_, i in _cells(sam, ap, cp)}


def read_make(rd, b: dict[str, dict], r: str, j: str, a: str, com: dict, R: list[str],
              S: list[str]) -> list[Problem]:
    """Read activity ``a`` (sector j of region r) into ``MAKE0``, ``V0`` and ``E0``; the
    problems of its exports (see the module docstring)."""
    make = b["MAKE0"]
    for i in S:
        for d in R:
            v = rd.take(a, com[d][i])
            if v:
                make[(r, j, i)] = make.get((r, j, i), 0.0) + v
                b["V0"][(r, d, i)] += v
    e = rd.take(a, rd.row)
    if not e:
        return []
    products = [i for i in S if make.get((r, j, i))]
    if len(products) > 1:
        return [Problem("ambiguous-exports", f"exports {e:.6g} of activity {a}, which makes "
                        f"several commodities ({', '.join(products)}): the model cannot tell "
                        "which commodity is exported. Record them against an activity that "
                        "makes only the exported commodity, or as the rest of the world's "
                        "purchases of the commodity (cell commodity -> rest of world)",
                        Location(cell=(a, rd.row)))]
    i = products[0] if products else j
    b["E0"][(r, i)] += e
    make[(r, j, i)] = make.get((r, j, i), 0.0) + e
    return []


def calibrate_make(make0: dict, Z0: dict, regions: list[str], sectors: list[str],
                   elasticities, activity_name: Callable) -> dict[str, dict]:
    """Parameters of the make block (see the module docstring); ``Z0`` is each activity's
    gross output from :func:`cge.calibration.production.calibrate_production`."""
    out: dict[str, dict] = {n: {} for n in SPEC if n != "MAKE0"}
    problems = []
    for r in regions:
        for j in sectors:
            z0 = Z0.get((r, j), 0.0)
            prods = [i for i in sectors if make0.get((r, j, i), 0.0) != 0]
            if not prods and z0 <= 0:
                continue
            if z0 <= 0 or not prods:
                problems.append(Problem(
                    "make-matrix", f"activity {activity_name(r, j)} has inputs {z0:.6g} and "
                    f"sales {sum(make0.get((r, j, i), 0.0) for i in prods):.6g}: an activity "
                    "needs both", Location(account=activity_name(r, j))))
                continue
            bad = [i for i in prods if make0[(r, j, i)] < 0]
            if bad:
                problems.append(Problem("make-matrix", f"activity {activity_name(r, j)} has "
                                        f"negative sales of {bad}",
                                        Location(account=activity_name(r, j))))
                continue
            psi = elasticities.get("psi_make", r, j) if len(prods) > 1 else 0.0
            values = np.array([make0[(r, j, i)] for i in prods])
            delta, theta, phi = ces_shares(values, np.ones_like(values), z0, psi,
                                           transformation=True)
            for i, x in zip(prods, delta, strict=True):
                out["xim"][(r, j, i)] = float(x)
            out["theta_m"][(r, j)], out["phi_m"][(r, j)] = theta, phi
            out["psi_make"][(r, j)] = psi
    if problems:
        raise InputError(problems)
    for (r, j, i), v in make0.items():
        out["ZS0"][(r, i)] = out["ZS0"].get((r, i), 0.0) + v
    for r in regions:
        for i in sectors:
            makers = [j for j in sectors if make0.get((r, j, i), 0.0) > 0]
            sigma = elasticities.find("sigma_make", r, i)
            if sigma is None or len(makers) < 2:
                continue  # perfect substitutes at one price
            values = np.array([make0[(r, j, i)] for j in makers])
            delta, gamma, rho = ces_shares(values, np.ones_like(values), values.sum(), sigma)
            for j, x in zip(makers, delta, strict=True):
                out["deltas"][(r, j, i)] = float(x)
            out["gammas"][(r, i)], out["rhos"][(r, i)] = gamma, rho
    return out

