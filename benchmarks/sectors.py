"""Scaling with the number of sectors: one region, n sectors, full space vs reduced space vs
cgelab (issue 21, item 3 and its Done-when on 500 sectors).

The SAM is STDCGE's layout (``sam/stdcge``: one region ECO, activities a-i selling to their
commodity c-i and exporting, factors CAP and LAB, an output tax IDT, a tariff TRF, one household,
government, investment, the rest of the world) with ``n`` sectors and seeded random flows:
dense intermediate use (every commodity in every activity, so the full system has n^2
intermediate-demand equations), value added 60 % of output, export shares 5-15 %, import
shares 10-25 % of domestic sales, tariffs 2-10 % of imports; final demand split between the
household, government and investment, direct tax chosen so that household and government both
save. Model: STDCGE's functional forms and closure (``experiments/stdcge_tariff.toml``:
Cobb-Douglas value added, Leontief intermediates, Armington and CET elasticities 2, labour as
numeraire); counterfactual: every tariff abolished.

Each run is a fresh subprocess (``peakMB`` is the run's maximum resident set size):

``project full``     this project as shipped, Newton on the full system;
``project reduced``  the same with every solve in reduced space (:mod:`cge.solvers.reduce`);
``cgelab``           cgelab 0.7.0 (PyPI) in its own virtual environment (``--cgelab-python``,
                     default ``/tmp/cgelab_venv/bin/python``), Hosoe's spec (its
                     ``examples/hosoe.py``) on the same SAM in cgelab's layout (output tax and
                     exports on the commodity column): calibrate, its base-year report
                     (reproduction, Walras, homogeneity), the same counterfactual.

Project steps: ``gen`` (SAM written and read), ``calib``, ``build`` (Pyomo), ``gates``
(:func:`cge.model.gates.check_benchmark`: structure, residual, solve from a perturbed point,
Walras, homogeneity), ``cf`` (tariffs set to zero, solved warm from the benchmark); where the time
of gates + cf goes: ``nl`` (Pyomo's NL writer), ``transl`` (whole translations, NL writer
included), ``reduce`` (building the reduced system), ``newton`` (the solves' remaining time:
derivatives, factorisations, iterations). ``dEV`` compares the solution with cgelab's: the
relative gap of the household's real consumption change (project: UU; cgelab: its utility).

Usage::

    python benchmarks/sectors.py --sizes 50,200,500
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
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "sectors.json"
ROOT = Path(__file__).resolve().parents[1]
CGELAB_PYTHON = "/tmp/cgelab_venv/bin/python"
STEPS = ("gen", "calib", "build", "gates", "cf", "total", "nl", "transl", "reduce", "newton")


def sector_cells(n: int, seed: int = 0) -> pd.DataFrame:
    """An exactly balanced STDCGE-layout SAM with ``n`` sectors (see module docstring)."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 0.5, n) * 100.0
    weight = rng.uniform(0.2, 1.8, (n, n)) * size[:, None]  # suppliers in proportion to size
    inter = 0.4 * size[None, :] * weight / weight.sum(axis=0)  # commodity i -> activity j
    va = 0.6 * size
    cap_share = rng.uniform(0.3, 0.7, n)
    idt = rng.uniform(0.02, 0.08, n) * size
    output = inter.sum(axis=0) + va + idt
    exports = rng.uniform(0.05, 0.15, n) * output
    domestic = output - exports
    imports = rng.uniform(0.10, 0.25, n) * domestic
    tariff = rng.uniform(0.02, 0.10, n) * imports
    final = domestic + imports + tariff - inter.sum(axis=1)
    if np.any(final <= 0):
        raise ValueError("generated SAM has a commodity without final demand")
    shares = rng.dirichlet([6.0, 1.5, 2.5], n)  # household, government, investment
    hoh, gov, inv = (final * shares[:, k] for k in range(3))
    income = va.sum()
    # direct tax between what the government must raise and what the household can pay
    low, high = gov.sum() - idt.sum() - tariff.sum(), income - hoh.sum()
    if not low < high:
        raise ValueError("generated SAM leaves no direct tax with positive savings")
    dtax = max(low + 0.5 * (high - low), 0.01 * income)
    sav_h, sav_g = income - hoh.sum() - dtax, idt.sum() + tariff.sum() + dtax - gov.sum()
    sav_f = imports.sum() - exports.sum()
    rows = []
    for j in range(n):
        a, c = f"a-S{j:03d}", f"c-S{j:03d}"
        rows += [("ECO", a, "ECO", c, domestic[j]), ("ECO", a, "ROW", "EXT", exports[j]),
                 ("ECO", "CAP", "ECO", a, va[j] * cap_share[j]),
                 ("ECO", "LAB", "ECO", a, va[j] * (1 - cap_share[j])),
                 ("ECO", "IDT", "ECO", a, idt[j]), ("ECO", "TRF", "ECO", c, tariff[j]),
                 ("ROW", "EXT", "ECO", c, imports[j]), ("ECO", c, "ECO", "HOH", hoh[j]),
                 ("ECO", c, "ECO", "GOV", gov[j]), ("ECO", c, "ECO", "INV", inv[j])]
        rows += [("ECO", f"c-S{i:03d}", "ECO", a, inter[i, j]) for i in range(n)]
    rows += [("ECO", "HOH", "ECO", "CAP", (va * cap_share).sum()),
             ("ECO", "HOH", "ECO", "LAB", (va * (1 - cap_share)).sum()),
             ("ECO", "GOV", "ECO", "IDT", idt.sum()), ("ECO", "GOV", "ECO", "TRF", tariff.sum()),
             ("ECO", "GOV", "ECO", "HOH", dtax), ("ECO", "INV", "ECO", "HOH", sav_h),
             ("ECO", "INV", "ECO", "GOV", sav_g), ("ECO", "INV", "ROW", "EXT", sav_f)]
    return pd.DataFrame(rows, columns=["row_region", "row_account", "col_region", "col_account",
                                       "value"])


