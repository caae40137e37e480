"""Calibration: from a balanced SAM and elasticities to every model parameter.

All benchmark prices are one, except delivered prices of interregional shipments, which carry
the benchmark trade margin (``1 + tmg0``), and the producer price net of production tax, so
benchmark quantities are SAM values. The calibrated parameters and benchmark quantities form one
:class:`xarray.Dataset` (:attr:`Calibration.data`) on the dims ``region, sector, commodity,
factor, household, origin, destination`` with units and descriptions as attrs; users may read
and edit it before building a model.

CES and CET functions are calibrated with the share form of :mod:`cge.calibration.shares`
(Hosoe, Gasawa and Hashimoto 2010, ch. 6). This module reads the SAM into benchmark flows
(``_read_flows``); each block calibrates what it declares in a module of its own, with a
``SPEC`` of its arrays: :mod:`~cge.calibration.production`, :mod:`~cge.calibration.make`,
:mod:`~cge.calibration.transformation`, :mod:`~cge.calibration.destinations`,
:mod:`~cge.calibration.trade`, :mod:`~cge.calibration.factors`,
:mod:`~cge.calibration.households`, :mod:`~cge.calibration.government`,
:mod:`~cge.calibration.enterprises`, :mod:`~cge.calibration.investment`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from cge.calibration.destinations import SPEC as DESTINATIONS_SPEC
from cge.calibration.destinations import calibrate_destinations
from cge.calibration.elasticities import Elasticities
from cge.calibration.enterprises import SPEC as _ENTERPRISE_SPEC
from cge.calibration.enterprises import calibrate_enterprises, read_enterprise_flows, received
from cge.calibration.factors import SPEC as FACTORS_SPEC
from cge.calibration.factors import calibrate_factors
from cge.calibration.government import SPEC as GOVERNMENT_SPEC
from cge.calibration.government import calibrate_government
from cge.calibration.households import INCOME_SPEC, calibrate_households, calibrate_income
from cge.calibration.investment import SPEC as INVESTMENT_SPEC
from cge.calibration.investment import calibrate_investment
from cge.calibration.make import SPEC as _MAKE_SPEC
from cge.calibration.make import calibrate_make, has_make_matrix, made_commodities, read_make
from cge.calibration.margins import (
    MarginStructure,
    add_margin_services,
    calibrate_margins,
    has_margin_cells,
    margin_cells,
    requirement_array,
)
from cge.calibration.nests import DEFAULT as DEFAULT_NESTS
from cge.calibration.production import calibrate_production, production_tables
from cge.calibration.shares import data_array
from cge.calibration.trade import SPEC as TRADE_SPEC
from cge.calibration.trade import calibrate_trade
from cge.calibration.transformation import SPEC as TRANSFORMATION_SPEC
from cge.calibration.transformation import calibrate_transformation
from cge.config import ModelConfig
from cge.errors import InputError, Location, Problem
from cge.sam import SAM, Kind
from cge.sam.core import key


@dataclass(frozen=True)
class Calibration:
    """Calibrated parameters and benchmark values, plus where they came from."""

    data: xr.Dataset
    config: ModelConfig
    sam_name: str = ""

    @property
    def country_of(self) -> dict[str, str]:
        """Region -> country (one country, ``home``, unless the configuration names several)."""
        return self.config.country_of(self.regions)

    @property
    def has_rest_of_world(self) -> bool:
        return bool(self.data.attrs.get("rest_of_world", 1))

    @property
    def regions(self) -> list[str]:
        return [str(r) for r in self.data["region"].values]

    @property
    def sectors(self) -> list[str]:
        return [str(s) for s in self.data["sector"].values]

    @property
    def factors(self) -> list[str]:
        return [str(f) for f in self.data["factor"].values]

    @property
    def households(self) -> list[str]:
        return [str(h) for h in self.data["household"].values]

    def with_config(self, config: ModelConfig) -> Calibration:
        return replace(self, config=config)

    def nonzero(self, name: str) -> dict:
        """The nonzero entries of an array as ``{index: value}`` (tuples for 2+ dims)."""
        return self.table(name, nonzero=True)

    def labels(self, name: str) -> dict:
        """The nonempty entries of a label array (e.g. ``nest_parent``) as ``{index: label}``."""
        da = self.data[name]
        arr = np.asarray(da.values, dtype=object)
        idx = np.nonzero(arr != "")
        keys = zip(*(np.asarray(da[d].values, dtype=object)[i].tolist()
                     for d, i in zip(da.dims, idx, strict=True)), strict=True)
        return dict(zip(keys, arr[idx].tolist(), strict=True))

    def table(self, name: str, nonzero: bool = False) -> dict:
        """All (or the nonzero) entries of an array as ``{index: value}`` (tuples for 2+ dims)."""
        # numpy, not pandas: the model asks for dozens of tables with up to R*R*S entries, and a
        # MultiIndex series costs seconds at 85 regions. Same keys, order and value types.
        da = self.data[name]
        arr = np.asarray(da.values, dtype=float)
        idx = np.nonzero(np.abs(arr) > 0) if nonzero else tuple(np.indices(arr.shape).reshape(
            arr.ndim, -1))
        labels = [np.asarray(da[d].values, dtype=object)[i].tolist()
                  for d, i in zip(da.dims, idx, strict=True)]
        if arr.ndim == 1:
            return dict(zip(labels[0], arr[idx].tolist(), strict=True))
        return dict(zip(zip(*labels, strict=True), arr[idx], strict=True))


class _Reader:
    """Classifies every nonzero SAM cell into a model flow; leftovers are reported."""

    def __init__(self, sam: SAM, config: ModelConfig):
        self.sam, self.cfg = sam, config
        acc = sam.accounts
        self.frame = sam.data.values
        self.pos = {k: i for i, k in enumerate(sam.keys)}
        self.used = np.zeros_like(self.frame, dtype=bool)
        #: what keeps the model from reading the SAM (calibration raises them all)
        self.problems: list[Problem] = []
        problems = self.problems
        row_keys = sam.accounts_of(Kind.REST_OF_WORLD)
        if len(row_keys) > 1:
            problems.append(Problem("rest-of-world", f"the model takes one rest-of-world "
                                    f"account, the SAM has {row_keys}: aggregate them"))
        self.row = row_keys[0] if row_keys else None
        self.regions = [r for r in sam.regions if sam.accounts_of(Kind.ACTIVITY, r)]
        if not self.regions:
            problems.append(Problem("missing-account", "the SAM has no activity account: the "
                                    "model needs production in at least one region"))
        # a federal government is a government account in a region of its own (no activities)
        federal = [k for k in sam.accounts_of(Kind.GOVERNMENT)
                   if acc.at[k, "region"] not in self.regions]
        if len(federal) > 1:
            problems.append(Problem("unsupported", f"the model takes one federal government, "
                                    f"the SAM has {federal}: aggregate them"))
        self.federal = federal[0] if federal else None
        ap, cp = config.activity_prefix, config.commodity_prefix
        #: whether some activity sells a commodity of another name (a make matrix,
        #: :mod:`cge.calibration.make`); without one every activity makes its own commodity
        self.make = has_make_matrix(sam, ap, cp)
        sectors: dict[str, None] = {}
        for r in self.regions:
            for a in sam.names_of(Kind.ACTIVITY, r):
                if not a.startswith(ap):
                    problems.append(Problem("account-name", f"activity names must start with "
                                            f"{ap!r}", Location(account=key(r, a))))
                    continue
                s = a[len(ap):]
                sectors[s] = None
                if not self.make and key(r, cp + s) not in self.pos:
                    problems.append(Problem("missing-account", f"activity {a} has no commodity "
                                            f"account {cp + s} in region {r}",
                                            Location(account=key(r, a))))
        if self.make:
            # the sector labels are those of activities and commodities together
            made = made_commodities(sam, ap, cp)
            for r in sam.regions:
                for c in sam.names_of(Kind.COMMODITY, r):
                    if not c.startswith(cp):
                        continue
                    sectors[c[len(cp):]] = None
                    if c[len(cp):] not in made:
                        problems.append(Problem(
                            "missing-account", f"commodity {c} of region {r} is made by no "
                            "activity (no activity of any region sells it): the model needs "
                            "domestic output of every commodity (a commodity only imported is "
                            "not modelled; aggregate it into one that is produced)",
                            Location(account=key(r, c))))
        for r in sam.regions if not self.make else ():
            for c in sam.names_of(Kind.COMMODITY, r):
                if c.startswith(cp) and key(r, ap + c[len(cp):]) not in self.pos:
                    problems.append(Problem(
                        "missing-account", f"commodity {c} has no activity {ap + c[len(cp):]} "
                        f"in region {r}: the model needs domestic output of every commodity "
                        "(a commodity only imported is not modelled; aggregate it into one "
                        "that is produced)", Location(account=key(r, c))))
        for kind in (Kind.TRADE_MARGIN,):
            if sam.accounts_of(kind):
                problems.append(Problem("unsupported", f"accounts of kind {kind} are not modelled"
                                        f" yet: {sam.accounts_of(kind)}; aggregate them into "
                                        "households or commodities"))
        for r in self.regions:
            # government and savings-investment are optional (e.g. Hosoe et al.'s SPLCGE has
            # neither), but at most one each, and taxes need a government to receive them
            for kind in (Kind.GOVERNMENT, Kind.SAVINGS_INVESTMENT, Kind.ENTERPRISE):
                n = len(sam.accounts_of(kind, r))
                if n > 1:
                    problems.append(Problem("unsupported", f"region {r} has {n} {kind} "
                                            "accounts; the model takes at most one: aggregate "
                                            "them", Location(account=r)))
            # an import quota's rent account may pay households only (cge.model.quotas)
            taxes = [t for t in sam.accounts_of(Kind.TAX, r)
                     if t.split(":")[-1] not in config.quota_rent_accounts]
            if taxes and not sam.accounts_of(Kind.GOVERNMENT, r):
                problems.append(Problem("missing-account", f"region {r} has tax accounts "
                                        f"{taxes} but no government account to receive them",
                                        Location(account=r)))
            if not sam.accounts_of(Kind.HOUSEHOLD, r):
                problems.append(Problem("missing-account", f"region {r} has no household",
                                        Location(account=r)))
            if not sam.accounts_of(Kind.FACTOR, r):
                problems.append(Problem("missing-account", f"region {r} has no factor",
                                        Location(account=r)))
        self.sectors = list(sectors)
        self.factors = list(dict.fromkeys(a for r in self.regions
                                          for a in sam.names_of(Kind.FACTOR, r)))
        self.households = list(dict.fromkeys(a for r in self.regions
                                             for a in sam.names_of(Kind.HOUSEHOLD, r)))
        self.acc = acc
        # Row positions of accounts by (kind, region, names, exclude) and single accounts by
        # (kind, region): looked up for every cell, so cached (pandas filtering per call grows
        # with regions squared).
        self._rows: dict[tuple, np.ndarray] = {}
        self._one: dict[tuple[Kind, str], str] = {}
        # federal share of each tax account's receipts (zeros without a federal government)
        self.shares = self.federal_shares()

    def take(self, row: str | None, col: str | None) -> float:
        """The payment to row from col (0 if either is absent), marking the cell as used."""
        if row is None or col is None or row not in self.pos or col not in self.pos:
            return 0.0
        i, j = self.pos[row], self.pos[col]
        self.used[i, j] = True
        return float(self.frame[i, j])

    def take_kind(self, row_kind: Kind, col: str, region: str | None = None,
                  names: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> float:
        """Sum of payments by ``col`` to all accounts of a kind (optionally filtered)."""
        if col is None or col not in self.pos:
            return 0.0
        cache = (row_kind, region, names, exclude)
        if cache not in self._rows:
            keys = self.sam.accounts_of(row_kind, region)
            self._rows[cache] = np.array(
                [self.pos[k] for k, name in zip(keys, self.acc.loc[keys, "account"], strict=True)
                 if (names is None or name in names) and name not in exclude], dtype=np.int64)
        rows, j = self._rows[cache], self.pos[col]
        self.used[rows, j] = True
        values = self.frame[rows, j]
        # summed in account order, as cell by cell
        return sum(values[values != 0].tolist(), 0.0)

    def federal_shares(self) -> np.ndarray:
        """Per account (row position): the federal share of a tax account's net receipts.

        A tax account passes its net receipts to its region's government and, in a SAM with a
        federal government, to that government; each tax it collects is split in the same
        proportion.
        """
        shares = np.zeros(len(self.pos))
        if self.federal is None:
            return shares
        f = self.pos[self.federal]
        for r in self.regions:
            gov = self.one(Kind.GOVERNMENT, r)
            for t in self.sam.accounts_of(Kind.TAX, r):
                i = self.pos[t]
                to_fed = self.frame[f, i] - self.frame[i, f]
                to_reg = (self.frame[self.pos[gov], i] - self.frame[i, self.pos[gov]]
                          if gov is not None else 0.0)
                if to_fed + to_reg:
                    shares[i] = to_fed / (to_fed + to_reg)
        return shares

    def take_taxes(self, col: str, names: tuple[str, ...] | None = None,
                   exclude: tuple[str, ...] = ()) -> tuple[float, float]:
        """Taxes paid by ``col`` (all tax accounts, filtered by name) and their federal part."""
        total = self.take_kind(Kind.TAX, col, names=names, exclude=exclude)
        if self.federal is None or col is None or col not in self.pos:
            return total, 0.0
        rows = self._rows[(Kind.TAX, None, names, exclude)]
        values = self.frame[rows, self.pos[col]] * self.shares[rows]
        return total, float(values.sum())

    def one(self, kind: Kind, region: str) -> str | None:
        """The region's account of a kind, or None if it has none."""
        if (kind, region) not in self._one:
            found = self.sam.accounts_of(kind, region)
            self._one[(kind, region)] = found[0] if found else None
        return self._one[(kind, region)]

    def leftovers(self) -> list[Problem]:
        left = (self.frame != 0) & ~self.used
        keys = self.sam.keys
        return [Problem("unsupported-flow", f"the model does not use this payment of "
                        f"{self.frame[i, j]:.6g} ({self.acc.at[keys[i], 'kind']} receiving from "
                        f"{self.acc.at[keys[j], 'kind']})", Location(cell=(keys[i], keys[j])))
                for i, j in zip(*np.nonzero(left), strict=True)]


