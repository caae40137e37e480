"""Start-up time of the command line: ``cge --help`` and ``cge --version``.

Each measurement is a fresh ``python -m cge ARGS`` subprocess run in the source tree being
measured (its folder is the working directory and ``PYTHONPATH``, so that tree's ``cge`` is
imported, not the installed one). Wall time is ``time.perf_counter`` around the process; CPU
time is the child's user + system time from ``resource.getrusage(RUSAGE_CHILDREN)``. One
warm-up run per tree and command (it writes the ``.pyc`` files) is discarded; the table shows
the median and minimum of ``--repeat`` runs.

To compare with an earlier commit, check it out in a worktree and pass it as ``--before``::

    git worktree add --detach /tmp/before <commit>
    python benchmarks/startup.py --before /tmp/before --before-label <commit>

The JSON (``benchmarks/results/startup.json``) holds every run, the medians and the
before/after ratios of the median CPU and wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "startup.json"
COMMANDS = (("--help",), ("--version",))


def measure(tree: Path, args: tuple[str, ...]) -> dict[str, float]:
    """Wall and CPU seconds of one ``python -m cge ARGS`` in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cge", *args], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def run_tree(tree: Path, repeat: int) -> dict[str, dict]:
    out = {}
    for args in COMMANDS:
        measure(tree, args)  # warm-up: compiles the .pyc files
        runs = [measure(tree, args) for _ in range(repeat)]
        out[" ".join(args)] = {
            "runs": runs,
            "median_wall": statistics.median(r["wall"] for r in runs),
            "median_cpu": statistics.median(r["cpu"] for r in runs),
            "min_wall": min(r["wall"] for r in runs),
            "min_cpu": min(r["cpu"] for r in runs),
        }
    return out


def git_commit(tree: Path) -> str:
    res = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=tree,
                         capture_output=True, text=True)
    return res.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    ap.add_argument("--before", type=Path, default=None,
                    help="source tree of the earlier version (e.g. a git worktree)")
    ap.add_argument("--before-label", default=None, help="name of the earlier version")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    args = ap.parse_args(argv)

    trees = {}
    if args.before is not None:
        trees["before"] = (args.before.resolve(), args.before_label or git_commit(args.before))
    trees["after"] = (ROOT, git_commit(ROOT))
    results = {name: {"tree": str(t), "version": label, **run_tree(t, args.repeat)}
               for name, (t, label) in trees.items()}

    print(f"{'version':<10} {'command':<10} {'wall med':>9} {'wall min':>9} {'cpu med':>9} "
          f"{'cpu min':>9}   (seconds, {args.repeat} runs)")
    for name, res in results.items():
        for cmd in (" ".join(c) for c in COMMANDS):
            r = res[cmd]
            print(f"{name:<10} {cmd:<10} {r['median_wall']:9.3f} {r['min_wall']:9.3f} "
                  f"{r['median_cpu']:9.3f} {r['min_cpu']:9.3f}")
    ratios = {}
    if "before" in results:
        for cmd in (" ".join(c) for c in COMMANDS):
            b, a = results["before"][cmd], results["after"][cmd]
            ratios[cmd] = {"cpu": b["median_cpu"] / a["median_cpu"],
                           "wall": b["median_wall"] / a["median_wall"]}
            print(f"{cmd}: before/after median CPU {ratios[cmd]['cpu']:.1f}x, "
                  f"wall {ratios[cmd]['wall']:.1f}x")
    record = {
        "benchmark": "cge start-up (python -m cge --help / --version, fresh processes)",
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "repeat": args.repeat,
        "results": results,
        "before_over_after": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
