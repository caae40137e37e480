"""Reading and writing SAMs: a folder of tidy CSV files, or an Excel workbook.

Folder format (what ``sam/`` ships)::

    NAME/accounts.csv   region,account,kind,description
    NAME/cells.csv      row_region,row_account,col_region,col_account,value   (nonzero cells)
    NAME/meta.toml      name, units, year, source (each optional; the file may be empty)
    NAME/SOURCES.md     provenance (read by people, not by the code)

Excel format: a sheet ``accounts`` (same columns), a sheet ``meta`` (key, value) and one sheet
per nonempty region block named ``ROW_REGION x COL_REGION``, with the row accounts of
ROW_REGION down column A and the column accounts of COL_REGION across row 1.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from cge.csvfile import read_table
from cge.errors import InputError, Location, Problem, SAMError
from cge.outputs import write_bytes, write_text
from cge.sam.core import FILE, LINE, SAM, accounts_frame
from cge.tomlfile import read_toml

META_KEYS = ("name", "units", "year", "source")
#: The files of a SAM folder.
FILES = ("accounts.csv", "cells.csv", "meta.toml")


def read_sam(path: str | Path) -> SAM:
    """Read a SAM from a folder of CSV files or from an ``.xlsx`` workbook."""
    path = Path(path)
    if not path.exists():
        raise SAMError(Problem("missing-file", "no such file or folder", Location(file=str(path))))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_excel(path)
    if path.is_dir():
        return read_csv(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path.parent)
    raise SAMError(Problem("unknown-format", "expected a folder with accounts.csv and cells.csv "
                           "or an .xlsx workbook", Location(file=str(path))))


def _read_meta(folder: Path) -> dict:
    file = folder / "meta.toml"
    try:
        meta = read_toml(file, "meta.toml")
    except InputError as exc:
        raise SAMError(exc.problems) from exc
    unknown = set(meta) - set(META_KEYS)
    if unknown:
        raise SAMError(Problem("bad-meta", f"unknown key(s) {sorted(unknown)}; allowed "
                               f"{list(META_KEYS)}", Location(file=str(file))))
    wrong = [f"{k} = {v!r} should be {'an integer' if k == 'year' else 'a string'}"
             for k, v in meta.items()
             if not (isinstance(v, int) and not isinstance(v, bool) if k == "year"
                     else isinstance(v, str))]
    if wrong:
        raise SAMError(Problem("bad-meta", "; ".join(wrong), Location(file=str(file))))
    return meta


def read_csv(folder: str | Path) -> SAM:
    """Read ``accounts.csv``, ``cells.csv`` and ``meta.toml`` from a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SAMError(Problem("not-a-folder", "a SAM is a folder holding accounts.csv, "
                               "cells.csv and meta.toml (or an .xlsx workbook)",
                               Location(file=str(folder))))
    absent = [f for f in FILES if not (folder / f).exists()]
    if absent:
        raise SAMError([Problem("missing-file", f"{f} not found; a SAM folder holds "
                                f"{', '.join(FILES)}", Location(file=str(folder / f)))
                        for f in absent])
    acc_file, cells_file = folder / "accounts.csv", folder / "cells.csv"
    accounts = read_table(acc_file, ["region", "account", "kind"], "accounts.csv", SAMError)
    cells = read_table(cells_file, ["row_region", "row_account", "col_region", "col_account",
                                    "value"], "cells.csv", SAMError)
    if accounts.empty:
        raise SAMError(Problem("no-accounts", "no accounts: give one line per account "
                               "(region,account,kind,description)",
                               Location(file=str(acc_file), line=1)))
    sam = SAM.from_tidy(cells, accounts, cells_file=str(cells_file),
                        accounts_file=str(acc_file), **_read_meta(folder))
    if cells.empty:
        raise SAMError(Problem("no-cells", "no cells: give one line per nonzero payment "
                               "(row_region,row_account,col_region,col_account,value)",
                               Location(file=str(cells_file), line=1)))
    if not sam.data.values.any():
        raise SAMError(Problem("no-cells", "every cell is zero: a SAM needs nonzero payments",
                               Location(file=str(cells_file))))
    return sam


def _toml_value(v) -> str:
    if isinstance(v, int | float):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_csv(sam: SAM, folder: str | Path) -> Path:
    """Write a SAM as a folder of CSV files (deterministic: same SAM, same bytes)."""
    folder = Path(folder)
    write_text(folder / "accounts.csv", sam.accounts.to_csv(index=False, lineterminator="\n"))
    tidy = sam.to_tidy()
    tidy["value"] = [repr(float(v)) for v in tidy["value"]]
    write_text(folder / "cells.csv", tidy.to_csv(index=False, lineterminator="\n"))
    meta = {k: v for k, v in sam.meta.items() if v not in ("", None)}
    write_text(folder / "meta.toml", "".join(f"{k} = {_toml_value(v)}\n"
                                             for k, v in meta.items()))
    return folder


