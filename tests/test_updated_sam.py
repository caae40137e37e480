"""The updated SAM after a scenario (issue 20 item 2, cge.reporting.updated_sam).

Round trip: the scenario's solution written as a SAM, the model calibrated on that SAM (with the
scenario's trade margins, the experiment's elasticities and configuration) must be the
scenario's solution at its new benchmark: every value flow and every tax and margin rate equal
to 1e-8 relative. The benchmark scenario gives back the original SAM (to 1e-12 of its largest
cell: the same numbers, summed in another order at most), and every SAM balances to 1e-9
relative, the calibration's own tolerance, and passes ``cge sam check``.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from cge import examples
from cge.calibration import calibrate
from cge.cli import main
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import experiment_inputs
from cge.model import build_model, transformation
from cge.reporting.updated_sam import BLOCKS, SamWriter, _Cells, load_solution
from cge.sam.validate import check
from cge.solvers.residuals import max_residual

#: value flows compared: (quantity, price) pairs; each price a model variable
_PAIRS = [("Z", "pz"), ("E", "pe"), ("D", "pd"), ("M", "pm"), ("Q", "pq"), ("DD", "pdd"),
          ("F", "pf"), ("UU", "pU")]
#: flows valued at the composite's purchaser price pq[region, commodity]
_USES = ["X", "Xp", "Xg", "Xgf", "Xv", "Xre"]
#: tax and margin rates that must come back from the SAM
_RATES = ["tauz", "taum", "tq", "taud", "tmg", "tb", "ssp", "ssg"]


def _flows(m: pyo.ConcreteModel) -> dict[tuple, float]:
    """Every value flow of the model at its current point, in its own currency (one country);
    project investment XvP joins investment Xv and its financing foreign savings, as the
    updated SAM writes them."""
    v = pyo.value
    out: dict[tuple, float] = {}
    for name, sym in m.symbols.items():
        if sym.kind == "variable" and sym.unit == "value":
            for k, x in getattr(m, name).items():
                out[(name, k)] = v(x)
    for q, p in _PAIRS:
        for k, x in getattr(m, q).items():
            out[(q, k)] = v(x * getattr(m, p)[k])
    for name in _USES:
        for k, x in getattr(m, name).items():
            out[(name, k)] = v(x * m.pq[k[0], k[1]])
    for (r, i), xp in m.XvP.items():
        if v(xp):
            out[("Xv", (r, i))] = out.get(("Xv", (r, i)), 0.0) + v(xp * m.pq[r, i])
            out[("SAV", m.COUNTRY[r])] += v(xp * m.pq[r, i])
    for o, d, i in m.ODC:
        out[("DS", (o, d, i))] = v((1 + m.tmg[o, d, i]) * transformation.origin_price(m, o, d, i)
                                   * m.DS[o, d, i])
    for r in m.R:
        out[("Sf", r)] = v(m.epsilon[m.COUNTRY[r]] * m.Sf[r]) + sum(
            v(m.pq[rr, i] * m.XvP[rr, i]) for rr, i in m.RQ if rr == r)
    return out


def _rates(m: pyo.ConcreteModel) -> dict[tuple, float]:
    return {(n, k): pyo.value(x) for n in _RATES for k, x in getattr(m, n).items()}


@pytest.fixture(scope="module")
def stdcge():
    """STDCGE's tariff experiment solved, and a writer of its SAMs."""
    res = run_experiment(examples.data_root() / "experiments" / "stdcge_tariff.toml")
    sam, el, _ = experiment_inputs(res.experiment)
    return SamWriter(sam, calibrate(sam, el, res.experiment.config)), res.results


