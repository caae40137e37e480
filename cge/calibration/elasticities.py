"""Elasticity files: ``region,sector,parameter,value,source`` with ``*`` as a wildcard.

A row with region ``*`` or sector ``*`` is a default; the most specific row wins (exact region
and sector, then exact sector, then exact region, then both wildcards). Every value must state
its source. Elasticities of substitution and transformation lie between 0 (fixed proportions:
Leontief inputs, a fixed export share, fixed import and origin shares) and 1e6; one is
Cobb-Douglas. Known parameters:

========== =========================================================== ===================
parameter  meaning                                                     enters
========== =========================================================== ===================
sigma_va   substitution between factors in value added (1 = Cobb-Douglas, 0 = Leontief)
                                                                       production.py
psi_cet    transformation between domestic sales and exports           transformation.py
psi_dest   transformation between the destinations of domestic sales    transformation.py
           (the home region and each other region or country; optional:
           absent = one price for all destinations)
psi_make   transformation between the products of a multi-product      make.py
           activity (make matrix; 0 = fixed output shares; needed only
           for activities that make two or more commodities)
sigma_make substitution between the activities that make one commodity  make.py
           (optional: absent = perfect substitutes at one price)
sigma_arm  Armington substitution between imports and domestic goods   trade.py
sigma_dom  substitution between domestic goods of different regions    trade.py
income_el  income elasticity of household demand (LES only)            households.py
frisch     Frisch parameter, -C / (C - sum p gamma), <= -1 (LES only;  households.py
           give it with sector ``*``)
eta_exp    price elasticity of foreign demand for the region's exports  rest_of_world.py
           (> 0; optional: absent = the region takes world prices)
eta_imp    price elasticity of foreign supply of the region's imports   rest_of_world.py
           (> 0; optional: absent = the region takes world prices)
========== =========================================================== ===================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cge.csvfile import LINE, read_table
from cge.errors import InputError, Location, Problem

PARAMETERS = {
    "sigma_va": "elasticity of substitution between factors in value added",
    "psi_cet": "elasticity of transformation between domestic sales and exports",
    "psi_dest": "elasticity of transformation between destinations of domestic sales "
                "(optional: without it the region sells to every destination at one price)",
    "psi_make": "elasticity of transformation between the products of a multi-product activity "
                "(MPSGE's t:; 0 = fixed output shares)",
    "sigma_make": "elasticity of substitution between the activities that make one commodity "
                  "(optional: without it their outputs are perfect substitutes at one price)",
    "sigma_arm": "Armington elasticity between imports and the domestic composite",
    "sigma_dom": "elasticity of substitution between domestic goods of different regions",
    "income_el": "income elasticity of household demand (linear expenditure system)",
    "frisch": "Frisch parameter of the linear expenditure system (<= -1)",
    "eta_exp": "price elasticity of the rest of the world's demand for the region's exports "
               "(optional: without it the region takes world prices as given)",
    "eta_imp": "price elasticity of the rest of the world's supply of the region's imports "
               "(optional: without it the region takes world prices as given)",
}
COLUMNS = ["region", "sector", "parameter", "value", "source"]
#: Elasticities of substitution and transformation: 0 is fixed proportions (Leontief).
NESTS = ("sigma_va", "psi_cet", "psi_dest", "psi_make", "sigma_make", "sigma_arm", "sigma_dom")
MAX_ELASTICITY = 1e6


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

    def check_labels(self, regions: list[str], sectors: list[str]) -> None:
        """Raise InputError for rows naming a region or sector the model does not have."""
        problems = []
        t = self.table
        lines = t[LINE] if LINE in t.columns else [None] * len(t)
        for r, s, line in zip(t["region"], t["sector"], lines, strict=True):
            where = Location(file=self.file, line=line)
            if r != "*" and r not in regions:
                problems.append(Problem("unknown-region", f"region {r!r} is not a region of "
                                        f"the model; valid: {regions} or '*'", where))
            if s != "*" and s not in sectors:
                problems.append(Problem("unknown-sector", f"sector {s!r} is not a sector of "
                                        f"the model; valid: {sectors} or '*'", where))
        if problems:
            raise InputError(problems)

    def find(self, parameter: str, region: str, sector: str) -> float | None:
        """The most specific value, or None if the file gives none."""
        for r, s in ((region, sector), ("*", sector), (region, "*"), ("*", "*")):
            hit = self._lookup.get((parameter, r, s))
            if hit is not None:
                return hit
        return None

    def get(self, parameter: str, region: str, sector: str) -> float:
        hit = self.find(parameter, region, sector)
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
    return _validated(read_table(path, COLUMNS, "elasticity file"), str(path))


def range_problem(parameter: str, value: float) -> str | None:
    """Why ``value`` is not valid for ``parameter`` (None if it is)."""
    if pd.isna(value) or not np.isfinite(value):
        return "is not a finite number"
    if parameter == "frisch":
        return None if value <= -1 else "must be <= -1 (minus total over supernumerary spending)"
    if parameter in ("eta_exp", "eta_imp"):
        # zero would be a vertical demand (supply) curve: no price at which exports (imports)
        # could change
        return None if 0 < value <= MAX_ELASTICITY else (
            f"is out of range; valid: above 0, at most {MAX_ELASTICITY:g} (leave the row out "
            "for a region that takes world prices as given)")
    if 0 <= value <= MAX_ELASTICITY:
        return None
    note = " (0 = fixed proportions, 1 = Cobb-Douglas)" if parameter in NESTS else ""
    return f"is out of range; valid: 0 to {MAX_ELASTICITY:g}{note}"


def _validated(df: pd.DataFrame, file: str) -> Elasticities:
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}; expected {COLUMNS}",
                                 Location(file=file, line=1)))
    lines = (df[LINE].tolist() if LINE in df.columns else list(range(2, len(df) + 2)))
    df = df[COLUMNS].copy()
    for c in ("region", "sector", "parameter"):
        df[c] = df[c].astype(str).str.strip()
    df[LINE] = lines
    problems = []
    values = pd.to_numeric(df["value"], errors="coerce")
    for i, row in df.iterrows():
        where = Location(file=file, line=lines[int(i)])
        name = row["parameter"]
        if name not in PARAMETERS:
            problems.append(Problem("unknown-parameter", f"unknown parameter {name!r}; known: "
                                    f"{sorted(PARAMETERS)}", where))
        else:
            why = range_problem(name, values.iloc[i])
            if why:
                problems.append(Problem("bad-value", f"{name} = {row['value']!r} {why}", where))
        if str(row["source"]).strip() == "":
            problems.append(Problem("no-source", "every elasticity needs a source or a stated "
                                    "reason", where))
    df["value"] = values
    key = df[["region", "sector", "parameter"]].agg("|".join, axis=1)
    for k in key[key.duplicated()].unique():
        at = [lines[int(i)] for i in df.index[key == k]]
        problems.append(Problem("duplicate", f"{k.replace('|', ', ')} given on lines {at}",
                                Location(file=file, line=at[-1])))
    if problems:
        raise InputError(problems)
    return Elasticities(df.reset_index(drop=True), file)
