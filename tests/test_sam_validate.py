"""Validation: every problem code and its message."""

import numpy as np
import pandas as pd
import pytest

from cge.errors import SAMError
from cge.examples import toy_sam
from cge.sam import SAM
from cge.sam.validate import assert_valid, check


@pytest.fixture(scope="module")
def toy() -> SAM:
    return toy_sam()


def _with(sam: SAM, changes: dict[tuple[str, str], float]) -> SAM:
    values = sam.values
    for (r, c), v in changes.items():
        values[sam.keys.index(r), sam.keys.index(c)] = v
    return sam.with_values(values)


def _codes(problems):
    return [p.code for p in problems]


def test_toy_is_clean(toy):
    assert check(toy) == []
    assert_valid(toy)


def test_unbalanced_names_account_totals_and_difference(toy):
    sam = _with(toy, {("NORTH:c-agr", "NORTH:hh"): 30.5 + 0.01})
    problems = check(sam)
    assert _codes(problems) == ["unbalanced", "unbalanced"]
    by_account = {p.where.account: p.message for p in problems}
    # NORTH:c-agr receives 0.01 more; NORTH:hh pays 0.01 more.
    assert "receipts 64.51 != payments 64.5" in by_account["NORTH:c-agr"]
    assert "difference 0.01" in by_account["NORTH:c-agr"]
    assert "difference -0.01" in by_account["NORTH:hh"]


def test_relative_tolerance_is_configurable(toy):
    # 1e-3 is 1.6e-5 of NORTH:c-agr's total 64.5 and 4.9e-6 of NORTH:hh's 205.
    sam = _with(toy, {("NORTH:c-agr", "NORTH:hh"): 30.5 + 1e-3})
    assert len(check(sam)) == 2
    assert check(sam, rtol=1e-4) == []
    (p,) = check(sam, rtol=1e-5)
    assert p.where.account == "NORTH:c-agr" and "rtol 1e-05" in p.message


def test_nan_and_inf(toy):
    sam = _with(toy, {("NORTH:c-agr", "NORTH:hh"): np.nan, ("NORTH:lab", "NORTH:a-agr"): np.inf})
    problems = [p for p in check(sam) if p.code == "nan"]
    assert {p.where.cell for p in problems} == {("NORTH:c-agr", "NORTH:hh"),
                                                ("NORTH:lab", "NORTH:a-agr")}
    assert "not a finite number" in problems[0].message


def test_negative_only_where_allowed(toy):
    # A negative factor payment is an error; negative investment (inventories) is not.
    sam = _with(toy, {("NORTH:lab", "NORTH:a-agr"): -20.0, ("NORTH:c-agr", "NORTH:inv"): -2.0})
    negatives = [p for p in check(sam) if p.code == "negative"]
    assert [p.where.cell for p in negatives] == [("NORTH:lab", "NORTH:a-agr")]
    assert "negative payment -20 from activity to factor" in negatives[0].message


def test_forbidden_kind_pair(toy):
    sam = _with(toy, {("NORTH:lab", "NORTH:c-agr"): 1.0})
    (p,) = [p for p in check(sam) if p.code == "forbidden-flow"]
    assert p.where.cell == ("NORTH:lab", "NORTH:c-agr")
    assert "kind pair (factor, commodity) is not allowed" in p.message
    assert "cell (NORTH:lab, NORTH:c-agr)" in str(p)


@pytest.mark.parametrize("cell, allowed", [
    (("NORTH:c-agr", "SOUTH:a-agr"), False),   # intermediate use across regions
    (("NORTH:lab", "SOUTH:a-agr"), False),     # factor payment across regions
    (("NORTH:a-agr", "SOUTH:c-agr"), True),    # interregional shipment
    (("NORTH:inv", "SOUTH:inv"), True),        # capital transfer
    (("NORTH:hh", "SOUTH:gov"), True),         # transfer between institutions
    (("ROW:row", "SOUTH:c-agr"), True),        # imports
])
def test_cross_region_rules(toy, cell, allowed):
    sam = _with(toy, {cell: 1.0})
    flows = [p for p in check(sam) if p.code == "forbidden-flow"]
    if allowed:
        assert flows == []
    else:
        (p,) = flows
        assert p.where.cell == cell and "may cross regions" in p.message


def test_missing_block(toy):
    acc = toy.accounts
    keep = ~acc.index.isin(["SOUTH:a-ser", "SOUTH:hh", "SOUTH:dtax"])
    sam = SAM(acc[keep], toy.data.sel(row=acc.index[keep], col=acc.index[keep]))
    blocks = [p for p in check(sam) if p.code == "missing-block"]
    messages = [str(p) for p in blocks]
    assert len(blocks) == 2
    assert "region SOUTH has no activity 'a-ser' (present in NORTH)" in messages[0]
    assert "region SOUTH has no household account" in messages[1]


def test_assert_valid_raises_all(toy):
    sam = _with(toy, {("NORTH:lab", "NORTH:c-agr"): -1.0})
    with pytest.raises(SAMError) as err:
        assert_valid(sam)
    codes = _codes(err.value.problems)
    assert codes.count("forbidden-flow") == 1 and codes.count("negative") == 1
    assert codes.count("unbalanced") == 2


def test_rest_of_world_region_needs_no_blocks():
    acc = pd.DataFrame({"region": ["R", "R", "R", "R", "R", "W"],
                        "account": ["a", "c", "f", "h", "s", "w"],
                        "kind": ["activity", "commodity", "factor", "household",
                                 "savings_investment", "rest_of_world"]})
    assert [p for p in check(SAM(acc)) if p.code == "missing-block"] == []