@dataclass(frozen=True)
class Benchmark:
    """What calibration reads off a SAM before any elasticity enters: the benchmark flows by
    name (``X0``, ``F0``, ...), labels (``coords``), iceberg margins ``tmg`` and margin
    services per flow (``services``, with their requirements ``tmr``)."""

    sam: SAM
    config: ModelConfig
    flows: dict[str, dict]
    coords: dict[str, list[str]]
    tmg: dict[tuple[str, str, str], float]
    services: dict[tuple[str, str, str], float]
    tmr: dict
    has_row: bool


def calibrate(sam: SAM, elasticities: Elasticities, config: ModelConfig | None = None,
              trade_margins: dict[tuple[str, str, str], float] | None = None,
              margin_structure: MarginStructure | None = None) -> Calibration:
    """Calibrate the multi-region model to a balanced SAM.

    ``trade_margins`` maps ``(origin, destination, commodity)`` to the benchmark margin rate of
    interregional shipments (default 0: no margin): an iceberg margin ``tmg0``, or, on the flows
    ``margin_structure`` covers, margin services (:mod:`cge.calibration.margins`; a SAM without
    margin cells gets them by :func:`~cge.calibration.margins.add_margin_services`).
    """
    return calibrate_benchmark(read_benchmark(sam, config, trade_margins, margin_structure),
                               elasticities)


