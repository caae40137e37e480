"""Rutherford's JPMGE (joint products and intermediate demand) from data files alone (issue 16).

Source: "JPMGE: Model with Joint Products and Intermediate Demand", appendix of the GAMS MPSGE
user guide; GAMS/MPSGE (PATH) solutions written by gdxxrw into julia-mpsge/MPSGE.jl
test/MPSGEresults.xlsx, sheet JPMGE (commit ff9113f6b04c60f036f38bb79b7b01d17634c711, GAMS file
test/gams/jpmge.gms). Two sectors each make both goods (make0 = [[6, 2], [2, 10]]) with a CET of
elasticity 1 between them (t:1), use intermediates and factors in one Cobb-Douglas nest (s:1),
and one household demands g1 2, g2 4 with elasticity Dem_elas = 1, 0 or 2. Experiment: labour
endowment +10 %, wage numeraire (columns 'PF("labor")=1', 'D_elas=0,PF("l")=1',
'D_elas=2,PF("l")=1'). Numbers printed to 16 digits, converged by PATH to about 1e-9 (the same
equilibrium under three numeraires agrees to that).

Here: the make matrix of the SAM (activity -> commodity cells) with psi_make = 1 (MPSGE's t:1,
calibration/jpmge_elasticities.csv; cge.model.make). Precision achieved: all 60 numbers agree
with the published ones to 3.2e-11 relative or better (worst: X.s1 with Dem_elas = 2; 1.4e-11
for Dem_elas = 1, 4.3e-12 for Dem_elas = 0), so the test uses rel 1e-9. Walras' law holds on
every solution (run_experiment checks it) and GRP by production equals GRP by expenditure,
nominal and real (rel 1e-10).

Name mapping: X(j) activity level (1 at the benchmark); P(i) commodity price; PF(f) factor price;
Y income; C(i) household demand (GAMS report PY(i)); FD(f,j), D(i,j), S(i,j) factor use,
intermediate use and output per unit of activity.
"""

from pathlib import Path

import pytest

from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]
REL = 1e-9

PUBLISHED = {
    "jpmge.toml": {  # Dem_elas = 1, column 'PF("labor")=1'
        "X.s1": 0.9969256174273814, "X.s2": 1.0997573147161213,
        "P.g1": 1.037273853841609, "P.g2": 1.0184502448866335,
        "PF.capital": 1.0764751712748304, "Y": 6.552950342549661,
        "C.g1": 2.105824583122511, "C.g2": 4.289491395022502,
        "S.g1.s1": 6.027157069402776, "S.g1.s2": 2.0306618580444193,
        "S.g2.s1": 1.9725936953453067, "S.g2.s2": 9.969055225617817,
        "D.g1.s1": 3.9819768629948684, "D.g1.s2": 1.9698011188587803,
        "D.g2.s1": 2.027787075178412, "D.g2.s2": 6.018624497716913,
        "FD.labor.s1": 1.032600121646702, "FD.labor.s2": 3.0648347967902407,
        "FD.capital.s1": 0.9592419307022486, "FD.capital.s2": 0.9490340568842129,
    },
    "jpmge_demand_leontief.toml": {  # Dem_elas = 0, column 'D_elas=0,PF("l")=1'
        "X.s1": 1.0069556546586325, "X.s2": 1.0946556994653955,
        "P.g1": 1.0391779126469205, "P.g2": 1.0193827957882367,
        "PF.capital": 1.0804862134585973, "Y": 6.5609724269171945,
        "C.g1": 2.13160911430459, "C.g2": 4.26321822860918,
        "S.g1.s1": 6.028502917512695, "S.g1.s2": 2.0322072644718245,
        "S.g2.s1": 1.971222342739055, "S.g2.s2": 9.967480532769539,
        "D.g1.s1": 3.9810878966777277, "D.g1.s2": 1.9683031696273214,
        "D.g2.s1": 2.029197779100492, "D.g2.s2": 6.019575338294837,
        "FD.labor.s1": 1.03426465263337, "FD.labor.s2": 3.068125768904456,
        "FD.capital.s1": 0.957221517267422, "FD.capital.s2": 0.9465262739088224,
    },
    "jpmge_demand_ces2.toml": {  # Dem_elas = 2, column 'D_elas=2,PF("l")=1'
        "X.s1": 0.9878565334346576, "X.s2": 1.1043704861326116,
        "P.g1": 1.0355526292708772, "P.g2": 1.0176064151448934,
        "PF.capital": 1.0728580957681633, "Y": 6.545716191536327,
        "C.g1": 2.082511758680834, "C.g2": 4.3132252303282845,
        "S.g1.s1": 6.025937096325227, "S.g1.s2": 2.0292631412454765,
        "S.g2.s1": 1.9738356999449487, "S.g2.s2": 9.970479202019966,
        "D.g1.s1": 3.9827830288229387, "D.g1.s2": 1.9711588500763977,
        "D.g2.s1": 2.026511122537374, "D.g2.s2": 6.017764922255903,
        "FD.labor.s1": 1.0310953593282555, "FD.labor.s2": 3.0618580948607583,
        "FD.capital.s1": 0.9610733827664265, "FD.capital.s2": 0.9513088161233716,
    },
}
GOOD = {"g1": "G1", "g2": "G2"}
SECTOR = {"s1": "S1", "s2": "S2"}
FACTOR = {"labor": "LAB", "capital": "CAP"}


