"""``cge sensitivity``, ``cge decompose``, ``cge sweep``: commands that run many solves.

Each takes ``--workers N`` (a local Dask cluster of N processes; 0 = serial, the default) or
``--scheduler ADDRESS`` (an existing Dask cluster) and ``--out`` (default
``results/<name>``). Finished solves are kept in ``<out>/tasks``: rerunning an interrupted
command resumes where it stopped (Ctrl-C says how many finished and exits with 130). A folder
holding results of another run is refused unless ``--overwrite``.

* ``cge sensitivity FILE [--method quadrature|sobol|montecarlo] [--samples N] [--seed S]``:
  systematic sensitivity analysis from a sensitivity file (see :mod:`cge.sensitivity.spec`);
  prints the key results' means, sds and intervals and writes ``samples.nc`` (the key results
  and run bookkeeping of every point), ``summary.nc``, ``sensitivity.nc``, ``summary.csv`` and
  ``intervals.png``. Points are solved in batches (:mod:`cge.sensitivity.batch`).
* ``cge decompose FILE --scenario NAME [--method shapley|path] [--nodes M]``: contributions of
  each shock of a scenario of an experiment file; prints a table per key result and writes
  ``decompose_<scenario>_<method>.nc`` (dim ``shock``: the shocks, ``total change`` and
  ``residual``).
* ``cge sweep FILE [--scenario NAME ...]``: every scenario of an experiment file as a parallel
  task; writes ``sweep.nc``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from cge.cli import add_overwrite_option, scenario_options
from cge.outputs import default_folder, results_folder, safe_name, write_bytes

if TYPE_CHECKING:
    import xarray as xr

# pandas, xarray and the model stack are imported by the commands, so that ``cge --help``
# starts fast.


def _executor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=0,
                   help="solve on a local Dask cluster of N worker processes (default 0: serial)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler, e.g. tcp://host:8786 (workers "
                        "need the experiment files at the same paths)")
    p.add_argument("--out", default=None, help="output folder (default results/<name>); "
                   "the same command resumes there")
    add_overwrite_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensitivity", help="systematic sensitivity analysis (SSA)",
                       description="Sample uncertain elasticities and shock sizes (Gaussian "
                       "quadrature, Sobol' or Monte Carlo), solve every point, report means, "
                       "sds, intervals and the parameters results are most sensitive to.")
    p.add_argument("file", help="sensitivity file, e.g. experiments/vologda_trade_ssa.toml")
    p.add_argument("--method", choices=("quadrature", "sobol", "montecarlo"), default=None,
                   help="sample design (default: the file's)")
    p.add_argument("--samples", type=int, default=None,
                   help="points of a sobol (power of two) or montecarlo design")
    p.add_argument("--seed", type=int, default=None, help="seed of sobol/montecarlo designs")
    _executor_args(p)
    p.set_defaults(func=_sensitivity)

    p = sub.add_parser("decompose", help="split a scenario's results by shock",
                       description="Contributions of each shock of a scenario: Shapley values "
                       "over shock subsets (2^k solves, exact adding-up) or path-integral "
                       "subtotals (Harrison, Horridge and Pearson 2000).")
    p.add_argument("file", help="experiment file")
    p.add_argument("--scenario", required=True, help="scenario with two or more shocks")
    p.add_argument("--method", choices=("shapley", "path"), default="shapley")
    p.add_argument("--nodes", type=int, default=3, help="Gauss-Legendre nodes (path method)")
    p.add_argument("--result", action="append", default=None,
                   help="result to tabulate (repeatable; default EV and pct_GRP_real)")
    _executor_args(p)
    p.set_defaults(func=_decompose)

    p = sub.add_parser("sweep", help="solve an experiment's scenarios as parallel tasks",
                       description="Every scenario a task (serial or on Dask), resumable.")
    p.add_argument("file", help="experiment file")
    p.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    _executor_args(p)
    p.set_defaults(func=_sweep)


def _setup(args: argparse.Namespace, name: str, file: Path, options: list[str],
           data: tuple[Path, ...]):
    """Output folder (checked, locked and marked until the block ends; ``data``: the files
    the results depend on besides ``file``), executor and progress printer of a command."""
    from cge.sensitivity.execute import Executor, stderr_progress

    out = Path(args.out) if args.out else default_folder(name, file)
    folder = results_folder(out, command=args.command, source=file, options=options,
                            overwrite=args.overwrite, data=data)
    return folder, Executor(workers=args.workers, scheduler=args.scheduler), (
        None if args.quiet else stderr_progress)


def _save(ds: xr.Dataset, path: Path) -> None:
    from cge.sensitivity.execute import netcdf_ready

    write_bytes(path, bytes(netcdf_ready(ds).to_netcdf(engine="scipy")))


def _names(exp, scenarios: list[str] | None = None) -> None:
    """The experiment's name and the scenarios' become file names: refuse unsafe ones."""
    safe_name(exp.name, what="experiment name", file=exp.file)
    for sc in exp.scenarios:
        if scenarios is None or sc.name in scenarios:
            safe_name(sc.name, what="scenario name", file=exp.file)


def _sensitivity(args: argparse.Namespace) -> int:
    from cge.sensitivity.spec import load_sensitivity
    from cge.sensitivity.ssa import design_of

    spec = load_sensitivity(args.file)
    if args.seed is not None:
        spec = dataclasses.replace(spec, seed=args.seed)
    design = design_of(spec, args.method, args.samples)
    safe_name(spec.name, what="sensitivity name", file=spec.file)
    _names(spec.experiment, list(spec.scenarios))
    folder, executor, progress = _setup(
        args, spec.name, spec.file,
        ["--method", design.method, "--samples", str(design.size), "--seed", str(spec.seed)],
        (spec.experiment.file, *spec.experiment.data_files))
    with folder as out:
        return _run_ssa(spec, design, out, executor, progress)


def _run_ssa(spec, design, out: Path, executor, progress) -> int:
    import pandas as pd

    from cge.sensitivity.report import interval_table, write_ssa
    from cge.sensitivity.ssa import run_ssa

    print(f"{spec.name}: {design.method} design, {design.size} points x "
          f"{len(spec.scenarios)} scenario(s) of {spec.experiment.file.name}")
    for p in spec.parameters:
        d = p.distribution
        print(f"  {p.label}: {d.kind} on [{d.low:g}, {d.high:g}]"
              + (" (scales the base values)" if p.scale else ""))
    res = run_ssa(spec, out, executor, design=design, progress=progress)
    if res.failed_samples:
        print(f"warning: {len(res.failed_samples)} sample(s) failed to solve and are left out "
              f"of the statistics: {res.failed_samples}")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(f"\n{spec.level:.0%} intervals (Chebyshev: mean +- "
              f"{res.summary.attrs['chebyshev_k']:.2f} sd)\n"
              + interval_table(res).round(4).to_string())
    files = write_ssa(res, out)
    print("\nwrote " + ", ".join(str(f) for f in files))
    return 0


def _decompose(args: argparse.Namespace) -> int:
    from cge.experiments.spec import load_experiment

    exp = load_experiment(args.file)
    _names(exp, [args.scenario])
    # each decomposition has its own file (scenario and method in the name): no options
    folder, executor, progress = _setup(args, exp.name, exp.file, [], exp.data_files)
    with folder as out:
        return _run_decompose(args, exp, out, executor, progress)


def _run_decompose(args: argparse.Namespace, exp, out: Path, executor, progress) -> int:
    import pandas as pd
    import xarray as xr

    from cge.sensitivity.decompose import path_integral, shapley

    if args.method == "shapley":
        dec = shapley(exp.file, args.scenario, out, executor, progress)
    else:
        dec = path_integral(exp.file, args.scenario, out, executor, progress, nodes=args.nodes)
    print(f"{exp.name} / {args.scenario}: {dec.method} decomposition, {dec.solves} solves")
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.max_colwidth", 70):
        for name in args.result or ["EV", "pct_GRP_real"]:
            units = dec.contributions[name].attrs.get("units", "")
            print(f"\n{name} ({units})\n" + dec.table(name).round(6).to_string())
    path = out / f"decompose_{args.scenario}_{dec.method}.nc"
    extra = [dec.total.expand_dims(shock=["total change"]),
             dec.residual.expand_dims(shock=["residual"])]
    ds = xr.concat([dec.contributions] + extra, dim="shock", combine_attrs="override")
    _save(ds, path)
    print(f"\nwrote {path}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from cge.experiments.spec import load_experiment
    from cge.sensitivity.sweep import run_sweep

    exp = load_experiment(args.file)
    _names(exp, args.scenario)
    folder, executor, progress = _setup(args, exp.name, exp.file,
                                        scenario_options(args.scenario), exp.data_files)
    with folder as out:
        ds = run_sweep(exp.file, out, executor, progress, names=args.scenario)
        return _report_sweep(exp, ds, out)


def _report_sweep(exp, ds: xr.Dataset, out: Path) -> int:
    import pandas as pd

    failed = [str(s) for s, st in zip(ds["scenario"].values, ds["status"].values, strict=True)
              if st == "failed"]
    print(f"{exp.name}: {ds.sizes['scenario'] - 1} scenario(s) solved"
          + (f", failed: {failed}" if failed else ""))
    with pd.option_context("display.width", 160):
        print("\nreal GRP, % change\n" + ds["pct_GRP_real"].to_pandas().round(4).to_string())
    _save(ds, out / "sweep.nc")
    print(f"\nwrote {out / 'sweep.nc'}")
    return 1 if failed else 0
