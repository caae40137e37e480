"""Reading and writing SAMs: a folder of tidy CSV files, or an Excel workbook.

Folder format (what ``sam/`` ships)::

    NAME/accounts.csv   region,account,kind,description
    NAME/cells.csv      row_region,row_account,col_region,col_account,value   (nonzero cells)
    NAME/meta.toml      optional: name, units, year, source
    NAME/SOURCES.md     provenance (read by people, not by the code)

Excel format: a sheet ``accounts`` (same columns), a sheet ``meta`` (key, value) and one sheet
per nonempty region block named ``ROW_REGION x COL_REGION``, with the row accounts of
ROW_REGION down column A and the column accounts of COL_REGION across row 1.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import Location, Problem, SAMError
from cge.sam.core import FILE, LINE, SAM, accounts_frame

META_KEYS = ("name", "units", "year", "source")


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


def _read_table(file: Path, required: list[str]) -> pd.DataFrame:
    if not file.exists():
        raise SAMError(Problem("missing-file", "file not found", Location(file=str(file))))
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True,
                         comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SAMError(Problem("unreadable", f"cannot parse CSV: {exc}",
                               Location(file=str(file)))) from exc
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SAMError(Problem("columns", f"missing column(s) {missing}; found {list(df.columns)}",
                               Location(file=str(file), line=1)))
    lines = _data_lines(file)
    if len(lines) == len(df):  # else quoted multi-line fields: fall back to counting rows
        df[LINE] = lines
    return df


def _data_lines(file: Path) -> list[int]:
    """Line numbers of the data rows of a CSV file, skipping the header, comments and blanks.

    The reader skips comment and blank lines, so row positions alone would misreport lines.
    """
    text = file.read_text(encoding="utf-8", errors="replace").splitlines()
    data = [i + 1 for i, line in enumerate(text) if line.split("#", 1)[0].strip()]
    return data[1:]


def _read_meta(folder: Path) -> dict:
    file = folder / "meta.toml"
    if not file.exists():
        return {}
    try:
        meta = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SAMError(Problem("bad-meta", str(exc), Location(file=str(file)))) from exc
    unknown = set(meta) - set(META_KEYS)
    if unknown:
        raise SAMError(Problem("bad-meta", f"unknown key(s) {sorted(unknown)}; allowed "
                               f"{list(META_KEYS)}", Location(file=str(file))))
    return meta


def read_csv(folder: str | Path) -> SAM:
    """Read ``accounts.csv``, ``cells.csv`` and ``meta.toml`` from a folder."""
    folder = Path(folder)
    acc_file, cells_file = folder / "accounts.csv", folder / "cells.csv"
    accounts = _read_table(acc_file, ["region", "account", "kind"])
    cells = _read_table(cells_file, ["row_region", "row_account", "col_region", "col_account",
                                     "value"])
    return SAM.from_tidy(cells, accounts, cells_file=str(cells_file),
                         accounts_file=str(acc_file), **_read_meta(folder))


def _toml_value(v) -> str:
    if isinstance(v, int | float):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_csv(sam: SAM, folder: str | Path) -> Path:
    """Write a SAM as a folder of CSV files (deterministic: same SAM, same bytes)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sam.accounts.to_csv(folder / "accounts.csv", index=False, lineterminator="\n")
    tidy = sam.to_tidy()
    tidy["value"] = [repr(float(v)) for v in tidy["value"]]
    tidy.to_csv(folder / "cells.csv", index=False, lineterminator="\n")
    meta = {k: v for k, v in sam.meta.items() if v not in ("", None)}
    (folder / "meta.toml").write_text("".join(f"{k} = {_toml_value(v)}\n"
                                              for k, v in meta.items()), encoding="utf-8")
    return folder


def _sheet_name(row_region: str, col_region: str) -> str:
    name = f"{row_region} x {col_region}"
    if len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
        raise SAMError(f"cannot name an Excel sheet for block {name!r}: sheet names have at most "
                       "31 characters and none of []:*?/\\; shorten the region names")
    return name


def write_excel(sam: SAM, file: str | Path) -> Path:
    """Write a SAM to Excel: ``accounts``, ``meta`` and one sheet per nonempty region block."""
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    frame = sam.to_frame()
    with pd.ExcelWriter(file, engine="openpyxl") as xl:
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
    return file


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
