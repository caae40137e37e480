"""Tables, figures and files of an SSA run."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and workers

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

from cge.outputs import write_bytes, write_text  # noqa: E402
from cge.sensitivity.execute import netcdf_ready  # noqa: E402
from cge.sensitivity.ssa import SSAResult  # noqa: E402


def interval_table(res: SSAResult, names: list[str] | None = None) -> pd.DataFrame:
    """One row per scenario and entry of each key result: mean, sd, intervals, and the
    parameter with the largest variance share (and that share)."""
    names = [n for n in (names or res.spec.key_results) if n in res.summary]
    rows = []
    for name in names:
        stat = res.summary[name].to_series().unstack("statistic")
        share = res.sensitivity[name].sel(measure="variance_share", drop=True)
        top = share.fillna(-1.0).idxmax("parameter").to_series()
        best = share.max("parameter").to_series()
        df = stat.join(top.rename("most_sensitive_to")).join(best.rename("its_share"))
        df.index = [" ".join(str(x) for x in (i if isinstance(i, tuple) else (i,)))
                    for i in df.index]
        df.insert(0, "result", name)
        rows.append(df)
    return pd.concat(rows)


def plot_intervals(res: SSAResult, path: str | Path, names: list[str] | None = None) -> Path:
    """Horizontal bars per scenario and entry: Chebyshev interval (thin), empirical interval
    (thick, sampled designs), mean (marker) and every sample point (dots)."""
    names = [n for n in (names or res.spec.key_results) if n in res.summary]
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 1.2 + 0.9 * sum(
        _entries(res.summary[n]) for n in names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        stat = res.summary[name].to_series().unstack("statistic")
        samples = res.results[name].sel(scenario=list(res.summary["scenario"].values))
        y = np.arange(len(stat))
        ax.hlines(y, stat["chebyshev_low"], stat["chebyshev_high"], color="0.6", lw=1.5,
                  label=f"Chebyshev {res.spec.level:.0%}")
        if stat["empirical_low"].notna().all():
            ax.hlines(y, stat["empirical_low"], stat["empirical_high"], color="C0", lw=5,
                      label=f"empirical {res.spec.level:.0%}")
        for k, idx in enumerate(stat.index):
            sel = dict(zip(stat.index.names, idx if isinstance(idx, tuple) else (idx,),
                           strict=True))
            ax.plot(samples.sel(sel).values, np.full(samples.sizes["sample"], k), ".",
                    color="C1", ms=3, alpha=0.6, label="sample points" if k == 0 else None)
        ax.plot(stat["mean"], y, "k|", ms=12, mew=2, label="mean")
        ax.set_yticks(y, [" ".join(str(x) for x in (i if isinstance(i, tuple) else (i,)))
                          for i in stat.index], fontsize=8)
        units = res.summary[name].attrs.get("units", "")
        ax.set_title(f"{name} ({units})" if units else name, fontsize=9)
        ax.set_ylim(-0.6, len(stat) - 0.4)
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="best")
    failed = len(res.failed_samples)
    fig.suptitle(f"{res.spec.name}: {res.design.method}, {res.design.size} points"
                 + (f" ({failed} failed, left out)" if failed else ""), fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix[1:], dpi=120)
    plt.close(fig)
    return write_bytes(path, buf.getvalue())


def _entries(da: xr.DataArray) -> int:
    return int(np.prod([da.sizes[d] for d in da.dims if d != "statistic"]))


def write_ssa(res: SSAResult, folder: str | Path) -> list[Path]:
    """``samples.nc`` (the key results by sample), ``summary.nc``, ``sensitivity.nc``,
    ``summary.csv`` (key results) and ``intervals.png``."""
    folder = Path(folder)
    out = [write_bytes(folder / name, bytes(netcdf_ready(ds).to_netcdf(engine="scipy")))
           for ds, name in ((res.results, "samples.nc"), (res.summary, "summary.nc"),
                            (res.sensitivity, "sensitivity.nc"))]
    out.append(write_text(folder / "summary.csv",
                          interval_table(res).to_csv(index_label="entry")))
    out.append(plot_intervals(res, folder / "intervals.png"))
    return out
