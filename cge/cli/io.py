"""``cge io ...`` and ``cge plan``: input-output analysis and interregional optimisation.

``cge io multipliers SAM`` prints type I and II multipliers, linkages and regional
(intraregional / feedback / spillover) effects by region and sector; ``cge io impact SAM
--shock FILE`` the effects of a final-demand shock (CSV ``region,sector,value`` by supplying
sector); ``cge plan FILE`` solves a plan file (TOML), chooses the project portfolio and, when
the file asks for one, forecasts output with and without the projects. Bad input exits with
status 2 and names the file, line and label.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cge.cli import add_overwrite_option
from cge.errors import CGEError
from cge.outputs import check_output_file, default_folder, results_folder, write_text

if TYPE_CHECKING:
    import pandas as pd

    from cge.io import IOTable

# pandas and the analysis modules are imported by the commands, so that ``cge --help`` starts
# fast.
_DISPLAY = {"display.width": 200, "display.max_rows": 500, "display.max_columns": 30,
            "display.float_format": "{:,.4f}".format}


def _display():
    """pandas' display options for the tables printed here."""
    import pandas as pd

    return pd.option_context(*[x for kv in _DISPLAY.items() for x in kv])


def _table(sam_path: str, employment: str | None) -> IOTable:
    from cge import io
    from cge.sam.io import read_sam

    table = io.from_sam(read_sam(sam_path))
    if employment:
        jobs = io.read_vector(employment, table.index)
        table = table.with_satellites(jobs.rename("employment").to_frame().T)
    return table


def _write(frame: pd.DataFrame, out: str | None) -> None:
    if out:
        write_text(out, frame.to_csv())
        print(f"wrote {out}")


def _multipliers(args: argparse.Namespace) -> int:
    import pandas as pd

    from cge import io

    check_output_file(args.out, overwrite=args.overwrite)
    table = _table(args.sam, args.employment)
    A = io.technical_coefficients(table.Z, table.x)
    out = pd.concat([io.multiplier_table(table), io.linkages(table),
                     io.regional_effects(A).add_prefix("effect_")], axis=1)
    with _display():
        print(out.to_string())
    _write(out, args.out)
    return 0


def _impact(args: argparse.Namespace) -> int:
    from cge import io

    check_output_file(args.out, overwrite=args.overwrite)
    table = _table(args.sam, args.employment)
    dy = io.read_vector(args.shock, table.index)
    out = io.impact_table(table, dy)
    with _display():
        print(out.to_string())
        print("\ntotal by region\n" + out.groupby(level="region", sort=False).sum().to_string())
    _write(out, args.out)
    return 0


def _plan(args: argparse.Namespace) -> int:
    from cge.plan import read_plan

    spec = read_plan(args.file)
    out = Path(args.out) if args.out else default_folder(spec.name, spec.path)
    with results_folder(out, command="plan", source=spec.path, overwrite=args.overwrite):
        _solve_plan(spec, out)
    print(f"\nwrote {out}")
    return 0


def _solve_plan(spec, out: Path) -> None:
    from cge.plan import forecast, solve_plan

    result = solve_plan(spec.data)
    units = spec.data.units
    print(f"plan {spec.name}: {spec.description}")
    print(f"sets of final consumption: {result.sets:.6f} (benchmark 1)")
    with _display():
        if len(result.projects):
            print("\nprojects\n" + result.projects.to_string(index=False))
        print(f"\noutput ({units})\n" + result.output.to_string())
        print("\nimports, exports and shadow prices\n" + result.trade.to_string())
        write_text(out / "output.csv", result.output.to_csv())
        write_text(out / "trade.csv", result.trade.to_csv())
        write_text(out / "shipments.csv", result.shipments.to_csv())
        write_text(out / "projects.csv", result.projects.to_csv(index=False))
        if spec.years:
            fc = forecast(spec.data, spec.table, spec.data.projects, spec.years)
            last = max(spec.years)
            print(f"\nforecast {last}: output change by the IO balance and by the plan LP\n"
                  + fc.output.xs(last, level="year").to_string())
            write_text(out / "forecast_output.csv", fc.output.to_csv())
            write_text(out / "forecast_supplies.csv", fc.supplies.to_csv())
            if spec.cge_experiment is not None:
                _compare_with_cge(spec.cge_experiment, fc.output, last, out)


def _compare_with_cge(experiment: Path, output: pd.DataFrame, year: int, out: Path) -> None:
    """Run the CGE experiment of the same projects and put its output changes beside the IO
    and plan answers (CGE values are in the experiment's units, compared as % changes)."""
    from cge.experiments import run_experiment
    from cge.plan import compare_with_cge

    res = run_experiment(experiment)
    if res.failed:
        raise CGEError(f"CGE experiment {experiment.name}: scenario(s) failed: "
                          + ", ".join(o.name for o in res.failed))
    table = compare_with_cge(output, res.results, year=year)
    print(f"\n{year}: output change (%) by the IO balance, the plan LP and the CGE model "
          f"({experiment.name})\n" + table.round(3).to_string())
    write_text(out / "forecast_vs_cge.csv", table.to_csv())


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``io`` command group and the ``plan`` command."""
    group = subparsers.add_parser("io", help="input-output analysis of a SAM",
                                  description=__doc__.splitlines()[0])
    sub = group.add_subparsers(dest="io_command", required=True)

    p = sub.add_parser("multipliers", help="type I/II multipliers, linkages, regional effects")
    p.add_argument("sam", help="SAM folder or .xlsx")
    p.add_argument("--out", help="CSV file for the table")
    p.add_argument("--employment", help="CSV region,sector,value of jobs by sector")
    add_overwrite_option(p)
    p.set_defaults(func=_multipliers)

    p = sub.add_parser("impact", help="effects of a final-demand shock")
    p.add_argument("sam", help="SAM folder or .xlsx")
    p.add_argument("--shock", required=True, help="CSV region,sector,value: final demand by "
                   "supplying sector")
    p.add_argument("--out", help="CSV file for the table")
    p.add_argument("--employment", help="CSV region,sector,value of jobs by sector")
    add_overwrite_option(p)
    p.set_defaults(func=_impact)

    p = subparsers.add_parser("plan", help="solve an interregional optimisation plan (TOML)",
                              description="Maximise sets of final consumption (LP), choose "
                              "investment projects (MIP) and forecast output with them.")
    p.add_argument("file", help="plan file, e.g. experiments/vologda_plan.toml")
    p.add_argument("--out", help="output folder (default: results/<plan name>)")
    add_overwrite_option(p)
    p.set_defaults(func=_plan)
