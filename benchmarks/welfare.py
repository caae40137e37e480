"""The welfare decomposition's cost, before and after a change, measured in one run (issue 21).

Two code trees are timed in alternation (``--baseline DIR``, e.g. ``git worktree add
/tmp/before REV``, and ``--candidate DIR``, default this tree), each first on ``PYTHONPATH``
of a fresh subprocess, both on the baseline's experiments and data. Measured, ``--repeat``
times each:

* ``decompose``: :func:`cge.reporting.welfare.welfare_results` alone on the flagship's results
  (``experiments/vologda_trade.toml``, its five scenarios, 8 path steps), wall and CPU seconds
  after ``run_experiment`` in the same process; with the largest residual (EV less the terms,
  relative to EV) and the terms, whose largest difference between the trees (relative to the
  region's EV) is reported as ``max_diff_terms``;
* ``flagship``: ``cge run experiments/vologda_trade.toml --format nc`` as a whole process, with
  the default welfare steps; ``flagship0``: the same with ``--welfare-steps 0``; their
  difference is the decomposition's share of a run.

The table gives medians and the ratio before / after; the JSON (``--out``) every run with the
machine's load. Usage::

    python benchmarks/welfare.py --baseline /tmp/before --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np
from before_after import CODES, ROOT, _json_run, medians, process_run

RESULTS = Path(__file__).parent / "results" / "welfare.json"
FLAGSHIP = ["run", "{data}/experiments/vologda_trade.toml", "--out", "{out}/r", "--format", "nc"]
#: run_experiment, then the decomposition alone, timed; prints one JSON line.
DECOMPOSE = """
import json, sys, time
import numpy as np
from cge.experiments import run_experiment
from cge.reporting.welfare import welfare_results
res = run_experiment(sys.argv[1] + "/experiments/vologda_trade.toml")
wall, cpu = time.perf_counter(), time.process_time()
w = welfare_results(res)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
ev = res.results["EV"].sum("household").sel(region=w["welfare_terms"]["region"]).values
print(json.dumps({"wall": wall, "cpu": cpu, "ev": ev.tolist(),
                  "terms": w["welfare_terms"].values.tolist(),
                  "max_rel_residual": float(np.nanmax(
                      np.abs(w["welfare_residual"].values[1:]) / np.abs(ev[1:])))}))
"""
STEPS = ("wall", "cpu")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--candidate", type=Path, default=ROOT)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--cases", default="decompose,flagship,flagship0",
                    help="comma-separated: decompose, flagship, flagship0")
    args = ap.parse_args()
    trees = {"before": args.baseline.resolve(), "after": args.candidate.resolve()}
    data = trees["before"]
    cases = {
        "decompose": lambda src: _json_run([sys.executable, "-c", DECOMPOSE, str(data)], src,
                                           args.timeout),
        "flagship": lambda src: process_run(src, data, FLAGSHIP, args.timeout),
        "flagship0": lambda src: process_run(src, data, [*FLAGSHIP, "--welfare-steps", "0"],
                                             args.timeout),
    }
    cases = {c: cases[c] for c in args.cases.split(",")}
    runs = []
    for k in range(args.repeat):
        for case, run in cases.items():
            # alternate which tree goes first, so that a trend in the load hits both
            for code in CODES if k % 2 == 0 else CODES[::-1]:
                rec = {"case": case, "code": code, "repeat": k,
                       "load_average": os.getloadavg()[0], **run(trees[code])}
                runs.append(rec)
                print(json.dumps({x: y for x, y in rec.items() if x not in ("terms", "ev")}),
                      file=sys.stderr, flush=True)
    summary = {case: medians(runs, case, STEPS) for case in cases}
    diff = _terms_difference(runs)
    print(f"{'case':<11}{'step':<6}{'before':>9}{'after':>9}{'ratio':>8}")
    for case, m in summary.items():
        for step in STEPS:
            if step in m["ratio"]:
                print(f"{case:<11}{step:<6}{m['before'][step]:>9.2f}{m['after'][step]:>9.2f}"
                      f"{m['ratio'][step]:>8.2f}")
    residual = {code: max((r["max_rel_residual"] for r in runs
                           if r["case"] == "decompose" and r["code"] == code
                           and "error" not in r), default=None) for code in CODES}
    print(f"largest residual / EV: {residual}; terms before vs after, largest difference / "
          f"EV: {diff}")
    loads = [r["load_average"] for r in runs]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_min_max": [min(loads), max(loads)]},
        "trees": {k: str(v) for k, v in trees.items()},
        "summary": summary, "max_rel_residual": residual, "max_diff_terms": diff,
        "runs": runs}, indent=1))
    tmp.replace(args.out)  # written whole or not at all
    print(f"wrote {args.out}")


def _terms_difference(runs: list[dict]) -> float | None:
    """Largest difference between the trees' terms, relative to the region's EV."""
    got = {r["code"]: r for r in runs if r["case"] == "decompose" and "terms" in r}
    if len(got) < 2:
        return None
    a, b = (np.array(got[c]["terms"]) for c in CODES)
    ev = np.abs(np.array(got["before"]["ev"]))[1:, :, None]
    return float(np.nanmax(np.abs(a - b)[1:] / ev))


if __name__ == "__main__":
    main()
