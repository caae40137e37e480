"""The study's outputs: tables (CSV, one Excel workbook), figures (SVG embedded, PDF files)
and one self-contained HTML report in Russian and English, whose ``@media print`` style lays
out the PDF :mod:`cge.study.pdf` prints from it.

Figures: location quotients (step 1); the baseline and the targets (step 2); the effects per
rouble of public money with the sensitivity intervals as bands where a sensitivity run exists,
and tile maps of every region's real GRP change when the regions are Russia's (step 3).

Every number in the HTML sits in a cell ``<td data-value="..." data-decimals="d">`` carrying
the full-precision value beside the text shown, rounded to ``d`` decimals (chosen per column:
at least three significant digits of its smallest nonzero value, at most six decimals). A
value that is not a number (a scenario that failed) shows as an em dash. The tables in the
HTML are the CSV files, row for row.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cge import __version__
from cge.outputs import atomic_path, write_bytes, write_text
from cge.reporting.figures import _lean_font_subsets, _wrap, bars_with_bands
from cge.reporting.labels import Labels, read_labels
from cge.reporting.welfare import TERMS
from cge.study.run import StudyResult
from cge.study.words import WORDS, word

LANGS = ("ru", "en")
MINUS = "\u2212"
DASH = "\u2014"


@dataclass
class Table:
    """A table of the report: ``frame`` as written to CSV; ``rows`` says how row labels are
    translated (``sector`` by the label file, ``word`` by the report's words or else as
    regions, ``none`` kept as they are)."""

    id: str
    step: int
    title: str  # key in WORDS
    frame: pd.DataFrame
    rows: str
    columns: str = "word"  # how column headers are translated: word or a label-file kind
    text: dict[str, str] = field(default_factory=dict)  # lang -> a note under the table

    def decimals(self) -> dict[str, int]:
        out = {}
        for c in self.frame.columns:
            x = pd.to_numeric(self.frame[c], errors="coerce").to_numpy(dtype=float)
            x = np.abs(x[np.isfinite(x)])
            # solver noise (1e-15 where the value is zero) does not set the decimals
            x = x[x > 1e-9 * max(1.0, x.max(initial=0.0))]
            out[c] = 0 if not len(x) else int(np.clip(2 - math.floor(math.log10(x.min())),
                                                        0, 6))
        return out


def format_number(x: float, decimals: int, lang: str) -> str:
    """``x`` rounded to ``decimals``: 1,234.5 (en) or 1 234,5 (ru), true minus sign."""
    if not np.isfinite(x):
        return DASH
    text = f"{abs(x):,.{decimals}f}"
    if lang == "ru":
        text = text.replace(",", "\u202f").replace(".", ",")
    return (MINUS if round(x, decimals) < 0 else "") + text


def tables(res: StudyResult) -> list[Table]:
    """The report's tables, in order."""
    s1, st = res.step1, res.study
    out = [
        Table("step1_macro", 1, "t_macro", s1.macro, "word", "region"),
        Table("step1_structure", 1, "t_structure", s1.structure, "sector"),
        Table("step1_multipliers", 1, "t_multipliers", s1.multipliers[[
            "output_I", "output_II", "value_added_I", "value_added_II", "income_I",
            "income_II", "backward", "forward", "key_sector"]], "sector"),
        Table("step1_sales", 1, "t_sales", s1.sales, "sector", "region"),
        Table("step1_purchases", 1, "t_purchases", s1.purchases, "sector", "region"),
        Table("step2_baseline", 2, "t_baseline", res.baseline, "none"),
    ]
    if len(res.targets):
        out.append(Table("step2_targets", 2, "t_targets", res.targets.set_index(
            ["indicator", "region", "year"]), "word"))
    info = pd.DataFrame({"kind": [i.kind for i in st.instruments],
                         "cost": [i.cost for i in st.instruments],
                         "description": [i.description for i in st.instruments]},
                        index=pd.Index([i.name for i in st.instruments], name="instrument"))
    out += [Table("step3_instruments", 3, "t_instruments", info, "none"),
            Table("step3_effects", 3, "t_effects", res.effects.drop(columns="kind"), "none")]
    if res.welfare is not None:
        out.append(Table("step3_welfare", 3, "t_welfare", res.welfare, "none"))
    if res.regional is not None:
        out.append(Table("step3_regions", 3, "t_regions", res.regional, "none", "region"))
    if res.intervals is not None:
        out.append(Table("step3_intervals", 3, "t_intervals",
                         res.intervals.set_index(["instrument", "measure"]), "none"))
    return out


