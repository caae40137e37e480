"""Aggregating a SAM: merging sectors, other accounts and regions.

Aggregation is a summation. With the 0/1 matrix ``P`` (old accounts x new accounts, one 1 per
row) the aggregated payments are ``P^T A P``, so every new account's receipts and payments are
sums of the old ones' and a balanced SAM stays balanced (up to floating-point summation). Kinds
are kept: two accounts of different kinds may not be merged. Payments between two regions that
are merged become payments within the new region.

Account mappings are applied in every region. An entry ``from -> to`` maps

* the account named ``from``, or
* for activities and commodities, a *sector*: an account named ``PREFIX-from`` or
  ``PREFIX_from`` (such as ``a-agr`` and ``c-agr`` for sector ``agr``) becomes ``PREFIX-to``.

Activities and commodities must all be covered when an account mapping is given; other accounts
the mapping does not mention keep their names. A region mapping must cover every region.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cge.errors import Location, Problem, SAMError
from cge.sam.accounts import Kind
from cge.sam.core import SAM, key

_SECTOR_KINDS = (Kind.ACTIVITY.value, Kind.COMMODITY.value)


class MappingTable(dict):
    """A ``from -> to`` mapping that remembers the file and line of each entry."""

    def __init__(self, entries: Mapping[str, str] | None = None, *, file: str | None = None,
                 lines: Mapping[str, int] | None = None):
        super().__init__(entries or {})
        self.file = file
        self.lines = dict(lines or {})

    def where(self, name: str | None = None) -> Location:
        """Where an entry (or, without a name, the whole mapping) was given."""
        return Location(file=self.file, line=self.lines.get(name) if name else None)


def read_mapping(file: str | Path) -> MappingTable:
    """Read a CSV mapping with columns ``from,to`` (header on line 1).

    Raises :class:`SAMError` naming file and line of every empty name and every name mapped
    more than once.
    """
    file = Path(file)
    if not file.exists():
        raise SAMError(Problem("missing-file", "mapping file not found", Location(file=str(file))))
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True,
                         skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SAMError(Problem("unreadable", f"cannot parse CSV: {exc}",
                               Location(file=str(file)))) from exc
    df.columns = [c.strip() for c in df.columns]
    if "from" not in df.columns or "to" not in df.columns:
        raise SAMError(Problem("columns", f"mapping needs columns 'from,to'; found "
                               f"{list(df.columns)}", Location(file=str(file), line=1)))
    entries: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems = []
    for pos, (src, dst) in enumerate(zip(df["from"], df["to"], strict=True)):
        line = pos + 2
        src, dst = src.strip(), dst.strip()
        if not src and not dst:
            continue  # blank line
        where = Location(file=str(file), line=line)
        if not src or not dst:
            problems.append(Problem("empty-label", f"empty {'from' if not src else 'to'} name "
                                    f"in mapping {src!r} -> {dst!r}", where))
            continue
        if src in entries:
            problems.append(Problem("duplicate-mapping", f"{src!r} is mapped twice (first at "
                                    f"line {lines[src]} to {entries[src]!r}, here to {dst!r})",
                                    where))
            continue
        entries[src], lines[src] = dst, line
    if problems:
        raise SAMError(problems)
    return MappingTable(entries, file=str(file), lines=lines)


def _as_table(mapping: Mapping[str, str] | None) -> MappingTable | None:
    if mapping is None or isinstance(mapping, MappingTable):
        return mapping
    return MappingTable(mapping)


def _split_sector(name: str) -> tuple[str, str] | None:
    for sep in ("-", "_"):
        prefix, found, sector = name.partition(sep)
        if found and prefix and sector:
            return prefix + sep, sector
    return None


def _new_account_name(name: str, kind: str, mapping: MappingTable
                      ) -> tuple[str | None, str | None]:
    """The new name of an account and the mapping entry that gave it (None if unmapped)."""
    if name in mapping:
        return mapping[name], name
    if kind in _SECTOR_KINDS:
        split = _split_sector(name)
        if split and split[1] in mapping:
            return split[0] + mapping[split[1]], split[1]
        return None, None
    return name, None


def aggregate(sam: SAM, *, accounts: Mapping[str, str] | None = None,
              regions: Mapping[str, str] | None = None) -> SAM:
    """Merge accounts (in every region) and regions of a SAM by summing their payments.

    ``accounts`` maps account or sector names to new names, ``regions`` maps region names to
    new region names (both may be :class:`MappingTable` from :func:`read_mapping`, whose file
    and lines then appear in error messages). New accounts are ordered by first appearance.
    """
    acc_map, reg_map = _as_table(accounts), _as_table(regions)
    acc = sam.accounts
    problems: list[Problem] = []
    new_keys, new_region, new_name, via = [], [], [], []
    if reg_map is not None:
        for region in sam.regions:
            if region not in reg_map:
                problems.append(Problem("unmapped", f"region {region!r} is not in the region "
                                        "mapping", reg_map.where()))
    for k, row in acc.iterrows():
        region, name, kind = row["region"], row["account"], row["kind"]
        nr = region if reg_map is None else reg_map.get(region, region)
        nn = name
        if acc_map is not None:
            nn, entry = _new_account_name(name, kind, acc_map)
            if nn is None:
                problems.append(Problem("unmapped", f"{kind} {name!r} (or its sector) is not in "
                                        "the account mapping",
                                        Location(file=acc_map.file, account=k)))
                continue
        new_keys.append(key(nr, nn))
        new_region.append(nr)
        new_name.append(nn)
        via.append(entry if acc_map is not None else None)
    for table, used, what in ((acc_map, set(via), "account"),
                              (reg_map, set(acc["region"]), "region")):
        for src in sorted(set(table or ()) - used):
            problems.append(Problem("unused-mapping", f"mapping entry {src!r} -> {table[src]!r} "
                                    f"matches no {what}", table.where(src)))
    if problems:
        raise SAMError(problems)

    old = pd.DataFrame({"key": new_keys, "region": new_region, "account": new_name,
                        "kind": acc["kind"].to_numpy(), "description":
                        acc["description"].to_numpy(), "old": acc.index, "via": via})
    groups = old.groupby("key", sort=False)
    for k, g in groups:
        if g["kind"].nunique() > 1:
            srcs = ", ".join(f"{o} ({kd})" for o, kd in zip(g["old"], g["kind"], strict=True))
            entries = [e for e in dict.fromkeys(g["via"]) if e is not None]
            lines = sorted(acc_map.lines[e] for e in entries if e in acc_map.lines)
            where = Location(file=acc_map.file if acc_map is not None else None,
                             line=lines[0] if lines else None, account=k)
            also = f" (mapping lines {lines})" if len(lines) > 1 else ""
            problems.append(Problem("mixed-kinds", f"mapping merges accounts of different "
                                    f"kinds into {k}: {srcs}{also}", where))
    if problems:
        raise SAMError(problems)
    first = groups.first()
    members = groups["old"].agg(list)
    description = [d if len(members[k]) == 1 else "merged: " + ", ".join(members[k])
                   for k, d in zip(first.index, first["description"], strict=True)]
    new_acc = pd.DataFrame({"region": first["region"], "account": first["account"],
                            "kind": first["kind"], "description": description})
    position = {k: i for i, k in enumerate(first.index)}
    n_old, n_new = len(old), len(position)
    p = sp.csr_matrix((np.ones(n_old), (np.arange(n_old), [position[k] for k in old["key"]])),
                      shape=(n_old, n_new))
    values = np.asarray((p.T @ sp.csr_matrix(sam.data.values) @ p).todense())
    return SAM(new_acc.reset_index(drop=True), values, **sam.meta)
