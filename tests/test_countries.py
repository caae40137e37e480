"""Regions as countries with currencies of their own (``ModelConfig.countries``)."""

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.common.collections import ComponentMap
from pyomo.environ import value

from cge import examples
from cge.calibration import calibrate, read_elasticities
from cge.config import Closure, ModelConfig
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.model import build_model
from cge.model.gates import NOMINAL_UNITS, check_benchmark, set_numeraire
from cge.sam import SAM, balance
from cge.solvers import solve
from cge.sources.synthetic import model_config as synthetic_config
from cge.sources.synthetic import national_flows, synthetic_sam

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
TWO = {"N": ["NORTH"], "S": ["SOUTH"]}


def _balances_hold(m) -> None:
    for c in m.C:
        bop = m.eq_balance_of_payments[c]
        assert value(bop.body) == pytest.approx(value(bop.upper), abs=1e-9)


def test_two_countries_with_a_rest_of_world_pass_the_gates():
    cal = calibrate(examples.toy_sam(), EL, ModelConfig(countries=TWO))
    m = build_model(cal)
    assert m.C == ["N", "S"]
    assert check_benchmark(m).passed
    # each country's balance of payments is left to Walras' law, country by country
    assert m.walras_names == ["eq_balance_of_payments[N]", "eq_balance_of_payments[S]"]
    # cheaper shipping from NORTH to SOUTH: exchange rates are the anchors, so the real
    # exchange rate moves through price levels, and both balances still hold
    for k in m.tmg:
        if k[0] == "NORTH":
            m.tmg[k] = 0.0
    solve(m)
    for c in ("N", "S"):
        assert value(m.epsilon[c]) == 1.0
    _balances_hold(m)


def _world(**closure) -> pyo.ConcreteModel:
    """The toy world without a rest of the world (sam/toy2c), NORTH and SOUTH as countries."""
    cfg = ModelConfig(countries=TWO, closure=Closure(numeraire="cpi", **closure))
    return build_model(calibrate(examples.toy_world_sam(), EL, cfg))


