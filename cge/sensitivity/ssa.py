"""Systematic sensitivity analysis (SSA) of the full nonlinear model.

For the uncertain parameters of a :class:`~cge.sensitivity.spec.SensitivitySpec`, build a design
(:mod:`cge.sensitivity.design`), turn each point into a task (the point's elasticities and the
CES shares recalibrated on them, set as Params of one model per process where the forms of its
equations allow, else a model of its own: :mod:`cge.sensitivity.tasks`; the point's shock
sizes; solve every chosen scenario warm-started from the benchmark, which calibration makes the
same for any elasticities), run the points in batches that keep the spec's key results
(:mod:`cge.sensitivity.batch`; serially or on Dask, resumable: :mod:`cge.sensitivity.execute`)
and summarise the key results over the samples (:mod:`cge.sensitivity.stats`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.sensitivity.batch import batches
from cge.sensitivity.design import Design, make_design
from cge.sensitivity.execute import SERIAL, Executor, Progress, run_tasks
from cge.sensitivity.spec import Parameter, SensitivitySpec
from cge.sensitivity.stats import sensitivities, summarize
from cge.sensitivity.tasks import (
    ElasticityOverride,
    Run,
    Task,
    base,
    expand_elasticities,
    make_task,
)


@dataclass
class SSAResult:
    """``results``: the key results and run bookkeeping on ``sample x scenario x ...``, the design
    (``parameter_value``, ``z``, ``weight``); ``summary``: statistics (``statistic`` dim) and
    ``sensitivity`` (``measure x parameter``) of the scenarios (benchmark and failed samples
    left out)."""

    spec: SensitivitySpec
    design: Design
    results: xr.Dataset
    summary: xr.Dataset
    sensitivity: xr.Dataset

    @property
    def failed_samples(self) -> list[int]:
        bad = (self.results["status"] == "failed").any("scenario")
        return [int(i) for i in self.results["sample"].values[bad.values]]


def point_task(spec: SensitivitySpec, values: Sequence[float], index: int) -> Task:
    """The task of one design point: elasticity overrides and the scenarios with their shock
    sizes set to the point's values."""
    params: tuple[Parameter, ...] = spec.parameters
    overrides = tuple(ElasticityOverride(p.name, float(v), p.region, p.sector, p.scale)
                      for p, v in zip(params, values, strict=True) if not p.is_shock)
    by_name = {s.name: s for s in spec.experiment.scenarios}
    runs = []
    for name in spec.scenarios:
        shocks = list(by_name[name].shocks)
        for p, v in zip(params, values, strict=True):
            if p.is_shock and p.scenario == name:
                for i in p.shocks or range(len(shocks)):
                    new = shocks[i].value * v if p.scale else float(v)
                    shocks[i] = dataclasses.replace(shocks[i], value=new)
        runs.append(Run(name, tuple(shocks)))
    return make_task(f"{spec.name}-{index:04d}", spec.experiment.file, tuple(runs), overrides)


def check_parameters(spec: SensitivitySpec) -> None:
    """Raise :class:`~cge.errors.InputError` before any solve if an elasticity override names
    an unknown region or sector (the overrides at the lower bounds of each parameter)."""
    b = base(spec.experiment.file)
    overrides = tuple(ElasticityOverride(p.name, p.distribution.low, p.region, p.sector, p.scale)
                      for p in spec.parameters if not p.is_shock)
    expand_elasticities(b.grid, overrides, b.elasticities.file)


def design_of(spec: SensitivitySpec, method: str | None = None, samples: int | None = None
              ) -> Design:
    """The spec's design, or another ``method``/``samples``; bad choices are input errors."""
    try:
        return make_design([p.distribution for p in spec.parameters], method or spec.method,
                           spec.samples if samples is None else samples, spec.seed)
    except ValueError as exc:
        raise InputError(Problem("bad-design", str(exc), Location(file=str(spec.file)))
                         ) from exc


def run_ssa(spec: SensitivitySpec, folder: str | Path, executor: Executor = SERIAL, *,
            design: Design | None = None, progress: Progress | None = None) -> SSAResult:
    """Run the SSA of ``spec``; task results go to ``<folder>/tasks`` (resumable)."""
    design = design or design_of(spec)
    check_parameters(spec)
    points = [point_task(spec, x, k) for k, x in enumerate(design.values)]
    frames = run_tasks(batches(spec.name, points, spec.key_results), folder, executor,
                       progress)
    results = xr.concat(frames, dim="sample", combine_attrs="drop_conflicts")
    labels = [p.label for p in spec.parameters]
    results = results.assign_coords(parameter=labels)
    results["parameter_value"] = (("sample", "parameter"), design.values)
    results["z"] = (("sample", "parameter"), design.z)
    results["weight"] = ("sample", design.weights)
    for name, doc in (("parameter_value", "value of each uncertain parameter at the sample"),
                      ("z", "standardised parameter value (x - mean) / sd"),
                      ("weight", "weight of the sample point in means and variances")):
        results[name].attrs.update(kind="design", description=doc)
    results.attrs.update(method=design.method, sensitivity_file=spec.file.name,
                         parameters="; ".join(_describe(p) for p in spec.parameters))

    ok = ~(results["status"] == "failed").any("scenario")
    scen = results.sel(scenario=[s for s in results["scenario"].values if s != "benchmark"])
    kept = scen.isel(sample=ok.values)
    summary = summarize(kept, kept["weight"], sampled=design.method != "quadrature",
                        level=spec.level)
    sens = sensitivities(kept, kept["z"], kept["weight"])
    summary.attrs.update(failed_samples=int((~ok).sum()), method=design.method)
    return SSAResult(spec, design, results, summary, sens)


def _describe(p: Parameter) -> str:
    d = p.distribution
    what = f"{p.label}: {d.kind} on [{d.low:g}, {d.high:g}]"
    if p.is_shock:
        return what + (" times the shock value" if p.scale else " as the shock value")
    return what + (" times the file's values" if p.scale else "")