def read_benchmark(sam: SAM, config: ModelConfig | None = None,
                   trade_margins: dict[tuple[str, str, str], float] | None = None,
                   margin_structure: MarginStructure | None = None) -> Benchmark:
    """The elasticity-free first half of :func:`calibrate` (same arguments)."""
    config = config or ModelConfig()
    if config.scale <= 0:
        raise InputError(Problem("config", f"scale must be positive, got {config.scale}"))
    unbalanced = _unbalanced(sam, config.scale)
    if unbalanced:
        raise InputError(unbalanced)
    if config.scale != 1.0:
        meta = {**sam.meta, "units": config.units or f"{sam.units} / {config.scale:g}"}
        sam = SAM(sam.accounts, sam.values / config.scale, **meta)
    if margin_structure is not None and not has_margin_cells(sam):
        sam = add_margin_services(sam, trade_margins or {}, margin_structure,
                                  config.activity_prefix, config.commodity_prefix)
    rd = _Reader(sam, config)
    if rd.problems:
        raise InputError(rd.problems)
    config.validate(regions=rd.regions, factors=rd.factors, rest_of_world=rd.row is not None)
    country = config.country_of(rd.regions)
    if rd.federal is not None and len(set(country.values())) > 1:
        raise InputError(Problem("unsupported", f"a federal government ({rd.federal}) needs "
                                 "all regions in one country"))
    b = _read_flows(rd, config, country)
    # margin services: the commodity accounts' payments to the margin commodities' accounts
    MG0 = {}
    if margin_structure is not None:
        MG0 = margin_cells(sam, rd.regions, rd.sectors, config.commodity_prefix)
        for s, mm, d, i in MG0:
            rd.take(key(s, config.commodity_prefix + mm), key(d, config.commodity_prefix + i))
    problems = rd.problems + rd.leftovers() + _flow_problems(b, config)
    if problems:
        raise InputError(problems)
    R, S = rd.regions, rd.sectors
    if config.production_nests is not None:
        config.production_nests.check_labels({"region": R, "sector": S, "factor": rd.factors,
                                              "commodity": S})
    if config.household_nests is not None:
        config.household_nests.check_labels({"region": R, "household": rd.households,
                                             "commodity": S})
    coords = {"region": R, "sector": S, "commodity": S, "factor": rd.factors,
              "household": rd.households, "origin": R, "destination": R}
    # a flow with margin services has no iceberg margin
    services = margin_structure.shares if margin_structure is not None else {}
    tmg = {(o, d, i): 0.0 if (o, d, i) in services else (trade_margins or {}).get((o, d, i), 0.0)
           for o in R for d in R for i in S}
    tmr = (calibrate_margins(b["V0"], tmg, MG0, trade_margins or {}, margin_structure)
           if margin_structure is not None else {})
    per_flow: dict[tuple[str, str, str], float] = {}
    for (o, d, i, _, _), v in tmr.items():
        per_flow[(o, d, i)] = per_flow.get((o, d, i), 0.0) + v
    return Benchmark(sam, config, b, coords, tmg, per_flow, tmr, rd.row is not None)


