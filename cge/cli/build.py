"""``cge sam-build ...``: build the project's SAMs from the published statistics they come from.

``cge sam-build vologda [--sources sam/sources] [--model sam/vologda] [--out sam/vologda_2021]``
rebuilds the Vologda / rest of Russia / rest of world SAM, writes it with ``REPORT.md`` (the
comparison with published figures) and ``SOURCES.md``, and prints the report. The build is
deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse


def _vologda(args: argparse.Namespace) -> int:
    from cge.sources.vologda import build_vologda_sam, write_vologda

    sam, report = build_vologda_sam(args.sources, args.model)
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
    vol.set_defaults(func=_vologda)
