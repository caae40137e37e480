"""CES share calibration and calibration arrays, shared by the blocks' calibrations.

CES and CET functions are calibrated with the share form used throughout the model
(Hosoe, Gasawa and Hashimoto 2010, ch. 6): for an aggregate ``A = gamma (sum_k delta_k
x_k^rho)^(1/rho)`` with component prices ``p_k`` and ``rho = (sigma - 1)/sigma`` (CES) or
``rho = (psi + 1)/psi`` (CET),

    delta_k = p_k x_k^(1-rho) / sum_j p_j x_j^(1-rho),
    gamma = A0 / (sum_k delta_k x_k^rho)^(1/rho)

and for ``sigma = 1`` (Cobb-Douglas) ``delta_k = p_k x_k / sum_j p_j x_j``, ``gamma = A0 /
prod_k x_k^delta_k``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

CD_TOL = 1e-12  # an elasticity this close to one is treated as exactly Cobb-Douglas


def ces_shares(values: np.ndarray, prices: np.ndarray, total: float, sigma: float,
               transformation: bool = False) -> tuple[np.ndarray, float, float]:
    """Share and scale parameters of a CES (or CET) aggregate; returns (delta, gamma, rho).

    ``values`` are benchmark values of the components present (all > 0) at ``prices``; ``total``
    is the benchmark quantity of the aggregate. ``rho`` is 0 for Cobb-Douglas and infinite
    for fixed proportions (``sigma = 0``; :mod:`cge.model.ces`).
    """
    x = values / prices
    if sigma == 0.0:  # fixed proportions: components per unit of the aggregate
        return x / total, 1.0, np.inf if transformation else -np.inf
    if not transformation and abs(sigma - 1.0) < CD_TOL:
        delta = values / values.sum()
        return delta, float(total / np.prod(x ** delta)), 0.0
    rho = (sigma + 1.0) / sigma if transformation else (sigma - 1.0) / sigma
    w = prices * x ** (1.0 - rho)
    delta = w / w.sum()
    gamma = float(total / (delta * x**rho).sum() ** (1.0 / rho))
    return delta, gamma, rho


def data_array(values: dict, dims: list[str], coords: dict, unit: str, doc: str,
               fill: float | str = 0.0) -> xr.DataArray:
    """``{index: value}`` on ``dims`` (absent entries ``fill``; a string fill makes labels)."""
    if not dims:  # a national scalar, stored under the key "_"
        return xr.DataArray(values.get("_", fill), attrs={"units": unit, "description": doc})
    shape = [len(coords[d]) for d in dims]
    arr = np.full(shape, fill, dtype=object if isinstance(fill, str) else float)
    pos = [{k: i for i, k in enumerate(coords[d])} for d in dims]
    for idx, v in values.items():
        idx = idx if isinstance(idx, tuple) else (idx,)
        arr[tuple(p[i] for p, i in zip(pos, idx, strict=True))] = v
    return xr.DataArray(arr, dims=dims, coords={d: coords[d] for d in dims},
                        attrs={"units": unit, "description": doc})