def calibrate_benchmark(bench: Benchmark, elasticities: Elasticities) -> Calibration:
    """The second half of :func:`calibrate`: every parameter, given the elasticities."""
    R, S = bench.coords["region"], bench.coords["sector"]
    elasticities.check_labels(R, S)
    data = _parameters(bench.flows, _elasticity_tables(elasticities, R, S), bench.tmg,
                       bench.coords, bench.sam, bench.has_row, elasticities, bench.config,
                       bench.services)
    if bench.tmr:
        data["tmr0"] = requirement_array(bench.tmr)
    return Calibration(data, bench.config, bench.sam.name)


def _elasticity_tables(elasticities: Elasticities, R: list[str], S: list[str]
                       ) -> dict[str, dict]:
    el = {p: {(r, s): elasticities.get(p, r, s) for r in R for s in S}
          for p in ("sigma_va", "psi_cet", "sigma_arm", "sigma_dom")}
    # optional: 0 where the file gives none (the region takes world export prices as given)
    el["eta_exp"] = {(r, s): elasticities.find("eta_exp", r, s) or 0.0 for r in R for s in S}
    el["eta_imp"] = {(r, s): elasticities.find("eta_imp", r, s) or 0.0 for r in R for s in S}
    # optional: None where the file gives none (one price for every destination)
    el["psi_dest"] = {(r, s): elasticities.find("psi_dest", r, s) for r in R for s in S}
    return el


