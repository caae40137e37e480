"""Aggregation: balance preserved, kinds kept, mapping errors with file and line."""

import numpy as np
import pytest

from cge.errors import SAMError
from cge.examples import toy_sam
from cge.sam import SAM
from cge.sam.aggregate import aggregate, read_mapping
from cge.sam.validate import check


@pytest.fixture(scope="module")
def toy() -> SAM:
    return toy_sam()


def _integer_sam(toy: SAM) -> SAM:
    # Integer payments make float sums exact, so "exactly balanced" can be tested with ==.
    values = np.round(toy.values * 10)
    sym = values + values.T  # a symmetric matrix is balanced
    return toy.with_values(sym)


def test_sector_and_region_aggregation_preserves_balance_exactly(toy):
    sam = _integer_sam(toy)
    assert (sam.row_totals() == sam.col_totals()).all()
    out = aggregate(sam, accounts={"agr": "prim", "man": "rest", "ser": "rest"},
                    regions={"NORTH": "RUS", "SOUTH": "RUS", "ROW": "ROW"})
    assert (out.row_totals() == out.col_totals()).all()
    assert out.values.sum() == sam.values.sum()
    assert out.keys[:4] == ["RUS:a-prim", "RUS:a-rest", "RUS:c-prim", "RUS:c-rest"]
    assert out.kind("RUS:a-rest") == "activity" and out.kind("RUS:c-prim") == "commodity"


def test_toy_aggregate_is_valid_and_interregional_flows_become_internal(toy):
    out = aggregate(toy, regions={"NORTH": "RUS", "SOUTH": "RUS", "ROW": "ROW"})
    assert check(out, rtol=1e-12) == []
    # a-agr sells to its own and the other region's c-agr: 49 + 6 + 12 + 69.
    assert out.get("RUS:a-agr", "RUS:c-agr") == pytest.approx(49 + 6 + 12 + 69)
    # The interregional capital transfer SOUTH:inv <- NORTH:inv (15) becomes a diagonal cell.
    assert out.get("RUS:inv", "RUS:inv") == pytest.approx(15)


def test_merging_factors_by_full_name(toy):
    out = aggregate(toy, accounts={"agr": "agr", "man": "man", "ser": "ser", "lab": "fac",
                                   "cap": "fac"})
    assert out.get("NORTH:fac", "NORTH:a-man") == 85
    assert out.accounts.loc["NORTH:fac", "description"] == "merged: NORTH:lab, NORTH:cap"
    assert check(out, rtol=1e-12) == []


def _mapping(tmp_path, text, name="map.csv"):
    file = tmp_path / name
    file.write_text(text)
    return file


def test_read_mapping_errors(tmp_path):
    file = _mapping(tmp_path, "from,to\nagr,prim\nman,\n\nagr,other\n, x\n")
    with pytest.raises(SAMError) as err:
        read_mapping(file)
    found = [(p.code, p.where.line) for p in err.value.problems]
    assert found == [("empty-label", 3), ("duplicate-mapping", 5), ("empty-label", 6)]
    assert all(p.where.file == str(file) for p in err.value.problems)
    assert "first at line 2" in str(err.value)
    with pytest.raises(SAMError, match="columns 'from,to'"):
        read_mapping(_mapping(tmp_path, "a,b\nx,y\n"))


def test_unmapped_and_unused_entries(toy, tmp_path):
    sectors = read_mapping(_mapping(tmp_path, "from,to\nagr,prim\nman,sec\nfoo,bar\n"))
    regions = read_mapping(_mapping(tmp_path, "from,to\nNORTH,RUS\n", "regions.csv"))
    with pytest.raises(SAMError) as err:
        aggregate(toy, accounts=sectors, regions=regions)
    text = str(err.value)
    assert "region 'SOUTH' is not in the region mapping" in text
    assert "region 'ROW' is not in the region mapping" in text
    assert "activity 'a-ser' (or its sector) is not in the account mapping" in text
    assert f"{tmp_path / 'map.csv'}:4" in text and "'foo' -> 'bar' matches no account" in text


def test_mapping_accounts_of_different_kinds(toy, tmp_path):
    file = _mapping(tmp_path, "from,to\nagr,agr\nman,man\nser,ser\nlab,hh\n")
    with pytest.raises(SAMError) as err:
        aggregate(toy, accounts=read_mapping(file))
    problems = err.value.problems
    assert [p.code for p in problems] == ["mixed-kinds", "mixed-kinds"]
    assert problems[0].where.line == 5 and problems[0].where.account == "NORTH:hh"
    assert "NORTH:lab (factor), NORTH:hh (household)" in problems[0].message
