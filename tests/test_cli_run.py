"""The command line: cge run / report / compare, exit codes and error messages.

``cge`` is called in-process through :func:`cge.cli.main` (same code path as the console
script, without the start-up time of a subprocess).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from cge.cli import main

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_interregional.toml"


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_run_writes_report_and_compare(tmp_path, capsys):
    out = tmp_path / "toy"
    assert main(["run", str(TOY), "--scenario", "tariff_cut", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/1] tariff_cut: ok" in captured.err
    assert "real GRP" in captured.out
    for f in ("results.nc", "results.csv", "tables.xlsx", "tables/grp.tex",
              "figures/welfare.png", "figures/welfare.pdf"):
        assert (out / f).exists(), f
    assert main(["report", str(out), "--format", "csv,tex", "--lang", "ru", "--labels",
                 str(ROOT / "calibration" / "labels_vologda.csv"), "--out",
                 str(tmp_path / "ru")]) == 0
    assert (tmp_path / "ru" / "tables_ru" / "welfare.tex").exists()
    capsys.readouterr()
    assert main(["compare", str(out), str(out / "results.nc")]) == 0
    assert "tariff_cut" in capsys.readouterr().out


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_failed_scenario_exit_status_and_kept_results(tmp_path, capsys):
    text = TOY.read_text(encoding="utf-8").replace('"../', f'"{ROOT}/')
    text += """
[[scenario]]
name = "negative_capital"
shocks = [{ parameter = "FFS", where = { region = ["NORTH"], sector = ["man"] }, set = -10.0 }]
"""
    exp = tmp_path / "exp.toml"
    exp.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(exp), "--scenario", "negative_capital", "--scenario", "tariff_cut",
                 "--out", str(out), "--format", "nc"])
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 2 scenario(s) failed: negative_capital" in err
    assert "Traceback" not in err
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    assert list(ds["status"].values) == ["benchmark", "ok", "failed"]
    assert float(ds["pct_GRP_real"].sel(scenario="tariff_cut", region="NORTH")) > 0


@pytest.mark.parametrize("body, message", [
    ('\n[[scenario]]\nname = "s"\nshocks = [{ parameter = "nope", set = 1.0 }]\n',
     "unknown parameter 'nope'"),
    ('\n[[scenario]]\nname = "s"\nshocks = [{ parameter = "taum", where = { region = ["X"] },'
     ' set = 1.0 }]\n', "unknown region 'X'"),
    ('\n[[scenario]\n', "bad-toml"),
])
def test_malformed_file_exit_2_without_traceback(tmp_path, capsys, body, message):
    text = TOY.read_text(encoding="utf-8").replace('"../', f'"{ROOT}/')
    exp = tmp_path / "exp.toml"
    exp.write_text(text + body, encoding="utf-8")
    assert main(["run", str(exp), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and str(exp) in err and "Traceback" not in err


def test_report_on_missing_results_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none")]) == 2
    assert "no results file" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vologda_trade", "vologda_cooperation", "vologda_world_trade",
                                  "vologda_steel_project", "vologda_coop_industrial"])
def test_flagship_experiments_solve(tmp_path, name):
    """Every flagship experiment file passes the gates and solves all its scenarios (about
    20 s each, so excluded from the default run: pytest -m slow). The welfare decomposition's
    path solves are left out (--welfare-steps 0): with them the local-content file took 766 s
    here, and the decomposition of these files is tested in test_welfare_decomposition.py
    and test_industrial_cooperation.py."""
    out = tmp_path / name
    assert main(["run", str(ROOT / "experiments" / f"{name}.toml"), "--out", str(out),
                 "--format", "nc", "--welfare-steps", "0", "--labels",
                 str(ROOT / "calibration" / "labels_vologda.csv")]) == 0
    ds = xr.open_dataset(out / "results.nc", engine="scipy")
    assert (ds["status"].values[1:] == "ok").all()


HEAVY = ("pandas", "xarray", "pyomo", "matplotlib", "scipy", "casadi", "dask")


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_heavy_module(option):
    """``cge --help`` builds every command's parser without the model stack (what made it
    take seconds); the start-up time itself is measured by benchmarks/startup.py."""
    import subprocess
    import sys

    code = ("import sys\nfrom cge.cli import main\n"
            f"try:\n    main([{option!r}])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert ("cge 0." if option == "--version" else "usage: cge") in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr
