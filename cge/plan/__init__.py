"""Interregional optimisation (Kantorovich / Granberg OMMM) on HiGHS, and project forecasts.

>>> from cge import examples, plan
>>> data = plan.from_sam(examples.toy_sam(), headroom=0.05)
>>> result = plan.solve_plan(data)          # LP: max sets of final consumption
>>> result.sets, result.shadow_prices        # optimum and duals of the commodity balances

Plan files (TOML) are read by :func:`read_plan`; see ``experiments/vologda_plan.toml``.
"""

from cge.plan.data import PlanData, Project, from_sam, read_margins
from cge.plan.files import PlanFile, read_plan
from cge.plan.forecast import Forecast, compare_with_cge, forecast, io_projection
from cge.plan.model import BLOCKS, PlanInfeasible, PlanResult, build_model, solve_plan

__all__ = ["BLOCKS", "Forecast", "PlanData", "PlanFile", "PlanInfeasible", "PlanResult",
           "Project", "build_model", "compare_with_cge", "forecast", "from_sam",
           "io_projection", "read_margins", "read_plan", "solve_plan"]
