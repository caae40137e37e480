"""Scenario sweeps: every scenario a task, run serially or on Dask, resumable.

The parallel counterpart of :func:`cge.experiments.run_experiment` for many scenarios: each
scenario is solved from the benchmark in its own task (workers cache the built model, so a
worker calibrates once per sweep), and the results come back on a ``scenario`` dim with
``benchmark`` first, levels, indicators and ``pct_`` changes. The benchmark gates are the
runner's job (``cge run``); a sweep checks only that the calibrated point solves the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.experiments.spec import Scenario, load_experiment
from cge.sensitivity.execute import SERIAL, Executor, Progress, run_tasks
from cge.sensitivity.tasks import ElasticityOverride, Run, Task, complete, make_task


def sweep_tasks(experiment: str | Path, scenarios: Sequence[Scenario],
                elasticities: tuple[ElasticityOverride, ...] = ()) -> list[Task]:
    """One task per scenario."""
    exp = load_experiment(experiment)
    return [make_task(f"{exp.name}-{sc.name}", exp.file, (Run(sc.name, sc.shocks),),
                      elasticities) for sc in scenarios]


def run_sweep(experiment: str | Path, folder: str | Path, executor: Executor = SERIAL,
              progress: Progress | None = None, *, names: Sequence[str] | None = None,
              scenarios: Sequence[Scenario] = (),
              elasticities: tuple[ElasticityOverride, ...] = ()) -> xr.Dataset:
    """Solve the experiment's scenarios (those in ``names``, default all) and any extra
    ``scenarios`` built in code; results on ``scenario`` with ``benchmark`` first."""
    exp = load_experiment(experiment)
    known = {s.name: s for s in exp.scenarios}
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise InputError(Problem("unknown-scenario", f"no scenario(s) {unknown}; known: "
                                 f"{list(known)}", Location(file=str(exp.file))))
    chosen = [known[n] for n in names] if names is not None else list(exp.scenarios)
    chosen += list(scenarios)
    frames = run_tasks(sweep_tasks(exp.file, chosen, elasticities), folder, executor, progress)
    parts = [frames[0].sel(scenario=["benchmark"])] + [
        f.sel(scenario=[sc.name]) for f, sc in zip(frames, chosen, strict=True)]
    ds = xr.concat(parts, dim="scenario", combine_attrs="drop_conflicts")
    ds["description"] = ("scenario", ["benchmark"] + [sc.description for sc in chosen])
    ds.attrs.update(experiment=exp.name, elasticities="; ".join(o.describe()
                                                                 for o in elasticities))
    return complete(ds, exp.file)
