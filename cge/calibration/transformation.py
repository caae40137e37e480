"""Calibration of the output transformation (:mod:`cge.model.transformation`): the production
tax rate and the CET between exports and domestic sales.

The CET applies to what the region supplies of each commodity: the activity's output ``Z0``
(its production tax included), or with a make matrix the commodity's supply ``ZS0`` from all
its makers (:mod:`cge.calibration.make`), the tax then being on the activities. At the
benchmark every price is one, so the shares follow from the values (share form of
:func:`cge.calibration.shares.ces_shares`).
"""

from __future__ import annotations

import numpy as np

from cge.calibration.shares import ces_shares

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "D0": (["region", "sector"], _V, "domestic sales of the region's output"),
    "tauz": (["region", "sector"], "1", "production tax rate"),
    "xie": (["region", "sector"], "1", "CET share of exports"),
    "xid": (["region", "sector"], "1", "CET share of domestic sales"),
    "theta": (["region", "sector"], "1", "CET scale parameter"),
    "phi": (["region", "sector"], "1", "CET exponent (psi + 1)/psi"),
}


def calibrate_transformation(b: dict, Z0: dict, supply: dict, with_make: bool,
                             regions: list[str], sectors: list[str],
                             psi_cet: dict) -> dict[str, dict]:
    """The production tax rate of each activity and the CET of each supply (``supply`` is
    ``Z0`` without a make matrix)."""
    p: dict[str, dict] = {n: {} for n in SPEC}
    for r in regions:
        for i in sectors:
            if with_make and Z0.get((r, i), 0.0) > 0:
                p["tauz"][(r, i)] = b["Tz0"][(r, i)] / Z0[(r, i)]
            z0 = supply.get((r, i), 0.0)
            if z0 <= 0:
                continue
            if not with_make:
                p["tauz"][(r, i)] = b["Tz0"][(r, i)] / z0
            e0 = b["E0"][(r, i)]
            d0 = sum(b["V0"][(r, d, i)] for d in regions)
            p["D0"][(r, i)] = d0
            comps = [(k, v) for k, v in (("E", e0), ("D", d0)) if v > 0]
            v = np.array([x for _, x in comps])
            delta, theta, phi = ces_shares(v, np.ones_like(v), z0, psi_cet[(r, i)],
                                           transformation=True)
            shares = dict(zip([k for k, _ in comps], delta, strict=True))
            p["xie"][(r, i)], p["xid"][(r, i)] = shares.get("E", 0.0), shares.get("D", 0.0)
            p["theta"][(r, i)], p["phi"][(r, i)] = theta, phi
    return p