def _round_trip(path: str):
    res = run_experiment(examples.data_root() / "experiments" / path)
    exp, ds = res.experiment, res.results
    sam, el, margins = experiment_inputs(exp)
    cal = calibrate(sam, el, exp.config, trade_margins=margins)
    writer = SamWriter(sam, cal)
    report = {}
    for s in [str(x) for x in ds["scenario"].values]:
        new = writer.sam_of(ds, s)
        assert check(new, rtol=1e-9, atol=1e-9) == [], s
        if s == "benchmark":
            assert np.abs(new.values - sam.values).max() <= 1e-12 * np.abs(sam.values).max()
            continue
        m = writer.m  # holds the scenario's solution
        tmg = {k: pyo.value(x) for k, x in m.tmg.items()}
        cal2 = calibrate(new, el, exp.config, trade_margins=tmg)
        m2 = build_model(cal2)
        assert max_residual(m2) < 1e-8, s  # the new benchmark is an equilibrium
        want, got = _flows(m), _flows(m2)
        assert set(got) == set(want), s
        worst = max(abs(got[k] - want[k]) / max(1.0, abs(want[k])) for k in want)
        rates = _rates(m)
        worst_rate = max(abs(_rates(m2)[k] - rates[k]) for k in rates)
        report[s] = (worst, worst_rate)
        assert worst < 1e-8 and worst_rate < 1e-8, (s, worst, worst_rate)
    return report


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_round_trip_toy_interregional():
    """Margins, a tariff cut and a project financed from abroad (XvP) on the toy SAM."""
    report = _round_trip("toy_interregional.toml")
    assert set(report) == {"margins_half", "north_to_south_man", "tariff_cut",
                           "project_north_man"}


@pytest.mark.slow  # over 10 s here (about 4 min); runs in the CI stage for slow tests
def test_round_trip_flagship():
    """Vologda against the rest of Russia: enterprises, a federal government, transfers to and
    from abroad both ways, the SAM in mln RUB and the model in bln RUB (scale 1000)."""
    report = _round_trip("vologda_trade.toml")
    assert len(report) == 5


def test_round_trip_stdcge_tariff():
    """Tariff abolition in Hosoe et al.'s STDCGE: the updated SAM has no tariff revenue and
    calibrates to taum = 0 with the scenario's flows."""
    report = _round_trip("stdcge_tariff.toml")
    assert set(report) == {"tariff_abolition"}


def test_unmapped_flow_is_refused(stdcge):
    """A tax on household consumption has no cell the calibration would read back as such:
    refused with the instrument's name, not written as a direct tax."""
    writer, ds = stdcge
    load_solution(writer.m, ds, "benchmark")
    writer.m.tc["ECO", "BRD"].set_value(0.1)
    cells = _Cells(writer.m, writer.sam, writer.cal.config, {"ECO": 1.0}, 1.0)
    with pytest.raises(InputError, match=r"household consumption \(tc\)"):
        for block in BLOCKS.values():
            block(cells)


def test_wrong_results_are_refused(stdcge):
    """Results of another experiment are not a solution of this model: named, not written."""
    writer, ds = stdcge
    ds = ds.copy()
    ds["pz"] = ds["pz"] * 1.01
    with pytest.raises(InputError, match="not a solution"):
        writer.sam_of(ds, "tariff_abolition")


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_cli_sam_out(tmp_path, capsys):
    """`cge run --sam-out` writes sams/<scenario>/ inside the results folder, `cge sam check`
    accepts each, and `cge report --sam-out` rewrites them from the saved results (the
    experiment file named by the folder's manifest)."""
    exp = examples.data_root() / "experiments" / "stdcge_tariff.toml"
    out = tmp_path / "run"
    assert main(["run", str(exp), "--out", str(out), "--format", "nc", "--sam-out"]) == 0
    for s in ("benchmark", "tariff_abolition"):
        assert main(["sam", "check", str(out / "sams" / s)]) == 0
    first = (out / "sams" / "tariff_abolition" / "cells.csv").read_bytes()
    assert main(["report", str(out), "--format", "csv", "--sam-out"]) == 0
    assert (out / "sams" / "tariff_abolition" / "cells.csv").read_bytes() == first
    capsys.readouterr()
