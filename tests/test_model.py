"""The multi-region model on the toy SAM: gates under every closure, and clear errors."""

from pathlib import Path

import numpy as np
import pytest
from pyomo.environ import value as pyo_value

from cge import examples
from cge.calibration import calibrate, from_records, read_elasticities
from cge.config import Closure, ModelConfig
from cge.errors import InputError
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.sam import SAM, Kind
from cge.solvers import StructureError, check_square

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")

CLOSURES = [
    Closure(),
    Closure(numeraire="factor:NORTH:lab"),
    Closure(numeraire="cpi", factor_mobility={"lab": "national"},
            investment="investment_driven", government="fixed_consumption"),
    Closure(numeraire="factor:*:lab", factor_mobility={"lab": "national", "cap": "specific"}),
    Closure(numeraire="factor:SOUTH:lab", foreign="fixed_exchange_rate",
            factor_mobility={"cap": "specific"}),
]


@pytest.mark.parametrize("closure", CLOSURES, ids=lambda c: f"{c.numeraire}-{c.foreign}")
def test_toy_gates(closure):
    cal = calibrate(examples.toy_sam(), EL, ModelConfig(closure=closure))
    report = check_benchmark(build_model(cal))
    assert report.passed
    names = [r[0] for r in report.rows]
    assert names == ["degrees of freedom", "benchmark residual", "solve returns SAM",
                     "Walras' law", "homogeneity"]


def test_homogeneity_gate_fails_where_the_prediction_is_wrong():
    """The homogeneity solve starts at the predicted point (nominal values doubled); when that
    point is not the solution, the solve moves away and the gate fails. Here the prediction is
    wrong on purpose: the composite price pq is declared a quantity, so the point keeps it at
    the benchmark while the numeraire doubles; the solution doubles it (toy benchmark pq = 1,
    so the relative gap is 1, against the tolerance 1e-8). The other gates still pass."""
    from dataclasses import replace

    m = build_model(calibrate(examples.toy_sam(), EL))
    m.symbols["pq"] = replace(m.symbols["pq"], unit="quantity")
    report = check_benchmark(m, raise_on_failure=False)
    rows = {name: (measured, ok, detail) for name, measured, _, ok, detail in report.rows}
    measured, ok, detail = rows["homogeneity"]
    assert not ok and measured == pytest.approx(1.0, rel=1e-6)
    assert detail.startswith("largest at pq[")
    assert all(ok for name, (_, ok, _) in rows.items() if name != "homogeneity")


def test_calibration_dataset_has_units_and_descriptions():
    cal = calibrate(examples.toy_sam(), EL)
    for name, da in cal.data.data_vars.items():
        assert da.attrs.get("units"), name
        assert da.attrs.get("description"), name
    # shares of a CES nest sum to one; the benchmark SAM is reproduced by the benchmark arrays
    beta = cal.data["beta"].sum("factor")
    z = cal.data["Z0"] > 0
    np.testing.assert_allclose(beta.where(z, drop=True), 1.0, rtol=1e-12)
    sam = examples.toy_sam()
    assert float(cal.data["X0"].sel(region="NORTH", commodity="man", sector="agr")) == \
        sam.get("NORTH:c-man", "NORTH:a-agr")


def test_every_symbol_documented():
    m = build_model(calibrate(examples.toy_sam(), EL))
    for sym in m.symbols.values():
        assert sym.description and sym.latex, sym.name
        if sym.kind == "equation":
            assert sym.determines, sym.name
            assert sym.determines in m.symbols or sym.determines == "(numeraire)", sym.name


def test_missing_elasticity_is_named():
    el = from_records([("*", "*", "sigma_va", 1.0, "x"), ("*", "*", "psi_cet", 2.0, "x"),
                       ("*", "*", "sigma_arm", 2.0, "x")])
    with pytest.raises(InputError, match="no value of sigma_dom for region 'NORTH'"):
        calibrate(examples.toy_sam(), el)


def test_invalid_closures_are_rejected_with_reason():
    sam = examples.toy_sam()
    with pytest.raises(InputError, match="fixed exchange rate"):
        calibrate(sam, EL, ModelConfig(closure=Closure(foreign="fixed_exchange_rate")))
    with pytest.raises(InputError, match="mobile between regions"):
        calibrate(sam, EL, ModelConfig(closure=Closure(
            numeraire="factor:NORTH:lab", factor_mobility={"lab": "national"})))
    with pytest.raises(InputError, match="sector-specific"):
        calibrate(sam, EL, ModelConfig(closure=Closure(
            numeraire="factor:NORTH:cap", factor_mobility={"cap": "specific"})))
    with pytest.raises(InputError, match="closure.investment"):
        calibrate(sam, EL, ModelConfig(closure=Closure(investment="keynesian")))


def test_non_square_closure_fails_before_solving():
    m = build_model(calibrate(examples.toy_sam(), EL))
    m.epsilon["home"].unfix()  # a numeraire too few
    with pytest.raises(StructureError, match="1 degree of freedom"):
        check_square(m)


def test_sam_missing_an_account_kind():
    sam = examples.toy_sam()
    acc = sam.accounts.copy()
    acc.loc["SOUTH:gov", "kind"] = Kind.ENTERPRISE.value  # balanced, but SOUTH has no government
    with pytest.raises(InputError, match="region SOUTH has tax accounts .* but no government"):
        calibrate(SAM(acc, sam.values, **sam.meta), EL)


