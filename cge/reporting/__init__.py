"""Reporting of experiment results: tables, exports (NetCDF, CSV, Excel, LaTeX) and figures.

The Python API mirrors the command line: ``cge run`` calls :func:`write_report` after
:func:`cge.experiments.run_experiment`, ``cge report`` calls it on :func:`read_results`, and
``cge compare`` prints :func:`compare_runs`.

The names below are imported from their modules on first use (PEP 562), so that importing
:mod:`cge.reporting.formats` for the command line's help does not import pandas, xarray and
matplotlib.
"""

import importlib

_MODULES = {
    "read_results": "export", "to_latex": "export", "to_tidy": "export",
    "write_netcdf": "export",
    "Labels": "labels", "read_labels": "labels",
    "FORMATS": "formats", "parse_formats": "formats",
    "compare_runs": "report", "write_report": "report",
    "headline_indicators": "tables", "headline_tables": "tables",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(importlib.import_module(f"cge.reporting.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])
