"""Recursive dynamics: yearly equilibria linked by capital accumulation, forecast and policy
closures, investment projects.

Public API::

    load_dynamic(path) -> DynamicExperiment          # TOML with [dynamics], [[project]]
    run_dynamic(path_or_experiment, scenarios=None) -> DynamicResult   # .results: xarray
    prepare(model, spec) -> DynamicModel; run_path(dm, name, projects, shocks, baseline=...)
"""

from cge.dynamics.driver import (
    DynamicModel,
    DynamicResult,
    DynamicSolveError,
    PathResult,
    prepare,
    run_dynamic,
    run_path,
    year_values,
)
from cge.dynamics.projects import Capex, Project
from cge.dynamics.spec import (
    DynamicExperiment,
    DynamicScenario,
    DynamicSpec,
    TimedShock,
    Trend,
    load_dynamic,
)

__all__ = ["Capex", "DynamicExperiment", "DynamicModel", "DynamicResult", "DynamicScenario",
           "DynamicSolveError", "DynamicSpec", "PathResult", "Project", "TimedShock", "Trend",
           "load_dynamic", "prepare", "run_dynamic", "run_path", "year_values"]
