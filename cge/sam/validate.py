"""Checking a SAM: balance, finite values, signs, allowed flows and complete regional blocks.

:func:`check` returns every :class:`~cge.errors.Problem` it finds (an empty list means the SAM is
clean); :func:`assert_valid` raises a :class:`~cge.errors.SAMError` carrying all of them.

Problem codes (stable, for scripts and tests):

``nan``
    a cell is NaN or infinite.
``unbalanced``
    an account's receipts (row total) differ from its payments (column total) by more than
    ``atol + rtol * max(|receipts|, |payments|)``.
``negative``
    a negative cell whose (row kind, column kind) pair is not in
    :data:`~cge.sam.accounts.MAY_BE_NEGATIVE`.
``forbidden-flow``
    a nonzero cell whose kind pair is not in :data:`~cge.sam.accounts.ALLOWED`, or a payment
    between two regions that is not an interregional shipment (activity receives from a
    commodity), a savings-investment flow, a transfer between institutions (households,
    enterprises, governments) or a flow with the rest of the world or with a federal government
    (a government account in a region of its own).
``missing-block``
    a region (other than one holding only rest-of-world or federal-government accounts) lacks an
    activity or commodity that other regions have, or has no factor or household account.

Unknown accounts, unreadable values and duplicate cells cannot reach a :class:`SAM`: they are
reported with file and line when the SAM is read (:mod:`cge.sam.io`).
"""

from __future__ import annotations

import numpy as np

from cge.errors import Location, Problem, SAMError
from cge.sam.accounts import ALLOWED, MAY_BE_NEGATIVE, Kind
from cge.sam.core import SAM

#: Kinds that may pay each other across regions (transfers between institutions).
_CROSS_REGION_INSTITUTIONS = frozenset({Kind.HOUSEHOLD, Kind.ENTERPRISE, Kind.GOVERNMENT})

#: Blocks every region must have at least one account of (savings-investment and government
#: are optional: Hosoe et al.'s SPLCGE has neither).
_REQUIRED_KINDS = (Kind.FACTOR, Kind.HOUSEHOLD)


def national_regions(sam: SAM) -> set[str]:
    """Regions holding only government accounts: a federal (national) government's region."""
    acc = sam.accounts
    return {r for r in sam.regions if (acc.loc[acc["region"] == r, "kind"]
                                       == Kind.GOVERNMENT).all()}


def cross_region_allowed(row_kind: Kind, col_kind: Kind) -> bool:
    """Whether a payment of this kind pair may go between two different regions."""
    if Kind.REST_OF_WORLD in (row_kind, col_kind):
        return True
    if (row_kind, col_kind) in {(Kind.ACTIVITY, Kind.COMMODITY),
                                (Kind.SAVINGS_INVESTMENT, Kind.SAVINGS_INVESTMENT)}:
        return True
    return row_kind in _CROSS_REGION_INSTITUTIONS and col_kind in _CROSS_REGION_INSTITUTIONS


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def _cell_problems(sam: SAM) -> list[Problem]:
    values = sam.data.values
    keys = np.asarray(sam.keys, dtype=object)
    kinds = [Kind(k) for k in sam.accounts["kind"]]
    regions = sam.accounts["region"].to_numpy()
    national = national_regions(sam)
    problems: list[Problem] = []
    bad_r, bad_c = np.nonzero(~np.isfinite(values))
    for i, j in zip(bad_r, bad_c, strict=True):
        problems.append(Problem("nan", f"value {values[i, j]} is not a finite number",
                                Location(cell=(keys[i], keys[j]))))
    rows, cols = np.nonzero(np.isfinite(values) & (values != 0))
    for i, j in zip(rows, cols, strict=True):
        pair = (kinds[i], kinds[j])
        where = Location(cell=(keys[i], keys[j]))
        v = values[i, j]
        if pair not in ALLOWED:
            problems.append(Problem(
                "forbidden-flow",
                f"{pair[0]} {keys[i]} cannot receive a payment from {pair[1]} {keys[j]} "
                f"(value {_fmt(v)}); kind pair ({pair[0]}, {pair[1]}) is not allowed", where))
        elif (regions[i] != regions[j] and not cross_region_allowed(*pair)
              and regions[i] not in national and regions[j] not in national):
            problems.append(Problem(
                "forbidden-flow",
                f"payment of {_fmt(v)} from {pair[1]} in region {regions[j]} to {pair[0]} in "
                f"region {regions[i]}: only interregional shipments (activity <- commodity), "
                "savings-investment flows, transfers between institutions and flows with the "
                "rest of the world or a federal government may cross regions", where))
        if v < 0 and pair not in MAY_BE_NEGATIVE:
            problems.append(Problem(
                "negative", f"negative payment {_fmt(v)} from {pair[1]} to {pair[0]}; only "
                "net taxes, inventory changes, savings, transfers and capital flows may be "
                "negative", where))
    return problems


def _balance_problems(sam: SAM, rtol: float, atol: float) -> list[Problem]:
    rows, cols = sam.row_totals(), sam.col_totals()
    diff = rows - cols
    scale = np.maximum(np.abs(rows), np.abs(cols))
    bad = np.isfinite(diff) & (np.abs(diff) > atol + rtol * scale)
    problems = []
    for k in diff.index[bad]:
        rel = abs(diff[k]) / scale[k] if scale[k] else np.inf
        problems.append(Problem(
            "unbalanced",
            f"receipts {_fmt(rows[k])} != payments {_fmt(cols[k])} (difference "
            f"{_fmt(diff[k])}, relative {rel:.3g} > rtol {rtol:g})", Location(account=k)))
    return problems


def _block_problems(sam: SAM) -> list[Problem]:
    acc = sam.accounts
    national = national_regions(sam)
    domestic = [r for r in sam.regions if r not in national
                and (acc.loc[acc["region"] == r, "kind"] != Kind.REST_OF_WORLD).any()]
    problems = []
    for kind in (Kind.ACTIVITY, Kind.COMMODITY):
        names = {r: set(sam.names_of(kind, r)) for r in domestic}
        everywhere = set().union(*names.values()) if names else set()
        for r in domestic:
            for name in sorted(everywhere - names[r]):
                others = [o for o in domestic if name in names[o]]
                problems.append(Problem(
                    "missing-block", f"region {r} has no {kind} {name!r} (present in "
                    f"{', '.join(others)}); every region needs the same {kind} accounts",
                    Location(account=f"{r}:{name}")))
    for r in domestic:
        for kind in _REQUIRED_KINDS:
            if not sam.accounts_of(kind, r):
                problems.append(Problem("missing-block", f"region {r} has no {kind} account",
                                        Location(account=f"{r}:*")))
    return problems


def check(sam: SAM, *, rtol: float = 1e-6, atol: float = 1e-9) -> list[Problem]:
    """All problems of a SAM: non-finite cells, forbidden flows, bad signs, imbalances, blocks.

    An account is unbalanced if ``|receipts - payments| > atol + rtol * max(|receipts|,
    |payments|)``.
    """
    return _cell_problems(sam) + _balance_problems(sam, rtol, atol) + _block_problems(sam)


def assert_valid(sam: SAM, *, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Raise :class:`SAMError` with every problem :func:`check` finds."""
    problems = check(sam, rtol=rtol, atol=atol)
    if problems:
        raise SAMError(problems)
