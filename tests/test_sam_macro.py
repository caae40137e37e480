"""Macro identities on the toy SAM, checked against numbers worked out by hand."""

import pytest

from cge.examples import toy_sam
from cge.sam.macro import check_macro, macro_summary


@pytest.fixture(scope="module")
def summary():
    return macro_summary(toy_sam())


def test_north_by_hand(summary):
    north = summary.loc["NORTH"]
    # Output: activity rows of NORTH (own market, SOUTH market, exports):
    # a-agr 49+6+4, a-man 111+30+25, a-ser 106+8+3.
    assert north["output"] == 59 + 166 + 117
    # Intermediate use: commodity rows of NORTH in the activity columns.
    assert north["intermediate_consumption"] == (10 + 20 + 2) + (8 + 40 + 12) + (5 + 15 + 20)
    # Value added = labour 20+40+50 + capital 15+45+30 + production taxes 1+6+3.
    assert north["gva"] == 342 - 132 == 110 + 90 + 10
    assert north["factor_income"] == 200 and north["production_taxes"] == 10
    # Tariffs on agr and man are the only taxes on products.
    assert north["product_taxes"] == 0.5 + 2.5
    assert north["grp_production"] == north["grp_income"] == 213
    # Expenditure: C (hh) 30.5+55.5+41, G 3+25, I 2+35+10,
    # foreign exports 4+25+3, imports 3+25+4, shipments to SOUTH 6+30+8, from SOUTH 12+15+6.
    assert north["consumption"] == 127 and north["government"] == 28
    assert north["investment"] == 47
    assert north["exports_foreign"] == 32 and north["imports_foreign"] == 32
    assert north["exports_interregional"] == 44 and north["imports_interregional"] == 33
    assert north["grp_expenditure"] == pytest.approx(127 + 28 + 47 + (32 - 32) + (44 - 33))


def test_south_by_hand(summary):
    south = summary.loc["SOUTH"]
    # Factor income 30+25+35+25+30+20, production taxes 1+4+2, tariffs 0.4+2.0.
    assert south["grp_income"] == pytest.approx(165 + 7 + 2.4)
    assert south["grp_production"] == pytest.approx(174.4)
    # C 48.4+60+21, G 2+18, I 3+30+10, X 6+10+2, M 2+20+3, Z 12+15+6, W 6+30+8.
    assert south["consumption"] == pytest.approx(129.4)
    assert south["trade_balance_foreign"] == 18 - 25
    assert south["trade_balance_interregional"] == 33 - 44
    assert south["grp_expenditure"] == pytest.approx(129.4 + 20 + 43 - 7 - 11)


def test_interregional_balances_sum_to_zero_and_row_region_is_excluded(summary):
    assert list(summary.index) == ["NORTH", "SOUTH"]
    assert summary["trade_balance_interregional"].sum() == 0


def test_check_macro_flags_disagreement():
    sam = toy_sam()
    assert check_macro(sam) == []
    values = sam.values
    # Household buys 1 more agr in NORTH: expenditure rises, production and income do not.
    values[sam.keys.index("NORTH:c-agr"), sam.keys.index("NORTH:hh")] += 1
    (p,) = check_macro(sam.with_values(values))
    assert p.code == "grp-mismatch" and "region NORTH" in p.message
    assert "by production 213, by income 213, by expenditure 214" in p.message
