"""``cge sam ...``: check, balance, summarise, aggregate and convert social accounting matrices.

A SAM is given as a folder of CSV files (``accounts.csv``, ``cells.csv``) or an ``.xlsx``
workbook; outputs ending in ``.xlsx`` are written as workbooks, anything else as a folder.
``check`` also runs the model's reading of the SAM (accounts it needs, flows it has no place
for, balance at calibration's tolerance), so a SAM that passes is one ``cge run`` can read.
Exit status: 0 clean, 1 the SAM has problems (``check``), 2 bad input (printed with file, line,
account and cell, without a traceback).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cge.errors import InputError

if TYPE_CHECKING:
    from cge.sam.core import SAM

# The SAM toolkit (pandas) is imported by the commands that use it, so that ``cge --help``
# starts fast.


def write_sam(sam: SAM, out: str | Path) -> Path:
    """Write a SAM as a workbook if ``out`` ends in ``.xlsx``, else as a CSV folder."""
    from cge.sam.io import write_csv, write_excel

    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        return write_excel(sam, out)
    return write_csv(sam, out)


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    from cge.calibration.calibrate import readability_problems
    from cge.config import ModelConfig
    from cge.sam.io import read_sam
    from cge.sam.validate import check

    sam = read_sam(args.file)
    problems = check(sam, rtol=args.rtol, atol=args.atol)
    # What calibration would refuse, so that a SAM passing check is one `cge run` can read;
    # not repeated: an account already reported unbalanced, a forbidden cell as unused.
    config = ModelConfig(tariff_accounts=tuple(args.tariff_accounts))
    seen = {(p.code, p.where) for p in problems}
    forbidden = {p.where for p in problems if p.code == "forbidden-flow"}
    problems += [p for p in readability_problems(sam, config) if (p.code, p.where) not in seen
                 and not (p.code == "unsupported-flow" and p.where in forbidden)]
    print(f"{args.file}: {sam!r}")
    for p in problems:
        print(f"  {p}")
    counts = pd.Series([p.code for p in problems], dtype=str).value_counts()
    if problems:
        print(f"{len(problems)} problem(s): "
              + ", ".join(f"{n} {code}" for code, n in counts.items()))
        return 1
    print(f"ok: balanced within rtol {args.rtol:g}, all flows allowed, all regions complete, "
          "readable by the model")
    return 0


def _balance(args: argparse.Namespace) -> int:
    from cge.sam.balance import balance, read_cell_values, read_fixed, read_targets
    from cge.sam.io import read_sam

    sam = read_sam(args.file)
    fixed = read_fixed(args.fixed, sam) if args.fixed else None
    weights = read_cell_values(args.weights, sam, "weight") if args.weights else None
    targets = read_targets(args.targets, sam) if args.targets else None
    result = balance(sam, method=args.method, fixed=fixed, weights=weights, targets=targets,
                     tol=args.tol)
    print(result.report(top=args.top))
    out = write_sam(result.sam, args.out)
    print(f"wrote {out}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    import pandas as pd

    from cge.sam.io import read_sam
    from cge.sam.macro import check_macro, macro_summary

    sam = read_sam(args.file)
    table = macro_summary(sam)
    print(f"{args.file}: {sam!r}")
    with pd.option_context("display.width", 200, "display.max_rows", 200,
                           "display.float_format", "{:,.6g}".format):
        print(table.T.to_string())
    problems = check_macro(sam)
    for p in problems:
        print(f"  {p}")
    return 1 if problems else 0


def _aggregate(args: argparse.Namespace) -> int:
    from cge.sam.aggregate import aggregate, read_mapping
    from cge.sam.io import read_sam

    sam = read_sam(args.file)
    if not args.sectors and not args.regions:
        raise InputError("cge sam aggregate: give --sectors and/or --regions")
    out_sam = aggregate(sam, accounts=read_mapping(args.sectors) if args.sectors else None,
                        regions=read_mapping(args.regions) if args.regions else None)
    out = write_sam(out_sam, args.out)
    print(f"{sam!r}\n  -> {out_sam!r}\nwrote {out}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from cge.sam.io import read_sam

    sam = read_sam(args.file)
    out = write_sam(sam, args.out)
    print(f"wrote {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sam`` command group."""
    group = subparsers.add_parser("sam", help="social accounting matrices",
                                  description=__doc__.splitlines()[0])
    sub = group.add_subparsers(dest="sam_command", required=True)

    p = sub.add_parser("check", help="validate a SAM (exit 1 if it has problems)")
    p.add_argument("file", help="SAM folder or .xlsx")
    p.add_argument("--rtol", type=float, default=1e-6, help="relative balance tolerance")
    p.add_argument("--atol", type=float, default=1e-9, help="absolute balance tolerance")
    p.add_argument("--tariff-accounts", nargs="+", default=["tariff"], metavar="ACCOUNT",
                   help="tax accounts collecting import tariffs, as the experiment's "
                   "[model] tariff_accounts (default: tariff)")
    p.set_defaults(func=_check)

    p = sub.add_parser("balance", help="balance a SAM")
    p.add_argument("file", help="SAM folder or .xlsx")
    p.add_argument("--method", default="ras",
                   choices=["ras", "least-squares", "least-absolute", "cross-entropy"])
    p.add_argument("--out", required=True, help="output folder or .xlsx")
    p.add_argument("--fixed", help="CSV of cells held fixed: row_region,row_account,"
                   "col_region,col_account")
    p.add_argument("--weights", help="CSV of reliability weights: row_region,row_account,"
                   "col_region,col_account,weight")
    p.add_argument("--targets", help="CSV of target totals: region,account,total")
    p.add_argument("--tol", type=float, default=1e-10, help="balance tolerance (relative)")
    p.add_argument("--top", type=int, default=15, help="how many changes to list")
    p.set_defaults(func=_balance)

    p = sub.add_parser("summary", help="GRP three ways and trade balances per region")
    p.add_argument("file", help="SAM folder or .xlsx")
    p.set_defaults(func=_summary)

    p = sub.add_parser("aggregate", help="merge sectors and/or regions")
    p.add_argument("file", help="SAM folder or .xlsx")
    p.add_argument("--sectors", help="CSV mapping from,to of sector or account names")
    p.add_argument("--regions", help="CSV mapping from,to of region names")
    p.add_argument("--out", required=True, help="output folder or .xlsx")
    p.set_defaults(func=_aggregate)

    p = sub.add_parser("convert", help="convert between CSV folder and .xlsx")
    p.add_argument("file", help="SAM folder or .xlsx")
    p.add_argument("out", help="output folder or .xlsx")
    p.set_defaults(func=_convert)