#: What :func:`share_tables` recomputes: the elasticities, calibrated shares, scales and
#: exponents of the production nests, the output transformation and sourcing.
SHARE_TABLES = ("sigma_n", "gn", "an", "beta", "ax", "rho_n", "psi_cet", "theta", "xie", "xid",
                "phi", "sigma_dom", "delta_o", "gamma_o", "rho_o", "sigma_arm", "deltam",
                "deltad", "gamma", "eta")


def share_elasticities(config: ModelConfig) -> frozenset[str]:
    """Elasticities that enter the calibration only through :data:`SHARE_TABLES`: the CET
    between exports and domestic sales, the two sourcing CES and those the production nests
    name (``sigma_va`` in the default tree). Others need a full :func:`calibrate_benchmark`."""
    rules = config.production_nests or DEFAULT_NESTS
    named = {n.elasticity for r in rules.rules for n in r.nodes if isinstance(n.elasticity, str)}
    return frozenset({"psi_cet", "sigma_arm", "sigma_dom"} | named)


def share_tables(bench: Benchmark, elasticities: Elasticities) -> dict[str, dict]:
    """Shares, scales and exponents of production nests, output transformation and sourcing
    (``{name: {index: value}}``, named as in the calibration), as :func:`calibrate_benchmark`
    computes them for these elasticities, without the rest of calibration: the values a
    sensitivity point sets in a model built once (:mod:`cge.sensitivity.tasks`)."""
    b, coords, config = bench.flows, bench.coords, bench.config
    R, S = coords["region"], coords["sector"]
    el = _elasticity_tables(elasticities, R, S)
    production, _, _ = production_tables(
        b["F0"], b["X0"], coords, config.production_nests, elasticities.get,
        lambda r, i: key(r, config.activity_prefix + i))
    Z0 = production["Z0"]
    supply = Z0
    if "MAKE0" in b:
        supply = calibrate_make(b["MAKE0"], Z0, R, S, elasticities,
                                lambda r, i: key(r, config.activity_prefix + i))["ZS0"]
    tables = production | el | calibrate_transformation(b, Z0, supply, "MAKE0" in b, R, S,
                                                        el["psi_cet"])
    tables |= calibrate_trade(b, bench.tmg, R, S, el["sigma_dom"], el["sigma_arm"],
                              bench.services)
    return {name: tables[name] for name in SHARE_TABLES}