def _values(ds) -> dict[str, float]:
    """The solution in MPSGE's names. Activity level X = Z / Z0 (gross output, the quantity
    index of the sector's CET over its products and of its Cobb-Douglas inputs, both linearly
    homogeneous; not the sum of its products, which the CET does not preserve); per-unit flows
    = flow / activity level; the make matrix is ZC(region, sector, commodity)."""
    b, s = ds.sel(scenario="benchmark", region="ECO"), ds.sel(scenario="labour_plus_10",
                                                               region="ECO")
    out = {}
    lvl = {}
    for j, sj in SECTOR.items():
        lvl[j] = float(s["Z"].sel(sector=sj) / b["Z"].sel(sector=sj))
        out[f"X.{j}"] = lvl[j]
    for i, ci in GOOD.items():
        out[f"P.{i}"] = float(s["pq"].sel(commodity=ci))
        out[f"C.{i}"] = float(s["Xp"].sel(commodity=ci, household="HH"))
        for j, sj in SECTOR.items():
            out[f"S.{i}.{j}"] = float(s["ZC"].sel(sector=sj, commodity=ci)) / lvl[j]
            out[f"D.{i}.{j}"] = float(s["X"].sel(commodity=ci, sector=sj)) / lvl[j]
    out["PF.capital"] = float(s["pfr"].sel(factor="CAP"))
    out["Y"] = float(s["YH"].sel(household="HH"))
    for f, ff in FACTOR.items():
        for j, sj in SECTOR.items():
            out[f"FD.{f}.{j}"] = float(s["F"].sel(factor=ff, sector=sj)) / lvl[j]
    return out


@pytest.mark.parametrize("experiment", sorted(PUBLISHED))
def test_jpmge_as_published(experiment):
    res = run_experiment(ROOT / "experiments" / experiment)
    assert res.gates.passed, res.gates.summary()
    got = _values(res.results)
    for name, value in PUBLISHED[experiment].items():
        assert got[name] == pytest.approx(value, rel=REL), (experiment, name, got[name], value)
    ds = res.results.sel(scenario="labour_plus_10", region="ECO")
    for production, expenditure in (("GRP_nominal", "GRP_nominal_expenditure"),
                                    ("GRP_real", "GRP_real_expenditure")):
        assert float(ds[production]) == pytest.approx(float(ds[expenditure]), rel=1e-10)
    # value added of the economy = factor income = income Y (no taxes, no government)
    assert float(ds["GRP_nominal"]) == pytest.approx(PUBLISHED[experiment]["Y"], rel=REL)


def test_published_numbers_are_an_equilibrium_of_the_data():
    """The copied numbers are consistent with the SAM: income = factor income, the household
    spends it, and each sector's outputs at the new prices pay for its inputs (zero profit)."""
    for exp, v in PUBLISHED.items():
        pf = {"labor": 1.0, "capital": v["PF.capital"]}
        assert v["Y"] == pytest.approx(4.4 * pf["labor"] + 2 * pf["capital"], rel=1e-8), exp
        spent = sum(v[f"P.{i}"] * v[f"C.{i}"] for i in GOOD)
        assert spent == pytest.approx(v["Y"], rel=1e-8), exp
        for j in SECTOR:
            revenue = sum(v[f"P.{i}"] * v[f"S.{i}.{j}"] for i in GOOD)
            cost = (sum(v[f"P.{i}"] * v[f"D.{i}.{j}"] for i in GOOD)
                    + sum(pf[f] * v[f"FD.{f}.{j}"] for f in FACTOR))
            assert revenue == pytest.approx(cost, rel=1e-8), (exp, j)
        # markets clear: output = intermediate use + consumption; factors fully employed
        for i in GOOD:
            supply = sum(v[f"S.{i}.{j}"] * v[f"X.{j}"] for j in SECTOR)
            demand = sum(v[f"D.{i}.{j}"] * v[f"X.{j}"] for j in SECTOR) + v[f"C.{i}"]
            assert supply == pytest.approx(demand, rel=1e-8), (exp, i)
