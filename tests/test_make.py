"""Make matrix: multi-product activities and multi-activity commodities (issue 16 item 2).

The published case (Rutherford's JPMGE) is in tests/test_textbook_jpmge.py. Here: the reader
(what it accepts and what it refuses, by account and cell), the fast path (a SAM without a make
matrix creates no make variable or equation), and a two-region toy SAM with a make matrix whose
expected benchmark values are the SAM's own cells (set out in ``_make_toy``): the five gates
pass, and after a production-tax shock Walras' law holds and GRP by production equals GRP by
expenditure, nominal and real (accounting identities, tolerance 1e-9 relative).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cge.calibration import calibrate, read_elasticities
from cge.calibration.calibrate import readability_problems
from cge.errors import InputError
from cge.examples import toy_sam
from cge.experiments import run_experiment
from cge.model import build_model
from cge.sam import read_sam

ROOT = Path(__file__).resolve().parents[1]
JPMGE = ROOT / "sam" / "jpmge"


def _copy(src: Path, tmp: Path) -> Path:
    dst = tmp / src.name
    shutil.copytree(src, dst)
    return dst


def _edit(folder: Path, changes: dict[tuple[str, str], float | None],
          accounts: str = "") -> None:
    """Set cells ``{(row, col): value}`` (``REGION:account`` keys; None deletes) and append
    account lines."""
    path = folder / "cells.csv"
    lines = path.read_text().splitlines()
    head, rows = lines[0], lines[1:]
    cells = {}
    for line in rows:
        rr, ra, cr, ca, v = line.split(",")
        cells[(f"{rr}:{ra}", f"{cr}:{ca}")] = float(v)
    for k, v in changes.items():
        if v is None:
            cells.pop(k, None)
        else:
            cells[k] = v
    out = [head] + [f"{r.replace(':', ',')},{c.replace(':', ',')},{v!r}"
                    for (r, c), v in cells.items()]
    path.write_text("\n".join(out) + "\n")
    if accounts:
        with (folder / "accounts.csv").open("a") as f:
            f.write(accounts)


def test_jpmge_sam_is_readable():
    """Activities a-S1, a-S2 without commodities of their names, commodities c-G1, c-G2
    without activities of theirs: read, with the make matrix of the SAM's cells."""
    assert readability_problems(read_sam(JPMGE)) == []


def test_exports_of_a_multi_product_activity_are_refused_naming_the_cell(tmp_path):
    # a-S1 (makes G1 and G2) exports 1, paid by the rest of the world's sale of 1 of G1
    # (imports), the household's extra labour income buying it: balanced
    sam = _copy(JPMGE, tmp_path)
    _edit(sam, {("ECO:a-S1", "ROW:row"): 1.0, ("ROW:row", "ECO:c-G1"): 1.0,
                ("ECO:LAB", "ECO:a-S1"): 2.0, ("ECO:HH", "ECO:LAB"): 5.0,
                ("ECO:c-G1", "ECO:HH"): 3.0},
          accounts="ROW,row,rest_of_world,rest of the world\n")
    problems = readability_problems(read_sam(sam))
    (p,) = [p for p in problems if p.code == "ambiguous-exports"]
    assert p.where.cell == ("ECO:a-S1", "ROW:row")
    assert "makes several commodities (G1, G2)" in p.message
    assert "commodity -> rest of world" in p.message


def test_a_commodity_nobody_makes_is_refused(tmp_path):
    # c-G3 is only imported: 1 from the rest of the world, bought by the household
    sam = _copy(JPMGE, tmp_path)
    _edit(sam, {("ROW:row", "ECO:c-G3"): 1.0, ("ECO:c-G3", "ECO:HH"): 1.0,
                ("ECO:HH", "ROW:row"): 1.0},
          accounts="ECO,c-G3,commodity,good g3\nROW,row,rest_of_world,rest of the world\n")
    problems = readability_problems(read_sam(sam))
    (p,) = [p for p in problems if p.code == "missing-account"]
    assert p.where.account == "ECO:c-G3"
    assert "made by no activity" in p.message and "only imported" in p.message


def test_without_a_make_matrix_nothing_is_created():
    """Every shipped SAM: no make array in the calibration, empty make sets and components,
    and the transformation block's CET over the activities as before."""
    el = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
    cal = calibrate(toy_sam(), el)
    assert "MAKE0" not in cal.data
    m = build_model(cal)
    assert m.RSC is m.RS
    for name in ("ZC", "ZS", "ps", "pc", "eq_make_cet", "eq_make_supply",
                 "eq_commodity_supply", "eq_maker_demand"):
        assert len(getattr(m, name)) == 0, name
    assert m.symbols["eq_cet"].determines == "pz"


