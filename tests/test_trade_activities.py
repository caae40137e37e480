"""Trade activities (cge.model.trade_activities): Markusen's two-country Heckscher-Ohlin model
M49 with tariffs, reproduced from data through experiments/markusen_m49.toml.

Expected values: the PATH solutions printed in julia-mpsge/MPSGE.jl
examples/Markusen_Examples/Chapter_04/M49.ipynb (commit ff9113f6, 6 significant digits;
sam/markusen_m49/SOURCES.md), with H's income fixed at 212.5. Activity levels are relative to
the benchmark (XHH = output of X in H / 150, XHF = shipments of X from H to F / 50, WH =
welfare of H); prices are scaled to H's income of 212.5; "margin" is the loss per unit of an
idle trade activity (50.1 units bought at the origin's price less 50 sold in the destination).
Tolerances are half a unit in the last printed digit. Independently of the publication: the two
MCP routes agree to 1e-8, and the idle routes stay idle (no pair switched regime).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import xarray as xr

from cge.calibration import calibrate
from cge.cli import main
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import experiment_inputs
from cge.experiments.spec import load_experiment
from cge.model import build_model
from cge.model.trade import delivered_price
from cge.solvers import solve
from cge.solvers.mcp import regimes

ROOT = Path(__file__).resolve().parents[1]
M49 = ROOT / "experiments" / "markusen_m49.toml"

# M49.ipynb, df1 (TARH = 0.25) and df2 (TARH = TARF = 0.25): value (and margin where printed)
PUBLISHED = {
    "tariff_H": {"YHH": 1.18922, "WH": 1.0152, "WF": 0.976255, "XFF": 1.19183,
                 "YFF": 0.932377, "XHH": 0.933349, "PWF": 0.936097, "PXF": 0.990196,
                 "PLH": 0.954299, "CONSF": 182.774, "XFH": 0.0, "YHF": 0.0, "YFH": 0.731782,
                 "XHF": 0.654006, "margin XFH": 0.0990196, "margin YHF": 11.1725},
    "tariffs_both": {"YHH": 1.36717, "WH": 0.983115, "WF": 0.983115, "XFF": 1.36717,
                     "YFF": 0.863264, "XHH": 0.863264, "PWF": 1.08075, "PXF": 1.20831,
                     "PLH": 0.897359, "CONSF": 212.5, "XFH": 0.0, "YHF": 0.0,
                     "YFH": 0.391478, "XHF": 0.391478, "margin XFH": 12.204,
                     "margin YHF": 12.204},
}


def _half_unit(value: float) -> float:
    """Half a unit in the last of the 6 significant digits printed (at least 1e-9)."""
    if value == 0:
        return 1e-9
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 5)


def _m49(d, base) -> dict[str, float]:
    """M49's names from a scenario's results (``base``: the benchmark's), prices scaled to H's
    income of 212.5."""
    scale = 212.5 / float(d["YH"].sel(region="H", household="CONS"))

    def ship(o, dest, i):
        return float(d["DS"].sel(origin=o, destination=dest, commodity=i))

    def price(name, r, i):
        return float(d[name].sel(region=r, commodity=i)) if name == "pdd" else float(
            d[name].sel(region=r, sector=i))

    return {
        "XHH": float(d["Z"].sel(region="H", sector="X")) / 150,
        "YHH": float(d["Z"].sel(region="H", sector="Y")) / 50,
        "XFF": float(d["Z"].sel(region="F", sector="X")) / 50,
        "YFF": float(d["Z"].sel(region="F", sector="Y")) / 150,
        "XHF": ship("H", "F", "X") / 50, "YFH": ship("F", "H", "Y") / 50,
        "XFH": ship("F", "H", "X") / 50, "YHF": ship("H", "F", "Y") / 50,
        "WH": float(d["UU"].sel(region="H", household="CONS") / base["UU"].sel(
            region="H", household="CONS")),
        "WF": float(d["UU"].sel(region="F", household="CONS") / base["UU"].sel(
            region="F", household="CONS")),
        "CONSF": float(d["YH"].sel(region="F", household="CONS")) * scale,
        "PXF": price("pdd", "F", "X") * scale,
        # M49's welfare unit is one benchmark unit of income: UU0 / YH0 of ours
        "PWF": float(d["pU"].sel(region="F", household="CONS")
                     * base["UU"].sel(region="F", household="CONS")
                     / base["YH"].sel(region="F", household="CONS")) * scale,
        "PLH": float(d["pf"].sel(region="H", factor="LAB", sector="X")) * scale,
        "margin XFH": (50.1 * price("pd", "F", "X") - 50 * price("pdd", "H", "X")) * scale,
        "margin YHF": (50.1 * price("pd", "H", "Y") - 50 * price("pdd", "F", "Y")) * scale,
    }


def test_m49_reproduces_the_published_solutions():
    ds = run_experiment(M49).results
    assert list(ds["status"].values) == ["benchmark", "ok", "ok"]
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
    assert list(ds["switched"].values) == ["", "", ""]  # the idle routes stay idle
    for scenario, published in PUBLISHED.items():
        ours = _m49(ds.sel(scenario=scenario), ds.sel(scenario="benchmark"))
        for name, value in published.items():
            assert ours[name] == pytest.approx(value, abs=_half_unit(value)), (scenario, name)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_m49_runs_through_cge_run(tmp_path):
    """cge run writes the report of a SAM without governments (no government consumption)."""
    out = tmp_path / "m49"
    assert main(["run", str(M49), "--out", str(out), "--welfare-steps", "0",
                 "--format", "nc,csv"]) == 0
    ds = xr.open_dataset(out / "results.nc")
    assert list(ds["status"].values) == ["benchmark", "ok", "ok"]
    macro = pd.read_csv(out / "tables" / "macro.csv", index_col=0)
    government = macro.loc[[r for r in macro.index if "government consumption" in r]]
    # levels zero; their % changes are 0/0, left empty
    assert len(government) == 2 and (np.nan_to_num(government.to_numpy()) == 0).all()


def _model(tariffs: dict) -> pyo.ConcreteModel:
    exp = load_experiment(M49)
    sam, el, margins = experiment_inputs(exp)
    m = build_model(calibrate(sam, el, config=exp.config, trade_margins=margins))
    for key, rate in tariffs.items():
        m.tb[key] = rate
    return m


def test_m49_routes_agree_and_idle_routes_are_complementary():
    levels = {}
    for route in ("mcp", "mcp-ipopt"):
        m = _model({("F", "H", "Y"): 0.25})
        idle = ["eq_trade_activity[F,H,X] ⟂ DS[F,H,X]", "eq_trade_activity[H,F,Y] ⟂ DS[H,F,Y]"]
        assert regimes(m) == idle  # at the benchmark: the reverse routes carry nothing
        solve(m, route)
        assert regimes(m) == idle
        for o, d, i in m.ODTA:  # zero profit where a route runs, a loss where it does not
            loss = pyo.value(delivered_price(m, o, d, i) - m.pdd[d, i])
            assert loss >= -1e-9 and min(loss, pyo.value(m.DS[o, d, i])) <= 1e-9
        levels[route] = {v.name: v.value for v in m.component_data_objects(pyo.Var)}
    for name, value in levels["mcp"].items():
        assert value == pytest.approx(levels["mcp-ipopt"][name], abs=1e-8), name


def test_a_benchmark_route_cheaper_than_the_market_is_refused():
    from dataclasses import replace

    exp = load_experiment(M49)
    sam, el, margins = experiment_inputs(exp)
    margins = {**margins, ("H", "F", "X"): 0.01}  # an active route that would lose money
    with pytest.raises(InputError, match=r"H>F:X delivers at 1.01 \(ships in the SAM\)"):
        build_model(calibrate(sam, el, config=exp.config, trade_margins=margins))
    with pytest.raises(InputError, match="trade_activities names"):
        build_model(calibrate(sam, el, config=replace(exp.config, trade_activities=("Z",)),
                              trade_margins=margins))
