"""Reader for Rosstat's symmetric input-output tables ("Базовые таблицы «затраты-выпуск»").

The workbook of the 2021 basic tables has three symmetric product-by-product sheets: total use
(``Симм ТЗВ``), use of domestic output (``Симм отеч``) and use of imports at cif prices
(``Симм имп``). Each has a header row of product codes (``Коды``), rows of products (OKPD2 codes
in column B), adjustment rows (P33 direct purchases abroad by residents, P34 purchases of
non-residents on the domestic market, P6a cif/fob adjustment of exports, D21-D31 net taxes on
products), a value-added block (D1, D11, D29-D39, P51c, B2n+B3n, B1g, P1, and in the total sheet
P7 imports) and final-use columns (P3_S14, P31_S13, P32_S13, P3_S15, P51, P52, P53, P6).

:func:`read_rosstat_io` locates every block by its codes (never by fixed cell positions), reads it
into :class:`IOTables` (pandas frames labelled by the three-digit product number, mln RUB) and
checks the accounting identities of the source with :func:`check_identities` before returning.
Any violation beyond the rounding tolerance raises :class:`~cge.errors.InputError` naming the
sheet, the row or product and the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from cge.errors import InputError, Location, Problem

SHEET_TOTAL = "Симм ТЗВ"
SHEET_DOMESTIC = "Симм отеч"
SHEET_IMPORTED = "Симм имп"

#: Final-use columns: code in the sheet -> short name used in this package.
FINAL_USES = {"P3_S14": "hh", "P31_S13": "gov_ind", "P32_S13": "gov_coll", "P3_S15": "npish",
              "P51": "gfcf", "P52": "inventories", "P53": "valuables", "P6": "exports"}
#: Value-added rows: code -> short name. D11 (wages) is part of D1, not an addition.
VALUE_ADDED = {"D1": "D1", "D11": "D11", "D29-D39": "D29_D39", "P51C": "P51c",
               "B2N+B3N": "B2n_B3n", "B1G": "B1g", "P1": "P1"}
#: Adjustment rows below the product rows (rows of the use block that are not products).
ADJUSTMENTS = {"P33": "P33", "P34": "P34", "P6A": "P6a", "D21-D31": "product_taxes"}

#: Rounding in the source: parts and totals differ by up to about 60 mln RUB (SOURCES.md).
ROUNDING_TOL = 60.0

#: Published national totals for 2021, trn RUB (Rosstat, basic IO tables 2021, see
#: sam/sources/SOURCES.md), with the tolerance given by their last quoted digit.
NATIONAL_TOTALS_2021 = {"output": 246.86, "gva": 120.80, "compensation": 43.13,
                        "net_product_taxes": 13.93, "imports": 27.22, "exports": 37.70}
TOTALS_TOL_TRN = 0.005

# Rosstat mixes Cyrillic letters that look like Latin ones into codes ("Р51с").
_LOOKALIKES = str.maketrans("РСсВНАЕОоКМТХрехаук", "PCcBHAEOoKMTXpexayk")


def norm_code(value: object) -> str:
    """A code as text without spaces, Cyrillic look-alikes replaced, upper case."""
    if value is None:
        return ""
    return str(value).translate(_LOOKALIKES).replace(" ", "").replace("\n", "").upper()


@dataclass(frozen=True)
class IOTables:
    """Symmetric product-by-product IO tables of one year, mln RUB at basic prices.

    Frames are indexed by the three-digit product number (``"001"``...) unless said otherwise.

    products:        columns ``okpd2`` and ``name``.
    z_total, z_domestic, z_imported: intermediate use, rows products supplied, columns products
                     (industries producing them) using them.
    final_total, final_domestic, final_imported: final use by product, columns ``FINAL_USES``.
    adjustments:     rows P33, P34, P6a, product_taxes; columns all using products then final
                     uses (taxes and adjustments are by *user*).
    value_added:     rows ``VALUE_ADDED`` names, columns products.
    imports:         imports cif by product (row P7 of the total sheet).
    """

    year: int
    products: pd.DataFrame
    z_total: pd.DataFrame
    z_domestic: pd.DataFrame
    z_imported: pd.DataFrame
    final_total: pd.DataFrame
    final_domestic: pd.DataFrame
    final_imported: pd.DataFrame
    adjustments: pd.DataFrame
    value_added: pd.DataFrame
    imports: pd.Series
    source: str

    @property
    def output(self) -> pd.Series:
        """Output at basic prices by product (row P1)."""
        return self.value_added.loc["P1"]

    def totals(self) -> dict[str, float]:
        """The national totals of :data:`NATIONAL_TOTALS_2021`, in trn RUB."""
        va = self.value_added.sum(axis=1)
        return {"output": va["P1"] / 1e6, "gva": va["B1g"] / 1e6, "compensation": va["D1"] / 1e6,
                "net_product_taxes": self.adjustments.loc["product_taxes"].sum() / 1e6,
                "imports": self.imports.sum() / 1e6,
                "exports": self.final_total["exports"].sum() / 1e6}


@dataclass(frozen=True)
class _Sheet:
    """One symmetric sheet with the positions of its labelled rows and columns (0-based)."""

    name: str
    grid: list[tuple]
    file: str
    code_row: int
    product_cols: dict[str, int]  # product code (normalised) -> column
    final_cols: dict[str, int]  # final-use short name -> column
    product_rows: dict[str, int]  # product code (normalised) -> row
    other_rows: dict[str, int]  # normalised code -> row, for the non-product rows

    def cell(self, r: int, c: int) -> str:
        return f"{get_column_letter(c + 1)}{r + 1}"

    def where(self, r: int, c: int) -> Location:
        return Location(file=f"{self.file}[{self.name}]", cell=(f"row {r + 1}", self.cell(r, c)))

    def number(self, r: int, c: int, problems: list[Problem]) -> float:
        v = self.grid[r][c] if c < len(self.grid[r]) else None
        if v is None:
            return 0.0
        if isinstance(v, int | float):
            return float(v)
        try:
            return float(str(v).replace(" ", "").replace(",", "."))
        except ValueError:
            problems.append(Problem("bad-number", f"{v!r} is not a number", self.where(r, c)))
            return 0.0


def _locate(ws_name: str, grid: list[tuple], file: str) -> _Sheet:
    """Find the code header row, product columns, final-use columns and labelled rows."""
    where = Location(file=f"{file}[{ws_name}]")
    code_row = next((i for i, row in enumerate(grid[:20])
                     if any(norm_code(v) == norm_code("Коды") for v in row[:3])), None)
    if code_row is None:
        raise InputError(Problem("layout", "no header row with 'Коды' in the first 20 rows; "
                                 "the sheet layout differs from Rosstat's 2021 tables", where))
    header = grid[code_row]
    total_col = next((c for c, v in enumerate(header) if norm_code(v) == "TOTAL"), None)
    if total_col is None:
        raise InputError(Problem("layout", f"header row {code_row + 1} has no 'TOTAL' column",
                                 where))
    product_cols = {}
    for c in range(3, total_col):
        code = norm_code(header[c])
        if code:
            product_cols[code] = c
    final_cols = {}
    for c in range(total_col + 1, len(header)):
        code = norm_code(header[c])
        if code in FINAL_USES:
            final_cols[FINAL_USES[code]] = c
    missing = [k for k, v in FINAL_USES.items() if v not in final_cols]
    if missing:
        raise InputError(Problem("layout", f"header row {code_row + 1} lacks final-use "
                                 f"column(s) {missing}", where))
    product_rows, other_rows = {}, {}
    for r in range(code_row + 1, len(grid)):
        row = grid[r]
        code = norm_code(row[1]) if len(row) > 1 else ""
        if not code:
            continue
        if code in product_cols and code not in product_rows:
            product_rows[code] = r
        else:
            other_rows[code] = r
    absent = [k for k in product_cols if k not in product_rows]
    if absent:
        raise InputError(Problem("layout", f"product(s) {absent} have a column but no row",
                                 where))
    return _Sheet(ws_name, grid, file, code_row, product_cols, final_cols, product_rows,
                  other_rows)


def _load(file: Path) -> dict[str, _Sheet]:
    try:
        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(Problem("unreadable", f"cannot open workbook: {exc}",
                                 Location(file=str(file)))) from exc
    try:
        missing = [s for s in (SHEET_TOTAL, SHEET_DOMESTIC, SHEET_IMPORTED)
                   if s not in wb.sheetnames]
        if missing:
            raise InputError(Problem("missing-sheet", f"sheet(s) {missing} not found; sheets are "
                                     f"{wb.sheetnames}", Location(file=str(file))))
        return {s: _locate(s, [tuple(r) for r in wb[s].iter_rows(values_only=True)], str(file))
                for s in (SHEET_TOTAL, SHEET_DOMESTIC, SHEET_IMPORTED)}
    finally:
        wb.close()


def _block(sheet: _Sheet, codes: list[str], cols: list[int], problems: list[Problem]
           ) -> np.ndarray:
    return np.array([[sheet.number(sheet.product_rows[k], c, problems) for c in cols]
                     for k in codes])


def _row(sheet: _Sheet, code: str, cols: list[int], problems: list[Problem]) -> np.ndarray:
    if code not in sheet.other_rows:
        problems.append(Problem("layout", f"row with code {code!r} not found",
                                Location(file=f"{sheet.file}[{sheet.name}]")))
        return np.zeros(len(cols))
    return np.array([sheet.number(sheet.other_rows[code], c, problems) for c in cols])


def read_rosstat_io(file: str | Path, *, year: int = 2021, check: bool = True) -> IOTables:
    """Read the three symmetric IO tables of a Rosstat workbook and check their identities."""
    file = Path(file)
    sheets = _load(file)
    tot, dom, imp = sheets[SHEET_TOTAL], sheets[SHEET_DOMESTIC], sheets[SHEET_IMPORTED]
    problems: list[Problem] = []
    codes = list(tot.product_cols)
    for s in (dom, imp):
        if list(s.product_cols) != codes:
            problems.append(Problem("layout", f"product columns differ from {SHEET_TOTAL!r}",
                                    Location(file=f"{file}[{s.name}]")))
    if problems:
        raise InputError(problems)
    numbers = [str(tot.grid[tot.product_rows[k]][0]).strip() for k in codes]
    products = pd.DataFrame({"okpd2": [str(tot.grid[tot.product_rows[k]][1]).strip()
                                       for k in codes],
                             "name": [" ".join(str(tot.grid[tot.product_rows[k]][2]).split())
                                      for k in codes]},
                            index=pd.Index(numbers, name="product"))
    finals = list(FINAL_USES.values())

    def frames(sheet: _Sheet) -> tuple[pd.DataFrame, pd.DataFrame]:
        z = _block(sheet, codes, [sheet.product_cols[k] for k in codes], problems)
        f = _block(sheet, codes, [sheet.final_cols[k] for k in finals], problems)
        return (pd.DataFrame(z, index=products.index, columns=products.index.rename("user")),
                pd.DataFrame(f, index=products.index, columns=pd.Index(finals, name="use")))

    z_t, f_t = frames(tot)
    z_d, f_d = frames(dom)
    z_m, f_m = frames(imp)
    user_cols = [tot.product_cols[k] for k in codes] + [tot.final_cols[k] for k in finals]
    users = pd.Index(list(products.index) + finals, name="user")
    adjustments = pd.DataFrame([_row(tot, k, user_cols, problems) for k in ADJUSTMENTS],
                               index=list(ADJUSTMENTS.values()), columns=users)
    prod_cols = [tot.product_cols[k] for k in codes]
    value_added = pd.DataFrame([_row(tot, k, prod_cols, problems) for k in VALUE_ADDED],
                               index=list(VALUE_ADDED.values()), columns=products.index)
    imports = pd.Series(_row(tot, "P7", prod_cols, problems), index=products.index,
                        name="imports")
    if problems:
        raise InputError(problems)
    tables = IOTables(year, products, z_t, z_d, z_m, f_t, f_d, f_m, adjustments, value_added,
                      imports, source=f"Rosstat, basic input-output tables {year}, {file.name}")
    if check:
        found = check_identities(tables, sheets)
        if found:
            raise InputError(found)
    return tables


def check_identities(t: IOTables, sheets: dict[str, _Sheet] | None = None,
                     tol: float = ROUNDING_TOL, totals: dict[str, float] | None = None,
                     totals_tol: float = TOTALS_TOL_TRN) -> list[Problem]:
    """Accounting identities of the symmetric tables, each within ``tol`` mln RUB.

    * per product column: B1g = D1 + D29-D39 + P51c + B2n+B3n; P1 = intermediate use (products,
      adjustment rows and taxes) + B1g;
    * per product row: output + imports (P7) = intermediate + final use in the total sheet;
      output = total use of domestic output; imports = total use of imports;
    * every cell: total = domestic + imported;
    * national totals equal the published ones (``totals``, trn RUB) within ``totals_tol``.

    With ``sheets`` (as read) the problems name the sheet and cell, otherwise the product.
    """
    problems: list[Problem] = []
    va = t.value_added

    def loc(sheet: str, row: str, col: str) -> Location:
        """Where a value sits: ``row`` is a product number or a row code, ``col`` a product
        number or a final use."""
        if sheets is None:
            return Location(file=sheet, account=f"row {row}, column {col}")
        s = sheets[sheet]

        def okpd(p: str) -> str:
            return norm_code(t.products.at[p, "okpd2"])

        r = s.product_rows[okpd(row)] if row in t.products.index else s.other_rows[row]
        c = s.product_cols[okpd(col)] if col in t.products.index else s.final_cols[col]
        return s.where(r, c)

    def flag(code: str, what: str, got: float, want: float, where: Location) -> None:
        if abs(got - want) > tol:
            problems.append(Problem(code, f"{what}: {got:,.0f} != {want:,.0f} "
                                    f"(difference {got - want:,.0f} mln RUB, tolerance {tol:g})",
                                    where))

    products = list(t.products.index)
    use_total = t.z_total.sum(axis=0) + t.adjustments[products].sum(axis=0)
    for p in products:
        gva = va.at["D1", p] + va.at["D29_D39", p] + va.at["P51c", p] + va.at["B2n_B3n", p]
        flag("gva-identity", f"product {p}: B1g vs D1+D29-D39+P51c+B2n+B3n",
             va.at["B1g", p], gva, loc(SHEET_TOTAL, "B1G", p))
        flag("output-identity", f"product {p}: P1 vs intermediate use + B1g",
             va.at["P1", p], use_total[p] + va.at["B1g", p], loc(SHEET_TOTAL, "P1", p))
        row_use = t.z_total.loc[p].sum() + t.final_total.loc[p].sum()
        flag("resources-identity", f"product {p}: P1 + P7 vs total use (row sum)",
             va.at["P1", p] + t.imports[p], row_use, loc(SHEET_TOTAL, p, "exports"))
        flag("domestic-row", f"product {p}: P1 vs use of domestic output (row sum)",
             va.at["P1", p], t.z_domestic.loc[p].sum() + t.final_domestic.loc[p].sum(),
             loc(SHEET_DOMESTIC, p, "exports"))
        flag("imported-row", f"product {p}: P7 vs use of imports (row sum)",
             t.imports[p], t.z_imported.loc[p].sum() + t.final_imported.loc[p].sum(),
             loc(SHEET_IMPORTED, p, "exports"))
    for total, dom, imp in ((t.z_total, t.z_domestic, t.z_imported),
                            (t.final_total, t.final_domestic, t.final_imported)):
        diff = total - dom - imp
        for p, col in zip(*np.nonzero(np.abs(diff.to_numpy()) > tol), strict=True):
            prod, user = diff.index[p], diff.columns[col]
            where = loc(SHEET_TOTAL, prod, user)
            problems.append(Problem("domestic-plus-imported",
                                    f"product {prod}, user {user}: total {total.iat[p, col]:,.0f}"
                                    f" != domestic {dom.iat[p, col]:,.0f} + imported "
                                    f"{imp.iat[p, col]:,.0f}", where))
    got = t.totals()
    for name, want in (NATIONAL_TOTALS_2021 if totals is None else totals).items():
        if abs(got[name] - want) > totals_tol:
            problems.append(Problem("national-total", f"{name}: {got[name]:.3f} trn RUB in the "
                                    f"tables, published {want:.2f} (tolerance {totals_tol})",
                                    Location(file=SHEET_TOTAL)))
    return problems
