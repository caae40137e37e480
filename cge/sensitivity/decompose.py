"""Decomposition of a multi-shock scenario's results into contributions of its shocks.

**Shapley values.** With ``k`` shocks ``N = {1..k}`` and ``v(S)`` a result when only the shocks
in ``S`` are applied (``v({})`` = benchmark), the contribution of shock ``i`` is its average
marginal effect over all orders in which the shocks could be added,

.. math::

    \\phi_i = \\sum_{S \\subseteq N \\setminus \\{i\\}} \\frac{|S|!\\,(k-|S|-1)!}{k!}
              \\bigl(v(S \\cup \\{i\\}) - v(S)\\bigr),

which needs the ``2^k`` solves ``v(S)`` (fine for ``k <= 6``) and adds up exactly:
``sum_i phi_i = v(N) - v({})`` (every ordering telescopes), whatever the nonlinearity; the
contributions inherit only the solver's tolerance. Symmetric shocks get equal shares and a shock
that changes nothing gets zero.

**Path-integral subtotals** (Harrison, Horridge and Pearson 2000, "Decomposing simulation
results with respect to exogenous shocks", Computational Economics 15). Move all shocks
together along the straight line ``s(t) = t (1, ..., 1)``, ``t`` from 0 to 1, where ``s_i`` is
the fraction of shock ``i``'s parameter change applied (``p = p0 + s_i (p1 - p0)``); then

.. math::

    v(N) - v(\\{\\}) = \\int_0^1 \\sum_i \\frac{\\partial y}{\\partial s_i}(s(t))\\, dt
                     = \\sum_i C_i, \\qquad
    C_i = \\int_0^1 \\frac{\\partial y}{\\partial s_i}(s(t))\\, dt .

``C_i`` is computed with an ``m``-point Gauss-Legendre rule on ``[0, 1]`` and central
differences ``dy/ds_i ~ (y(s + h e_i) - y(s - h e_i)) / 2h`` (``2 k m`` solves). Unlike the
Shapley split, ``sum_i C_i`` matches the total change only up to the quadrature and
difference errors; that gap is reported as ``residual``. Shocks are linear in parameter
levels (GEMPACK integrates in percentage changes, so for large multiplicative shocks the two
differ); shocks that move the same parameter entries cannot be separated along a path and are
refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.experiments.spec import Experiment, Scenario, load_experiment
from cge.sensitivity.execute import SERIAL, Executor, Progress, run_tasks
from cge.sensitivity.stats import result_names
from cge.sensitivity.tasks import Run, complete, make_task

MAX_SHAPLEY_SHOCKS = 10  # 2^10 solves; beyond that use the path method


@dataclass
class Decomposition:
    """Contributions of each shock (dim ``shock``) to every result, the total change and the
    residual ``total - sum of contributions``."""

    method: str
    scenario: str
    contributions: xr.Dataset
    total: xr.Dataset
    residual: xr.Dataset
    solves: int

    def table(self, name: str) -> pd.DataFrame:
        """Rows: shocks, their sum, the total change and the residual; columns: the result's
        entries (e.g. region, household)."""
        rows = self.contributions[name].to_series().unstack("shock").T
        rows = rows.reindex(self.contributions["shock"].values)
        extra = pd.DataFrame([self.contributions[name].sum("shock").to_series(),
                              self.total[name].to_series(), self.residual[name].to_series()],
                             index=["sum of contributions", "total change", "residual"])
        return pd.concat([rows, extra])


def _scenario(exp: Experiment, name: str) -> Scenario:
    by_name = {s.name: s for s in exp.scenarios}
    if name not in by_name:
        raise InputError(Problem("unknown-scenario", f"no scenario {name!r}; known: "
                                 f"{list(by_name)}", Location(file=str(exp.file))))
    sc = by_name[name]
    if len(sc.shocks) < 2:
        raise InputError(Problem("bad-decomposition", f"scenario {name!r} has "
                                 f"{len(sc.shocks)} shock(s): nothing to decompose",
                                 Location(file=str(exp.file))))
    return sc


def shock_labels(sc: Scenario) -> list[str]:
    return [f"{i}: {s.describe()}" for i, s in enumerate(sc.shocks, 1)]


def shapley_weights(k: int) -> np.ndarray:
    """``|S|! (k - |S| - 1)! / k!`` by subset size ``|S| = 0 .. k-1``."""
    return np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)])


def shapley_values(v: np.ndarray) -> np.ndarray:
    """Shapley values from ``v[mask]`` (``2^k`` rows; bit ``i`` of ``mask`` = shock ``i`` in the
    subset; further axes are results): an array of ``k`` rows."""
    k = int(np.log2(len(v)))
    if len(v) != 1 << k:
        raise ValueError("need one value per subset (2^k rows)")
    w = shapley_weights(k)
    phi = np.zeros((k,) + v.shape[1:])
    for i in range(k):
        bit = 1 << i
        for mask in range(len(v)):
            if not mask & bit:
                phi[i] += w[bin(mask).count("1")] * (v[mask | bit] - v[mask])
    return phi


def _stack(frames: list[xr.Dataset], names: list[str], experiment: Path) -> xr.Dataset:
    """One Dataset on ``scenario`` = benchmark + ``names`` (each frame holds one run) with
    percent changes."""
    runs = [f.sel(scenario=[n]) for f, n in zip(frames, names, strict=True)]
    ds = xr.concat([frames[0].sel(scenario=["benchmark"])] + runs, dim="scenario",
                   combine_attrs="drop_conflicts")
    return complete(ds, experiment)


def _failed(ds: xr.Dataset) -> list[str]:
    return [str(s) for s, st in zip(ds["scenario"].values, ds["status"].values, strict=True)
            if st == "failed"]


def shapley(experiment: str | Path, scenario: str, folder: str | Path,
            executor: Executor = SERIAL, progress: Progress | None = None) -> Decomposition:
    """Shapley decomposition of ``scenario`` (one task per shock subset, resumable)."""
    exp = load_experiment(experiment)
    sc = _scenario(exp, scenario)
    k = len(sc.shocks)
    if k > MAX_SHAPLEY_SHOCKS:
        raise InputError(Problem("bad-decomposition", f"{k} shocks need {2**k} solves; use the "
                                 "path method", Location(file=str(exp.file))))
    # subset-101: shocks 1 and 3 applied
    names = ["subset-" + "".join("1" if m >> i & 1 else "0" for i in range(k))
             for m in range(1 << k)]
    runs = [Run(names[m], tuple(s for i, s in enumerate(sc.shocks) if m >> i & 1))
            for m in range(1, 1 << k)]
    tasks = [make_task(f"{exp.name}-{scenario}-{r.name}", exp.file, (r,)) for r in runs]
    frames = run_tasks(tasks, folder, executor, progress)
    ds = _stack(frames, names[1:], exp.file)
    failed = _failed(ds)
    values = {}
    for name in result_names(ds, "scenario"):
        v = ds[name].transpose("scenario", ...)
        phi = shapley_values(v.values)
        values[name] = xr.DataArray(phi, dims=("shock",) + v.dims[1:],
                                    coords={d: v[d] for d in v.dims[1:] if d in v.coords},
                                    attrs=v.attrs)
    contributions = xr.Dataset(values).assign_coords(shock=shock_labels(sc))
    res = ds[list(values)]
    total = res.isel(scenario=-1, drop=True) - res.isel(scenario=0, drop=True)
    residual = total - contributions.sum("shock")
    contributions.attrs.update(method="shapley", scenario=scenario, failed_runs=", ".join(failed))
    return Decomposition("shapley", scenario, contributions, total, residual, len(runs))


def path_integral(experiment: str | Path, scenario: str, folder: str | Path,
                  executor: Executor = SERIAL, progress: Progress | None = None, *,
                  nodes: int = 3, step: float = 1e-3) -> Decomposition:
    """Path-integral subtotals of ``scenario`` (``2 k nodes`` solves plus the full scenario)."""
    exp = load_experiment(experiment)
    sc = _scenario(exp, scenario)
    k = len(sc.shocks)
    x, w = np.polynomial.legendre.leggauss(nodes)
    t, w = (x + 1) / 2, w / 2  # from [-1, 1] to [0, 1]
    if not step < t.min():
        raise ValueError(f"step {step} must be below the first node {t.min():.4f}")
    runs = [Run("full", sc.shocks)]
    for j, i, sign in product(range(nodes), range(k), (1, -1)):
        weights = [float(t[j])] * k
        weights[i] += sign * step
        runs.append(Run(f"node{j}-shock{i + 1}{'+' if sign > 0 else '-'}", sc.shocks,
                        tuple(weights)))
    tasks = [make_task(f"{exp.name}-{scenario}-path-{r.name}", exp.file, (r,)) for r in runs]
    frames = run_tasks(tasks, folder, executor, progress)
    ds = _stack(frames, [r.name for r in runs], exp.file)
    failed = _failed(ds)
    values = {}
    names = result_names(ds, "scenario")
    for name in names:
        y = ds[name]
        parts = [sum(wj * (y.sel(scenario=f"node{j}-shock{i + 1}+", drop=True)
                           - y.sel(scenario=f"node{j}-shock{i + 1}-", drop=True)) / (2 * step)
                     for j, wj in enumerate(w))
                 for i in range(k)]
        values[name] = xr.concat(parts, dim="shock").assign_attrs(ds[name].attrs)
    contributions = xr.Dataset(values).assign_coords(shock=shock_labels(sc))
    res = ds[names]
    total = res.sel(scenario="full", drop=True) - res.sel(scenario="benchmark", drop=True)
    residual = total - contributions.sum("shock")
    contributions.attrs.update(method="path", scenario=scenario, nodes=nodes, step=step,
                               failed_runs=", ".join(failed))
    return Decomposition("path", scenario, contributions, total, residual, len(runs))
