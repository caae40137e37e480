"""Running a study: step 1 from the SAM, step 2 with the dynamic model, step 3 with the static
CGE model (and :mod:`cge.sensitivity` for intervals); every input file a step runs is written
to ``inputs/`` of the results folder first.

Step 3's measures, per instrument or combination against the benchmark (model units a year):

* ``GRP``: change of the region's real GRP; ``GRP_pct`` in percent;
* ``employment``: change of the region's labour input (benchmark wages), ``employment_pct``;
* ``EV``: equivalent variation of the region's households, ``EV_all`` of every region's;
* ``budget``: change of the region's government revenue ``GREV``; ``budget_all`` of every
  government's, the federal one's ``FREV`` included;
* ``<measure>_per_rouble``: the change divided by the instrument's public cost;
* ``gap_closed``: ``GRP_pct`` over the GRP target's gap in percent of the baseline (the share
  of the gap the instrument would close at full effect), when a GRP target is given.

and the welfare decomposition of the region's EV per instrument (:mod:`cge.reporting.welfare`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import CGEError
from cge.outputs import write_text
from cge.study.analysis import Step1, step1
from cge.study.spec import Study, dynamic_toml, experiment_toml, sensitivity_toml

MEASURES = ("GRP", "employment", "EV", "budget")
_RANK_COLUMN = {"GRP": "GRP_per_rouble", "employment": "employment_per_rouble",
                "EV": "EV_per_rouble", "budget": "budget_per_rouble"}


@dataclass
class StudyResult:
    study: Study
    units: str  # the model's money unit (steps 2 and 3)
    sam_units: str  # the SAM's (step 1)
    step1: Step1
    baseline: pd.DataFrame  # year x (GRP_real, employment) of the region
    targets: pd.DataFrame  # one row per target
    effects: pd.DataFrame  # one row per instrument and combination, ranked
    intervals: pd.DataFrame | None  # instrument x (measure, mean, low, high)
    failed: list[str] = field(default_factory=list)
    gates: str = ""
    #: instrument x welfare terms of the region's EV (cge.reporting.welfare), with EV
    welfare: pd.DataFrame | None = None
    #: instruments whose EV the decomposition could not split, with the reason
    welfare_skipped: str = ""
    #: instrument x region: change of every region's real GRP, % (the tile maps' numbers)
    regional: pd.DataFrame | None = None


def _labour(ds: xr.Dataset, region: str, labour: list[str]) -> xr.DataArray:
    present = [f for f in labour if f in ds["F"].coords["factor"].values]
    return ds["F"].sel(region=region, factor=present).sum(["factor", "sector"])


def _step2(study: Study, file: Path, labour: list[str], progress
           ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """The baseline, the gaps to the targets and the capital services per unit of stock by
    region (what a project's capital yields in step 3)."""
    from cge.dynamics import run_dynamic

    res = run_dynamic(file, progress=progress)
    rho = res.results["capital_services_per_unit"].to_series().to_dict()
    ds = res.results.sel(scenario="baseline")
    base = pd.DataFrame({"GRP_real": ds["GRP_real"].sel(region=study.region).to_series(),
                         "employment": _labour(ds, study.region, labour).to_series()})
    base.index.name = "year"
    rows = []
    for t in study.targets:
        col = ds["GRP_real"].sel(region=t.region).to_series() if t.indicator == "GRP_real" \
            else _labour(ds, t.region, labour).to_series()
        start, at = float(col[study.start]), float(col[t.year])
        target = start * t.factor(study.start)
        n = t.year - study.start
        rows.append({"indicator": t.indicator, "region": t.region, "year": t.year,
                     "start_value": start, "baseline_value": at,
                     "baseline_growth": 100.0 * ((at / start) ** (1.0 / n) - 1.0),
                     "target_value": target, "target_growth": 100.0 * t.growth,
                     "gap": target - at, "gap_pct": 100.0 * (target / at - 1.0)})
    return base, pd.DataFrame(rows), rho


def _effects(study: Study, ds: xr.Dataset, targets: pd.DataFrame) -> pd.DataFrame:
    r = study.region
    names = [i.name for i in study.instruments]
    keep = [n for n in ("GRP_real", "employment", "GREV", "FREV") if n in ds]
    b = ds[keep].sel(scenario="benchmark")
    d = ds[keep].sel(scenario=names) - b
    emp, emp0 = d["employment"].sel(region=r).sum("sector"), b["employment"].sel(
        region=r).sum("sector")
    budget_all = d["GREV"].sum("region") + (d["FREV"] if "FREV" in d else 0.0)
    out = pd.DataFrame({
        "kind": [i.kind for i in study.instruments],
        "cost": [i.cost for i in study.instruments],
        "status": ds["status"].sel(scenario=names).values,
        "GRP": d["GRP_real"].sel(region=r).values,
        "GRP_pct": (100.0 * d["GRP_real"].sel(region=r) / b["GRP_real"].sel(region=r)).values,
        "employment": emp.values,
        "employment_pct": (100.0 * emp / emp0).values,
        "EV": ds["EV"].sel(scenario=names, region=r).sum("household").values,
        "EV_all": ds["EV"].sel(scenario=names).sum(["region", "household"]).values,
        "budget": d["GREV"].sel(region=r).values,
        "budget_all": np.asarray(budget_all.values, dtype=float),
    }, index=pd.Index(names, name="instrument"))
    failed = out["status"] != "ok"
    num = out.columns.drop(["kind", "cost", "status"])
    # a failed scenario has no solution: its numbers are NaN, never a benchmark copy
    out.loc[failed, num] = np.nan
    for m in MEASURES:
        out[f"{m}_per_rouble"] = out[m] / out["cost"]
    grp = targets[(targets["indicator"] == "GRP_real") & (targets["region"] == r)] \
        if len(targets) else targets
    if len(grp):
        out["gap_closed"] = 100.0 * out["GRP_pct"] / float(grp["gap_pct"].iloc[0])
    key = _RANK_COLUMN[study.rank_by]
    out["rank"] = out[key].rank(ascending=False, method="min")
    return out.sort_values(["rank"], na_position="last")


def _regional(study: Study, ds: xr.Dataset) -> pd.DataFrame:
    """Every region's real GRP change in percent by instrument; NaN where it failed."""
    names = [i.name for i in study.instruments]
    pct = ds["pct_GRP_real"].sel(scenario=names).transpose("scenario", "region")
    out = pd.DataFrame(pct.values, index=pd.Index(names, name="instrument"),
                       columns=[str(r) for r in pct["region"].values])
    out.loc[ds["status"].sel(scenario=names).values != "ok"] = np.nan
    return out


def _welfare(study: Study, res, say) -> tuple[pd.DataFrame, str]:
    """The subtotals of the region's EV by instrument (the households' term only where the
    region has several households; it is zero by definition with one)."""
    from cge.reporting.welfare import TERMS, welfare_results

    w = welfare_results(res, progress=say)
    names = [i.name for i in study.instruments]
    r = study.region
    out = w["welfare_terms"].sel(region=r, scenario=names).to_pandas()
    if int(res.results["EV"].sel(region=r, scenario="benchmark").notnull().sum()) == 1:
        out = out.drop(columns="households")
    out = out[[t for t in TERMS if t in out.columns]]
    out["EV"] = res.results["EV"].sel(region=r, scenario=names).sum("household",
                                                                   skipna=False).values
    out.index.name, out.columns.name = "instrument", None
    return out, w.attrs["welfare_skipped"]


def _intervals(study: Study, res, level: float) -> pd.DataFrame:
    from cge.sensitivity.stats import summarize

    ds = res.results
    names = [n for n in res.spec.scenarios]
    cost = xr.DataArray([i.cost for i in study.instruments if i.name in names],
                        dims="scenario", coords={"scenario": names})
    r = study.region
    sc = ds.sel(scenario=names)
    bench = ds.sel(scenario="benchmark")
    per = xr.Dataset({
        "GRP_per_rouble": (sc["GRP_real"] - bench["GRP_real"]).sel(region=r) / cost,
        "EV_per_rouble": sc["EV"].sel(region=r).sum("household") / cost,
        "budget_per_rouble": (sc["GREV"] - bench["GREV"]).sel(region=r) / cost,
    })
    ok = ~(ds["status"] == "failed").any("scenario")
    kept = per.isel(sample=ok.values)
    stat = summarize(kept, ds["weight"].isel(sample=ok.values),
                     sampled=res.design.method != "quadrature", level=level)
    sampled = res.design.method != "quadrature"
    lo, hi = ("empirical_low", "empirical_high") if sampled else ("chebyshev_low",
                                                                  "chebyshev_high")
    rows = []
    for m in per.data_vars:
        s = stat[m]
        for name in names:
            rows.append({"instrument": name, "measure": m,
                         "mean": float(s.sel(statistic="mean", scenario=name)),
                         "sd": float(s.sel(statistic="sd", scenario=name)),
                         "low": float(s.sel(statistic=lo, scenario=name)),
                         "high": float(s.sel(statistic=hi, scenario=name)),
                         "samples": int(ok.sum()), "failed_samples": int((~ok).sum())})
    return pd.DataFrame(rows)


def run_study(study: Study, out: str | Path,
              progress: Callable[[str], None] | None = None) -> StudyResult:
    """Run the three steps of ``study``; input files go to ``<out>/inputs``, the SSA's task
    files to ``<out>/ssa``. The caller holds the results folder (:func:`results_folder`)."""
    from cge.dynamics.spec import load_dynamic
    from cge.experiments import run_experiment
    from cge.experiments.runner import labour_factors, model_units
    from cge.experiments.spec import load_experiment
    from cge.sam.io import read_sam

    say = progress or (lambda line: None)
    out = Path(out)
    inputs = out / "inputs"
    dyn_file = write_text(inputs / "baseline.toml", dynamic_toml(study))
    static = load_dynamic(dyn_file).static
    sam = read_sam(static.sam)
    for label in (study.region, *study.partners, *study.country):
        if label not in sam.regions:
            raise CGEError(f"{study.file}: region {label!r} is not in the SAM {static.sam.name} "
                           f"(regions: {sam.regions})")
    labour = labour_factors(sam)
    say("step 1: SAM diagnostics, structure, multipliers, interregional links")
    s1 = step1(sam, study.region, study.partners, study.country,
               static.config.activity_prefix, static.config.commodity_prefix)
    say(f"step 2: baseline {study.start}-{study.end} ({inputs / 'baseline.toml'})")
    baseline, targets, rho = _step2(study, dyn_file, labour, say)
    exp_file = write_text(inputs / "experiment.toml", experiment_toml(study, rho))
    exp = load_experiment(exp_file)
    say(f"step 3: {len(study.instruments)} instruments and combinations "
        f"({inputs / 'experiment.toml'})")
    res = run_experiment(exp_file, progress=say)
    if res.interrupted:
        raise KeyboardInterrupt
    effects = _effects(study, res.results, targets)
    say("step 3: welfare decomposition of EV")
    welfare, skipped = _welfare(study, res, say)
    intervals = None
    if study.sensitivity is not None:
        from cge.sensitivity import run_ssa
        from cge.sensitivity.spec import load_sensitivity

        sens_file = write_text(inputs / "sensitivity.toml",
                               sensitivity_toml(study, exp_file.name))
        spec = load_sensitivity(sens_file)
        say(f"step 3: sensitivity, {spec.method} ({sens_file})")
        ssa = run_ssa(spec, out / "ssa", progress=say)
        intervals = _intervals(study, ssa, spec.level)
    return StudyResult(study, model_units(exp.config, sam.units), sam.units, s1, baseline, targets,
                       effects, intervals, [o.name for o in res.failed], res.gates.summary(),
                       welfare, skipped, _regional(study, res.results))
