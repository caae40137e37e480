"""``cge run FILE``: run an experiment file and write its results and report."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from cge.cli import EXIT_INTERRUPTED, add_overwrite_option, scenario_options
from cge.errors import InputError
from cge.outputs import default_folder, results_folder
from cge.reporting.formats import FORMATS, parse_formats
from cge.tomlfile import read_toml

# The model stack (Pyomo, xarray, matplotlib) is imported by the commands, so that
# ``cge --help`` starts fast: ``run_experiment`` is looked up in cge.experiments when a run
# starts (tests replace it there).


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
    p.add_argument("--sam-out", action="store_true",
                   help="also write the updated SAM of every solved scenario at current values "
                   "(sams/<scenario>/, a SAM folder that cge sam check reads)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an experiment file (TOML)",
                       description="Calibrate, check the benchmark gates, solve every scenario "
                       "and write results (NetCDF, tidy CSV, Excel, LaTeX, figures) to --out. "
                       "Exits with 1 if a scenario failed (the others are still written). "
                       "Ctrl-C writes the scenarios that finished (the others are left out and "
                       "listed in the results' 'interrupted' attribute), prints the command "
                       "that runs the rest and exits with 130. A file with a [dynamics] "
                       "section runs as `cge dynamic FILE`.")
    p.add_argument("file", help="experiment file, e.g. experiments/stdcge_tariff.toml")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--out", default=None,
                   help="output folder (default: results/<experiment name>)")
    add_overwrite_option(p)
    add_report_options(p, ",".join(FORMATS))
    p.add_argument("--welfare-steps", type=int, default=8, metavar="N",
                   help="path steps of the welfare decomposition of EV, N solves per scenario "
                   "(docs/welfare_decomposition.md; default 8; 0: no decomposition)")
    p.set_defaults(func=_run)


def print_summary(ds, units: str) -> None:
    """Real GRP and EV by scenario, and the run status, on stdout."""
    print("\nreal GRP, % change from benchmark\n"
          + ds["pct_GRP_real"].to_pandas().round(4).to_string())
    ev = ds["EV"].to_series().unstack("scenario")
    print(f"\nequivalent variation by household ({units})\n" + ev.round(4).to_string())
    if "welfare_terms" in ds:
        terms = ds["welfare_terms"].to_series().unstack("scenario").drop(columns="benchmark")
        print(f"\nwelfare decomposition of EV by region ({units}; "
              "docs/welfare_decomposition.md)\n"
              + (terms.round(4) + 0.0).to_string())  # + 0.0: no "-0.0000" for noise
    print("\nscenarios: " + ", ".join(
        f"{s} ({st}{', ' + m + f', {int(i)} it.' if st == 'ok' else ''})"
        for s, st, m, i in zip(ds["scenario"].values[1:], ds["status"].values[1:],
                               ds["solve_method"].values[1:],
                               ds["solve_iterations"].values[1:], strict=True)))
    switched = [(s, w) for s, w in zip(ds["scenario"].values[1:], ds["switched"].values[1:],
                                       strict=True) if w]
    if switched:
        print("\nregimes switched from the benchmark (equation ⟂ variable: a quota that binds, "
              "an activity that starts, or the reverse)\n"
              + "\n".join(f"{s}: {w}" for s, w in switched))


def _is_dynamic(path: str) -> bool:
    """A file with a ``[dynamics]`` section is a recursive-dynamic experiment."""
    try:
        return "dynamics" in read_toml(path)
    except InputError:
        return False  # let the static loader report the problem


def _run(args: argparse.Namespace) -> int:
    if _is_dynamic(args.file):
        from cge.cli.dynamic import run_dynamic_cli

        return run_dynamic_cli(args.file, scenarios=args.scenario, out=args.out, checkpoints=(),
                               overwrite=args.overwrite)
    from cge.pyomo_hooks import drop_import_callbacks

    drop_import_callbacks()  # before the model stack imports scipy and matplotlib
    from cge.experiments import load_experiment, run_experiment
    from cge.reporting import read_labels, write_report

    formats = parse_formats(args.format)
    labels = read_labels(args.labels, args.lang)
    exp = load_experiment(args.file)
    out = Path(args.out) if args.out else default_folder(exp.name, exp.file)
    with results_folder(out, command="run", source=exp.file, overwrite=args.overwrite,
                        options=scenario_options(args.scenario), data=exp.data_files):
        res = run_experiment(exp.file, scenarios=args.scenario,
                             progress=lambda line: print(line, file=sys.stderr, flush=True))
        if res.interrupted:
            return _interrupted(res, out, labels, formats, args.region)
        ds = res.results
        if args.welfare_steps > 0:
            from cge.reporting.welfare import add_welfare_decomposition

            ds = add_welfare_decomposition(
                res, args.welfare_steps,
                progress=lambda line: print(line, file=sys.stderr, flush=True))
        print(f"experiment {exp.name}: {exp.description}")
        print(f"SAM {exp.sam.name}, closure {exp.config.closure}")
        print("\nbenchmark gates\n" + res.gates.summary())
        print_summary(ds, ds.attrs["units"])
        written = write_report(ds, out, labels=labels, formats=formats, regions=args.region)
        if args.sam_out:
            from cge.reporting.updated_sam import write_sams

            written += write_sams(ds, exp.file, out)
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in res.timings.items())
    print(f"\ntimings: {timings}\nwrote {len(written)} files to {out}")
    for o in res.failed:
        print(f"cge: scenario {o.name!r} failed: {o.reason}\n{o.message}", file=sys.stderr)
    if res.failed:
        print(f"cge: {len(res.failed)} of {len(res.outcomes)} scenario(s) failed: "
              + ", ".join(o.name for o in res.failed), file=sys.stderr)
    return 1 if res.failed else 0


def _interrupted(res, out: Path, labels, formats: tuple[str, ...], regions) -> int:
    """Ctrl-C during the scenarios: write those that finished, say what did not run and how
    to run it (into another folder: this one keeps what finished)."""
    from cge.reporting import write_report

    done = [o.name for o in res.outcomes]
    if done:
        res.results.attrs["interrupted"] = ", ".join(res.interrupted)
        write_report(res.results, out, labels=labels, formats=formats, regions=regions)
    rest = shlex.join(["cge", "run", str(res.experiment.file),
                       *[x for n in res.interrupted for x in ("--scenario", n)],
                       "--out", f"{out}_rest"])
    print(f"cge: interrupted: finished {len(done)} of {len(done) + len(res.interrupted)} "
          f"scenario(s)" + (f" ({', '.join(done)}), written to {out}" if done else
                            ", nothing written")
          + f"; not run: {', '.join(res.interrupted)}; to run them: {rest}", file=sys.stderr)
    return EXIT_INTERRUPTED
