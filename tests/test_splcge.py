"""Hosoe, Gasawa & Hashimoto (2010) ch. 5 SPLCGE: a closed economy from data and configuration.

Published: utility 27.1441 (GAMS run record, jeffreyhorn/nlp2mcp data/gamslib/gamslib_status.json,
model splcge), exactly 15^0.3 * 35^0.7 at the benchmark. The capital shock has no published
solution; its expected values are the closed form of the Cobb-Douglas economy (utility scales by
1.1^(sum_j alpha_j beta_CAP,j) = 1.1^0.5; income stays 50, so the rental is 50 * 0.5 / 27.5).
"""

from pathlib import Path

import pytest

from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ds():
    res = run_experiment(ROOT / "experiments" / "splcge.toml")
    assert res.gates.passed, res.gates.summary()
    return res.results


def test_benchmark_utility_as_published(ds):
    uu = float(ds["UU"].sel(scenario="benchmark", region="ECO", household="HOH"))
    assert round(uu, 4) == 27.1441
    assert uu == pytest.approx(15**0.3 * 35**0.7, rel=1e-12)


def test_capital_shock_matches_the_closed_form(ds):
    s = ds.sel(scenario="capital_plus_10", region="ECO")
    assert float(s["UU"].sel(household="HOH")) == pytest.approx(28.468943554427714, rel=1e-9)
    assert float(s["pfr"].sel(factor="CAP")) == pytest.approx(50 * 0.5 / 27.5, rel=1e-9)
    assert float(s["YH"].sel(household="HOH")) == pytest.approx(50.0, rel=1e-9)
    # factor allocation: F(h,j) = FF(h) beta(h,j) alpha(j) / sum_k beta(h,k) alpha(k)
    alpha = {"BRD": 0.3, "MLK": 0.7}
    beta_cap = {"BRD": 1 / 3, "MLK": 4 / 7}
    denom = sum(beta_cap[j] * alpha[j] for j in alpha)
    for j in alpha:
        expected = 27.5 * beta_cap[j] * alpha[j] / denom
        assert float(s["F"].sel(factor="CAP", sector=j)) == pytest.approx(expected, rel=1e-9)


def test_closed_economy_cannot_fix_the_exchange_rate(tmp_path):
    from cge.calibration import calibrate, read_elasticities
    from cge.config import Closure, ModelConfig
    from cge.errors import InputError
    from cge.sam import read_sam

    el = read_elasticities(ROOT / "calibration" / "stdcge_elasticities.csv")
    with pytest.raises(InputError, match="no rest-of-world account"):
        calibrate(read_sam(ROOT / "sam" / "splcge"), el,
                  ModelConfig(closure=Closure(numeraire="exchange_rate")))
