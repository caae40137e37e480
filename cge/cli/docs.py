"""``cge docs model``: the model reference (Markdown) generated from the code.

``cge docs model [--sam DIR --elasticities CSV | --experiment FILE] [--out docs/model.md]``
builds the model (the toy SAM by default) and renders every block's maths, sets, parameters,
variables and equations (:mod:`cge.docs`). Without ``--out`` the page goes to stdout. Problems
:func:`cge.docs.check_model_docs` finds are printed to stderr and make the command fail.
"""

from __future__ import annotations

import argparse
import sys


def _model(args: argparse.Namespace) -> int:
    from cge.docs import build_reference_model, check_model_docs, model_reference

    if args.experiment and (args.sam or args.elasticities):
        print("cge docs model: give either --experiment or --sam/--elasticities",
              file=sys.stderr)
        return 2
    m, instance = build_reference_model(sam=args.sam, elasticities=args.elasticities,
                                        experiment=args.experiment)
    text = model_reference(m, instance)
    if args.out:
        from pathlib import Path

        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out} ({len(m.symbols)} symbols)")
    else:
        sys.stdout.write(text)
    problems = check_model_docs(m)
    for p in problems:
        print(f"cge docs: {p}", file=sys.stderr)
    return 1 if problems else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("docs", help="generate documentation from the code")
    sub = parser.add_subparsers(dest="docs", required=True)
    model = sub.add_parser("model", help="model reference: blocks, maths, sets and symbols",
                           description="Build the model and write its reference in Markdown.")
    model.add_argument("--sam", help="SAM folder (default: the toy SAM sam/toy2r)")
    model.add_argument("--elasticities",
                       help="elasticity CSV (default: calibration/toy_elasticities.csv)")
    model.add_argument("--experiment",
                       help="take SAM, elasticities, margins and closure from an experiment file")
    model.add_argument("--out", help="output file, e.g. docs/model.md (default: stdout)")
    model.set_defaults(func=_model)
