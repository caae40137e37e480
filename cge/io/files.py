"""Vectors by (region, sector) from CSV files: final-demand shocks, employment, capacities.

Format: columns ``region,sector,value`` (more columns, e.g. ``source``, are ignored); ``#``
starts a comment. Several rows for the same (region, sector) add up (a shock listed by item).
Every bad row is reported with its file and line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.io.table import INDEX_NAMES

COLUMNS = ["region", "sector", "value"]


def read_vector(path: str | Path, index: pd.MultiIndex | None = None) -> pd.Series:
    """A Series on (region, sector) from ``path``; labels are checked against ``index``."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError(Problem("missing-file", "file not found", Location(file=file)))
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    # True line numbers of data rows: the reader skips comments and blank lines.
    lines = [i + 1 for i, line in enumerate(text) if line.split("#", 1)[0].strip()][1:]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                         comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(Problem("unreadable", f"cannot parse CSV: {exc}",
                                 Location(file=file))) from exc
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}; expected {COLUMNS}",
                                 Location(file=file, line=1)))
    if len(lines) != len(df):
        lines = list(range(2, len(df) + 2))
    problems = []
    values = pd.to_numeric(df["value"], errors="coerce")
    regions = df["region"].str.strip()
    sectors = df["sector"].str.strip()
    known_regions = set(index.get_level_values("region")) if index is not None else None
    known_sectors = set(index.get_level_values("sector")) if index is not None else None
    for i in range(len(df)):
        where = Location(file=file, line=lines[i])
        if pd.isna(values.iat[i]) or abs(values.iat[i]) == float("inf"):
            problems.append(Problem("bad-value", f"value {df['value'].iat[i]!r} is not a "
                                    "finite number", where))
        if known_regions is not None and regions.iat[i] not in known_regions:
            problems.append(Problem("unknown-region", f"unknown region {regions.iat[i]!r}; "
                                    f"known: {sorted(known_regions)}", where))
        if known_sectors is not None and sectors.iat[i] not in known_sectors:
            problems.append(Problem("unknown-sector", f"unknown sector {sectors.iat[i]!r}; "
                                    f"known: {sorted(known_sectors)}", where))
    if problems:
        raise InputError(problems)
    s = pd.Series(values.to_numpy(dtype=float),
                  index=pd.MultiIndex.from_arrays([regions, sectors], names=INDEX_NAMES))
    return s.groupby(level=INDEX_NAMES, sort=False).sum().rename("value")