def write_project_sam(cells: pd.DataFrame, folder: Path) -> None:
    n = sum(1 for a in cells["row_account"].unique() if a.startswith("a-"))
    kinds = ([(f"a-S{j:03d}", "activity") for j in range(n)]
             + [(f"c-S{j:03d}", "commodity") for j in range(n)]
             + [("CAP", "factor"), ("LAB", "factor"), ("IDT", "tax"), ("TRF", "tax"),
                ("HOH", "household"), ("GOV", "government"), ("INV", "savings_investment")])
    accounts = pd.DataFrame([("ECO", a, k, a) for a, k in kinds]
                            + [("ROW", "EXT", "rest_of_world", "rest of the world")],
                            columns=["region", "account", "kind", "description"])
    accounts.to_csv(folder / "accounts.csv", index=False)
    cells.to_csv(folder / "cells.csv", index=False, float_format="%.17g")
    (folder / "meta.toml").write_text(f'name = "sectors_{n}"\nunits = "value units"\n'
                                      'year = 2010\nsource = "benchmarks/sectors.py"\n')


def cgelab_entries(cells: pd.DataFrame) -> pd.DataFrame:
    """The same economy in cgelab's layout: output tax and exports on the commodity column,
    the activity selling its output net of the output tax to its commodity."""
    name = {"CAP": "f_cap", "LAB": "f_lab", "IDT": "idt", "TRF": "trf", "HOH": "hh",
            "GOV": "gov", "INV": "s_i", "EXT": "row"}

    def label(a: str) -> str:
        return name.get(a) or a.replace("-", "_").lower()

    exports = {r: v for r, c, v in zip(cells["row_account"], cells["col_account"],
                                       cells["value"], strict=True)
               if r.startswith("a-") and c == "EXT"}
    idt = {c: v for r, c, v in zip(cells["row_account"], cells["col_account"], cells["value"],
                                   strict=True) if r == "IDT" and c.startswith("a-")}
    out: dict[tuple[str, str], float] = {}
    for r, c, v in zip(cells["row_account"], cells["col_account"], cells["value"], strict=True):
        if r.startswith("a-") and c == "EXT":
            out[("c_" + r[2:].lower(), "row")] = v
        elif r.startswith("a-") and c.startswith("c-"):
            out[(label(r), label(c))] = v + exports[r] - idt[r]
            out[("idt", label(c))] = idt[r]
        elif not (r == "IDT" and c.startswith("a-")):
            key = (label(r), label(c))
            out[key] = out.get(key, 0.0) + v
    return pd.DataFrame([(r, c, v) for (r, c), v in out.items()], columns=["row", "col", "value"])


