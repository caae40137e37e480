"""Reporting of experiment results: tables, exports (NetCDF, CSV, Excel, LaTeX) and figures.

The Python API mirrors the command line: ``cge run`` calls :func:`write_report` after
:func:`cge.experiments.run_experiment`, ``cge report`` calls it on :func:`read_results`, and
``cge compare`` prints :func:`compare_runs`.
"""

from cge.reporting.export import read_results, to_latex, to_tidy, write_netcdf
from cge.reporting.labels import Labels, read_labels
from cge.reporting.report import FORMATS, compare_runs, parse_formats, write_report
from cge.reporting.tables import headline_indicators, headline_tables

__all__ = ["FORMATS", "Labels", "compare_runs", "headline_indicators", "headline_tables",
           "parse_formats", "read_labels", "read_results", "to_latex", "to_tidy",
           "write_netcdf", "write_report"]
