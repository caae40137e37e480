"""Calibration of the governments (:mod:`cge.model.government`, :mod:`cge.model.federal`):
revenue, the federal share of each tax, savings rates and spending shares.

Each tax account passes its receipts to the region's government and, in a SAM with a federal
government, partly to it; the federal share of each tax type (``fs``) is the SAM's. A regional
government's revenue is its share of the taxes, of receipts from abroad and of the enterprise's
profit tax, plus federal transfers; it saves the share ``ssg`` and spends the rest on goods
(``mu``) and transfers to households (``omega``). The federal government likewise (``ssgf``,
``muf``, ``omegag``, ``omegaf``).
"""

from __future__ import annotations

_V = "value (SAM units)"
#: What this module calibrates: name -> (dims, unit, description).
SPEC: dict[str, tuple[list[str], str, str]] = {
    "GREV0": (["region"], _V, "government revenue"),
    "ssg": (["region"], "1", "government savings rate (share of revenue)"),
    "mu": (["region", "commodity"], "1", "government spending share of commodity"),
    "omega": (["region", "household"], "1", "government spending share of transfers"),
    "fsz": (["region"], "1", "federal share of production taxes"),
    "fsm": (["region"], "1", "federal share of tariffs"),
    "fsb": (["region"], "1", "federal share of duties on shipments from other regions"),
    "fsq": (["region"], "1", "federal share of sales taxes"),
    "fsd": (["region"], "1", "federal share of direct taxes"),
    "fsw": (["region"], "1", "federal share of government receipts from abroad"),
    "FREV0": ([], _V, "federal government revenue"),
    "ssgf": ([], "1", "federal savings rate (share of revenue)"),
    "muf": (["region", "commodity"], "1", "federal spending share of the commodity in the region"),
    "omegag": (["region"], "1", "federal spending share of transfers to the regional government"),
    "omegaf": (["region", "household"], "1", "federal spending share of household transfers"),
}


def calibrate_government(b: dict, regions: list[str], sectors: list[str],
                         households: list[str]) -> dict[str, dict]:
    """Revenues, federal shares, savings rates and spending shares of every government."""
    p: dict[str, dict] = {n: {} for n in SPEC}
    S, H = sectors, households
    frev = 0.0
    for r in regions:
        # taxes by type: all of them, and the part passed on to a federal government
        types = {"z": ("Tz0", S), "m": ("Tm0", S), "b": ("Tb0", S), "q": ("Tq0", S),
                 "d": ("Td0", H)}
        grev = b["GRW0"][r] - b["GRW0f"][r] + b["TRG0"][r]
        p["fsw"][r] = b["GRW0f"][r] / b["GRW0"][r] if b["GRW0"][r] else 0.0
        for t, (name, labels) in types.items():
            total = sum(b[name].get((r, x), 0.0) for x in labels)
            federal = sum(b[name + "f"].get((r, x), 0.0) for x in labels)
            p["fs" + t][r] = federal / total if total else 0.0
            grev += total - federal
            frev += federal
        frev += b["GRW0f"][r]
        # the profit tax of the region's enterprise, shared like the other taxes
        grev += b["TP0"].get(r, 0.0) - b["TP0f"].get(r, 0.0)
        frev += b["TP0f"].get(r, 0.0)
        p["GREV0"][r] = grev
        spend = grev - b["Sg0"][r]
        p["ssg"][r] = b["Sg0"][r] / grev if grev else 0.0
        for i in S:
            if b["Xg0"].get((r, i), 0.0):
                p["mu"][(r, i)] = b["Xg0"][(r, i)] / spend
        for h in H:
            if b["TR0"].get((r, h), 0.0):
                p["omega"][(r, h)] = b["TR0"][(r, h)] / spend
    p["FREV0"]["_"] = frev
    sgf = sum(b["Sgf0"].values())
    fspend = frev - sgf
    p["ssgf"]["_"] = sgf / frev if frev else 0.0
    for (r, i), v in b["Xgf0"].items():
        if v:
            p["muf"][(r, i)] = v / fspend
    for r, v in b["TRG0"].items():
        if v:
            p["omegag"][r] = v / fspend
    for (r, h), v in b["TRF0"].items():
        if v:
            p["omegaf"][(r, h)] = v / fspend
    return p
