"""Numbers for people: decimals chosen per column, true minus signs, widths of typeset text.

* :func:`decimals` chooses the decimals of a column so that its smallest nonzero value keeps
  ``significant`` significant digits (a real effect of 0.0005 % prints as 0.00050, not 0.00),
  at most :data:`MAX_DECIMALS`; values below :data:`NEGLIGIBLE` (solver noise) do not count.
* :func:`format_number` writes a number with those decimals, thousands separated, with a true
  minus sign: ``$-$`` for LaTeX, U+2212 for plain text; a value that rounds to zero has no
  sign, NaN prints as an en dash.
* :func:`text_width_pt` is the width in points of a string set in Computer Modern Roman 10 pt
  (LaTeX's default font, whose metrics ship with matplotlib), to lay tables out to the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

#: Significant digits of a column's smallest nonzero value.
SIGNIFICANT = 2
#: More decimals than this are noise in results from a solver with tolerance ~1e-9.
MAX_DECIMALS = 6
#: Values below this (absolute) are solver noise, not effects.
NEGLIGIBLE = 1e-9
LATEX_MINUS = "$-$"
TEXT_MINUS = "\u2212"


def decimals(values: Iterable[float], significant: int = SIGNIFICANT) -> int:
    """Decimals that show every value of a column with at least ``significant`` significant
    digits at its smallest nonzero magnitude (0 for integers and empty columns)."""
    mags = [abs(float(v)) for v in values
            if isinstance(v, int | float) and math.isfinite(v) and abs(v) >= NEGLIGIBLE]
    if not mags:
        return 0
    if all(float(v).is_integer() for v in mags):
        return 0
    smallest = min(mags)
    return max(0, min(MAX_DECIMALS, significant - 1 - math.floor(math.log10(smallest))))


def format_number(x: object, digits: int, *, style: str = "latex") -> str:
    """``x`` with ``digits`` decimals; ``style`` "latex" ($-$, {,} separators) or "text"
    (U+2212, commas)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "--" if style == "latex" else "\u2013"
    text = f"{abs(float(x)):,.{digits}f}"
    negative = float(x) < 0 and any(c not in "0.," for c in text)
    if style == "latex":
        text = text.replace(",", "{,}")
        return (LATEX_MINUS if negative else "") + text
    return (TEXT_MINUS if negative else "") + text


def excel_format(digits: int) -> str:
    """An Excel number format with ``digits`` decimals and thousands separators."""
    return "#,##0" + ("." + "0" * digits if digits else "")


@lru_cache(maxsize=1)
def _font():
    from pathlib import Path

    import matplotlib
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"))
    font.set_size(10, 7200)  # 10 pt at 7200 dpi: one pixel is 0.01 pt (hinting rounds pixels)
    return font


def text_width_pt(text: str, size: float = 10.0) -> float:
    """Width in points of ``text`` in Computer Modern Roman at ``size`` pt (an estimate of
    what LaTeX sets: math set as text, letters the font lacks as Latin letters)."""
    if not text:
        return 0.0
    return _width(text) / 6400.0 * size / 10.0


#: Characters of printed numbers: LaTeX's shaping of them is the sum of each glyph's advance
#: (no ligatures, no kerning in Computer Modern), which :func:`_glyph` reads once per character.
NUMERIC = frozenset("0123456789.,+-()% ")


@lru_cache(maxsize=65536)
def _width(text: str) -> int:
    """Width of ``text`` in the font's pixels (laying out text is slow at 7200 dpi; tables
    measure the same labels and numbers many times). Numbers, most of a table's cells, are
    summed from their glyphs; other text is laid out by FreeType, with its ligatures and
    kerning."""
    if NUMERIC.issuperset(text):
        return _glyph_sum(text)
    font = _font()
    # glyphs the font lacks (Cyrillic, arrows) are measured as Latin letters of similar width
    font.set_text("".join(c if font.get_char_index(ord(c)) else
                          "M" if c == "\u2192" else "N" if c.isupper() else "n" for c in text))
    return font.get_width_height()[0]


@lru_cache(maxsize=64)
def _glyph(char: str) -> tuple[int, int, int]:
    """Advance, left and right edge of a glyph, in the font's pixels."""
    glyph = _font().load_char(ord(char))
    return glyph.horiAdvance, glyph.bbox[0], glyph.bbox[2]


def _glyph_sum(text: str) -> int:
    """The width FreeType's layout gives a string of unkerned glyphs: from the leftmost ink
    or the origin to the rightmost ink or the end of the last advance."""
    pen = left = right = 0
    for char in text:
        advance, x0, x1 = _glyph(char)
        left, right = min(left, pen + x0), max(right, pen + x1)
        pen += advance
    return max(right, pen) - left