def _read_flows(rd: _Reader, config: ModelConfig, country: dict[str, str]) -> dict[str, dict]:
    """Every benchmark flow the model uses, by name (``X0``, ``F0``, ...), read off the SAM."""
    R, S, FAC, H = rd.regions, rd.sectors, rd.factors, rd.households
    ap, cp, tariffs = config.activity_prefix, config.commodity_prefix, config.tariff_accounts
    duties = config.duty_accounts
    # tax accounts recording the rent of an import quota binding at the benchmark
    rents = config.quota_rent_accounts
    acc = {r: {s: key(r, ap + s) for s in S} for r in R}
    com = {r: {s: key(r, cp + s) for s in S} for r in R}
    b: dict[str, dict] = {n: {} for n in (
        "X0", "F0", "Tz0", "E0", "V0", "M0", "Tm0", "Tq0", "Xp0", "Xg0", "Xv0", "HF0", "TR0",
        "Td0", "Sp0", "Sg0", "Sf0", "Xre0", "TRW0", "GRW0", "Tz0f", "Tm0f", "Tq0f", "Td0f",
        "GRW0f", "Xgf0", "TRF0", "TRG0", "Sgf0", "Tb0", "Tb0f", "RQ0", "RQH0")}
    if rd.make:  # sales by commodity: several activities may add to one entry
        b["E0"] = {(r, i): 0.0 for r in R for i in S}
        b["V0"] = {(o, d, i): 0.0 for o in R for d in R for i in S}
        b["MAKE0"] = {}
    for r in R:
        gov, inv = rd.one(Kind.GOVERNMENT, r), rd.one(Kind.SAVINGS_INVESTMENT, r)
        for i in S:
            a, c = acc[r][i], com[r][i]
            if a in rd.pos:
                for j in S:
                    b["X0"][(r, j, i)] = rd.take(com[r][j], a)
                for f in FAC:
                    b["F0"][(r, f, i)] = rd.take(key(r, f), a)
                b["Tz0"][(r, i)], b["Tz0f"][(r, i)] = rd.take_taxes(a)
                if rd.make:
                    rd.problems += read_make(rd, b, r, i, a, com, R, S)
                else:
                    b["E0"][(r, i)] = rd.take(a, rd.row)
                    for d in R:
                        b["V0"][(r, d, i)] = rd.take(a, com[d][i])
            elif not rd.make:
                continue
            b["M0"][(r, i)] = rd.take(rd.row, c)
            b["Tm0"][(r, i)], b["Tm0f"][(r, i)] = rd.take_taxes(c, names=tariffs)
            b["Tb0"][(r, i)], b["Tb0f"][(r, i)] = (rd.take_taxes(c, names=duties) if duties
                                                   else (0.0, 0.0))
            b["RQ0"][(r, i)] = rd.take_taxes(c, names=rents)[0] if rents else 0.0
            b["Tq0"][(r, i)], b["Tq0f"][(r, i)] = rd.take_taxes(
                c, exclude=tariffs + duties + rents)
            b["Xgf0"][(r, i)] = rd.take(c, rd.federal)
            for h in H:
                b["Xp0"][(r, i, h)] = rd.take(c, key(r, h))
            b["Xg0"][(r, i)] = rd.take(c, gov)
            b["Xv0"][(r, i)] = rd.take(c, inv)
            b["Xre0"][(r, i)] = rd.take(c, rd.row)
        for h in H:
            hk = key(r, h)
            if hk not in rd.pos:
                continue
            for f in FAC:
                b["HF0"][(r, h, f)] = rd.take(hk, key(r, f))
            b["TR0"][(r, h)] = rd.take(hk, gov)
            taxes, federal = rd.take_taxes(hk)
            b["Td0"][(r, h)], b["Td0f"][(r, h)] = rd.take(gov, hk) + taxes, federal
            b["TRF0"][(r, h)] = rd.take(hk, rd.federal)
            b["RQH0"][(r, h)] = sum(rd.take(hk, key(r, t)) for t in rents
                                    if key(r, t) in rd.pos)
            b["Sp0"][(r, h)] = rd.take(inv, hk)
            b["TRW0"][(r, h)] = rd.take(hk, rd.row) - rd.take(rd.row, hk)
        b["GRW0"][r] = 0.0
        b["GRW0f"][r] = 0.0
        for t in rd.sam.accounts_of(Kind.TAX, r):
            grw = rd.take(t, rd.row)
            b["GRW0"][r] += grw
            b["GRW0f"][r] += grw * rd.shares[rd.pos[t]]
            # tax accounts pass their net receipts to (or net subsidies from) the governments
            rd.take(gov, t), rd.take(t, gov), rd.take(rd.federal, t), rd.take(t, rd.federal)
        b["Sg0"][r] = rd.take(inv, gov)
        b["TRG0"][r] = rd.take(gov, rd.federal)
        b["Sgf0"][r] = rd.take(inv, rd.federal)
        b["Sf0"][r] = b["Sf0"].get(r, 0.0) + rd.take(inv, rd.row)
        for o in R:
            # capital transfers between regions of one country are pooled with national
            # savings; between countries they are the receiving country's foreign savings
            flow = rd.take(inv, rd.one(Kind.SAVINGS_INVESTMENT, o))
            if country[o] != country[r]:
                b["Sf0"][r] += flow
                b["Sf0"][o] = b["Sf0"].get(o, 0.0) - flow
    # enterprises (their reading problems join the reader's, raised with the leftovers)
    enterprises, problems = read_enterprise_flows(rd, country)
    rd.problems += problems
    return b | enterprises


