"""Writing a full report of a run, and comparing runs.

:func:`write_report` writes, into one folder, the formats asked for::

    results.nc          nc    the whole Dataset (read back with read_results)
    results.csv         csv   tidy: variable, scenario, dims..., value, units, kind
    tables/<name>.csv   csv   headline tables (units in the header, title and notes as # lines)
    tables.xlsx         xlsx  headline tables, scenarios, metadata
    tables/<name>.tex   tex   booktabs tables
    figures/<name>.png  png   and .pdf: welfare, GRP, trade, output by sector; tile maps of
                              real GRP by region for regions of Russia (map_grp: a panel
                              per scenario), and figures/maps.txt: what each panel shows,
                              or why there is no map

Outputs in another language than English get a suffix (``tables_ru.xlsx``, ``tables_ru/``,
``figures_ru/``), so both languages can sit side by side. :func:`compare_runs` puts the headline
indicators of several runs next to each other.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from cge.reporting.export import (
    RESULTS_FILE,
    read_results,
    write_csv,
    write_excel,
    write_latex,
    write_netcdf,
    write_tables_csv,
)
from cge.reporting.formats import FORMATS
from cge.reporting.labels import Labels
from cge.reporting.tables import headline_indicators, headline_tables


def write_report(ds: xr.Dataset, folder: str | Path, *, labels: Labels,
                 formats: tuple[str, ...] = FORMATS, regions: list[str] | None = None
                 ) -> list[Path]:
    """Write the requested formats of ``ds`` into ``folder``; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sfx = "" if labels.lang == "en" else f"_{labels.lang}"
    written: list[Path] = []
    if "nc" in formats:
        written.append(write_netcdf(ds, folder / RESULTS_FILE))
    tables = headline_tables(ds, labels, regions)
    if "csv" in formats:
        written.append(write_csv(ds, folder / "results.csv"))
        written += write_tables_csv(tables, folder / f"tables{sfx}")
    if "xlsx" in formats:
        written.append(write_excel(ds, tables, folder / f"tables{sfx}.xlsx"))
    if "tex" in formats:
        written += write_latex(tables, folder / f"tables{sfx}",
                               prefix=f"{ds.attrs.get('experiment', 'cge')}:")
    figure_formats = tuple(f for f in formats if f in ("png", "pdf"))
    if figure_formats:
        # matplotlib only for figures: a report without them does not import it (issue 21)
        from cge.reporting.figures import headline_figures, save_figures
        from cge.reporting.tilemap import write_tile_maps

        written += save_figures(headline_figures(tables, labels), folder / f"figures{sfx}",
                                figure_formats)
        written += write_tile_maps(ds, labels, folder / f"figures{sfx}", figure_formats)
    return written


def compare_runs(paths: list[str | Path]) -> pd.DataFrame:
    """Headline indicators of several runs side by side: rows (indicator, region, scenario),
    one column per run (named by its experiment, or its path if names repeat)."""
    runs = {}
    for p in paths:
        ds = read_results(p)
        name = ds.attrs.get("experiment", str(p))
        runs[str(p) if name in runs else name] = headline_indicators(ds)
    return pd.concat(runs, axis=1)
