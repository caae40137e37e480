"""Experiment files, the runner and result exports."""

from cge.experiments.runner import (
    ExperimentResult,
    ScenarioOutcome,
    percent_change,
    run_experiment,
)
from cge.experiments.spec import Experiment, Scenario, Shock, load_experiment

__all__ = ["Experiment", "ExperimentResult", "Scenario", "Shock", "load_experiment",
           "ScenarioOutcome", "percent_change", "run_experiment"]