def _row_label(t: Table, key: object, labels: Labels, lang: str) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for p in parts:
        p = str(p)
        if t.rows == "sector" and p == "total":
            out.append(word("total", lang))
        elif t.rows == "sector":
            out.append(labels.of("sector", p))
        elif t.rows == "none":
            out.append(p)
        else:
            out.append(word(p, lang) if p in WORDS else labels.of("region", p))
    return ", ".join(out)


def _column_label(t: Table, col: str, labels: Labels, lang: str, units: str) -> str:
    if t.columns == "region":
        return word("world", lang) if col == "ROW" and labels.of("region", col) == col \
            else labels.of("region", col)
    text = word(col, lang) if col in WORDS else col
    money = {"GRP", "EV", "EV_all", "budget", "budget_all", "cost", "output", "gva",
             "start_value", "baseline_value", "target_value", "gap", "GRP_real", *TERMS}
    return f"{text}, {units}" if col in money else text


def _cells(t: Table, labels: Labels, lang: str) -> list[list[dict]]:
    dec = t.decimals()
    rows = []
    for key, row in t.frame.iterrows():
        cells = [{"text": _row_label(t, key, labels, lang), "head": True, "value": None}]
        for c in t.frame.columns:
            v = row[c]
            if isinstance(v, str):
                cells.append({"text": word(v, lang) if v in WORDS else v, "head": False,
                              "value": None})
            else:
                x = float(v)
                cells.append({"text": format_number(x, dec[c], lang), "head": False,
                              "value": repr(x), "decimals": dec[c]})
        rows.append(cells)
    return rows


