"""Model build and Pyomo -> CasADi translation, before/after a change, in one run (issue 21).

Cases (each run in a fresh subprocess, so that its peak memory is its own):

* ``armington RxS``: the multi-region Armington model of ``benchmarks/solvers.py`` (21,719
  equations at 30 x 20), its trade costs shocked as there, then translated;
* ``cge N``: the project's model on a synthetic SAM of N regions x 25 sectors
  (:mod:`cge.sources.synthetic`, as ``benchmarks/scale.py``), the interregional margins ``tmg``
  declared parameters of the translation as the runner declares what its scenarios shock.

Measured per run: CPU seconds (process user + system, less sensitive than wall time to the
other jobs of a shared machine) of the build and of the first translation (``translation``,
with the collection that follows it: ``gc.collect()`` right after, since a translation that
leaves its garbage to the collector has not finished paying for it), the equations, peak
resident memory after the build and at the end, and the load average. The trees alternate:
``--baseline DIR`` (a checkout of the code before, e.g. ``git worktree add /tmp/before
6636a7e``) and ``--candidate DIR`` (default: this tree), each first on ``PYTHONPATH`` of its
subprocess. Usage::

    python benchmarks/translate.py --baseline /tmp/before --cases armington:30x20,cge:30,cge:85

Writes ``results/translate.json`` and prints a table with the ratios before / after.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "translate.json"
CODES = ("before", "after")
MEASURES = ("build_cpu", "translate_cpu", "collect_cpu", "build_peak_mb", "peak_mb")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _armington(size: str):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import solvers

    n_regions, n_sectors = (int(k) for k in size.split("x"))

    def build():
        m = solvers.build_model(n_regions, n_sectors)
        solvers.shock(m)
        return m

    return build


def _cge(size: str):
    from cge.calibration import calibrate, read_elasticities
    from cge.model import build_model
    from cge.solvers import symbolic_params
    from cge.sources.synthetic import model_config, national_flows, synthetic_sam

    nat, sectors = national_flows()
    gen = synthetic_sam(nat, sectors, int(size), seed=0)
    el = read_elasticities(ROOT / "calibration" / "vologda_elasticities.csv")
    cal = calibrate(gen.sam, el, model_config(), gen.trade_margins)

    def build():
        m = build_model(cal)
        symbolic_params(m, [m.tmg])
        return m

    return build


def run_one(case: str) -> dict:
    """Build and translate ``case`` (``kind:size``) in this process."""
    from cge.solvers.translate import translation

    kind, size = case.split(":")
    build = {"armington": _armington, "cge": _cge}[kind](size)
    cpu = time.process_time()
    m = build()
    out = {"build_cpu": time.process_time() - cpu, "build_peak_mb": _peak_mb()}
    cpu = time.process_time()
    system = translation(m)
    out["translate_cpu"] = time.process_time() - cpu
    cpu = time.process_time()
    gc.collect()
    out.update(collect_cpu=time.process_time() - cpu, peak_mb=_peak_mb(),
               equations=system.n_constraints, parameters=int(system.p.numel()),
               load_average=os.getloadavg()[0])
    return out


def _run(src: Path, case: str, timeout: float) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", case], capture_output=True,
                          text=True, timeout=timeout, check=False,
                          env={**os.environ, "PYTHONPATH": str(src)})
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def table(rows: list[dict]) -> str:
    head = f"{'case':<16}{'code':<8}{'eqs':>8}" + "".join(f"{m:>15}" for m in MEASURES)
    lines = [head]
    for row in rows:
        for code in CODES:
            r = row[code]
            if "error" in r:
                lines.append(f"{row['case']:<16}{code:<8}  {r['error']}")
                continue
            lines.append(f"{row['case']:<16}{code:<8}{r['equations']:>8}"
                         + "".join(f"{r[m]:>15.1f}" for m in MEASURES))
        if "ratio" in row:
            lines.append(f"{row['case']:<16}{'ratio':<8}{'':>8}" + "".join(
                f"{'-':>15}" if row["ratio"][m] is None else f"{row['ratio'][m]:>15.2f}"
                for m in MEASURES))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="checkout of the code before")
    parser.add_argument("--candidate", type=Path, default=ROOT,
                        help="checkout of the code after (default: this tree)")
    parser.add_argument("--cases", default="armington:30x20,cge:30,cge:85")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    if args.baseline is None:
        parser.error("--baseline is required")
    trees = {"before": args.baseline.resolve(), "after": args.candidate.resolve()}
    rows = []
    for case in args.cases.split(","):
        row: dict = {"case": case}
        for code in CODES:
            row[code] = _run(trees[code], case, args.timeout)
            print(f"{case} {code}: {row[code]}", file=sys.stderr, flush=True)
        if not any("error" in row[code] for code in CODES):
            row["ratio"] = {m: row["before"][m] / row["after"][m] if row["after"][m] else None
                            for m in MEASURES}
        rows.append(row)
    print(table(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "baseline": str(trees["before"]), "machine": platform.platform(),
        "cpus": os.cpu_count(), "python": platform.python_version(), "runs": rows,
    }, indent=2))


if __name__ == "__main__":
    main()
