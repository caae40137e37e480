"""``cge sam-build ...``: build the project's SAMs from the published statistics they come from.

``cge sam-build vologda [--sources sam/sources] [--model sam/vologda] [--out sam/vologda_2021]
[--set NAME=VALUE ...]`` rebuilds the Vologda / rest of Russia / rest of world SAM, writes it
with ``REPORT.md`` (the comparison with published figures) and ``SOURCES.md``, and prints the
report. The build is deterministic: the same inputs give the same bytes. ``--set`` overrides a
parameter of ``parameters.csv`` by name for a sensitivity build (e.g. the chemicals share of
assumption A21: ``--set output_share:chem=0.02 --out sam/vologda_2021_chem2``).

``cge sam-build partners`` (Vologda, nine partner regions, the rest of Russia and the world) and
``cge sam-build russia`` (all 85 federal subjects) build multi-region SAMs from the regional
accounts (``cge/sources/regions.py``), each with ``margins.csv``, ``REPORT.md`` and ``SOURCES.md``.

``cge sam-build vologda-margins`` writes the flagship's interregional margins (VOL <-> RUS,
``calibration/vologda_margins_distance.csv``) by the same construction: Rosstat's rates with a
distance component (assumptions R12, R13 of ``sam/regions/ASSUMPTIONS.md``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the builders are imported when a command runs
    from pathlib import Path

    from cge.sources.regions import MultiRegionBuild


def _vologda(args: argparse.Namespace) -> int:
    from cge.sources.vologda import build_vologda_sam, write_vologda

    overrides = {}
    for item in args.set or []:
        name, sep, value = item.partition("=")
        try:
            overrides[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise SystemExit(f"cge sam-build vologda: --set {item!r}: expected NAME=NUMBER, "
                             "e.g. output_share:chem=0.02")
    sam, report = build_vologda_sam(args.sources, args.model, overrides)
    out = write_vologda(sam, report, args.out)
    print(report.to_markdown())
    print(f"wrote {out}: {sam!r}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sam-build", help="build a SAM from published statistics")
    sub = parser.add_subparsers(dest="sam_build", required=True)
    vol = sub.add_parser("vologda", help="Vologda Oblast / rest of Russia / rest of world, 2021")
    vol.add_argument("--sources", default="sam/sources",
                     help="folder with rosstat/ and vologda/ source files (default sam/sources)")
    vol.add_argument("--model", default="sam/vologda",
                     help="folder with the sector map, sectors, parameters and targets "
                          "(default sam/vologda)")
    vol.add_argument("--out", default="sam/vologda_2021",
                     help="output folder (default sam/vologda_2021)")
    vol.add_argument("--set", action="append", metavar="NAME=VALUE",
                     help="override a parameter of parameters.csv for a sensitivity build "
                          "(repeatable), e.g. --set output_share:chem=0.02 (assumption A21) "
                          "--out sam/vologda_2021_chem2")
    vol.set_defaults(func=_vologda)
    register_regions(sub)
    register_municipalities(sub)
    register_flagship_margins(sub)


def _multiregion(args: argparse.Namespace) -> int:
    from cge.sources.regions import build_partners, build_russia, write_multiregion

    build = build_partners if args.sam_build == "partners" else build_russia
    b = build(args.sources, args.regions, args.model, args.margins)
    return _built(b, write_multiregion(b, args.out))


def _built(b: MultiRegionBuild, out: Path) -> int:
    """Print what a multi-region build's report found and where it wrote the SAM."""
    checks = [r for r in b.rows if r.role == "check"]
    print(f"{sum(not r.flagged for r in checks)} checks pass, {sum(r.flagged for r in checks)} "
          f"fail: {[r.name for r in checks if r.flagged]}; inputs failing: "
          f"{[r.name for r in b.rows if r.role == 'input' and r.flagged]}")
    print(f"wrote {out} (REPORT.md, SOURCES.md, margins.csv): {b.sam!r}")
    return 0


def register_regions(sub: argparse._SubParsersAction) -> None:
    """``cge sam-build partners`` and ``cge sam-build russia`` (cge/sources/regions.py)."""
    for name, help_, out in (
            ("partners", "Vologda, its nine main partner regions (2016 goods matrix), the rest "
                         "of Russia and the world, 2021", "sam/vologda_partners_2021"),
            ("russia", "all 85 federal subjects and the rest of the world, 2021",
             "sam/russia_2021")):
        p = sub.add_parser(name, help=help_)
        _regional_inputs(p, "regions table, partners, trade rules, parameters", out,
                         "output folder")
        p.set_defaults(func=_multiregion)


def _regional_inputs(p: argparse.ArgumentParser, regions_help: str, out: str,
                     out_help: str) -> None:
    """The inputs every build from the regional accounts reads, and its output."""
    p.add_argument("--sources", default="sam/sources", help="source data (default sam/sources)")
    p.add_argument("--regions", default="sam/regions",
                   help=f"{regions_help} (default sam/regions)")
    p.add_argument("--model", default="sam/vologda",
                   help="sectors, sector map and Vologda's parameters (default sam/vologda)")
    p.add_argument("--margins", default="calibration/vologda_margins_rosstat.csv",
                   help="Rosstat's transport-margin rates by sector")
    p.add_argument("--out", default=out, help=f"{out_help} (default {out})")


def _flagship_margins(args: argparse.Namespace) -> int:
    from cge.outputs import write_text
    from cge.sources.regions import flagship_margins

    fm = flagship_margins(args.sources, args.regions, args.model, args.margins)
    out = write_text(args.out, fm.to_csv())
    t = fm.table
    print(t[t["value"] > 0].to_string(index=False))
    print(f"wrote {out}: {len(t)} rows")
    return 0


def register_flagship_margins(sub: argparse._SubParsersAction) -> None:
    """``cge sam-build vologda-margins`` (cge/sources/regions.py, flagship_margins)."""
    p = sub.add_parser("vologda-margins", help="the flagship's VOL <-> RUS trade margins: "
                                               "Rosstat's rates with a distance component")
    _regional_inputs(p, "regions table, trade rules, parameters",
                     "calibration/vologda_margins_distance.csv", "output file")
    p.set_defaults(func=_flagship_margins)


def _municipalities(args: argparse.Namespace) -> int:
    from cge.sources.municipalities import build_municipalities, write_municipalities

    b = build_municipalities(args.sources, args.municipalities, args.regions, args.model,
                             args.margins)
    return _built(b, write_municipalities(b, args.out))


def register_municipalities(sub: argparse._SubParsersAction) -> None:
    """``cge sam-build municipalities`` (cge/sources/municipalities.py)."""
    out = "sam/vologda_municipalities_2021"
    p = sub.add_parser("municipalities", help="Vologda Oblast split into Cherepovets, Vologda "
                       "city, small and medium towns and rural districts, with the rest of "
                       "Russia and the world, 2021")
    p.add_argument("--municipalities", default="sam/municipalities",
                   help="units, location keys, trade rules, parameters "
                        "(default sam/municipalities)")
    _regional_inputs(p, "the partner build's regions folder", out, "output folder")
    p.set_defaults(func=_municipalities)