def _figure_b64(fig: Figure, pdf: Path | None) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
        if pdf is not None:
            with atomic_path(pdf) as tmp, _lean_font_subsets():
                fig.savefig(tmp, format="pdf", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _maps(res: StudyResult, labels: Labels, lang: str, folder: Path
          ) -> tuple[list[tuple[str, str]], list[str]]:
    """Tile maps of every region's real GRP change: one figure, a panel per solved instrument
    (at most MAX_MAPS) on one colour scale, with the notes under them; no map and the reason
    when no region of the study is on the grid of Russia's regions."""
    from cge.reporting.tilemap import MAX_MAPS, read_grid, tile_map_panels, tiles_of

    if res.regional is None:
        return [], []
    grid = read_grid()
    regions = list(res.regional.columns)
    if not tiles_of(regions, list(grid.index))[0]:
        return [], [word("no_maps", lang, x=", ".join(labels.of("region", r)
                                                      for r in regions))]
    solved = res.regional.dropna(how="all")
    notes = []
    if len(solved) < len(res.regional):
        notes.append(word("maps_failed", lang, x=", ".join(
            res.regional.index.difference(solved.index, sort=False))))
    if len(solved) > MAX_MAPS:
        notes.append(word("maps_left", lang, n=MAX_MAPS, x=", ".join(solved.index[MAX_MAPS:])))
    if not len(solved):
        return [], notes
    panels = tile_map_panels(
        solved.iloc[:MAX_MAPS], titles=list(solved.index[:MAX_MAPS]),
        unit_label=word("GRP_pct", lang), grid=grid,
        names={r: labels.of("region", r) for r in regions},
        notes_text={k: word(f"map_{k}", lang) for k in ("one_value", "not_drawn", "grey")})
    return [(word("f_map", lang), _figure_b64(panels[0].figure,
                                              folder / f"map_grp_{lang}.pdf"))], notes


def _figures(res: StudyResult, labels: Labels, lang: str, folder: Path
             ) -> tuple[dict[int, list[tuple[str, str]]], list[str]]:
    """Figures by step as (caption, base64 SVG), PDFs in ``folder``; notes on the maps."""
    st, units = res.study, res.units
    out: dict[int, list] = {1: [], 2: [], 3: []}
    lq = res.step1.structure["lq"].dropna().sort_values()
    fig = Figure(figsize=(7, 0.3 * len(lq) + 1.2))
    ax = fig.add_subplot()
    ax.barh([labels.of("sector", s) for s in lq.index], lq.values,
            color=["C0" if v >= 1 else "0.6" for v in lq.values])
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel(word("lq", lang))
    out[1].append((word("f_lq", lang), _figure_b64(fig, folder / f"lq_{lang}.pdf")))

    grp = res.baseline["GRP_real"]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    ax.plot(grp.index, grp.values, "o-", label=word("baseline", lang))
    for _, t in res.targets[res.targets["indicator"] == "GRP_real"].iterrows():
        years = np.arange(st.start, int(t["year"]) + 1)
        g = t["target_growth"] / 100.0
        ax.plot(years, t["start_value"] * (1 + g) ** (years - st.start), "--",
                label=f"{word('target', lang)}: {labels.of('region', t['region'])}")
    ax.set_ylabel(f"{word('GRP_real', lang)}, {units}")
    ax.set_xlabel(word("year", lang))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    out[2].append((word("f_path", lang), _figure_b64(fig, folder / f"path_{lang}.pdf")))

    measures = ("GRP_per_rouble", "EV_per_rouble", "budget_per_rouble")
    fig = Figure(figsize=(10, 0.45 * len(res.effects) + 2.0), layout="constrained")
    axes = fig.subplots(1, len(measures), sharey=True)
    caption = word("f_per_rouble", lang)
    for ax, m in zip(axes, measures, strict=True):
        central = res.effects[m]
        band = {}
        if res.intervals is not None:
            iv = res.intervals[res.intervals["measure"] == m].set_index("instrument")
            band = {"low": iv["low"], "high": iv["high"], "mean": iv["mean"]}
        bars_with_bands(ax, central, **band, labels={
            "central": word("central", lang), "band": word("band", lang),
            "mean": word("sample_mean", lang)})
        ax.set_title(_wrap(word(m, lang), 30), fontsize="medium")
        ax.set_xlabel(f"{units} / {units}")
    if res.intervals is not None:
        spec = res.study.sensitivity or {}
        caption += " " + word("f_bands", lang, level=format_number(
            100 * spec.get("level", 0.95), 0, lang) + " %")
    legend = dict(zip(*axes[0].get_legend_handles_labels()[::-1], strict=True))
    order = [word(k, lang) for k in ("central", "band", "sample_mean")
             if word(k, lang) in legend]
    fig.legend([legend[k] for k in order], order, loc="outside lower center",
               ncols=len(order), frameon=False)
    out[3].append((caption, _figure_b64(fig, folder / f"per_rouble_{lang}.pdf")))
    maps, notes = _maps(res, labels, lang, folder)
    out[3] += maps
    return out, notes


_TEMPLATE = """<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 70em;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2em 0.6em; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th { text-align: left; background: #f4f4f4; }
figure { margin: 0.5em 0 1.5em; } figure img { max-width: 100%; }
nav a { margin-right: 1em; }
section.lang { border-top: 3px solid #444; margin-top: 2em; }
p.note { font-size: 0.9em; color: #444; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  nav { display: none; }
  section.lang { border-top: none; margin-top: 0; break-before: page; }
  section.lang:first-of-type { break-before: auto; }
  table { font-size: 7.5pt; }
  thead { display: table-header-group; }
  tr, figure { break-inside: avoid; }
  figure img { max-height: 160mm; }
  h2 { break-after: avoid; }
}
</style>
</head>
<body>
<nav>{% for s in sections %}<a href="#{{ s.lang }}">{{ s.language }}</a>{% endfor %}</nav>
{% for s in sections %}
<section class="lang" id="{{ s.lang }}" lang="{{ s.lang }}">
<h1>{{ s.heading }}</h1>
<p>{{ s.description }}</p>
<p class="note">{{ s.meta }}</p>
{% for step in s.steps %}
<h2 id="{{ s.lang }}-step{{ step.n }}">{{ step.title }}</h2>
{% for p in step.notes %}<p class="note">{{ p }}</p>{% endfor %}
{% for f in step.figures %}
<figure><img alt="{{ f.caption }}" src="data:image/svg+xml;base64,{{ f.data }}">
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
{% for t in step.tables %}
<table id="{{ s.lang }}-{{ t.id }}" data-table="{{ t.id }}">
<caption>{{ t.caption }}</caption>
<thead><tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}<tr>{% for c in row %}
{%- if c.head %}<th>{{ c.text }}</th>
{%- elif c.value is not none -%}
<td data-value="{{ c.value }}" data-decimals="{{ c.decimals }}">{{ c.text }}</td>
{%- else %}<td>{{ c.text }}</td>{% endif %}
{%- endfor %}</tr>
{% endfor %}</tbody>
</table>
{% for p in t.notes %}<p class="note">{{ p }}</p>{% endfor %}
{% endfor %}
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""

def _section(res: StudyResult, all_tables: list[Table], labels: Labels, lang: str,
             figures: dict[int, list[tuple[str, str]]], map_notes: list[str]) -> dict:
    st, units = res.study, res.units
    s1 = res.step1
    notes: dict[int, list[str]] = {1: [], 2: [], 3: [word("method_note", lang, units=units)]}
    x = format_number(s1.max_imbalance, 2, lang) if s1.max_imbalance == 0 else \
        f"{s1.max_imbalance:.1e}"
    notes[1].append(word("problems_some" if s1.problems else "problems_none", lang,
                         n=len(s1.problems), x=x))
    notes[1] += list(s1.problems)
    notes[1].append(word("specialisation", lang, regions=", ".join(
        labels.of("region", r) for r in st.country),
        x=format_number(s1.specialisation, 3, lang)))
    if not len(res.targets):
        notes[2].append(word("no_targets", lang))
    table_notes = {"step3_effects": [word("ranked_by", lang, x=word(
        {"GRP": "GRP_per_rouble", "employment": "employment_per_rouble", "EV": "EV_per_rouble",
         "budget": "budget_per_rouble"}[st.rank_by], lang))]}
    if res.failed:
        table_notes["step3_effects"].append(word("failed", lang, x=", ".join(res.failed)))
    if map_notes:
        table_notes["step3_regions"] = map_notes
    if res.welfare_skipped:
        table_notes["step3_welfare"] = [word("welfare_skipped", lang, x=res.welfare_skipped)]
    if res.intervals is not None:
        spec = st.sensitivity or {}
        method = spec.get("method", "quadrature")
        table_notes["step3_intervals"] = [word(
            "intervals_note", lang, method=method,
            n=int(res.intervals["samples"].iloc[0]),
            failed=int(res.intervals["failed_samples"].iloc[0]),
            level=format_number(100 * spec.get("level", 0.95), 0, lang) + " %",
            how=word("chebyshev" if method == "quadrature" else "empirical", lang))]
    else:
        notes[3].append(word("no_sensitivity", lang))
    steps = []
    for n in (1, 2, 3):
        tabs = []
        for t in (t for t in all_tables if t.step == n):
            index_names = [str(x) for x in t.frame.index.names]
            header = [" / ".join(word(k, lang) if k in WORDS else k
                                 for k in index_names if k != "None")]
            money = res.sam_units if t.step == 1 else units
            header += [_column_label(t, str(c), labels, lang, money) for c in t.frame.columns]
            tabs.append({"id": t.id, "caption": word(t.title, lang), "header": header,
                         "rows": _cells(t, labels, lang), "notes": table_notes.get(t.id, [])})
        steps.append({"n": n, "title": word(f"step{n}", lang), "notes": notes[n],
                      "tables": tabs,
                      "figures": [{"caption": c, "data": d} for c, d in figures[n]]})
    sam = st.sam.name
    return {"lang": lang, "language": word("language", lang),
            "heading": f"{word('title', lang)}: {labels.of('region', st.region)}",
            "description": st.description,
            "meta": (f"{word('region', lang)}: {labels.of('region', st.region)}; "
                     f"{word('partners', lang)}: "
                     f"{', '.join(labels.of('region', p) for p in st.partners)}; "
                     f"{word('sam', lang)}: {sam}; {word('units', lang)}: {units}; "
                     f"{word('generated', lang)} {__version__}"),
            "steps": steps}


def write_report(res: StudyResult, out: str | Path) -> list[Path]:
    """Write the CSV tables, ``tables.xlsx``, PDF figures and ``report.html`` into ``out``."""
    out = Path(out)
    all_tables = tables(res)
    written = [write_text(out / "tables" / f"{t.id}.csv", t.frame.to_csv())
               for t in all_tables]
    with atomic_path(out / "tables.xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for t in all_tables:
            t.frame.to_excel(xw, sheet_name=t.id[:31], freeze_panes=(1, t.frame.index.nlevels))
    written.append(out / "tables.xlsx")
    labels = read_labels(res.study.labels)
    sections = []
    for lang in LANGS:
        lab = labels.in_language(lang)
        figures, map_notes = _figures(res, lab, lang, out / "figures")
        sections.append(_section(res, all_tables, lab, lang, figures, map_notes))
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(_TEMPLATE).render(title=res.study.name, sections=sections)
    written.append(write_bytes(out / "report.html", html.encode("utf-8")))
    written += sorted((out / "figures").glob("*.pdf"))
    return written
