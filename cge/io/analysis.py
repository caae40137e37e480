"""Input-output analysis: coefficients, inverses, multipliers, linkages, regional effects, impacts.

Symbols follow Miller and Blair (2009), *Input-Output Analysis: Foundations and Extensions*,
2nd ed.: ``Z`` flows, ``x`` gross output, ``A`` technical coefficients, ``L`` Leontief inverse,
``B`` and ``G`` the Ghosh (allocation) coefficients and inverse, ``Y``/``y`` final demand, ``v``
value added, ``F``/``S`` satellite accounts and their coefficients (pymrio's names). Every
function takes and returns labelled pandas objects on the (region, sector) index; none modifies
its arguments. Coefficients of a sector with zero output are 0, as in pymrio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.errors import CGEError
from cge.io.table import IOTable

HOUSEHOLDS = "households"


def _per_unit(flows: np.ndarray, x: np.ndarray) -> np.ndarray:
    """flows / x column-wise, 0 where x = 0 (a sector absent from a region)."""
    return np.divide(flows, x, out=np.zeros_like(flows, dtype=float), where=x != 0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den = 0 (a type I multiplier of a sector without direct effect)."""
    return np.divide(num, den, out=np.full_like(num, np.nan, dtype=float), where=den != 0)


def technical_coefficients(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Technical coefficients :math:`A = Z\,\hat{x}^{-1}`, :math:`a_{ij} = z_{ij}/x_j`."""
    return pd.DataFrame(_per_unit(Z.to_numpy(), x.reindex(Z.columns).to_numpy()),
                        index=Z.index, columns=Z.columns)


def leontief_inverse(A: pd.DataFrame) -> pd.DataFrame:
    r"""Leontief inverse :math:`L = (I - A)^{-1}`: output of i per unit of final demand for j."""
    n = A.shape[0]
    return pd.DataFrame(np.linalg.solve(np.eye(n) - A.to_numpy(), np.eye(n)),
                        index=A.index, columns=A.columns)


def output_multipliers(L: pd.DataFrame) -> pd.Series:
    r"""Simple (type I) output multipliers :math:`m(o)_j = \sum_i l_{ij}`, i.e. :math:`i'L`."""
    return L.sum(axis=0).rename("output")


def coefficients(F: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Direct coefficients of satellite or primary-input rows :math:`S = F\,\hat{x}^{-1}`."""
    return pd.DataFrame(_per_unit(F.to_numpy(dtype=float), x.reindex(F.columns).to_numpy()),
                        index=F.index, columns=F.columns)


def multipliers(S: pd.DataFrame, L: pd.DataFrame) -> pd.DataFrame:
    r"""Total (direct + indirect) requirements per unit of final demand :math:`M = S\,L`.

    For value added (``S = v'\hat{x}^{-1}``) this is the simple value-added multiplier, for
    labour income the simple income multiplier, for employment the simple employment
    multiplier; it is pymrio's ``M``.
    """
    return pd.DataFrame(S.to_numpy() @ L.to_numpy(), index=S.index, columns=L.columns)


def ghosh_coefficients(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Allocation (Ghosh) coefficients :math:`B = \hat{x}^{-1} Z`, :math:`b_{ij} = z_{ij}/x_i`."""
    return pd.DataFrame(_per_unit(Z.to_numpy().T, x.reindex(Z.index).to_numpy()).T,
                        index=Z.index, columns=Z.columns)


def ghosh_inverse(B: pd.DataFrame) -> pd.DataFrame:
    r"""Ghosh inverse :math:`G = (I - B)^{-1} = \hat{x}^{-1} L \hat{x}` (for positive x)."""
    return leontief_inverse(B)


def backward_linkages(L: pd.DataFrame) -> pd.Series:
    r"""Rasmussen power of dispersion, normalised:
    :math:`BL_j = \dfrac{\tfrac1n \sum_i l_{ij}}{\tfrac{1}{n^2}\sum_{i,j} l_{ij}}`.

    Above 1: a unit of final demand for j draws more on the economy than the average sector.
    """
    n = L.shape[0]
    Lm = L.to_numpy()
    return pd.Series(n * Lm.sum(axis=0) / Lm.sum(), index=L.columns, name="backward")


def forward_linkages(G: pd.DataFrame) -> pd.Series:
    r"""Forward linkages from the Ghosh inverse, normalised:
    :math:`FL_i = \dfrac{\tfrac1n \sum_j g_{ij}}{\tfrac{1}{n^2}\sum_{i,j} g_{ij}}`.

    Above 1: a unit of primary input into i supports more downstream output than average.
    """
    n = G.shape[0]
    Gm = G.to_numpy()
    return pd.Series(n * Gm.sum(axis=1) / Gm.sum(), index=G.index, name="forward")


def linkages(table: IOTable) -> pd.DataFrame:
    """Backward (Rasmussen, Leontief) and forward (Ghosh) linkages with the key-sector flag
    (both above 1), by (region, sector)."""
    L = leontief_inverse(technical_coefficients(table.Z, table.x))
    G = ghosh_inverse(ghosh_coefficients(table.Z, table.x))
    out = pd.concat([backward_linkages(L), forward_linkages(G)], axis=1)
    out["key_sector"] = (out["backward"] > 1) & (out["forward"] > 1)
    return out


# --------------------------------------------------------------------------- type II
def household_closure(table: IOTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Household income coefficients ``H`` and consumption coefficients ``C`` of a table.

    :math:`h_{k,j} = w_{k,j}/x_j` is the labour income household k earns per unit output of
    sector j; :math:`c_{i,k} = y^{hh}_{i,k} / \text{income}_k` is household k's consumption of
    domestic sector i per unit of its income (imports and product taxes leak out).
    Returns ``H`` (households x sectors) and ``C`` (sectors x households).
    """
    if table.W is None or table.household_income is None or not table.household_demand:
        raise CGEError("type II multipliers need household income and consumption (a SAM "
                       "with household accounts and a labour factor)")
    households = list(table.household_demand)
    H = coefficients(table.W.loc[households], table.x)
    C = pd.DataFrame({h: _per_unit(table.Y[table.household_demand[h]].to_numpy(),
                                   np.float64(table.household_income[h])) for h in households},
                     index=table.index)
    return H, C


def closed_coefficients(A: pd.DataFrame, H: pd.DataFrame, C: pd.DataFrame) -> pd.DataFrame:
    r"""Coefficients closed for households (Miller and Blair 2009, sect. 2.5):

    .. math:: \bar{A} = \begin{bmatrix} A & C \\ H & 0 \end{bmatrix}

    with the households appended as sectors labelled (household, ``"households"``).
    """
    k = H.shape[0]
    top = np.hstack([A.to_numpy(), C.to_numpy()])
    bottom = np.hstack([H.to_numpy(), np.zeros((k, k))])
    idx = A.index.append(pd.MultiIndex.from_tuples([(h, HOUSEHOLDS) for h in H.index],
                                                   names=A.index.names))
    return pd.DataFrame(np.vstack([top, bottom]), index=idx, columns=idx)


def closed_inverse(table: IOTable) -> pd.DataFrame:
    r"""Household-closed Leontief inverse :math:`\bar{L} = (I - \bar{A})^{-1}`."""
    A = technical_coefficients(table.Z, table.x)
    H, C = household_closure(table)
    return leontief_inverse(closed_coefficients(A, H, C))


def multiplier_table(table: IOTable) -> pd.DataFrame:
    r"""Type I and type II multipliers by (region, sector), one column per kind.

    With :math:`L` the open and :math:`\bar L` the household-closed inverse (first n rows and
    columns :math:`\bar L_{nn}`; household rows :math:`\bar L_{hn}`), direct coefficients
    :math:`s_j` (value added, labour income :math:`h_j`, satellites):

    * ``output_I`` :math:`= i'L`; ``output_II`` :math:`= i'\bar L_{nn}` (industries only);
    * ``value_added`` :math:`= v'\hat{x}^{-1}L` (simple), ``value_added_I`` = simple /
      :math:`s_j`, ``value_added_II`` :math:`= (s'\bar L_{nn})_j / s_j`;
    * ``income`` :math:`= h'L` (simple), ``income_I`` :math:`= (h'L)_j/h_j`, ``income_II``
      :math:`= (i'\bar L_{hn})_j / h_j` (Miller and Blair eq. 6.16);
    * for each satellite row ``e`` of ``F`` (e.g. employment): ``e``, ``e_I``, ``e_II`` alike.

    Type I ratios are NaN for a sector with no direct effect. Type II columns are left out
    when the table has no household data.
    """
    A = technical_coefficients(table.Z, table.x)
    L = leontief_inverse(A)
    out = {"output_I": output_multipliers(L)}
    rows = {"value_added": coefficients(table.v.to_frame().T, table.x).iloc[0]}
    closed = table.household_demand and table.W is not None
    if closed:
        H, C = household_closure(table)
        Lbar = leontief_inverse(closed_coefficients(A, H, C)).to_numpy()
        n = len(table.index)
        Lnn, Lhn = Lbar[:n, :n], Lbar[n:, :n]
        out["output_II"] = pd.Series(Lnn.sum(axis=0), index=L.columns)
        rows["income"] = H.sum(axis=0)
    if table.F is not None:
        S = coefficients(table.F, table.x)
        rows.update({name: S.loc[name] for name in S.index})
    for name, s in rows.items():
        s = s.to_numpy()
        simple = s @ L.to_numpy()
        out[name] = pd.Series(simple, index=L.columns)
        out[f"{name}_I"] = pd.Series(_ratio(simple, s), index=L.columns)
        if closed:
            total = Lhn.sum(axis=0) if name == "income" else s @ Lnn
            out[f"{name}_II"] = pd.Series(_ratio(total, s), index=L.columns)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- regions
def _blocks(index: pd.MultiIndex) -> dict[str, np.ndarray]:
    regions = index.get_level_values("region")
    return {r: np.flatnonzero(regions == r) for r in dict.fromkeys(regions)}


def regional_effects(A: pd.DataFrame) -> pd.DataFrame:
    r"""Intraregional, feedback and spillover effects of final demand (Miller and Blair 2009,
    sect. 3.4), by the (region r, sector j) whose final demand rises by one unit.

    With :math:`L_{sr}` the blocks of :math:`L = (I-A)^{-1}`:

    * ``intraregional`` :math:`= i'(I - A_{rr})^{-1}e_j`: output in r if r did not trade
      intermediate goods with other regions;
    * ``feedback`` :math:`= i'[L_{rr} - (I - A_{rr})^{-1}]e_j`: extra output in r because r's
      purchases from other regions raise their purchases from r;
    * ``spillover`` :math:`= \sum_{s \ne r} i'L_{sr}e_j`: output induced in other regions;
    * ``total`` :math:`= i'Le_j` = the sum of the three.

    Holds for any number of regions (feedback then runs through every other region).
    """
    Am = A.to_numpy()
    L = np.linalg.solve(np.eye(len(Am)) - Am, np.eye(len(Am)))
    col_sums = L.sum(axis=0)
    intra = np.zeros(len(Am))
    own = np.zeros(len(Am))
    for rows in _blocks(A.index).values():
        block = np.ix_(rows, rows)
        intra[rows] = np.linalg.solve(np.eye(len(rows)) - Am[block], np.eye(len(rows))).sum(0)
        own[rows] = L[block].sum(axis=0)
    return pd.DataFrame({"intraregional": intra, "feedback": own - intra,
                         "spillover": col_sums - own, "total": col_sums}, index=A.index)


def spillover_matrix(L: pd.DataFrame) -> pd.DataFrame:
    r"""Output induced in each region s per unit of final demand for (r, j):
    :math:`i'L_{sr}e_j`; rows (r, j), one column per region s (row sums = output multipliers)."""
    Lm = L.to_numpy()
    return pd.DataFrame({s: Lm[rows].sum(axis=0) for s, rows in _blocks(L.index).items()},
                        index=L.columns).rename_axis(columns="affected_region")


# --------------------------------------------------------------------------- impacts
def impact(L: pd.DataFrame, dy: pd.Series) -> pd.Series:
    r"""Output change for a final-demand change: :math:`\Delta x = L\,\Delta y`.

    ``dy`` is indexed by (region, sector) of the supplying sector; missing entries are 0 and
    labels not in ``L`` raise ``KeyError``.
    """
    unknown = dy.index.difference(L.columns)
    if len(unknown):
        raise KeyError(f"shock labels not in the table: {list(unknown)}")
    y = dy.reindex(L.columns, fill_value=0.0).to_numpy(dtype=float)
    return pd.Series(L.to_numpy() @ y, index=L.index, name="dx")


def impact_table(table: IOTable, dy: pd.Series) -> pd.DataFrame:
    r"""Effects of a final-demand shock by (region, sector): output, value added, labour
    income and satellites, type I (:math:`\Delta x = L\Delta y`) and, with household data, type
    II (:math:`\Delta\bar x = \bar L [\Delta y; 0]`, households' induced consumption included).

    Each effect is its direct coefficient times the output change, e.g.
    :math:`\Delta v = \hat{v}\hat{x}^{-1}\Delta x`.
    """
    A = technical_coefficients(table.Z, table.x)
    L = leontief_inverse(A)
    dx = impact(L, dy)
    out = {"dy": dy.reindex(table.index, fill_value=0.0), "output_I": dx}
    direct = {"value_added": coefficients(table.v.to_frame().T, table.x).iloc[0]}
    closed = table.household_demand and table.W is not None
    if closed:
        H, C = household_closure(table)
        Lbar = leontief_inverse(closed_coefficients(A, H, C))
        ybar = dy.reindex(Lbar.columns, fill_value=0.0)
        out["output_II"] = impact(Lbar, ybar).iloc[: len(table.index)]
        direct["income"] = H.sum(axis=0)
    if table.F is not None:
        S = coefficients(table.F, table.x)
        direct.update({name: S.loc[name] for name in S.index})
    for name, s in direct.items():
        out[f"{name}_I"] = s * dx
        if closed:
            out[f"{name}_II"] = s * out["output_II"]
    return pd.DataFrame(out)


def exogenous_output_impact(A: pd.DataFrame, dx_fixed: pd.Series,
                            dy: pd.Series | None = None) -> pd.Series:
    r"""Output changes when the output of some sectors K is set from outside (new capacity)
    and the others N respond (Miller and Blair 2009, sect. 13.1, mixed models):

    .. math:: \Delta x_N = (I - A_{NN})^{-1}(A_{NK}\,\Delta x_K + \Delta y_N)

    ``dx_fixed`` gives :math:`\Delta x_K` by (region, sector); ``dy`` an optional final-demand
    change of the other sectors. The result holds :math:`\Delta x_K` unchanged for K. The extra
    output of K beyond what the economy absorbs as inputs goes to final demand.
    """
    fixed = dx_fixed.index
    unknown = fixed.difference(A.index)
    if len(unknown):
        raise KeyError(f"labels not in the table: {list(unknown)}")
    K = A.index.isin(fixed)
    N = ~K
    Am = A.to_numpy()
    dxK = dx_fixed.reindex(A.index[K]).to_numpy(dtype=float)
    rhs = Am[np.ix_(N, K)] @ dxK
    if dy is not None:
        rhs = rhs + dy.reindex(A.index[N], fill_value=0.0).to_numpy(dtype=float)
    dxN = np.linalg.solve(np.eye(int(N.sum())) - Am[np.ix_(N, N)], rhs)
    out = np.zeros(len(A))
    out[K], out[N] = dxK, dxN
    return pd.Series(out, index=A.index, name="dx")


def interregional_supplies(A: pd.DataFrame, x: pd.Series, Y: pd.DataFrame) -> pd.DataFrame:
    r"""Deliveries from each origin region to each destination region by sector:
    intermediate :math:`\sum_{i} a_{(o,j),(d,i)} x_{(d,i)}` plus final
    :math:`\sum_k y_{(o,j),(d,k)}`; rows (origin, sector), columns destination regions
    (final-demand regions outside the table, e.g. exports to the rest of the world, included).
    """
    Zm = A.to_numpy() * x.reindex(A.columns).to_numpy()
    dest_regions = list(dict.fromkeys(list(A.columns.get_level_values("region"))
                                      + list(Y.columns.get_level_values("region"))))
    out = pd.DataFrame(0.0, index=A.index, columns=pd.Index(dest_regions, name="destination"))
    for d in dest_regions:
        cols = A.columns.get_level_values("region") == d
        fd = Y.columns.get_level_values("region") == d
        out[d] = Zm[:, cols].sum(axis=1) + Y.loc[:, fd].to_numpy().sum(axis=1)
    return out
