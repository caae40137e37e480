"""EV split by the sources of the change in real income (cge.reporting.decomposition): the terms
add up to EV to rounding (1e-9 of benchmark spending on utility, the tolerance stated in the
module), on the toy interregional experiment and on STDCGE's tariff abolition."""

from __future__ import annotations

import pytest

from cge import examples
from cge.experiments import run_experiment
from cge.experiments.runner import calibrate_experiment
from cge.model import build_model
from cge.reporting.decomposition import TERMS, decompose_ev


def _decompose(name: str):
    res = run_experiment(examples.data_root() / "experiments" / name)
    _, cal = calibrate_experiment(res.experiment)
    ds = res.results
    df = decompose_ev(build_model(cal), ds)
    spend = (ds["pU"] * ds["UU"]).sel(scenario="benchmark")
    for (s, r, h), row in df.iterrows():
        scale = float(spend.sel(region=r, household=h))
        assert abs(row["EV"] - sum(row[t] for t in TERMS)) < 1e-9 * scale, (s, r, h)
        assert row["residual"] == pytest.approx(0.0, abs=1e-9 * scale)
    return df


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_stdcge_tariff_abolition_adds_up():
    df = _decompose("stdcge_tariff.toml")
    row = df.loc[("tariff_abolition", "ECO", "HOH")]
    assert row["EV"] == pytest.approx(1.145, abs=5e-4)  # Hosoe et al. (2010), ch. 6
    assert row["endowment"] == pytest.approx(0.0, abs=1e-12)  # endowments are not shocked


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_toy_interregional_adds_up():
    df = _decompose("toy_interregional.toml")
    # the project adds 10 % to NORTH's capital in manufacturing: an endowment gain there only
    assert df.loc[("project_north_man", "NORTH", "hh"), "endowment"] > 0
    assert df.xs("margins_half")["endowment"].abs().max() < 1e-12
