"""``cge report RESULTS`` and ``cge compare RESULTS...``: reports from saved runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from cge.cli import add_overwrite_option
from cge.cli.run import add_report_options
from cge.errors import InputError, Location, Problem
from cge.outputs import check_output_file, read_manifest, results_folder, write_text
from cge.reporting.formats import parse_formats

# pandas, xarray and matplotlib are imported by the commands, so that ``cge --help`` starts
# fast.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write tables and figures from a saved run",
                       description="Read results.nc (or a folder written by cge run) and write "
                       "the chosen formats into --out (default: next to the results).")
    p.add_argument("results", help="results.nc or the folder holding it")
    p.add_argument("--out", default=None, help="output folder (default: the results folder)")
    add_overwrite_option(p)
    add_report_options(p, "csv,xlsx,tex,png,pdf")
    p.set_defaults(func=_report)

    c = sub.add_parser("compare", help="headline indicators of several runs side by side",
                       description="EV, EV in %% of consumption and real GRP %% change per "
                       "region and scenario, one column per run.")
    c.add_argument("results", nargs="+", help="results.nc files or folders written by cge run")
    c.add_argument("--csv", default=None, help="also write the table to this CSV file")
    c.add_argument("--overwrite", action="store_true", help="replace an existing --csv file")
    c.set_defaults(func=_compare)


def _report(args: argparse.Namespace) -> int:
    from cge.reporting import read_labels, read_results, write_report
    from cge.reporting.export import RESULTS_FILE

    formats = parse_formats(args.format)
    labels = read_labels(args.labels, args.lang)
    ds = read_results(args.results)
    src = Path(args.results)
    file = src / RESULTS_FILE if src.is_dir() else src
    home = file.parent
    out = Path(args.out) if args.out else home
    # next to its results, a report belongs to their run; elsewhere it is a run of its own
    own = out.resolve() == home.resolve()
    with results_folder(out, command="report", source=file, overwrite=args.overwrite, own=own):
        written = write_report(ds, out, labels=labels, formats=formats, regions=args.region)
        if args.sam_out:
            from cge.reporting.updated_sam import write_sams

            written += write_sams(ds, _experiment_file(home), out)
    print(f"wrote {len(written)} files to {out}")
    failed = [str(s) for s, st in zip(ds["scenario"].values, ds["status"].values, strict=True)
              if st == "failed"]
    if failed:
        print(f"note: failed scenario(s) in these results (NaN): {', '.join(failed)}")
    return 0


def _experiment_file(home: Path) -> Path:
    """The experiment file whose run wrote the results folder ``home`` (its manifest)."""
    source = (read_manifest(home) or {}).get("input", "")
    if not source or not Path(source).is_file():
        raise InputError(Problem("no-experiment", "--sam-out needs the experiment file of these "
                                 "results, which the folder's manifest does not name (or it "
                                 f"moved: {source!r}); run `cge run FILE --sam-out` instead",
                                 Location(file=str(home))))
    return Path(source)


def _compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from cge.reporting import compare_runs

    check_output_file(args.csv, overwrite=args.overwrite, option="--csv")
    table = compare_runs(args.results)
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(table.round(4).to_string())
    if args.csv:
        write_text(args.csv, table.to_csv())
        print(f"wrote {args.csv}")
    return 0
