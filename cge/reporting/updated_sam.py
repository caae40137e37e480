r"""The updated SAM after a scenario: every flow of its solution at current values.

:func:`updated_sam` writes a scenario's solution back into the accounts of the experiment's
SAM, in the SAM's units and currency, so that

* the SAM balances to the model's tolerance (each account's balance is one of the model's
  equations: zero profit, a budget, a market), and ``cge sam check`` accepts it;
* calibrating the model on it, with the scenario's margins ``tmg`` as trade margins and the
  experiment's elasticities and configuration, gives back the scenario's solution as the new
  benchmark: every value flow (price times quantity) and every tax and margin rate (tested to
  1e-8 relative in ``tests/test_updated_sam.py``);
* the benchmark scenario gives back the original SAM.

Values are the model's values times the experiment's ``scale`` (back to SAM units). With several
countries, each country's values are converted into the first country's currency at the
scenario's exchange rates (``epsilon[c0] / epsilon[c]``), as a SAM has one unit; amounts fixed
in world currency (foreign savings, transfers and receipts from abroad, profits paid abroad,
imports at world prices) are valued at ``epsilon[c0]``.

The SAM is written block by block (:data:`BLOCKS`): each block of the model knows which cells
its flows are, in one function of this module, so a new model block adds its cells in one
place. Where one flow is paid to several accounts of the SAM (taxes of one type to several tax
accounts, a direct tax partly to the government directly) it is split in the benchmark SAM's
proportions for that payer (else in the region's proportions for payers of its kind). Flows the
SAM format cannot carry without changing the model calibrated from it are refused with an
error naming them (:class:`~cge.errors.InputError`, code ``sam-unmapped``): taxes on factor use
``tf``, on household consumption ``tc``, on exports ``te``, taxes recycled lump-sum, and
factors mobile between regions (``national``: their income is earned in other regions than it
is paid). Project investment financed from abroad (``XvP``) is written as investment of the
region, financed by foreign savings: the SAM records what was bought and who paid.

Savings flow between the regions of a country through its pool (:mod:`cge.model.investment`);
the SAM records them as payments between savings-investment accounts, which calibration pools
again. The benchmark's flows are kept, scaled with the country's savings, and each account's
remaining gap is financed by the accounts with a surplus in proportion to it (between
countries of a world without a rest of the world: the foreign savings ``Sf``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import enterprises, factors, trade, transformation
from cge.outputs import safe_name
from cge.sam import SAM, Kind
from cge.sam.core import key
from cge.sam.io import write_csv

#: Largest equation residual (relative to the largest flow) accepted for a solution read back
#: into the model: the solver's tolerance with room to spare; a larger one means the results
#: and the experiment file do not belong together.
RESIDUAL_TOLERANCE = 1e-7
#: The folder of a results folder that holds the updated SAMs, one folder per scenario.
SAMS_FOLDER = "sams"


def _unmapped(what: str) -> InputError:
    return InputError(Problem("sam-unmapped", f"the updated SAM cannot be written: {what}"))


@dataclass
class _Cells:
    """The SAM being written: accounts of the original SAM, cells accumulated by blocks."""

    m: pyo.ConcreteModel
    sam: SAM
    config: object
    conv: dict[str, float]          # region -> factor from its currency to SAM units
    world: float                    # factor from world currency to SAM units
    values: np.ndarray = field(init=False)
    #: tax account -> {tax type: amount} (the federal share of each type splits its receipts)
    taxes_by_type: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self):
        self.pos = {k: i for i, k in enumerate(self.sam.keys)}
        self.base = self.sam.values
        self.values = np.zeros_like(self.base)
        acc = self.sam.accounts
        self.row = next(iter(self.sam.accounts_of(Kind.REST_OF_WORLD)), None)
        regions = set(self.m.R)
        federal = [k for k in self.sam.accounts_of(Kind.GOVERNMENT)
                   if acc.at[k, "region"] not in regions]
        self.federal = federal[0] if federal else None
        self.kind = dict(zip(self.sam.keys, acc["kind"], strict=True))
        self.name = dict(zip(self.sam.keys, acc["account"], strict=True))

    # accounts of the SAM
    def one(self, kind: Kind, r: str) -> str | None:
        found = self.sam.accounts_of(kind, r)
        return found[0] if found else None

    def act(self, r: str, i: str) -> str:
        return key(r, self.config.activity_prefix + i)

    def com(self, r: str, i: str) -> str:
        return key(r, self.config.commodity_prefix + i)

    def need(self, account: str | None, what: str) -> str:
        if account is None or account not in self.pos:
            raise _unmapped(f"{what} has no account in the SAM")
        return account

    def add(self, row: str, col: str, value: float) -> None:
        self.values[self.pos[row], self.pos[col]] += value

    def split(self, rows: list[str], col: str, value: float, what: str,
              peers: list[str] = (), tax: str = "") -> None:
        """Pay ``value`` from ``col`` to the accounts ``rows`` in the benchmark's proportions
        for this payer, else for its ``peers`` (payers of its kind in its region)."""
        if value == 0.0:
            return
        r = [self.pos[k] for k in rows]
        weights = self.base[r, self.pos[col]]
        if not weights.any():
            weights = self.base[np.ix_(r, [self.pos[p] for p in peers])].sum(axis=1)
        if not weights.any() or weights.sum() == 0.0:
            raise _unmapped(f"{what} of {value:.6g} paid by {col}: no account received it at "
                            f"the benchmark among {rows}")
        for k, w in zip(rows, weights / weights.sum(), strict=True):
            amount = value * w
            self.add(k, col, amount)
            if tax and self.kind[k] == "tax":
                self.taxes_by_type.setdefault(k, {}).setdefault(tax, 0.0)
                self.taxes_by_type[k][tax] += amount

    def taxes(self, r: str, names: tuple[str, ...] | None = None,
              exclude: tuple[str, ...] = ()) -> list[str]:
        return [k for k in self.sam.accounts_of(Kind.TAX, r)
                if (names is None or self.name[k] in names) and self.name[k] not in exclude]


def _v(x) -> float:
    return float(pyo.value(x))


# -- blocks: each writes the cells of its flows ---------------------------------------------

def _production(c: _Cells) -> None:
    m = c.m
    if any(_v(m.tf[k]) for k in m.RFS):
        raise _unmapped("a tax on factor use (tf) is not zero; the SAM's activity column "
                        "would carry it as a production tax")
    if getattr(m, "make_matrix", False):
        raise _unmapped("the SAM has a make matrix (activities making several commodities); "
                        "its flows are not mapped back yet")
    if any(_v(m.mulc[k]) for k in m.LCP):
        raise _unmapped("a local-content requirement binds (mulc > 0); its preference and the "
                        "plant's surcharge have no account in the SAM")
    peers = {r: [c.act(r, i) for i in m.REGION_SECTORS[r]] for r in m.R}
    for r, j, i in m.RJS:
        c.add(c.com(r, j), c.act(r, i), c.conv[r] * _v(m.pq[r, j] * m.X[r, j, i]))
    for r, f, i in m.RFS:
        c.add(c.need(key(r, f), f"factor {f} of {r}"), c.act(r, i),
              c.conv[r] * _v(m.pf[r, f, i] * m.F[r, f, i]))
    for r, i in m.RS:
        c.split(c.taxes(r), c.act(r, i), c.conv[r] * _v(m.Tz[r, i]), "production tax",
                peers[r], tax="z")


def _trade(c: _Cells) -> None:
    m, cfg = c.m, c.config
    if any(_v(m.te[k]) for k in m.RE):
        raise _unmapped("an export tax (te) is not zero; calibration would read it as "
                        "government receipts from abroad")
    for r, i in m.RE:
        c.add(c.act(r, i), c.need(c.row, "the rest of the world"),
              c.conv[r] * _v(m.pe[r, i] * m.E[r, i]))
    duty: dict[tuple[str, str], float] = {}
    for o, d, i in m.ODC:
        landed = (1 + m.tmg[o, d, i]) * transformation.origin_price(m, o, d, i) * m.DS[o, d, i]
        c.add(c.act(o, i), c.com(d, i), c.conv[o] * _v(landed))
        tb = _v(m.tb[o, d, i] * trade.landed_price(m, o, d, i) * m.DS[o, d, i])
        duty[(d, i)] = duty.get((d, i), 0.0) + c.conv[d] * tb
    peers = {r: [c.com(r, i) for i in m.REGION_MARKETS[r]] for r in m.R}
    tariffs, duties = cfg.tariff_accounts, cfg.duty_accounts
    for r, i in m.RQ:
        com = c.com(r, i)
        if (r, i) in m.pm:
            c.add(c.need(c.row, "the rest of the world"), com,
                  c.conv[r] * _v(m.pm[r, i] * m.M[r, i]))
        c.split(c.taxes(r, tariffs), com, c.conv[r] * _v(m.Tm[r, i]), "tariff", peers[r], "m")
        c.split(c.taxes(r, duties), com, duty.get((r, i), 0.0), "duty", peers[r], "b")
        c.split(c.taxes(r, exclude=tariffs + duties), com, c.conv[r] * _v(m.Tq[r, i]),
                "sales tax", peers[r], "q")


def _markets(c: _Cells) -> None:
    """Final uses of the composite good (intermediate use: production block)."""
    m = c.m
    if _v(m.tdf):
        raise _unmapped("the federal surcharge on direct taxes (tdf) is not zero; calibration "
                        "would split it between the budgets like the direct taxes")
    if any(_v(x) for name in ("XvD", "XvR", "XvF") for x in getattr(m, name).values()):
        raise _unmapped("a project financed at home (XvD, XvR, XvF) is not zero; the SAM has "
                        "no account that would tell calibration who paid for it")
    if any(_v(x) for x in m.tc.values()):
        raise _unmapped("a tax on household consumption (tc) is not zero; calibration would "
                        "read it as a direct tax")
    for r, i, h in m.RIH:
        c.add(c.com(r, i), key(r, h), c.conv[r] * _v(m.pq[r, i] * m.Xp[r, i, h]))
    for r, i in m.RG:
        c.add(c.com(r, i), c.one(Kind.GOVERNMENT, r), c.conv[r] * _v(m.pq[r, i] * m.Xg[r, i]))
    for r, i in m.RGF:
        c.add(c.com(r, i), c.federal, c.conv[r] * _v(m.pq[r, i] * m.Xgf[r, i]))
    invested = {k: _v(m.Xv[k]) for k in m.RV}
    for r, i in m.RQ:
        xv = invested.get((r, i), 0.0) + _v(m.XvP[r, i])
        if xv:
            inv = c.need(c.one(Kind.SAVINGS_INVESTMENT, r), f"investment in {r}")
            c.add(c.com(r, i), inv, c.conv[r] * _v(m.pq[r, i]) * xv)
    for r, i in m.RXE:
        c.add(c.com(r, i), c.row, c.conv[r] * _v(m.pq[r, i] * m.Xre[r, i]))


def _factors(c: _Cells) -> None:
    m = c.m
    for r, f in m.RF:
        fy = _v(factors.income(m, r, f))
        used = sum(_v(m.pf[r, f, i] * m.F[r, f, i]) for rr, ff, i in m.RFS
                   if (rr, ff) == (r, f))
        if abs(fy - used) > 1e-9 * max(1.0, abs(fy)):
            raise _unmapped(f"factor {f} of {r} earns {used:.6g} in the region's activities "
                            f"but its owners receive {fy:.6g} (a factor mobile between "
                            "regions); the SAM has no flow between factors of two regions")
    for r, h, f in m.RHF:
        c.add(key(r, h), key(r, f), c.conv[r] * _v(m.shf[r, h, f] * factors.income(m, r, f)))
    for n, f in m.RNF:
        c.add(c.one(Kind.ENTERPRISE, n), key(n, f),
              c.conv[n] * _v(m.she[n, f] * factors.income(m, n, f)))


def _enterprises(c: _Cells) -> None:
    m = c.m
    peers = {r: c.sam.accounts_of(Kind.ENTERPRISE, r) for r in m.R}
    for n in m.RN:
        ent, gov = c.one(Kind.ENTERPRISE, n), c.one(Kind.GOVERNMENT, n)
        c.split([k for k in (gov,) if k] + c.taxes(n), ent, c.conv[n] * _v(m.TP[n]),
                "profit tax", peers[n], "p")
        c.add(c.need(c.one(Kind.SAVINGS_INVESTMENT, n), f"savings of {ent}"), ent,
              c.conv[n] * _v(enterprises.savings(m, n)))
    for n, r, h in m.RNH:
        c.add(key(r, h), c.one(Kind.ENTERPRISE, n), c.conv[n] * _v(m.DIV[n, r, h]))
    for n in m.RN_W:
        c.add(c.row, c.one(Kind.ENTERPRISE, n), c.world * _v(m.DIVW[n]))


def _households(c: _Cells) -> None:
    m = c.m
    if any(_v(m.TLS[r]) for r in m.R):
        raise _unmapped("taxes recycled lump-sum to households (tax_recipients) are not "
                        "zero; a SAM pays taxes to a government")
    tr, trf = set(m.RH_TR), set(m.RH_TRF)
    for r, h in m.RH:
        hk = key(r, h)
        gov = c.one(Kind.GOVERNMENT, r)
        peers = c.sam.accounts_of(Kind.HOUSEHOLD, r)
        if (r, h) in tr:
            c.add(hk, gov, c.conv[r] * _v(m.TR[r, h]))
        if (r, h) in trf:
            c.add(hk, c.federal, c.conv[r] * _v(m.TRF[r, h]))
        c.split([k for k in (gov,) if k] + c.taxes(r), hk, c.conv[r] * _v(m.Td[r, h]),
                "direct tax", peers, "d")
        c.add(c.need(c.one(Kind.SAVINGS_INVESTMENT, r), f"savings of {hk}"), hk,
              c.conv[r] * _v(m.Sp[r, h]))
    for r, h in m.RH_W:
        # the benchmark's gross flows both ways, the change in the net transfer inwards
        hk, row = key(r, h), c.row
        out0 = c.base[c.pos[row], c.pos[hk]]
        in0 = c.base[c.pos[hk], c.pos[row]]
        trw0 = float(m.cal.data["TRW0"].sel(region=r, household=h))
        rate = c.world / m.cal.config.scale  # the benchmark's SAM cells at today's rate
        c.add(hk, row, c.world * (_v(m.TRW[r, h]) - trw0) + in0 * rate)
        c.add(row, hk, out0 * rate)


def _government(c: _Cells) -> None:
    """Receipts from abroad, savings, and each tax account's receipts passed on to the
    regional and federal governments (each tax type at its federal share)."""
    m = c.m
    shares = {"z": m.fsz, "m": m.fsm, "b": m.fsb, "q": m.fsq, "d": m.fsd, "w": m.fsw,
              "p": m.fsp}
    for r in m.R:
        gov = c.one(Kind.GOVERNMENT, r)
        if c.row is not None:
            c.split(c.taxes(r), c.row, c.world * _v(m.GRW[r]),
                    "government receipts from abroad", [c.row], "w")
        for t in c.taxes(r):
            types = c.taxes_by_type.get(t, {})
            federal = sum(_v(shares[k][r]) * v for k, v in types.items())
            regional = sum(types.values()) - federal
            for dest, amount in ((gov, regional), (c.federal, federal)):
                if amount == 0.0:
                    continue
                dest = c.need(dest, f"the government receiving tax account {t}")
                # in the benchmark's direction (a net subsidy is paid by the government)
                if c.base[c.pos[t], c.pos[dest]] and not c.base[c.pos[dest], c.pos[t]]:
                    c.add(t, dest, -amount)
                else:
                    c.add(dest, t, amount)
        if gov is not None:
            inv = c.one(Kind.SAVINGS_INVESTMENT, r)
            sg = c.conv[r] * _v(m.Sg[r])
            if sg:
                c.add(c.need(inv, f"savings of {gov}"), gov, sg)
        if r in m.TRG:
            c.add(gov, c.federal, c.conv[r] * _v(m.TRG[r]))
        if _v(m.TRT[r]):
            # a targeted transfer is paid from the federal to the regional government like
            # TRG, in the same cell (calibration reads the two together as TRG)
            federal = c.need(c.federal, "the federal government")
            c.add(c.need(gov, f"the government of {r}"), federal, c.conv[r] * _v(m.TRT[r]))


def _federal(c: _Cells) -> None:
    """Federal savings, by the regions' savings accounts in the benchmark's proportions
    (consumption, transfers: markets, households and government blocks)."""
    m = c.m
    if c.federal is None:
        return
    invs = [c.one(Kind.SAVINGS_INVESTMENT, r) for r in m.R]
    invs = [k for k in invs if k is not None]
    c.split(invs, c.federal, c.conv[m.R[0]] * _v(m.Sgf), "federal savings", invs)


def _investment(c: _Cells) -> None:
    """Foreign savings, and the flows between savings-investment accounts that balance them."""
    m = c.m
    invs = {r: c.one(Kind.SAVINGS_INVESTMENT, r) for r in m.R}
    if c.row is not None:
        for r in m.R:
            sf = c.world * _v(m.Sf[r]) + c.conv[r] * sum(
                _v(m.pq[r, i] * m.XvP[r, i]) for rr, i in m.RQ if rr == r)
            if sf:
                c.add(c.need(invs[r], f"foreign savings of {r}"), c.row, sf)
    accounts = [k for k in invs.values() if k is not None]
    idx = [c.pos[k] for k in accounts]
    country = {invs[r]: m.COUNTRY[r] for r in m.R if invs[r] is not None}
    base = c.base[np.ix_(idx, idx)]
    if c.row is not None and any(base[a, b] for a, ka in enumerate(accounts)
                                 for b, kb in enumerate(accounts)
                                 if country[ka] != country[kb]):
        raise _unmapped("the benchmark SAM has capital flows between savings accounts of "
                        "different countries beside a rest of the world")
    # the benchmark's flows, scaled with the receiving country's savings pool
    inv0 = m.cal.data["INV0"].to_series()
    ratio = {}
    for cc in m.C:
        pool0 = sum(inv0[r] for r in m.REGIONS_OF[cc])
        first = m.REGIONS_OF[cc][0]
        ratio[cc] = c.conv[first] / m.cal.config.scale * _v(m.SAV[cc]) / pool0 if pool0 else 0.0
    for a, ka in enumerate(accounts):
        for b, kb in enumerate(accounts):
            if base[a, b]:
                c.add(ka, kb, base[a, b] * ratio[country[ka]])
    # each account's gap (payments less receipts) financed by those with a surplus
    gap = np.array([c.values[:, c.pos[k]].sum() - c.values[c.pos[k], :].sum()
                    for k in accounts])
    if c.row is None:
        groups = [accounts]
    else:
        groups = [[k for k in accounts if country[k] == cc] for cc in m.C]
    for group in groups:
        g = np.array([gap[accounts.index(k)] for k in group])
        lenders = np.where(g < 0, -g, 0.0)
        if not lenders.any():
            continue
        for a, ka in enumerate(group):
            if g[a] > 0:
                for b, kb in enumerate(group):
                    if lenders[b]:
                        c.add(ka, kb, g[a] * lenders[b] / lenders.sum())


#: The blocks in the order they write (government after every tax payment, investment last:
#: it balances the savings accounts). Name -> function of the cells under construction.
BLOCKS: dict[str, Callable[[_Cells], None]] = {
    "production": _production, "trade": _trade, "markets": _markets, "factors": _factors,
    "enterprises": _enterprises, "households": _households, "government": _government,
    "federal": _federal, "investment": _investment}


def load_solution(m: pyo.ConcreteModel, ds: xr.Dataset, scenario: str) -> float:
    """Set the model's variables, and the parameters the results hold (those some scenario
    shocks), to ``scenario``'s values in ``ds``; returns the largest equation residual
    relative to the largest flow (the solution is checked against this model)."""
    from cge.solvers.residuals import residuals

    point = ds.sel(scenario=scenario)
    if str(point["status"].item()) not in ("ok", "benchmark"):
        raise InputError(Problem("failed-scenario", f"scenario {scenario!r} has no solution "
                                 f"({point['status'].item()}): no updated SAM"))
    for name, sym in m.symbols.items():
        if sym.kind == "equation" or name not in point:
            continue
        comp = getattr(m, name)
        arr = point[name]
        for k, data in comp.items():
            idx = {} if k is None else dict(zip(sym.dims, k if isinstance(k, tuple) else (k,),
                                               strict=True))
            value = float(arr.sel(idx)) if idx else float(arr)
            if sym.kind == "variable":
                data.set_value(value, skip_validation=True)
            else:
                data.set_value(value)
    res = residuals(m)
    scale = max(1.0, float(np.abs(m.cal.data["Z0"]).max()))
    worst = float(np.nanmax(np.abs(res.values))) / scale if len(res) else 0.0
    if not np.isfinite(worst) or worst > RESIDUAL_TOLERANCE:
        raise InputError(Problem(
            "not-a-solution", f"scenario {scenario!r} of the results is not a solution of the "
            f"model of this experiment (largest residual {worst:.3g} of the largest output): "
            "were the results written by another version of the experiment or its data?"))
    return worst


class SamWriter:
    """Updated SAMs of an experiment's scenarios: the model is built once, each scenario's
    solution read into it (:func:`load_solution`) and written out block by block."""

    def __init__(self, sam: SAM, cal: Calibration):
        from cge.model import build_model

        self.sam, self.cal = sam, cal
        self.m = build_model(cal)

    def sam_of(self, ds: xr.Dataset, scenario: str) -> SAM:
        """The SAM of ``scenario`` in ``ds`` (the Dataset of ``run_experiment``)."""
        m, scale = self.m, self.cal.config.scale
        load_solution(m, ds, scenario)
        first = _v(m.epsilon[m.C[0]])
        conv = {r: scale * first / _v(m.epsilon[m.COUNTRY[r]]) for r in m.R}
        cells = _Cells(m, self.sam, self.cal.config, conv, scale * first)
        for block in BLOCKS.values():
            block(cells)
        meta = dict(self.sam.meta)
        meta["name"] = f"{self.sam.name} after {scenario}"
        meta["source"] = (f"cge updated SAM: scenario {scenario!r} of experiment "
                          f"{ds.attrs.get('experiment', '')!r} at current values "
                          f"(cge.reporting.updated_sam); benchmark SAM: {self.sam.name}")
        return SAM(self.sam.accounts, cells.values, **meta)

    def write(self, ds: xr.Dataset, folder: str | Path, scenarios: list[str] | None = None
              ) -> list[Path]:
        """Write ``folder/<scenario>/`` (a SAM folder, each file atomically) for every
        scenario with a solution (default: all, the benchmark included)."""
        names = scenarios or [str(s) for s, st in zip(ds["scenario"].values,
                                                      ds["status"].values, strict=True)
                              if st != "failed"]
        out = []
        for s in names:
            sam = self.sam_of(ds, s)
            out.append(write_csv(sam, Path(folder) / safe_name(s, what="scenario")))
        return out


def updated_sam(ds: xr.Dataset, scenario: str, sam: SAM, cal: Calibration) -> SAM:
    """The SAM of one scenario (see :class:`SamWriter` to write several)."""
    return SamWriter(sam, cal).sam_of(ds, scenario)


def write_sams(ds: xr.Dataset, experiment: str | Path, folder: str | Path) -> list[Path]:
    """``folder/sams/<scenario>/`` for every solved scenario of ``ds``, the results of
    ``experiment`` (an experiment file): what ``cge run/report --sam-out`` writes."""
    from cge.experiments.runner import calibrate_experiment
    from cge.experiments.spec import load_experiment

    sam, cal = calibrate_experiment(load_experiment(experiment))
    return SamWriter(sam, cal).write(ds, Path(folder) / SAMS_FOLDER)