def _sheet_name(row_region: str, col_region: str) -> str:
    name = f"{row_region} x {col_region}"
    if len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
        raise SAMError(f"cannot name an Excel sheet for block {name!r}: sheet names have at most "
                       "31 characters and none of []:*?/\\; shorten the region names")
    return name


def write_excel(sam: SAM, file: str | Path) -> Path:
    """Write a SAM to Excel: ``accounts``, ``meta`` and one sheet per nonempty region block."""
    frame = sam.to_frame()
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        sam.accounts.to_excel(xl, sheet_name="accounts", index=False)
        pd.DataFrame({"key": list(META_KEYS),
                      "value": [sam.meta[k] if sam.meta[k] is not None else ""
                                for k in META_KEYS]}).to_excel(xl, sheet_name="meta",
                                                               index=False)
        for rr in sam.regions:
            for cr in sam.regions:
                block = frame.loc[rr, cr]
                if not np.any(block.to_numpy()):
                    continue
                block.index.name = "account"
                block.to_excel(xl, sheet_name=_sheet_name(rr, cr))
    return write_bytes(file, buf.getvalue())


def _column_letter(number: int) -> str:
    """Excel's name of the 1-based column ``number`` (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_excel(file: str | Path) -> SAM:
    """Read a SAM written by :func:`write_excel` (or by hand in the same layout)."""
    file = Path(file)
    try:
        # No header parsing: pandas would rename repeated account labels ("a.1").
        book = pd.read_excel(file, sheet_name=None, dtype=object, header=None)
    except (ValueError, OSError) as exc:
        raise SAMError(Problem("unreadable", f"cannot read workbook: {exc}",
                               Location(file=str(file)))) from exc
    if "accounts" not in book:
        raise SAMError(Problem("missing-sheet", "workbook has no 'accounts' sheet",
                               Location(file=str(file))))
    for name in ("accounts", "meta"):
        if name in book:
            sheet = book[name]
            book[name] = sheet.iloc[1:].set_axis([str(c).strip() for c in sheet.iloc[0]],
                                                 axis=1).reset_index(drop=True)
    acc = accounts_frame(book["accounts"].fillna(""), file=f"{file}[accounts]")
    meta = {}
    if "meta" in book:
        for k, v in zip(book["meta"]["key"], book["meta"]["value"], strict=True):
            if k in META_KEYS and not pd.isna(v) and v != "":
                meta[k] = int(v) if k == "year" else v
    rows = []
    problems = []
    for sheet, df in book.items():
        if sheet in ("accounts", "meta"):
            continue
        regions = sheet.split(" x ")
        if len(regions) != 2:
            problems.append(Problem("bad-sheet", "sheet name must be 'ROW_REGION x COL_REGION'",
                                    Location(file=f"{file}[{sheet}]")))
            continue
        rr, cr = regions
        values = df.to_numpy(dtype=object)
        col_names = [str(c).strip() for c in values[0, 1:]] if len(values) else []
        row_names = [str(c).strip() for c in values[1:, 0]]
        for what, names in (("column", col_names), ("row", row_names)):
            for name in sorted({n for n in names if names.count(n) > 1}):
                at = [i + 2 for i, n in enumerate(names) if n == name]
                places = ([f"column {_column_letter(i)}" for i in at] if what == "column"
                          else [f"row {i}" for i in at])
                problems.append(Problem("duplicate-label", f"{what} account {name!r} appears "
                                        f"more than once ({', '.join(places)})",
                                        Location(file=f"{file}[{sheet}]",
                                                 line=1 if what == "column" else at[-1])))
        for i in range(1, values.shape[0]):
            ra = str(values[i, 0]).strip()
            for j, cn in enumerate(col_names, start=1):
                v = values[i, j]
                # Excel cannot tell an empty cell from a missing one: both mean no payment.
                if pd.isna(v) or (isinstance(v, int | float) and v == 0):
                    continue
                rows.append((rr, ra, cr, cn, v, f"{file}[{sheet}]", i + 1))
    if problems:
        raise SAMError(problems)
    cells = pd.DataFrame(rows, columns=["row_region", "row_account", "col_region",
                                        "col_account", "value", FILE, LINE])
    # Unknown accounts, bad values and cells repeated in a sheet are reported with sheet and row.
    return SAM.from_tidy(cells, acc, cells_file=str(file), **meta)
