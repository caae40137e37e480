"""Tile maps of Russia's regions: one square per federal subject, coloured by a result.

The layout is ``sam/sources/regions/rus_grid_reg2.csv`` (85 tiles, OKATO codes; provenance in
``sam/sources/SOURCES.md``); tiles are labelled with the unit codes of ``sam/regions/regions.csv``
(ISO 3166-2:RU without ``RU-``), the region codes of the partner-region and 85-region SAMs
(``cge sam-build partners`` / ``russia``). A model region maps to tiles:

* a unit code (``VLG``, ``MOW``, ...) to its tile;
* the flagship's ``VOL`` to Vologda's tile (``FLAGSHIP_REGIONS`` of :mod:`cge.sources.regions`);
* ``RUS`` (rest of Russia) to every tile that no other region of the model takes: all its member
  tiles get its one value;
* anything else (``ROW``, a toy model's regions) to no tile: it is reported as not drawn.

A map is drawn only if some model region maps to a tile; otherwise :func:`tile_map_figures`
says why there is none. Colours are diverging and centred at zero (``RdBu``: red for a fall,
blue for a rise), with a labelled colour bar.

A report's maps are small multiples: one figure, ``map_grp``, with a panel per scenario on one
colour scale, so that a colour means the same change in every panel and scenarios compare at a
glance (and one figure costs a fraction of a figure per scenario to lay out, draw and embed
fonts in: issue 21). Tiles are one collection per panel rather than a patch each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import CenteredNorm, to_rgba
from matplotlib.patches import Rectangle

from cge.reporting.figures import _figure, _wrap
from cge.reporting.labels import Labels
from cge.reporting.tables import scenario_label

DATA = Path(__file__).resolve().parents[2] / "sam"
GRID_FILE = DATA / "sources" / "regions" / "rus_grid_reg2.csv"
UNITS_FILE = DATA / "regions" / "regions.csv"
#: model regions that stand for one unit under another code (the flagship's Vologda)
ALIASES = {"VOL": "VLG"}
#: the model region that takes every tile no other region takes
REST = "RUS"
#: panels (scenarios) per run report at most; the rest are listed as not drawn
MAX_MAPS = 12
#: panels side by side in a report's small multiples, and the figure's name
PANEL_COLUMNS = 2
MAP_FIGURE = "map_grp"
CMAP = "RdBu"
MISSING = "#d9d9d9"
#: the notes under a map, in English; a report in another language passes its own
NOTES = {"one_value": "{name}: one value ({value}) on its {n} tiles",
         "not_drawn": "Not on the map (no tile): {regions}",
         "grey": "Grey: {n} regions not in the model"}


def read_grid(grid_file: str | Path = GRID_FILE, units_file: str | Path = UNITS_FILE
              ) -> pd.DataFrame:
    """Tiles indexed by unit code: ``row``, ``col``, ``name_short``, ``name_long``."""
    grid = pd.read_csv(grid_file)
    units = pd.read_csv(units_file, comment="#")
    code = dict(zip(units["okato"], units["code"], strict=True))
    missing = sorted(set(grid["code"]) - set(code))
    if missing:
        raise ValueError(f"{grid_file}: OKATO codes not in {units_file}: {missing}")
    grid.index = pd.Index([code[c] for c in grid["code"]], name="unit")
    if grid.duplicated(["row", "col"]).any():
        raise ValueError(f"{grid_file}: two regions on one tile")
    return grid[["row", "col", "name_short", "name_long"]]


def tiles_of(regions: list[str], units: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Which tiles each model region colours, and the model regions with no tile."""
    taken: dict[str, list[str]] = {}
    for r in regions:
        unit = ALIASES.get(r, r)
        if r != REST and unit in units:
            taken[r] = [unit]
    if REST in regions and taken:
        used = {u for us in taken.values() for u in us}
        taken[REST] = [u for u in units if u not in used]
    return taken, [r for r in regions if r not in taken]


def _norm(tile_values: list[pd.Series]) -> CenteredNorm:
    """The diverging scale centred at zero that spans every finite value of the maps."""
    finite = [abs(v[np.isfinite(v)]) for v in tile_values]
    half = max((float(f.max()) for f in finite if len(f)), default=0.0)
    return CenteredNorm(vcenter=0.0, halfrange=half or 1.0)


def tile_colours(ax) -> dict[str, tuple[float, ...]]:
    """The colour of each tile drawn on ``ax`` by unit code (RGBA)."""
    tiles = next(c for c in ax.collections if (c.get_gid() or "").startswith("tiles:"))
    units = tiles.get_gid().removeprefix("tiles:").split(",")
    return {u: tuple(c) for u, c in zip(units, tiles.get_facecolors(), strict=True)}


