"""Write tests/data/production_reference.csv.gz: results of the shipped experiments to pin.

Run from the repository root (``python tests/data/make_production_reference.py``). The file
was first written by the code before production nests became data (commit in its header), so
``tests/test_nests.py`` checks that the default nesting tree reproduces the old hard-coded
production block. Each experiment's inputs are hashed (SAM, elasticities, margins, experiment
file): if one changes (the Vologda SAM is rebuilt), its rows no longer describe it and the test
skips that experiment instead of comparing other data.
"""

import gzip
import hashlib
import io
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ("stdcge_tariff", "splcge", "toy_interregional", "toy_two_countries",
               "vologda_trade", "vologda_cooperation", "vologda_world_trade",
               "vologda_steel_project", "vologda_plan_projects")
OUT = ROOT / "tests" / "data" / "production_reference.csv.gz"
VARIABLES = ("EV", "GRP_real", "Z", "F", "X")


def inputs_sha256(exp) -> str:
    """The numbers an experiment's results depend on: SAM cells and accounts, elasticities,
    margins and the experiment file (not the SAM's notes, which others edit freely)."""
    h = hashlib.sha256()
    files = [exp.sam / "accounts.csv", exp.sam / "cells.csv", exp.elasticities, exp.file]
    for f in files + ([exp.trade_margins] if exp.trade_margins else []):
        h.update(f.read_bytes())
    return h.hexdigest()


def rows(name: str) -> list[dict]:
    res = run_experiment(ROOT / "experiments" / f"{name}.toml")
    ds, out = res.results, []
    sha = inputs_sha256(res.experiment)
    for var in (v for v in VARIABLES if v in ds):  # SPLCGE has no intermediates (X)
        s = ds[var].to_series().dropna()
        for idx, v in s.items():
            idx = idx if isinstance(idx, tuple) else (idx,)
            names = s.index.names
            where = dict(zip(names, idx, strict=True))
            if var in ("F", "X", "Z") and v == 0:
                continue  # off the sparse index
            out.append({"experiment": name, "inputs_sha256": sha, "variable": var,
                        "scenario": where.pop("scenario"),
                        "index": ".".join(f"{k}={v}" for k, v in where.items()), "value": v})
    return out


def main() -> None:
    names = sys.argv[1:] or EXPERIMENTS
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    frames = []
    for n in names:
        t0 = time.perf_counter()
        frames.append(pd.DataFrame(rows(n)))
        print(n, f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    write(pd.concat(frames), commit)


def write(table: pd.DataFrame, commit: str) -> None:
    # gzip with no timestamp: the same numbers give the same bytes
    with gzip.GzipFile(OUT, "wb", mtime=0) as raw, io.TextIOWrapper(raw) as fh:
        fh.write(f"# written by tests/data/make_production_reference.py at commit {commit}\n")
        table.to_csv(fh, index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
