"""Regions as countries with currencies of their own (``ModelConfig.countries``)."""

import importlib.util
from pathlib import Path

import pytest
from pyomo.environ import value

from cge import examples
from cge.calibration import calibrate, read_elasticities
from cge.config import Closure, ModelConfig
from cge.errors import InputError
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
TWO = {"N": ["NORTH"], "S": ["SOUTH"]}


def _toy_without_rest_of_world():
    """The toy SAM's build script with no trade, tariffs or savings from the rest of the world:
    NORTH and SOUTH then trade only with each other."""
    spec = importlib.util.spec_from_file_location("toy_build", ROOT / "sam" / "toy2r" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for r in build.REGIONS:
        build.EXPORTS[r] = [0, 0, 0]
        build.IMPORTS[r] = [0, 0, 0]
        build.TARIFF[r] = [0, 0, 0]
    build.FOREIGN_SAVINGS["NORTH"] = 0.0
    sam = build.build()
    keep = [k for k in sam.keys if k != "ROW:row"]
    from cge.sam import SAM

    return SAM(sam.accounts.loc[keep], sam.data.sel(row=keep, col=keep), **sam.meta)


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
        bop = m.eq_balance_of_payments[c]
        assert value(bop.body) == pytest.approx(value(bop.upper), abs=1e-9)


def test_a_world_of_countries_without_a_rest_of_world_is_refused():
    sam = _toy_without_rest_of_world()
    assert sam.is_balanced(rtol=0, atol=1e-12)
    with pytest.raises(InputError, match="several countries need a rest-of-world account"):
        calibrate(sam, EL, ModelConfig(countries=TWO))
    # as one country the same SAM is a closed economy and passes the gates
    cal = calibrate(sam, EL, ModelConfig(closure=Closure(numeraire="factor:NORTH:lab")))
    assert check_benchmark(build_model(cal)).passed


def test_country_configuration_is_checked():
    sam = examples.toy_sam()
    with pytest.raises(InputError, match="each country's exchange rate"):
        calibrate(sam, EL, ModelConfig(countries=TWO, closure=Closure(numeraire="cpi")))
    with pytest.raises(InputError, match="must belong to exactly one country"):
        calibrate(sam, EL, ModelConfig(countries={"N": ["NORTH"]}))
    with pytest.raises(InputError, match="region 'EAST' is not a model region"):
        calibrate(sam, EL, ModelConfig(countries={"N": ["NORTH", "EAST"], "S": ["SOUTH"]}))
