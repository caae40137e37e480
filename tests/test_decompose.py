"""Decomposition by shock: Shapley values add up to the runner's total; path subtotals agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge.errors import InputError
from cge.experiments import run_experiment
from cge.sensitivity.decompose import path_integral, shapley, shapley_values, shapley_weights

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_interregional.toml"
SCENARIO = "project_north_man"  # three shocks: two demand injections and more capital


def test_shapley_weights_and_a_game_with_a_known_split():
    # weights of subsets of size 0, 1, 2 among k = 3: 2/6, 1/6, 2/6 (and sum to 1 over orders)
    np.testing.assert_allclose(shapley_weights(3), [1 / 3, 1 / 6, 1 / 3], rtol=1e-15)
    # v(S) = sum of a_i over S plus b when shocks 1 and 2 are both in S: the interaction is
    # split equally, so phi = (a1 + b/2, a2 + b/2, a3)
    a, b = np.array([1.0, -2.0, 0.5]), 3.0
    v = np.array([sum(a[i] for i in range(3) if m >> i & 1) + b * (m & 3 == 3)
                  for m in range(8)])
    np.testing.assert_allclose(shapley_values(v), [a[0] + b / 2, a[1] + b / 2, a[2]],
                               rtol=1e-15)


@pytest.fixture(scope="module")
def runner_results():
    return run_experiment(TOY, scenarios=[SCENARIO]).results


@pytest.fixture(scope="module")
def shapley_split(tmp_path_factory):
    return shapley(TOY, SCENARIO, tmp_path_factory.mktemp("shapley"))


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_shapley_contributions_add_up_to_the_total_change(shapley_split, runner_results):
    d = shapley_split
    assert d.solves == 7 and d.contributions.sizes["shock"] == 3
    for name in ("EV", "GRP_real", "pct_GRP_real", "Z"):
        total = d.contributions[name].sum("shock")
        # adding up is exact by construction, up to floating-point rounding
        np.testing.assert_allclose(total, d.total[name], rtol=1e-12, atol=1e-12)
        assert float(np.abs(d.residual[name]).max()) <= 1e-10
    # and the total is the runner's scenario result, to solver tolerance
    ev = runner_results["EV"].sel(scenario=SCENARIO) - runner_results["EV"].sel(
        scenario="benchmark")
    np.testing.assert_allclose(d.total["EV"], ev.transpose(*d.total["EV"].dims), atol=1e-8)
    np.testing.assert_allclose(d.total["pct_GRP_real"],
                               runner_results["pct_GRP_real"].sel(scenario=SCENARIO),
                               atol=1e-8)
    table = d.table("EV")
    assert list(table.index[-3:]) == ["sum of contributions", "total change", "residual"]


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_path_subtotals_close_to_shapley(tmp_path, shapley_split):
    p = path_integral(TOY, SCENARIO, tmp_path, nodes=1)
    assert p.solves == 1 + 2 * 3
    for name in ("EV", "pct_GRP_real"):
        scale = float(np.abs(p.total[name]).max())
        # one Gauss-Legendre node (the midpoint) integrates a path derivative that is nearly
        # linear in t; measured residual 1e-5 of the largest change
        assert float(np.abs(p.residual[name]).max()) <= 1e-3 * scale
        # with little interaction between the shocks both splits nearly coincide
        np.testing.assert_allclose(p.contributions[name], shapley_split.contributions[name],
                                   atol=2e-3 * scale)


def test_scenarios_with_one_shock_are_refused(tmp_path):
    with pytest.raises(InputError, match="nothing to decompose"):
        shapley(TOY, "tariff_cut", tmp_path)
