"""``cge run FILE``: run an experiment file and write its results and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cge.errors import InputError
from cge.experiments import run_experiment
from cge.reporting import FORMATS, parse_formats, read_labels, write_report
from cge.tomlfile import read_toml


def add_report_options(p: argparse.ArgumentParser, default_formats: str) -> None:
    """Options shared by ``cge run`` and ``cge report``."""
    p.add_argument("--format", default=default_formats,
                   help=f"comma-separated outputs among {','.join(FORMATS)} "
                   f"(default: {default_formats})")
    p.add_argument("--labels", default=None,
                   help="label file (CSV kind,label,en,ru), e.g. calibration/labels_vologda.csv")
    p.add_argument("--lang", choices=("en", "ru"), default="en",
                   help="language of tables and figures (Russian needs --labels)")
    p.add_argument("--region", action="append",
                   help="region(s) for the tables and figures by sector (default: all)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an experiment file (TOML)",
                       description="Calibrate, check the benchmark gates, solve every scenario "
                       "and write results (NetCDF, tidy CSV, Excel, LaTeX, figures) to --out. "
                       "Exits with 1 if a scenario failed (the others are still written). A "
                       "file with a [dynamics] section runs as `cge dynamic FILE`.")
    p.add_argument("file", help="experiment file, e.g. experiments/stdcge_tariff.toml")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--out", default=None,
                   help="output folder (default: results/<experiment name>)")
    add_report_options(p, ",".join(FORMATS))
    p.set_defaults(func=_run)


def print_summary(ds, units: str) -> None:
    """Real GRP and EV by scenario, and the run status, on stdout."""
    print("\nreal GRP, % change from benchmark\n"
          + ds["pct_GRP_real"].to_pandas().round(4).to_string())
    ev = ds["EV"].to_series().unstack("scenario")
    print(f"\nequivalent variation by household ({units})\n" + ev.round(4).to_string())
    print("\nscenarios: " + ", ".join(
        f"{s} ({st}{', ' + m + f', {int(i)} it.' if st == 'ok' else ''})"
        for s, st, m, i in zip(ds["scenario"].values[1:], ds["status"].values[1:],
                               ds["solve_method"].values[1:],
                               ds["solve_iterations"].values[1:], strict=True)))


def _is_dynamic(path: str) -> bool:
    """A file with a ``[dynamics]`` section is a recursive-dynamic experiment."""
    try:
        return "dynamics" in read_toml(path)
    except InputError:
        return False  # let the static loader report the problem


def _run(args: argparse.Namespace) -> int:
    if _is_dynamic(args.file):
        from cge.cli.dynamic import run_dynamic_cli

        return run_dynamic_cli(args.file, scenarios=args.scenario, out=args.out, checkpoints=())
    formats = parse_formats(args.format)
    labels = read_labels(args.labels, args.lang)
    res = run_experiment(args.file, scenarios=args.scenario,
                         progress=lambda line: print(line, file=sys.stderr, flush=True))
    ds, exp = res.results, res.experiment
    print(f"experiment {exp.name}: {exp.description}")
    print(f"SAM {exp.sam.name}, closure {exp.config.closure}")
    print("\nbenchmark gates\n" + res.gates.summary())
    print_summary(ds, ds.attrs["units"])
    out = Path(args.out or Path("results") / exp.name)
    written = write_report(ds, out, labels=labels, formats=formats, regions=args.region)
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in res.timings.items())
    print(f"\ntimings: {timings}\nwrote {len(written)} files to {out}")
    for o in res.failed:
        print(f"cge: scenario {o.name!r} failed: {o.reason}\n{o.message}", file=sys.stderr)
    if res.failed:
        print(f"cge: {len(res.failed)} of {len(res.outcomes)} scenario(s) failed: "
              + ", ".join(o.name for o in res.failed), file=sys.stderr)
    return 1 if res.failed else 0
