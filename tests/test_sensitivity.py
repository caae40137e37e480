"""Systematic sensitivity analysis: quadrature design, statistics, elasticity overrides, SSA runs.

Expected values: the moments of the distributions in closed form (uniform ``(l+h)/2`` and
``(h-l)^2/12``; triangular ``(l+m+h)/3`` and ``(l^2+m^2+h^2-lm-lh-mh)/18``); for a result
``y = a + b.x`` of independent parameters, ``E[y] = a + b.mu`` and ``Var[y] = sum b_i^2
sigma_i^2``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats as sps

from cge.calibration import read_elasticities
from cge.errors import InputError
from cge.sensitivity import (
    Distribution,
    ElasticityOverride,
    load_sensitivity,
    quadrature,
    run_ssa,
    sampled,
    sensitivities,
    stroud3,
    summarize,
)
from cge.sensitivity.ssa import design_of
from cge.sensitivity.stats import chebyshev_k
from cge.sensitivity.tasks import elasticity_grid, expand_elasticities

ROOT = Path(__file__).resolve().parents[1]
STDCGE = ROOT / "experiments" / "stdcge_tariff.toml"
TOY = ROOT / "experiments" / "toy_interregional.toml"

DISTS = [Distribution("uniform", 0.5, 1.5), Distribution("triangular", 1.0, 4.0, mode=1.5),
         Distribution("normal", 0.0, 10.0, mean=4.0, sd=2.0)]
B, A = np.array([2.0, -1.0, 0.5]), 3.0


def exact_moments() -> tuple[np.ndarray, np.ndarray]:
    tn = sps.truncnorm(-2.0, 3.0, loc=4.0, scale=2.0)  # (0 - 4)/2, (10 - 4)/2
    mu = np.array([1.0, (1.0 + 1.5 + 4.0) / 3, tn.mean()])
    var = np.array([1.0 / 12, (1 + 1.5**2 + 16 - 1.5 - 4 - 6) / 18, tn.var()])
    return mu, var


@pytest.mark.parametrize("n", range(1, 9))
def test_stroud_design_has_the_moments_of_standardised_parameters(n):
    z = stroud3(n)
    w = np.full(len(z), 1.0 / len(z))
    assert z.shape == (2 * n, n)
    np.testing.assert_allclose(w @ z, 0.0, atol=1e-14)
    np.testing.assert_allclose((z * w[:, None]).T @ z, np.eye(n), atol=1e-14)
    np.testing.assert_allclose(np.einsum("k,ki,kj,kl->ijl", w, z, z, z), 0.0, atol=1e-14)


def test_quadrature_reproduces_mean_and_variance_of_a_linear_result_exactly():
    mu, var = exact_moments()
    d = quadrature(DISTS)
    assert d.size == 6  # 2n points for n = 3
    y = xr.Dataset({"y": ("sample", A + d.values @ B)})
    s = summarize(y, xr.DataArray(d.weights, dims="sample"), sampled=False, level=0.95)
    assert float(s["y"].sel(statistic="mean")) == pytest.approx(A + B @ mu, rel=1e-13)
    assert float(s["y"].sel(statistic="sd")) ** 2 == pytest.approx(B**2 @ var, rel=1e-12)
    # Chebyshev: at least 95 % within k = 1/sqrt(0.05) standard deviations
    k = chebyshev_k(0.95)
    assert k == pytest.approx(np.sqrt(20.0), rel=1e-15)
    sd = np.sqrt(B**2 @ var)
    assert float(s["y"].sel(statistic="chebyshev_high")) == pytest.approx(A + B @ mu + k * sd)
    # for a linear result the fit is exact: effect = b_i sigma_i, shares add up to one
    z = xr.DataArray(d.z, dims=("sample", "parameter"), coords={"parameter": list("abc")})
    sens = sensitivities(y, z, xr.DataArray(d.weights, dims="sample"))["y"]
    np.testing.assert_allclose(sens.sel(measure="effect"), B * np.sqrt(var), rtol=1e-12)
    np.testing.assert_allclose(sens.sel(measure="variance_share"), B**2 * var / (B**2 @ var),
                               rtol=1e-12)
    np.testing.assert_allclose(sens.sel(measure="r2"), 1.0, rtol=1e-12)


def test_sobol_estimate_converges_to_the_same_moments():
    mu, var = exact_moments()
    d = sampled(DISTS, 4096, "sobol", seed=3)
    y = xr.Dataset({"y": ("sample", A + d.values @ B)})
    s = summarize(y, xr.DataArray(d.weights, dims="sample"), sampled=True, level=0.9)["y"]
    # randomised QMC error of a smooth integrand at N = 4096 is far below these tolerances
    assert float(s.sel(statistic="mean")) == pytest.approx(A + B @ mu, rel=1e-4)
    assert float(s.sel(statistic="sd")) == pytest.approx(np.sqrt(B**2 @ var), rel=1e-3)
    lo, hi = float(s.sel(statistic="empirical_low")), float(s.sel(statistic="empirical_high"))
    assert np.mean((y["y"] >= lo) & (y["y"] <= hi)) == pytest.approx(0.9, abs=2e-3)


def test_sobol_needs_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        sampled(DISTS, 100, "sobol")


def test_override_applies_to_every_cell_it_names():
    el = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
    regions, sectors = ["NORTH", "SOUTH"], ["agr", "man", "ser"]
    grid = elasticity_grid(el, regions, sectors)
    # the file has "*,man,sigma_va,0.8", which would beat a "NORTH,*" row: expanded, it does not
    out = expand_elasticities(grid, (ElasticityOverride("sigma_va", 0.5, region="NORTH"),
                                     ElasticityOverride("sigma_arm", 1.5, scale=True)))
    assert out.get("sigma_va", "NORTH", "man") == 0.5
    assert out.get("sigma_va", "SOUTH", "man") == 0.8
    assert out.get("sigma_arm", "SOUTH", "agr") == pytest.approx(3.0)
    with pytest.raises(InputError, match="matches no elasticity"):
        expand_elasticities(grid, (ElasticityOverride("sigma_va", 0.5, region="EAST"),))


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "ssa.toml"
    path.write_text(f'name = "t"\n[sensitivity]\nexperiment = "{STDCGE}"\n' + body)
    return path


def test_bad_sensitivity_files_name_the_problem(tmp_path):
    param = '[[sensitivity.parameter]]\ndistribution = "uniform"\nlow = 1\nhigh = 3\n'
    with pytest.raises(InputError, match="neither an elasticity"):
        load_sensitivity(_write(tmp_path, param + 'name = "sigma_xx"\n'))
    with pytest.raises(InputError, match="cannot be negative"):
        load_sensitivity(_write(tmp_path, param.replace("low = 1", "low = -1")
                                + 'name = "sigma_arm"\n'))
    with pytest.raises(InputError, match="not in stdcge_tariff.toml"):
        load_sensitivity(_write(tmp_path, param + 'name = "shock"\nscenario = "nope"\n'))


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_ssa_of_the_stdcge_tariff_abolition(tmp_path):
    """Quadrature (2 points) against a 16-point Sobol' estimate for the full model."""
    spec = load_sensitivity(_write(tmp_path, '[[sensitivity.parameter]]\nname = "sigma_arm"\n'
                                   'distribution = "uniform"\nlow = 1.0\nhigh = 3.0\n'))
    quad = run_ssa(spec, tmp_path / "out")
    sobol = run_ssa(spec, tmp_path / "out", design=design_of(spec, "sobol", 16))
    assert quad.results.sizes["sample"] == 2 and sobol.results.sizes["sample"] == 16
    assert not quad.failed_samples and not sobol.failed_samples
    ev_q = quad.summary["EV"].squeeze()
    ev_s = sobol.summary["EV"].squeeze()
    # EV is smooth but not linear in sigma_arm: the means agree to the quadrature's
    # fourth-order error (measured 2e-4 relative), the sds to its curvature (measured 9 %)
    assert float(ev_q.sel(statistic="mean")) == pytest.approx(
        float(ev_s.sel(statistic="mean")), rel=1e-3)
    assert float(ev_q.sel(statistic="sd")) == pytest.approx(
        float(ev_s.sel(statistic="sd")), rel=0.15)
    # the centre of the range is the published STDCGE experiment (sigma = 2, EV = 1.145)
    assert float(ev_q.sel(statistic="mean")) == pytest.approx(1.145, abs=0.01)
    # every Sobol' sample lies in the Chebyshev interval
    samples = sobol.results["EV"].sel(scenario="tariff_abolition")
    assert bool((samples >= ev_s.sel(statistic="chebyshev_low")).all())
    assert bool((samples <= ev_s.sel(statistic="chebyshev_high")).all())
    # one parameter: R^2 = beta^2 var(z) / s^2 for the sample's var(z), while the share uses
    # the distribution's var(z) = 1, so share = R^2 / var(z)
    share = sobol.sensitivity["EV"].sel(measure="variance_share").squeeze()
    r2 = sobol.sensitivity["EV"].sel(measure="r2").squeeze()
    assert 0.9 < float(r2) <= 1.0
    assert float(share) == pytest.approx(float(r2) / float(sobol.results["z"].var()), rel=1e-9)


def test_cli_commands_take_workers_and_scheduler():
    from cge.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["sensitivity", "f.toml", "--method", "sobol", "--samples", "8",
                              "--workers", "2"])
    assert (args.method, args.samples, args.workers, args.scheduler) == ("sobol", 8, 2, None)
    args = parser.parse_args(["decompose", "f.toml", "--scenario", "s", "--scheduler",
                              "tcp://host:8786"])
    assert (args.method, args.scheduler, args.workers) == ("shapley", "tcp://host:8786", 0)
    assert parser.parse_args(["sweep", "f.toml", "--workers", "3"]).workers == 3