# The toy SAM (sam/toy2r) turned into one with a make matrix. In NORTH:
# - a-agr also makes ser: 10 of its sales to NORTH's c-agr and 2 of those to SOUTH's go to c-ser
#   instead, and a-ser makes agr in the same amounts (commodity and activity totals unchanged);
# - the exports of the two (4 and 3), now multi-product, become the rest of the world's
#   purchases of c-agr and c-ser, each activity selling that much more at home;
# - a new activity a-food (no commodity c-food) with the inputs of 5 units of agr taken from
#   a-agr's labour 5 -> a-food, sells 5 of agr to NORTH's c-agr instead of a-agr.
# a-man keeps its exports (single product: exports of c-man).
def _make_toy(tmp: Path) -> Path:
    sam = _copy(ROOT / "sam" / "toy2r", tmp)
    cells = {}
    for line in (sam / "cells.csv").read_text().splitlines()[1:]:
        rr, ra, cr, ca, v = line.split(",")
        cells[(f"{rr}:{ra}", f"{cr}:{ca}")] = float(v)
    N = "NORTH"

    def add(r, c, x):
        cells[(r, c)] = cells.get((r, c), 0.0) + x

    add(f"{N}:a-agr", f"{N}:c-agr", -10 + 4 - 5)
    add(f"{N}:a-agr", f"{N}:c-ser", 10)
    add(f"{N}:a-agr", "SOUTH:c-agr", -2)
    add(f"{N}:a-agr", "SOUTH:c-ser", 2)
    add(f"{N}:a-ser", f"{N}:c-ser", -10 + 3)
    add(f"{N}:a-ser", f"{N}:c-agr", 10)
    add(f"{N}:a-ser", "SOUTH:c-ser", -2)
    add(f"{N}:a-ser", "SOUTH:c-agr", 2)
    cells[(f"{N}:a-agr", "ROW:row")] = cells[(f"{N}:a-ser", "ROW:row")] = None
    add(f"{N}:c-agr", "ROW:row", 4)
    add(f"{N}:c-ser", "ROW:row", 3)
    add(f"{N}:lab", f"{N}:a-agr", -5)
    add(f"{N}:lab", f"{N}:a-food", 5)
    add(f"{N}:a-food", f"{N}:c-agr", 5)
    _edit(sam, cells, accounts=f"{N},a-food,activity,food processing (makes agr)\n")
    return sam


def _make_experiment(tmp: Path, extra_elasticities: str) -> Path:
    sam = _make_toy(tmp)
    el = tmp / "el.csv"
    el.write_text((ROOT / "calibration" / "toy_elasticities.csv").read_text()
                  + extra_elasticities)
    exp = tmp / "make.toml"
    exp.write_text(f"""
name = "toy_make"
description = "toy SAM with a make matrix"
[model]
sam = "{sam}"
elasticities = "{el}"
[model.closure]
numeraire = "exchange_rate"
[[scenario]]
name = "tax"
description = "production tax of NORTH agr up 5 points"
shocks = [{{ parameter = "tauz", where = {{ region = ["NORTH"], sector = ["agr"] }}, add = 0.05 }}]
""")
    return exp


def test_make_toy_calibrates_to_its_cells(tmp_path):
    exp = _make_experiment(tmp_path, '*,*,psi_make,2.0,"illustrative"\n')
    el = read_elasticities(tmp_path / "el.csv")
    cal = calibrate(read_sam(tmp_path / "toy2r"), el)
    mk = cal.data["MAKE0"].sel(region="NORTH")
    # the SAM's cells (see _make_toy): 10 + 2 of ser by a-agr, 10 + 2 of agr by a-ser
    assert float(mk.sel(sector="agr", commodity="ser")) == pytest.approx(12.0, abs=1e-12)
    assert float(mk.sel(sector="ser", commodity="agr")) == pytest.approx(12.0, abs=1e-12)
    assert float(mk.sel(sector="food", commodity="agr")) == pytest.approx(5.0, abs=1e-12)
    # a-man's exports (25) are exports of man; c-agr's supply = its makers' sales
    assert float(cal.data["E0"].sel(region="NORTH", sector="man")) == 25.0
    zs = cal.data["ZS0"].sel(region="NORTH", commodity="agr")
    assert float(zs) == pytest.approx(float(mk.sel(commodity="agr").sum()), rel=1e-15)
    assert exp.exists()


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
@pytest.mark.parametrize("extra", [
    '*,*,psi_make,2.0,"illustrative"\n',
    '*,*,psi_make,0.0,"fixed output shares"\nNORTH,agr,sigma_make,4.0,"illustrative"\n',
], ids=["cet2_perfect_substitutes", "fixed_shares_ces4"])
def test_make_toy_gates_walras_and_grp(tmp_path, extra):
    res = run_experiment(_make_experiment(tmp_path, extra))
    assert res.gates.passed, res.gates.summary()
    ds = res.results.sel(scenario="tax")
    for nom, exp_ in (("GRP_nominal", "GRP_nominal_expenditure"),
                      ("GRP_real", "GRP_real_expenditure")):
        for r in ("NORTH", "SOUTH"):
            a, b = float(ds[nom].sel(region=r)), float(ds[exp_].sel(region=r))
            assert a == pytest.approx(b, rel=1e-9), (nom, r)
    assert float(abs(res.results["walras_residual"]).max()) < 1e-8
    # the tax moved NORTH's agr activity (it is not a no-op)
    z0 = float(res.results["Z"].sel(scenario="benchmark", region="NORTH", sector="agr"))
    z1 = float(ds["Z"].sel(region="NORTH", sector="agr"))
    assert z1 < z0 * (1 - 1e-4)


def test_make_sam_without_psi_make_names_the_parameter(tmp_path):
    el = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")
    with pytest.raises(InputError, match="psi_make"):
        calibrate(read_sam(_make_toy(tmp_path)), el)
