"""Parameter continuation: reach a hard counterfactual through easier ones.

A large shock can put the counterfactual outside Newton's region of
convergence from the benchmark.  Writing the shocked parameters as
``p(t) = p0 + t (p1 - p0)`` gives a path of problems from the solved one
(t = 0) to the target (t = 1); for a small enough increment the solution at
``t`` is a good start for ``t + dt`` (the implicit function theorem makes the
solution path continuous while the Jacobian stays non-singular).  Steps that
fail are retried with half the increment; after a success the increment grows
back (doubling, up to its initial size).

Every step solves the model's one translated system: Params and fixed Vars are its
parameters (:mod:`cge.solvers.translate`), so a step sets their values and costs Newton's
iterations only, with the residual and Jacobian functions and the sparse analysis of the
first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.param import ParamData
from pyomo.core.base.var import VarData

from cge.solvers.api import solve
from cge.solvers.result import SolveError, SolveResult

Targets = Mapping[Any, Any] | Iterable[tuple[Any, Any]] | Callable[[float], None]


def _expand_targets(model: pyo.Block, targets) -> list[tuple[Any, float, float]]:
    """(component data, start, target) triples; indexed Params take a dict or one value."""
    # Pyomo components overload ``==`` and so are unhashable: accept a
    # ComponentMap, (component, value) pairs, or a dict keyed by names.
    pairs = targets.items() if isinstance(targets, Mapping) else targets
    moves = []
    for name_or_key, target in pairs:
        key = name_or_key
        if isinstance(name_or_key, str):
            key = model.find_component(name_or_key)
            if key is None:
                raise KeyError(f"homotopy target {name_or_key!r} is not a component of the model")
        if isinstance(key, pyo.Param) and key.is_indexed():
            items = target.items() if isinstance(target, Mapping) else ((i, target) for i in key)
            moves.extend((key[i], float(pyo.value(key[i])), float(v)) for i, v in items)
        elif isinstance(key, ParamData):
            if not key.parent_component().mutable:
                raise ValueError(f"Param {key.name} is not mutable, so it cannot be moved")
            moves.append((key, float(pyo.value(key)), float(target)))
        elif isinstance(key, VarData) and key.fixed:
            moves.append((key, float(key.value), float(target)))
        else:
            raise TypeError(f"homotopy targets must be mutable Params or fixed Vars, got {key!r}")
    return moves


def _linear_path(moves: list[tuple[Any, float, float]]) -> Callable[[float], None]:
    def apply(t: float) -> None:
        for data, start, target in moves:
            data.set_value(start + t * (target - start))

    return apply


def _snapshot(model: pyo.Block) -> list[tuple[Any, Any]]:
    """Values of every Var and mutable Param, so that a failed continuation can be undone."""
    snap: list[tuple[Any, Any]] = [
        (v, v.value) for v in model.component_data_objects(pyo.Var, descend_into=True)
    ]
    for param in model.component_objects(pyo.Param, descend_into=True):
        if param.mutable:
            snap.extend((p, p.value) for p in param.values())
    return snap


def _restore(snap: list[tuple[Any, Any]]) -> None:
    for data, value in snap:
        if isinstance(data, VarData):
            data.set_value(value, skip_validation=True)
        else:
            data.set_value(value)


def homotopy(
    model: pyo.Block,
    targets: Targets,
    *,
    solver: str = "auto",
    options: Mapping[str, Any] | None = None,
    steps: int = 4,
    max_halvings: int = 8,
    tee: bool = False,
) -> SolveResult:
    """Move parameters to ``targets`` in ``steps`` increments, solving after each.

    ``targets`` maps mutable ``ParamData`` (or fixed ``VarData``, CGE's
    exogenous quantities) to target values, an indexed Param to a dict of
    index -> target (or one value for all indices).  Components are given
    as a ``ComponentMap``, as (component, target) pairs, or as a dict keyed
    by component names (``{"tau[USA,AGR]": 1.2, "kbar": {"USA": 11.0}}``).
    Or ``targets`` is a callable
    ``shock(t)`` that sets the model's parameters for t in [0, 1] (t = 0 must
    reproduce the current, solved state).  An increment is halved at most
    ``max_halvings`` times below ``1/steps``.  The returned result is the last
    step's, with iterations and timings summed over all steps and every step
    in ``attempts``; ``details["path"]`` lists the values of t solved.  On
    failure all Vars and mutable Params are restored and :class:`SolveError`
    is raised with the failed step's result.
    """
    if steps < 1:
        raise ValueError("steps must be >= 1")
    apply = targets if callable(targets) else _linear_path(_expand_targets(model, targets))
    snap = _snapshot(model)
    started = time.perf_counter()
    full = 1.0 / steps
    smallest = full / 2**max_halvings
    dt, t = full, 0.0
    attempts: list[SolveResult] = []
    path: list[float] = []
    while t < 1.0:
        # Snap to 1 so that rounding in the sum of increments cannot leave a
        # sliver step such as 0.9999999999999999 -> 1.
        t_next = 1.0 if t + dt > 1.0 - 1e-12 else t + dt
        apply(t_next)
        try:
            step = solve(model, solver, options, tee=tee)
        except SolveError as exc:
            attempts.append(exc.result)
            dt /= 2
            if dt < smallest:
                _restore(snap)
                failed = exc.result
                failed.attempts = attempts
                failed.message = (
                    f"homotopy stalled at t = {t:.6g}: step {dt * 2:.3g} failed "
                    f"after {max_halvings} halvings; " + failed.message
                )
                failed.details["path"] = path
                raise SolveError(failed) from None
            continue
        attempts.append(step)
        path.append(t_next)
        t = t_next
        dt = min(full, 2 * dt)
    final = attempts[-1]
    timings: dict[str, float] = {}
    for a in attempts:
        for k, v in a.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    timings["homotopy"] = time.perf_counter() - started
    return SolveResult(
        solver=f"homotopy/{final.solver}",
        status=final.status,
        iterations=sum(a.iterations for a in attempts),
        timings=timings,
        n_equations=final.n_equations,
        n_variables=final.n_variables,
        max_residual=final.max_residual,
        worst=final.worst,
        objective=final.objective,
        duals=final.duals,
        message=f"{len(path)} steps, {len(attempts) - len(path)} failed and halved",
        attempts=attempts,
        details={"path": path},
    )
