"""Household demand trees as data (cge.calibration.households, cge.model.households).

The default tree (one Cobb-Douglas nest over supernumerary consumption) reproduces the
Stone-Geary / Cobb-Douglas block it replaced: EV, CV and utility pinned below were written by
that code (commit 52a74e7). Other trees (a single CES, food / non-food nests, fixed
proportions) pass the gates, demand what their closed forms say, and have EV and CV equal to
differences of an expenditure function computed here independently, by minimising spending.
"""

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.optimize import minimize

from cge import examples
from cge.calibration import calibrate, from_records, read_elasticities, read_nests
from cge.calibration.nests import HOUSEHOLD
from cge.config import ModelConfig
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.model.results import indicators, solution
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
GOODS = ("agr", "man", "ser")

# (scenario, region, household): (EV, CV, UU) from the code before demand trees were data
PINNED = {
    "stdcge_tariff": {
        ("tariff_abolition", "ECO", "HOH"): (1.1449998968939106, 1.1199188151331643,
                                             26.092634381200817),
    },
    "toy_interregional": {
        ("margins_half", "NORTH", "hh"): (1.1872833016754996, 1.18429419793852,
                                          43.99863519267172),
        ("margins_half", "SOUTH", "hh"): (1.4064314934179787, 1.398193702316771,
                                          47.201353089784874),
        ("north_to_south_man", "NORTH", "hh"): (0.5517822385099126, 0.5555709813335186,
                                                43.78050763178899),
        ("north_to_south_man", "SOUTH", "hh"): (1.3477186971694257, 1.3272135301008956,
                                                47.18016664356066),
        ("tariff_cut", "NORTH", "hh"): (0.8532062049803795, 0.8321198281844536,
                                        43.8839675288823),
        ("tariff_cut", "SOUTH", "hh"): (0.6229844332520499, 0.6072595940797163,
                                        46.91864710284029),
        ("project_north_man", "NORTH", "hh"): (2.648434429785328, 2.735900981447465,
                                               44.50015651203511),
        ("project_north_man", "SOUTH", "hh"): (0.3736609633247826, 0.38385456843839433,
                                               46.82867901026833),
    },
}
# the linear expenditure system on the toy SAM, factor endowments +10 %: (UU, EV, CV)
PINNED_LES = {"NORTH": (27.893922753646937, 12.726255777808001, 12.69020852786582),
              "SOUTH": (27.746793420392944, 12.872430996559103, 12.82281511194425)}


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-10 * max(1.0, abs(want))


@pytest.mark.parametrize("name", PINNED)
def test_default_tree_reproduces_the_old_demand(name):
    ds = run_experiment(ROOT / "experiments" / f"{name}.toml").results
    for (scen, r, h), want in PINNED[name].items():
        got = [float(ds[v].sel(scenario=scen, region=r, household=h))
               for v in ("EV", "CV", "UU")]
        assert all(_close(g, w) for g, w in zip(got, want, strict=True)), (scen, r, got, want)


def _les_elasticities():
    rows = [tuple(r) for r in EL.table[["region", "sector", "parameter", "value", "source"]]
            .itertuples(index=False)]
    rows += [("*", "agr", "income_el", 0.6, "test"), ("*", "man", "income_el", 1.0, "test"),
             ("*", "ser", "income_el", 1.3, "test"), ("*", "*", "frisch", -2.0, "test")]
    return from_records(rows)


def _shocked(m):
    """Benchmark solution, then the solution with factor endowments up 10 %."""
    bench = solution(m)
    for k in m.FF:
        m.FF[k] = pyo.value(m.FF[k]) * 1.1
    solve(m)
    return bench, indicators(m, bench)


def test_default_tree_reproduces_the_old_les():
    m = build_model(calibrate(examples.toy_sam(), _les_elasticities(),
                              ModelConfig(household_demand="les")))
    _, ind = _shocked(m)
    for r, (uu, ev, cv) in PINNED_LES.items():
        assert _close(pyo.value(m.UU[r, "hh"]), uu)
        assert _close(float(ind["EV"].sel(region=r, household="hh")), ev)
        assert _close(float(ind["CV"].sel(region=r, household="hh")), cv)


# ------------------------------------------------------------------ other trees, as data

def _rule(nodes: str, region: str = "*", household: str = "*") -> str:
    return (f'[[rule]]\nregion = "{region}"\nhousehold = "{household}"\nsource = "test"\n'
            f"[rule.nodes]\n{nodes}\n")


