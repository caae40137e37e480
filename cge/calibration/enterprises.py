"""Calibration of the enterprises block (:mod:`cge.model.enterprises`).

An account of kind ``enterprise`` in a region with production (at most one per region) is read
off the SAM as:

* its receipts from the region's factor accounts, ``EF0[n, f]`` (operating surplus);
* the taxes it pays, ``TP0[n]``: to tax accounts (split with a federal government in the tax
  account's proportion, ``TP0f``) or directly to its region's government;
* profits it distributes to households of any region of its country, ``DIV0[n, r, h]``, and to
  the rest of the world, ``DIVW0[n]``;
* its savings, paid to its region's savings-investment account, ``SE0[n]``.

Every share is the benchmark share, fixed in the model:

.. math::

    YE^0_n = \\sum_f EF^0_{nf},\\quad she_{nf} = EF^0_{nf} / FF^0_{nf},\\quad
    \\tau^p_n = TP^0_n / YE^0_n,\\quad fs^p_n = TP^{0f}_n / TP^0_n,

    dv_{nrh} = DIV^0_{nrh} / (YE^0_n - TP^0_n),\\quad dv^w_n = DIVW^0_n / (YE^0_n - TP^0_n),

and savings are what is left, so the shares of after-tax income sum to one with savings.
A SAM without enterprise accounts gives empty tables and a model without the block's flows.
"""

from __future__ import annotations

from cge.errors import Location, Problem
from cge.sam import Kind
from cge.sam.core import key

#: Benchmark flows of the block, read by :func:`read_enterprise_flows`.
FLOWS = ("EF0", "TP0", "TP0f", "DIV0", "DIVW0", "SE0")

_V = "value (SAM units)"
#: Dims, unit and description of every array the block adds to the calibration.
SPEC: dict[str, tuple[list[str], str, str]] = {
    "EF0": (["region", "factor"], _V, "factor income paid to the region's enterprise"),
    "TP0": (["region"], _V, "profit tax paid by the region's enterprise"),
    "TP0f": (["region"], _V, "profit tax passed to the federal government"),
    "DIV0": (["origin", "destination", "household"], _V, "profits distributed by the "
             "enterprise of origin to households of destination"),
    "DIVW0": (["region"], _V, "profits distributed abroad (foreign currency)"),
    "SE0": (["region"], _V, "enterprise savings"),
    "YE0": (["region"], _V, "enterprise income"),
    "she": (["region", "factor"], "1", "enterprise share of the region's factor income"),
    "taup": (["region"], "1", "profit tax rate on enterprise income"),
    "fsp": (["region"], "1", "federal share of the profit tax"),
    "dvh": (["origin", "destination", "household"], "1", "share of the enterprise's income "
            "after tax distributed to the household"),
    "dvw": (["region"], "1", "share of the enterprise's income after tax distributed abroad"),
}


def read_enterprise_flows(rd, country: dict[str, str]) -> tuple[dict[str, dict], list[Problem]]:
    """The block's benchmark flows (:data:`FLOWS`) read off the SAM by the calibration's reader
    ``rd`` (cells marked as used), and the problems that keep the model from reading them."""
    b: dict[str, dict] = {n: {} for n in FLOWS}
    problems: list[Problem] = []
    for n in rd.regions:
        ent = rd.one(Kind.ENTERPRISE, n)
        if ent is None:
            continue
        gov, inv = rd.one(Kind.GOVERNMENT, n), rd.one(Kind.SAVINGS_INVESTMENT, n)
        for f in rd.factors:
            b["EF0"][(n, f)] = rd.take(ent, key(n, f))
        taxes, federal = rd.take_taxes(ent)
        b["TP0"][n], b["TP0f"][n] = rd.take(gov, ent) + taxes, federal
        for r in rd.regions:
            for h in rd.households:
                v = rd.take(key(r, h), ent)
                if v and country[r] != country[n]:
                    problems.append(Problem(
                        "unsupported", f"enterprise {ent} pays profits to household "
                        f"{key(r, h)} of another country; the model pays profits across "
                        "borders only to the rest of the world", Location(cell=(key(r, h), ent))))
                b["DIV0"][(n, r, h)] = v
        b["DIVW0"][n] = rd.take(rd.row, ent)
        b["SE0"][n] = rd.take(inv, ent)
        income = sum(b["EF0"][(n, f)] for f in rd.factors)
        if income <= 0:
            problems.append(Problem("enterprise-income", f"enterprise {ent} receives no factor "
                                    f"income ({income:.6g}): the model's enterprise lives on "
                                    "factor income", Location(account=ent)))
        elif income - b["TP0"][n] <= 0 and (b["DIVW0"][n] or any(
                b["DIV0"][(n, r, h)] for r in rd.regions for h in rd.households)):
            problems.append(Problem("enterprise-income", f"enterprise {ent} distributes profits "
                                    f"but its income after tax is {income - b['TP0'][n]:.6g}",
                                    Location(account=ent)))
    return b, problems


def received(b: dict[str, dict]) -> dict[tuple[str, str], float]:
    """Distributed profits each (region, household) receives at the benchmark."""
    out: dict[tuple[str, str], float] = {}
    for (_, r, h), v in b["DIV0"].items():
        out[(r, h)] = out.get((r, h), 0.0) + v
    return out


def calibrate_enterprises(b: dict[str, dict], ff0: dict[tuple[str, str], float]
                          ) -> dict[str, dict]:
    """The block's parameters from its benchmark flows and the factor endowments ``FF0``."""
    p: dict[str, dict] = {n: {} for n in ("YE0", "she", "taup", "fsp", "dvh", "dvw")}
    income: dict[str, float] = {}
    for (n, f), v in b["EF0"].items():
        if v:
            income[n] = income.get(n, 0.0) + v
            p["she"][(n, f)] = v / ff0[(n, f)]
    for n, ye in income.items():
        tp = b["TP0"][n]
        p["YE0"][n] = ye
        p["taup"][n] = tp / ye
        p["fsp"][n] = b["TP0f"][n] / tp if tp else 0.0
        after = ye - tp
        for (o, r, h), v in b["DIV0"].items():
            if o == n and v:
                p["dvh"][(o, r, h)] = v / after
        if b["DIVW0"][n]:
            p["dvw"][n] = b["DIVW0"][n] / after
    return p