def _draw_tiles(ax, grid: pd.DataFrame, tile_vals: pd.Series, norm: CenteredNorm, *,
                fontsize: float | None) -> None:
    """The grid's tiles on ``ax`` in one collection (its gid lists the units, in order),
    coloured by ``tile_vals`` (grey where missing), each labelled with its unit code unless
    ``fontsize`` is None. The labels sit inside the axes, so they are left out of the
    layout's measurements."""
    vals = tile_vals.reindex(grid.index).to_numpy(dtype=float)
    drawn = np.isfinite(vals)
    colours = np.tile(to_rgba(MISSING), (len(vals), 1))
    dark = np.zeros(len(vals), dtype=bool)
    if drawn.any():
        scaled = np.asarray(norm(vals[drawn]), dtype=float)
        colours[drawn] = colormaps[CMAP](scaled)
        dark[drawn] = abs(scaled - 0.5) > 0.3
    tiles = PatchCollection([Rectangle((c - 0.46, r - 0.46), 0.92, 0.92)
                             for r, c in zip(grid["row"], grid["col"], strict=True)],
                            facecolors=colours, edgecolors="white", linewidths=0.8)
    tiles.set_gid("tiles:" + ",".join(grid.index))
    ax.add_collection(tiles, autolim=False)
    if fontsize is not None:
        for u, r, c, d in zip(grid.index, grid["row"], grid["col"], dark, strict=True):
            ax.text(c, r, u, ha="center", va="center", fontsize=fontsize,
                    color="white" if d else "black", in_layout=False)
    ax.set_xlim(grid["col"].min() - 0.6, grid["col"].max() + 0.6)
    ax.set_ylim(grid["row"].max() + 0.6, grid["row"].min() - 0.6)  # row 1 at the top
    ax.set_aspect("equal")
    ax.axis("off")


@dataclass
class TileMap:
    """A drawn map: ``values`` per tile (unit code), the model region each tile shows, the model
    regions not drawn (no tile), and the caption's note saying so."""

    figure: object
    values: pd.Series
    region_of: dict[str, str]
    not_drawn: list[str]
    notes: list[str] = field(default_factory=list)


def _placed(values: pd.Series, units: list[str], names: dict[str, str],
            say: dict[str, str]) -> tuple[pd.Series, dict[str, str], list[str], list[str]]:
    """Where ``values`` (by model region) go on the tiles ``units``: the value of each tile,
    the model region each tile shows, the model regions not drawn, and the notes saying so."""
    taken, not_drawn = tiles_of([str(r) for r in values.index], units)
    region_of = {u: r for r, us in taken.items() for u in us}
    tile_vals = pd.Series({u: float(values[r]) for u, r in region_of.items()}, dtype=float)
    notes = []
    for r, us in taken.items():
        if len(us) > 1:
            notes.append(say["one_value"].format(name=names.get(r, r), n=len(us),
                                                 value=format(float(values[r]), ".3g")))
    if not_drawn:
        notes.append(say["not_drawn"].format(regions=", ".join(
            f"{names.get(r, r)} {format(float(values[r]), '.3g')}" for r in not_drawn)))
    grey = [u for u in units if u not in region_of]
    if grey:
        notes.append(say["grey"].format(n=len(grey)))
    return tile_vals, region_of, not_drawn, notes


def tile_map(values: pd.Series, *, title: str, unit_label: str,
             grid: pd.DataFrame | None = None, names: dict[str, str] | None = None,
             notes_text: dict[str, str] | None = None) -> TileMap:
    """Draw ``values`` (indexed by model region) on the tile grid. Tiles of no model region are
    grey; model regions with no tile are listed under the map (and in ``not_drawn``), in the
    words of ``notes_text`` (the keys of :data:`NOTES`)."""
    grid = read_grid() if grid is None else grid
    tile_vals, region_of, not_drawn, notes = _placed(values, list(grid.index), names or {},
                                                     {**NOTES, **(notes_text or {})})
    fig = _figure(10.0, 6.8)
    ax = fig.add_subplot()
    norm = _norm([tile_vals])
    _draw_tiles(ax, grid, tile_vals, norm, fontsize=6.5)
    ax.set_title(_wrap(title, 90))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colormaps[CMAP]), ax=ax, shrink=0.7,
                       pad=0.01)
    bar.set_label(unit_label)
    if notes:
        fig.text(0.01, 0.01, "; ".join(notes), fontsize=7, ha="left", va="bottom", wrap=True)
    return TileMap(fig, tile_vals, region_of, not_drawn, notes)


