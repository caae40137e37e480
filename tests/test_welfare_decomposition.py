"""Welfare decomposition of EV (cge.reporting.welfare, after Huff and Hertel 2000, GTAP
Technical Paper 5): the terms add up to each region's EV of the results within 1e-6 relative
(the tolerance the module states for its default 8 path steps; issue 20's criterion), on the
toy two-region SAM and the flagship (sam/vologda_2021, experiments/vologda_trade.toml), and
the terms have the signs theory gives in textbook cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cge import examples
from cge.cli import main
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import apply_and_solve, calibrate_experiment
from cge.experiments.spec import Scenario, Shock, load_experiment
from cge.model import build_model
from cge.reporting.welfare import (
    TERMS,
    add_welfare_decomposition,
    decompose_scenario,
    path_integrals,
    welfare_results,
)

EXPERIMENTS = examples.data_root() / "experiments"


def _adds_up(res, rel: float = 1e-6):
    ds = add_welfare_decomposition(res)
    ev = ds["EV"].sum("household").sel(region=ds["welfare_terms"]["region"])
    total = ds["welfare_terms"].sum("welfare_term")
    for s in [str(x) for x in ds["scenario"].values[1:]]:
        for r in ds["welfare_terms"]["region"].values:
            e, t = float(ev.sel(scenario=s, region=r)), float(total.sel(scenario=s, region=r))
            assert abs(t - e) <= rel * abs(e), (s, r, e, t)
    # the detail adds up to the subtotals
    detail = ds["welfare_detail"]
    for term in TERMS:
        items = [x for x in detail["welfare_item"].values if x.split(":")[0] == term]
        np.testing.assert_allclose(detail.sel(welfare_item=items).sum("welfare_item"),
                                   ds["welfare_terms"].sel(welfare_term=term), atol=1e-12)
    return ds


def test_path_integrals_are_exact_for_polynomials():
    # int_0^1 a db with a = t^2, b = t^3: int 3 t^4 dt = 3/5; a = cos(t), b = sin(t):
    # int cos^2 = 1/2 + sin(2)/4 (analytic; the interpolant's error is below 1e-9 with 9 points)
    t = (1 - np.cos(np.pi * np.arange(9) / 8)) / 2
    a = np.column_stack([t**2, np.cos(t)])
    b = np.column_stack([t**3, np.sin(t)])
    got = path_integrals(t, a, b)
    assert got[0] == pytest.approx(0.6, abs=1e-13)
    assert got[1] == pytest.approx(0.5 + np.sin(2.0) / 4, abs=1e-9)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_toy_interregional_adds_up_to_ev():
    ds = _adds_up(run_experiment(EXPERIMENTS / "toy_interregional.toml"))
    terms = ds["welfare_terms"]
    # halving iceberg margins is technical progress for the buyers of both regions
    assert (terms.sel(scenario="margins_half", welfare_term="technology") > 0).all()
    # interregional terms of trade are a transfer between the two regions: they nearly cancel
    # (prices in world currency, both regions' flows valued the same)
    tot = terms.sel(scenario="margins_half", welfare_term="tot_interregional")
    assert abs(float(tot.sum())) < 0.01 * float(abs(tot).max())
    # world prices are fixed (a small open economy): no world terms of trade, except where
    # foreigners buy at domestic prices (the project financed from abroad pays more for the
    # region's goods when their prices rise)
    trade_only = ["margins_half", "north_to_south_man", "tariff_cut"]
    assert abs(terms.sel(scenario=trade_only, welfare_term="tot_world")).max() < 1e-9
    assert (terms.sel(scenario="project_north_man", welfare_term="tot_world",
                      region="NORTH") > 0)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_stdcge_tariff_abolition_is_an_allocative_gain():
    # Hosoe, Gasawa and Hashimoto (2010), ch. 6: a small open economy abolishes its tariffs.
    # With world prices given there is no terms-of-trade effect, and abolishing all tariffs is
    # an allocative gain on imports (the Harberger triangles: imports rise where their price
    # exceeded their world price). The sign holds for the sum over goods, not for each: the
    # currency depreciates, so imports of the good with the lower tariff can fall (here MLK's
    # term is positive, BRD's slightly negative). EV 1.145 as published.
    ds = _adds_up(run_experiment(EXPERIMENTS / "stdcge_tariff.toml"))
    terms = ds["welfare_terms"].sel(scenario="tariff_abolition", region="ECO")
    assert float(ds["EV"].sel(scenario="tariff_abolition").sum()) == pytest.approx(1.145,
                                                                                  abs=5e-4)
    assert abs(float(terms.sel(welfare_term="tot_world"))) < 1e-9
    tariff = ds["welfare_detail"].sel(scenario="tariff_abolition", region="ECO")
    tariff = tariff.sel(welfare_item=[x for x in tariff["welfare_item"].values
                                      if x.startswith("allocative:tariff:")])
    assert len(tariff) == 2 and float(tariff.sum()) > 0


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_flagship_trade_scenarios_add_up_to_ev():
    ds = _adds_up(run_experiment(EXPERIMENTS / "vologda_trade.toml"))
    terms = ds["welfare_terms"]
    # cheaper imports from abroad: a world terms-of-trade gain for both regions
    assert (terms.sel(scenario="world_prices_imports_-5", welfare_term="tot_world") > 0).all()
    # lower interregional trade costs: technical progress for both buyers
    assert (terms.sel(scenario="margins_-25", welfare_term="technology") > 0).all()


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_steps_double_until_the_terms_add_up():
    # A 90 % output tax (Markusen's 2x2 economy with two agents) is far from the benchmark:
    # with 8 path steps the terms miss EV by 9e-5 of it (measured), so the steps double
    ds = _adds_up(run_experiment(EXPERIMENTS / "mpsge_2x2_two_agents_tax.toml"))
    assert float(ds["welfare_steps"].sel(scenario="otaxa_90")) > 8
    assert float(ds["welfare_steps"].sel(scenario="labour_plus_10")) == 8
    # an endowment shock alone is all endowment
    terms = ds["welfare_terms"].sel(scenario="labour_plus_10", region="ECO")
    assert float(terms.sel(welfare_term="endowment")) == pytest.approx(
        float(ds["EV"].sel(scenario="labour_plus_10").sum()), rel=1e-9)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_import_quota_rent_is_an_allocative_loss_when_the_quota_tightens():
    # The quota's path has a kink where it starts to bind (a complementarity pair switches):
    # the path is split there, and 8 steps on each side add up (measured: 3.6e-11 of EV; on
    # the whole path the steps doubled to 16 for 6e-7). Cutting a binding quota lowers imports
    # where buyers pay the rent rq > 0 over the world price: an allocative loss on that quota
    # (rate times a fall in quantity), in SOUTH alone.
    ds = _adds_up(run_experiment(EXPERIMENTS / "toy_import_quota.toml"))
    assert float(ds["welfare_steps"].sel(scenario="quota_cut")) == 8
    quota = ds["welfare_detail"].sel(scenario="quota_cut",
                                     welfare_item="allocative:import quota:man")
    assert float(quota.sel(region="SOUTH")) < 0
    assert float(quota.sel(region="NORTH")) == 0


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_run_report_carries_the_decomposition(tmp_path):
    out = tmp_path / "toy"
    assert main(["run", str(EXPERIMENTS / "toy_interregional.toml"), "--scenario", "tariff_cut",
                 "--out", str(out), "--format", "nc,csv,png", "--lang", "ru", "--labels",
                 str(examples.data_root() / "calibration" / "labels_vologda.csv")]) == 0
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    for name in ("welfare_terms", "welfare_detail", "welfare_residual"):
        assert ds[name].attrs["units"] == ds.attrs["units"], name
        assert ds[name].attrs["long_name"], name
    assert float(ds["welfare_steps"].sel(scenario="tariff_cut")) == 8
    table = pd.read_csv(out / "tables_ru" / "welfare_decomposition_NORTH.csv", comment="#",
                        index_col=0)
    assert table.index[0] == "Аллокативная эффективность"  # translated (labels_vologda.csv)
    ev = table.loc["ЭВ"].iloc[0]
    assert abs(table.drop(index="ЭВ").iloc[:, 0].sum() - ev) <= 1e-6 * abs(ev)
    assert (out / "figures_ru" / "welfare_decomposition_NORTH.png").exists()


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_scenarios_without_a_decomposition_are_nan_and_named():
    # one scenario with a shock the identity has no term for, one failed: the results keep
    # both, their terms are NaN (never zero) and the reason is in welfare_skipped
    res = run_experiment(EXPERIMENTS / "toy_interregional.toml",
                         scenarios=["tariff_cut", "margins_half"])
    pref = Scenario("tariff_cut", "", (Shock("deltam", "multiply", 1.1),))
    exp = dataclasses.replace(res.experiment, scenarios=tuple(
        pref if s.name == "tariff_cut" else s for s in res.experiment.scenarios))
    res = dataclasses.replace(res, experiment=exp)
    res.results["status"].loc["margins_half"] = "failed"
    ds = add_welfare_decomposition(res)
    assert ds["welfare_terms"].sel(scenario=["tariff_cut", "margins_half"]).isnull().all()
    assert (ds["welfare_terms"].sel(scenario="benchmark") == 0).all()
    assert "tariff_cut" in ds.attrs["welfare_skipped"] and "deltam" in ds.attrs["welfare_skipped"]


def test_unsupported_shock_is_refused():
    exp = load_experiment(EXPERIMENTS / "toy_interregional.toml")
    _, cal = calibrate_experiment(exp)
    sc = Scenario("pref", "", (Shock("deltam", "multiply", 1.1),))
    with pytest.raises(InputError, match="deltam"):
        decompose_scenario(build_model(cal), exp, sc)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_the_runs_model_and_a_fresh_calibration_give_the_same_terms():
    # The decomposition reuses the run's model and translation (res.model); without one it
    # calibrates and translates its own. Each route solves every path node to Newton's
    # tolerance (residuals below 1e-10, model units) from its own start, so the terms agree to
    # solver round-off, not bit for bit (measured: 4e-11 of EV on the flagship): allowed 1e-8 of
    # the region's EV, 100 times below the 1e-6 the terms must add up to.
    res = run_experiment(EXPERIMENTS / "toy_interregional.toml", scenarios=["tariff_cut"])
    reused = welfare_results(res)
    fresh = welfare_results(dataclasses.replace(res, model=None))
    assert list(reused["welfare_item"].values) == list(fresh["welfare_item"].values)
    ev = abs(res.results["EV"].sum("household").sel(scenario="tariff_cut"))
    diff = abs(reused["welfare_detail"] - fresh["welfare_detail"]).sel(scenario="tariff_cut")
    assert (diff.max("welfare_item") <= 1e-8 * ev).all()
    # the run's model is back at its benchmark: a second decomposition adds up as the first
    again = welfare_results(res)
    assert abs(again["welfare_detail"] - reused["welfare_detail"]).max() <= 1e-8 * ev.max()


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_a_doubled_path_solves_only_its_new_nodes(monkeypatch):
    # A 90 % output tax needs 16 steps (test_steps_double_until_the_terms_add_up): the path of
    # 8 is doubled, its 9 nodes kept (the even ones of 16) and 8 new ones solved, 16 solves in
    # all (24 when the doubled path started again). The same terms as a path of 16 solved from
    # the start, to solver round-off (measured 3e-13 of the total; allowed 1e-8, as above).
    exp = load_experiment(EXPERIMENTS / "mpsge_2x2_two_agents_tax.toml")
    _, cal = calibrate_experiment(exp)
    sc = next(s for s in exp.scenarios if s.name == "otaxa_90")
    solves = []

    def counted(*args):
        solves.append(args[3])
        return apply_and_solve(*args)

    monkeypatch.setattr("cge.reporting.welfare.apply_and_solve", counted)
    doubled, n = decompose_scenario(build_model(cal), exp, sc)
    assert n == 16 and len(solves) == 16
    direct, _ = decompose_scenario(build_model(cal), exp, sc, 16)
    assert len(solves) == 32 and doubled.keys() == direct.keys()
    total = abs(sum(direct.values()))
    assert max(abs(doubled[k] - direct[k]) for k in direct) <= 1e-8 * total
