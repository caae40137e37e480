r"""Margins as services (TERM style): the margin-structure file, the SAM's margin cells and
the benchmark requirements (model block: :mod:`cge.model.margins`).

**What the data say.** A trade-margin file (``origin,destination,commodity,value,source``)
gives the margin rate ``t`` of each flow: the value of margins per unit of the goods' value
at the origin's basic price (Rosstat's transport margins over use at basic prices,
``calibration/vologda_margins_rosstat.csv``). Without a margin-structure file the rate is an
iceberg margin (``tmg``, trade block). With one, the flows it covers need margin *services*:
a CSV ``origin,destination,commodity,margin,supplier,share,source`` says which margin
commodities (``margin``: e.g. ``trn``, ``trd``) from which regions (``supplier``: ``origin``,
``destination`` or a region's name) make up the margin of each flow, as shares of its value
(summing to one per flow). ``*`` in origin, destination or commodity is a wildcard; for each
flow the rows of the most specific pattern that matches it (most named labels; the later of
equally specific ones) give its whole structure.

**Where the SAM records margins.** A SAM of this framework records a shipment as a payment of
the destination's commodity account to the origin's activity (``a-i(o) -> c-i(d)``, read as
``V0``); the iceberg reading takes that value to be what the buyer pays, margins included (the
melted units are made by the origin's own industry). A SAM records margin services as
payments of the commodity account that carries them to the supplying region's commodity
account of the margin (``c-m(s) -> c-i(d)``: the composite margin good of s is used up in
delivering i to d, as in the standard SAMs of IFPRI and TERM's margin matrices). When the
SAM has no such cells (every shipped SAM), :func:`add_margin_services` writes them with two
rules that keep every account balanced and every activity's and user's total unchanged:

* **origin-supplied** margins (supplier = origin) were bought by the shipping activity as
  intermediate inputs and charged in its delivered price (c.i.f. selling): the goods' basic
  value is ``G = V0 / (1 + t s_o)`` (``s_o``: the origin's share of the flow's margins), the
  shipment cell becomes ``G``, the shipper's purchase of the margin commodity
  ``c-m(o) -> a-i(o)`` falls by the margin ``t G s`` and the margin cell
  ``c-m(o) -> c-i(d)`` receives it;
* **destination-supplied** margins are what a basic-price table (Rosstat's symmetric tables,
  from which the flagship SAM is built) already records: the users of the goods buy the
  margin services directly, in the margin commodity's row. The margin cell
  ``c-m(d) -> c-i(d)`` receives ``t G s``, and each user of i in d that buys m pays that much
  more for i and as much less for m, in proportion to its purchases of i (a user buying no m,
  such as exports at basic prices, paid no margins to re-label);
* margins supplied by a third (transit) region have no place in a SAM without margin cells:
  the transformation refuses them (a SAM that records them can be calibrated directly).

So the rate keeps its meaning (margins per unit of goods at basic prices), the buyer's
payment at the origin-supplied limit is the iceberg benchmark's (``V0``; the delivered price
``1 + t`` per unit of ``G``, as iceberg's ``1 + tmg``) and the origin's output falls by the
margins it no longer makes. Calibration (:func:`calibrate_margins`) then reads the margin
cells and sets the requirement of margin m from s per unit of goods delivered,
``tmr = t s`` (all benchmark prices are one), checking that the cells equal the requirements
times the flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.sam import SAM, Kind
from cge.sam.core import key

#: the supplier column's names for the two ends of a flow
ROLES = ("origin", "destination")


@dataclass(frozen=True)
class MarginStructure:
    """Per flow ``(origin, destination, commodity)``: ``{(margin commodity, supplier region):
    share of the flow's margins}``, the shares summing to one."""

    shares: dict[tuple[str, str, str], dict[tuple[str, str], float]]
    file: str = ""

    def flows(self) -> list[tuple[str, str, str]]:
        return list(self.shares)


def read_margin_structure(path: str | Path, regions: list[str], sectors: list[str]
                          ) -> MarginStructure:
    """Read a margin-structure CSV (module docstring) for the SAM's regions and sectors."""
    from cge.csvfile import LINE, read_table  # the reader of every user CSV, located errors

    cols = ["origin", "destination", "commodity", "margin", "supplier", "share", "source"]
    df = read_table(path, cols, "margin-structure file")
    problems: list[Problem] = []
    patterns: dict[tuple[str, str, str], dict[tuple[str, str], float]] = {}
    order: dict[tuple[str, str, str], int] = {}
    for n, row in df.iterrows():
        where = Location(file=str(path), line=int(row[LINE]))
        share = pd.to_numeric(row["share"], errors="coerce")
        if not np.isfinite(share) or share < 0:
            problems.append(Problem("bad-value", f"share {row['share']!r} is not a finite number "
                                    ">= 0 (a share of the flow's margins)", where))
            continue
        if not row["source"].strip():
            problems.append(Problem("no-source", "every row needs a source", where))
        pat = tuple(row[c].strip() for c in ("origin", "destination", "commodity"))
        for col, lab, known in (("origin", pat[0], regions), ("destination", pat[1], regions),
                                ("commodity", pat[2], sectors)):
            if lab != "*" and lab not in known:
                problems.append(Problem("unknown-label", f"{col} {lab!r} is not in the SAM "
                                        f"(valid: {known} or '*')", where))
        margin, supplier = row["margin"].strip(), row["supplier"].strip()
        if margin not in sectors:
            problems.append(Problem("unknown-label", f"margin commodity {margin!r} is not in the "
                                    f"SAM (valid: {sectors})", where))
        if supplier not in ROLES and supplier not in regions:
            problems.append(Problem("unknown-label", f"supplier {supplier!r} is neither "
                                    f"'origin', 'destination' nor a region ({regions})", where))
        entry = patterns.setdefault(pat, {})
        entry[(margin, supplier)] = entry.get((margin, supplier), 0.0) + float(share)
        order[pat] = n
    if problems:
        raise InputError(problems)
    shares: dict[tuple[str, str, str], dict[tuple[str, str], float]] = {}
    # most specific pattern first; among equals the later one wins
    ranked = sorted(patterns, key=lambda p: (sum(x != "*" for x in p), order[p]))
    for pat in ranked:
        labels = [regions if pat[0] == "*" else [pat[0]],
                  regions if pat[1] == "*" else [pat[1]],
                  sectors if pat[2] == "*" else [pat[2]]]
        for o in labels[0]:
            for d in labels[1]:
                for i in labels[2]:
                    resolved: dict[tuple[str, str], float] = {}
                    for (mm, s), v in patterns[pat].items():
                        s = o if s == "origin" else d if s == "destination" else s
                        if v:
                            resolved[(mm, s)] = resolved.get((mm, s), 0.0) + v
                    shares[(o, d, i)] = resolved
    for flow, sh in shares.items():
        total = sum(sh.values())
        if sh and abs(total - 1.0) > 1e-9:
            problems.append(Problem("bad-value", f"the margin shares of flow {flow} sum to "
                                    f"{total:.6g}, not 1", Location(file=str(path))))
    if problems:
        raise InputError(problems)
    return MarginStructure({k: v for k, v in shares.items() if v}, str(path))


def has_margin_cells(sam: SAM) -> bool:
    """Whether some commodity account pays another (margin services, module docstring)."""
    com = [sam.keys.index(k) for k in sam.accounts_of(Kind.COMMODITY)]
    return bool(np.any(sam.data.values[np.ix_(com, com)] != 0))


def add_margin_services(sam: SAM, rates: dict[tuple[str, str, str], float],
                        structure: MarginStructure, activity_prefix: str = "a-",
                        commodity_prefix: str = "c-") -> SAM:
    """The SAM with margin cells written by the rules of the module docstring (balance kept).

    ``rates`` are the margin rates of the trade-margin file; flows of the structure without a
    rate or without a shipment get no margins.
    """
    vals, base = sam.values, sam.data.values
    pos = {k: n for n, k in enumerate(sam.keys)}
    ap, cp = activity_prefix, commodity_prefix
    commodities = set(sam.accounts_of(Kind.COMMODITY))
    problems: list[Problem] = []

    def cell(row: str, col: str) -> tuple[int, int]:
        return pos[row], pos[col]

    for (o, d, i), shares in structure.shares.items():
        t = rates.get((o, d, i), 0.0)
        ship = (key(o, ap + i), key(d, cp + i))
        if not t or ship[0] not in pos or ship[1] not in pos or not vals[cell(*ship)]:
            continue
        s_o = sum(v for (_, s), v in shares.items() if s == o)
        goods = vals[cell(*ship)] / (1.0 + t * s_o)
        vals[cell(*ship)] = goods
        for (mm, s), share in shares.items():
            value = t * goods * share
            margin_row = key(s, cp + mm)
            if s not in (o, d):
                problems.append(Problem(
                    "margin-services", f"flow {o}->{d} of {i}: margins supplied by a third "
                    f"region ({s}) have no place in a SAM without margin cells; write them into "
                    "the SAM (c-m(s) -> c-i(d))", Location(file=structure.file)))
                continue
            if margin_row not in pos:
                problems.append(Problem("missing-account", f"flow {o}->{d} of {i}: supplier "
                                        f"{s} has no commodity account {cp + mm}",
                                        Location(account=margin_row)))
                continue
            if s == o:
                paid = cell(margin_row, ship[0])
                if vals[paid] < value - 1e-9 * abs(value):
                    problems.append(Problem(
                        "margin-services", f"flow {o}->{d} of {i}: the shipper buys "
                        f"{vals[paid]:.6g} of {mm}, less than the {value:.6g} of margins it "
                        "would supply", Location(cell=(margin_row, ship[0]))))
                    continue
                vals[paid] -= value
            else:
                # in proportion to the SAM's purchases (not those already shifted), by the
                # users that buy the margin commodity: an export column at basic prices buys
                # none (margins to the border are in its price), so it has none to re-label
                users = [c for c in sam.keys if c not in commodities
                         and base[cell(ship[1], c)] > 0 and base[cell(margin_row, c)] > 0]
                total = sum(base[cell(ship[1], u)] for u in users)
                for u in users:
                    part = value * base[cell(ship[1], u)] / total
                    if vals[cell(margin_row, u)] < part - 1e-9 * abs(part):
                        problems.append(Problem(
                            "margin-services", f"flow {o}->{d} of {i}: {u} buys "
                            f"{vals[cell(margin_row, u)]:.6g} of {mm}, less than its "
                            f"{part:.6g} share of the margins on {i}",
                            Location(cell=(margin_row, u))))
                        continue
                    vals[cell(ship[1], u)] += part
                    vals[cell(margin_row, u)] -= part
            vals[cell(margin_row, ship[1])] += value
    if problems:
        raise InputError(problems)
    return sam.with_values(vals)


def margin_cells(sam: SAM, regions: list[str], sectors: list[str], commodity_prefix: str
                 ) -> dict[tuple[str, str, str, str], float]:
    """``{(supplier s, margin m, destination d, commodity i): value}`` of the cells
    ``c-m(s) -> c-i(d)``."""
    pos = {k: n for n, k in enumerate(sam.keys)}
    vals = sam.data.values
    out = {}
    for s in regions:
        for mm in sectors:
            row = pos.get(key(s, commodity_prefix + mm))
            if row is None:
                continue
            for d in regions:
                for i in sectors:
                    col = pos.get(key(d, commodity_prefix + i))
                    if col is not None and vals[row, col]:
                        out[(s, mm, d, i)] = float(vals[row, col])
    return out


#: requirements are stored on one sparse dimension: a dense (o, d, i, m, s) array would hold
#: regions^3 x sectors^2 numbers, most of them zero
SUPPLY_DIMS = ("mg_origin", "mg_destination", "mg_commodity", "mg_margin", "mg_supplier")


def calibrate_margins(V0: dict, tmg: dict, MG0: dict, rates: dict,
                      structure: MarginStructure) -> dict[tuple, float]:
    """Benchmark requirement ``tmr[(o, d, i, m, s)]``: units of margin m from s per unit of
    goods delivered from o to d (module docstring), checked against the SAM's margin cells
    ``MG0``. Every benchmark price is one, so the requirement is ``rate x share``.
    """
    tmr: dict[tuple, float] = {}
    implied: dict[tuple, float] = {}
    for (o, d, i), shares in structure.shares.items():
        t = rates.get((o, d, i), 0.0)
        goods = V0.get((o, d, i), 0.0) / (1.0 + tmg.get((o, d, i), 0.0))
        if not t or not goods:
            continue
        for (mm, s), share in shares.items():
            tmr[(o, d, i, mm, s)] = t * share
            k = (s, mm, d, i)
            implied[k] = implied.get(k, 0.0) + t * share * goods
    problems = [Problem("margin-services", f"the SAM's margin cell c-{mm}({s}) -> c-{i}({d}) "
                        f"is {MG0.get((s, mm, d, i), 0.0):.9g}, the margin rates and structure "
                        f"give {implied.get((s, mm, d, i), 0.0):.9g}",
                        Location(file=structure.file))
                for s, mm, d, i in sorted(set(MG0) | set(implied))
                if abs(MG0.get((s, mm, d, i), 0.0) - implied.get((s, mm, d, i), 0.0))
                > 1e-9 * max(1.0, abs(implied.get((s, mm, d, i), 0.0)))]
    if problems:
        raise InputError(problems)
    return tmr


def requirement_array(tmr: dict[tuple, float]) -> xr.DataArray:
    """The requirements as a DataArray on the sparse dimension ``margin_supply``."""
    keys = list(tmr)
    coords = {dim: ("margin_supply", [k[n] for k in keys]) for n, dim in enumerate(SUPPLY_DIMS)}
    return xr.DataArray(np.array([tmr[k] for k in keys], dtype=float), dims=["margin_supply"],
                        coords=coords, attrs={"units": "1", "description": "benchmark "
                                              "requirement of margin services (of the margin "
                                              "commodity from the supplier region) per unit of "
                                              "goods delivered from origin to destination"})


def requirements(data: xr.Dataset) -> dict[tuple, float]:
    """``{(o, d, i, m, s): tmr}`` from a calibration's data (empty without margin services)."""
    if "tmr0" not in data:
        return {}
    da = data["tmr0"]
    labels = zip(*(da[dim].values.tolist() for dim in SUPPLY_DIMS), strict=True)
    return {tuple(k): float(v) for k, v in zip(labels, da.values.tolist(), strict=True)}
