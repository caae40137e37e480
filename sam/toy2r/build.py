"""Build the synthetic 2-region, 3-sector toy SAMs (``python sam/toy2r/build.py``).

The numbers are invented, chosen to look like a small open economy of two regions of one
country. The free entries are set below; the closing entries (domestic shipments within each
region, household consumption, household and government savings, the
interregional capital transfer and foreign savings) are computed so every account balances
exactly. Run this script to regenerate ``accounts.csv``, ``cells.csv`` and ``meta.toml`` of
``sam/toy2r`` and of ``sam/toy2c``, the same two regions with no rest of the world (no exports,
imports, tariffs or foreign savings): a closed world of two that trade only with each other.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from cge.sam import SAM, Account, Kind, write_csv

REGIONS = ["NORTH", "SOUTH"]
SECTORS = ["agr", "man", "ser"]
OTHER = {"NORTH": "SOUTH", "SOUTH": "NORTH"}

# intermediate use: X[r][c][s] = commodity c bought by activity s in region r
X = {"NORTH": {"agr": [10, 20, 2], "man": [8, 40, 12], "ser": [5, 15, 20]},
     "SOUTH": {"agr": [15, 10, 1], "man": [10, 20, 6], "ser": [6, 12, 18]}}
LAB = {"NORTH": [20, 40, 50], "SOUTH": [30, 25, 35]}
CAP = {"NORTH": [15, 45, 30], "SOUTH": [25, 30, 20]}
PTAX = {"NORTH": [1, 6, 3], "SOUTH": [1, 4, 2]}
EXPORTS = {"NORTH": [4, 25, 3], "SOUTH": [6, 10, 2]}  # activity sales abroad
SHIP_OUT = {"NORTH": [6, 30, 8], "SOUTH": [12, 15, 6]}  # sales to the other region
IMPORTS = {"NORTH": [3, 25, 4], "SOUTH": [2, 20, 3]}  # commodity imports from abroad
TARIFF = {"NORTH": [0.5, 2.5, 0], "SOUTH": [0.4, 2.0, 0]}
GOV = {"NORTH": [0, 3, 25], "SOUTH": [0, 2, 18]}
INV = {"NORTH": [2, 35, 10], "SOUTH": [3, 30, 10]}
DTAX = {"NORTH": 30, "SOUTH": 25}
TRANSFER = {"NORTH": 5, "SOUTH": 6}  # government to households
FOREIGN_SAVINGS = {"NORTH": 4}  # the other region's foreign savings closes the rest of world


def build(rest_of_world: bool = True) -> SAM:
    """The toy SAM; without ``rest_of_world`` the regions trade only with each other."""
    accounts = []
    for r in REGIONS:
        accounts += [Account(r, f"a-{s}", Kind.ACTIVITY, f"production of {s}") for s in SECTORS]
        accounts += [Account(r, f"c-{s}", Kind.COMMODITY, f"market for {s}") for s in SECTORS]
        accounts += [Account(r, "lab", Kind.FACTOR, "labour"),
                     Account(r, "cap", Kind.FACTOR, "capital"),
                     Account(r, "hh", Kind.HOUSEHOLD, "representative household"),
                     Account(r, "gov", Kind.GOVERNMENT, "regional government"),
                     Account(r, "ptax", Kind.TAX, "net taxes on production")]
        if rest_of_world:
            accounts.append(Account(r, "tariff", Kind.TAX, "import tariffs"))
        accounts += [Account(r, "dtax", Kind.TAX, "direct taxes on households"),
                     Account(r, "inv", Kind.SAVINGS_INVESTMENT, "savings and investment")]
    if rest_of_world:
        accounts.append(Account("ROW", "row", Kind.REST_OF_WORLD, "rest of the world"))
    name = "toy2r" if rest_of_world else "toy2c"
    sam = SAM(accounts, name=name, units="money units", year=2021,
              source="synthetic example, sam/toy2r/build.py")
    taxes = ("ptax", "tariff", "dtax") if rest_of_world else ("ptax", "dtax")
    idx = {k: i for i, k in enumerate(sam.keys)}
    m = np.zeros((len(idx),) * 2)

    def put(row, col, v):
        m[idx[row], idx[col]] += v

    for r in REGIONS:
        o = OTHER[r]
        for j, s in enumerate(SECTORS):
            a, c = f"{r}:a-{s}", f"{r}:c-{s}"
            for cc in SECTORS:
                put(f"{r}:c-{cc}", a, X[r][cc][j])
            put(f"{r}:lab", a, LAB[r][j])
            put(f"{r}:cap", a, CAP[r][j])
            put(f"{r}:ptax", a, PTAX[r][j])
            put(a, f"{o}:c-{s}", SHIP_OUT[r][j])
            if rest_of_world:
                put(a, "ROW:row", EXPORTS[r][j])
                put("ROW:row", c, IMPORTS[r][j])
                put(f"{r}:tariff", c, TARIFF[r][j])
            put(c, f"{r}:gov", GOV[r][j])
            put(c, f"{r}:inv", INV[r][j])
        put(f"{r}:hh", f"{r}:lab", sum(LAB[r]))
        put(f"{r}:hh", f"{r}:cap", sum(CAP[r]))
        put(f"{r}:hh", f"{r}:gov", TRANSFER[r])
        put(f"{r}:dtax", f"{r}:hh", DTAX[r])
        for t in taxes:
            put(f"{r}:gov", f"{r}:{t}", 0)
    for r in REGIONS:
        for t in taxes:
            k = f"{r}:{t}"
            put(f"{r}:gov", k, m[idx[k]].sum())
        # domestic sales within the region close each activity
        for s in SECTORS:
            a = f"{r}:a-{s}"
            put(a, f"{r}:c-{s}", m[:, idx[a]].sum() - m[idx[a]].sum())
        # household demand closes each commodity market
        for s in SECTORS:
            c = f"{r}:c-{s}"
            put(c, f"{r}:hh", m[:, idx[c]].sum() - m[idx[c]].sum())
    for r in REGIONS:
        for inst in ("hh", "gov"):  # savings close households and governments
            k = f"{r}:{inst}"
            put(f"{r}:inv", k, m[idx[k]].sum() - m[:, idx[k]].sum())
    if rest_of_world:
        put("NORTH:inv", "ROW:row", FOREIGN_SAVINGS["NORTH"])
        put("SOUTH:inv", "ROW:row", m[idx["ROW:row"]].sum() - m[:, idx["ROW:row"]].sum())
    gap = m[idx["NORTH:inv"]].sum() - m[:, idx["NORTH:inv"]].sum()
    put("SOUTH:inv", "NORTH:inv", gap)  # capital transfer between regions
    out = sam.with_values(m)
    assert out.is_balanced(rtol=0, atol=1e-12), out.imbalance()
    assert (out.values >= 0).all(), "toy SAM must be non-negative"
    return out


if __name__ == "__main__":
    here = Path(__file__).parent
    write_csv(build(), here)
    write_csv(build(rest_of_world=False), here.parent / "toy2c")
    print(pd.Series(build().row_totals()).round(3).to_string())
