"""Before/after timings of one change, measured side by side in one run (issue 21).

Two code trees are timed in alternation on the same machine: ``--baseline DIR`` (a checkout
of the code before the change, e.g. ``git worktree add /tmp/before REV``) and ``--candidate
DIR`` (default: this tree; a checkout of the change's commit keeps other uncommitted work out),
each put first on ``PYTHONPATH`` of a fresh subprocess. Measured, ``--repeat`` times each:

* ``scale N``: one run of ``benchmarks/scale.py`` (synthetic N regions x 25 sectors: build,
  the five gates, one counterfactual), newton path, this tree's script for both trees (it
  records the CPU seconds and peak memory of each step, and runs the code before
  :func:`cge.solvers.symbolic_params` too); the steps are scale.py's, and ``max_diff_solution``
  is the largest difference between the trees' counterfactual solutions, over the variables
  both models have, relative to max(1, |value|);
* ``flagship``: ``cge run experiments/vologda_trade.toml`` as a whole process (wall seconds
  and CPU seconds of the process, report writing included); ``flagship0``
  (``--flagship-no-welfare``): the same with ``--welfare-steps 0``, without the welfare
  decomposition's path solves;
* ``declared N`` (``--declared N``): ``scale N`` as the runner runs it, the shocked margins
  ``tmg`` declared parameters of the translation before the gates
  (:func:`cge.solvers.symbolic_params`; the code before has no such call and runs as in
  ``scale N``);
* ``sweep K`` (``--sweep K``): a serial sweep of K depths of the flagship's trade-cost cut
  (``benchmarks/sweep.py``'s scenarios, one model for all), wall and CPU seconds, and the EV of
  every scenario, whose largest difference between the trees is reported (``max_diff_EV``);
* ``ssa`` (``--ssa``): ``cge sensitivity experiments/vologda_trade_ssa.toml`` (its 10
  quadrature points, each recalibrated), serial, as a whole process;
* ``report`` (``--report RESULTS``): ``cge report RESULTS`` in every format ``cge run``
  writes, as a whole process: the report writing alone, on the same saved results (e.g. a
  flagship run's folder).

Both trees run the baseline's benchmark scripts (``scale N``: this tree's) and the
baseline's experiments and data, so that only the code under test differs. Alternating the
trees spreads the load of other jobs on a shared machine over both; the table gives medians
and the ratio before / after of each median. Usage::

    python benchmarks/before_after.py --baseline /tmp/before --sizes 3,10,30 --repeat 3
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
RESULTS = Path(__file__).parent / "results" / "before_after.json"
SCALE_STEPS = ("build", "gates", "transl", "solve", "cf", "total", "cpu_build", "cpu_gates",
               "cpu_cf", "cpu_gates_cf", "cpu", "peak_mb_build", "peak_mb_gates", "peak_mb")
CODES = ("before", "after")


def _env(src: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(src)}


def scale_run(src: Path, n: int, timeout: float, values: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).parent / "scale.py"), "--one", str(n), "newton",
           "--no-nonzeros", "--values", str(values)]
    return _json_run(cmd, src, timeout)


def solution_gap(before: Path, after: Path) -> float:
    """Largest |a - b| / max(1, |b|) over the variables (by name) both solutions hold."""
    a, b = np.load(before), np.load(after)
    common, ia, ib = np.intersect1d(a["names"], b["names"], return_indices=True)
    if common.size == 0:
        return float("nan")
    va, vb = a["values"][ia], b["values"][ib]
    return float(np.max(np.abs(va - vb) / np.maximum(1.0, np.abs(vb))))


def process_run(src: Path, data: Path, argv: list[str], timeout: float) -> dict:
    """Wall and CPU seconds of ``cge <argv>`` as a whole process, writing into a scratch
    folder (``{out}`` in ``argv``)."""
    with tempfile.TemporaryDirectory(prefix="cge_process_") as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from cge.cli import main; sys.exit(main())",
             *(a.format(data=data, out=out) for a in argv)],
            capture_output=True, text=True, env=_env(src), timeout=timeout, check=False, cwd=src)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


FLAGSHIP = ["run", "{data}/experiments/vologda_trade.toml", "--out", "{out}/r"]
SSA = ["sensitivity", "{data}/experiments/vologda_trade_ssa.toml", "--out", "{out}/r",
       "--quiet"]
#: A serial sweep with sweep.py's scenarios, printing wall and CPU seconds and EVs as JSON.
SWEEP = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1] + "/benchmarks")
import sweep
from cge.sensitivity import Executor
cpu = time.process_time()
wall, ds = sweep.timed(Path(sys.argv[1]) / "experiments" / "vologda_trade.toml",
                       sweep.scenarios(int(sys.argv[2])), Executor())
print(json.dumps({"wall": wall, "cpu": time.process_time() - cpu,
                  "failed": int((ds["status"] == "failed").sum()),
                  "EV": [float(v) for v in ds["EV"].sum([d for d in ds["EV"].dims
                                                        if d != "scenario"]).values]}))
"""


#: scale.py's run, with the margins its counterfactual moves declared before the gates.
DECLARED = """
import json, sys
sys.path.insert(0, sys.argv[1] + "/benchmarks")
import scale
import cge.model.gates as gates
import cge.solvers
check = gates.check_benchmark
def declared(m, **kw):
    if hasattr(cge.solvers, "symbolic_params"):
        cge.solvers.symbolic_params(m, [m.tmg])
    return check(m, **kw)
gates.check_benchmark = declared
print(json.dumps(scale.run_one(int(sys.argv[2]), "newton", 0)))
"""


