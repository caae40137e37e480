"""A catalogue of hostile inputs: each must give a clear, located error, never a traceback.

Every case copies the small shipped data (``sam/toy2r``, ``calibration/toy_*.csv``,
``experiments/toy_interregional.toml``) into ``tmp_path``, breaks one thing and runs the CLI
(``cge sam check`` or ``cge run``) or the API. A bad input exits with status 2 and prints, on
one ``cge:`` report without a traceback, the file (and line), account or label at fault.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

from cge import examples
from cge.calibration import calibrate, from_records
from cge.cli import main
from cge.config import Closure, ModelConfig
from cge.errors import InputError, SAMError
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.sam.balance import balance
from cge.solvers import solve

DATA = examples.data_root()
CELLS_HEADER = "row_region,row_account,col_region,col_account,value\n"


def _sam(tmp_path: Path) -> Path:
    folder = tmp_path / "sam"
    shutil.copytree(DATA / "sam" / "toy2r", folder)
    return folder


def _replace(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(file: Path, text: str) -> None:
    with open(file, "a", encoding="utf-8") as f:
        f.write(text)


def _line_of(file: Path, text: str) -> int:
    """The (1-based) line of ``file`` containing ``text``."""
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def _experiment(tmp_path: Path) -> Path:
    """toy_interregional.toml with its SAM, elasticities and margins copied beside it."""
    _sam(tmp_path)
    for name in ("toy_elasticities.csv", "toy_margins.csv"):
        shutil.copy(DATA / "calibration" / name, tmp_path / name)
    text = (DATA / "experiments" / "toy_interregional.toml").read_text(encoding="utf-8")
    text = (text.replace("../sam/toy2r", "sam")
            .replace("../calibration/toy_elasticities.csv", "toy_elasticities.csv")
            .replace("../calibration/toy_margins.csv", "toy_margins.csv"))
    exp = tmp_path / "exp.toml"
    exp.write_text(text, encoding="utf-8")
    return exp


def _fails_cleanly(capsys, argv: list[str], *needles: str, status: int = 2) -> str:
    """Run the CLI; assert the status, no traceback, and every needle in the output."""
    assert main(argv) == status
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    if status == 2:
        assert captured.err.startswith("cge: ")
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


# ---------------------------------------------------------------------- SAM files (cge sam check)
# Each case edits a copy of sam/toy2r and returns what the message must name.

def _empty_cells_file(s: Path) -> list[str]:
    (s / "cells.csv").write_text("")
    return [f"{s / 'cells.csv'}:1", "empty"]


def _header_only_cells(s: Path) -> list[str]:
    (s / "cells.csv").write_text(CELLS_HEADER)
    return [f"{s / 'cells.csv'}:1", "no cells"]


def _comment_only_cells(s: Path) -> list[str]:
    (s / "cells.csv").write_text("# nothing here\n\n")
    return [str(s / "cells.csv"), "empty"]


def _all_zero_cells(s: Path) -> list[str]:
    (s / "cells.csv").write_text(CELLS_HEADER + "NORTH,a-agr,NORTH,c-agr,0\n")
    return [str(s / "cells.csv"), "every cell is zero"]


def _value(text: str) -> Callable[[Path], list[str]]:
    def case(s: Path) -> list[str]:
        _replace(s / "cells.csv", "NORTH,a-agr,NORTH,c-agr,49.0", f"NORTH,a-agr,NORTH,c-agr,{text}")
        return [f"{s / 'cells.csv'}:2", "NORTH:a-agr", repr(text)]
    return case


def _missing(name: str) -> Callable[[Path], list[str]]:
    def case(s: Path) -> list[str]:
        (s / name).unlink()
        return [str(s / name), "not found"]
    return case


def _folder_for(name: str) -> Callable[[Path], list[str]]:
    def case(s: Path) -> list[str]:
        (s / name).unlink()
        (s / name).mkdir()
        return [str(s / name), "is a folder"]
    return case


def _latin1_label(s: Path) -> list[str]:
    file = s / "accounts.csv"
    line = _line_of(file, "NORTH,hh,")
    file.write_bytes(file.read_bytes().replace(b"representative household", b"m\xe9nage", 1))
    return [f"{file}:{line}", "not UTF-8", "0xe9"]


def _duplicate_account(s: Path) -> list[str]:
    _append(s / "accounts.csv", "NORTH,a-agr,activity,again\n")
    return [str(s / "accounts.csv"), "NORTH:a-agr", "more than once"]


def _duplicate_cell(s: Path) -> list[str]:
    _append(s / "cells.csv", "NORTH,a-agr,NORTH,c-agr,1.0\n")
    return [str(s / "cells.csv"), "NORTH:a-agr", "given twice", "first at line 2"]


def _unknown_kind(s: Path) -> list[str]:
    _replace(s / "accounts.csv", "NORTH,hh,household", "NORTH,hh,factory")
    return [str(s / "accounts.csv"), "'factory'", "known kinds"]


def _unknown_account_in_cells(s: Path) -> list[str]:
    _append(s / "cells.csv", "NORTH,c-nope,NORTH,hh,1.0\n")
    return [str(s / "cells.csv"), "NORTH:c-nope", "not in the accounts table"]


def _wrong_cells_column(s: Path) -> list[str]:
    _replace(s / "cells.csv", "col_account,value", "col_account,amount")
    return [f"{s / 'cells.csv'}:1", "['value']", "amount"]


def _ragged_row(s: Path) -> list[str]:
    _append(s / "cells.csv", "NORTH,a-agr,NORTH,c-man,1.0,extra,fields\n")
    return [str(s / "cells.csv"), "cannot parse CSV"]


def _bad_meta_syntax(s: Path) -> list[str]:
    (s / "meta.toml").write_text('name = "toy"\nunits = \n')
    return [f"{s / 'meta.toml'}:2"]


def _unknown_meta_key(s: Path) -> list[str]:
    _append(s / "meta.toml", 'currency = "RUB"\n')
    return [str(s / "meta.toml"), "currency"]


def _meta_year_text(s: Path) -> list[str]:
    (s / "meta.toml").write_text('name = "toy"\nyear = "last year"\n')
    return [str(s / "meta.toml"), "year", "integer"]


SAM_CASES = {
    "empty cells.csv": _empty_cells_file,
    "cells.csv with a header only": _header_only_cells,
    "cells.csv with comments only": _comment_only_cells,
    "all cells zero": _all_zero_cells,
    "value 1e300": _value("1e300"),
    "value -1e300": _value("-1e300"),
    "value beyond float range": _value("1e400"),
    "value inf": _value("inf"),
    "value nan": _value("nan"),
    "value not a number": _value("49x"),
    "missing accounts.csv": _missing("accounts.csv"),
    "missing cells.csv": _missing("cells.csv"),
    "missing meta.toml": _missing("meta.toml"),
    "cells.csv is a folder": _folder_for("cells.csv"),
    "accounts.csv is a folder": _folder_for("accounts.csv"),
    "meta.toml is a folder": _folder_for("meta.toml"),
    "accounts.csv not UTF-8": _latin1_label,
    "duplicated account": _duplicate_account,
    "duplicated cell": _duplicate_cell,
    "unknown account kind": _unknown_kind,
    "cell naming an unknown account": _unknown_account_in_cells,
    "wrong column name in cells.csv": _wrong_cells_column,
    "row with too many fields": _ragged_row,
    "bad TOML in meta.toml": _bad_meta_syntax,
    "unknown key in meta.toml": _unknown_meta_key,
    "year given as text": _meta_year_text,
}


@pytest.mark.parametrize("case", SAM_CASES, ids=list(SAM_CASES))
def test_bad_sam_files_exit_2_with_location(case, tmp_path, capsys):
    folder = _sam(tmp_path)
    needles = SAM_CASES[case](folder)
    _fails_cleanly(capsys, ["sam", "check", str(folder)], *needles)


def test_sam_path_that_is_a_file_or_missing(tmp_path, capsys):
    folder = _sam(tmp_path)
    _fails_cleanly(capsys, ["sam", "check", str(folder / "SOURCES.md")],
                   str(folder / "SOURCES.md"), "expected a folder")
    _fails_cleanly(capsys, ["sam", "check", str(tmp_path / "nowhere")],
                   str(tmp_path / "nowhere"), "no such file or folder")


def test_byte_order_mark_is_accepted(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts with a BOM: the first column must still be found
    folder = _sam(tmp_path)
    for name in ("accounts.csv", "cells.csv"):
        file = folder / name
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
    assert main(["sam", "check", str(folder)]) == 0
    assert "ok: balanced" in capsys.readouterr().out


# ------------------------------------------ SAMs the model cannot read: check and run must agree
# Each case edits a SAM so that it is well formed but unreadable by the model; `cge sam check`
# must report it (exit 1) with the same account or cell `cge run` refuses it for (exit 2).

def _drop_account(s: Path, region: str, name: str) -> None:
    """Remove an account and every cell of it, keeping the SAM balanced elsewhere."""
    acc = s / "accounts.csv"
    acc.write_text("".join(line for line in acc.read_text().splitlines(keepends=True)
                           if not line.startswith(f"{region},{name},")))
    cells = s / "cells.csv"
    cells.write_text("".join(line for line in cells.read_text().splitlines(keepends=True)
                             if f"{region},{name}," not in line))


def _activity_without_commodity(s: Path) -> str:
    # the NORTH c-agr account is renamed: a-agr sells to a commodity the model does not know
    for f in ("accounts.csv", "cells.csv"):
        text = (s / f).read_text().replace("NORTH,c-agr", "NORTH,goods-agr")
        (s / f).write_text(text)
    return "activity a-agr has no commodity account c-agr in region NORTH"


def _taxes_without_government(s: Path) -> str:
    # the government becomes a second household: its tax receipts have no government to go to
    _replace(s / "accounts.csv", "NORTH,gov,government", "NORTH,gov,household")
    return "region NORTH has tax accounts"


def _leftover_flow(s: Path) -> str:
    # labour income paid abroad (a payment the SAM format allows and the model does not use),
    # kept balanced: the household receives and saves one less, the world lends one more
    cells = s / "cells.csv"
    _append(cells, "ROW,row,NORTH,lab,1.0\n")
    _replace(cells, "NORTH,hh,NORTH,lab,110.0", "NORTH,hh,NORTH,lab,109.0")
    _replace(cells, "NORTH,inv,NORTH,hh,48.0", "NORTH,inv,NORTH,hh,47.0")
    _replace(cells, "NORTH,inv,ROW,row,4.0", "NORTH,inv,ROW,row,5.0")
    return "cell (ROW:row, NORTH:lab)"


def _tariff_without_imports(s: Path) -> str:
    # SOUTH's imports of agr (2.0) become its own supply, sold abroad 2.0 less: the tariff of
    # 0.4 on them stays, with no imports to levy it on
    cells = s / "cells.csv"
    _replace(cells, "ROW,row,SOUTH,c-agr,2.0\n", "")
    _replace(cells, "SOUTH,a-agr,SOUTH,c-agr,69.0", "SOUTH,a-agr,SOUTH,c-agr,71.0")
    _replace(cells, "SOUTH,a-agr,ROW,row,6.0", "SOUTH,a-agr,ROW,row,4.0")
    return "tariff 0.4 on commodity c-agr of region SOUTH, which has no imports"


UNREADABLE = {
    "activity without its commodity": _activity_without_commodity,
    "taxes without a government": _taxes_without_government,
    "a flow the model does not use": _leftover_flow,
    "a tariff on a commodity without imports": _tariff_without_imports,
}


@pytest.mark.parametrize("case", UNREADABLE, ids=list(UNREADABLE))
def test_check_reports_what_run_refuses(case, tmp_path, capsys):
    exp = _experiment(tmp_path)
    needle = UNREADABLE[case](tmp_path / "sam")
    _fails_cleanly(capsys, ["sam", "check", str(tmp_path / "sam")], needle, status=1)
    _fails_cleanly(capsys, ["run", str(exp), "--out", str(tmp_path / "out")], needle)
    assert not (tmp_path / "out" / "results.nc").exists()


def test_commodity_only_imported_is_named_by_check(tmp_path, capsys):
    folder = _sam(tmp_path)
    # SOUTH's agr is bought abroad only: its activity's sales go to NORTH's market instead
    _drop_account(folder, "SOUTH", "a-agr")
    text = _fails_cleanly(capsys, ["sam", "check", str(folder)], status=1)
    assert "commodity c-agr has no activity a-agr in region SOUTH" in text
    assert "only imported" in text


# ------------------------------------------------------------ experiment files (cge run)
# Each case edits the experiment's copy of the data; it returns what the message must name.

def _el(tmp: Path) -> Path:
    return tmp / "toy_elasticities.csv"


def _elasticity_row(row: str, *extra: str) -> Callable[[Path], list[str]]:
    def case(tmp: Path) -> list[str]:
        _append(_el(tmp), row + "\n")
        return [f"{_el(tmp)}:{_line_of(_el(tmp), row)}", *extra]
    return case


def _elasticity_file(text: str, *extra: str, line: int | None = None
                     ) -> Callable[[Path], list[str]]:
    def case(tmp: Path) -> list[str]:
        _el(tmp).write_text(text)
        return [f"{_el(tmp)}:{line}" if line else str(_el(tmp)), *extra]
    return case


def _elasticity_not_utf8(tmp: Path) -> list[str]:
    _el(tmp).write_bytes(_el(tmp).read_bytes() + b'*,*,sigma_dom,2.0,"G\xe9n\xe9ral"\n')
    return [str(_el(tmp)), "not UTF-8"]


def _elasticity_folder(tmp: Path) -> list[str]:
    _el(tmp).unlink()
    _el(tmp).mkdir()
    return [str(_el(tmp)), "is a folder"]


def _margins(tmp: Path) -> Path:
    return tmp / "toy_margins.csv"


def _margin_row(row: str, *extra: str) -> Callable[[Path], list[str]]:
    def case(tmp: Path) -> list[str]:
        _append(_margins(tmp), row + "\n")
        return [f"{_margins(tmp)}:{_line_of(_margins(tmp), row)}", *extra]
    return case


def _margin_column(tmp: Path) -> list[str]:
    _replace(_margins(tmp), "origin,destination,", "origin,dest,")
    return [f"{_margins(tmp)}:1", "['destination']", "dest"]


def _toml(old: str, new: str, *extra: str, key: str | None = None
          ) -> Callable[[Path], list[str]]:
    def case(tmp: Path) -> list[str]:
        _replace(tmp / "exp.toml", old, new)
        where = str(tmp / "exp.toml")
        if key:
            where += f":{_line_of(tmp / 'exp.toml', key)}"
        return [where, *extra]
    return case


def _missing_data_file(name: str) -> Callable[[Path], list[str]]:
    def case(tmp: Path) -> list[str]:
        target = tmp / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        return [str(tmp / "exp.toml"), repr(name), "does not exist"]
    return case


def _toml_syntax(tmp: Path) -> list[str]:
    _replace(tmp / "exp.toml", 'numeraire = "exchange_rate"', 'numeraire = "exchange_rate')
    return [f"{tmp / 'exp.toml'}:{_line_of(tmp / 'exp.toml', 'numeraire =')}"]


def _toml_not_utf8(tmp: Path) -> list[str]:
    exp = tmp / "exp.toml"
    exp.write_bytes(exp.read_bytes().replace(b"toy 2-region", b"toy \xe9conomie"))
    return [str(exp), "not UTF-8"]


FIRST_SHOCK = '{ parameter = "taum", multiply = 0.5 }'

RUN_CASES = {
    # elasticities
    "elasticity for an unknown region": _elasticity_row(
        "EAST,*,sigma_dom,2.0,test", "'EAST'", "['NORTH', 'SOUTH']"),
    "elasticity for an unknown sector": _elasticity_row(
        "*,steel,sigma_va,0.5,test", "'steel'", "['agr', 'man', 'ser']"),
    "unknown elasticity parameter": _elasticity_row(
        "*,*,sigma_xyz,2.0,test", "'sigma_xyz'", "sigma_va"),
    "duplicated elasticity row": _elasticity_row(
        "*,*,sigma_arm,3.0,test again", "*, *, sigma_arm given on lines"),
    "negative sigma_arm": _elasticity_row(
        "NORTH,agr,sigma_arm,-2,test", "sigma_arm", "valid: 0 to 1e+06"),
    "negative sigma_va": _elasticity_row(
        "NORTH,agr,sigma_va,-0.5,test", "sigma_va", "fixed proportions"),
    "negative psi_cet": _elasticity_row("NORTH,agr,psi_cet,-1,test", "psi_cet"),
    "infinite elasticity": _elasticity_row("NORTH,agr,sigma_dom,inf,test", "finite"),
    "nan elasticity": _elasticity_row("NORTH,agr,sigma_dom,nan,test", "finite"),
    "absurd elasticity 1e300": _elasticity_row("NORTH,agr,sigma_dom,1e300,test", "1e+06"),
    "elasticity without a source": _elasticity_row("NORTH,agr,sigma_dom,2.0,", "source"),
    "wrong column in the elasticity file": _elasticity_file(
        "region,sector,param,value,source\n*,*,sigma_va,1,x\n", "['parameter']", line=1),
    "empty elasticity file": _elasticity_file("", "empty", line=1),
    "elasticity file not UTF-8": _elasticity_not_utf8,
    "elasticity file is a folder": _elasticity_folder,
    # trade margins
    "wrong column in the margins file": _margin_column,
    "negative margin": _margin_row("NORTH,NORTH,agr,-0.1,test", "'-0.1'", ">= 0"),
    "margin not a number": _margin_row("NORTH,NORTH,agr,ten,test", "'ten'"),
    "margin for an unknown region": _margin_row("NORTH,EAST,agr,0.1,test", "'EAST'"),
    "margin without a source": _margin_row("NORTH,NORTH,agr,0.1,", "source"),
    # files named by the experiment
    "missing SAM folder": _missing_data_file("sam"),
    "missing elasticity file": _missing_data_file("toy_elasticities.csv"),
    "missing margins file": _missing_data_file("toy_margins.csv"),
    # the experiment file itself
    "TOML syntax error": _toml_syntax,
    "experiment not UTF-8": _toml_not_utf8,
    "numeraire as a list": _toml('numeraire = "exchange_rate"', 'numeraire = ["cpi"]',
                                 "closure.numeraire", "a string", key="numeraire ="),
    "numeraire as a number": _toml('numeraire = "exchange_rate"', "numeraire = 1",
                                   "closure.numeraire = 1", key="numeraire ="),
    "unknown numeraire": _toml('numeraire = "exchange_rate"', 'numeraire = "gold"', "'gold'"),
    "factor_mobility as a string": _toml('factor_mobility = { cap = "specific" }',
                                         'factor_mobility = "specific"',
                                         "closure.factor_mobility", key="factor_mobility ="),
    "unknown mobility": _toml('{ cap = "specific" }', '{ cap = "frozen" }', "'frozen'"),
    "unemployment rate as text": _toml('factor_mobility = { cap = "specific" }',
                                       'factor_mobility = { cap = "specific" }\n'
                                       'unemployment = { lab = "five" }',
                                       "closure.unemployment", key="unemployment ="),
    "unknown closure key": _toml('numeraire = "exchange_rate"',
                                 'numeraire = "exchange_rate"\nnumeraries = "cpi"',
                                 "'numeraries'"),
    "unknown model option": _toml('trade_margins = "toy_margins.csv"',
                                  'trade_margins = "toy_margins.csv"\nscal = 10', "'scal'"),
    "negative scale": _toml('trade_margins = "toy_margins.csv"',
                            'trade_margins = "toy_margins.csv"\nscale = -1', "scale",
                            key="scale ="),
    "tariff_accounts as a string": _toml('trade_margins = "toy_margins.csv"',
                                         'trade_margins = "toy_margins.csv"\n'
                                         'tariff_accounts = "tariff"', "tariff_accounts",
                                         key="tariff_accounts ="),
    "fixed exchange rate as numeraire": _toml(
        'numeraire = "exchange_rate"',
        'numeraire = "exchange_rate"\nforeign = "fixed_exchange_rate"',
        "fixed exchange rate", "cpi"),
    "unknown solver": _toml('[[scenario]]', '[solver]\nname = "gurobi"\n\n[[scenario]]',
                            "'gurobi'", "newton", "ipopt", key='name = "gurobi"'),
    "SAM path as a number": _toml('sam = "sam"', "sam = 3", "must be a string"),
    "scenario without shocks": _toml(
        f"shocks = [{FIRST_SHOCK}]", "shocks = []", "'tariff_cut' has no shocks"),
    "shock with an unknown operation": _toml(
        FIRST_SHOCK, '{ parameter = "taum", divide = 2 }', "'tariff_cut'", "divide"),
    "shock value as text": _toml(FIRST_SHOCK, '{ parameter = "taum", multiply = "half" }',
                                 "'half'", "not a number"),
    "shock on an unknown parameter": _toml(FIRST_SHOCK, '{ parameter = "tarif", set = 0 }',
                                           "'tarif'", "taum"),
    "shock on an unknown label": _toml(
        FIRST_SHOCK, '{ parameter = "taum", where = { region = ["EAST"] }, set = 0 }', "EAST"),
    "duplicated scenario name": _toml('name = "tariff_cut"', 'name = "margins_half"',
                                      "'margins_half'", "twice"),
    "unknown top-level key": _toml('name = "toy_interregional"',
                                   'name = "toy_interregional"\nauthor = "me"', "'author'"),
}


@pytest.mark.parametrize("case", RUN_CASES, ids=list(RUN_CASES))
def test_bad_experiment_inputs_exit_2_with_location(case, tmp_path, capsys):
    exp = _experiment(tmp_path)
    needles = RUN_CASES[case](tmp_path)
    _fails_cleanly(capsys, ["run", str(exp), "--out", str(tmp_path / "out")], *needles)
    assert not (tmp_path / "out" / "results.nc").exists()


def test_experiment_file_missing_or_a_folder(tmp_path, capsys):
    _fails_cleanly(capsys, ["run", str(tmp_path / "none.toml")], "none.toml", "not found")
    (tmp_path / "dir.toml").mkdir()
    _fails_cleanly(capsys, ["run", str(tmp_path / "dir.toml")], "dir.toml", "is a folder")


# ------------------------------------------------------------------------ the API

ZERO_CASES = {
    # parameter -> (numerator, denominator) levels whose ratio fixed proportions keep fixed
    "sigma_va": ("F", "QN"),  # QN of the default tree's nest "va"
    "psi_cet": ("E", "Z"),
    "sigma_arm": ("M", "Q"),
    "sigma_dom": ("DS", "DD"),
}


@pytest.mark.parametrize("parameter", ZERO_CASES)
def test_elasticity_zero_is_fixed_proportions(parameter):
    """Elasticity 0 passes the gates, solves a shock, and keeps the nest's proportions."""
    records = [("*", "*", p, 0.0 if p == parameter else v, "test")
               for p, v in (("sigma_va", 0.8), ("psi_cet", 2.0), ("sigma_arm", 2.0),
                            ("sigma_dom", 2.0))]
    m = build_model(calibrate(examples.toy_sam(), from_records(records)))
    assert check_benchmark(m).passed
    num, den = (getattr(m, n) for n in ZERO_CASES[parameter])

    def ratios() -> np.ndarray:
        # a component over its aggregate: the aggregate's index is the component's without
        # the factor (F/Y), or the origin (DS/DD), or the same (E/Z, M/Q)
        out = []
        for k in num:
            agg = (k[0], k[2], "va") if parameter == "sigma_va" else k[1:] if len(k) == 3 else k
            out.append(pyo.value(num[k]) / pyo.value(den[agg]))
        return np.array(out)

    before, imports = ratios(), sum(v.value for v in m.M.values())
    for k in m.taum:
        m.taum[k] = 0.0
    solve(m)
    assert sum(v.value for v in m.M.values()) > imports * 1.001  # the shock did something
    np.testing.assert_allclose(ratios(), before, rtol=1e-9)


