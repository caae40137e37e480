"""The generated model reference: current, complete, and naming only what exists."""

import difflib
import re
from dataclasses import replace
from pathlib import Path

import pytest

from cge import examples
from cge.calibration import calibrate, read_elasticities
from cge.cli import main
from cge.config import Closure, ModelConfig
from cge.docs import build_reference_model, check_model_docs, rst_to_markdown
from cge.model import build_model

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"


@pytest.fixture(scope="module")
def model():
    return build_reference_model()[0]


def test_docs_model_md_is_current(tmp_path):
    out = tmp_path / "model.md"
    assert main(["docs", "model", "--out", str(out)]) == 0
    fresh, committed = out.read_text(encoding="utf-8"), DOC.read_text(encoding="utf-8")
    if fresh != committed:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True),
                                                 fresh.splitlines(True), "docs/model.md",
                                                 "regenerated"))[:60])
        pytest.fail("docs/model.md is stale; regenerate it with "
                    f"`cge docs model --out docs/model.md`:\n{diff}")


@pytest.mark.parametrize("closure", [
    Closure(),
    Closure(numeraire="cpi", factor_mobility={"lab": "national", "cap": "specific"},
            investment="investment_driven", government="fixed_consumption"),
], ids=["default", "cpi-national-specific"])
def test_every_symbol_documented(closure):
    el = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
    m = build_model(calibrate(examples.toy_sam(), el, ModelConfig(closure=closure)))
    assert check_model_docs(m) == []
    for s in m.symbols.values():
        assert s.description and s.latex, s.name
        if s.kind == "equation":
            assert s.determines == "(numeraire)" or m.symbols[s.determines].kind == "variable"
        else:
            assert s.unit, s.name


def test_reference_of_an_experiment(tmp_path):
    out = tmp_path / "stdcge.md"
    assert main(["docs", "model", "--experiment", str(ROOT / "experiments" / "stdcge_tariff.toml"),
                 "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "experiment `experiments/stdcge_tariff.toml` (SAM `stdcge`)" in text
    assert "numeraire='factor:ECO:LAB'" in text


def _tables(text: str) -> dict[str, list[list[str]]]:
    """Rows (cells stripped) of every table, keyed by the heading above it."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("# ")
        elif line.startswith("|---"):
            tables[heading].pop()  # the row above the separator is the header
        elif line.startswith("| "):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            tables.setdefault(heading, []).append(cells)
    return tables


def test_tables_name_only_existing_symbols(model):
    text = DOC.read_text(encoding="utf-8")
    tables = _tables(text)
    kinds = {"Parameters": "parameter", "Variables": "variable", "Equations": "equation"}
    seen = []
    for heading, rows in tables.items():
        for row in rows:
            name = row[0].strip("`")
            if heading in kinds:
                assert model.symbols[name].kind == kinds[heading], name
                seen.append(name)
                if heading == "Equations":
                    # a complementarity pair shows its variable after the perp sign
                    det = row[1].removeprefix("⟂ ").strip("`")
                    assert det == "(numeraire)" or model.symbols[det].kind == "variable", row
            elif heading == "Sets":
                assert isinstance(getattr(model, name, None), list), name
                for used in re.findall(r"`(\w+)`", row[-1]):
                    assert used in model.symbols, (name, used)
            elif heading == "Index of symbols":
                assert name in model.symbols, name
    assert sorted(seen) == sorted(model.symbols), "every symbol documented exactly once"
    # names the block maths pairs with an equation exist (check_model_docs compares the pairing)
    for eq in re.findall(r"\\text\{(eq(?:\\_\w+?)+)\}", text):
        assert eq.replace("\\_", "_") in model.symbols, eq


def test_checks_catch_missing_docs_and_dangling_names(model):
    saved = dict(model.symbols)
    try:
        model.symbols["QN"] = replace(saved["QN"], description="", unit="")
        model.symbols["eq_nest_demand"] = replace(saved["eq_nest_demand"], determines="Yx")
        model.symbols["eq_output_technology"] = replace(saved["eq_output_technology"],
                                                        determines="pz")
        problems = "\n".join(check_model_docs(model))
    finally:
        model.symbols.clear()
        model.symbols.update(saved)
    assert "variable QN (production) has no description, unit" in problems
    assert "eq_nest_demand determines 'Yx', which is not a variable" in problems
    assert "pairs eq_output_technology with Z, the code with pz" in problems


def test_rst_math_becomes_markdown_math():
    md = rst_to_markdown("Title.\n\nSee :func:`cge.x`, ``y``.\n\n.. math::\n\n    a &= b \\\\\n"
                         "    c &= d\n\nAfter.\n\n.. math:: e = f\n")
    assert md == ("Title.\n\nSee `cge.x`, `y`.\n\n$$\n\\begin{aligned}\na &= b \\\\\nc &= d\n"
                  "\\end{aligned}\n$$\n\nAfter.\n\n$$\ne = f\n$$")
