"""Calibration of sourcing (:mod:`cge.model.trade`): the domestic composite over regions of
origin, its benchmark duties, and the Armington composite of imports and domestic goods.

Benchmark prices are one at the origin, so a shipment's delivered price is ``(1 + tb0)(1 +
tmg0)``: its margin (data) and the destination's duty. A SAM records a destination's duties
on a commodity (``duty_accounts``) without their origin, so the benchmark duty rate is the same
on every other region's landed value. Tariffs and sales taxes become rates on their bases
(imports; imports with tariff plus the domestic composite).
"""

from __future__ import annotations

import numpy as np

from cge.calibration.shares import ces_shares

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "DD0": (["region", "commodity"], _V, "domestic composite (all origins) at delivered prices"),
    "Q0": (["region", "commodity"], _V, "Armington composite at purchaser prices"),
    "tb0": (["origin", "destination", "commodity"], "1", "benchmark duty rate on shipments "
            "from origin to destination (of the destination)"),
    "delta_o": (["origin", "destination", "commodity"], "1", "share of origin in the domestic "
                "composite of destination"),
    "gamma_o": (["region", "commodity"], "1", "scale of the domestic composite"),
    "rho_o": (["region", "commodity"], "1", "domestic-composite CES exponent"),
    "taum": (["region", "commodity"], "1", "import tariff rate"),
    "tq": (["region", "commodity"], "1", "sales tax rate on the composite good"),
    "deltam": (["region", "commodity"], "1", "Armington share of imports"),
    "deltad": (["region", "commodity"], "1", "Armington share of the domestic composite"),
    "gamma": (["region", "commodity"], "1", "Armington scale parameter"),
    "eta": (["region", "commodity"], "1", "Armington exponent (sigma - 1)/sigma"),
}


def calibrate_trade(b: dict, tmg: dict, regions: list[str], sectors: list[str],
                    sigma_dom: dict, sigma_arm: dict, services: dict | None = None
                    ) -> dict[str, dict]:
    """Duty rates, domestic composites and Armington composites of every region's markets.

    ``services``: per flow, the margin services needed per unit of goods delivered (all
    margin commodities and suppliers; benchmark prices are one; :mod:`cge.calibration.margins`).
    """
    services = services or {}
    p: dict[str, dict] = {n: {} for n in SPEC}
    R = regions
    for d in R:
        for i in sectors:
            # landed value: goods at the origin plus margin services (cge.calibration.margins)
            vals = {o: b["V0"][(o, d, i)] * (1.0 + services.get((o, d, i), 0.0)
                                             / (1.0 + tmg[(o, d, i)])) for o in R}
            # the destination's duties, at one rate on every other region's landed value
            duty = b["Tb0"][(d, i)]
            rate = duty / sum(v for o, v in vals.items() if o != d) if duty else 0.0
            dd0 = sum(vals.values()) + duty
            m0, tm0, tq0 = b["M0"][(d, i)], b["Tm0"][(d, i)], b["Tq0"][(d, i)]
            # the rent of an import quota binding at the benchmark, paid like a tariff
            rent = b.get("RQ0", {}).get((d, i), 0.0)
            q0 = dd0 + m0 + tm0 + rent + tq0
            if q0 <= 0:
                continue
            p["DD0"][(d, i)], p["Q0"][(d, i)] = dd0, q0
            if dd0 > 0:
                origins = [o for o in R if vals[o] > 0]
                tb = {o: rate if o != d else 0.0 for o in origins}
                for o in origins:
                    if tb[o]:
                        p["tb0"][(o, d, i)] = tb[o]
                prices = np.array([(1.0 + tb[o]) * (1.0 + tmg[(o, d, i)]
                                                    + services.get((o, d, i), 0.0))
                                   for o in origins])
                delta, gamma, rho = ces_shares(np.array([vals[o] * (1 + tb[o])
                                                         for o in origins]), prices,
                                               dd0, sigma_dom[(d, i)])
                for o, dl in zip(origins, delta, strict=True):
                    p["delta_o"][(o, d, i)] = dl
                p["gamma_o"][(d, i)], p["rho_o"][(d, i)] = gamma, rho
            taum = tm0 / m0 if m0 > 0 else 0.0
            p["taum"][(d, i)] = taum
            taum = taum + (rent / m0 if m0 > 0 else 0.0)  # what buyers pay above the cif price
            supply = dd0 + m0 * (1 + taum)
            p["tq"][(d, i)] = tq0 / supply
            comps = [(k, v, pr) for k, v, pr in (("M", m0, 1 + taum), ("D", dd0, 1.0)) if v > 0]
            vals_ = np.array([v * pr for _, v, pr in comps])
            delta, gamma, eta = ces_shares(vals_, np.array([pr for *_, pr in comps]), q0,
                                           sigma_arm[(d, i)])
            shares = dict(zip([k for k, *_ in comps], delta, strict=True))
            p["deltam"][(d, i)], p["deltad"][(d, i)] = shares.get("M", 0.0), shares.get("D", 0.0)
            p["gamma"][(d, i)], p["eta"][(d, i)] = gamma, eta
    return p
