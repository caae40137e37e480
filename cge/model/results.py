"""Model solutions as xarray Datasets, and welfare and macro indicators.

:func:`solution` turns every variable into a DataArray on the dims its declaration names
(``region, sector, commodity, factor, household, origin, destination``), with units and
description as attrs; absent (zero) flows are NaN-free zeros. :func:`indicators` adds:

* Hicksian equivalent and compensating variation per household: demand is a tree of CES
  nests over supernumerary quantities ``X - gamma`` (:mod:`cge.model.households`), whose
  expenditure function is ``e(p, U) = sum p gamma + U P(p)`` with ``P`` the unit cost of the
  tree's root (:func:`cge.model.households.unit_cost`; ``prod (p/alpha)^alpha`` for the default
  Stone-Geary / Cobb-Douglas tree): ``EV = e(p0, U1) - e(p0, U0) = (U1 - U0) P(p0)``,
  ``CV = e(p1, U1) - e(p1, U0) = (U1 - U0) P(p1)``, in which the subsistence terms cancel;
* GRP per region, nominal and in volume (benchmark prices and tax rates), each by production
  and by expenditure (:mod:`cge.model.grp`);
* terms of trade per region: export price index over import price index (benchmark weights).
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from cge.model import grp, households


class _Numbers:
    """An indexed Var, Param or Expression read as numbers: ``x[k]`` is the value of its
    member k (a Var's or mutable Param's value slot read directly: ``pyo.value`` took half
    the time of the reading)."""

    __slots__ = ("_component", "_read")

    def __init__(self, component):
        self._component = component
        slot = isinstance(component, pyo.Var) or (isinstance(component, pyo.Param)
                                                  and component.mutable)
        self._read = operator.attrgetter("value") if slot else pyo.value

    def __getitem__(self, key) -> float:
        return self._read(self._component[key])

    def __contains__(self, key) -> bool:
        return key in self._component

    def __iter__(self):
        return iter(self._component)

    def __len__(self) -> int:
        return len(self._component)

    def items(self):
        read = self._read
        return ((k, read(d)) for k, d in self._component.items())


class AtPoint:
    """The model read at its current point: its Vars, Params and Expressions give numbers,
    everything else (sets, the calibration's maps, dicts of Vars such as the cooperation
    block's ``local_preference``: read those with ``pyo.value``) is the model's own.

    The model's functions of prices and quantities (:func:`cge.model.grp.nominal`,
    :func:`cge.model.trade.landed_price`...) called on it return floats computed in the
    order their Pyomo expressions would be evaluated, without building and walking those
    expressions: that took most of the indicators' and the welfare decomposition's time
    beside the solves (issue 21)."""

    def __init__(self, m: pyo.ConcreteModel):
        self._m = m

    def __getattr__(self, name: str):
        c = getattr(self._m, name)
        if isinstance(c, pyo.Var | pyo.Param | pyo.Expression):
            c = _Numbers(c) if c.is_indexed() else pyo.value(c)
        setattr(self, name, c)  # read once per point
        return c


def _to_dataarray(comp, dims: tuple[str, ...], attrs: dict) -> xr.DataArray:
    if not dims:
        return xr.DataArray(float(pyo.value(comp)), attrs=attrs)
    keys = list(comp.keys())
    vals = [v.value for v in comp.values()]
    if len(dims) == 1 and all(isinstance(x, float) for x in vals):
        arr = np.array(vals, dtype=float)
        arr[np.isnan(arr)] = 0.0
        return xr.DataArray(arr, coords={dims[0]: pd.Index(keys, name=dims[0])}, dims=dims,
                            attrs=attrs)
    cols = list(zip(*keys, strict=True)) if len(dims) > 1 else []
    levels = [sorted(set(c)) for c in cols
              if all(type(x) is str for x in c) or all(type(x) is int for x in c)]
    if len(dims) > 1 and len(levels) == len(dims) and all(isinstance(x, float) for x in vals):
        # one pass into a dense array on the sorted labels of each dim, as pandas' unstack
        # (Series.to_xarray) lays it out; absent entries (and NaN) are zero
        pos = tuple(np.fromiter(map({x: n for n, x in enumerate(lv)}.__getitem__, c),
                                dtype=np.intp, count=len(c))
                    for c, lv in zip(cols, levels, strict=True))
        arr = np.full(tuple(len(lv) for lv in levels), np.nan)
        arr[pos] = vals
        arr[np.isnan(arr)] = 0.0
        coords = {d: pd.Index(lv, name=d) for d, lv in zip(dims, levels, strict=True)}
        return xr.DataArray(arr, coords=coords, dims=dims, attrs=attrs)
    values = {k: pyo.value(v) for k, v in comp.items()}
    if len(dims) == 1:
        s = pd.Series(values)
        s.index.name = dims[0]
    else:
        s = pd.Series(values, index=pd.MultiIndex.from_tuples(list(values), names=dims))
    return s.to_xarray().fillna(0.0).assign_attrs(attrs)


def solution(m: pyo.ConcreteModel) -> xr.Dataset:
    """Every variable of the model at its current value."""
    data = {}
    for sym in m.symbols.values():
        comp = getattr(m, sym.name)
        if sym.kind != "variable" or (sym.dims and len(comp) == 0):
            continue
        data[sym.name] = _to_dataarray(comp, sym.dims,
                                       {"units": sym.unit, "description": sym.description,
                                        "latex": sym.latex, "block": sym.block})
    return _outer_dataset(data, {"model": m.name})


def _outer_dataset(arrays: dict[str, xr.DataArray], attrs: dict) -> xr.Dataset:
    """``xr.Dataset(arrays, attrs=attrs)``: the labels of each dim joined (outer, in the
    arrays' order, as xarray joins them), NaN where an array lacks a label; the arrays are
    placed on the joined labels with numpy, where xarray's alignment reindexed each one on
    its own (half the time of :func:`solution`, 6 per flagship run; issue 21)."""
    joined: dict[str, pd.Index] = {}
    for da in arrays.values():
        for d in da.dims:
            idx = da.indexes[d]
            joined[d] = idx if d not in joined or joined[d].equals(idx) else joined[d].union(idx)
    out = {}
    for name, da in arrays.items():
        if all(joined[d].equals(da.indexes[d]) for d in da.dims):
            out[name] = (da.dims, da.values, da.attrs)
            continue
        arr = np.full(tuple(len(joined[d]) for d in da.dims), np.nan)
        arr[np.ix_(*(joined[d].get_indexer(da.indexes[d]) for d in da.dims))] = da.values
        out[name] = (da.dims, arr, da.attrs)
    return xr.Dataset(out, coords=joined, attrs=attrs)


def indicators(m: pyo.ConcreteModel, benchmark: xr.Dataset) -> xr.Dataset:
    """Welfare and macro indicators of the current solution relative to ``benchmark``.

    ``benchmark`` is :func:`solution` of the same model at its benchmark point.
    """
    at = AtPoint(m)
    # consumer prices: purchaser prices plus the consumption tax (zero at the benchmark)
    p1 = {k: households.consumer_price(at, *k) if k in m.tc else v for k, v in at.pq.items()}
    p0 = {k: float(v) for k, v in grp._at(benchmark["pq"], m.pq)}
    ev, cv = {}, {}
    cost0, cost1 = households.unit_cost(m, p0), households.unit_cost(m, p1)
    uu0 = dict(grp._at(benchmark["UU"], m.RH))
    for r, h in m.RH:
        du = pyo.value(m.UU[r, h]) - float(uu0[(r, h)])
        ev[(r, h)] = du * cost0[(r, h)]
        cv[(r, h)] = du * cost1[(r, h)]
    hh_dims = ("region", "household")
    out = {
        "EV": _series(ev, hh_dims, "value", "Hicksian equivalent variation"),
        "CV": _series(cv, hh_dims, "value", "Hicksian compensating variation"),
    }
    nom = {r: tuple(float(x) for x in pair) for r, pair in grp.nominal(at).items()}
    vol = {r: tuple(float(x) for x in pair)
           for r, pair in grp.real(at, grp.BasePrices.from_solution(m, benchmark)).items()}
    tot = {}
    # benchmark weights, read once (solution() leaves out E or M without entries)
    e0 = dict(grp._at(benchmark["E"], m.RE)) if len(m.RE) else {}
    m0 = dict(grp._at(benchmark["M"], m.RM)) if len(m.RM) else {}
    for r in m.R:
        ex = [k for k in m.RE if k[0] == r]
        im = [k for k in m.RM if k[0] == r]
        if ex and im:
            w_e = {k: float(e0[k]) for k in ex}
            w_m = {k: float(m0[k]) for k in im}
            pe = sum(w_e[k] * pyo.value(m.pe[k]) for k in ex) / sum(w_e.values())
            pmi = sum(w_m[k] * pyo.value(m.pm[k]) for k in im) / sum(w_m.values())
            tot[r] = pe / pmi
    out["GRP_nominal"] = _series({r: v[0] for r, v in nom.items()}, ("region",), "value",
                                 "gross regional product at market prices (production: value "
                                 "added plus taxes)")
    out["GRP_nominal_expenditure"] = _series(
        {r: v[1] for r, v in nom.items()}, ("region",), "value", "gross regional product at "
        "market prices by expenditure (final demand plus exports less imports, abroad and "
        "between regions)")
    out["GRP_real"] = _series({r: v[0] for r, v in vol.items()}, ("region",), "value",
                              "gross regional product in volume: at benchmark prices and tax "
                              "rates, by production (double deflation; cge.model.grp)")
    out["GRP_real_expenditure"] = _series(
        {r: v[1] for r, v in vol.items()}, ("region",), "value", "gross regional product in "
        "volume by expenditure (equal to GRP_real; cge.model.grp)")
    if tot:
        out["terms_of_trade"] = _series(tot, ("region",), "1", "export over import price "
                                        "index (benchmark weights)")
    return xr.Dataset(out)


def _series(values: dict, dims: tuple[str, ...], unit: str, doc: str) -> xr.DataArray:
    if len(dims) == 1:
        s = pd.Series(values)
        s.index.name = dims[0]
    else:
        s = pd.Series(values, index=pd.MultiIndex.from_tuples(list(values), names=dims))
    return s.to_xarray().assign_attrs(units=unit, description=doc)
