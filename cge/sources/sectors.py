"""Aggregating IO products into model sectors by a mapping file.

A mapping file is a CSV with columns ``from`` (product number of the IO tables), ``to`` (sector)
and a free description column; lines starting with ``#`` are comments. A sectors file lists the
sectors in model order with ``sector``, ``okved_section`` and ``description``.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.sources.rosstat import IOTables


def _read_rows(file: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a commented CSV with their line numbers in the file (header counts)."""
    if not file.exists():
        raise InputError(Problem("missing-file", "file not found", Location(file=str(file))))
    lines = file.read_text(encoding="utf-8").splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InputError(Problem("empty", "no header line", Location(file=str(file))))
    reader = csv.reader(line for _, line in numbered)
    header = [h.strip() for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}; found {header}",
                                 Location(file=str(file), line=numbered[0][0])))
    return [(n, dict(zip(header, (v.strip() for v in values), strict=False)))
            for (n, _), values in zip(numbered[1:], reader, strict=True)]


def read_sectors(file: str | Path) -> pd.DataFrame:
    """Sectors in model order, indexed by ``sector``, with ``okved_section``, ``tradable``
    (bool: ``yes``/``no``) and ``description``."""
    file = Path(file)
    rows = _read_rows(file, ["sector", "okved_section", "tradable", "description"])
    seen: dict[str, int] = {}
    problems = []
    for line, r in rows:
        if not r["sector"]:
            problems.append(Problem("empty-label", "empty sector name",
                                    Location(file=str(file), line=line)))
        elif r["sector"] in seen:
            problems.append(Problem("duplicate", f"sector {r['sector']!r} already on line "
                                    f"{seen[r['sector']]}", Location(file=str(file), line=line)))
        seen.setdefault(r["sector"], line)
        if r["tradable"] not in ("yes", "no"):
            problems.append(Problem("bad-value", f"tradable must be yes or no, not "
                                    f"{r['tradable']!r}", Location(file=str(file), line=line)))
    if problems:
        raise InputError(problems)
    df = pd.DataFrame([r for _, r in rows]).set_index("sector")
    df["tradable"] = df["tradable"] == "yes"
    return df[["okved_section", "tradable", "description"]]


def read_sector_map(file: str | Path, products: pd.Index, sectors: pd.Index | None = None
                    ) -> pd.Series:
    """Product -> sector map; every product of ``products`` must be mapped exactly once.

    Errors name the file line: unknown products, products mapped twice, empty or unknown
    sectors (when ``sectors`` is given), and products not mapped at all.
    """
    file = Path(file)
    rows = _read_rows(file, ["from", "to"])
    known = set(products)
    where: dict[str, int] = {}
    problems: list[Problem] = []
    mapping: dict[str, str] = {}
    for line, r in rows:
        loc = Location(file=str(file), line=line)
        src, dst = r["from"], r["to"]
        if src not in known:
            problems.append(Problem("unknown-product", f"product {src!r} is not in the IO "
                                    "tables", loc))
        elif src in where:
            problems.append(Problem("mapped-twice", f"product {src!r} is already mapped on line "
                                    f"{where[src]}", loc))
        elif not dst:
            problems.append(Problem("empty-label", f"product {src!r} has no sector", loc))
        elif sectors is not None and dst not in sectors:
            problems.append(Problem("unknown-sector", f"product {src!r} is mapped to unknown "
                                    f"sector {dst!r}", loc))
        else:
            where[src] = line
            mapping[src] = dst
    for p in products:
        if p not in where and not any(r["from"] == p for _, r in rows):
            problems.append(Problem("unmapped", f"product {p!r} is not mapped to any sector",
                                    Location(file=str(file))))
    if problems:
        raise InputError(problems)
    return pd.Series([mapping[p] for p in products], index=products, name="sector")


def aggregate_io(t: IOTables, mapping: pd.Series, sectors: pd.DataFrame) -> IOTables:
    """Sum the IO tables over products into sectors (order and descriptions of ``sectors``)."""
    order = list(sectors.index)
    unused = [s for s in order if s not in set(mapping)]
    if unused:
        raise InputError(Problem("empty-sector", f"sector(s) {unused} receive no product"))
    finals = list(t.final_total.columns)

    def rows(df: pd.DataFrame) -> pd.DataFrame:
        return df.groupby(mapping.reindex(df.index)).sum().reindex(order).rename_axis("product")

    def cols(df: pd.DataFrame) -> pd.DataFrame:
        keys = [mapping.get(c, c) for c in df.columns]
        out = df.T.groupby(pd.Index(keys), sort=False).sum().T
        return out[[*order, *[c for c in out.columns if c not in order]]].rename_axis(
            columns=df.columns.name)

    agg = {name: cols(rows(getattr(t, name))) for name in ("z_total", "z_domestic", "z_imported")}
    fin = {name: rows(getattr(t, name))[finals]
           for name in ("final_total", "final_domestic", "final_imported")}
    products = pd.DataFrame({"okpd2": [" + ".join(t.products.loc[mapping.index[mapping == s],
                                                                   "okpd2"]) for s in order],
                             "name": sectors["description"].reindex(order).to_numpy()},
                            index=pd.Index(order, name="product"))
    return replace(t, products=products, **agg, **fin, adjustments=cols(t.adjustments),
                   value_added=cols(t.value_added),
                   imports=t.imports.groupby(mapping).sum().reindex(order).rename_axis("product"))
