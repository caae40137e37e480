"""Command-line interface: ``cge <group> <command> ...``.

Each command group lives in its own module exposing ``register(subparsers)``. Errors the
framework raises on purpose (:class:`cge.errors.CGEError`) are printed without a traceback and
exit with status 2; anything else is a bug and keeps its traceback. Ctrl-C prints one line
(what finished, where it is kept, how to go on) and exits with status 130.
"""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
from collections.abc import Sequence

from cge import __version__
from cge.errors import CGEError
from cge.outputs import Interrupted

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def add_overwrite_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overwrite", action="store_true",
                   help="write into --out even if it holds results of another run (another "
                   "input file or version of it, or other options); by default that is "
                   "refused, while the same command on the same input may resume there")


def scenario_options(names: list[str] | None) -> list[str]:
    """``--scenario`` options in a canonical order (part of a results folder's identity)."""
    return [x for n in sorted(set(names or ())) for x in ("--scenario", n)]


def interrupted_line(exc: KeyboardInterrupt, argv: Sequence[str]) -> str:
    """The one line printed after Ctrl-C: what finished, and the command that goes on."""
    again = shlex.join(["cge", *argv])
    if isinstance(exc, Interrupted):
        return (f"cge: {exc}; the rest did not run; to resume, run the same command again: "
                f"{again}")
    return (f"cge: interrupted; files written before are complete, nothing is half-written; "
            f"run again: {again}")

GROUPS = ("cge.cli.sam", "cge.cli.build", "cge.cli.run", "cge.cli.docs", "cge.cli.report",
          "cge.cli.io", "cge.cli.dynamic", "cge.cli.sensitivity", "cge.cli.study")


#: Thresholds of the garbage collector's generations while ``cge`` runs as the program.
GC_THRESHOLDS = (10_000, 20, 10)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="cge", description="Regional CGE modelling framework")
    parser.add_argument("--version", action="version", version=f"cge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` (default: the program's arguments); returns its exit code."""
    program = argv is None
    if program:
        # A run allocates millions of objects that live to its end (the Pyomo model, its
        # expressions, results): the collector's default young-generation threshold (700)
        # scans them over a thousand times for almost nothing to free, 2 s of CPU in the
        # flagship run, 0.9 s with these thresholds, peak memory unchanged (issue 21).
        gc.set_threshold(*GC_THRESHOLDS)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CGEError as exc:
        print(f"cge: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(interrupted_line(exc, argv), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if program:
            # The process ends next: what the command built (a Pyomo model, figures) is left
            # out of the garbage collector's pass over every object at interpreter exit,
            # 1.3 s of CPU after the flagship run (issue 21). Called in-process (tests, with
            # argv), the caller goes on and its garbage is collected as usual.
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
