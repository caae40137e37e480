"""Account kinds of a social accounting matrix and the rules that go with them.

A SAM records payments: the cell (row, column) is what the *row* account receives from the
*column* account. Each account has a kind; the kind says which payments are meaningful
(``ALLOWED``) and whether they may be negative (``MAY_BE_NEGATIVE``).

Conventions used throughout the framework (activity and commodity accounts are separate):

* activity column: intermediate inputs (commodity rows of its region), factors, production taxes;
* activity row: domestic sales to the commodity account of any region of the same country
  (interregional shipments), exports to the rest of the world;
* commodity column: domestic supply by origin (activity rows), imports (rest-of-world row),
  taxes on products and tariffs (tax rows), trade margins;
* commodity row: intermediate use, household, government and investment demand of its region;
* factor column: income paid to households, enterprises, government or the rest of the world;
* household and government columns: consumption, taxes, transfers, savings;
* savings-investment column: investment demand (commodities), capital transfers to other regions;
* rest-of-world column: exports (activity rows), foreign savings (savings-investment rows),
  transfers.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What an account stands for."""

    ACTIVITY = "activity"
    COMMODITY = "commodity"
    FACTOR = "factor"
    HOUSEHOLD = "household"
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    TAX = "tax"
    SAVINGS_INVESTMENT = "savings_investment"
    REST_OF_WORLD = "rest_of_world"
    TRADE_MARGIN = "trade_margin"


K = Kind
_INSTITUTIONS = {K.HOUSEHOLD, K.ENTERPRISE, K.GOVERNMENT, K.REST_OF_WORLD}

#: (row kind, column kind) pairs that may carry a payment: row receives from column.
ALLOWED: frozenset[tuple[Kind, Kind]] = frozenset(
    {
        (K.ACTIVITY, K.COMMODITY),  # domestic sales (make / interregional shipments)
        (K.ACTIVITY, K.REST_OF_WORLD),  # exports
        (K.ACTIVITY, K.GOVERNMENT),  # production subsidies paid as receipts
        (K.COMMODITY, K.ACTIVITY),  # intermediate use
        (K.COMMODITY, K.HOUSEHOLD),
        (K.COMMODITY, K.GOVERNMENT),
        (K.COMMODITY, K.SAVINGS_INVESTMENT),
        (K.COMMODITY, K.TRADE_MARGIN),  # margin services
        (K.COMMODITY, K.REST_OF_WORLD),  # exports recorded against commodities
        (K.COMMODITY, K.ENTERPRISE),
        (K.FACTOR, K.ACTIVITY),
        (K.FACTOR, K.REST_OF_WORLD),  # factor income from abroad
        (K.TRADE_MARGIN, K.COMMODITY),
        (K.TAX, K.ACTIVITY),
        (K.TAX, K.COMMODITY),
        (K.TAX, K.FACTOR),
        (K.TAX, K.HOUSEHOLD),
        (K.TAX, K.ENTERPRISE),
        (K.TAX, K.REST_OF_WORLD),
        (K.GOVERNMENT, K.TAX),
        (K.REST_OF_WORLD, K.COMMODITY),  # imports
        (K.REST_OF_WORLD, K.ACTIVITY),  # imports recorded against activities
        (K.REST_OF_WORLD, K.FACTOR),  # factor income paid abroad
        (K.SAVINGS_INVESTMENT, K.SAVINGS_INVESTMENT),  # interregional capital flows
    }
    | {(i, K.FACTOR) for i in (K.HOUSEHOLD, K.ENTERPRISE, K.GOVERNMENT)}
    | {(i, j) for i in _INSTITUTIONS for j in _INSTITUTIONS}  # transfers, incl. same kind
    | {(K.SAVINGS_INVESTMENT, j) for j in _INSTITUTIONS}  # savings
    | {(K.TAX, K.GOVERNMENT)}  # taxes paid by one government level to another
    | {(K.HOUSEHOLD, K.TAX)}  # an import quota's rent paid to households (cge.model.quotas)
)

#: Pairs whose payments may be negative: subsidies net of taxes, inventory changes, dissaving,
#: net transfers and net capital flows.
MAY_BE_NEGATIVE: frozenset[tuple[Kind, Kind]] = frozenset(
    {
        (K.TAX, K.ACTIVITY),
        (K.TAX, K.COMMODITY),
        (K.COMMODITY, K.SAVINGS_INVESTMENT),
        (K.SAVINGS_INVESTMENT, K.SAVINGS_INVESTMENT),
        (K.ACTIVITY, K.GOVERNMENT),
    }
    | {(K.SAVINGS_INVESTMENT, j) for j in _INSTITUTIONS}
    | {(i, j) for i in _INSTITUTIONS for j in _INSTITUTIONS}
)


def parse_kind(text: str) -> Kind:
    """Read a kind from text, accepting spaces or hyphens for underscores ("rest of world")."""
    norm = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"savings": K.SAVINGS_INVESTMENT, "investment": K.SAVINGS_INVESTMENT,
               "s_i": K.SAVINGS_INVESTMENT, "row": K.REST_OF_WORLD, "margin": K.TRADE_MARGIN}
    if norm in aliases:
        return aliases[norm]
    return Kind(norm)
