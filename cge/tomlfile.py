"""Reading the TOML files users write (experiments, plans, dynamic runs, sensitivity designs).

One reader, so every kind of file reports a missing file or a syntax error the same way: as an
:class:`~cge.errors.InputError` naming the file and, where TOML gives one, the line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from cge.errors import InputError, Location, Problem

_AT_LINE = re.compile(r"at line (\d+)")


def read_toml(path: str | Path, what: str = "file") -> dict:
    """Parse a TOML file or raise InputError with file and line."""
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem("not-a-file", f"{what} is a folder; expected a TOML file",
                                 Location(file=str(path))))
    if not path.is_file():
        raise InputError(Problem("missing-file", f"{what} not found", Location(file=str(path))))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's tomllib puts the position only in the message text.
        found = _AT_LINE.search(str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise InputError(Problem("bad-toml", str(exc), Location(file=str(path), line=line))
                         ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(Problem("bad-toml", f"not UTF-8 text: {exc}",
                                 Location(file=str(path)))) from exc


def key_line(path: str | Path | None, key: str, table: str | None = None) -> int | None:
    """The first line of a TOML file assigning ``key`` (``key = ...`` or ``{ key = ...``),
    within ``[table]`` if given.

    tomllib gives no positions for values, so errors about a value find its line here.
    """
    if path is None or not Path(path).is_file():
        return None
    assign = re.compile(rf"(^|[{{,])\s*{re.escape(key)}\s*=")
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    inside = table is None
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for n, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        found = header.match(code)
        if found and table is not None:
            inside = found.group(1) == table
        elif inside and assign.search(code):
            return n
    return None
