"""The output formats of a report, and parsing ``--format`` (no heavy imports: the command
line's help text names them)."""

from __future__ import annotations

from cge.errors import InputError, Problem

FORMATS = ("nc", "csv", "xlsx", "tex", "png", "pdf")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"csv,xlsx"`` -> ("csv", "xlsx"), checked against :data:`FORMATS`."""
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(Problem("bad-format", f"unknown format(s) {bad or text!r}; choose "
                                 f"from {','.join(FORMATS)}"))
    return formats
