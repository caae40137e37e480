"""Balancing: each method on perturbed SAMs, fixed cells, signs, targets, GRAS with negatives."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.errors import SAMError
from cge.examples import toy_sam
from cge.sam import SAM
from cge.sam.balance import METHODS, balance

TOY = toy_sam()
NONZERO = list(zip(*np.nonzero(TOY.values), strict=True))
# Cells whose row and column have at least three nonzero cells: fixing two of them still
# leaves every account something to adjust.
FIXABLE = [(i, j) for i, j in NONZERO
           if (TOY.values[i] != 0).sum() >= 3 and (TOY.values[:, j] != 0).sum() >= 3]


def perturbed(factors: np.ndarray, sam: SAM = TOY) -> SAM:
    values = sam.values
    values[values != 0] *= factors
    return sam.with_values(values)


def assert_balanced(result, prior: SAM, fixed=(), tol=1e-9):
    out = result.sam
    scale = np.abs(out.row_totals()).max()
    assert np.abs(out.imbalance()).max() <= tol * scale
    assert result.max_imbalance <= tol * scale
    new, old = out.values, prior.values
    assert np.all(new[old == 0] == 0), "zeros stay zero"
    assert np.all(new * old >= 0), "signs kept"
    for r, c in fixed:
        assert out.get(r, c) == prior.get(r, c)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_balances_perturbed_toy(method):
    prior = perturbed(np.random.default_rng(1).uniform(0.85, 1.15, len(NONZERO)))
    assert not prior.is_balanced(rtol=1e-3)
    fixed = [("NORTH:lab", "NORTH:a-agr"), ("SOUTH:c-man", "SOUTH:hh")]
    result = balance(prior, method, fixed=fixed)
    assert_balanced(result, prior, fixed)
    assert result.method == method and result.iterations >= 1
    changes = result.changes
    assert list(changes.columns) == ["row", "col", "old", "new", "change", "relative"]
    assert changes["relative"].abs().is_monotonic_decreasing
    assert ("NORTH:lab", "NORTH:a-agr") not in set(zip(changes["row"], changes["col"],
                                                       strict=True))
    text = result.report(top=3)
    assert method in text and "cell(s) changed" in text


@pytest.mark.parametrize("method", METHODS)
def test_balanced_sam_is_left_almost_alone(method):
    result = balance(TOY, method)
    np.testing.assert_allclose(result.sam.values, TOY.values, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_targets_are_met(method):
    prior = perturbed(np.random.default_rng(2).uniform(0.9, 1.1, len(NONZERO)))
    targets = pd.Series({"NORTH:a-man": 170.0, "SOUTH:hh": 180.0})
    result = balance(prior, method, targets=targets)
    assert_balanced(result, prior)
    rows = result.sam.row_totals()
    assert rows["NORTH:a-man"] == pytest.approx(170.0, rel=1e-9)
    assert rows["SOUTH:hh"] == pytest.approx(180.0, rel=1e-9)


def test_weights_protect_trusted_cells():
    prior = perturbed(np.random.default_rng(3).uniform(0.9, 1.1, len(NONZERO)))
    cell = ("NORTH:hh", "NORTH:lab")
    plain = balance(prior, "least-squares")
    weights = pd.Series([1e6], index=pd.MultiIndex.from_tuples([cell]))
    trusted = balance(prior, "least-squares", weights=weights)
    moved = [abs(r.sam.get(*cell) - prior.get(*cell)) for r in (plain, trusted)]
    assert moved[1] < moved[0] / 100


def _circular_sam(consumption: float) -> SAM:
    """One region: a -> c (20 inputs), f (80); f -> h; h -> c and s (1); s -> c (1).

    Balanced when households consume 79; more leaves c and h out of balance by the excess.
    """
    acc = pd.DataFrame({"region": ["R"] * 5, "account": ["a", "c", "f", "h", "s"],
                        "kind": ["activity", "commodity", "factor", "household",
                                 "savings_investment"]})
    v = np.zeros((5, 5))
    a, c, f, h, s = range(5)
    v[c, a], v[f, a], v[a, c], v[h, f] = 20, 80, 100, 80
    v[c, h], v[s, h], v[c, s] = consumption, 1, 1
    return SAM(acc, v)


def test_least_squares_holds_sign_flipping_cells_at_zero():
    assert _circular_sam(79).is_balanced()
    prior = _circular_sam(85)
    # Savings and investment are the least reliable cells: unconstrained least squares would
    # cut both by 6, to -5. The sign bounds hold them at zero instead.
    weights = np.ones((5, 5))
    weights[1, 4] = weights[4, 3] = 1e-4
    result = balance(prior, "least-squares", weights=weights)
    assert_balanced(result, prior)
    assert result.sam.get("R:c", "R:s") == 0 and result.sam.get("R:s", "R:h") == 0
    assert result.iterations >= 2
    # Same optimum as a general-purpose solver on the 7 cells with bounds.
    from scipy.optimize import minimize

    rows, cols = np.nonzero(prior.values)
    a = prior.values[rows, cols]
    h = weights[rows, cols] / np.abs(a)
    cons = [{"type": "eq", "fun": lambda x, k=k: x[rows == k].sum() - x[cols == k].sum()}
            for k in range(4)]
    ref = minimize(lambda x: 0.5 * np.sum(h * (x - a) ** 2), a, method="SLSQP",
                   bounds=[(0, None)] * len(a), constraints=cons, options={"ftol": 1e-14})
    ours = result.sam.values[rows, cols]
    assert 0.5 * np.sum(h * (ours - a) ** 2) <= ref.fun * (1 + 1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_gras_and_others_with_negative_cells(method):
    # Inventory run-down and a net production subsidy: negative cells that must stay negative.
    values = TOY.values
    k = TOY.keys.index
    values[k("NORTH:c-agr"), k("NORTH:inv")] = -3.0
    values[k("SOUTH:ptax"), k("SOUTH:a-agr")] = -1.5
    prior = perturbed(np.random.default_rng(4).uniform(0.9, 1.1, len(NONZERO)),
                      TOY.with_values(values))
    result = balance(prior, method)
    assert_balanced(result, prior)
    assert result.sam.get("NORTH:c-agr", "NORTH:inv") < 0
    assert result.sam.get("SOUTH:ptax", "SOUTH:a-agr") < 0


def test_infeasible_fixed_cells_are_named():
    prior = perturbed(np.random.default_rng(5).uniform(0.9, 1.1, len(NONZERO)))
    # NORTH:ptax's only payment is to NORTH:gov; fixing it and all of ptax's receipts leaves
    # nothing to balance ptax with.
    fixed = [("NORTH:gov", "NORTH:ptax")] + [("NORTH:ptax", f"NORTH:a-{s}")
                                              for s in ("agr", "man", "ser")]
    for method in METHODS:
        with pytest.raises(SAMError) as err:
            balance(prior, method, fixed=fixed)
        assert "NORTH:ptax" in str(err.value), method


def test_bad_arguments():
    with pytest.raises(SAMError, match="unknown balancing method"):
        balance(TOY, "magic")
    with pytest.raises(SAMError, match="RAS has no weights"):
        balance(TOY, "ras", weights=np.ones((29, 29)))
    with pytest.raises(SAMError, match="unknown account NORTH:nope"):
        balance(TOY, "ras", fixed=[("NORTH:nope", "NORTH:hh")])
    with pytest.raises(SAMError, match="must be positive"):
        balance(TOY, "least-squares", weights=np.zeros((29, 29)))


@st.composite
def perturbations(draw):
    factors = np.array(draw(st.lists(st.floats(0.9, 1.1), min_size=len(NONZERO),
                                     max_size=len(NONZERO))))
    picks = draw(st.lists(st.sampled_from(FIXABLE), max_size=2, unique=True))
    keys = TOY.keys
    return perturbed(factors), [(keys[i], keys[j]) for i, j in picks]


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=perturbations())
def test_property_balanced_fixed_and_signs(method, case):
    prior, fixed = case
    result = balance(prior, method, fixed=fixed)
    assert_balanced(result, prior, fixed)
