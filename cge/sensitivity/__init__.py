"""Sensitivity analysis, decomposition by shock and parallel sweeps of the nonlinear model.

* :func:`load_sensitivity` / :func:`run_ssa`: systematic sensitivity analysis over elasticities
  and shock sizes by Gaussian quadrature (Stroud degree 3), Sobol' or Monte Carlo designs;
  means, standard deviations, Chebyshev and empirical intervals, and per-parameter sensitivity.
* :mod:`cge.sensitivity.decompose`: split a multi-shock result into contributions that add up
  (Shapley values; path-integral subtotals).
* :func:`run_sweep`, and :func:`run_tasks` under all of the above, with an :class:`Executor`:
  serial or Dask (local cluster or a scheduler address), one result file per task, resumable.
"""

from cge.sensitivity.decompose import Decomposition, path_integral, shapley
from cge.sensitivity.design import Design, Distribution, make_design, quadrature, sampled, stroud3
from cge.sensitivity.execute import Executor, run_tasks
from cge.sensitivity.spec import Parameter, SensitivitySpec, load_sensitivity
from cge.sensitivity.ssa import SSAResult, run_ssa
from cge.sensitivity.stats import sensitivities, summarize
from cge.sensitivity.sweep import run_sweep, sweep_tasks
from cge.sensitivity.tasks import ElasticityOverride, Run, Task, make_task, run_task

__all__ = ["Decomposition", "Design", "Distribution", "ElasticityOverride", "Executor",
           "Parameter", "Run", "SSAResult", "SensitivitySpec", "Task", "load_sensitivity",
           "make_design", "make_task", "path_integral", "quadrature", "run_ssa", "run_sweep",
           "run_task", "run_tasks", "sampled", "sensitivities", "shapley", "stroud3",
           "summarize", "sweep_tasks"]
