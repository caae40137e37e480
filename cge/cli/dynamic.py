"""``cge dynamic FILE``: run a recursive-dynamic experiment and write its paths and figures."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from cge.cli import EXIT_INTERRUPTED, add_overwrite_option, scenario_options
from cge.outputs import default_folder, results_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dynamic", help="run a recursive-dynamic experiment (TOML with "
                       "[dynamics])",
                       description="Calibrate, check the benchmark gates, solve the baseline "
                       "(forecast closure if it has GRP targets) and every scenario year by "
                       "year; write results.nc, paths.csv, welfare.csv, summary.csv and PNG "
                       "figures to --out. Ctrl-C during the scenarios writes the baseline "
                       "and the scenarios that finished, says how to run the rest and exits "
                       "with 130; during the baseline it writes nothing.")
    p.add_argument("file", help="dynamic experiment file, e.g. experiments/vologda_2035.toml")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--out", default=None, help="output folder (default: results/<name>)")
    add_overwrite_option(p)
    p.add_argument("--checkpoint", type=int, action="append", default=[],
                   help="also report deviations in this year (repeatable)")
    p.set_defaults(func=_dynamic)


def _dynamic(args: argparse.Namespace) -> int:
    return run_dynamic_cli(args.file, scenarios=args.scenario, out=args.out,
                           checkpoints=tuple(args.checkpoint), overwrite=args.overwrite)


def run_dynamic_cli(file: str, *, scenarios: list[str] | None, out: str | None,
                    checkpoints: tuple[int, ...], overwrite: bool = False) -> int:
    """Run a dynamic experiment, print its summary and write its outputs (also `cge run`)."""
    from cge.dynamics import run_dynamic
    from cge.dynamics.spec import load_dynamic

    dexp = load_dynamic(file)
    out_dir = Path(out) if out else default_folder(dexp.name, dexp.file)
    with results_folder(out_dir, command="dynamic", source=dexp.file, overwrite=overwrite,
                        data=dexp.static.data_files,
                        options=scenario_options(scenarios)):
        res = run_dynamic(dexp, scenarios=scenarios,
                          progress=lambda line: print(line, file=sys.stderr, flush=True))
        return _print_and_write(res, out_dir, checkpoints)


def _print_and_write(res, out_dir: Path, checkpoints: tuple[int, ...]) -> int:
    import pandas as pd

    from cge.dynamics.report import summary, write

    ds, exp = res.results, res.experiment
    units = exp.static.config.units or "model units"
    spec = exp.spec
    print(f"dynamic experiment {exp.name}: {exp.description}")
    print(f"years {spec.start}-{spec.end}, steady growth {spec.growth:g}, depreciation "
          f"{spec.depreciation}, investment elasticity {spec.investment_elasticity:g}, "
          f"real GRP targets {spec.describe_targets()}")
    print("\nbenchmark gates\n" + res.gates.summary())
    table = summary(ds, checkpoints)
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(f"\nreal GRP ({units}, base-year prices), % deviation from the baseline, and EV "
              f"({units}; PV at {spec.discount_rate:g} to {spec.start})\n"
              + table.round(3).to_string())
    n_steps = int(ds["solve_homotopy"].sum())
    written = write(ds, out_dir, units)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items())
    print(f"\nsolved {ds.sizes['scenario']} paths x {ds.sizes['year']} years "
          f"({n_steps} in steps); timings: {timings}")
    print(f"wrote {len(written)} files to {out_dir}")
    if res.interrupted:
        rest = shlex.join(["cge", "dynamic", str(exp.file),
                           *[x for n in res.interrupted for x in ("--scenario", n)],
                           "--out", f"{out_dir}_rest"])
        print(f"cge: interrupted: finished the baseline and {ds.sizes['scenario'] - 1} of "
              f"{ds.sizes['scenario'] - 1 + len(res.interrupted)} scenario(s), written to "
              f"{out_dir}; not run: {', '.join(res.interrupted)}; to run them: {rest}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
