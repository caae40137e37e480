"""``cge sam ...`` commands: exit codes, messages, no traceback on bad input."""

import subprocess
import sys
from pathlib import Path

import pytest

from cge.cli import main
from cge.examples import sam_path, toy_sam
from cge.sam import read_sam, write_csv

TOY = str(sam_path("toy2r"))


def _broken(tmp_path: Path) -> Path:
    folder = write_csv(toy_sam(), tmp_path / "broken")
    with open(folder / "cells.csv", "a") as f:
        f.write("NORTH,lab,NORTH,c-agr,5\n")  # a factor paid by a commodity, unbalancing both
    return folder


def test_check_clean(capsys):
    assert main(["sam", "check", TOY]) == 0
    assert "ok: balanced" in capsys.readouterr().out


def test_check_reports_problems_with_exit_1(tmp_path, capsys):
    assert main(["sam", "check", str(_broken(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "[forbidden-flow] cell (NORTH:lab, NORTH:c-agr)" in out
    assert "[unbalanced] account NORTH:lab" in out
    assert "3 problem(s): 2 unbalanced, 1 forbidden-flow" in out


def test_check_rtol(tmp_path, capsys):
    sam = toy_sam()
    values = sam.values
    values[sam.keys.index("NORTH:c-agr"), sam.keys.index("NORTH:hh")] += 1e-3
    folder = write_csv(sam.with_values(values), tmp_path / "near")
    assert main(["sam", "check", str(folder)]) == 1
    assert "rtol 1e-06" in capsys.readouterr().out
    # a looser --rtol silences the check's own test, not calibration's: `cge run` would refuse
    assert main(["sam", "check", str(folder), "--rtol", "1e-4"]) == 1
    out = capsys.readouterr().out
    assert "rtol 1e-06" not in out and "the model needs balance within 1e-9" in out


def test_unreadable_input_exits_2_with_location(tmp_path, capsys):
    folder = write_csv(toy_sam(), tmp_path / "bad")
    with open(folder / "cells.csv", "a") as f:
        f.write("NORTH,lab,NORTH,c-nope,5\n")  # line 103: header + 101 cells before it
    assert main(["sam", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'cells.csv'}:103" in err and "NORTH:c-nope" in err
    assert "Traceback" not in err


def test_summary(capsys):
    assert main(["sam", "summary", TOY]) == 0
    out = capsys.readouterr().out
    assert "grp_expenditure" in out and "trade_balance_interregional" in out


def test_convert_round_trip(tmp_path, capsys):
    xlsx = tmp_path / "toy.xlsx"
    assert main(["sam", "convert", TOY, str(xlsx)]) == 0
    assert main(["sam", "convert", str(xlsx), str(tmp_path / "back")]) == 0
    assert read_sam(tmp_path / "back").accounts.equals(toy_sam().accounts)


def test_aggregate(tmp_path, capsys):
    (tmp_path / "sectors.csv").write_text("from,to\nagr,agr\nman,ind\nser,ind\n")
    (tmp_path / "regions.csv").write_text("from,to\nNORTH,RUS\nSOUTH,RUS\nROW,ROW\n")
    out = tmp_path / "agg"
    assert main(["sam", "aggregate", TOY, "--sectors", str(tmp_path / "sectors.csv"),
                 "--regions", str(tmp_path / "regions.csv"), "--out", str(out)]) == 0
    agg = read_sam(out)
    assert agg.regions == ["RUS", "ROW"] and "RUS:c-ind" in agg.keys
    assert main(["sam", "check", str(out)]) == 0


def test_aggregate_bad_mapping(tmp_path, capsys):
    (tmp_path / "sectors.csv").write_text("from,to\nagr,agr\nman,ind\nman,x\n")
    assert main(["sam", "aggregate", TOY, "--sectors", str(tmp_path / "sectors.csv"),
                 "--out", str(tmp_path / "agg")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'sectors.csv'}:4" in err and "mapped twice" in err


@pytest.mark.parametrize("args", [["sam", "check", "no/such/sam"],
                                  ["sam", "summary", "no/such.xlsx"]])
def test_missing_file(args, capsys):
    assert main(args) == 2
    assert "no such file" in capsys.readouterr().err


def test_subprocess_bad_input_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cge", "sam", "check", str(_broken(tmp_path))],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "forbidden-flow" in proc.stdout and "Traceback" not in proc.stderr
    (tmp_path / "broken" / "accounts.csv").write_text("region,account,kind\nR,a,activiti\n")
    proc = subprocess.run([sys.executable, "-m", "cge", "sam", "check",
                           str(tmp_path / "broken")], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "accounts.csv:2" in proc.stderr and "'activiti'" in proc.stderr



def _perturbed(tmp_path: Path) -> Path:
    sam = toy_sam()
    values = sam.values
    values[sam.keys.index("NORTH:c-agr"), sam.keys.index("NORTH:hh")] += 3
    values[sam.keys.index("SOUTH:lab"), sam.keys.index("SOUTH:a-man")] -= 2
    return write_csv(sam.with_values(values), tmp_path / "perturbed")


CELL_HEADER = "row_region,row_account,col_region,col_account"


@pytest.mark.parametrize("method, suffix", [("ras", ""), ("least-squares", ".xlsx"),
                                            ("least-absolute", ""), ("cross-entropy", "")])
def test_balance(tmp_path, capsys, method, suffix):
    folder = _perturbed(tmp_path)
    (tmp_path / "fixed.csv").write_text(f"{CELL_HEADER}\nNORTH,c-agr,NORTH,hh\n")
    (tmp_path / "weights.csv").write_text(f"{CELL_HEADER},weight\nSOUTH,lab,SOUTH,a-man,10\n")
    out = tmp_path / f"balanced{suffix}"
    args = ["sam", "balance", str(folder), "--method", method, "--out", str(out),
            "--fixed", str(tmp_path / "fixed.csv")]
    if method != "ras":
        args += ["--weights", str(tmp_path / "weights.csv")]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert f"balanced with {method}" in text and "cell(s) changed" in text
    balanced = read_sam(out)
    assert balanced.get("NORTH:c-agr", "NORTH:hh") == 30.5 + 3
    assert main(["sam", "check", str(out), "--rtol", "1e-9"]) == 0


def test_balance_bad_fixed_file(tmp_path, capsys):
    (tmp_path / "fixed.csv").write_text(f"{CELL_HEADER}\nNORTH,c-agr,NORTH,hh\n"
                                        "NORTH,c-agr,NORTH,nobody\n")
    assert main(["sam", "balance", TOY, "--out", str(tmp_path / "o"), "--fixed",
                 str(tmp_path / "fixed.csv")]) == 2
    err = capsys.readouterr().err
    assert "fixed.csv:3" in err and "NORTH:nobody" in err and "Traceback" not in err


def test_balance_infeasible_is_a_clean_error(tmp_path, capsys):
    # Every cell of NORTH:c-agr's row and column fixed, and they do not balance.
    folder = _perturbed(tmp_path)
    payers = ("NORTH,a-agr", "NORTH,a-man", "NORTH,a-ser", "NORTH,hh", "NORTH,inv")
    payees = ("NORTH,a-agr", "SOUTH,a-agr", "ROW,row", "NORTH,tariff")
    (tmp_path / "fixed.csv").write_text(
        CELL_HEADER + "\n" + "".join(f"NORTH,c-agr,{c}\n" for c in payers)
        + "".join(f"{r},NORTH,c-agr\n" for r in payees))
    assert main(["sam", "balance", str(folder), "--method", "least-squares", "--out",
                 str(tmp_path / "o"), "--fixed", str(tmp_path / "fixed.csv")]) == 2
    err = capsys.readouterr().err
    assert "[infeasible] account NORTH:c-agr" in err and "Traceback" not in err