def declared_run(src: Path, data: Path, n: int, timeout: float) -> dict:
    return _json_run([sys.executable, "-c", DECLARED, str(data), str(n)], src, timeout)


def _json_run(cmd: list[str], src: Path, timeout: float) -> dict:
    """The last JSON line a subprocess prints, or its last error line."""
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(src), timeout=timeout,
                          check=False, cwd=src)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def sweep_run(src: Path, data: Path, solves: int, timeout: float) -> dict:
    return _json_run([sys.executable, "-c", SWEEP, str(data), str(solves)], src, timeout)


def medians(runs: list[dict], case: str, steps: tuple[str, ...]) -> dict:
    out: dict = {}
    for code in CODES:
        rows = [r for r in runs if r["case"] == case and r["code"] == code and "error" not in r]
        out[code] = {s: float(np.median([r[s] for r in rows if r.get(s) is not None]))
                     for s in steps if any(r.get(s) is not None for r in rows)}
    out["ratio"] = {s: out["before"][s] / out["after"][s] for s in steps
                    if out["before"].get(s) and out["after"].get(s)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, required=True, help="checkout of the old code")
    ap.add_argument("--candidate", type=Path, default=ROOT, help="checkout of the new code")
    ap.add_argument("--sizes", default="3,10,30", help="scale.py sizes, run before the flagship")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-flagship", action="store_true")
    ap.add_argument("--flagship-no-welfare", action="store_true",
                    help="also time the flagship run with --welfare-steps 0")
    ap.add_argument("--declared", default="", help="scale.py sizes with tmg declared")
    ap.add_argument("--sweep", type=int, default=0, help="solves of a serial sweep (0: none)")
    ap.add_argument("--ssa", action="store_true", help="time the flagship sensitivity run")
    ap.add_argument("--report", type=Path, default=None,
                    help="results folder (or results.nc) to time cge report on")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    trees = {"before": args.baseline.resolve(), "after": args.candidate.resolve()}
    data = trees["before"]
    scratch = Path(tempfile.mkdtemp(prefix="cge_before_after_"))
    cases = [(f"scale {n}", SCALE_STEPS,
              lambda src, n=int(n): scale_run(src, n, args.timeout,
                                              scratch / f"scale{n}_{src.name}.npz"))
             for n in args.sizes.split(",") if n]
    cases += [(f"declared {n}", SCALE_STEPS,
               lambda src, n=int(n): declared_run(src, data, n, args.timeout))
              for n in args.declared.split(",") if n]
    if args.sweep:
        cases.append((f"sweep {args.sweep}", ("wall", "cpu"),
                      lambda src: sweep_run(src, data, args.sweep, args.timeout)))
    if args.ssa:
        cases.append(("ssa", ("wall", "cpu"),
                      lambda src: process_run(src, data, SSA, args.timeout)))
    if not args.no_flagship:
        cases.append(("flagship", ("wall", "cpu"),
                      lambda src: process_run(src, data, FLAGSHIP, args.timeout)))
    if args.flagship_no_welfare:  # the rest of the run, without the welfare decomposition
        cases.append(("flagship0", ("wall", "cpu"),
                      lambda src: process_run(src, data, [*FLAGSHIP, "--welfare-steps", "0"],
                                              args.timeout)))
    if args.report is not None:
        cases.append(("report", ("wall", "cpu"), lambda src: process_run(
            src, data, ["report", str(args.report.resolve()), "--out", "{out}/r",
                        "--format", "nc,csv,xlsx,tex,png,pdf"], args.timeout)))
    load = os.getloadavg()
    runs: list[dict] = []
    summary: dict = {}

    def write() -> None:  # after every run, so that a stopped benchmark keeps what it measured
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps({
            "machine": {"platform": platform.platform(), "python": platform.python_version(),
                        "cpus": os.cpu_count(), "load_average_at_start": load},
            "baseline": str(args.baseline), "candidate": str(args.candidate),
            "repeat": args.repeat, "summary": summary, "runs": runs}, indent=2) + "\n")

    for case, steps, run in cases:
        for k in range(args.repeat):
            for code in CODES if k % 2 == 0 else CODES[::-1]:
                rec = {"case": case, "code": code, "load_average": os.getloadavg()[0],
                       **run(trees[code])}
                runs.append(rec)
                shown = ", ".join(f"{s} {rec[s]:.2f}" for s in steps if rec.get(s) is not None)
                print(f"{case:<10} {code:<7} {rec.get('error', shown)}", flush=True)
                summary[case] = medians(runs, case, steps)
                evs = {c: r["EV"] for r in runs for c in CODES
                       if r["case"] == case and r["code"] == c and "EV" in r}
                if len(evs) == 2:  # the same results from both trees, or how far apart
                    summary[case]["max_diff_EV"] = float(np.max(np.abs(
                        np.subtract(evs["before"], evs["after"]))))
                solutions = [scratch / f"{case.replace(' ', '')}_{trees[c].name}.npz"
                             for c in CODES]
                if all(f.exists() for f in solutions):
                    summary[case]["max_diff_solution"] = solution_gap(*solutions)
                write()
    print(f"\nmedians of {args.repeat} runs (seconds) and ratio before / after")
    for case, med in summary.items():
        print(f"\n{case}")
        for code in (*CODES, "ratio"):
            print(f"  {code:<7}" + "".join(f"{s:>14} {v:8.2f}" for s, v in med[code].items()))
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