def test_unbalanced_sam_is_refused():
    sam = examples.toy_sam()
    v = sam.values
    v[0, 3] += 1.0
    with pytest.raises(InputError, match="receipts - payments"):
        calibrate(sam.with_values(v), EL)


def test_cli_reports_a_bad_walras_choice_without_traceback(tmp_path, capsys):
    from cge.cli import main

    exp = tmp_path / "fail.toml"
    exp.write_text(f"""
[model]
sam = "{ROOT / 'sam/toy2r'}"
elasticities = "{ROOT / 'calibration/toy_elasticities.csv'}"
[model.closure]
numeraire = "exchange_rate"
factor_mobility = {{ lab = "national" }}
walras = "factor:NORTH:lab"
[[scenario]]
name = "s"
shocks = [{{ parameter = "taum", set = 0.0 }}]
""")
    # dropping a regional market that does not exist under national mobility is a closure error
    assert main(["run", str(exp), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "names no market of this model" in err


def test_solver_errors_are_framework_errors():
    from cge.errors import CGEError
    from cge.solvers import SolveError

    # the CLI prints CGEErrors (with the worst equations) and exits 2, never a traceback
    assert issubclass(SolveError, CGEError) and issubclass(StructureError, CGEError)


def _les_elasticities():
    rows = [tuple(r) for r in EL.table[["region", "sector", "parameter", "value", "source"]]
            .itertuples(index=False)]
    rows += [("*", "agr", "income_el", 0.6, "test"), ("*", "man", "income_el", 1.0, "test"),
             ("*", "ser", "income_el", 1.3, "test"), ("*", "*", "frisch", -2.0, "test")]
    return from_records(rows)


def test_linear_expenditure_system():
    from cge.model.results import indicators, solution
    from cge.solvers import solve

    cal = calibrate(examples.toy_sam(), _les_elasticities(),
                    ModelConfig(household_demand="les"))
    d = cal.data
    alpha, sub, xp = d["alpha"], d["gamma_h"], d["Xp0"]
    cons = xp.sum("commodity")
    np.testing.assert_allclose(alpha.sum("commodity"), 1.0, rtol=1e-12)
    # the Frisch parameter is -C / (C - sum gamma): supernumerary spending is half of C here
    np.testing.assert_allclose((cons - sub.sum("commodity")) / cons, 0.5, rtol=1e-12)
    # benchmark income elasticities: beta_i C / x_i = e_i / sum_j e_j w_j, ordered as e_i
    el = (alpha * cons / xp).sel(region="NORTH", household="hh")
    assert float(el.sel(commodity="agr")) < float(el.sel(commodity="man")) < \
        float(el.sel(commodity="ser"))
    m = build_model(cal)
    assert check_benchmark(m).passed
    bench = solution(m)
    for k in m.FF:
        m.FF[k] = pyo_value(m.FF[k]) * 1.1
    solve(m)
    ev = indicators(m, bench)["EV"].sel(region="NORTH", household="hh").item()
    # Stone-Geary expenditure e(p, U) = sum p gamma + U prod (p/alpha)^alpha: EV at benchmark
    # prices (all one) from the utility levels directly
    a = {i: pyo_value(m.alpha["NORTH", i, "hh"]) for i in ("agr", "man", "ser")}
    unit = np.prod([(1 / a[i]) ** a[i] for i in a])
    u0 = float(bench["UU"].sel(region="NORTH", household="hh"))
    assert ev == pytest.approx((pyo_value(m.UU["NORTH", "hh"]) - u0) * unit, rel=1e-12)
    assert ev > 0


def test_les_needs_its_elasticities():
    with pytest.raises(InputError, match="no value of income_el"):
        calibrate(examples.toy_sam(), EL, ModelConfig(household_demand="les"))


def test_fixed_real_wage_with_unemployment():
    from cge.solvers import solve

    cal = calibrate(examples.toy_sam(), EL,
                    ModelConfig(closure=Closure(unemployment={"lab": 0.06})))
    m = build_model(cal)
    assert check_benchmark(m).passed
    employed = cal.nonzero("FF0")[("NORTH", "lab")]
    # labour force = employment / (1 - 0.06); the unemployed are the difference
    assert pyo_value(m.U["NORTH", "lab"]) == pytest.approx(employed / 0.94 - employed,
                                                           rel=1e-12)
    for k in m.taum:
        m.taum[k] = 0.0
    solve(m)
    for r in ("NORTH", "SOUTH"):
        cpi = sum(pyo_value(m.cwr[r, i] * m.pq[r, i]) for i in ("agr", "man", "ser"))
        assert pyo_value(m.pfr[r, "lab"]) == pytest.approx(cpi, rel=1e-10)  # real wage fixed
        used = sum(pyo_value(m.F[r, "lab", i]) for i in ("agr", "man", "ser"))
        assert used + pyo_value(m.U[r, "lab"]) == pytest.approx(pyo_value(m.FF[r, "lab"]),
                                                                rel=1e-10)


def test_unemployment_options_are_checked():
    with pytest.raises(InputError, match="mobile between sectors"):
        calibrate(examples.toy_sam(), EL, ModelConfig(closure=Closure(
            unemployment={"cap": 0.05}, factor_mobility={"cap": "specific"})))
    with pytest.raises(InputError, match=r"a number in \(0, 1\)"):
        calibrate(examples.toy_sam(), EL, ModelConfig(closure=Closure(unemployment={"lab": 0})))
