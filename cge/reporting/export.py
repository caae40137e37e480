"""Writing and reading results: NetCDF, tidy CSV, Excel and LaTeX.

* :func:`write_netcdf` / :func:`read_results`: the whole Dataset, NetCDF 3 via the scipy engine
  (no extra dependency); strings, units, descriptions and traceability attrs round-trip.
* :func:`to_tidy` / :func:`write_csv`: one row per variable, index and scenario.
* :func:`write_excel`: one sheet per headline table, plus ``scenarios`` (status, description,
  solve) and ``metadata`` (the Dataset attrs).
* :func:`write_latex`: one booktabs table per headline table, written here rather than through
  pandas' Styler so no template engine is needed.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import xarray as xr

from cge.errors import InputError, Location, Problem
from cge.outputs import safe_name, write_bytes, write_text

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
    dimension (empty where the variable does not have it), value, units, kind."""
    frames = []
    for name, da in ds.data_vars.items():
        if "scenario" not in da.dims or da.dtype.kind not in "fi":
            continue
        df = da.to_series().rename("value").reset_index()
        df.insert(0, "variable", str(name))
        df["units"] = da.attrs.get("units", "")
        df["kind"] = da.attrs.get("kind", "")
        frames.append(df)
    tidy = pd.concat(frames, ignore_index=True)
    dims = [d for d in ds.dims if d != "scenario" and d in tidy.columns]
    return tidy[["variable", "scenario", *dims, "value", "units", "kind"]].fillna(
        {d: "" for d in dims})


def write_csv(ds: xr.Dataset, path: str | Path) -> Path:
    return write_text(path, to_tidy(ds).to_csv(index=False))


def run_table(ds: xr.Dataset) -> pd.DataFrame:
    """Status and solve information per scenario."""
    cols = {n: ds[n].values for n in RUN_VARIABLES if n in ds}
    return pd.DataFrame(cols, index=pd.Index(ds["scenario"].values, name="scenario"))


def write_excel(ds: xr.Dataset, tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Workbook: a sheet per headline table (title in the first row), scenarios, metadata."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in tables.items():
            sheet = name[:31]  # Excel's limit on sheet names
            df.to_excel(xl, sheet_name=sheet, startrow=1)
            xl.sheets[sheet].cell(row=1, column=1, value=df.attrs.get("title", name))
            for n, note in enumerate(df.attrs.get("notes", [])):
                xl.sheets[sheet].cell(row=len(df) + 4 + n, column=1, value=note)
        run_table(ds).to_excel(xl, sheet_name="scenarios")
        meta = pd.DataFrame({"value": [str(v) for v in ds.attrs.values()]},
                            index=pd.Index(list(ds.attrs), name="attribute"))
        meta.to_excel(xl, sheet_name="metadata")
    return write_bytes(path, buf.getvalue())


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "\u2192": r"$\to$"}


def latex_escape(text: object) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def to_latex(df: pd.DataFrame, *, label: str, digits: int = 2) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``); NaN prints as an en dash."""
    def fmt(x: object) -> str:
        if isinstance(x, float):
            return "--" if math.isnan(x) else f"{x:,.{digits}f}".replace(",", "{,}")
        return latex_escape(x)

    head = [latex_escape(df.index.name or "")] + [latex_escape(c) for c in df.columns]
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(df.attrs.get('title', label))}}}",
        rf"\label{{tab:{label}}}",
        r"\begin{tabular}{l" + "r" * len(df.columns) + "}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
    ]
    for idx, row in df.iterrows():
        lines.append(" & ".join([latex_escape(idx)] + [fmt(v) for v in row]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    # what a table leaves out is said under it (e.g. flows without a benchmark value)
    lines += [r"\par\footnotesize " + latex_escape(note) for note in df.attrs.get("notes", [])]
    lines += [r"\end{table}", ""]
    return "\n".join(lines)


def write_latex(tables: dict[str, pd.DataFrame], folder: str | Path, *, prefix: str = ""
                ) -> list[Path]:
    """One ``<name>.tex`` per table in ``folder``; labels are ``tab:<prefix><name>``."""
    folder = Path(folder)
    # table names come from labels (regions) of the SAM: no separators into other folders
    return [write_text(folder / f"{safe_name(name, what='table name')}.tex",
                       to_latex(df, label=f"{prefix}{name}")) for name, df in tables.items()]