def test_the_build_script_reproduces_both_toy_sams():
    spec = importlib.util.spec_from_file_location("toy_build", ROOT / "sam" / "toy2r" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for rest_of_world, stored in ((True, examples.toy_sam()), (False, examples.toy_world_sam())):
        built = build.build(rest_of_world=rest_of_world)
        assert built.keys == stored.keys
        np.testing.assert_allclose(built.values, stored.values, rtol=0, atol=1e-12)
    world = examples.toy_world_sam()
    assert world.is_balanced(rtol=0, atol=1e-12)
    assert not any(k.startswith("ROW:") for k in world.keys)


def test_a_world_of_two_countries_trading_only_with_each_other_passes_the_gates():
    m = _world()
    assert check_benchmark(m).passed
    # each country's balance of payments is left to Walras' law; NORTH's currency is the unit
    # of cross-border flows and SOUTH's capital inflow mirrors NORTH's lending
    assert m.walras_names == ["eq_balance_of_payments[N]", "eq_balance_of_payments[S]"]
    assert m.epsilon["N"].fixed and not m.epsilon["S"].fixed
    assert m.Sf["NORTH"].fixed and not m.Sf["SOUTH"].fixed
    # the SAM's capital transfer SOUTH <- NORTH (sam/toy2c/cells.csv)
    assert value(m.Sf["NORTH"]) == pytest.approx(-11.0, abs=1e-12)
    assert value(m.Sf["SOUTH"]) == pytest.approx(11.0, abs=1e-12)


def test_the_transfer_problem_between_two_countries():
    # NORTH lends SOUTH 5 instead of 11. Expected by the balance-of-payments identity of a
    # closed world: SOUTH's inflow mirrors NORTH's outflow exactly. Expected in sign (the
    # orthodox transfer effect with home-biased demand): SOUTH's smaller deficit needs its goods
    # to be cheaper, so its currency depreciates (more SOUTH currency per NORTH currency).
    m = _world()
    m.Sf["NORTH"].fix(-5.0)
    solve(m)
    _balances_hold(m)
    assert value(m.Sf["SOUTH"]) == pytest.approx(5.0, abs=1e-9)
    assert value(m.epsilon["N"]) == 1.0
    assert value(m.epsilon["S"]) > 1.001
    # the borrower consumes less, the lender more
    assert value(m.UU["SOUTH", "hh"]) < 42.947
    assert value(m.UU["NORTH", "hh"]) > 42.328


@pytest.mark.parametrize("mobility", [{}, {"lab": "national", "cap": "specific"}],
                         ids=["factors mobile between sectors", "national labour"])
def test_each_country_has_a_price_level_of_its_own(mobility):
    # Doubling SOUTH's consumer price index alone doubles every SOUTH price and nominal value
    # and SOUTH's exchange rate, and leaves NORTH and every quantity unchanged (the homogeneity
    # of each country's nominal system; the gates double both anchors together). A "national"
    # factor moves between the regions of its country only, at a price in its currency.
    m = _world(factor_mobility=mobility)
    assert check_benchmark(m).passed
    bench = ComponentMap((v, v.value) for v in m.component_data_objects(pyo.Var))
    cpi = m.eq_cpi["S"]
    cpi.set_value(cpi.body == 2.0 * value(m.numeraire_level))
    solve(m)
    south = set(m.REGIONS_OF["S"])
    checked = 0
    for sym in m.symbols.values():
        if sym.kind != "variable":
            continue
        for k, v in getattr(m, sym.name).items():
            keys = k if isinstance(k, tuple) else (k,)
            in_south = "S" in keys or bool(south & set(keys))
            if sym.name == "DS" or sym.name == "Sf":
                factor = 1.0  # shipments are quantities; Sf is in NORTH's currency
            else:
                factor = 2.0 if sym.unit in NOMINAL_UNITS and in_south else 1.0
            assert value(v) == pytest.approx(factor * bench[v], rel=1e-9, abs=1e-12), v.name
            checked += 1
    assert checked > 150
    assert value(m.epsilon["S"]) == pytest.approx(2.0, rel=1e-12)


def test_a_world_without_a_rest_of_the_world_needs_a_price_index_per_country():
    sam = examples.toy_world_sam()
    with pytest.raises(InputError, match="no world prices to tie an exchange rate to"):
        calibrate(sam, EL, ModelConfig(countries=TWO))
    # a price of each country's own anchors it (issue 16 item 5): its wage, a purchaser
    # price or a household's income, or a mix of them and CPIs
    for numeraire in ("factor:*:lab", {"N": "factor:NORTH:lab", "S": "cpi"},
                      {"N": "commodity:NORTH:man", "S": "income:SOUTH:hh"}):
        m = build_model(calibrate(sam, EL, ModelConfig(countries=TWO,
                                                       closure=Closure(numeraire=numeraire))))
        assert check_benchmark(m).passed, numeraire
        assert [c for c in m.C if m.eq_cpi[c].active] == (
            ["S"] if isinstance(numeraire, dict) and numeraire["S"] == "cpi" else [])
    # as one country the same SAM is a closed economy of two regions
    cal = calibrate(sam, EL, ModelConfig(closure=Closure(numeraire="factor:NORTH:lab")))
    assert check_benchmark(build_model(cal)).passed


def test_countries_with_a_rest_of_the_world_may_anchor_their_price_indices():
    # each country's CPI instead of its exchange rate: exchange rates float against the world
    cal = calibrate(examples.toy_sam(), EL,
                    ModelConfig(countries=TWO, closure=Closure(numeraire="cpi")))
    m = build_model(cal)
    assert check_benchmark(m).passed
    assert not any(m.epsilon[c].fixed for c in m.C)
    for k in m.pWm:
        if k[0] == "SOUTH":
            m.pWm[k] = 1.2 * value(m.pWm[k])
    solve(m)
    _balances_hold(m)
    for c in m.C:
        cpi = m.eq_cpi[c]
        assert value(cpi.body) == pytest.approx(1.0, abs=1e-10)


def test_country_configuration_is_checked():
    sam = examples.toy_sam()
    with pytest.raises(InputError, match=r"\(country S\): region 'NORTH' is not a region of "
                       r"the country \(\['SOUTH'\]\)"):
        calibrate(sam, EL, ModelConfig(countries=TWO,
                                       closure=Closure(numeraire="factor:NORTH:lab")))
    with pytest.raises(InputError, match="name each country of the model once"):
        calibrate(sam, EL, ModelConfig(countries=TWO,
                                       closure=Closure(numeraire={"N": "cpi"})))
    with pytest.raises(InputError, match="names no commodity price of this model"):
        build_model(calibrate(sam, EL, ModelConfig(countries=TWO, closure=Closure(
            numeraire={"N": "commodity:NORTH:gold", "S": "cpi"}))))
    with pytest.raises(InputError, match="must belong to exactly one country"):
        calibrate(sam, EL, ModelConfig(countries={"N": ["NORTH"]}))
    with pytest.raises(InputError, match="region 'EAST' is not a model region"):
        calibrate(sam, EL, ModelConfig(countries={"N": ["NORTH", "EAST"], "S": ["SOUTH"]}))


def test_the_two_country_experiment_runs_end_to_end(tmp_path):
    ds = run_experiment(ROOT / "experiments" / "toy_two_countries.toml").results
    assert set(ds["status"].drop_sel(scenario="benchmark").values) == {"ok"}
    lending = ds.sel(scenario="less_lending")
    assert float(lending["Sf"].sel(region="SOUTH")) == pytest.approx(5.0, abs=1e-9)
    assert float(lending["epsilon"].sel(country="S")) > 1.001
    # cheaper shipping between the countries saves real resources: both gain
    assert (ds["EV"].sel(scenario="margins_half") > 0).all()
    # SOUTH's inflow is the mirror of NORTH's lending, so it cannot be shocked on its own
    text = (ROOT / "experiments" / "toy_two_countries.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('where = { region = ["NORTH"] }, set = -5.0',
                                'where = { region = ["SOUTH"] }, set = 5.0').replace(
        '"../', f'"{ROOT.as_posix()}/'), encoding="utf-8")
    with pytest.raises(InputError, match=r"Sf\[SOUTH\] is endogenous"):
        run_experiment(bad)


