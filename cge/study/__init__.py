"""The three-step study of a region (``cge study FILE``).

* step 1, information-analytic (:mod:`cge.study.analysis`): SAM diagnostics, specialisation
  and location quotients, IO multipliers and linkages, interregional links;
* step 2, target: the dynamic baseline (:mod:`cge.dynamics`) to the target year and the gap
  to the targets;
* step 3, implementation: each instrument and combination in the CGE model, effects per rouble
  of public money ranked, with intervals from :mod:`cge.sensitivity`;

written as one HTML report in Russian and English with CSV and Excel tables
(:mod:`cge.study.report`), and as a PDF printed from it by a headless Chromium
(:mod:`cge.study.pdf`). The file format is in :mod:`cge.study.spec`.

>>> from cge.study import load_study, run_study, write_report
>>> study = load_study("experiments/toy_study.toml")
>>> res = run_study(study, "results/toy_study")      # the caller guards the folder
>>> write_report(res, "results/toy_study")
>>> write_pdf("results/toy_study/report.html", "results/toy_study/report.pdf")
"""

from cge.study.pdf import write_pdf
from cge.study.report import write_report
from cge.study.run import StudyResult, run_study
from cge.study.spec import Study, load_study

__all__ = ["Study", "StudyResult", "load_study", "run_study", "write_pdf", "write_report"]
