"""Production nesting trees as data (cge.calibration.nests, cge.model.production).

The default tree reproduces the hard-coded production block it replaced: EV, real GRP, Z, F
and X of the shipped experiments match tests/data/production_reference.csv.gz, written by that
code (tests/data/make_production_reference.py), to 1e-10.
"""

import sys
from pathlib import Path

import pandas as pd
import pytest

from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))
from make_production_reference import OUT, inputs_sha256  # noqa: E402

REFERENCE = pd.read_csv(OUT, comment="#")
FAST = ("stdcge_tariff", "splcge", "toy_interregional", "toy_two_countries", "vologda_trade")
SLOW = tuple(sorted(set(REFERENCE["experiment"]) - set(FAST)))


def _compare(name: str) -> float:
    res = run_experiment(ROOT / "experiments" / f"{name}.toml")
    ref = REFERENCE[REFERENCE["experiment"] == name]
    if ref["inputs_sha256"].iloc[0] != inputs_sha256(res.experiment):
        pytest.skip(f"{name}: its SAM, elasticities or experiment file changed since the "
                    "reference was written; regenerate it at the commit before the nests")
    worst = 0.0
    for row in ref.itertuples():
        sel = dict(kv.split("=", 1) for kv in row.index.split(".")) if row.index else {}
        got = float(res.results[row.variable].sel(scenario=row.scenario, **sel))
        gap = abs(got - row.value) / max(1.0, abs(row.value))
        assert gap <= 1e-10, (row, got)
        worst = max(worst, gap)
    print(f"{name}: largest relative gap {worst:.2e} over {len(ref)} values")
    return worst


@pytest.mark.parametrize("name", FAST)
def test_default_tree_reproduces_the_old_block(name):
    _compare(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_default_tree_reproduces_the_old_block_slow(name):
    _compare(name)