@pytest.fixture(scope="module")
def closed_world():
    """Three invented regions of the synthetic split of Russia's 2021 SAM with the rest of the
    world taken out and the SAM rebalanced by least squares (the export-tax account then
    has no receipts, so its payment is forced to zero: the case that once made the
    least-squares active set flip forever)."""
    syn = synthetic_sam(*national_flows(), 3, seed=1)
    sam = syn.sam
    keep = [k for k in sam.keys if not k.startswith("ROW:")]
    cut = SAM(sam.accounts.loc[keep], sam.data.sel(row=keep, col=keep), **sam.meta)
    assert not cut.is_balanced()
    return balance(cut, "least-squares").sam, syn.trade_margins


@pytest.mark.parametrize("countries", [{"A": ["R1"], "B": ["R2"], "C": ["R3"]},
                                       {"A": ["R1", "R3"], "B": ["R2"]}],
                         ids=["three countries", "a country of two regions"])
def test_any_number_of_countries_without_a_rest_of_the_world(closed_world, countries):
    sam, margins = closed_world
    closure = Closure(numeraire="cpi", factor_mobility={"lab": "sectors", "cap": "specific"})
    cfg = replace(synthetic_config(closure), countries=countries)
    m = build_model(calibrate(sam, read_elasticities(ROOT / "calibration" /
                                                     "vologda_elasticities.csv"), cfg, margins))
    assert check_benchmark(m).passed
    last = m.REGIONS_OF[m.C[-1]][0]
    assert [r for r in m.R if not m.Sf[r].fixed] == [last]
    # the capital flows of a closed world sum to zero, before and after a shock
    assert sum(value(m.Sf[r]) for r in m.R) == pytest.approx(0.0, abs=1e-9)
    for k in m.tmg:
        m.tmg[k] = 0.5 * value(m.tmg[k])
    solve(m)
    _balances_hold(m)
    assert sum(value(m.Sf[r]) for r in m.R) == pytest.approx(0.0, abs=1e-9)
    assert value(m.epsilon[m.C[0]]) == 1.0
    for c in m.C:
        assert value(m.eq_cpi[c].body) == pytest.approx(1.0, abs=1e-10)


def test_a_duty_between_two_countries():
    # SOUTH levies a 10 % duty on manufactures from NORTH. Expected: the duty revenue is the
    # rate times the landed value in SOUTH's currency (recomputed here from the solution);
    # SOUTH buys fewer NORTH manufactures; both balances of payments still hold; SOUTH's
    # currency appreciates (epsilon_S, SOUTH currency per NORTH currency, falls): the textbook
    # effect of a tariff under a floating exchange rate and fixed capital flows.
    m = _world()
    before = value(m.DS["NORTH", "SOUTH", "man"])
    assert value(m.Tb["SOUTH"]) == 0.0
    m.tb["NORTH", "SOUTH", "man"] = 0.1
    solve(m)
    _balances_hold(m)
    landed = value((1 + m.tmg["NORTH", "SOUTH", "man"]) * m.pd["NORTH", "man"]
                   * m.epsilon["S"] / m.epsilon["N"])
    duty = 0.1 * landed * value(m.DS["NORTH", "SOUTH", "man"])
    assert value(m.Tb["SOUTH"]) == pytest.approx(duty, rel=1e-12)
    assert value(m.Tb["NORTH"]) == pytest.approx(0.0, abs=1e-12)
    assert value(m.DS["NORTH", "SOUTH", "man"]) < 0.9 * before
    assert value(m.epsilon["S"]) < 0.99
    # the duty is nominal: doubling both anchors doubles it and leaves the shipments alone
    shipped = value(m.DS["NORTH", "SOUTH", "man"])
    set_numeraire(m, 2.0)
    solve(m)
    assert value(m.Tb["SOUTH"]) == pytest.approx(2 * duty, rel=1e-9)
    assert value(m.DS["NORTH", "SOUTH", "man"]) == pytest.approx(shipped, rel=1e-9)
