"""Statistics of results over a ``sample`` dimension: moments, intervals, sensitivity measures.

With sample weights ``w_k`` (summing to one) and a result ``y_k``:

* mean ``m = sum_k w_k y_k`` and variance ``s^2 = sum_k w_k (y_k - m)^2``, times
  ``N / (N - 1)`` for random and quasi-random samples (unbiased); for the quadrature design
  the weighted sums *are* the integrals, exact when ``y`` is linear in the parameters;
* Chebyshev interval ``m +- k s`` with ``k = 1 / sqrt(1 - p)``: by Chebyshev's inequality
  ``P(|y - m| >= k s) <= 1/k^2``, so it covers at least ``p`` whatever the distribution of
  ``y`` (4.47 sd at 95 %; GEMPACK's SSA reports the same);
* empirical interval: the ``(1-p)/2`` and ``(1+p)/2`` quantiles of the samples (Sobol' and
  Monte Carlo only; quadrature points are not a sample of the distribution);
* sensitivity to each parameter from the weighted least-squares fit
  ``y = a + sum_j beta_j z_j`` on the standardised parameters ``z_j = (x_j - mu_j)/sigma_j``:
  ``beta_j`` is the effect of a one-standard-deviation change of parameter ``j`` (in the units
  of ``y``), ``beta_j / s`` the standardised regression coefficient, ``beta_j^2 / s^2`` the
  share of the variance due to ``j``. With the quadrature design the ``z_j`` are exactly
  uncorrelated with unit variance, so the shares add up to the fit's ``R^2`` (one when ``y``
  is linear in the parameters); with sampled designs they do so up to the sampling error of
  the ``z_j``'s variances and correlations.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

STATISTICS = ("mean", "sd", "chebyshev_low", "chebyshev_high", "empirical_low",
              "empirical_high")


def result_names(ds: xr.Dataset, dim: str = "sample") -> list[str]:
    """Float results on ``dim`` (not the run bookkeeping or design variables)."""
    return [str(n) for n, v in ds.data_vars.items() if dim in v.dims
            and v.dtype.kind == "f" and v.attrs.get("kind") not in ("run", "design")]


def chebyshev_k(level: float) -> float:
    return 1.0 / np.sqrt(1.0 - level)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is zero (a result that does not vary has no shares)."""
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan),
                     where=den > 0)


def _columns(y: xr.DataArray) -> tuple[np.ndarray, tuple[str, ...], dict]:
    """(samples x elements) array, the other dims and their coordinates."""
    y = y.transpose("sample", ...)
    dims = y.dims[1:]
    return (y.values.reshape(y.shape[0], -1), dims, {d: y[d].values for d in dims if d in y.coords})


def summarize(ds: xr.Dataset, weights: xr.DataArray, *, sampled: bool, level: float
              ) -> xr.Dataset:
    """Mean, sd, Chebyshev and (if ``sampled``) empirical intervals of every result, on a
    ``statistic`` dim."""
    w = (weights / weights.sum()).values
    n, k = len(w), chebyshev_k(level)
    out = {}
    for name in result_names(ds):
        cols, dims, coords = _columns(ds[name])
        mean = w @ cols
        var = w @ (cols - mean) ** 2
        if sampled:
            var = var * n / (n - 1)
        sd = np.sqrt(var)
        if sampled:
            lo, hi = np.quantile(cols, [(1 - level) / 2, (1 + level) / 2], axis=0)
        else:
            lo = hi = np.full_like(mean, np.nan)
        stat = np.stack([mean, sd, mean - k * sd, mean + k * sd, lo, hi])
        shape = (len(STATISTICS),) + ds[name].transpose("sample", ...).shape[1:]
        out[name] = xr.DataArray(stat.reshape(shape), dims=("statistic",) + dims,
                                 coords={"statistic": list(STATISTICS), **coords},
                                 attrs=ds[name].attrs)
    return xr.Dataset(out, attrs={"level": level, "chebyshev_k": k, "samples": n})


MEASURES = ("effect", "src", "variance_share", "r2")
#: A result whose sd is below this fraction of its largest magnitude counts as not varying
#: (solves converge to about 1e-10 relative).
RELATIVE_NOISE = 1e-8


def sensitivities(ds: xr.Dataset, z: xr.DataArray, weights: xr.DataArray) -> xr.Dataset:
    """Per result, on dims ``measure x parameter x ...``: ``effect`` (``beta_j``), ``src``
    (``beta_j / s``), ``variance_share`` (``beta_j^2 / s^2``) and ``r2`` of the linear fit (the
    same for every parameter). Results that do not vary get NaN."""
    w = (weights / weights.sum()).values
    # centred regressors and sqrt-weighted rows: weighted least squares as an ordinary one
    zc = z.transpose("sample", "parameter").values
    zc = zc - w @ zc
    sw = np.sqrt(w)[:, None]
    params = z["parameter"].values
    out = {}
    for name in result_names(ds):
        cols, dims, coords = _columns(ds[name])
        yc = cols - w @ cols
        beta = np.full((len(params), cols.shape[1]), np.nan)
        finite = np.isfinite(yc).all(axis=0)
        if finite.any():
            beta[:, finite] = np.linalg.lstsq(sw * zc, sw * yc[:, finite], rcond=None)[0]
        var = w @ yc**2
        # a spread at rounding level (a price fixed by the closure, a solver-tolerance wobble)
        # is no variation: its shares would be noise
        var = np.where(var > (RELATIVE_NOISE * np.abs(cols).max(axis=0, initial=0.0)) ** 2,
                       var, 0.0)
        r2 = 1 - _ratio(w @ (yc - zc @ beta) ** 2, var)
        stat = np.stack([beta, _ratio(beta, np.sqrt(var)), _ratio(beta**2, var),
                         np.broadcast_to(r2, beta.shape)])
        shape = (len(MEASURES), len(params)) + ds[name].transpose("sample", ...).shape[1:]
        out[name] = xr.DataArray(stat.reshape(shape), dims=("measure", "parameter") + dims,
                                 coords={"measure": list(MEASURES), "parameter": params,
                                         **coords}, attrs=ds[name].attrs)
    return xr.Dataset(out)
