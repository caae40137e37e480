"""Calibration of export supply by destination: a CET over the regions an origin sells to.

Where the elasticity file gives ``psi_dest`` for a region and sector that ships to two or more
destinations (its own region included), the region's domestic sales ``D`` are transformed into
shipments to each destination, each with a price of its own at the origin
(:mod:`cge.model.transformation`). Shares follow the share form of
:func:`cge.calibration.shares.ces_shares`; at the benchmark every price is one, so the values
are the quantities leaving the origin, ``V0`` (shipments at origin prices, margin included).
"""

from __future__ import annotations

import numpy as np

from cge.calibration.shares import ces_shares

#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "xio": (["origin", "destination", "commodity"], "1",
            "CET share of the destination in the origin's domestic sales"),
    "theta_o": (["region", "sector"], "1", "scale of the CET between destinations"),
    "phi_o": (["region", "sector"], "1", "exponent of the CET between destinations "
              "(psi + 1)/psi"),
}


def calibrate_destinations(v0: dict, regions: list[str], sectors: list[str],
                           psi_dest: dict) -> dict[str, dict]:
    """Parameters of the CET between destinations for every (region, sector) in ``psi_dest``
    (elasticities; ``None`` where the file gives none) with two or more destinations."""
    out: dict[str, dict] = {n: {} for n in SPEC}
    for o in regions:
        for i in sectors:
            psi = psi_dest.get((o, i))
            if psi is None:
                continue
            dests = [d for d in regions if v0[(o, d, i)] > 0]
            if len(dests) < 2:  # a single outlet: nothing to transform
                continue
            values = np.array([v0[(o, d, i)] for d in dests])
            delta, theta, phi = ces_shares(values, np.ones_like(values), values.sum(), psi,
                                           transformation=True)
            for d, x in zip(dests, delta, strict=True):
                out["xio"][(o, d, i)] = float(x)
            out["theta_o"][(o, i)], out["phi_o"][(o, i)] = theta, phi
    return out
