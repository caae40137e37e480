"""Writing and reading results: NetCDF, tidy CSV, Excel and LaTeX.

* :func:`write_netcdf` / :func:`read_results`: the whole Dataset, NetCDF 3 via the scipy engine
  (no extra dependency); strings, units, descriptions and traceability attrs round-trip.
* :func:`to_tidy` / :func:`write_csv`: one row per variable, index and scenario.
* :func:`write_excel`: one sheet per headline table (header in row 1, frozen panes, number
  formats), plus ``scenarios`` (status, description, solve) and ``metadata`` (the Dataset
  attrs).
* :func:`write_latex`: one booktabs table per headline table, laid out to fit the page
  (:func:`latex_layout`), written here rather than through pandas' Styler so no template
  engine is needed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.outputs import safe_name, write_bytes, write_text
from cge.reporting.numbers import decimals, excel_format, format_number, text_width_pt

RESULTS_FILE = "results.nc"
#: Per-scenario run information, listed in every export next to the numbers.
RUN_VARIABLES = ("status", "description", "solve_method", "solve_iterations", "max_residual",
                 "walras_residual",
                 "seconds", "message")


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    # in memory, then written atomically: an interrupted write leaves no half results.nc
    return write_bytes(path, bytes(ds.to_netcdf(engine="scipy")))


def read_results(path: str | Path) -> xr.Dataset:
    """A results Dataset from a ``results.nc`` file or a folder holding one."""
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(Problem("missing-file", "no results file (expected a results.nc or a "
                                 "folder written by cge run)", Location(file=str(file))))
    try:
        with xr.open_dataset(file, engine="scipy") as ds:
            return ds.load()
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(Problem("bad-results", f"not a NetCDF results file: {exc}",
                                 Location(file=str(file)))) from exc


def to_tidy(ds: xr.Dataset) -> pd.DataFrame:
    """Every numeric variable on the scenario dim as rows: variable, scenario, one column per
    dimension (empty where the variable does not have it), value, units, kind. Built column
    by column from the arrays (a frame per variable took seconds to build and concatenate)."""
    names = [n for n, da in ds.data_vars.items()
             if "scenario" in da.dims and da.dtype.kind in "fi"]
    used = [d for d in ds.dims if any(d in ds[n].dims for n in names)]
    parts: dict[str, list[np.ndarray]] = {c: [] for c in ["variable", *used, "value", "units",
                                                          "kind"]}
    for name in names:
        da = ds[name]
        size = da.size
        parts["variable"].append(np.full(size, str(name), dtype=object))
        # rows in C order over the variable's dims, as DataArray.to_series gives them: a
        # dim's labels repeat once per entry of the dims after it
        inner = {d: int(np.prod(da.shape[k + 1:])) for k, d in enumerate(da.dims)}
        for d in used:
            if d not in da.dims:
                parts[d].append(np.full(size, "", dtype=object))
                continue
            labels = np.asarray(da[d].values, dtype=object)
            parts[d].append(np.tile(np.repeat(labels, inner[d]), size // (len(labels)
                                                                        * inner[d])))
        parts["value"].append(da.values.ravel())
        parts["units"].append(np.full(size, da.attrs.get("units", ""), dtype=object))
        parts["kind"].append(np.full(size, da.attrs.get("kind", ""), dtype=object))
    inner_dims = [d for d in used if d != "scenario"]
    return pd.DataFrame({c: np.concatenate(v) if v else np.array([], dtype=object)
                         for c, v in parts.items()})[
        ["variable", "scenario", *inner_dims, "value", "units", "kind"]]


def write_csv(ds: xr.Dataset, path: str | Path) -> Path:
    return write_text(path, to_tidy(ds).to_csv(index=False))


def run_table(ds: xr.Dataset) -> pd.DataFrame:
    """Status and solve information per scenario."""
    cols = {n: ds[n].values for n in RUN_VARIABLES if n in ds}
    return pd.DataFrame(cols, index=pd.Index(ds["scenario"].values, name="scenario"))


def _header(df: pd.DataFrame, col: object) -> str:
    """A column's header with its unit, as a spreadsheet shows it."""
    unit = df.attrs.get("units", {}).get(col, "")
    return f"{col} ({unit})" if unit else str(col)


