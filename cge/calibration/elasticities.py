"""Elasticity files: ``region,sector,parameter,value,source`` with ``*`` as a wildcard.

A row with region ``*`` or sector ``*`` is a default; the most specific row wins (exact region
and sector, then exact sector, then exact region, then both wildcards). Every value must state
its source. Known parameters:

========== =========================================================== ===================
parameter  meaning                                                     enters
========== =========================================================== ===================
sigma_va   substitution between factors in value added (1 = Cobb-Douglas, 0 = Leontief)
                                                                       production.py
psi_cet    transformation between domestic sales and exports           transformation.py
sigma_arm  Armington substitution between imports and domestic goods   trade.py
sigma_dom  substitution between domestic goods of different regions    trade.py
income_el  income elasticity of household demand (LES only)            households.py
frisch     Frisch parameter, -C / (C - sum p gamma), <= -1 (LES only;  households.py
           give it with sector ``*``)
========== =========================================================== ===================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from cge.errors import InputError, Location, Problem

PARAMETERS = {
    "sigma_va": "elasticity of substitution between factors in value added",
    "psi_cet": "elasticity of transformation between domestic sales and exports",
    "sigma_arm": "Armington elasticity between imports and the domestic composite",
    "sigma_dom": "elasticity of substitution between domestic goods of different regions",
    "income_el": "income elasticity of household demand (linear expenditure system)",
    "frisch": "Frisch parameter of the linear expenditure system (<= -1)",
}
COLUMNS = ["region", "sector", "parameter", "value", "source"]


@dataclass(frozen=True)
class Elasticities:
    """A table of elasticities with wildcard defaults; ``get`` resolves one value."""

    table: pd.DataFrame
    file: str = "<memory>"

    @cached_property
    def _lookup(self) -> dict[tuple[str, str, str], float]:
        """``(parameter, region, sector) -> value``, first row winning: calibration asks for
        every region and sector, and filtering the table each time costs seconds at 85 regions."""
        out: dict[tuple[str, str, str], float] = {}
        t = self.table
        for p, r, s, v in zip(t["parameter"], t["region"], t["sector"], t["value"], strict=True):
            out.setdefault((p, r, s), float(v))
        return out

    def get(self, parameter: str, region: str, sector: str) -> float:
        for r, s in ((region, sector), ("*", sector), (region, "*"), ("*", "*")):
            hit = self._lookup.get((parameter, r, s))
            if hit is not None:
                return hit
        raise InputError(Problem(
            "missing-elasticity",
            f"no value of {parameter} for region {region!r}, sector {sector!r} (and no '*' "
            "default): add a row to the elasticity file", Location(file=self.file)))


def from_records(records: list[tuple[str, str, str, float, str]]) -> Elasticities:
    """Elasticities from ``(region, sector, parameter, value, source)`` tuples."""
    return _validated(pd.DataFrame(records, columns=COLUMNS), "<memory>")


def read_elasticities(path: str | Path) -> Elasticities:
    """Read and validate an elasticity CSV, naming file and line of every bad row."""
    path = Path(path)
    if not path.exists():
        raise InputError(Problem("missing-file", "elasticity file not found",
                                 Location(file=str(path))))
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#",
                     skipinitialspace=True)
    df.columns = [c.strip() for c in df.columns]
    return _validated(df, str(path))


def _validated(df: pd.DataFrame, file: str) -> Elasticities:
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}; expected {COLUMNS}",
                                 Location(file=file, line=1)))
    df = df[COLUMNS].copy()
    problems = []
    values = pd.to_numeric(df["value"], errors="coerce")
    for i, row in df.iterrows():
        where = Location(file=file, line=int(i) + 2)
        if row["parameter"] not in PARAMETERS:
            problems.append(Problem("unknown-parameter", f"unknown parameter "
                                    f"{row['parameter']!r}; known: {sorted(PARAMETERS)}", where))
        v = values.iloc[i]
        if row["parameter"] == "frisch":
            if pd.isna(v) or v > -1:
                problems.append(Problem("bad-value", f"Frisch parameter {row['value']!r} must be "
                                        "a number <= -1 (minus total over supernumerary "
                                        "spending)", where))
        elif pd.isna(v) or v < 0:
            problems.append(Problem("bad-value", f"value {row['value']!r} is not a non-negative "
                                    "number", where))
        if str(row["source"]).strip() == "":
            problems.append(Problem("no-source", "every elasticity needs a source or a stated "
                                    "reason", where))
    df["value"] = values
    key = df[["region", "sector", "parameter"]].astype(str).agg("|".join, axis=1)
    for k in key[key.duplicated()].unique():
        lines = [int(i) + 2 for i in df.index[key == k]]
        problems.append(Problem("duplicate", f"{k.replace('|', ', ')} given on lines {lines}",
                                Location(file=file, line=lines[-1])))
    if problems:
        raise InputError(problems)
    return Elasticities(df.reset_index(drop=True), file)
