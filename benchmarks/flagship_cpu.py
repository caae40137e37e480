"""CPU of the flagship run as a whole process, before and after, with a breakdown by phase
(issue 21: at most 5 s of CPU for ``cge run experiments/vologda_trade.toml``).

Two code trees, each put first on ``PYTHONPATH`` of fresh subprocesses: ``--baseline DIR``
(a checkout of the code before, e.g. ``git worktree add /tmp/before 6636a7e``) and
``--candidate DIR`` (default: this tree). Each runs from its own tree, alternately, ``--repeat``
times:

* ``total``: ``cge run experiments/vologda_trade.toml --out TMP`` as a whole process, its user
  + system CPU seconds (``getrusage`` of the child) and wall seconds;
* ``phases``: the same run with the stages of ``cge run`` wrapped to record their CPU seconds
  (``time.process_time``), each excluding the wrapped stages it calls: ``startup`` (the
  interpreter and every import before the experiment runs, the model stack's and
  matplotlib's included), ``run_experiment``, ``welfare`` (the decomposition's path solves),
  ``headline_tables``, ``netcdf``, ``csv`` (results.csv), ``tables_csv``, ``excel``,
  ``latex``, ``headline_figures`` (drawing), ``save_figures`` (layout, rendering and
  encoding of every figure, the tile map's included), ``tile_maps`` (building the map);
  ``other`` is the rest of the process (printing, the results folder, exit).

The outputs of the two trees are compared: the same set of files, and every number of
``results.nc`` and of ``results.csv`` equal to ``--rtol`` (1e-10) relative to its variable's
largest magnitude; run timings and iterations aside, and the residuals only checked to be below
1e-8 on both sides (see :data:`RESIDUALS`). The table gives medians and the ratio before /
after; the JSON (``benchmarks/results/flagship_cpu.json``) has every run and the machine's
load average at each. Usage::

    git worktree add /tmp/before 6636a7e
    python benchmarks/flagship_cpu.py --baseline /tmp/before --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "flagship_cpu.json"
EXPERIMENT = "experiments/vologda_trade.toml"
CODES = ("before", "after")
#: (module, function, phase): the stages of ``cge run`` timed in the ``phases`` run.
STAGES = (
    ("cge.experiments", "run_experiment", "run_experiment"),
    ("cge.reporting.welfare", "add_welfare_decomposition", "welfare"),
    ("cge.reporting.report", "headline_tables", "headline_tables"),
    ("cge.reporting.report", "write_netcdf", "netcdf"),
    ("cge.reporting.report", "write_csv", "csv"),
    ("cge.reporting.report", "write_tables_csv", "tables_csv"),
    ("cge.reporting.report", "write_excel", "excel"),
    ("cge.reporting.report", "write_latex", "latex"),
    ("cge.reporting.figures", "headline_figures", "headline_figures"),
    ("cge.reporting.figures", "save_figures", "save_figures"),
    ("cge.reporting.tilemap", "write_tile_maps", "tile_maps"),
)
#: Variables of results.nc that describe how the run went (time, Newton iterations) rather than
#: its results: a change of the solver's path changes them.
RUN_RECORD = ("seconds", "solve_iterations")
#: Residuals of the solutions: rounding noise below the solver's tolerance, which any change of
#: the Newton path changes relatively by tens of percent; compared as "both below the gates'
#: 1e-8", not relatively.
RESIDUALS = ("max_residual", "welfare_residual", "walras_residual")
RESIDUAL_LIMIT = 1e-8


def _child_phases(argv: list[str], out: str) -> None:
    """In the child: wrap :data:`STAGES`, run ``cge <argv>``, write the phases to ``out``."""
    import importlib
    from functools import wraps

    spent: dict[str, float] = {}
    stack: list[float] = []  # CPU of the wrapped stages called by the one running

    def timed(fn, phase):
        @wraps(fn)
        def inner(*a, **k):
            t0 = time.process_time()
            stack.append(0.0)
            try:
                return fn(*a, **k)
            finally:
                nested = stack.pop()
                total = time.process_time() - t0
                spent[phase] = spent.get(phase, 0.0) + total - nested
                if stack:
                    stack[-1] += total

        return inner

    from cge.pyomo_hooks import drop_import_callbacks

    drop_import_callbacks()  # as cge run does, before the model stack's imports below
    modules = {}
    for mod, name, phase in STAGES:
        modules.setdefault(mod, importlib.import_module(mod))
        setattr(modules[mod], name, timed(getattr(modules[mod], name), phase))
    # the CLI looks run_experiment up in cge.experiments when the run starts; the report
    # imports the figure and map functions from their modules when it writes figures
    from cge.cli import main

    spent["startup"] = time.process_time()  # since the process started
    sys.argv = ["cge", *argv]
    code = main()  # as the program runs it: from sys.argv
    Path(out).write_text(json.dumps(spent))
    sys.exit(code)


def _run(src: Path, argv: list[str], timeout: float, phases: bool) -> dict:
    """One flagship run of the tree ``src`` in a fresh process: wall and CPU seconds (user +
    system of the child), and its phases if asked; the output folder is kept for comparison."""
    out = tempfile.mkdtemp(prefix="cge_flagship_")
    phase_file = Path(out) / "phases.json"
    code = ("import sys; from cge.cli import main; sys.exit(main())" if not phases else
            f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import flagship_cpu; flagship_cpu._child_phases(sys.argv[1:], {str(phase_file)!r})")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *argv, "--out", f"{out}/run"],
                          capture_output=True, text=True, timeout=timeout, check=False,
                          cwd=src, env={**os.environ, "PYTHONPATH": str(src)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1], "out": out}
    res = {"wall": wall, "cpu": (after.ru_utime - before.ru_utime)
           + (after.ru_stime - before.ru_stime), "out": out, "stdout": done.stdout}
    if phases:
        spent = json.loads(phase_file.read_text())
        # other: what main() spent outside the stages, and the process's exit after it
        spent["other"] = res["cpu"] - sum(spent.values())
        res["phases"] = spent
    return res


def _same_outputs(a: Path, b: Path, rtol: float) -> dict:
    """Whether two runs wrote the same files and the same numbers (results.nc and results.csv
    to ``rtol`` relative to each variable's largest magnitude)."""
    import pandas as pd
    import xarray as xr

    files = [sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()) for d in (a, b)]
    worst = 0.0
    with xr.open_dataset(a / "results.nc", engine="scipy") as x, \
            xr.open_dataset(b / "results.nc", engine="scipy") as y:
        same_vars = set(x.data_vars) == set(y.data_vars)
        residuals_small = True
        for name in sorted(set(x.data_vars) & set(y.data_vars)):
            if name in RUN_RECORD or x[name].dtype.kind != "f":
                continue
            u, v = x[name].values, y[name].values
            if name in RESIDUALS:
                residuals_small &= bool(np.nanmax(np.abs(np.r_[u.ravel(), v.ravel()]),
                                                  initial=0.0) <= RESIDUAL_LIMIT)
                continue
            if u.shape != v.shape or not np.array_equal(np.isnan(u), np.isnan(v)):
                worst = np.inf
                continue
            scale = np.nanmax(np.abs(u), initial=0.0)
            if scale > 0:
                worst = max(worst, float(np.nanmax(np.abs(u - v), initial=0.0) / scale))
    ca, cb = (pd.read_csv(d / "results.csv", dtype=str, keep_default_na=False)
              for d in (a, b))
    keep = ~ca["variable"].isin(RUN_RECORD + RESIDUALS)
    csv_same = ca.shape == cb.shape and ca.drop(columns="value").equals(cb.drop(columns="value"))
    if csv_same:
        # per variable, relative to its largest magnitude (as results.nc above); empty cells
        # (NaN) on both sides compare equal
        u, v = (pd.to_numeric(c.loc[keep, "value"], errors="coerce").to_numpy(float)
                for c in (ca, cb))
        frame = pd.DataFrame({"variable": ca.loc[keep, "variable"].to_numpy(),
                              "gap": np.nan_to_num(np.abs(u - v)), "size": np.abs(u)})
        by = frame.groupby("variable")
        gap, size = by["gap"].max(), by["size"].max()
        csv_same = bool(np.array_equal(np.isnan(u), np.isnan(v))
                        and (gap <= rtol * size.where(size > 0, 1.0)).all())
    return {"same_files": files[0] == files[1], "files": len(files[0]),
            "same_nc_variables": same_vars, "nc_max_rel_diff": worst,
            "nc_within_rtol": worst <= rtol, "csv_within_rtol": csv_same,
            "residuals_below_limit": residuals_small}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="checkout of the code before")
    ap.add_argument("--candidate", default=str(ROOT), help="checkout of the code after")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--rtol", type=float, default=1e-10)
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    trees = {"before": Path(args.baseline).resolve(), "after": Path(args.candidate).resolve()}
    argv = ["run", EXPERIMENT]
    runs, outs = [], {}
    for _ in range(args.repeat):
        for case in ("total", "phases"):
            for code in CODES:
                load = os.getloadavg()[0]
                r = _run(trees[code], argv, args.timeout, case == "phases")
                outs.setdefault(code, Path(r["out"]) / "run")
                r.pop("stdout", None)
                runs.append({"case": case, "code": code, "load_average": load, **r})
                print(f"{case:7s} {code:6s} load {load:4.1f}: "
                      + (r["error"] if "error" in r else
                         f"CPU {r['cpu']:6.2f} s, wall {r['wall']:6.2f} s"), flush=True)
    summary: dict = {}
    for case in ("total", "phases"):
        for what in ("cpu", "wall"):
            med = {c: float(np.median([r[what] for r in runs if r["case"] == case
                                       and r["code"] == c and what in r] or [np.nan]))
                   for c in CODES}
            summary.setdefault(case, {})[what] = {**med, "ratio": med["before"] / med["after"]}
    phases: dict = {}
    names = [p for _, _, p in STAGES] + ["startup", "other"]
    for name in names:
        med = {c: float(np.median([r["phases"].get(name, 0.0) for r in runs
                                   if r["case"] == "phases" and r["code"] == c and "phases" in r]
                                  or [np.nan])) for c in CODES}
        phases[name] = {**med, "saved": med["before"] - med["after"]}
    check = (_same_outputs(outs["before"], outs["after"], args.rtol)
             if all((outs[c] / "results.nc").exists() for c in CODES) else {"error": "no runs"})
    print(f"\n{'phase (CPU s)':18s} {'before':>8s} {'after':>8s} {'saved':>8s}")
    for name, p in phases.items():
        print(f"{name:18s} {p['before']:8.2f} {p['after']:8.2f} {p['saved']:8.2f}")
    t = summary["total"]["cpu"]
    print(f"\nwhole process CPU (user + sys): before {t['before']:.2f} s, after {t['after']:.2f} "
          f"s, ratio {t['ratio']:.2f}; target 5 s: {'met' if t['after'] <= 5.0 else 'not met'}")
    print("outputs: " + json.dumps(check))
    result = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "baseline": str(trees["before"]), "candidate": str(trees["after"]),
        "repeat": args.repeat, "summary": summary, "phases": phases, "outputs": check,
        "runs": [{k: v for k, v in r.items() if k != "out"} for r in runs],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