def tile_map_panels(frame: pd.DataFrame, *, titles: list[str], unit_label: str,
                    grid: pd.DataFrame | None = None, names: dict[str, str] | None = None,
                    notes_text: dict[str, str] | None = None) -> list[TileMap]:
    """Small multiples: one panel per row of ``frame`` (columns are model regions) titled by
    ``titles``, in one figure on one colour scale with one colour bar; each panel's notes
    (the words of ``notes_text``) are printed under it. The first panel names the tiles (the
    others are the same grid: 85 labels a panel would cost more to draw than the rest of the
    figure). Returns a :class:`TileMap` per panel, all sharing the figure."""
    grid = read_grid() if grid is None else grid
    say = {**NOTES, **(notes_text or {})}
    placed = [_placed(row, list(grid.index), names or {}, say) for _, row in frame.iterrows()]
    n = len(placed)
    cols = min(n, PANEL_COLUMNS)
    rows = -(-n // cols)
    # a panel is 18 x 11 tiles; its title and notes take about an inch
    fig = _figure(10.0, rows * (10.0 / cols * 11 / 18 * 0.92 + 1.0) + 0.3)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    norm = _norm([p[0] for p in placed])
    out = []
    for k, (ax, title, (tile_vals, region_of, not_drawn, notes)) in enumerate(
            zip(axes, titles, placed, strict=False)):
        _draw_tiles(ax, grid, tile_vals, norm,
                    fontsize=None if k else 5.0 if cols > 1 else 6.5)
        ax.set_title(_wrap(title, 110 // cols), fontsize="small")
        if notes:
            ax.text(0.0, 0.0, _wrap("; ".join(notes), 130 // cols), transform=ax.transAxes,
                    fontsize=6, ha="left", va="top")
        out.append(TileMap(fig, tile_vals, region_of, not_drawn, notes))
    for ax in axes[n:]:
        fig.delaxes(ax)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colormaps[CMAP]), ax=list(axes[:n]),
                       shrink=0.6, pad=0.01)
    bar.set_label(unit_label)
    return out


def tile_map_figures(ds: xr.Dataset, labels: Labels, *, variable: str = "pct_GRP_real"
                     ) -> tuple[dict[str, object], list[str]]:
    """Maps of ``variable`` (real GRP, % change) for results whose regions map to the grid:
    one figure, :data:`MAP_FIGURE`, with a panel per solved scenario (at most MAX_MAPS) on one
    colour scale; otherwise no figure and the reason, in the notes."""
    if variable not in ds or "region" not in ds[variable].dims:
        return {}, [f"no tile maps: the results have no {variable} by region"]
    regions = [str(r) for r in ds["region"].values]
    grid = read_grid()
    taken, not_drawn = tiles_of(regions, list(grid.index))
    if not taken:
        return {}, [f"no tile maps: none of the regions {', '.join(regions)} is a region of "
                    "Russia on the tile grid (codes of sam/regions/regions.csv, VOL, or RUS "
                    "beside them)"]
    scen = [str(s) for s in ds["scenario"].values if str(s) != "benchmark"]
    failed = []
    if "status" in ds:
        failed = [s for s in scen if str(ds["status"].sel(scenario=s).values) != "ok"]
        scen = [s for s in scen if s not in failed]
    names = {r: labels.of("region", r) for r in regions}
    mapped = scen[:MAX_MAPS]
    figs, notes, panels = {}, [], []
    if mapped:
        frame = ds[variable].sel(scenario=mapped).transpose("scenario", "region").to_pandas()
        panels = tile_map_panels(frame, titles=[scenario_label(ds, labels, s) for s in mapped],
                                 unit_label=labels.text("grp"), grid=grid, names=names)
        figs[MAP_FIGURE] = panels[0].figure
    for k, (s, m) in enumerate(zip(mapped, panels, strict=True)):
        notes.append(f"{MAP_FIGURE} panel {k + 1}: scenario {s}"
                     + "".join(f"; {n}" for n in m.notes))
    if len(scen) > MAX_MAPS:
        notes.append(f"scenarios {', '.join(scen[MAX_MAPS:])} not mapped: at most {MAX_MAPS} "
                     "panels per report")
    if failed:
        notes.append(f"scenarios {', '.join(failed)} not mapped: not solved")
    return figs, notes


def write_tile_maps(ds: xr.Dataset, labels: Labels, folder: str | Path,
                    formats: tuple[str, ...]) -> list[Path]:
    """Save the maps of :func:`tile_map_figures` and ``maps.txt`` (what each map shows, which
    regions are not drawn, or why there is no map)."""
    from cge.outputs import write_text
    from cge.reporting.figures import save_figures

    figs, notes = tile_map_figures(ds, labels)
    folder = Path(folder)
    out = save_figures(figs, folder, formats)
    out.append(write_text(folder / "maps.txt", "\n".join(notes) + "\n"))
    return out
