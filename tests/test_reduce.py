"""Reduced space (cge.solvers.reduce): the same solution as the full system.

Expected values are the full-space Newton solution of the same model and shock, computed in the
test (``reduced=False``, the default); both must pass Walras' check. Shocks: the toy's NORTH/SOUTH
productivity +10 %, STDCGE's tariff abolition (its published experiment), the flagship's
interregional margins halved.
"""

from pathlib import Path

import casadi as ca
import numpy as np
import pyomo.environ as pyo
import pytest

from cge.experiments.runner import calibrate_experiment
from cge.experiments.spec import load_experiment
from cge.model import build_model
from cge.model.walras import check_walras
from cge.solvers import SolveError, solve
from cge.solvers.reduce import _colouring, _levels, reduction
from cge.solvers.translate import translation

ROOT = Path(__file__).resolve().parents[1]


def _built(experiment: str) -> pyo.ConcreteModel:
    _, cal = calibrate_experiment(load_experiment(ROOT / "experiments" / experiment))
    return build_model(cal)


def _scale(param, factor: float) -> None:
    for k in param:
        param[k] = factor * param[k].value


SHOCKS = {
    "toy_interregional.toml": lambda m: _scale(m.b, 1.1),
    "stdcge_tariff.toml": lambda m: _scale(m.taum, 0.0),
    "vologda_trade.toml": lambda m: _scale(m.tmg, 0.5),
}


def _solved(experiment: str, reduced: bool) -> tuple[dict, dict]:
    m = _built(experiment)
    SHOCKS[experiment](m)
    result = solve(m, "newton", {"reduced": reduced})
    check_walras(m, f"{experiment} reduced={reduced}")
    values = {v.name: v.value for v in m.component_data_objects(pyo.Var) if not v.fixed}
    return values, result.details["reduced_space"]


@pytest.mark.parametrize("experiment", [
    "toy_interregional.toml",
    "stdcge_tariff.toml",
    pytest.param("vologda_trade.toml", marks=pytest.mark.slow),  # over 10 s here
])
def test_reduced_space_solution_equals_full_space(experiment):
    full, full_space = _solved(experiment, reduced=False)
    reduced, space = _solved(experiment, reduced=True)
    assert not full_space["used"]
    assert space["used"] and space["eliminated"] > 0
    assert space["equations"] + space["eliminated"] == len(full)
    assert reduced.keys() == full.keys()
    gap = max(abs(reduced[k] - full[k]) / max(1.0, abs(full[k])) for k in full)
    assert gap <= 1e-10


def test_intermediate_demands_are_eliminated():
    """The n^2 flows X are among the eliminated variables; prices are not."""
    m = _built("toy_interregional.toml")
    system = translation(m)
    red = reduction(system)
    names = {system.variables[j].parent_component().name for j in red.eliminated}
    kept = {v.parent_component().name for v in red.system.variables}
    assert "X" in names and "X" not in kept
    assert "pq" in kept and "pq" not in names


def test_recovered_values_satisfy_the_eliminated_equations():
    """At the benchmark the recovered flows equal the SAM's (the model's current values)."""
    m = _built("stdcge_tariff.toml")
    system = translation(m)
    red = reduction(system)
    x = system.values()
    recovered = red.full_point(x[red.kept], system.parameter_values(), system.n_variables)
    assert np.max(np.abs(recovered - x) / np.maximum(1.0, np.abs(x))) <= 1e-12


def test_cycles_are_kept_and_levels_follow_dependencies():
    import scipy.sparse as sp

    # 0 <- 1 <- 2 (2 depends on 1, 1 on 0); 3 <-> 4 a cycle; 5 depends on 3
    edges = [(1, 0), (2, 1), (3, 4), (4, 3), (5, 3)]
    rows, cols = zip(*edges, strict=True)
    pattern = sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(6, 6))
    assert _levels(pattern).tolist() == [0, 1, 2, -1, -1, 0]
    colour = _colouring(pattern)
    for r, c in edges:
        assert colour[r] != colour[c]


def test_failure_reports_the_full_system():
    """A reduced solve that fails falls back to the full system, and the error names the full
    system's equations (one iteration is not enough for either)."""
    m = _built("toy_interregional.toml")
    _scale(m.b, 1.1)
    with pytest.raises(SolveError) as err:
        solve(m, "newton", {"max_iter": 1, "reduced": True})
    result = err.value.result
    assert result.details["reduced_space"]["used"] is False
    assert "max_iter" in result.details["reduced_space"]["fallback"]
    assert len(result.worst) > 0
    assert result.n_equations == translation(m).n_constraints


def test_full_space_is_the_default():
    m = _built("toy_interregional.toml")
    assert solve(m, "newton").details["reduced_space"] == {
        "used": False, "equations": translation(m).n_constraints}


def test_deep_product_translates():
    """A Cobb-Douglas utility over 600 goods nests 600 deep: its translation with a symbolic
    parameter (the copy of the expression recurses per level) failed with RecursionError at
    500 sectors in benchmarks/sectors.py."""
    import math

    from cge.solvers.translate import to_casadi

    n = 600
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), initialize=2.0, bounds=(1e-10, None))
    m.a = pyo.Param(range(n), initialize=1.0 / n, mutable=True)
    m.u = pyo.Var(initialize=1.0)
    m.c = pyo.Constraint(expr=m.u == math.prod(m.x[i] ** m.a[i] for i in range(n)))
    system = to_casadi(m, fixed_as_parameters=True, symbolic=frozenset({id(m.a)}))
    assert system.n_constraints == 1 and system.p.numel() == n
    # at the start point u - prod 2^(1/n) = 1 - 2
    value = ca.Function("g", [system.x, system.p], [system.g])(system.values(),
                                                                system.parameter_values())
    assert abs(float(value) - system.lbg[0] - (1.0 - 2.0)) <= 1e-12
