"""Parallel sweeps: Dask gives the serial results; an interrupted sweep resumes without redoing
finished tasks and ends with the uninterrupted results."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import xarray as xr

import cge.sensitivity.execute as execute
from cge.experiments.spec import Scenario, Shock
from cge.sensitivity import Executor
from cge.sensitivity.sweep import run_sweep, sweep_tasks

ROOT = Path(__file__).resolve().parents[1]
STDCGE = ROOT / "experiments" / "stdcge_tariff.toml"
# tariffs at 0, 25, 50 and 75 % of their benchmark rates: four tasks on one calibration
SCENARIOS = [Scenario(f"taum_x{x}", "", (Shock("taum", "multiply", x),))
             for x in (0.0, 0.25, 0.5, 0.75)]


def sweep(folder: Path, executor: Executor = execute.SERIAL) -> xr.Dataset:
    return run_sweep(STDCGE, folder, executor, names=[], scenarios=SCENARIOS)


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> xr.Dataset:
    return sweep(tmp_path_factory.mktemp("serial"))


def test_tasks_pickle():
    for task in sweep_tasks(STDCGE, SCENARIOS):
        assert pickle.loads(pickle.dumps(task)) == task


def test_dask_gives_the_serial_results(tmp_path, serial):
    parallel = sweep(tmp_path, Executor(workers=2, processes=False))
    xr.testing.assert_identical(parallel, serial)
    # the full abolition is the published STDCGE experiment
    assert float(serial["EV"].sel(scenario="taum_x0.0").squeeze()) == pytest.approx(1.145, abs=5e-4)


def test_interrupted_sweep_resumes_without_redoing_tasks(tmp_path, serial, monkeypatch):
    calls = []
    real = execute.run_task

    def crashing_after_two(task):
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated kill")
        calls.append(task.id)
        return real(task)

    monkeypatch.setattr(execute, "run_task", crashing_after_two)
    with pytest.raises(KeyboardInterrupt):
        sweep(tmp_path)
    files = sorted((tmp_path / "tasks").glob("*.nc"))
    assert len(files) == 2 and not list((tmp_path / "tasks").glob(".*tmp"))
    mtimes = {f.name: f.stat().st_mtime_ns for f in files}

    def counting(task):
        calls.append(task.id)
        return real(task)

    calls.clear()
    monkeypatch.setattr(execute, "run_task", counting)
    resumed = sweep(tmp_path)
    assert len(calls) == 2  # only the two unfinished tasks ran
    assert {f.name: f.stat().st_mtime_ns for f in files} == mtimes
    xr.testing.assert_identical(resumed, serial)
    # a third run computes nothing
    calls.clear()
    xr.testing.assert_identical(sweep(tmp_path), serial)
    assert calls == []
