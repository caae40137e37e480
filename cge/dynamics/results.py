r"""Yearly results without rebuilding xarray objects every year.

A path has one equilibrium per year; building :func:`cge.model.results.solution` each year
costs more than the solve. :class:`Levels` takes the layout of ``solution`` (dims, coords,
attrs) once, reads the variables into arrays each year and stacks them along ``year`` at the
end, so the levels are the same as ``solution``'s (tested).

Welfare and GRP use the formulas of :func:`cge.model.results.indicators` (tested equal):

.. math::

    EV_{rh} = (U^1_{rh} - U^0_{rh})\, P_{rh}(p^0)

with :math:`P` the unit cost of the household's demand tree
(:func:`cge.model.households.unit_cost`), ``U^0, p^0`` the reference (the baseline of the
same year); nominal and real GRP from :mod:`cge.model.grp`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from cge.model import grp, households
from cge.model.results import solution


class Levels:
    """Reads every variable into arrays laid out like :func:`solution`."""

    def __init__(self, m: pyo.ConcreteModel):
        self.template = solution(m)
        # absent entries keep the template's filler (solution()'s convention)
        self.entries: dict[str, tuple[np.ndarray, list, list]] = {}
        for name, da in self.template.data_vars.items():
            comp = getattr(m, name)
            pos = [{lab: n for n, lab in enumerate(da.coords[d].values)} for d in da.dims]
            flat, data = [], []
            for k, v in comp.items():
                key = k if isinstance(k, tuple) else (k,)
                flat.append(np.ravel_multi_index(tuple(p[x] for p, x in zip(pos, key,
                                                                              strict=True)),
                                                 da.shape) if da.dims else 0)
                data.append(v)
            self.entries[name] = (np.asarray(da.values, dtype=float), flat, data)

    def read(self) -> dict[str, np.ndarray]:
        out = {}
        for name, (filler, flat, data) in self.entries.items():
            arr = filler.ravel().copy()
            arr[flat] = [pyo.value(v) for v in data]
            out[name] = arr.reshape(filler.shape)
        return out

    def stack(self, years: list[int], frames: list[dict[str, np.ndarray]]) -> xr.Dataset:
        data = {}
        for name, da in self.template.data_vars.items():
            arr = np.stack([f[name] for f in frames])
            data[name] = xr.DataArray(arr, dims=("year", *da.dims),
                                      coords={d: da.coords[d] for d in da.dims},
                                      attrs=da.attrs)
        return xr.Dataset(data, coords={"year": years}, attrs=self.template.attrs)


def welfare_reference(m: pyo.ConcreteModel) -> tuple[dict, dict]:
    """Utility by household and consumer prices now (a reference for EV)."""
    return ({k: pyo.value(v) for k, v in m.UU.items()},
            {k: pyo.value(v) for k, v in m.pq.items()})


def equivalent_variation(m: pyo.ConcreteModel, reference: tuple[dict, dict]
                         ) -> dict[tuple[str, str], float]:
    """Hicksian EV of the current solution against ``reference`` (any demand tree)."""
    u0, p0 = reference
    cost = households.unit_cost(m, p0)
    return {k: (pyo.value(m.UU[k]) - u0[k]) * cost[k] for k in m.RH}


def nominal_grp(m: pyo.ConcreteModel) -> dict[str, float]:
    """Nominal GRP by region (production side, :func:`cge.model.grp.nominal`)."""
    return {r: pyo.value(production) for r, (production, _) in grp.nominal(m).items()}


def table(rows: list[dict], dims: tuple[str, ...], years: list[int], unit: str, doc: str
          ) -> xr.DataArray:
    """Yearly dicts ``{key: value}`` as a DataArray on ``(year, *dims)`` (absent = 0)."""
    records = []
    for year, row in zip(years, rows, strict=True):
        for k, v in row.items():
            key = k if isinstance(k, tuple) else (k,)
            records.append((year, *key, v))
    df = pd.DataFrame(records, columns=["year", *dims, "value"]).set_index(["year", *dims])
    da = df["value"].to_xarray().fillna(0.0)
    return da.reindex(year=years, fill_value=0.0).assign_attrs(units=unit, description=doc)
