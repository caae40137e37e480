"""Reading the CSV tables users write (SAM accounts and cells, elasticities, trade margins).

One reader, so every table reports the same faults the same way: as an
:class:`~cge.errors.InputError` naming the file and, where there is one, the line. Faults: a
missing file, a folder where a file is expected, text that is not UTF-8, an empty file, CSV
that does not parse and missing columns. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
accepted. ``#`` starts a comment; blank lines are skipped.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from cge.errors import InputError, Location, Problem

#: Column of the returned table holding each row's line in the file (header = line 1).
LINE = "_line"

_AT_LINE = re.compile(r"line (\d+)")


def read_table(path: str | Path, required: list[str], what: str = "file",
               error: type[InputError] = InputError) -> pd.DataFrame:
    """Parse a CSV file into strings, with the line of every row in :data:`LINE`.

    ``required`` columns must be present (others are kept); ``error`` is the class raised
    (e.g. :class:`~cge.errors.SAMError` for SAM files).
    """
    path = Path(path)
    file = str(path)
    if path.is_dir():
        raise error(Problem("not-a-file", f"{what} is a folder; expected a CSV file with "
                            f"columns {','.join(required)}", Location(file=file)))
    if not path.is_file():
        raise error(Problem("missing-file", f"{what} not found", Location(file=file)))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise error(Problem("encoding", f"not UTF-8 text (byte {raw[exc.start]:#04x}); save "
                            "the file as UTF-8", Location(file=file, line=line))) from exc
    lines = [i + 1 for i, row in enumerate(text.splitlines()) if row.split("#", 1)[0].strip()]
    if not lines:
        raise error(Problem("empty-file", f"{what} is empty; expected a header line "
                            f"{','.join(required)}", Location(file=file, line=1)))
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                         skipinitialspace=True, comment="#")
    except pd.errors.ParserError as exc:
        found = _AT_LINE.search(str(exc))
        raise error(Problem("unreadable", f"cannot parse CSV: {exc}",
                            Location(file=file, line=int(found.group(1)) if found else None))
                    ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise error(Problem("columns", f"missing column(s) {missing}; found {list(df.columns)}"
                            f", expected {required}", Location(file=file, line=lines[0])))
    # Quoted fields spanning lines make row and line counts differ: then count rows instead.
    data = lines[1:]
    df[LINE] = data if len(data) == len(df) else list(range(2, len(df) + 2))
    return df
