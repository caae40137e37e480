"""Transport-margin rates by model sector from Rosstat's 2021 margin tables.

Rosstat's basic input-output tables for 2021 (``sam/sources/rosstat/baz_tzv-2021.xlsx``) hold a
table of transport margins (sheet ``М-трансп``, "Таблица транспортных наценок") and the use
table at basic prices (sheet ``ТИоц``), both for 243 products by user. For each product the
rate of transport margin on domestic use is

.. math::

    rate_p = \\frac{TM_p^{TU} - TM_p^{P6}}{U_p^{TU} - U_p^{P6}}

(total use minus exports, in the margin table and at basic prices): the cost of carrying a
rouble's worth of the product, valued at basic prices, to its domestic user. Products are mapped
to model sectors by their OKPD2 codes through ``sam/vologda/okpd2_to_sectors.csv`` (longest code
prefix), and a sector's rate is the sum of its products' margins over the sum of their values.
Services, transport services included, carry no transport margin in the table (their rows are
zero), so their rates are zero; a negative rate, should a future table net the margin services
out in their own rows, is set to zero because the model's iceberg margin is carried by goods.

The rate is a national average over all domestic deliveries, short intraregional hauls
included; shipments between Vologda and the rest of Russia are longer than average, so the
rates are a lower bound for the interregional margin.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.sources.rosstat import norm_code

SHEET_TRANSPORT = "М-трансп"
SHEET_USE_BASIC = "ТИоц"
SOURCE = ("Rosstat, basic IO tables 2021 (baz_tzv-2021.xlsx): transport margins (sheet "
          "М-трансп) over use at basic prices (sheet ТИоц), domestic use (TU - P6)")


def _first_code(text: object) -> str:
    """The leading OKPD2 code of a cell such as ``'01.13 кроме 01.13.51'`` or ``87``."""
    s = f"{text:02d}" if isinstance(text, int) else str(text)
    for sep in ("+", "кроме", "без", ","):
        s = s.split(sep)[0]
    return s.strip()


def _sheet(wb, name: str, file: Path) -> pd.DataFrame:
    """Numbered rows of a use-type sheet: number, leading code, TU and P6 columns (the use
    sheet also numbers its adjustment and value-added rows; callers keep the products)."""
    where = Location(file=f"{file}[{name}]")
    if name not in wb.sheetnames:
        raise InputError(Problem("missing-sheet", f"sheet {name!r} not found", where))
    grid = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    code_row = next((i for i, row in enumerate(grid[:20])
                     if any(norm_code(v) == norm_code("Коды") for v in row[:3])), None)
    if code_row is None:
        raise InputError(Problem("layout", "no header row with 'Коды'", where))
    header = [norm_code(v) for v in grid[code_row]]
    cols = {c: header.index(c) for c in ("TU", "P6") if c in header}
    if len(cols) < 2:
        raise InputError(Problem("layout", "header lacks the TU or P6 column", where))
    rows = []
    for row in grid[code_row + 2:]:
        num = str(row[0] or "").strip()
        if not (num.isdigit() and len(num) == 3) or norm_code(row[1]) == "TOTAL":
            continue
        if not str(row[1] or "").strip():
            continue
        rows.append({"number": num, "code": _first_code(row[1]),
                     "TU": float(row[cols["TU"]] or 0.0), "P6": float(row[cols["P6"]] or 0.0)})
    return pd.DataFrame(rows).set_index("number")


def _sector_of(code: str, prefixes: dict[str, str]) -> str | None:
    """Sector of a detailed code: the longest symmetric-table code it starts with, or else
    the one sector of all symmetric codes that start with it (a coarser detailed row)."""
    match = max((p for p in prefixes if code.startswith(p)), key=len, default=None)
    if match is not None:
        return prefixes[match]
    finer = {s for p, s in prefixes.items() if p.startswith(code)}
    return finer.pop() if len(finer) == 1 else None


def transport_margin_rates(workbook: str | Path, sector_map: str | Path) -> pd.DataFrame:
    """Per model sector: transport margins and basic-price value of domestic use (mln RUB)
    and their ratio ``rate`` (floored at zero)."""
    workbook, sector_map = Path(workbook), Path(sector_map)
    wb = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    try:
        tm = _sheet(wb, SHEET_TRANSPORT, workbook)
        use = _sheet(wb, SHEET_USE_BASIC, workbook)
    finally:
        wb.close()
    use = use.reindex(tm.index)
    if use["code"].isna().any() or list(tm["code"]) != list(use["code"]):
        raise InputError(Problem("layout", "the margin and use sheets list different products",
                                 Location(file=str(workbook))))
    smap = pd.read_csv(sector_map, dtype=str, comment="#")
    prefixes = {}
    for _, r in smap.iterrows():
        for part in str(r["okpd2"]).split("+"):
            prefixes[_first_code(part)] = r["to"]
    df = pd.DataFrame({"code": tm["code"], "margin": tm["TU"] - tm["P6"],
                       "value": use["TU"] - use["P6"]})
    df["sector"] = [_sector_of(c, prefixes) for c in df["code"]]
    unmapped = df[df["sector"].isna()]
    if len(unmapped):
        raise InputError(Problem("unmapped", f"product(s) {list(unmapped['code'])} match no "
                                 "code of the sector map", Location(file=str(sector_map))))
    out = df.groupby("sector")[["margin", "value"]].sum()
    out["rate"] = (out["margin"] / out["value"]).clip(lower=0.0)
    return out


def margin_table(rates: pd.DataFrame, pairs: list[tuple[str, str]], *, digits: int = 4
                 ) -> pd.DataFrame:
    """Rows ``origin,destination,commodity,value,source`` for every pair of regions and sector
    (the format of ``calibration/*_margins.csv``)."""
    rows = []
    for o, d in pairs:
        for sector, r in rates.iterrows():
            rows.append({"origin": o, "destination": d, "commodity": sector,
                         "value": round(float(r["rate"]), digits),
                         "source": f"{SOURCE}: {r['margin']:.0f} / {r['value']:.0f} mln RUB"})
    return pd.DataFrame(rows)
