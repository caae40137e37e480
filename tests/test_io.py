"""Input-output analysis: pymrio agreement on its test MRIO, hand-made cases, SAM identities."""

import numpy as np
import pandas as pd
import pytest

from cge import io
from cge.errors import CGEError, InputError, SAMError
from cge.examples import sam_path, toy_sam
from cge.sam import read_sam

pymrio = pytest.importorskip("pymrio")


@pytest.fixture(scope="module")
def mrio():
    """pymrio's 6-region, 8-sector test system with everything computed by pymrio."""
    system = pymrio.load_test()
    system.calc_all()
    return system


@pytest.fixture(scope="module")
def mrio_table(mrio):
    return io.from_arrays(mrio.Z, mrio.Y)


def _frame(df):
    return df.to_numpy(dtype=float)


# ---------------------------------------------------------------------- pymrio
def test_x_A_L_equal_pymrio(mrio, mrio_table):
    A = io.technical_coefficients(mrio_table.Z, mrio_table.x)
    L = io.leontief_inverse(A)
    np.testing.assert_allclose(mrio_table.x.to_numpy(), mrio.x["indout"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(_frame(A), _frame(mrio.A), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(_frame(L), _frame(mrio.L), rtol=1e-9, atol=1e-13)
    assert list(L.index) == list(mrio.L.index) and L.index.names == ["region", "sector"]


@pytest.mark.parametrize("extension", ["factor_inputs", "emissions"])
def test_multipliers_equal_pymrio(mrio, mrio_table, extension):
    ext = getattr(mrio, extension)
    S = io.coefficients(ext.F, mrio_table.x)
    L = io.leontief_inverse(io.technical_coefficients(mrio_table.Z, mrio_table.x))
    np.testing.assert_allclose(_frame(S), _frame(ext.S), rtol=1e-10)
    np.testing.assert_allclose(_frame(io.multipliers(S, L)), _frame(ext.M), rtol=1e-9)


def test_value_added_multipliers_in_table_equal_pymrio(mrio):
    # The test system's single factor-input row is value added, so the simple value-added
    # multiplier of multiplier_table is pymrio's M for factor_inputs.
    table = io.from_arrays(mrio.Z, mrio.Y, V=mrio.factor_inputs.F)
    got = io.multiplier_table(table)
    np.testing.assert_allclose(got["value_added"].to_numpy(),
                               mrio.factor_inputs.M.to_numpy().ravel(), rtol=1e-9)
    np.testing.assert_allclose(got["output_I"].to_numpy(), mrio.L.sum(axis=0).to_numpy(),
                               rtol=1e-12)


def test_impact_equals_pymrio(mrio, mrio_table):
    # A construction-phase shock: 1000 of construction and 250 of manufacturing from reg2.
    dy = pd.Series({("reg2", "construction"): 1000.0, ("reg2", "manufactoring"): 250.0})
    y = pd.Series(0.0, index=mrio.L.index)
    y.loc[dy.index] = dy.to_numpy()
    expected = pymrio.calc_x_from_L(mrio.L, y.to_frame("y"))
    L = io.leontief_inverse(io.technical_coefficients(mrio_table.Z, mrio_table.x))
    got = io.impact(L, dy)
    np.testing.assert_allclose(got.to_numpy(), np.asarray(expected).ravel(), rtol=1e-10)
    # and the emissions the shock causes: pymrio's S times its output change
    F = mrio.emissions.F.set_axis(["air", "water"])
    table = mrio_table.with_satellites(F)
    effects = io.impact_table(table, dy)
    S = mrio.emissions.S.to_numpy()
    np.testing.assert_allclose(effects[["air_I", "water_I"]].sum().to_numpy(),
                               S @ np.asarray(expected).ravel(), rtol=1e-10)


def test_ghosh_equals_pymrio(mrio, mrio_table):
    B = io.ghosh_coefficients(mrio_table.Z, mrio_table.x)
    G = io.ghosh_inverse(B)
    Bp = pymrio.calc_B(mrio.Z, mrio.x)
    np.testing.assert_allclose(_frame(B), _frame(Bp), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(_frame(G), _frame(pymrio.calc_G(Bp)), rtol=1e-9, atol=1e-13)


def test_unit_shock_reproduces_inverse_column(mrio_table):
    L = io.leontief_inverse(io.technical_coefficients(mrio_table.Z, mrio_table.x))
    j = ("reg4", "electricity")
    got = io.impact(L, pd.Series({j: 1.0}))
    np.testing.assert_allclose(got.to_numpy(), L[j].to_numpy(), rtol=0, atol=1e-15)


def test_impact_unknown_label(mrio_table):
    L = io.leontief_inverse(io.technical_coefficients(mrio_table.Z, mrio_table.x))
    with pytest.raises(KeyError, match="reg9"):
        io.impact(L, pd.Series({("reg9", "food"): 1.0}))


# ---------------------------------------------------------------------- hand calculations
def _mb_table():
    """Miller and Blair (2009) Table 2.3: two sectors, Z = [[150, 500], [200, 100]],
    x = [1000, 2000]; households (added here) earn 300 and 500 of labour income from the two
    sectors, have income 1000 and buy 100 and 250 of the two sectors' output."""
    idx = io.region_sector_index(["R"], ["s1", "s2"])
    Z = np.array([[150.0, 500.0], [200.0, 100.0]])
    x = np.array([1000.0, 2000.0])
    Y = pd.DataFrame({("R", "hh"): [100.0, 250.0], ("R", "other"): [650.0, 1450.0]},
                     index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    V = pd.DataFrame([[300.0, 500.0], [550.0, 900.0]], index=["lab", "cap"])
    table = io.from_arrays(Z, Y, x=x, V=V, index=idx)
    W = pd.DataFrame([[300.0, 500.0]], index=["R:hh"], columns=idx)
    return io.IOTable(table.Z, table.Y, table.x, table.V, ("lab", "cap"), None, W,
                      pd.Series({"R:hh": 1000.0}), {"R:hh": ("R", "hh")})


def test_miller_blair_example():
    table = _mb_table()
    A = io.technical_coefficients(table.Z, table.x)
    np.testing.assert_allclose(A.to_numpy(), [[0.15, 0.25], [0.2, 0.05]])
    # L = [[0.95, 0.25], [0.2, 0.85]] / 0.7575 = [[1.2541, 0.3300], [0.2640, 1.1221]] (M&B)
    L = io.leontief_inverse(A)
    np.testing.assert_allclose(L.to_numpy(), [[1.2541, 0.3300], [0.2640, 1.1221]], atol=1e-4)
    np.testing.assert_allclose(io.output_multipliers(L).to_numpy(), [1.5182, 1.4521],
                               atol=1e-4)


def test_type_ii_exceeds_type_i_and_matches_miyazawa():
    table = _mb_table()
    m = io.multiplier_table(table)
    assert (m["output_II"] > m["output_I"]).all()
    assert (m["income_II"] > m["income_I"]).all()
    assert (m["value_added_II"] > m["value_added_I"]).all()
    # Independent check (Miyazawa): with h = [0.3, 0.25], c = [0.1, 0.25]',
    # Lbar_nn = L + L c (1 - h L c)^{-1} h L.
    L = io.leontief_inverse(io.technical_coefficients(table.Z, table.x)).to_numpy()
    h, c = np.array([[0.3, 0.25]]), np.array([[0.1], [0.25]])
    Lnn = L + L @ c @ np.linalg.inv(1 - h @ L @ c) @ h @ L
    np.testing.assert_allclose(m["output_II"].to_numpy(), Lnn.sum(axis=0), rtol=1e-12)
    # type II income multiplier = total household income per unit of final demand / h_j
    hh_row = np.linalg.inv(1 - h @ L @ c) @ h @ L
    np.testing.assert_allclose(m["income_II"].to_numpy(), hh_row.ravel() / h.ravel(),
                               rtol=1e-12)
    np.testing.assert_allclose(m["income_I"].to_numpy(), (h @ L).ravel() / h.ravel())


def test_type_ii_needs_households(mrio_table):
    with pytest.raises(CGEError, match="household"):
        io.household_closure(mrio_table)
    assert "output_II" not in io.multiplier_table(mrio_table)


def test_linkages_normalised(mrio_table):
    links = io.linkages(mrio_table)
    # Both indices average to 1 by construction.
    np.testing.assert_allclose(links[["backward", "forward"]].mean().to_numpy(), [1.0, 1.0])
    assert links["key_sector"].dtype == bool


def test_ghosh_equals_similarity_transform(mrio_table):
    # G = xhat^-1 L xhat (Miller and Blair eq. 12.10) where all outputs are positive.
    x = mrio_table.x.to_numpy()
    L = io.leontief_inverse(io.technical_coefficients(mrio_table.Z, mrio_table.x)).to_numpy()
    G = io.ghosh_inverse(io.ghosh_coefficients(mrio_table.Z, mrio_table.x)).to_numpy()
    np.testing.assert_allclose(G, L * x[None, :] / x[:, None], rtol=1e-9)


def test_regional_effects_two_regions():
    table = io.from_sam(toy_sam())
    A = io.technical_coefficients(table.Z, table.x)
    eff = io.regional_effects(A)
    L = io.leontief_inverse(A)
    np.testing.assert_allclose(eff[["intraregional", "feedback", "spillover"]].sum(axis=1),
                               io.output_multipliers(L), rtol=1e-12)
    # Two-region closed form (Miller and Blair eq. 3.24):
    # L_11 = (I - A_11 - A_12 (I - A_22)^{-1} A_21)^{-1}; feedback = i'(L_11 - (I-A_11)^{-1}).
    n, s = A.loc["NORTH", "NORTH"].to_numpy(), A.loc["SOUTH", "SOUTH"].to_numpy()
    ns, sn = A.loc["NORTH", "SOUTH"].to_numpy(), A.loc["SOUTH", "NORTH"].to_numpy()
    eye = np.eye(3)
    L11 = np.linalg.inv(eye - n - ns @ np.linalg.inv(eye - s) @ sn)
    feedback = (L11 - np.linalg.inv(eye - n)).sum(axis=0)
    np.testing.assert_allclose(eff.loc["NORTH", "feedback"].to_numpy(), feedback, rtol=1e-10)
    assert (eff["feedback"] > 0).all() and (eff["spillover"] > 0).all()
    spill = io.spillover_matrix(L)
    np.testing.assert_allclose(spill.loc[("NORTH",), "SOUTH"].to_numpy(),
                               eff.loc["NORTH", "spillover"].to_numpy(), rtol=1e-12)


def test_exogenous_output_impact_reproduces_leontief():
    # Fixing sector K's output at the change the Leontief model gives for a shock in other
    # sectors reproduces the Leontief answer for the others (the mixed model is exact).
    table = io.from_sam(toy_sam())
    A = io.technical_coefficients(table.Z, table.x)
    dy = pd.Series({("NORTH", "ser"): 10.0})
    dx = io.impact(io.leontief_inverse(A), dy)
    K = ("SOUTH", "man")
    got = io.exogenous_output_impact(A, dx.loc[[K]], dy)
    np.testing.assert_allclose(got.to_numpy(), dx.to_numpy(), rtol=1e-10)


# ---------------------------------------------------------------------- from a SAM
@pytest.mark.parametrize("name", ["toy2r", "vologda_2021", "stdcge"])
def test_from_sam_identities(name):
    sam = read_sam(sam_path(name))
    t = io.from_sam(sam)
    scale = t.x.abs().max()
    # rows: x = Z i + Y i (by construction); columns: x' = i'Z + i'V (the SAM's balance)
    np.testing.assert_allclose(t.x, t.Z.sum(axis=1) + t.Y.sum(axis=1), atol=1e-9 * scale)
    np.testing.assert_allclose(t.x, t.Z.sum(axis=0) + t.V.sum(axis=0), atol=1e-9 * scale)
    # gross output is the activity's receipts
    acts = sam.accounts_of("activity")
    assert t.x.sum() == pytest.approx(sam.row_totals()[acts].sum(), rel=1e-12)
    # value added: factor payments and production taxes of the activities
    va = sam.block("factor", "activity").sum().item() + sam.block("tax", "activity").sum().item()
    assert t.v.sum() == pytest.approx(va, rel=1e-12)


def test_from_sam_origin_shares():
    sam = toy_sam()
    t = io.from_sam(sam)
    # SOUTH's agr delivered to NORTH's man: SOUTH's share in NORTH's supply of agr (the
    # SOUTH:a-agr row in the NORTH:c-agr column over that column's total) times NORTH's
    # intermediate use of agr by man.
    share = sam.get("SOUTH:a-agr", "NORTH:c-agr") / sam.col_totals()["NORTH:c-agr"]
    expected = share * sam.get("NORTH:c-agr", "NORTH:a-man")
    assert t.Z.loc[("SOUTH", "agr"), ("NORTH", "man")] == pytest.approx(expected, rel=1e-12)
    assert t.regions == ["NORTH", "SOUTH"] and t.sectors == ["agr", "man", "ser"]
    assert ("ROW", "row") in t.Y.columns


def test_from_sam_rejects_unbalanced():
    sam = toy_sam()
    values = sam.values
    values[sam.keys.index("NORTH:c-agr"), sam.keys.index("NORTH:hh")] += 5.0
    with pytest.raises(SAMError, match="NORTH:c-agr"):
        io.from_sam(sam.with_values(values))


def test_read_vector_reports_lines(tmp_path):
    index = io.region_sector_index(["NORTH", "SOUTH"], ["agr", "man"])
    f = tmp_path / "shock.csv"
    f.write_text("# construction phase\nregion,sector,value\nNORTH,agr,1\n\nNORTH,mann,2\n"
                 "EAST,agr,x\n")
    with pytest.raises(InputError) as err:
        io.read_vector(f, index)
    msg = str(err.value)
    assert f"{f}:5" in msg and "'mann'" in msg
    assert f"{f}:6" in msg and "'EAST'" in msg and "'x'" in msg
