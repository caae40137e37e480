"""The interregional input-output table: building it from a SAM or from arrays.

An :class:`IOTable` holds, for ``n`` (region, sector) pairs, the flow matrix ``Z`` (n x n,
intermediate deliveries from the row sector to the column sector), final demand ``Y`` (n x k,
columns labelled (region, category)), gross output ``x`` (n), primary inputs ``V`` (rows
labelled by input, e.g. ``lab``, ``cap``, ``ptax``, ``imports``, product taxes) and optional
satellite accounts ``F`` (rows labelled by indicator, e.g. ``employment``). Every matrix is a
:class:`pandas.DataFrame` whose (region, sector) axes are a MultiIndex with level names
``region`` and ``sector``, the layout pymrio uses, so results line up with pymrio's.

The accounting identities are

.. math::

    x = Z\\,i + Y\\,i \\quad\\text{(rows: sales)}, \\qquad
    x' = i'Z + i'V \\quad\\text{(columns: costs)}.

From a SAM (:func:`from_sam`), sectors are the commodities: activity ``a-agr`` of region o
sells commodity ``c-agr`` to the commodity accounts of every region (interregional shipments)
and to the rest of the world (exports). The SAM records what the activity of region d buys from
the composite commodity of region d, not from which region the commodity came, so the flows are
split by origin with the **origin-share assumption**: every use of commodity j in region d
(intermediate or final) draws on each origin o, on imports and on product taxes in the same
proportions as d's total supply of j,

.. math::

    s^{o}_{dj} = \\frac{S_{o \\to d, j}}{T_{dj}},\\qquad
    Z_{(o,j),(r,i)} = \\sum_d s^{o}_{dj}\\, U_{(d,j),(r,i)},

where ``S`` is the activity row of (o, j) in the commodity column of (d, j), ``T`` the column
total of (d, j) (domestic supply by origin + imports + taxes on products) and ``U`` the
commodity row's payment from the activity column. The import and tax shares of each use go to
the ``imports`` and tax rows of ``V``; in the same way final demand is split into ``Y`` and
leakages. This is the multiregional analogue of the import-proportionality assumption used to
build national domestic-use tables; it is exact for the totals (rows and columns of the SAM
still balance) but not for the composition of any one buyer's purchases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cge.errors import Location, Problem, SAMError
from cge.sam.accounts import Kind
from cge.sam.core import SAM

INDEX_NAMES = ["region", "sector"]
FD_NAMES = ["region", "category"]
#: Label of the primary-input row collecting imports from the rest of the world.
IMPORTS = "imports"


@dataclass(frozen=True)
class IOTable:
    """An interregional input-output table (see the module docstring for the identities).

    ``value_added`` names the rows of ``V`` that are value added (factor payments and net
    taxes on production), as opposed to imports and taxes on products. ``W`` (household
    regions x (region, sector)) is the labour income each household receives from each sector,
    ``household_income`` the total income of each household and ``household_demand`` the
    columns of ``Y`` that are household consumption, keyed by household; they are what the
    type II (household-closed) model needs and are ``None`` when the data lack them.
    """

    Z: pd.DataFrame
    Y: pd.DataFrame
    x: pd.Series
    V: pd.DataFrame
    value_added: tuple[str, ...] = ()
    F: pd.DataFrame | None = None
    W: pd.DataFrame | None = None
    household_income: pd.Series | None = None
    household_demand: dict[str, tuple[str, str]] | None = None
    units: str = ""

    @property
    def index(self) -> pd.MultiIndex:
        return self.Z.index

    @property
    def regions(self) -> list[str]:
        return list(dict.fromkeys(self.index.get_level_values("region")))

    @property
    def sectors(self) -> list[str]:
        return list(dict.fromkeys(self.index.get_level_values("sector")))

    @property
    def v(self) -> pd.Series:
        """Value added by (region, sector): the sum of the ``value_added`` rows of ``V``."""
        return self.V.loc[list(self.value_added)].sum().rename("value_added")

    def with_satellites(self, F: pd.DataFrame) -> IOTable:
        """The same table with satellite accounts ``F`` (indicators x (region, sector))."""
        F = F.reindex(columns=self.index, fill_value=0.0).astype(float)
        return IOTable(self.Z, self.Y, self.x, self.V, self.value_added, F, self.W,
                       self.household_income, self.household_demand, self.units)


def region_sector_index(regions: Sequence[str], sectors: Sequence[str]) -> pd.MultiIndex:
    """The (region, sector) MultiIndex, regions outermost."""
    return pd.MultiIndex.from_product([list(regions), list(sectors)], names=INDEX_NAMES)


def from_arrays(Z, Y, x=None, V=None, F=None, *, index: pd.MultiIndex | None = None,
                value_added: Sequence[str] | None = None, units: str = "") -> IOTable:
    """An :class:`IOTable` from flows: ``x = Z i + Y i`` unless ``x`` is given.

    ``Z`` and ``Y`` may be DataFrames (e.g. pymrio's, indexed by (region, sector)) or numpy
    arrays with ``index`` giving the (region, sector) labels. ``V`` defaults to one row
    ``value_added`` closing the columns (``x' - i'Z``); ``value_added`` names the rows of ``V``
    that count as value added (default: all of them).
    """
    if not isinstance(Z, pd.DataFrame):
        if index is None:
            raise ValueError("give index= (a (region, sector) MultiIndex) for array inputs")
        Z = pd.DataFrame(np.asarray(Z, dtype=float), index=index, columns=index)
    index = Z.index.set_names(INDEX_NAMES)
    Z = pd.DataFrame(Z.to_numpy(dtype=float), index=index, columns=index)
    if not isinstance(Y, pd.DataFrame):
        Y = np.asarray(Y, dtype=float).reshape(len(index), -1)
        Y = pd.DataFrame(Y, index=index, columns=pd.MultiIndex.from_tuples(
            [("", f"fd{k}") for k in range(Y.shape[1])], names=FD_NAMES))
    Y = pd.DataFrame(Y.to_numpy(dtype=float), index=index, columns=Y.columns)
    xs = (Z.sum(axis=1) + Y.sum(axis=1) if x is None
          else pd.Series(np.asarray(x, dtype=float).ravel(), index=index))
    xs = xs.rename("x")
    if V is None:
        V = pd.DataFrame([xs.to_numpy() - Z.sum(axis=0).to_numpy()], index=["value_added"],
                         columns=index)
    else:
        V = pd.DataFrame(np.asarray(V, dtype=float), index=getattr(V, "index", None),
                         columns=index)
    if F is not None:
        F = pd.DataFrame(np.asarray(F, dtype=float), index=getattr(F, "index", None),
                         columns=index)
    va = tuple(value_added) if value_added is not None else tuple(V.index)
    return IOTable(Z, Y, xs, V, va, F, units=units)


# --------------------------------------------------------------------------- from a SAM
def _sector_names(sam: SAM, activities: list[str], commodities: list[str],
                  vals: np.ndarray, pos: dict[str, int]) -> dict[str, str]:
    """Map each activity account to the commodity name it sells (one commodity per activity).

    Activities with no sales in the SAM (a sector absent from a region) take the mapping seen
    for the same activity name in another region, else ``a-X`` -> ``c-X`` by name.
    """
    acc = sam.accounts
    com_names = set(acc.loc[commodities, "account"])
    sold: dict[str, set[str]] = {}
    problems = []
    for a in activities:
        names = {acc.at[c, "account"] for c in commodities if vals[pos[a], pos[c]] != 0}
        if len(names) > 1:
            problems.append(Problem(
                "joint-production", f"activity sells several commodities {sorted(names)}; IO "
                "analysis needs one commodity per activity (aggregate the SAM first)",
                Location(account=a)))
        sold[a] = names
    if problems:
        raise SAMError(problems)
    by_name: dict[str, str] = {}
    for a, names in sold.items():
        if names:
            by_name.setdefault(acc.at[a, "account"], next(iter(names)))
    mapping = {}
    for a in activities:
        name = acc.at[a, "account"]
        guess = re.sub(r"^a([-_])", r"c\1", name)
        commodity = by_name.get(name) or (guess if guess in com_names else None)
        if commodity is None:
            raise SAMError(Problem("unmapped-activity", "activity sells nothing and no commodity "
                                   f"named {guess!r} exists", Location(account=a)))
        mapping[a] = commodity
    return mapping


def _sector_label(commodity: str, strip: bool) -> str:
    return commodity[2:] if strip else commodity


def _check_balanced(sam: SAM, accounts: list[str], rtol: float) -> None:
    rows, cols = sam.row_totals(), sam.col_totals()
    scale = max(float(np.abs(rows).max()), 1.0)
    bad = [k for k in accounts if abs(rows[k] - cols[k]) > rtol * scale]
    if bad:
        raise SAMError([Problem("unbalanced", f"receipts {rows[k]:,.6g} != payments "
                                f"{cols[k]:,.6g}; IO analysis needs a balanced SAM (cge sam "
                                "balance)", Location(account=k)) for k in bad])


def default_labour(sam: SAM) -> list[str]:
    """Factor names taken as labour when none are given: those starting with ``lab``."""
    return [f for f in sam.names_of(Kind.FACTOR) if f.lower().startswith("lab")]


def from_sam(sam: SAM, *, labour: Sequence[str] | None = None, rtol: float = 1e-6) -> IOTable:
    """The interregional commodity-by-commodity IO table of a SAM (origin-share assumption).

    Regions are those with activity accounts; sectors are the commodities (labels without the
    ``c-`` prefix when every commodity has one). Final demand columns are the paying accounts
    (household, government, investment of each region; exports under the rest-of-world
    account). ``labour`` names the labour factor accounts whose income, routed to households by
    the factor columns' payment shares, gives the household closure (default
    :func:`default_labour`). Raises :class:`SAMError` for unbalanced activity or commodity
    accounts, joint production, and trade-margin accounts (fold margins into commodities).
    """
    acc = sam.accounts
    vals = sam.data.values
    keys = sam.keys
    pos = {k: i for i, k in enumerate(keys)}
    kinds = acc["kind"].to_numpy()
    if (kinds == Kind.TRADE_MARGIN.value).any():
        raise SAMError(Problem("trade-margins", "IO analysis does not handle trade-margin "
                               "accounts; fold margins into the commodities first",
                               Location(account=acc.index[kinds == Kind.TRADE_MARGIN.value][0])))
    activities = sam.accounts_of(Kind.ACTIVITY)
    commodities = sam.accounts_of(Kind.COMMODITY)
    if not activities or not commodities:
        raise SAMError("IO analysis needs activity and commodity accounts")
    _check_balanced(sam, activities + commodities, rtol)
    to_commodity = _sector_names(sam, activities, commodities, vals, pos)
    com_names = list(dict.fromkeys(acc.loc[commodities, "account"]))
    strip = all(c.startswith("c-") for c in com_names)
    sectors = [_sector_label(c, strip) for c in com_names]
    regions = list(dict.fromkeys(acc.loc[activities + commodities, "region"]))
    index = region_sector_index(regions, sectors)
    n = len(index)
    row_of = {(r, s): i for i, (r, s) in enumerate(index)}

    act_at = {(acc.at[a, "region"], _sector_label(to_commodity[a], strip)): a for a in activities}
    com_at = {(acc.at[c, "region"], _sector_label(acc.at[c, "account"], strip)): c
              for c in commodities}
    act_cols = np.array([pos[act_at[k]] if k in act_at else -1 for k in index])
    has_act = act_cols >= 0

    def activity_payments(row: int) -> np.ndarray:
        out = np.zeros(n)
        out[has_act] = vals[row, act_cols[has_act]]
        return out

    fd_keys = [k for k in keys if kinds[pos[k]] not in (Kind.ACTIVITY.value,
                                                         Kind.COMMODITY.value)]
    fd_used = {k: False for k in fd_keys}
    Zm = np.zeros((n, n))
    Ym = np.zeros((n, len(fd_keys)))
    fd_cols = np.array([pos[k] for k in fd_keys])
    V_rows: dict[str, np.ndarray] = {}
    value_added: list[str] = []

    def add_input(label: str, values: np.ndarray, is_va: bool) -> None:
        V_rows.setdefault(label, np.zeros(n))
        V_rows[label] += values
        if is_va and label not in value_added:
            value_added.append(label)

    problems = []
    for (_d, s), c in com_at.items():
        col = vals[:, pos[c]]
        total = col.sum()
        if total == 0:
            continue
        # Origin shares: the activity rows of commodity s in every region, in d's column.
        share = {}
        for (o, s2), a in act_at.items():
            if s2 == s and col[pos[a]] != 0:
                share[o] = col[pos[a]] / total
        leak: dict[str, float] = {}
        for k in np.flatnonzero(col):
            kind = kinds[k]
            if kind == Kind.REST_OF_WORLD.value:
                leak[IMPORTS] = leak.get(IMPORTS, 0.0) + col[k] / total
            elif kind == Kind.TAX.value:
                name = acc["account"].iat[k]
                leak[name] = leak.get(name, 0.0) + col[k] / total
            elif kind != Kind.ACTIVITY.value:
                problems.append(Problem("unexpected-flow", f"commodity column pays a {kind} "
                                        "account; IO analysis expects only activities, imports "
                                        "and taxes", Location(cell=(keys[k], c))))
        use = activity_payments(pos[c])  # intermediate use of (d, s) by each (region, sector)
        fd = vals[pos[c], fd_cols]
        for o, sh in share.items():
            Zm[row_of[(o, s)]] += sh * use
            Ym[row_of[(o, s)]] += sh * fd
        for label, sh in leak.items():
            add_input(label, sh * use, is_va=False)
        for j in np.flatnonzero(fd):
            fd_used[fd_keys[j]] = True
    if problems:
        raise SAMError(problems)

    # Activity rows: exports (rest-of-world columns) are final demand; receipts from other
    # institutions (production subsidies paid as receipts) are negative primary inputs.
    for (r, s), a in act_at.items():
        i = row_of[(r, s)]
        for j, k in enumerate(fd_keys):
            v = vals[pos[a], pos[k]]
            if v == 0:
                continue
            if kinds[pos[k]] == Kind.REST_OF_WORLD.value:
                Ym[i, j] += v
                fd_used[k] = True
            else:
                sub = np.zeros(n)
                sub[i] = -v
                add_input("subsidies", sub, is_va=True)
    # Activity columns: factors and taxes on production are value added; imports recorded
    # against activities are imports.
    for k in fd_keys:
        row = activity_payments(pos[k])
        if not row.any():
            continue
        if kinds[pos[k]] == Kind.REST_OF_WORLD.value:
            add_input(IMPORTS, row, is_va=False)
        else:
            add_input(acc.at[k, "account"], row, is_va=True)

    used = [k for k in fd_keys if fd_used[k]]
    Y = pd.DataFrame(Ym[:, [fd_keys.index(k) for k in used]], index=index,
                     columns=pd.MultiIndex.from_tuples(
                         [(acc.at[k, "region"], acc.at[k, "account"]) for k in used],
                         names=FD_NAMES))
    Z = pd.DataFrame(Zm, index=index, columns=index)
    x = (Z.sum(axis=1) + Y.sum(axis=1)).rename("x")
    V = pd.DataFrame(V_rows).T.set_axis(index, axis=1)

    labour = list(labour) if labour is not None else default_labour(sam)
    W, income, demand = _households(sam, labour, index, act_at, pos, used)
    return IOTable(Z, Y, x, V, tuple(value_added), None, W, income, demand, sam.units)


def _households(sam: SAM, labour: list[str], index, act_at, pos, fd_used):
    """Labour income of each household by sector, household income and consumption columns."""
    acc = sam.accounts
    vals = sam.data.values
    households = sam.accounts_of(Kind.HOUSEHOLD)
    factors = [f for f in sam.accounts_of(Kind.FACTOR) if acc.at[f, "account"] in labour]
    if not households or not factors:
        return None, None, None
    col_total = vals.sum(axis=0)
    W = pd.DataFrame(0.0, index=households, columns=index)
    for f in factors:
        if col_total[pos[f]] == 0:
            continue
        paid = np.array([vals[pos[f], pos[act_at[k]]] if k in act_at else 0.0 for k in index])
        for h in households:
            W.loc[h] += paid * vals[pos[h], pos[f]] / col_total[pos[f]]
    income = pd.Series({h: vals[pos[h]].sum() for h in households}, name="income")
    demand = {h: (acc.at[h, "region"], acc.at[h, "account"]) for h in households
              if h in fd_used}
    return W, income, demand