def write_tables_csv(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """``folder/<name>.csv`` per table: headers with their units as in Excel, full precision;
    the title and notes follow the table as comment lines starting with ``#``."""
    out = []
    for name, df in tables.items():
        text = df.rename(columns=lambda c, df=df: _header(df, c)).to_csv(lineterminator="\n")
        extra = [df.attrs.get("title", name), *df.attrs.get("notes", [])]
        out.append(write_text(Path(folder) / f"{name}.csv",
                              text + "".join(f"# {line}\n" for line in extra)))
    return out


def write_excel(ds: xr.Dataset, tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Workbook: a sheet per headline table (header with units in row 1, panes frozen below
    it and right of the labels, numbers formatted with the decimals of :func:`decimals`,
    title and notes under the table), then ``scenarios`` and ``metadata``."""
    from openpyxl.styles import Alignment, Font

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in tables.items():
            sheet = name[:31]  # Excel's limit on sheet names
            out = df.rename(columns=lambda c, df=df: _header(df, c))
            out.to_excel(xl, sheet_name=sheet)
            ws = xl.sheets[sheet]
            ws.freeze_panes = "B2"
            ws.column_dimensions["A"].width = min(60, max(
                [len(str(i)) for i in df.index] + [len(str(df.index.name or ""))] + [10]) + 2)
            for k, col in enumerate(df.columns, start=2):
                letter = ws.cell(row=1, column=k).column_letter
                ws.column_dimensions[letter].width = 16
                ws.cell(row=1, column=k).alignment = Alignment(wrap_text=True,
                                                               horizontal="center")
                fmt = excel_format(decimals(df[col]))
                for row in range(2, len(df) + 2):
                    ws.cell(row=row, column=k).number_format = fmt
            ws.cell(row=len(df) + 3, column=1, value=df.attrs.get("title", name)).font = Font(
                bold=True)
            for n, note in enumerate(df.attrs.get("notes", [])):
                ws.cell(row=len(df) + 4 + n, column=1, value=note)
        run_table(ds).to_excel(xl, sheet_name="scenarios")
        xl.sheets["scenarios"].freeze_panes = "B2"
        meta = pd.DataFrame({"value": [str(v) for v in ds.attrs.values()]},
                            index=pd.Index(list(ds.attrs), name="attribute"))
        meta.to_excel(xl, sheet_name="metadata")
        xl.sheets["metadata"].freeze_panes = "B2"
    return write_bytes(path, buf.getvalue())


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "\u2192": r"$\to$", "\u2212": "$-$"}


def latex_escape(text: object) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


#: The article class at 10 pt: ``\textwidth``, and ``\textheight`` (the width of a
#: landscape page); ``\tabcolsep``.
TEXT_WIDTH_PT = 345.0
TEXT_HEIGHT_PT = 550.0
TABCOLSEP_PT = 6.0
#: A column header wider than this wraps; one wider than KEY_PT becomes a key, (1), (2), ...,
#: explained under the table (e.g. scenario descriptions as columns).
HEADER_PT = 62.0
KEY_PT = 200.0
#: Row labels wider than LABEL_PT wrap, down to LABEL_MIN_PT wide if the table is wide.
LABEL_PT = 130.0
LABEL_MIN_PT = 90.0
#: Height of a body row (10 pt type on a 12 pt baseline) and of the caption, header and rules:
#: a table taller than the page (text height, or text width on a landscape page) is a
#: ``longtable`` that breaks across pages and repeats its header on each.
ROW_PT = 12.0
HEAD_PT = 80.0


def _measured(cell: str) -> str:
    """What a LaTeX cell prints, to measure it (a minus is as wide as a plus in CM)."""
    return cell.replace("$-$", "+").replace("{,}", ",").replace("\\", "")


@dataclass
class LatexLayout:
    """How a table is set: column widths (pt), which columns go in each tabular, and the
    float (``table``, or ``sidewaystable`` for a landscape page)."""

    digits: dict[object, int]
    label_width: float
    label_wraps: bool
    widths: dict[object, float]
    headers: dict[object, str]
    keys: list[str]
    chunks: list[list[object]]
    env: str
    #: rows as printed (a wrapped row label takes several lines), and whether the table breaks
    #: across pages (``longtable``; on landscape pages with ``pdflscape`` if ``env`` is
    #: ``sidewaystable``)
    lines: int = 0
    long: bool = False

    def width(self, chunk: list[object]) -> float:
        """Width of the tabular of one chunk of columns, in points."""
        return (self.label_width + 2 * TABCOLSEP_PT
                + sum(self.widths[c] + 2 * TABCOLSEP_PT for c in chunk))


def latex_layout(df: pd.DataFrame, *, text_width: float = TEXT_WIDTH_PT,
                 text_height: float = TEXT_HEIGHT_PT) -> LatexLayout:
    """Fit ``df`` to the page: decimals per column, wrapped or keyed headers, wrapped row
    labels; portrait if the table fits the text width, landscape if it fits the text height,
    else its columns split into several tables that each fit the text width."""
    units = df.attrs.get("units", {})
    digits = {c: decimals(df[c]) for c in df.columns}
    headers, keys, widths = {}, [], {}
    for c in df.columns:
        text = str(c)
        if text_width_pt(text) > KEY_PT:
            keys.append(f"({len(keys) + 1}) {text}")
            text = f"({len(keys)})"
        headers[c] = text
        numbers = [text_width_pt(_measured(format_number(v, digits[c]))) for v in df[c]]
        words = [text_width_pt(w) for w in (text + " " + units.get(c, "")).split()]
        widths[c] = max([*numbers, *words, min(text_width_pt(text), HEADER_PT), 0.0])
    natural = max([text_width_pt(str(i)) for i in df.index]
                  + [text_width_pt(str(df.index.name or ""))])
    # row labels wrap at LABEL_PT, or narrower (down to LABEL_MIN_PT) if that fits the page
    room = text_width - 2 * TABCOLSEP_PT - sum(w + 2 * TABCOLSEP_PT for w in widths.values())
    label_width = min(natural, max(LABEL_MIN_PT, min(LABEL_PT, room)))
    layout = LatexLayout(digits, label_width, natural > label_width, widths, headers, keys,
                         [list(df.columns)], "table")
    layout.lines = sum(max(1, math.ceil(text_width_pt(str(i)) / max(label_width, 1.0)))
                       for i in df.index)
    if layout.width(list(df.columns)) <= text_width:
        layout.long = HEAD_PT + ROW_PT * layout.lines > text_height
        return layout
    if layout.width(list(df.columns)) <= text_height:
        layout.env = "sidewaystable"
        layout.long = HEAD_PT + ROW_PT * layout.lines > text_width
        return layout
    layout.long = HEAD_PT + ROW_PT * layout.lines > text_height
    chunks: list[list[object]] = [[]]
    for c in df.columns:
        if chunks[-1] and layout.width([*chunks[-1], c]) > text_width:
            chunks.append([])
        chunks[-1].append(c)
    layout.chunks = chunks
    return layout


def _transposed(df: pd.DataFrame) -> pd.DataFrame:
    """Rows and columns swapped, the title and the one unit kept (e.g. scenarios by 85 regions
    set as 85 rows)."""
    out = df.T
    out.index.name, out.columns.name = df.columns.name, None
    unit = next(iter(df.attrs.get("units", {}).values()), "")
    out.attrs = {**df.attrs, "units": dict.fromkeys(out.columns, unit),
                 "notes": [*df.attrs.get("notes", []),
                           "Rows and columns are swapped to fit the page."]}
    return out


def to_latex(df: pd.DataFrame, *, label: str, text_width: float = TEXT_WIDTH_PT,
             text_height: float = TEXT_HEIGHT_PT) -> str:
    """Booktabs table(s) laid out by :func:`latex_layout`: decimals per column, true minus
    signs, units under the headers (in the caption if every column has the same), NaN as an
    en dash. A table too wide for a landscape page whose columns share one unit and have
    short headers (scenarios by many regions) is set with rows and columns swapped if that
    fits the width; one too tall for the page is a ``longtable`` with the header repeated on
    every page. Needs ``\\usepackage{booktabs,array}``, ``rotating`` for landscape tables,
    ``longtable`` for long ones and ``pdflscape`` for long landscape ones (the output's first
    line says which)."""
    lay = latex_layout(df, text_width=text_width, text_height=text_height)
    # headers long enough to become keys (scenario descriptions) would wrap as row labels
    if (len(lay.chunks) > 1 and not lay.keys
            and len(set(df.attrs.get("units", {}).values())) <= 1):
        swapped = _transposed(df)
        lay_t = latex_layout(swapped, text_width=text_width, text_height=text_height)
        if len(lay_t.chunks) == 1:
            df, lay = swapped, lay_t
    units = df.attrs.get("units", {})
    title = str(df.attrs.get("title", label))
    same = {units.get(c, "") for c in df.columns}
    unit_row = len(same) > 1
    if len(same) == 1 and (u := same.pop()) and u not in title:
        title += f" ({u})"
    label_col = (rf">{{\raggedright\arraybackslash}}p{{{lay.label_width:.0f}pt}}"
                 if lay.label_wraps else "l")
    notes = [*lay.keys, *df.attrs.get("notes", [])]
    packages = ["booktabs", "array"]
    if lay.env == "sidewaystable":
        packages.append("pdflscape" if lay.long else "rotating")
    if lay.long:
        packages.append("longtable")
    out = [f"% needs \\usepackage{{{','.join(packages)}}}"]
    for n, chunk in enumerate(lay.chunks):
        caption = title if n == 0 else f"{title} (continued)"
        head = [latex_escape(df.index.name or "")] + [
            rf"\multicolumn{{1}}{{>{{\centering\arraybackslash}}p{{{lay.widths[c]:.0f}pt}}}}"
            f"{{{latex_escape(lay.headers[c])}}}" for c in chunk]
        header = [r"\toprule", " & ".join(head) + r" \\"]
        if unit_row:
            header.append(" & ".join([""] + [rf"\multicolumn{{1}}{{c}}{{\footnotesize "
                                             f"{latex_escape(units.get(c, ''))}}}"
                                             for c in chunk]) + r" \\")
        header.append(r"\midrule")
        body = []
        for idx, row in df[chunk].iterrows():
            cells = [format_number(v, lay.digits[c]) if isinstance(v, int | float)
                     else latex_escape(v) for c, v in row.items()]
            body.append(" & ".join([latex_escape(idx), *cells]) + r" \\")
        spec = label_col + "r" * len(chunk)
        last = n == len(lay.chunks) - 1
        if lay.long:
            # breaks across pages; the caption and header repeat on every page
            label_tex = rf"\label{{tab:{label}}}" if n == 0 else ""
            if lay.env == "sidewaystable":
                out.append(r"\begin{landscape}")
            out += [rf"\begin{{longtable}}{{{spec}}}",
                    rf"\caption{{{latex_escape(caption)}}}{label_tex} \\", *header,
                    r"\endfirsthead",
                    rf"\caption[]{{{latex_escape(title)} (continued)}} \\", *header,
                    r"\endhead",
                    r"\midrule",
                    rf"\multicolumn{{{len(chunk) + 1}}}{{r}}{{\footnotesize continued on the "
                    r"next page} \\",
                    r"\endfoot", r"\bottomrule", r"\endlastfoot", *body,
                    r"\end{longtable}"]
            if last:
                out += [r"{\footnotesize " + latex_escape(note) + r"\par}" for note in notes]
            if lay.env == "sidewaystable":
                out.append(r"\end{landscape}")
            out.append("")
            continue
        out += [rf"\begin{{{lay.env}}}[htbp]", r"\centering",
                rf"\caption{{{latex_escape(caption)}}}"]
        if n == 0:
            out.append(rf"\label{{tab:{label}}}")
        out += [r"\begin{tabular}{" + spec + "}", *header, *body,
                r"\bottomrule", r"\end{tabular}"]
        # what a table leaves out or abbreviates is said under it
        if last:
            out += [r"\par\footnotesize " + latex_escape(note) for note in notes]
        out += [rf"\end{{{lay.env}}}", ""]
    return "\n".join(out)


def write_latex(tables: dict[str, pd.DataFrame], folder: str | Path, *, prefix: str = ""
                ) -> list[Path]:
    """One ``<name>.tex`` per table in ``folder``; labels are ``tab:<prefix><name>``."""
    folder = Path(folder)
    # table names come from labels (regions) of the SAM: no separators into other folders
    return [write_text(folder / f"{safe_name(name, what='table name')}.tex",
                       to_latex(df, label=f"{prefix}{name}")) for name, df in tables.items()]
