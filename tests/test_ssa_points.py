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
from cge.sensitivity import tasks
from cge.sensitivity.tasks import ElasticityOverride, GridElasticities, Run, make_task

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
