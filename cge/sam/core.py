"""The social accounting matrix (SAM) data model.

A :class:`SAM` is a square, labelled table of payments: the cell (row, column) is what the row
account receives from the column account, so for a balanced SAM every account's row total
(receipts) equals its column total (payments). Accounts are identified by ``(region, account)``
and carry a :class:`~cge.sam.accounts.Kind`. In memory the payments are an
:class:`xarray.DataArray` with dims ``("row", "col")``; each dim is indexed by the account key
``"region:account"`` and carries the non-index coordinates ``*_region``, ``*_account`` and
``*_kind`` so blocks can be selected by label.

A SAM object is immutable in spirit: operations return new SAMs (:meth:`SAM.with_values`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import Location, Problem, SAMError
from cge.sam.accounts import Kind, parse_kind

SEP = ":"
ACCOUNT_COLUMNS = ["region", "account", "kind", "description"]
#: Optional columns of accounts and cells tables giving the file and line each row came from.
FILE, LINE = "_file", "_line"
#: Largest magnitude of a payment: national accounts in any currency stay far below it, while
#: beyond it sums of squares (least-squares balancing, solver norms) overflow double precision.
MAX_VALUE = 1e30


def key(region: str, account: str) -> str:
    """The key of an account: ``"region:account"``."""
    return f"{region}{SEP}{account}"


@dataclass(frozen=True)
class Account:
    """One account of a SAM."""

    region: str
    name: str
    kind: Kind
    description: str = ""

    @property
    def key(self) -> str:
        return key(self.region, self.name)


def accounts_frame(accounts: pd.DataFrame | Iterable[Account], *, file: str | None = None
                   ) -> pd.DataFrame:
    """Normalise an accounts table to columns region, account, kind, description, indexed by key.

    Raises :class:`SAMError` naming every bad row: missing columns, empty names, names containing
    ``":"``, unknown kinds and duplicate accounts. Line numbers count the header as line 1.
    """
    if not isinstance(accounts, pd.DataFrame):
        accounts = pd.DataFrame(
            [(a.region, a.name, str(a.kind), a.description) for a in accounts],
            columns=ACCOUNT_COLUMNS,
        )
    missing = [c for c in ACCOUNT_COLUMNS[:3] if c not in accounts.columns]
    if missing:
        raise SAMError(Problem("accounts-columns",
                               f"accounts table lacks column(s) {missing}; expected "
                               f"{ACCOUNT_COLUMNS}", Location(file=file, line=1)))
    df = accounts.reset_index(drop=True).copy()
    if "description" not in df.columns:
        df["description"] = ""
    # Readers that skip comment or blank lines pass the true line numbers in a LINE column.
    lines = (df[LINE].astype(int).tolist() if LINE in df.columns
             else [i + 2 for i in range(len(df))])
    df = df[ACCOUNT_COLUMNS]
    df["description"] = df["description"].fillna("").astype(str)
    problems: list[Problem] = []
    kinds = []
    for i, row in df.iterrows():
        where = Location(file=file, line=lines[int(i)])
        region, name = row["region"], row["account"]
        for label, value in (("region", region), ("account", name)):
            if pd.isna(value) or str(value).strip() == "":
                problems.append(Problem("empty-label", f"empty {label} name", where))
            elif SEP in str(value):
                problems.append(Problem("bad-label", f"{label} name {value!r} contains "
                                        f"{SEP!r}", where))
        try:
            kinds.append(parse_kind(row["kind"]))
        except ValueError:
            kinds.append(None)
            problems.append(Problem(
                "unknown-kind",
                f"unknown kind {row['kind']!r} for account {region}{SEP}{name}; known kinds: "
                f"{', '.join(k.value for k in Kind)}", where))
    if problems:
        raise SAMError(problems)
    df["region"] = df["region"].astype(str).str.strip()
    df["account"] = df["account"].astype(str).str.strip()
    df["kind"] = [k.value for k in kinds]
    df.index = pd.Index([key(r, a) for r, a in zip(df["region"], df["account"], strict=True)],
                        name="key")
    dup = df.index[df.index.duplicated()]
    if len(dup):
        where = {k: [lines[i] for i in np.flatnonzero(df.index == k)] for k in dup.unique()}
        raise SAMError([Problem("duplicate-account", f"account {k} is declared more than once "
                                f"(lines {v})", Location(file=file, line=v[-1], account=k))
                        for k, v in where.items()])
    return df


class SAM:
    """A social accounting matrix: accounts with kinds and regions, and a square payment table.

    Parameters
    ----------
    accounts:
        Table with columns ``region, account, kind, description`` (or :class:`Account` objects).
        Row and column order of the matrix follow this order.
    values:
        Square array of payments (row receives from column) in account order, or a DataArray
        with dims ``("row", "col")`` indexed by account keys (reordered to the accounts).
    name, units, year, source:
        Metadata kept in the DataArray attrs and written with the SAM.
    """

    def __init__(self, accounts: pd.DataFrame | Iterable[Account],
                 values: np.ndarray | xr.DataArray | None = None, *, name: str = "",
                 units: str = "", year: int | None = None, source: str = ""):
        acc = accounts_frame(accounts)
        keys = list(acc.index)
        n = len(keys)
        if values is None:
            arr = np.zeros((n, n))
        elif isinstance(values, xr.DataArray):
            arr = values.transpose("row", "col").reindex(row=keys, col=keys,
                                                         fill_value=0.0).values.astype(float)
        else:
            arr = np.asarray(values, dtype=float)
            if arr.shape != (n, n):
                raise SAMError(f"values have shape {arr.shape} but there are {n} accounts")
        coords = {"row": keys, "col": keys}
        for dim in ("row", "col"):
            coords[f"{dim}_region"] = (dim, acc["region"].to_numpy())
            coords[f"{dim}_account"] = (dim, acc["account"].to_numpy())
            coords[f"{dim}_kind"] = (dim, acc["kind"].to_numpy())
        self.accounts: pd.DataFrame = acc
        self.data: xr.DataArray = xr.DataArray(
            arr, dims=("row", "col"), coords=coords, name="payments",
            attrs={"name": name, "units": units, "year": year if year is not None else "",
                   "source": source,
                   "description": "payment received by the row account from the column account"},
        )

    # ----------------------------------------------------------------- metadata
    @property
    def name(self) -> str:
        return self.data.attrs["name"]

    @property
    def units(self) -> str:
        return self.data.attrs["units"]

    @property
    def meta(self) -> dict:
        """Name, units, year and source as keyword arguments for a new SAM."""
        year = self.data.attrs.get("year")
        return {"name": self.name, "units": self.units,
                "year": int(year) if year not in ("", None) else None,
                "source": self.data.attrs.get("source", "")}

    @property
    def keys(self) -> list[str]:
        return list(self.accounts.index)

    @property
    def values(self) -> np.ndarray:
        """The payments as a numpy array in account order (a copy)."""
        return self.data.values.copy()

    @property
    def regions(self) -> list[str]:
        """Regions in order of first appearance."""
        return list(dict.fromkeys(self.accounts["region"]))

    def kind(self, account_key: str) -> Kind:
        return Kind(self.accounts.at[account_key, "kind"])

    def accounts_of(self, kind: Kind | str, region: str | None = None) -> list[str]:
        """Keys of the accounts of a kind, optionally in one region."""
        acc = self.accounts
        mask = acc["kind"] == str(parse_kind(kind) if isinstance(kind, str) else kind)
        if region is not None:
            mask &= acc["region"] == region
        return list(acc.index[mask])

    def names_of(self, kind: Kind | str, region: str | None = None) -> list[str]:
        """Account names (without region) of a kind, in order, unique."""
        return list(dict.fromkeys(self.accounts.loc[self.accounts_of(kind, region), "account"]))

    # ----------------------------------------------------------------- values
    def resolve(self, account: str | tuple[str, str]) -> str:
        """Key of an account given as a key or as ``(region, account)``."""
        k = key(*account) if isinstance(account, tuple) else account
        if k not in self.accounts.index:
            raise SAMError(Problem("unknown-account", f"unknown account {k}",
                                   Location(account=k)))
        return k

    def get(self, row: str | tuple[str, str], col: str | tuple[str, str]) -> float:
        """The payment to ``row`` from ``col``."""
        return float(self.data.loc[self.resolve(row), self.resolve(col)])

    def block(self, row_kind: Kind | str | None = None, col_kind: Kind | str | None = None, *,
              row_region: str | None = None, col_region: str | None = None) -> xr.DataArray:
        """The sub-table of payments between accounts of given kinds and regions."""
        da = self.data
        for dim, kind, region in (("row", row_kind, row_region), ("col", col_kind, col_region)):
            mask = np.ones(da.sizes[dim], dtype=bool)
            if kind is not None:
                mask &= da[f"{dim}_kind"].values == str(parse_kind(str(kind)))
            if region is not None:
                mask &= da[f"{dim}_region"].values == region
            da = da.isel({dim: mask})
        return da

    def row_totals(self) -> pd.Series:
        """Receipts of each account."""
        return pd.Series(self.data.values.sum(axis=1), index=self.keys, name="receipts")

    def col_totals(self) -> pd.Series:
        """Payments of each account."""
        return pd.Series(self.data.values.sum(axis=0), index=self.keys, name="payments")

    def imbalance(self) -> pd.Series:
        """Row total minus column total for each account."""
        return (self.row_totals() - self.col_totals()).rename("imbalance")

    def is_balanced(self, rtol: float = 1e-9, atol: float = 1e-9) -> bool:
        """True if every account's receipts equal its payments within tolerance."""
        rows, cols = self.row_totals(), self.col_totals()
        scale = np.maximum(np.abs(rows), np.abs(cols))
        return bool(np.all(np.abs(rows - cols) <= atol + rtol * scale))

    def with_values(self, values: np.ndarray | xr.DataArray) -> SAM:
        """A new SAM with the same accounts and metadata and other payments."""
        return SAM(self.accounts, values, **self.meta)

    # ----------------------------------------------------------------- conversions
    def to_frame(self) -> pd.DataFrame:
        """The matrix as a pandas DataFrame with (region, account) MultiIndex rows and columns."""
        idx = pd.MultiIndex.from_frame(self.accounts[["region", "account"]])
        return pd.DataFrame(self.data.values, index=idx, columns=idx.copy())

    def to_tidy(self) -> pd.DataFrame:
        """One row per nonzero cell: ``row_region,row_account,col_region,col_account,value``."""
        r, c = np.nonzero(self.data.values)
        acc = self.accounts
        return pd.DataFrame({
            "row_region": acc["region"].to_numpy()[r],
            "row_account": acc["account"].to_numpy()[r],
            "col_region": acc["region"].to_numpy()[c],
            "col_account": acc["account"].to_numpy()[c],
            "value": self.data.values[r, c],
        })

    @classmethod
    def from_tidy(cls, cells: pd.DataFrame, accounts: pd.DataFrame | Iterable[Account], *,
                  cells_file: str | None = None, accounts_file: str | None = None,
                  first_line: int = 2, **meta) -> SAM:
        """Build a SAM from tidy cells and an accounts table.

        Every bad cell is reported with its file and line: unknown accounts, non-numeric, NaN or
        infinite values, and cells given more than once. Lines count from ``first_line`` unless
        the table has ``_line`` (and ``_file``) columns saying where each cell came from.
        """
        acc = accounts_frame(accounts, file=accounts_file)
        cols = ["row_region", "row_account", "col_region", "col_account", "value"]
        missing = [c for c in cols if c not in cells.columns]
        if missing:
            raise SAMError(Problem("cells-columns", f"cells table lacks column(s) {missing}; "
                                   f"expected {cols}", Location(file=cells_file, line=1)))
        index = {k: i for i, k in enumerate(acc.index)}
        n = len(index)
        arr = np.zeros((n, n))
        seen: dict[tuple[int, int], tuple[str | None, int]] = {}
        problems: list[Problem] = []
        values = pd.to_numeric(cells["value"], errors="coerce").to_numpy(dtype=float)
        labels = cells[cols[:4]].astype(str).apply(lambda s: s.str.strip()).to_numpy()
        lines = (cells[LINE].astype(int).tolist() if LINE in cells.columns
                 else list(range(first_line, first_line + len(cells))))
        files = cells[FILE].tolist() if FILE in cells.columns else [cells_file] * len(cells)
        for pos, ((rr, ra, cr, ca), v) in enumerate(zip(labels, values, strict=True)):
            line, file = lines[pos], files[pos]
            rk, ck = key(rr, ra), key(cr, ca)
            where = Location(file=file, line=line, cell=(rk, ck))
            for k in (rk, ck):
                if k not in index:
                    problems.append(Problem("unknown-account", f"account {k} is not in the "
                                            f"accounts table", where))
            raw = cells["value"].iloc[pos]
            if not np.isfinite(v):
                problems.append(Problem("bad-value", f"value {raw!r} is not a finite number",
                                        where))
            elif abs(v) > MAX_VALUE:
                problems.append(Problem("bad-value", f"value {raw!r} exceeds {MAX_VALUE:g} in "
                                        "magnitude: give the SAM in larger units (e.g. "
                                        "millions)", where))
            if rk not in index or ck not in index or not np.isfinite(v) or abs(v) > MAX_VALUE:
                continue
            ij = (index[rk], index[ck])
            if ij in seen:
                first_file, first = seen[ij]
                at = f"line {first}" if first_file == file else f"{first_file}:{first}"
                problems.append(Problem("duplicate-cell", f"cell given twice (first at {at})",
                                        where))
                continue
            seen[ij] = (file, line)
            arr[ij] = v
        if problems:
            raise SAMError(problems)
        return cls(acc, arr, **meta)

    def __repr__(self) -> str:
        kinds = self.accounts["kind"].value_counts().to_dict()
        return (f"SAM({self.name or 'unnamed'!r}, {len(self.keys)} accounts in "
                f"{len(self.regions)} region(s) {self.regions}, kinds {kinds}, "
                f"total {self.data.values.sum():,.6g} {self.units})")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, SAM) and self.accounts.equals(other.accounts)
                and np.array_equal(self.data.values, other.data.values))

    __hash__ = None  # type: ignore[assignment]


def same_structure(sams: Sequence[SAM]) -> bool:
    """True if all SAMs have the same accounts in the same order."""
    return all(s.accounts.equals(sams[0].accounts) for s in sams[1:])
