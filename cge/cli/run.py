"""``cge run FILE``: run an experiment file and write its results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cge.experiments import run_experiment


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an experiment file (TOML)",
                       description="Calibrate, check the benchmark gates, solve every scenario "
                       "and write results (NetCDF and CSV) to --out.")
    p.add_argument("file", help="experiment file, e.g. experiments/stdcge_tariff.toml")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--out", default=None,
                   help="output folder (default: results/<experiment name>)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    res = run_experiment(args.file, scenarios=args.scenario,
                         progress=lambda line: print(line, file=sys.stderr, flush=True))
    ds = res.results
    exp = res.experiment
    print(f"experiment {exp.name}: {exp.description}")
    print(f"SAM {exp.sam.name}, closure {exp.config.closure}")
    print("\nbenchmark gates\n" + res.gates.summary())
    pct = ds["pct_GRP_real"].to_pandas()
    ev = ds["EV"].to_series().unstack("scenario")
    print("\nreal GRP, % change from benchmark\n" + pct.round(4).to_string())
    units = exp.config.units or "SAM units"
    print(f"\nequivalent variation by household ({units})\n" + ev.round(4).to_string())
    print("\nsolved: " + ", ".join(f"{s} ({m}, {int(i)} it.)" for s, m, i in zip(
        ds["scenario"].values[1:], ds["solve_method"].values[1:],
        ds["solve_iterations"].values[1:], strict=True)))
    out = Path(args.out or Path("results") / exp.name)
    out.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(out / "results.nc", engine="scipy")
    tidy = []
    for name in ("EV", "CV", "GRP_real", "GRP_nominal"):
        s = ds[name].to_series().rename("value").reset_index()
        s.insert(0, "indicator", name)
        tidy.append(s)
    pd.concat(tidy).to_csv(out / "indicators.csv", index=False)
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in res.timings.items())
    print(f"\ntimings: {timings}\nwrote {out / 'results.nc'} and {out / 'indicators.csv'}")
    for o in res.failed:
        print(f"cge: scenario {o.name!r} failed: {o.message}", file=sys.stderr)
    return 1 if res.failed else 0