def _flow_problems(b: dict[str, dict], config: ModelConfig) -> list[Problem]:
    """Flows the model has no place for: a tariff on a commodity without imports, a duty on
    one that no other region ships."""
    cp = config.commodity_prefix
    return [Problem("tariff-without-imports", f"tariff {tm0:.6g} on commodity {cp + i} of "
                    f"region {r}, which has no imports: the tariff rate would be infinite",
                    Location(account=key(r, cp + i)))
            for (r, i), tm0 in b["Tm0"].items() if tm0 and not b["M0"][(r, i)]] + [
        Problem("duty-without-shipments", f"duty {tb0:.6g} on commodity {cp + i} of region "
                f"{d}, which no other region ships there: the duty rate would be infinite",
                Location(account=key(d, cp + i)))
        for (d, i), tb0 in b["Tb0"].items() if tb0 and not _shipped_in(b, d, i)]


def _shipped_in(b: dict[str, dict], d: str, i: str) -> float:
    """Landed value of shipments of commodity i to region d from other regions (the base of
    its duties)."""
    return sum(v for (o, d_, i_), v in b["V0"].items() if d_ == d and i_ == i and o != d)


def _unbalanced(sam: SAM, scale: float) -> list[Problem]:
    """Accounts out of balance at calibration's tolerance (the worst five), in model units
    (SAM / scale), so the benchmark residual gate (1e-8) has room to spare."""
    rows, cols = sam.row_totals(), sam.col_totals()
    imb = rows - cols
    excess = imb.abs() - (1e-9 * scale + 1e-9 * np.maximum(rows.abs(), cols.abs()))
    worst = excess[excess > 0].sort_values(ascending=False).head(5)
    return [Problem("unbalanced", f"receipts - payments = {imb[k]:.6g}; the model needs "
                    "balance within 1e-9 relative", Location(account=k)) for k in worst.index]


def readability_problems(sam: SAM, config: ModelConfig | None = None) -> list[Problem]:
    """Everything :func:`calibrate` refuses in a SAM itself, as a list (empty: readable).

    The SAM's balance at calibration's tolerance, its structure (accounts the model needs or
    cannot take) and flows it has no place for (leftovers, a tariff without imports). The
    closure and elasticities are not checked: they are not part of the SAM.
    """
    config = config or ModelConfig()
    problems = _unbalanced(sam, config.scale)
    rd = _Reader(sam, config)
    if rd.problems:
        return problems + rd.problems
    b = _read_flows(rd, config, config.country_of(rd.regions))
    return problems + rd.problems + rd.leftovers() + _flow_problems(b, config)


def _parameters(b: dict, el: dict, tmg: dict, coords: dict, sam: SAM, has_row: bool,
                elasticities: Elasticities, config: ModelConfig, services: dict
                ) -> xr.Dataset:
    """``services``: per flow, the margin services needed per unit of goods delivered (all
    margin commodities and suppliers; benchmark prices are one)."""
    R, S, FAC, H = coords["region"], coords["sector"], coords["factor"], coords["household"]
    production, nests, Z0 = calibrate_production(
        b["F0"], b["X0"], coords, config.production_nests, elasticities.get,
        lambda r, i: key(r, config.activity_prefix + i))
    # with a make matrix, activities transform output into products (cge.calibration.make)
    # and the CET is that of each commodity's supply ZS0, the production tax being on the
    # activity; without one, of each activity's output Z0, the tax included
    make = (calibrate_make(b["MAKE0"], Z0, R, S, elasticities,
                           lambda r, i: key(r, config.activity_prefix + i))
            if "MAKE0" in b else None)
    country = config.country_of(R)
    # each block calibrates what it declares; SPEC says what each array is
    p: dict[str, dict] = {}
    spec = dict(_SPEC)
    for block_spec, arrays in (
            (TRANSFORMATION_SPEC, calibrate_transformation(
                b, Z0, Z0 if make is None else make["ZS0"], make is not None, R, S,
                el["psi_cet"])),
            (TRADE_SPEC, calibrate_trade(b, tmg, R, S, el["sigma_dom"], el["sigma_arm"],
                                         services)),
            (FACTORS_SPEC, calibrate_factors(b, R, S, FAC, H, lambda r, f: key(r, f))),
            (GOVERNMENT_SPEC, calibrate_government(b, R, S, H)),
            (INCOME_SPEC, calibrate_income(b, received(b), R, FAC, H)),
            (INVESTMENT_SPEC, calibrate_investment(b, R, S, country)),
            (DESTINATIONS_SPEC, calibrate_destinations(b["V0"], R, S, el["psi_dest"]))):
        spec |= block_spec
        p |= arrays
    households, hnests = calibrate_households(
        b["Xp0"], coords, config.household_demand, config.household_nests,
        lambda r, i: elasticities.get("income_el", r, i),
        lambda r: elasticities.get("frisch", r, "*"), key)
    spec |= _ENTERPRISE_SPEC
    p |= calibrate_enterprises(b, p["FF0"])
    if make is not None:
        spec = spec | _MAKE_SPEC
        p |= make
    coords = {**coords, "nest": nests, "hnest": hnests}
    arrays = dict(production) | households
    for name, values in {**b, **p}.items():
        dims, unit, doc = spec[name]
        arrays[name] = data_array(values, dims, coords, unit, doc)
    for name, (dims, doc) in _ELASTICITY_SPEC.items():
        arrays[name] = data_array(el[name], dims, coords, "1", doc)
    arrays["tmg0"] = data_array(tmg, ["origin", "destination", "commodity"], coords, "1",
                         "benchmark iceberg margin on interregional shipments")
    arrays["country_of"] = xr.DataArray(
        np.array([country[r] for r in R], dtype=object), dims=["region"],
        coords={"region": R}, attrs={"units": "label", "description": "country of the region "
                                     "(currency, balance of payments, savings pool)"})
    ds = xr.Dataset(arrays, attrs={"sam": sam.name, "units": sam.units,
                                   "rest_of_world": int(has_row),
                                   "description": "calibrated parameters and benchmark values"})
    # margin services (cge.model.margins) are indexed by margin commodity and supplier region
    return ds.assign_coords(country=list(dict.fromkeys(country[r] for r in R)), margin=S,
                            supplier=R)