SINGLE_CES = _rule('utility = { elasticity = 0.5, inputs = ["commodity:*"] }')
FOOD = _rule('utility = { elasticity = 0.3, inputs = ["food", "other"] }\n'
             'food = { elasticity = 1, inputs = ["commodity:agr"] }\n'
             'other = { elasticity = 2, inputs = ["commodity:*"] }')
LEONTIEF = _rule('utility = { elasticity = 0, inputs = ["commodity:*"] }')


def _model(tmp_path, text: str, demand: str = "cobb_douglas"):
    path = tmp_path / "demand.toml"
    path.write_text(text)
    el = _les_elasticities() if demand == "les" else EL
    return build_model(calibrate(examples.toy_sam(), el, ModelConfig(
        household_demand=demand, household_nests=read_nests(path, HOUSEHOLD))))


def _utility(tree, q: dict) -> float:
    """Utility of supernumerary quantities ``q`` from the calibrated tree, by hand."""
    def node(n):
        parts = [(d, q[x] if kind == "commodity" else node(x)) for d, kind, x in tree[n]]
        g, rho = tree.scale[n], tree.rho[n]
        if np.isinf(rho):
            return min(x / d for d, x in parts) * g
        if rho == 0:
            return g * np.prod([x**d for d, x in parts])
        return g * sum(d * x**rho for d, x in parts) ** (1 / rho)
    return node(tree.root)


class _Tree(dict):
    """The calibrated demand tree of one household, read from the model's data."""

    def __init__(self, m, r, h):
        cal = m.cal
        parent = cal.labels("hnest_parent")
        where = cal.labels("commodity_hnest")
        nests = [n for rr, hh, n in m.RHN if (rr, hh) == (r, h)]
        super().__init__({n: [] for n in nests})
        for n in nests:
            if (r, h, n) in parent:
                self[parent[(r, h, n)]].append((pyo.value(m.ah[r, h, n]), "nest", n))
        for i in GOODS:
            self[where[(r, i, h)]].append((pyo.value(m.alpha[r, i, h]), "commodity", i))
        self.root = next(n for n in nests if (r, h, n) not in parent)
        self.scale = {n: pyo.value(m.gh[r, h, n]) for n in nests}
        self.rho = {n: float(cal.data["rho_h"].sel(region=r, household=h, hnest=n))
                    for n in nests}


def _expenditure(tree, p: dict, u: float, start: dict) -> float:
    """Least supernumerary spending at prices ``p`` reaching utility ``u``, numerically (from
    quantities ``start``, in logs to keep them positive)."""
    x0 = np.log([start[i] for i in GOODS])
    res = minimize(lambda x: sum(p[i] * np.exp(v) for i, v in zip(GOODS, x, strict=True)),
                   x0, constraints=[{"type": "eq", "fun": lambda x: np.log(_utility(
                       tree, {i: np.exp(v) for i, v in zip(GOODS, x, strict=True)})
                       / u)}], method="SLSQP", options={"ftol": 1e-12, "maxiter": 1000})
    assert res.success, res.message
    return res.fun


@pytest.mark.parametrize("text", [SINGLE_CES, FOOD], ids=["single_ces", "food_nonfood"])
def test_ces_trees_pass_the_gates_and_ev_is_an_expenditure_difference(tmp_path, text):
    m = _model(tmp_path, text)
    report = check_benchmark(m)
    assert report.passed, report.summary()
    bench, ind = _shocked(m)
    for r in ("NORTH", "SOUTH"):
        tree = _Tree(m, r, "hh")
        q1 = {i: pyo.value(m.Xp[r, i, "hh"] - m.gamma_h[r, i, "hh"]) for i in GOODS}
        u0 = float(bench["UU"].sel(region=r, household="hh"))
        u1 = pyo.value(m.UU[r, "hh"])
        assert _utility(tree, q1) == pytest.approx(u1, rel=1e-10)
        p0 = {i: float(bench["pq"].sel(region=r, commodity=i)) for i in GOODS}
        p1 = {i: pyo.value(m.pq[r, i]) for i in GOODS}
        ev = _expenditure(tree, p0, u1, q1) - _expenditure(tree, p0, u0, q1)
        cv = _expenditure(tree, p1, u1, q1) - _expenditure(tree, p1, u0, q1)
        assert float(ind["EV"].sel(region=r, household="hh")) == pytest.approx(ev, rel=1e-6)
        assert float(ind["CV"].sel(region=r, household="hh")) == pytest.approx(cv, rel=1e-6)
        assert ev > 0 and u1 > u0  # richer in factors: better off, EV has the sign of dU


