"""``cge study FILE``: the three-step study of a region, written as one HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cge.cli import add_overwrite_option
from cge.outputs import default_folder, results_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="three-step study of a region: analysis, targets, "
                       "instruments (TOML), one HTML report (and PDF) in Russian and English",
                       description="Step 1: SAM diagnostics, location quotients, IO "
                       "multipliers and linkages, interregional links. Step 2: the dynamic "
                       "baseline to the target year and the gap to the targets. Step 3: every "
                       "instrument and combination in the CGE model, effects per rouble of "
                       "public money ranked, with sensitivity intervals if the file has "
                       "[sensitivity]. Writes report.html, report.pdf (printed by a headless "
                       "Chromium, when one is installed), tables/*.csv, tables.xlsx, "
                       "figures/*.pdf and the files each step ran (inputs/) to --out.")
    p.add_argument("file", help="study file, e.g. experiments/vologda_study.toml")
    p.add_argument("--out", default=None, help="output folder (default: results/<name>)")
    add_overwrite_option(p)
    p.set_defaults(func=_study)


def _study(args: argparse.Namespace) -> int:
    from cge.study import load_study, run_study, write_report
    from cge.study.pdf import find_browser, write_pdf

    study = load_study(args.file)
    out = Path(args.out) if args.out else default_folder(study.name, study.file)
    with results_folder(out, command="study", source=study.file, overwrite=args.overwrite,
                        data=study.data_files):
        res = run_study(study, out, progress=lambda line: print(line, file=sys.stderr,
                                                                flush=True))
        written = write_report(res, out)
        browser = find_browser()
        if browser is not None:
            written.append(write_pdf(out / "report.html", out / "report.pdf", browser))
    eff = res.effects
    print(f"study {study.name}: {study.description}")
    print(f"ranked by {study.rank_by} per rouble of public money ({res.units}):")
    for name, row in eff.iterrows():
        print(f"  {row['rank']:>3.0f}. {name}: GRP {row['GRP']:+.4g} ({row['GRP_pct']:+.3f} %), "
              f"per rouble {row['GRP_per_rouble']:+.4g}, EV {row['EV']:+.4g}")
    if res.failed:
        print(f"not solved: {', '.join(res.failed)}")
    print(f"wrote {len(written)} files to {out}; report: {out / 'report.html'}"
          + (f" and {out / 'report.pdf'}" if browser else ""))
    if browser is None:
        print("no PDF report: Chromium is not installed (Debian: apt-get install chromium)")
    return 0
