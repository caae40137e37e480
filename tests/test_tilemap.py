"""Tile maps of Russia's regions (issue 20 item 3): one coloured tile per mapped unit, the
rest of Russia on all its member tiles, regions without a tile reported, no map (with the
reason) for results that are not regions of Russia. Small frames, no solve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.colors import to_rgba

from cge.reporting import read_labels
from cge.reporting.tilemap import (
    MISSING,
    read_grid,
    tile_colours,
    tile_map,
    tile_map_figures,
    tile_map_panels,
    tiles_of,
    write_tile_maps,
)


def _tiles(tm, panel=0):
    return tile_colours(tm.figure.axes[panel])


def test_grid_is_the_85_units():
    grid = read_grid()
    assert len(grid) == 85 and {"VLG", "MOW", "SPE", "KGD", "CHU", "NEN", "KHM"} <= set(grid.index)
    assert not grid.duplicated(["row", "col"]).any()
    # the 85-region SAM's regions are the units: one tile each, ROW reported
    sam = pd.read_csv("sam/russia_2021/accounts.csv")["region"].unique().tolist()
    taken, not_drawn = tiles_of(sam, list(grid.index))
    assert len(taken) == 85 and all(v == [k] for k, v in taken.items())
    assert not_drawn == ["ROW"]


def test_one_coloured_tile_per_mapped_unit_and_unmapped_regions_reported():
    vals = pd.Series({"VLG": -1.5, "MOW": 0.4, "ROW": 0.1})
    tm = tile_map(vals, title="Real GRP", unit_label="Real GRP, % change")
    tiles = _tiles(tm)
    assert len(tiles) == 85  # every tile drawn
    grey = to_rgba(MISSING)
    coloured = {u: c for u, c in tiles.items() if not np.allclose(c, grey)}
    assert set(coloured) == {"VLG", "MOW"}
    assert tm.region_of == {"VLG": "VLG", "MOW": "MOW"}
    # the colour is the value's on the diverging scale centred at zero
    cbar_ax = tm.figure.axes[1]
    assert cbar_ax.get_ylabel() == "Real GRP, % change"
    lo, hi = cbar_ax.get_ylim()
    assert lo == pytest.approx(-1.5) and hi == pytest.approx(1.5)
    from matplotlib import colormaps
    from matplotlib.colors import CenteredNorm
    cmap, norm = colormaps["RdBu"], CenteredNorm(0.0, 1.5)
    assert np.allclose(coloured["VLG"], cmap(norm(-1.5)))
    assert np.allclose(coloured["MOW"], cmap(norm(0.4)))
    # ROW has no tile: reported under the map, not dropped silently
    assert tm.not_drawn == ["ROW"]
    text = " ".join(t.get_text() for t in tm.figure.texts)
    assert "Not on the map (no tile): ROW 0.1" in text
    labels = {t.get_text() for t in tm.figure.axes[0].texts}
    assert {"VLG", "MOW", "KGD"} <= labels


def test_rest_of_russia_colours_all_its_member_tiles():
    vals = pd.Series({"VLG": 2.0, "MOW": -0.5, "SPE": 0.1, "RUS": -0.25, "ROW": 0.0})
    tm = tile_map(vals, title="t", unit_label="%")
    tiles = _tiles(tm)
    rus = [u for u, r in tm.region_of.items() if r == "RUS"]
    assert len(rus) == 82 and "VLG" not in rus and "KGD" in rus
    from matplotlib import colormaps
    from matplotlib.colors import CenteredNorm
    want = colormaps["RdBu"](CenteredNorm(0.0, 2.0)(-0.25))
    assert all(np.allclose(tiles[u], want) for u in rus)
    assert tm.values["KGD"] == -0.25 and tm.not_drawn == ["ROW"]
    assert any("82 tiles" in n for n in tm.notes)


def test_small_multiples_share_one_scale_and_keep_each_panels_notes():
    # three scenarios (rows) of a VOL / RUS / ROW model: one figure, one colour bar
    frame = pd.DataFrame({"VOL": [1.0, -3.0, 0.5], "RUS": [0.1, 0.2, -0.05],
                          "ROW": [0.0, 0.3, 0.1]}, index=["a", "b", "c"])
    panels = tile_map_panels(frame, titles=["A", "B", "C"], unit_label="%")
    assert len(panels) == 3 and len({id(p.figure) for p in panels}) == 1
    fig = panels[0].figure
    assert len(fig.axes) == 4 and fig.axes[3].get_ylabel() == "%"  # 3 panels and the bar
    lo, hi = fig.axes[3].get_ylim()
    assert lo == pytest.approx(-3.0) and hi == pytest.approx(3.0)  # the largest |value|
    from matplotlib import colormaps
    from matplotlib.colors import CenteredNorm
    cmap, norm = colormaps["RdBu"], CenteredNorm(0.0, 3.0)
    for k, (_, row) in enumerate(frame.iterrows()):
        tiles = _tiles(panels[k], panel=k)
        assert np.allclose(tiles["VLG"], cmap(norm(row["VOL"])))
        assert np.allclose(tiles["KGD"], cmap(norm(row["RUS"])))
        assert panels[k].not_drawn == ["ROW"]
        # each panel says what its rest of Russia and ROW are, under it
        below = " ".join(t.get_text() for t in fig.axes[k].texts)
        assert format(row["RUS"], ".3g") in below and "ROW " + format(row["ROW"], ".3g") in below
    # tile codes on the first panel only: the others are the same grid
    assert {"VLG", "KGD"} <= {t.get_text() for t in fig.axes[0].texts}
    assert "KGD" not in {t.get_text() for t in fig.axes[1].texts}


def _ds(regions, values):
    scen = ["benchmark", "cut"]
    data = np.array([[0.0] * len(regions), values])
    return xr.Dataset(
        {"pct_GRP_real": (("scenario", "region"), data),
         "status": (("scenario",), ["benchmark", "ok"]),
         "description": (("scenario",), ["", "trade costs halved"])},
        coords={"scenario": scen, "region": regions})


def test_report_maps_regions_of_russia_and_says_why_not_otherwise():
    labels = read_labels(None)
    figs, notes = tile_map_figures(_ds(["VOL", "RUS", "ROW"], [1.0, -0.1, 0.2]), labels)
    assert list(figs) == ["map_grp"] and "ROW" in notes[0] and "84 tiles" in notes[0]
    figs, notes = tile_map_figures(_ds(["A", "B"], [1.0, -1.0]), labels)
    assert figs == {} and "none of the regions A, B" in notes[0]


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_maps_written_with_their_notes_and_truetype_fonts(tmp_path):
    labels = read_labels(None)
    out = write_tile_maps(_ds(["VLG", "MOW", "RUS", "ROW"], [1.0, 0.5, -0.1, 0.2]), labels,
                          tmp_path, ("pdf",))
    assert [p.name for p in out] == ["map_grp.pdf", "maps.txt"]
    data = out[0].read_bytes()
    assert b"/CIDFontType2" in data and b"/Type3" not in data
    assert (tmp_path / "maps.txt").read_text().startswith("map_grp panel 1: scenario cut; RUS")
