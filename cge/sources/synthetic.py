"""Synthetic all-regions SAMs: Russia's national SAM split into N regions (issue #11).

The national flows are Rosstat's 2021 symmetric IO tables aggregated to the 25 sectors of
``sam/synthetic/sectors.csv`` (map ``sam/synthetic/okpd2_to_25.csv``) and closed exactly as in
the Vologda SAM (:func:`cge.sources.vologda.national_accounts`); building them takes about a
second, so tests use the real data. Regions are *invented*: the split is plausible, seeded and
deterministic, not an estimate of any Russian region. For N regions (``R01`` largest):

* **layout and size**: regions are points in a 4 x 1 rectangle (a wide country) with
  lognormal sizes (sigma = 1), so a few large regions carry much of the output, as in Russia;
* **production**: region r's share of national sector s is ``size_r exp(sigma_s z_rs)``
  normalised over regions, with sigma larger for mining (which is also absent from about half
  of the regions), then manufacturing, then services. Each region uses the national technology
  (input, factor and tax coefficients) and exports the national share of its output abroad;
* **final demand**: households spend in proportion to the region's factor income, government
  roughly with population (size^0.7), investment with size; imports, product taxes, direct
  taxes and transfers with the rest of the world follow the users;
* **interregional trade**: for each sector, a gravity prior ``supply_o demand_d
  exp(-dist_od / L_s)`` with home bias on the diagonal; only origin-destination pairs carrying at
  least ``threshold`` of the origin's sales or the destination's purchases (plus the largest
  partner of each) become flows, so the trade matrix is sparse. RAS on that pattern matches
  every region's supply and demand. Non-tradables (``tradable = no``) have a short distance
  decay: they are sold next door or not at all;
* **margins**: shipments of goods (sections A-C) between regions carry an iceberg margin
  ``0.04 + 0.12 dist/max dist`` (4-16 %), zero for services and within a region;
* **exact balance**: every cell is rounded to whole roubles (1e-6 mln RUB, as the Vologda SAM)
  and accounts are closed in integers (commodities by their largest supplier, activities by
  capital income, institutions by savings, each region's savings-investment account by a
  transfer with the largest region's), so the SAM balances exactly and regional sums equal the
  national SAM up to those few roubles per cell.

The model works in bln RUB (:data:`SCALE`): with values near 1e-3 to 1e4 the 1e-8 benchmark
residual gate is far above double-precision rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cge.config import Closure, ModelConfig
from cge.errors import InputError, Problem
from cge.sam.core import SAM
from cge.sources.vologda import (
    DECIMALS,
    FINAL,
    RegionFlows,
    national_sector_accounts,
    sam_accounts,
)

DATA = Path(__file__).resolve().parents[2] / "sam"
#: Model values are SAM values (mln RUB) / SCALE, in bln RUB.
SCALE = 1000.0
UNITS = "bln RUB"
#: Dispersion of regional sector shares by OKVED section group (mining is the most
#: concentrated, then manufacturing; services follow the size of the region).
SIGMA = {"B": 1.5, "C": 0.8, "tradable": 0.5, "local": 0.25}
#: Probability that a region has any mining of a kind (resource endowments are patchy).
MINING_PRESENCE = 0.5
#: Distance decay of the gravity prior (the country is 4 units wide) and home bias.
DECAY = {True: 1.0, False: 0.3}
HOME = {True: 5.0, False: 50.0}
#: Links always allowed besides the largest region: this many nearest neighbours.
NEIGHBOURS = 3
#: Interregional flows below this (mln RUB) are dropped.
MIN_FLOW = 1.0
#: Sections whose interregional shipments carry an iceberg margin (goods).
MARGIN_SECTIONS = ("A", "B", "C")
RAS_TOL = 1e-13
RAS_MAX_ITER = 20000


@dataclass(frozen=True)
class SyntheticSAM:
    """A generated N-region SAM with its benchmark margins and region layout.

    ``trade_margins`` maps ``(origin, destination, commodity)`` to the benchmark iceberg margin of
    every interregional flow (pass it to :func:`cge.calibration.calibrate`); ``layout`` has the
    regions' ``x``, ``y`` and ``size`` (share of national output); ``n_flows`` counts the
    origin-destination-commodity flows between different regions.
    """

    sam: SAM
    trade_margins: dict[tuple[str, str, str], float]
    layout: pd.DataFrame
    n_flows: int


def national_flows(sources_dir: str | Path = DATA / "sources",
                   model_dir: str | Path = DATA / "synthetic") -> tuple[RegionFlows, pd.DataFrame]:
    """Russia 2021 by the 25 sectors of ``model_dir`` (flows exactly consistent) and the sectors."""
    nat, sectors, _ = national_sector_accounts(sources_dir, model_dir, "okpd2_to_25.csv")
    return nat, sectors


def model_config(closure: Closure | None = None) -> ModelConfig:
    """Model configuration for synthetic SAMs: bln RUB, short-run closure of the Vologda study."""
    closure = closure or Closure(numeraire="cpi",
                                 factor_mobility={"lab": "sectors", "cap": "specific"})
    return ModelConfig(closure=closure, scale=SCALE, units=UNITS)


def region_names(n: int) -> list[str]:
    width = len(str(n))
    return [f"R{i + 1:0{width}d}" for i in range(n)]


def synthetic_sam(national: RegionFlows, sectors: pd.DataFrame, n_regions: int, *,
                  seed: int = 0, threshold: float = 0.02) -> SyntheticSAM:
    """Split ``national`` into ``n_regions`` regions (see the module docstring)."""
    if n_regions < 1:
        raise InputError(Problem("bad-value", f"n_regions must be >= 1, got {n_regions}"))
    rng = np.random.default_rng(seed)
    regions, secs = region_names(n_regions), list(sectors.index)
    R, S = n_regions, len(secs)
    section = sectors["okved_section"].to_numpy()
    tradable = sectors["tradable"].to_numpy()

    # Layout and sizes, largest region first (it closes the savings-investment accounts).
    xy = rng.uniform([0.0, 0.0], [4.0, 1.0], size=(R, 2))
    size = np.sort(rng.lognormal(0.0, 1.0, R))[::-1]
    size = size / size.sum()
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))

    sigma = np.array([SIGMA.get(sec, SIGMA["tradable"] if trd else SIGMA["local"])
                      for sec, trd in zip(section, tradable, strict=True)])
    raw = size[:, None] * np.exp(sigma[None, :] * rng.standard_normal((R, S)))
    mining = section == "B"
    present = rng.random((R, S)) < MINING_PRESENCE
    present[np.argmax(raw, axis=0), np.arange(S)] = True  # someone mines every mineral
    raw = np.where(mining[None, :] & ~present, 0.0, raw)
    share = raw / raw.sum(axis=0)  # (R, S): region's share of national sector output

    f = national
    lab, cap, ptax = (share * v.to_numpy()[None, :] for v in (f.lab, f.cap, f.ptax))
    exports = share * f.exports.to_numpy()[None, :]
    income = (lab + cap).sum(axis=1)
    noise = np.exp(rng.standard_normal((R, 3)) * [0.1, 0.1, 0.3])
    dshare = np.column_stack([income, size**0.7, size]) * noise
    dshare = dshare / dshare.sum(axis=0)  # (R, K): shares of hh, gov, inv

    # Regional blocks: columns of the national tables scaled by the user's share.
    zd, zi, zt = (f.z_dom.to_numpy(), f.z_imp.to_numpy(), f.tax_int.to_numpy())
    fd, fi, ft = (getattr(f, n)[list(FINAL)].to_numpy() for n in ("final_dom", "final_imp",
                                                                  "tax_final"))
    hh_share, exp_share = dshare[:, 0], exports.sum(axis=1) / exports.sum()
    supply = share * (f.output - f.exports).to_numpy()[None, :]
    demand = share @ zd.T + dshare @ fd.T  # (R, S): use of domestic goods in the region

    trade, margins = _trade(supply, demand, dist, tradable, section, threshold)

    # ----------------------------------------------------------------- integer SAM
    sam = SAM(sam_accounts(regions, sectors), name=f"synthetic_{R}x{S}", units="mln RUB",
              year=2021, source=f"cge.sources.synthetic.synthetic_sam(n_regions={R}, seed={seed}"
              f", threshold={threshold}) from Rosstat basic IO tables 2021")
    pos = {k: i for i, k in enumerate(sam.keys)}
    n = len(pos)
    unit = 10.0**DECIMALS
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def ids(names: list[str]) -> np.ndarray:
        return np.array([pos[k] for k in names], dtype=np.int64)

    acc = np.array([ids([f"{r}:a-{s}" for s in secs]) for r in regions])  # (R, S)
    com = np.array([ids([f"{r}:c-{s}" for s in secs]) for r in regions])
    one = {name: ids([f"{r}:{name}" for r in regions]) for name in
           ("lab", "cap", "hh", "gov", "ptax", "ctax", "etax", "dtax", "inv")}
    row_world = pos["ROW:row"]

    def put(r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        r, c, v = np.broadcast_arrays(r, c, v)
        q = np.round(v.ravel() * unit).astype(np.int64)
        keep = q != 0
        rows.append(r.ravel()[keep])
        cols.append(c.ravel()[keep])
        vals.append(q[keep])

    a3, c3 = acc[:, None, :], com[:, :, None]  # (R, 1, S) users, (R, S, 1) goods
    put(c3, a3, share[:, None, :] * (zd + zi + zt)[None, :, :])
    put(one["lab"][:, None], acc, lab)
    put(one["cap"][:, None], acc, cap)
    put(one["ptax"][:, None], acc, ptax)
    put(acc, row_world, exports)
    fin = dshare[:, None, :] * (fd + fi + ft)[None, :, :]  # (R, S, K)
    for k, name in enumerate(FINAL):
        put(com, one[name][:, None], fin[:, :, k])
    reexports = hh_share[:, None] * f.reexports.to_numpy()[None, :]
    imports = share @ zi.T + dshare @ fi.T + reexports
    put(com, row_world, reexports)
    put(row_world, com, imports)
    put(one["ctax"][:, None], com, share @ zt.T + dshare @ ft.T)
    o_idx, d_idx, s_idx = np.nonzero(trade)
    put(acc[o_idx, s_idx], com[d_idx, s_idx], trade[o_idx, d_idx, s_idx])
    put(one["hh"], row_world, hh_share * f.p34)
    put(row_world, one["hh"], hh_share * f.p33)
    put(one["etax"], row_world, exp_share * f.etax)
    put(one["dtax"], one["hh"], hh_share * f.dtax)

    r_ = np.concatenate(rows)
    c_ = np.concatenate(cols)
    v_ = np.concatenate(vals)
    cells = _Cells(n, r_, c_, v_)
    # Commodities close on their largest supplier (a trade cell, so no new flow appears).
    gap = cells.imbalance()  # receipts - payments
    is_trade = np.isin(c_, com.ravel()) & np.isin(r_, acc.ravel())
    for j in com.ravel():
        if gap[j]:
            mask = is_trade & (c_ == j)
            if not mask.any():
                raise InputError(Problem("synthetic", f"commodity {sam.keys[j]} has no supplier"))
            k = np.flatnonzero(mask)[np.argmax(v_[mask])]
            v_[k] += gap[j]
    cells = _Cells(n, r_, c_, v_)
    extra = _Cells(n)
    gap = cells.imbalance()
    # Activities close on capital income; factors pay households what they earn.
    extra.add(one["cap"][:, None], acc, gap[acc])
    gap = (cells + extra).imbalance()
    for name in ("lab", "cap"):
        extra.add(one["hh"], one[name], gap[one[name]])
    # Taxes: net receipts to government, net subsidies from it.
    gap = (cells + extra).imbalance()
    for name in ("ptax", "ctax", "etax", "dtax"):
        net = gap[one[name]]
        extra.add(np.where(net >= 0, one["gov"], one[name]),
                  np.where(net >= 0, one[name], one["gov"]), np.abs(net))
    gap = (cells + extra).imbalance()
    for name in ("hh", "gov"):  # institutions save what they do not spend
        extra.add(one["inv"], one[name], gap[one[name]])
    # Foreign savings of each region: what the rest of the world earns from it, net.
    owner = np.full(n, -1)
    for r in range(R):
        owner[np.concatenate([acc[r], com[r], [one[k][r] for k in one]])] = r
    extra.add(one["inv"], row_world, (cells + extra).net_receipts(row_world, owner, R))
    gap = (cells + extra).imbalance()
    hub = one["inv"][0]
    for j in one["inv"][1:]:
        need = -gap[j]  # payments exceed receipts: the hub transfers the difference
        if need > 0:
            extra.add(j, hub, need)
        elif need < 0:
            extra.add(hub, j, -need)
    total = cells + extra
    dense = total.dense() / unit
    out = sam.with_values(dense)
    if not out.is_balanced(rtol=0.0, atol=1e-6):
        raise InputError(Problem("synthetic", "integer closure left the SAM unbalanced"))
    layout = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "size": size},
                          index=pd.Index(regions, name="region"))
    tm = {(regions[o], regions[d], secs[s]): float(margins[o, d, s])
          for o, d, s in zip(*np.nonzero(margins), strict=True)}
    n_flows = int(np.count_nonzero(trade) - np.count_nonzero(
        trade[np.arange(R), np.arange(R), :]))
    return SyntheticSAM(out, tm, layout, n_flows)


class _Cells:
    """Integer SAM cells as coordinate lists (whole roubles); sums are exact in int64."""

    def __init__(self, n: int, rows=None, cols=None, vals=None):
        self.n = n
        self.rows = np.asarray(rows if rows is not None else [], dtype=np.int64)
        self.cols = np.asarray(cols if cols is not None else [], dtype=np.int64)
        self.vals = np.asarray(vals if vals is not None else [], dtype=np.int64)

    def add(self, rows, cols, vals) -> None:
        r, c, v = (np.ravel(a) for a in np.broadcast_arrays(rows, cols, vals))
        keep = v != 0
        self.rows = np.concatenate([self.rows, r[keep].astype(np.int64)])
        self.cols = np.concatenate([self.cols, c[keep].astype(np.int64)])
        self.vals = np.concatenate([self.vals, v[keep].astype(np.int64)])

    def __add__(self, other: _Cells) -> _Cells:
        return _Cells(self.n, np.concatenate([self.rows, other.rows]),
                      np.concatenate([self.cols, other.cols]),
                      np.concatenate([self.vals, other.vals]))

    def imbalance(self) -> np.ndarray:
        """Receipts minus payments of every account, exactly."""
        out = np.zeros(self.n, dtype=np.int64)
        np.add.at(out, self.rows, self.vals)
        np.subtract.at(out, self.cols, self.vals)
        return out

    def net_receipts(self, account: int, owner: np.ndarray, n_regions: int) -> np.ndarray:
        """Receipts of ``account`` from each region's accounts minus its payments to them
        (``owner`` gives the region number of every account, -1 for none)."""
        world = account
        out = np.zeros(n_regions, dtype=np.int64)
        into = (self.rows == world) & (owner[self.cols] >= 0)
        np.add.at(out, owner[self.cols[into]], self.vals[into])
        outof = (self.cols == world) & (owner[self.rows] >= 0)
        np.subtract.at(out, owner[self.rows[outof]], self.vals[outof])
        return out

    def dense(self) -> np.ndarray:
        out = np.zeros((self.n, self.n), dtype=np.int64)
        np.add.at(out, (self.rows, self.cols), self.vals)
        return out.astype(float)


def _trade(supply: np.ndarray, demand: np.ndarray, dist: np.ndarray, tradable: np.ndarray,
           section: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Sparse gravity trade ``V[o, d, s]`` matching supply by origin and demand by destination,
    and the iceberg margins of the interregional flows (see the module docstring).

    Links to the largest region and to the nearest neighbours are always allowed, so a region
    whose supply and demand differ has somewhere to sell or buy and RAS has a solution; flows
    that RAS leaves below ``MIN_FLOW`` are dropped and the rest rebalanced, because tiny flows
    are noise that only worsens the model's conditioning.
    """
    R, S = supply.shape
    trade = np.zeros((R, R, S))
    margins = np.zeros((R, R, S))
    eye = np.eye(R, dtype=bool)
    always = eye.copy()
    always[0, :] = always[:, 0] = True
    near = np.argsort(dist, axis=1)[:, 1:NEIGHBOURS + 1]
    always[np.repeat(np.arange(R), near.shape[1]), near.ravel()] = True
    always |= always.T
    for s in range(S):
        a, b = supply[:, s], demand[:, s]
        b = b * (a.sum() / b.sum())  # equal totals (they differ by rounding only)
        prior = np.outer(a, b) * np.exp(-dist / DECAY[bool(tradable[s])])
        prior[eye] *= HOME[bool(tradable[s])]
        with np.errstate(invalid="ignore", divide="ignore"):
            by_row = prior / prior.sum(axis=1, keepdims=True)
            by_col = prior / prior.sum(axis=0, keepdims=True)
        keep = (by_row >= threshold) | (by_col >= threshold) | always
        while True:
            v = _ras(np.where(keep, prior, 0.0), a, b, s)
            small = ~eye & (v > 0) & (v < MIN_FLOW)
            if not small.any():
                break
            keep &= ~small
        trade[:, :, s] = v
        if section[s] in MARGIN_SECTIONS:
            margins[:, :, s] = np.where(~eye & (v > 0), 0.04 + 0.12 * dist / dist.max(), 0.0)
    return trade, margins


def _ras(v: np.ndarray, a: np.ndarray, b: np.ndarray, s: int) -> np.ndarray:
    """Scale rows and columns of ``v`` to sums ``a`` and ``b`` (biproportional fitting)."""
    for _ in range(RAS_MAX_ITER):
        rs = v.sum(axis=1)
        v = v * np.divide(a, rs, out=np.zeros_like(a), where=rs > 0)[:, None]
        cs = v.sum(axis=0)
        v = v * np.divide(b, cs, out=np.zeros_like(b), where=cs > 0)[None, :]
        if np.max(np.abs(v.sum(axis=1) - a)) <= RAS_TOL * a.sum():
            return v
    raise InputError(Problem("synthetic", f"RAS did not converge for sector {s}: lower the "
                             "threshold (more links) or check supply and demand"))
