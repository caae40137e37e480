"""A sensitivity point on the one model: elasticities and the shares calibrated on them set as
parameters of a model built (and translated) once, instead of a model of its own per point.

Expected values come from the route every point took before (recalibrate with the point's
elasticities, build, translate, solve: :func:`cge.sensitivity.tasks._build_ready`), run here on
the same tasks; the two solve the same equations with the same numbers from the same start,
so they agree to the solver's tolerance (measured: 1e-11 relative on EV).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge.errors import InputError
from cge.experiments.spec import Shock
from cge.sensitivity import batch, tasks
from cge.sensitivity.tasks import ElasticityOverride, GridElasticities, Run, make_task
from cge.solvers.newton import NewtonOutcome
from cge.solvers.result import SolveStatus

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_interregional.toml"
MARGINS = Run("margins_cut", (Shock("tmg", "multiply", 0.4,
                                    {"origin": ("NORTH",), "destination": ("SOUTH",)}),))


def _overrides(va: float, arm: float, dom: float, cet: float) -> tuple:
    # value added is Cobb-Douglas in the toy's agr and ser: only man's is a CES
    return (ElasticityOverride("sigma_va", va, sector="man", scale=True),
            *(ElasticityOverride(p, v, scale=True) for p, v in (
                ("sigma_arm", arm), ("sigma_dom", dom), ("psi_cet", cet))))


def _own_model(monkeypatch, task):
    """The task solved on a model of its own (the route before points shared one model)."""
    with monkeypatch.context() as mp:
        mp.setattr(tasks, "point_values", lambda b, o: None)
        return tasks.run_task(task)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_points_on_the_one_model_equal_their_own_models(monkeypatch):
    b = tasks.base(str(TOY))
    for k, scales in enumerate([(0.6, 1.4, 0.7, 1.3), (1.45, 0.55, 1.2, 0.8)]):
        task = make_task(f"pt{k}", TOY, (MARGINS,), _overrides(*scales))
        assert tasks.point_values(b, task.elasticities) is not None  # the one-model route
        one, own = tasks.run_task(task), _own_model(monkeypatch, task)
        assert list(one["status"].values) == ["benchmark", "ok"] == list(own["status"].values)
        ev = one["EV"].sel(scenario="margins_cut").values
        assert np.all(np.abs(ev) > 1e-6)  # the shock moves welfare: the comparison means something
        np.testing.assert_allclose(ev, own["EV"].sel(scenario="margins_cut").values,
                                   rtol=1e-8, atol=0.0)
        for name, var in own.data_vars.items():
            if var.dtype.kind == "f" and name not in ("max_residual", "walras_residual"):
                np.testing.assert_allclose(one[name].values, var.values, rtol=1e-8,
                                           atol=1e-8 * max(1.0, float(np.nanmax(np.abs(var)))),
                                           err_msg=name)
        # Walras' law checked on the one model too
        assert abs(float(one["walras_residual"].sel(scenario="margins_cut"))) < 1e-6


def test_a_point_that_changes_the_form_of_an_equation_gets_a_model_of_its_own():
    b = tasks.base(str(TOY))
    # sigma_va = 1 is Cobb-Douglas, 0 fixed proportions: other equations than man's CES;
    # scaled, the Cobb-Douglas value added of agr and ser would become a CES
    for o in (ElasticityOverride("sigma_va", 1.0, sector="man"),
              ElasticityOverride("sigma_va", 0.0, sector="man"),
              ElasticityOverride("sigma_va", 1.2, scale=True)):
        assert tasks.point_values(b, (o,)) is None
    # an elasticity that enters calibration elsewhere (foreign demand for exports)
    assert tasks.point_values(b, (ElasticityOverride("eta_exp", 2.0),)) is None
    task = make_task("cd", TOY, (MARGINS,), (ElasticityOverride("sigma_va", 1.2, scale=True),))
    assert list(tasks.run_task(task)["status"].values) == ["benchmark", "ok"]


def test_a_bad_elasticity_at_a_point_is_an_input_error():
    b = tasks.base(str(TOY))
    with pytest.raises(InputError, match="sigma_arm.*out of range"):
        GridElasticities.of(b.grid, (ElasticityOverride("sigma_arm", -1.0),))
    with pytest.raises(InputError, match="matches no elasticity"):
        GridElasticities.of(b.grid, (ElasticityOverride("sigma_arm", 2.0, region="EAST"),))


# Batches (cge.sensitivity.batch): points solved on the pooled model's translation without
# Pyomo, only the key results kept. Expected values: the full route of each point
# (tasks.run_task + tasks.complete, the route every SSA point took before batches).
KEYS = ("EV", "EV_pct", "pct_GRP_real", "GRP_nominal", "pq", "pct_pq")
TARIFF = Run("tariff_cut", (Shock("taum", "multiply", 0.5),))


def _points(n: int = 3) -> tuple:
    scales = [(0.6, 1.4, 0.7, 1.3), (1.45, 0.55, 1.2, 0.8), (1.0, 1.0, 1.0, 1.0)][:n]
    return tuple(make_task(f"pt-{k:04d}", TOY, (MARGINS, TARIFF), _overrides(*s))
                 for k, s in enumerate(scales))


def _full_route(points: tuple) -> list:
    return [tasks.complete(tasks.run_task(p), str(TOY)) for p in points]


def _assert_batch_equals(out, full, keys=KEYS) -> None:
    for k, ds in enumerate(full):
        assert list(out["status"].isel(sample=k).values) == list(ds["status"].values)
        for name in keys:
            expected = ds[name]
            np.testing.assert_allclose(out[name].isel(sample=k).transpose(
                *expected.dims).values, expected.values, rtol=1e-9,
                atol=1e-12 * max(1.0, float(np.nanmax(np.abs(expected)))), err_msg=name)
        np.testing.assert_allclose(out["walras_residual"].isel(sample=k).values.astype(float),
                                   ds["walras_residual"].values.astype(float), atol=1e-9)


def test_a_batch_gives_the_key_results_of_the_full_route(monkeypatch):
    points = _points()
    full = _full_route(points)

    def runners_route(*args):
        raise AssertionError("every run of these points solves on the translation")

    monkeypatch.setattr(batch, "_run_ready", runners_route)
    out = batch.run_batch(batch.make_batch("b", points, KEYS, first=7))
    assert list(out["sample"].values) == [7, 8, 9]
    assert set(out.data_vars) == set(KEYS) | set(batch.RUN_VARIABLES)
    assert np.all(np.abs(out["EV"].sel(scenario="margins_cut").values) > 1e-6)
    _assert_batch_equals(out, full)


def test_a_run_the_newton_method_does_not_solve_takes_the_runners_route(monkeypatch):
    points = _points(1)
    full = _full_route(points)
    fallbacks = []

    def failing(system, x0, opts, parameters=None):
        fallbacks.append(1)
        return NewtonOutcome(x0, np.full(system.n_constraints, 1.0),
                             SolveStatus.LINE_SEARCH_FAILED, 3, "no step reduces ||F||")

    monkeypatch.setattr(batch, "newton_solve", failing)
    out = batch.run_batch(batch.make_batch("b", points, KEYS))
    assert len(fallbacks) == 2  # both runs: then the runner's route solved them
    assert list(out["solve_method"].values[0]) == ["benchmark", "direct", "direct"]
    _assert_batch_equals(out, full)


def test_a_solution_that_breaks_walras_law_fails_that_point():
    points = _points(1)
    with tasks._ready(str(TOY), ()) as ready:
        tol = ready.model.walras_tol
        ready.model.walras_tol = 1e-30  # every solution's Walras residual is above it
    try:
        out = batch.run_batch(batch.make_batch("b", points, KEYS))
    finally:
        with tasks._ready(str(TOY), ()) as ready:
            ready.model.walras_tol = tol
    row = out.isel(sample=0)
    assert list(row["status"].values) == ["benchmark", "failed", "failed"]
    assert "Walras' law fails" in str(row["message"].sel(scenario="margins_cut").values)
    assert bool(row["pct_GRP_real"].sel(scenario="tariff_cut").isnull().all())


def test_an_unknown_key_result_is_an_input_error():
    with pytest.raises(InputError, match="no results"):
        batch.run_batch(batch.make_batch("b", _points(1), ("EV", "GDP_real")))