def run_cgelab(n: int, seed: int) -> dict:
    """One measured run of cgelab in this process (its own virtual environment)."""
    import cgelab

    out: dict = {"sectors": n, "path": "cgelab", "version": cgelab.__version__}
    t0 = time.perf_counter()
    sam = cgelab.SAM.from_long(cgelab_entries(sector_cells(n, seed)), name=f"sectors_{n}")
    t1 = time.perf_counter()
    sectors = [f"s{j:03d}" for j in range(n)]
    spec = cgelab.ModelSpec(
        activities=[f"a_{s}" for s in sectors], commodities=[f"c_{s}" for s in sectors],
        households=["hh"], factors=("f_cap", "f_lab"), numeraire_factor="f_lab",
        government="gov", investment="s_i", rest_of_world="row", value_added="cobb_douglas",
        sigma_armington=2.0, export_rule="cet", sigma_cet=2.0, margins=False,
        tariff_account="trf", indirect_tax_account="idt")
    econ = cgelab.calibrate(sam, spec)
    closure = cgelab.Closure(government="saving_rate", foreign_saving_unit="foreign_currency")
    t2 = time.perf_counter()
    diag = cgelab.report(econ, closure)
    t3 = time.perf_counter()
    base = cgelab.solve_period(econ, closure)
    shock = cgelab.solve_period(econ, closure, cgelab.Scenario(
        name="tariff_abolition", tariff=np.zeros(n)), warm_start=base)
    t4 = time.perf_counter()
    out.update(gen=t1 - t0, calib=t2 - t1, gates=t3 - t2, cf=t4 - t3, total=t4 - t0,
               gates_passed="FAIL" not in diag, walras=shock.walras, max_residual=shock.residual,
               xp_ratio=(shock.hh_quantity[0] / base.hh_quantity[0]).tolist(),
               peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run_project(n: int, reduced: bool, seed: int) -> dict:
    """One measured run of this project in this process (called in a subprocess)."""
    import cge.solvers.api as api_mod
    import cge.solvers.reduce as reduce_mod
    import cge.solvers.translate as translate
    from cge.calibration import calibrate, read_elasticities
    from cge.config import Closure, ModelConfig
    from cge.model import build_model
    from cge.model.gates import check_benchmark
    from cge.model.walras import check_walras
    from cge.sam import read_sam
    from cge.solvers import solve, symbolic_params

    spent = {"nl": 0.0, "transl": 0.0, "reduce": 0.0, "newton": 0.0}

    def timed(key, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start
        return wrapper

    # measurement hooks: time the translations, the NL writer and the reduction
    translate.to_casadi = timed("transl", translate.to_casadi)
    writer = translate.NLWriter

    class TimedWriter(writer):
        write = timed("nl", writer.write)

    translate.NLWriter = TimedWriter
    reduce_mod.build_reduction = timed("reduce", reduce_mod.build_reduction)
    api_mod.newton_solve = timed("newton", api_mod.newton_solve)
    reduce_mod.newton_solve = timed("newton", reduce_mod.newton_solve)
    reduce_mod.BY_DEFAULT = reduced  # every solve, gates included, in the run's space

    out: dict = {"sectors": n, "path": "project reduced" if reduced else "project full"}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_project_sam(sector_cells(n, seed), Path(tmp))
        sam = read_sam(Path(tmp))
    t1 = time.perf_counter()
    config = ModelConfig(tariff_accounts=("TRF",), closure=Closure(
        numeraire="factor:ECO:LAB", investment="savings_driven",
        foreign="flexible_exchange_rate", government="savings_rate"))
    cal = calibrate(sam, read_elasticities(ROOT / "calibration" / "stdcge_elasticities.csv"),
                    config)
    t2 = time.perf_counter()
    m = build_model(cal)
    symbolic_params(m, [m.taum])  # as the runner does for what its scenario shocks
    commodities = [k for k in m.Xp]  # (region, commodity, household)
    t3 = time.perf_counter()
    report = check_benchmark(m, solver="newton")
    t4 = time.perf_counter()
    xp0 = np.array([m.Xp[k].value for k in commodities])
    for k in m.taum:
        m.taum[k] = 0.0
    res = solve(m, "newton")
    check_walras(m, "counterfactual")
    t5 = time.perf_counter()
    out.update(
        gen=t1 - t0, calib=t2 - t1, build=t3 - t2, gates=t4 - t3, cf=t5 - t4, total=t5 - t0,
        **spent,
        gates_passed=report.passed, equations=res.n_equations,
        reduced_space=res.details.get("reduced_space"), iterations=res.iterations,
        max_residual=res.max_residual, xp_ratio=(np.array([m.Xp[k].value for k in commodities]) / xp0).tolist(),
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def table(runs: list[dict]) -> str:
    head = (f"{'n':>4} {'path':<16}{'eqs':>8}{'unkn':>7}" + "".join(f"{s:>8}" for s in STEPS)
            + f"{'iter':>5}{'max|F|':>9}{'peakMB':>7}{'gates':>6}{'dXp':>9}")
    lines = [head]
    for r in runs:
        if "error" in r:
            lines.append(f"{r['sectors']:>4} {r['path']:<16}  {r['error']}")
            continue
        space = r.get("reduced_space") or {}
        unknowns = space.get("equations", r.get("equations", "-")) if space.get("used", True) \
            else r.get("equations", "-")
        cells = "".join(f"{r[s]:>8.2f}" if r.get(s) is not None else f"{'-':>8}" for s in STEPS)
        gap = r.get("xp_gap")
        lines.append(f"{r['sectors']:>4} {r['path']:<16}{r.get('equations', '-'):>8}"
                     f"{unknowns:>7}{cells}{r.get('iterations', '-'):>5}"
                     f"{r.get('max_residual', float('nan')):>9.1e}{r['peak_mb']:>7.0f}"
                     f"{'pass' if r.get('gates_passed') else 'FAIL':>6}"
                     + (f"{gap:>9.1e}" if gap is not None else f"{'-':>9}"))
    return "\n".join(lines)


def _subprocess(cmd: list[str], timeout: float, n: int, path: str) -> dict:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"sectors": n, "path": path, "error": f"timeout after {timeout:g} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if lines:
        return json.loads(lines[-1])
    return {"sectors": n, "path": path, "error": f"failed: {done.stderr.strip().splitlines()[-1:]}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="50,200,500")
    ap.add_argument("--paths", default="cgelab,reduced,full")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--cgelab-python", default=CGELAB_PYTHON)
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--one", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        n, path = int(args.one[0]), args.one[1]
        out = run_cgelab(n, args.seed) if path == "cgelab" else run_project(
            n, path == "reduced", args.seed)
        print(json.dumps(out))
        return
    load_before = os.getloadavg()
    runs: list[dict] = []
    for n in (int(s) for s in args.sizes.split(",")):
        size_runs = []
        for path in args.paths.split(","):
            python = args.cgelab_python if path == "cgelab" else sys.executable
            label = "cgelab" if path == "cgelab" else f"project {path}"
            if path == "cgelab" and not Path(python).exists():
                runs.append({"sectors": n, "path": label, "error": f"no {python} (python -m venv "
                             "/tmp/cgelab_venv && /tmp/cgelab_venv/bin/pip install cgelab==0.7.0)"})
                continue
            run = _subprocess([python, __file__, "--one", str(n), path, "--seed", str(args.seed)],
                              args.timeout, n, label)
            run["load"] = os.getloadavg()[0]
            size_runs.append(run)
            print(table([run]).splitlines()[-1], flush=True)
        # the counterfactual's household demand changes against cgelab's
        reference = [r["xp_ratio"] for r in size_runs if r["path"] == "cgelab" and "xp_ratio" in r]
        for run in size_runs:
            if reference and "xp_ratio" in run:
                run["xp_gap"] = float(np.max(np.abs(np.array(run["xp_ratio"]) - reference[0])))
        runs += size_runs
    print()
    print(table(runs))
    print(f"\nload average (1 min) before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    for run in runs:
        run.pop("xp_ratio", None)
    result = Path(args.out)
    result.parent.mkdir(parents=True, exist_ok=True)
    tmp = result.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "cpus": os.cpu_count()},
        "load_before": load_before, "load_after": os.getloadavg(), "runs": runs}, indent=2))
    tmp.replace(result)
    print(f"wrote {result}")


if __name__ == "__main__":
    main()
