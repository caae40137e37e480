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