_V = "value (SAM units)"
_SPEC: dict[str, tuple[list[str], str, str]] = {
    "X0": (["region", "commodity", "sector"], _V, "intermediate input of commodity by sector"),
    "F0": (["region", "factor", "sector"], _V, "factor input by sector"),
    "Tz0": (["region", "sector"], _V, "production tax paid by sector"),
    "E0": (["region", "sector"], _V, "exports to the rest of the world"),
    "V0": (["origin", "destination", "commodity"], _V,
           "domestic sales from origin to destination at origin prices"),
    "M0": (["region", "commodity"], _V, "imports from the rest of the world, cif"),
    "Tm0": (["region", "commodity"], _V, "import tariffs"),
    "Tq0": (["region", "commodity"], _V, "sales taxes on the composite good"),
    "RQ0": (["region", "commodity"], _V, "rent of an import quota binding at the benchmark"),
    "RQH0": (["region", "household"], _V, "import quota rents received by households"),
    "Tb0": (["region", "commodity"], _V, "duties on shipments from other regions"),
    "Tb0f": (["region", "commodity"], _V, "duties passed to the federal government"),
    "Xp0": (["region", "commodity", "household"], _V, "household consumption"),
    "Xg0": (["region", "commodity"], _V, "government consumption"),
    "Xv0": (["region", "commodity"], _V, "investment demand"),
    "HF0": (["region", "household", "factor"], _V, "factor income of households"),
    "TR0": (["region", "household"], _V, "government transfers to households"),
    "Td0": (["region", "household"], _V, "direct taxes paid by households"),
    "Sp0": (["region", "household"], _V, "household savings"),
    "Sg0": (["region"], _V, "government savings"),
    "Sf0": (["region"], _V, "foreign savings (foreign currency)"),
    "Xre0": (["region", "commodity"], _V, "re-exports: rest-of-world purchases of the composite"),
    "TRW0": (["region", "household"], _V, "net transfers from the rest of the world to "
             "households (foreign currency)"),
    "GRW0": (["region"], _V, "government receipts paid by the rest of the world, e.g. export "
             "duties recorded against the rest of the world (foreign currency)"),
    "Tz0f": (["region", "sector"], _V, "production tax passed to the federal government"),
    "Tm0f": (["region", "commodity"], _V, "tariffs passed to the federal government"),
    "Tq0f": (["region", "commodity"], _V, "sales taxes passed to the federal government"),
    "Td0f": (["region", "household"], _V, "direct taxes passed to the federal government"),
    "GRW0f": (["region"], _V, "receipts from abroad passed to the federal government"),
    "Xgf0": (["region", "commodity"], _V, "federal government consumption in the region"),
    "TRF0": (["region", "household"], _V, "federal transfers to households"),
    "TRG0": (["region"], _V, "federal transfers to the regional government"),
    "Sgf0": (["region"], _V, "federal savings (by the region whose pool account receives them)"),
}
_ELASTICITY_SPEC = {
    "sigma_va": (["region", "sector"], "elasticity of substitution in value added"),
    "psi_cet": (["region", "sector"], "elasticity of transformation domestic/export"),
    "sigma_arm": (["region", "commodity"], "Armington elasticity imports/domestic"),
    "sigma_dom": (["region", "commodity"], "elasticity between regional origins"),
    "eta_exp": (["region", "sector"], "price elasticity of foreign demand for exports (0: the "
                "region takes world prices as given)"),
    "eta_imp": (["region", "commodity"], "price elasticity of foreign supply of imports (0: "
                "the region takes world prices as given)"),
}
