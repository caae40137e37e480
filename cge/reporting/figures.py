"""Figures of headline results with matplotlib, drawn on the Agg canvas.

Figures are built as :class:`matplotlib.figure.Figure` objects attached to an Agg canvas
explicitly, never through ``pyplot``: no global backend is set, no GUI is needed and nothing
leaks between calls. Each function takes the headline tables of :mod:`cge.reporting.tables`
(already labelled), so figures and tables show the same numbers.
"""

from __future__ import annotations

import io
import textwrap
from contextlib import contextmanager, nullcontext
from pathlib import Path

import matplotlib
import matplotlib.image
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cge.outputs import safe_name, write_bytes
from cge.reporting.labels import Labels

FORMATS = ("png", "pdf")
#: Resolution of the PNGs (and of anything rasterised in the PDFs).
DPI = 150
#: Characters per line of tick labels and legend entries.
WRAP = 40


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _wrap(text: object, width: int = WRAP) -> str:
    return textwrap.fill(str(text), width)


def grouped_bars(df: pd.DataFrame, *, title: str, xlabel: str, horizontal: bool = False
                 ) -> Figure:
    """Bars of every column for every row of ``df`` (rows are groups); NaN bars are left out.
    Many rows or long row labels (scenario descriptions) make the bars horizontal; labels
    and legend entries are wrapped, the legend sits under the axes."""
    n_rows, n_cols = df.shape
    long = horizontal or n_rows > 8 or max((len(str(i)) for i in df.index), default=0) > 20
    legend = (0.18 * sum(len(_wrap(c).splitlines()) for c in df.columns) + 0.3
              if n_cols > 1 else 0.0)
    fig = _figure(8.0, legend + (max(3.0, 0.22 * n_rows * max(n_cols, 1) ** 0.5 + 1.5)
                                 if long else 4.5))
    ax = fig.add_subplot()
    pos = np.arange(n_rows)
    width = 0.8 / max(n_cols, 1)
    for k, col in enumerate(df.columns):
        shift = pos - 0.4 + width * (k + 0.5)
        vals = df[col].to_numpy(dtype=float)
        if long:
            ax.barh(shift, vals, height=width, label=_wrap(col))
        else:
            ax.bar(shift, vals, width=width, label=_wrap(col))
    if long:
        ax.set_yticks(pos, [_wrap(i) for i in df.index])
        ax.invert_yaxis()
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_xlabel(xlabel)
    else:
        ax.set_xticks(pos, [_wrap(i, 20) for i in df.index])
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_ylabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x" if long else "y", linewidth=0.3)
    if n_cols > 1:
        fig.legend(fontsize="small", loc="outside lower center",
                   ncols=1 if max(len(str(c)) for c in df.columns) > WRAP // 2 else 2)
    return fig


def bars_with_bands(ax, central: pd.Series, low: pd.Series | None = None,
                    high: pd.Series | None = None, mean: pd.Series | None = None, *,
                    labels: dict[str, str], colour: str = "C2") -> None:
    """Horizontal bars of ``central`` (one per row, top to bottom in its order) on ``ax`` and,
    where a sensitivity run gives them, each row's interval [``low``, ``high``] as a band over
    the bar and the sampled ``mean`` as a tick: the SSA's confidence band of the result.
    ``labels`` names the legend entries (keys ``central``, ``band``, ``mean``). A NaN row
    (a scenario that failed) keeps its place and label with no bar."""
    y = np.arange(len(central))[::-1]
    ax.barh(y, central.to_numpy(dtype=float), height=0.6, color=colour, label=labels["central"],
            gid="central")
    if low is not None and high is not None:
        lo = low.reindex(central.index).to_numpy(dtype=float)
        hi = high.reindex(central.index).to_numpy(dtype=float)
        ax.barh(y, hi - lo, left=lo, height=0.25, color="black", alpha=0.45,
                label=labels["band"], gid="band")
        if mean is not None:
            ax.plot(mean.reindex(central.index).to_numpy(dtype=float), y, "|", color="black",
                    ms=12, mew=1.5, label=labels["mean"], gid="mean")
    ax.set_yticks(y, [_wrap(i) for i in central.index])
    ax.axvline(0.0, color="black", linewidth=0.6)
    ax.grid(axis="x", linewidth=0.3)


def headline_figures(tables: dict[str, pd.DataFrame], labels: Labels) -> dict[str, Figure]:
    """Welfare by scenario (and its decomposition per region where the results have it), real
    GRP, trade-flow changes, and output by sector per region."""
    figs = {}
    w = tables["welfare"]
    pct_cols = [c for c in w.columns if c.startswith(labels.text("EV_pct"))]
    ev = w[pct_cols] if pct_cols else w
    figs["welfare"] = grouped_bars(ev, title=labels.text("welfare"),
                                   xlabel=labels.text("EV_pct") if pct_cols else
                                   labels.text("EV"))
    figs["grp"] = grouped_bars(tables["grp"], title=labels.text("grp"),
                               xlabel=labels.text("percent"))
    if tables["trade"].shape[1]:
        figs["trade"] = grouped_bars(tables["trade"].T, title=labels.text("trade"),
                                     xlabel=labels.text("percent"), horizontal=True)
    for name, df in tables.items():
        if name.startswith("output_"):
            figs[name] = grouped_bars(df, title=df.attrs.get("title", name),
                                      xlabel=labels.text("percent"), horizontal=True)
        elif name.startswith("welfare_decomposition_"):  # the terms of EV, scenario by scenario
            figs[name] = grouped_bars(df.drop(index=labels.text("EV")).T,
                                      title=df.attrs.get("title", name),
                                      xlabel=next(iter(df.attrs["units"].values()), ""),
                                      horizontal=True)
    return figs


#: OpenType layout tables left out of the fonts embedded in PDFs.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")


class _LeanSubset:
    """``fontTools.subset`` whose options also drop :data:`LAYOUT_TABLES`."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def Options(self, **kw):  # noqa: N802 (fontTools' name)
        options = self._module.Options(**kw)
        options.drop_tables += [t for t in LAYOUT_TABLES if t not in options.drop_tables]
        return options


@contextmanager
def _lean_font_subsets():
    """While saving, the TrueType (Type 42) fonts matplotlib embeds in a PDF are subset
    without their OpenType layout tables: matplotlib places every glyph itself and PDF readers
    never use them, and reading DejaVu Sans's takes most of the subsetting time (issue 21).
    A no-op if matplotlib's PDF font subsetting moves."""
    try:
        from matplotlib.backends import _backend_pdf_ps as pdf_ps
    except ImportError:
        yield
        return
    original = getattr(pdf_ps, "subset", None)
    if original is None or not hasattr(original, "Options"):
        yield
        return
    pdf_ps.subset = _LeanSubset(original)
    try:
        yield
    finally:
        pdf_ps.subset = original


def _lay_out_once(fig: Figure) -> None:
    """Run the figure's layout engine once and keep the positions it found: ``savefig`` would
    otherwise lay the figure out again, with a dry-run draw, for every file (issue 21). The
    figure is drawn as laid out from then on."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine(None)


def _png(fig: Figure, dpi: float) -> bytes:
    """The figure drawn on its Agg canvas at ``dpi``, laid out by its layout engine in the
    same draw, and encoded as ``savefig(format="png")`` encodes it (``matplotlib.image.imsave``
    of the canvas): without savefig's dry-run draw for the layout, one draw fewer per figure
    (issue 21). The layout is kept for the other formats."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    fig.set_layout_engine(None)
    buf = io.BytesIO()
    matplotlib.image.imsave(buf, canvas.buffer_rgba(), format="png", origin="upper", dpi=dpi)
    return buf.getvalue()


def save_figures(figs: dict[str, Figure], folder: str | Path, formats: tuple[str, ...] = FORMATS
                 ) -> list[Path]:
    """Write each figure in each format, laid out once for all of them (in the PNG's draw
    where there is one); PDFs embed TrueType fonts (Type 42), which journals accept and text
    tools can search, instead of matplotlib's default Type 3."""
    folder = Path(folder)
    out = []
    for name, fig in figs.items():
        safe_name(name, what="figure name")  # from SAM labels: must stay in this folder
        png = _png(fig, DPI) if "png" in formats else None
        _lay_out_once(fig)
        for fmt in formats:
            if fmt == "png":
                data = png
            else:
                buf = io.BytesIO()
                with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}), \
                        _lean_font_subsets() if fmt == "pdf" else nullcontext():
                    fig.savefig(buf, format=fmt, dpi=DPI)
                data = buf.getvalue()
            out.append(write_bytes(folder / f"{name}.{fmt}", data))
    return out
