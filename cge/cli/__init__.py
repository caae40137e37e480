"""Command-line interface: ``cge <group> <command> ...``.

Each command group lives in its own module exposing ``register(subparsers)``. Errors the
framework raises on purpose (:class:`cge.errors.CGEError`) are printed without a traceback and
exit with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cge import __version__
from cge.errors import CGEError

GROUPS = ("cge.cli.sam", "cge.cli.build", "cge.cli.run", "cge.cli.docs", "cge.cli.report",
          "cge.cli.io", "cge.cli.dynamic", "cge.cli.sensitivity")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="cge", description="Regional CGE modelling framework")
    parser.add_argument("--version", action="version", version=f"cge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CGEError as exc:
        print(f"cge: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