def test_single_ces_demand_is_the_closed_form(tmp_path):
    m = _model(tmp_path, SINGLE_CES)
    _shocked(m)
    tree = _Tree(m, "NORTH", "hh")
    a = {i: d for d, _, i in tree[tree.root]}
    p = {i: pyo.value(m.pq["NORTH", i]) for i in GOODS}
    spend = sum(p[i] * pyo.value(m.Xp["NORTH", i, "hh"]) for i in GOODS)
    share = sum(a[i] ** 0.5 * p[i] ** 0.5 for i in GOODS)
    for i in GOODS:  # Marshallian demand of a CES with sigma = 0.5
        want = a[i] ** 0.5 * p[i] ** -0.5 * spend / share
        assert pyo.value(m.Xp["NORTH", i, "hh"]) == pytest.approx(want, rel=1e-10)


def test_leontief_and_les_trees(tmp_path):
    m = _model(tmp_path, LEONTIEF)
    assert check_benchmark(m).passed
    bench, ind = _shocked(m)
    x = [pyo.value(m.Xp["NORTH", i, "hh"]) / float(bench["Xp"].sel(
        region="NORTH", commodity=i, household="hh")) for i in GOODS]
    assert max(x) - min(x) < 1e-10 and x[0] > 1  # fixed proportions, more of everything
    m = _model(tmp_path, FOOD, demand="les")  # subsistence at the leaves of a nested tree
    assert check_benchmark(m).passed
    assert float(m.cal.data["gamma_h"].sum()) > 0


def test_zero_shock_has_zero_ev(tmp_path):
    m = _model(tmp_path, FOOD)
    bench = solution(m)
    solve(m)
    ind = indicators(m, bench)
    assert float(abs(ind["EV"]).max()) < 1e-9 and float(abs(ind["CV"]).max()) < 1e-9


def test_experiment_names_a_demand_file(tmp_path):
    (tmp_path / "demand.toml").write_text(SINGLE_CES)
    text = (ROOT / "experiments" / "toy_interregional.toml").read_text()
    head, _, _ = text.partition("[[scenario]]")
    head = head.replace('"../', f'"{ROOT}/').replace(
        "[model.closure]", 'household_nests = "demand.toml"\n\n[model.closure]')
    exp = tmp_path / "exp.toml"
    exp.write_text(head + '[[scenario]]\nname = "tariff_cut"\nshocks = [ { parameter = '
                   '"taum", multiply = 0.5 } ]\n')
    res = run_experiment(exp)
    assert len(res.results.attrs["household_nests_sha256"]) == 64
    assert float(res.results["EV"].sel(scenario="tariff_cut").sum()) > 0


BAD = {
    "unknown node": (_rule('utility = { elasticity = 1, inputs = ["fod", "commodity:*"] }'),
                     ["node 'utility'", "unknown input 'fod'", "commodity:NAME"]),
    "factor leaf": (_rule('utility = { elasticity = 1, inputs = ["factor:lab", '
                          '"commodity:*"] }'), ["node 'utility'", "unknown input 'factor:lab'"]),
    "parameter": (_rule('utility = { elasticity = "sigma_va", inputs = ["commodity:*"] }'),
                  ["node 'utility'", "give a number"]),
    "unknown commodity": (_rule('utility = { elasticity = 1, inputs = ["commodity:fish", '
                                '"commodity:*"] }'), ["node 'utility'", "commodity 'fish'"]),
    "unknown household": (_rule('utility = { elasticity = 1, inputs = ["commodity:*"] }',
                                household="rich"), ["household 'rich'"]),
    "no place for a good": (_rule('utility = { elasticity = 1, inputs = ["commodity:agr"] }'),
                            ["household NORTH:hh", "commodity(s) ['man', 'ser']"]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_demand_files_are_named(case, tmp_path):
    text, needles = BAD[case]
    with pytest.raises(InputError) as err:
        _model(tmp_path, text)
    msg = str(err.value)
    for needle in [str(tmp_path / "demand.toml"), "rule 1 (region *, household", *needles]:
        assert needle in msg, (needle, msg)
