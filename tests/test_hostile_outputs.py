"""Results are never lost or misplaced: a catalogue of hostile output folders, names, task
files and interruptions, through the command line and the API.

Each case checks the exit status (or the exception), that the message names the folder, file
or label at fault, that no traceback is printed, and that results already in the output folder
are byte for byte intact. Refusals must come before any solving: the solving functions are
replaced by ones that fail the test if they are called.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from toy import TOY_MODEL

import cge.sensitivity.batch
import cge.sensitivity.execute as execute
from cge import outputs
from cge.cli import main
from cge.errors import InputError
from cge.outputs import LOCK, MANIFEST, Interrupted

ROOT = Path(__file__).resolve().parents[1]
STDCGE = ROOT / "experiments" / "stdcge_tariff.toml"
TOY = ROOT / "experiments" / "toy_interregional.toml"
HALF = """
[[scenario]]
name = "tariff_half"
description = "import tariffs halved"
shocks = [{ parameter = "taum", multiply = 0.5 }]
"""


def experiment(folder: Path, *, name: str = "stdcge_copy", extra: str = HALF,
               scenario: str = "tariff_abolition") -> Path:
    """A copy of the STDCGE experiment (paths made absolute) with another name and a second
    scenario, written to ``folder/<safe file name>.toml``."""
    text = STDCGE.read_text(encoding="utf-8").replace('"../', f'"{ROOT}/')
    text = text.replace('name = "stdcge_tariff"', f"name = {json.dumps(name)}")
    text = text.replace('name = "tariff_abolition"', f"name = {json.dumps(scenario)}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"exp{len(list(folder.glob('exp*.toml')))}.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """The results folder of a finished `cge run` of the STDCGE experiment (NetCDF, CSV)."""
    out = tmp_path_factory.mktemp("earlier") / "stdcge"
    assert main(["run", str(STDCGE), "--format", "nc,csv", "--out", str(out)]) == 0
    return out


@pytest.fixture
def results(earlier, tmp_path) -> Path:
    """A private copy of the earlier results."""
    return Path(shutil.copytree(earlier, tmp_path / "results"))


@pytest.fixture
def no_solve(monkeypatch):
    """Fail the test if anything is calibrated or solved."""
    def forbidden(*args, **kwargs):
        raise AssertionError("solved although the output folder should have been refused")

    import cge.dynamics
    import cge.experiments
    import cge.plan
    import cge.sensitivity.ssa
    import cge.sensitivity.sweep
    # cge run looks run_experiment up in cge.experiments when it starts
    monkeypatch.setattr(cge.experiments, "run_experiment", forbidden)
    monkeypatch.setattr(cge.dynamics, "run_dynamic", forbidden)
    monkeypatch.setattr(cge.plan, "solve_plan", forbidden)
    monkeypatch.setattr(cge.sensitivity.ssa, "run_ssa", forbidden)
    monkeypatch.setattr(cge.sensitivity.sweep, "run_sweep", forbidden)
    monkeypatch.setattr(execute, "run_task", forbidden)


# -- output folders refused before solving ---------------------------------------------------

def _ssa_file(folder: Path) -> Path:
    path = folder / "ssa.toml"
    path.write_text(f'name = "ssa_t"\n[sensitivity]\nexperiment = "{STDCGE}"\n'
                    '[[sensitivity.parameter]]\nname = "sigma_arm"\ndistribution = "uniform"\n'
                    'low = 1.0\nhigh = 3.0\n', encoding="utf-8")
    return path


COMMANDS = {  # command line before --out, for each command that writes a results folder
    "run": lambda tmp: ["run", STDCGE],
    "run --scenario": lambda tmp: ["run", STDCGE, "--scenario", "tariff_abolition"],
    "dynamic": lambda tmp: ["dynamic", ROOT / "experiments" / "vologda_2035.toml"],
    "sweep": lambda tmp: ["sweep", STDCGE],
    "decompose": lambda tmp: ["decompose", TOY, "--scenario", "project_north_man"],
    "sensitivity": lambda tmp: ["sensitivity", _ssa_file(tmp)],
    "plan": lambda tmp: ["plan", ROOT / "experiments" / "vologda_plan.toml"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_that_is_a_file_is_refused(command, tmp_path, capsys, no_solve):
    target = tmp_path / "results.txt"
    target.write_text("my notes\n", encoding="utf-8")
    code, _, err = cli(capsys, *COMMANDS[command](tmp_path), "--out", target)
    assert code == 2
    assert f"--out {target} is an existing file" in err
    assert target.read_text(encoding="utf-8") == "my notes\n"


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity", "decompose"])
def test_out_below_a_file_is_refused(command, tmp_path, capsys, no_solve):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = cli(capsys, *COMMANDS[command](tmp_path), "--out", blocker / "sub")
    assert code == 2 and f"{blocker} is a file" in err
    assert blocker.read_text(encoding="utf-8") == "x"


def test_unwritable_out_is_refused(tmp_path, capsys, no_solve, monkeypatch):
    # tests may run as root, who may write anywhere: deny the permission check instead
    locked = tmp_path / "readonly"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(outputs.os, "access",
                        lambda p, mode: False if Path(p) == locked else real(p, mode))
    code, _, err = cli(capsys, "run", STDCGE, "--out", locked / "out")
    assert code == 2 and "is not writable" in err and str(locked) in err
    assert not (locked / "out").exists()


@pytest.mark.parametrize("command", ["run", "run --scenario", "sweep", "sensitivity"])
def test_results_of_another_experiment_are_refused(command, tmp_path, results, capsys,
                                                   no_solve):
    before = hashes(results)
    args = COMMANDS[command](tmp_path)
    if command != "sensitivity":  # another experiment than the one that wrote the folder
        args[1] = experiment(tmp_path)
    code, _, err = cli(capsys, *args, "--out", results)
    assert code == 2
    assert f"output folder {results} holds the results of another input" in err
    assert "--overwrite" in err
    assert hashes(results) == before


def test_results_of_an_earlier_version_of_the_file_are_refused(tmp_path, capsys, monkeypatch):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    assert cli(capsys, "run", exp, "--scenario", "tariff_half", "--format", "nc",
               "--out", out)[0] == 0
    before = hashes(out)
    exp.write_text(exp.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    code, _, err = cli(capsys, "run", exp, "--scenario", "tariff_half", "--out", out)
    assert code == 2 and "same file with other contents or data" in err and str(out) in err
    assert hashes(out) == before
    # --overwrite replaces them, and the manifest then names the new version
    assert cli(capsys, "run", exp, "--scenario", "tariff_half", "--format", "nc", "--out", out,
               "--overwrite")[0] == 0
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    from cge.experiments.spec import load_experiment

    assert manifest["input_sha256"] == outputs.sha256_inputs(
        [exp, *load_experiment(exp).data_files])


def test_other_scenarios_of_the_same_file_are_refused(results, capsys, no_solve):
    before = hashes(results)
    code, _, err = cli(capsys, "run", STDCGE, "--scenario", "tariff_abolition", "--out",
                       results)
    assert code == 2
    assert "`cge run stdcge_tariff.toml`, not of `cge run stdcge_tariff.toml --scenario " \
           "tariff_abolition`" in err
    assert hashes(results) == before


@pytest.mark.parametrize("stray", ["notes.txt", "figures/old.png"])
def test_folder_with_files_and_no_manifest_is_refused(stray, tmp_path, capsys, no_solve):
    out = tmp_path / "mine"
    (out / stray).parent.mkdir(parents=True)
    (out / stray).write_text("keep me", encoding="utf-8")
    code, _, err = cli(capsys, "run", STDCGE, "--out", out)
    assert code == 2 and str(out) in err and stray in err and "no manifest" in err
    assert (out / stray).read_text(encoding="utf-8") == "keep me"
    assert not (out / MANIFEST).exists()


def test_report_into_another_runs_folder_is_refused(tmp_path, results, capsys):
    other = tmp_path / "other"
    shutil.copytree(results, other)
    (other / MANIFEST).write_text(json.dumps({"input": str(TOY), "input_sha256": "0",
                                              "commands": {"run": ""}}), encoding="utf-8")
    before = hashes(other)
    code, _, err = cli(capsys, "report", results, "--format", "csv", "--out", other)
    assert code == 2 and f"output folder {other}" in err and str(TOY) in err
    assert hashes(other) == before


def test_report_next_to_its_results_is_allowed(results, capsys):
    nc = hashes(results)["results.nc"]
    code, out, _ = cli(capsys, "report", results, "--format", "tex")
    assert code == 0 and f"to {results}" in out
    assert (results / "tables" / "welfare.tex").exists()
    assert hashes(results)["results.nc"] == nc


def test_a_locked_folder_is_refused_naming_the_lock(results, capsys, no_solve):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (results / LOCK).write_text(f"{alive.pid}\n", encoding="ascii")
        before = hashes(results)
        code, _, err = cli(capsys, "run", STDCGE, "--out", results)
    finally:
        alive.kill()
        alive.wait()
    assert code == 2
    assert f"output folder {results} is in use" in err and str(results / LOCK) in err
    assert f"pid {alive.pid}" in err
    assert hashes(results) == before


def test_a_stale_lock_is_taken_over_and_the_same_run_may_write_again(results, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (results / LOCK).write_text(f"{dead.pid}\n", encoding="ascii")
    code, out, _ = cli(capsys, "run", STDCGE, "--format", "nc", "--out", results)
    assert code == 0 and f"to {results}" in out
    assert not (results / LOCK).exists()  # released after the run


def test_io_outputs_are_files_checked_before_computing(tmp_path, capsys):
    shock = tmp_path / "shock.csv"
    shock.write_text("region,sector,value\nNORTH,agr,10\n", encoding="utf-8")
    sam = ROOT / "sam" / "toy2r"
    existing = tmp_path / "impact.csv"
    existing.write_text("earlier table\n", encoding="utf-8")
    code, _, err = cli(capsys, "io", "impact", sam, "--shock", shock, "--out", existing)
    assert code == 2 and f"--out {existing} exists" in err and "--overwrite" in err
    assert existing.read_text(encoding="utf-8") == "earlier table\n"
    code, _, err = cli(capsys, "io", "impact", sam, "--shock", shock, "--out", tmp_path)
    assert code == 2 and f"--out {tmp_path} is a folder" in err
    code, _, _ = cli(capsys, "io", "impact", sam, "--shock", shock, "--out", existing,
                     "--overwrite")
    assert code == 0 and existing.read_text(encoding="utf-8").startswith("region,sector")


def test_compare_csv_is_not_overwritten(results, tmp_path, capsys):
    table = tmp_path / "compare.csv"
    table.write_text("earlier\n", encoding="utf-8")
    code, _, err = cli(capsys, "compare", results, "--csv", table)
    assert code == 2 and f"--csv {table} exists" in err
    assert table.read_text(encoding="utf-8") == "earlier\n"


# -- names used in paths ---------------------------------------------------------------------

@pytest.mark.parametrize("name, reason", [
    ("../escaped", "path separator"),
    ("up..", "'..'"),
    ("/tmp/absolute", "path separator"),
    ("a/b", "path separator"),
    ("..", "'..'"),
    ("back\\\\slash", "path separator"),
    ("C:drive", "absolute path"),
    ("", "empty"),
])
def test_unsafe_experiment_names_are_refused(name, reason, tmp_path, capsys, no_solve,
                                             monkeypatch):
    exp = experiment(tmp_path / "in", name=name)
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", exp)
    assert code == 2
    assert "experiment name" in err and reason in err and str(exp) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # nothing written anywhere


@pytest.mark.parametrize("command", ["sweep", "decompose"])
def test_unsafe_scenario_names_are_refused(command, tmp_path, capsys, no_solve):
    exp = experiment(tmp_path / "in", scenario="../../x")
    args = ["--scenario", "../../x"] if command == "decompose" else []
    code, _, err = cli(capsys, command, exp, *args, "--out", tmp_path / "out")
    assert code == 2
    assert "scenario name '../../x'" in err and str(exp) in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "x").exists()


def test_api_refuses_task_ids_that_leave_the_folder(tmp_path):
    from cge.sensitivity.tasks import Task

    task = Task("../outside", str(STDCGE), ())
    with pytest.raises(InputError, match=r"stdcge_tariff\.toml: task id .* '\.\./outside'"):
        execute.run_tasks([task], tmp_path / "out")
    assert not (tmp_path / "outside.nc").exists()


def test_api_refuses_table_and_figure_names_with_separators(tmp_path):
    import pandas as pd

    from cge.reporting.export import write_latex
    from cge.reporting.figures import save_figures

    with pytest.raises(InputError, match=r"table name '\.\./up'"):
        write_latex({"../up": pd.DataFrame({"a": [1.0]})}, tmp_path / "tables")
    with pytest.raises(InputError, match=r"figure name 'x/y'"):
        save_figures({"x/y": None}, tmp_path / "figures")
    assert not (tmp_path / "up.tex").exists() and not list(tmp_path.rglob("*.png"))


# -- atomic files ----------------------------------------------------------------------------

@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError])
def test_an_interrupted_write_leaves_the_old_file(fault, tmp_path, monkeypatch):
    target = tmp_path / "results.nc"
    target.write_bytes(b"earlier results")

    def failing_replace(src, dst):
        raise fault("killed while renaming")

    monkeypatch.setattr(outputs.os, "replace", failing_replace)
    with pytest.raises(fault):
        outputs.write_bytes(target, b"new results" * 1000)
    assert target.read_bytes() == b"earlier results"
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]  # no temporary left


def test_a_failing_writer_leaves_no_results_file(earlier, tmp_path, monkeypatch):
    from cge.reporting.export import read_results, write_netcdf

    ds = read_results(earlier)

    def dying(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(ds), "to_netcdf", dying)
    with pytest.raises(KeyboardInterrupt):
        write_netcdf(ds, tmp_path / "results.nc")
    assert not list(tmp_path.iterdir())


# -- task files of sweeps --------------------------------------------------------------------

@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("swept") / "sweep"
    assert main(["sweep", str(STDCGE), "--out", str(out), "--quiet"]) == 0
    return out


def _damage(kind: str, task: Path, tmp: Path) -> None:
    if kind == "truncated":
        task.write_bytes(task.read_bytes()[:200])
    elif kind == "random bytes":
        task.write_bytes(os.urandom(4000))
    elif kind == "appended":
        task.write_bytes(task.read_bytes() + b"\0" * 8)
    elif kind == "no checksum":
        task.with_name(task.name + ".sha256").unlink()
    elif kind == "foreign":  # a consistent file and checksum of another task
        ds = xr.open_dataset(task, engine="scipy").load()
        ds.attrs["task"] = "another-experiment-0123456789ab"
        data = bytes(ds.to_netcdf(engine="scipy"))
        task.write_bytes(data)
        task.with_name(task.name + ".sha256").write_text(hashlib.sha256(data).hexdigest())
    elif kind == "empty":
        task.write_bytes(b"")


@pytest.mark.parametrize("kind", ["truncated", "random bytes", "appended", "no checksum",
                                  "foreign", "empty"])
def test_a_bad_task_file_is_named_and_recomputed(kind, swept, tmp_path, capsys):
    out = Path(shutil.copytree(swept, tmp_path / "sweep"))
    (task,) = (out / "tasks").glob("*.nc")
    good = xr.open_dataset(swept / "sweep.nc", engine="scipy").load()
    _damage(kind, task, tmp_path)
    code, _, err = cli(capsys, "sweep", STDCGE, "--out", out)
    assert code == 0
    assert f"warning: task file {task} is not usable, computing it again" in err
    assert "[1/1]" in err  # it was solved again
    xr.testing.assert_identical(xr.open_dataset(out / "sweep.nc", engine="scipy").load(),
                                good)
    assert execute.task_file_problem(task, _task_of(out)) == ""


def _task_of(out: Path):
    from cge.experiments.spec import load_experiment
    from cge.sensitivity.sweep import sweep_tasks

    return sweep_tasks(STDCGE, load_experiment(STDCGE).scenarios)[0]


def test_an_intact_task_file_is_resumed_without_a_warning(swept, tmp_path, capsys, monkeypatch):
    out = Path(shutil.copytree(swept, tmp_path / "sweep"))
    before = hashes(out / "tasks")
    monkeypatch.setattr(execute, "run_task", lambda task: pytest.fail("recomputed"))
    code, _, err = cli(capsys, "sweep", STDCGE, "--out", out)
    assert code == 0 and "warning" not in err and "resuming: 1 of 1" in err
    assert hashes(out / "tasks") == before


# -- Ctrl-C ----------------------------------------------------------------------------------

def test_ctrl_c_in_run_keeps_finished_scenarios(tmp_path, capsys, monkeypatch):
    import cge.experiments

    exp = experiment(tmp_path)
    real = cge.experiments.run_experiment

    def interrupted_after_first(path, *, scenarios=None, progress=None):
        def progress_then_ctrl_c(line):
            progress(line)
            raise KeyboardInterrupt

        return real(path, scenarios=scenarios, progress=progress_then_ctrl_c)

    monkeypatch.setattr(cge.experiments, "run_experiment", interrupted_after_first)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", exp, "--format", "nc,csv", "--out", out)
    assert code == 130
    line = err.splitlines()[-1]
    assert line.startswith("cge: interrupted: finished 1 of 2 scenario(s) (tariff_abolition)")
    assert f"written to {out}" in line and "not run: tariff_half" in line
    assert f"cge run {exp} --scenario tariff_half --out {out}_rest" in line
    assert sum("interrupted" in x for x in err.splitlines()) == 1
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    assert list(ds["scenario"].values) == ["benchmark", "tariff_abolition"]
    assert ds.attrs["interrupted"] == "tariff_half"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / LOCK).exists()


def test_ctrl_c_before_any_scenario_writes_nothing(results, capsys, monkeypatch):
    import cge.experiments

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cge.experiments, "run_experiment", ctrl_c)
    before = hashes(results)
    code, _, err = cli(capsys, "run", STDCGE, "--out", results)
    assert code == 130
    assert err.strip() == (f"cge: interrupted; files written before are complete, nothing is "
                           f"half-written; run again: cge run {STDCGE} --out {results}")
    assert {k: v for k, v in hashes(results).items() if k != MANIFEST} == \
        {k: v for k, v in before.items() if k != MANIFEST}


@pytest.mark.parametrize("command", [
    "sweep", pytest.param("sensitivity", marks=pytest.mark.slow)])  # over 10 s here
def test_ctrl_c_in_a_sweep_says_how_to_resume_and_resume_works(command, tmp_path, capsys,
                                                                monkeypatch):
    exp = experiment(tmp_path)
    args = ["sweep", exp] if command == "sweep" else ["sensitivity", _ssa_file(tmp_path)]
    out = tmp_path / "out"
    # a sweep's tasks are scenarios; an SSA's are batches of points (one point each here)
    runner = "run_task" if command == "sweep" else "run_batch"
    monkeypatch.setattr(cge.sensitivity.batch, "BATCH_POINTS", 1)
    real, calls = getattr(execute, runner), []

    def ctrl_c_on_second(task):
        if calls:
            raise KeyboardInterrupt
        calls.append(task.id)
        return real(task)

    monkeypatch.setattr(execute, runner, ctrl_c_on_second)
    code, _, err = cli(capsys, *args, "--out", out, "--quiet")
    assert code == 130
    (line,) = err.splitlines()
    again = " ".join(str(a) for a in ["cge", *args, "--out", out, "--quiet"])
    assert line == (f"cge: interrupted: 1 of 2 tasks finished (kept in {out / 'tasks'}); the "
                    f"rest did not run; to resume, run the same command again: {again}")
    finished = hashes(out / "tasks")
    monkeypatch.setattr(execute, runner, real)
    code, _, err = cli(capsys, *args, "--out", out)
    assert code == 0 and "resuming: 1 of 2 tasks already done" in err
    assert all(hashes(out / "tasks")[k] == v for k, v in finished.items())


def test_ctrl_c_in_dynamic_exits_130(tmp_path, capsys, monkeypatch):
    import cge.dynamics

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cge.dynamics, "run_dynamic", ctrl_c)
    file = ROOT / "experiments" / "vologda_2035.toml"
    code, _, err = cli(capsys, "dynamic", file, "--out", tmp_path / "dyn")
    assert code == 130 and len(err.splitlines()) == 1
    assert f"run again: cge dynamic {file} --out {tmp_path / 'dyn'}" in err
    assert [p.name for p in (tmp_path / "dyn").iterdir()] == [MANIFEST]  # no result


DYNAMIC_TOY = f"""
name = "toy_dynamic"
{TOY_MODEL}factor_mobility = {{ cap = "specific" }}
[dynamics]
start = 2021
end = 2023
growth = 0.02
depreciation = 0.05
investment_elasticity = 2.0
[[scenario]]
name = "margins"
shocks = [ {{ parameter = "tmg", multiply = 0.5, from = 2022, full = 2022 }} ]
[[scenario]]
name = "more_margins"
shocks = [ {{ parameter = "tmg", multiply = 0.25, from = 2022, full = 2022 }} ]
"""


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_ctrl_c_in_dynamic_keeps_the_finished_paths(tmp_path, capsys, monkeypatch):
    import cge.dynamics.driver as driver

    real = driver.run_path

    def ctrl_c_on_second_scenario(dm, name, *args, **kwargs):
        if name == "more_margins":
            raise KeyboardInterrupt
        return real(dm, name, *args, **kwargs)

    monkeypatch.setattr(driver, "run_path", ctrl_c_on_second_scenario)
    file = tmp_path / "dyn.toml"
    file.write_text(DYNAMIC_TOY)
    out = tmp_path / "dyn"
    code, _, err = cli(capsys, "dynamic", file, "--out", out)
    assert code == 130 and "Traceback" not in err
    # progress lines (one per path and year) come first; the interruption is reported last
    line = err.splitlines()[-1]
    assert "finished the baseline and 1 of 2 scenario(s)" in line
    assert f"--scenario more_margins --out {out}_rest" in line
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    assert list(ds["scenario"].values) == ["baseline", "margins"]
    assert ds.attrs["interrupted"] == "more_margins"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_api_ctrl_c_reports_finished_tasks(tmp_path, monkeypatch):
    def ctrl_c(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "run_task", ctrl_c)
    from cge.sensitivity.sweep import run_sweep

    with pytest.raises(Interrupted) as info:
        run_sweep(STDCGE, tmp_path)
    assert (info.value.done, info.value.total) == (0, 1)
    assert str(tmp_path / "tasks") in str(info.value)


SLOW_SCENARIOS = """
import sys, time
import cge.experiments.runner as runner
real = runner.run_scenario
def slow(m, sc, exp, *args, **kwargs):
    if sc.name != "tariff_abolition":
        time.sleep(30)  # long enough to be interrupted
    return real(m, sc, exp, *args, **kwargs)