def test_fixed_exchange_rate_takes_a_cpi_numeraire():
    """The Closure docstring: a fixed exchange rate is not the numeraire; a CPI anchors prices."""
    el = from_records([("*", "*", p, 2.0, "test") for p in ("sigma_va", "psi_cet", "sigma_arm",
                                                            "sigma_dom")])
    sam = examples.toy_sam()
    cfg = ModelConfig(closure=Closure(numeraire="cpi", foreign="fixed_exchange_rate"))
    m = build_model(calibrate(sam, el, cfg))
    assert check_benchmark(m).passed
    assert m.epsilon[m.C[0]].fixed and not m.Sf[m.R[0]].fixed
    with pytest.raises(InputError, match="choose numeraire = 'cpi'"):
        calibrate(sam, el, ModelConfig(closure=Closure(foreign="fixed_exchange_rate")))
    assert "must then be the numeraire" not in Closure.__doc__


@pytest.mark.parametrize("method", ["ras", "least-squares", "least-absolute", "cross-entropy"])
def test_balancing_an_all_zero_sam_is_refused(method):
    sam = examples.toy_sam()
    with pytest.raises(SAMError, match=f"{method}: nothing to balance"):
        balance(sam.with_values(np.zeros_like(sam.values)), method=method)


def test_cross_entropy_with_an_empty_account_divides_by_nothing():
    sam = examples.toy_sam()
    values = sam.values
    k = sam.keys.index("NORTH:c-agr")
    values[k, :] = values[:, k] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = balance(sam.with_values(values), method="cross-entropy")
    assert result.sam.is_balanced(rtol=1e-8)