runner.run_scenario = slow
from cge.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_sigint_to_a_running_cge_run(tmp_path):
    """A real SIGINT, sent after the first scenario's progress line."""
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SCENARIOS, "run", str(exp), "--format",
                             "nc", "--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("[1/2] tariff_abolition"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, "".join(lines) + rest
    assert "Traceback" not in rest
    (line,) = rest.splitlines()
    assert "finished 1 of 2 scenario(s) (tariff_abolition)" in line
    assert "not run: tariff_half" in line
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    assert list(ds["status"].values) == ["benchmark", "ok"]


def _with_own_sam(folder: Path) -> tuple[Path, Path]:
    """The STDCGE experiment reading a private copy of its SAM; (experiment, SAM folder)."""
    sam = Path(shutil.copytree(ROOT / "sam" / "stdcge", folder / "sam"))
    path = experiment(folder / "exp")
    path.write_text(path.read_text().replace(f'"{ROOT}/sam/stdcge"', f'"{sam}"'))
    return path, sam


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_results_of_other_data_are_not_overwritten(tmp_path, capsys):
    """Same experiment file, edited SAM (here: its notes file): the folder holds results of
    other inputs, so the second run is refused until --overwrite."""
    path, sam = _with_own_sam(tmp_path)
    out = tmp_path / "out"
    assert cli(capsys, "run", path, "--format", "nc", "--out", out)[0] == 0
    before = hashes(out)
    (sam / "SOURCES.md").write_text("edited\n")
    code, _, err = cli(capsys, "run", path, "--format", "nc", "--out", out)
    assert code == 2 and "other contents or data" in err and str(out) in err
    assert hashes(out) == before
    assert cli(capsys, "run", path, "--format", "nc", "--out", out, "--overwrite")[0] == 0


def test_sweep_tasks_of_other_data_are_not_resumed(tmp_path):
    """A task's id covers the data its experiment names: after the SAM changes, no earlier
    task file can be taken for a result of the new data."""
    from cge.sensitivity import tasks

    path, sam = _with_own_sam(tmp_path)
    run = (tasks.Run("r", ()),)
    first = tasks.make_task("t", path, run).id
    (sam / "SOURCES.md").write_text("edited\n")
    tasks._data_digest.cache_clear()  # a new process would read the data afresh
    assert tasks.make_task("t", path, run).id != first
