"""Labels for tables and figures: model codes to readable English or Russian text.

A label file is a CSV with columns ``kind,label,en,ru``: ``kind`` is a dimension of the results
(``sector``, ``region``, ``household``, ``factor``, ``commodity`` falls back to ``sector``) or
``text`` for headings of tables and figures (keys in :data:`TEXT`). Anything the file does not
name keeps its code (labels) or the built-in English text (headings), so a report never fails
for want of a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cge.errors import InputError, Location, Problem

LANGUAGES = ("en", "ru")

#: Built-in English headings; a label file may translate them (kind ``text``).
TEXT = {
    "scenario": "Scenario",
    "region": "Region",
    "sector": "Sector",
    "household": "Household",
    "welfare": "Welfare: equivalent variation",
    "EV": "EV",
    "EV_pct": "EV, % of consumption",
    "grp": "Real gross regional product, % change",
    "output": "Output by sector, % change",
    "employment": "Employment by sector, % change",
    "trade": "Trade volumes, % change",
    "interregional": "shipments",
    "exports": "exports abroad",
    "imports": "imports from abroad",
    "percent": "% change from benchmark",
    "benchmark": "benchmark",
    # the welfare decomposition (cge.reporting.welfare)
    "welfare_decomposition": "Welfare decomposition of EV",
    "welfare_term": "Term",
    "welfare_allocative": "Allocative efficiency",
    "welfare_endowment": "Endowment",
    "welfare_technology": "Technology",
    "welfare_tot_world": "Terms of trade, world",
    "welfare_tot_interregional": "Terms of trade, interregional",
    "welfare_income_transfers": "Income and transfers, non-residents",
    "welfare_investment_savings": "Investment and savings",
    "welfare_government": "Government consumption",
    "welfare_households": "Households' price indices",
    "welfare_one_household": "one household per region: no term for differences between "
                             "households' price indices",
    "welfare_skipped": "not decomposed",
}

_FALLBACK_KIND = {"commodity": "sector", "origin": "region", "destination": "region"}


@dataclass(frozen=True)
class Labels:
    """Label lookup in one language; :meth:`of` never fails."""

    lang: str = "en"
    table: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def of(self, kind: str, code: str) -> str:
        """Readable label of a code of dimension ``kind`` (the code itself if unknown)."""
        for k in (kind, _FALLBACK_KIND.get(kind, kind)):
            entry = self.table.get((k, str(code)))
            if entry and entry.get(self.lang):
                return entry[self.lang]
        return str(code)

    def order(self, kind: str, codes: list[str]) -> list[str]:
        """``codes`` in the order of the label file (results sort labels alphabetically);
        codes the file does not list keep their order, after the listed ones."""
        k = _FALLBACK_KIND.get(kind, kind)
        rank = {code: n for n, (kk, code) in enumerate(self.table) if kk in (kind, k)}
        return sorted(codes, key=lambda c: rank.get(str(c), len(rank)))

    def text(self, key: str) -> str:
        """A heading: the file's translation, else the built-in English text."""
        entry = self.table.get(("text", key))
        if entry and entry.get(self.lang):
            return entry[self.lang]
        return TEXT.get(key, key)

    def in_language(self, lang: str) -> Labels:
        if lang not in LANGUAGES:
            raise InputError(Problem("bad-language", f"language {lang!r}; choose one of "
                                     f"{list(LANGUAGES)}"))
        return Labels(lang, self.table)


def read_labels(path: str | Path | None, lang: str = "en") -> Labels:
    """Read a label file (``None``: codes and built-in English headings only)."""
    if path is None:
        return Labels().in_language(lang)
    path = Path(path)
    loc = Location(file=str(path))
    if not path.exists():
        raise InputError(Problem("missing-file", "label file not found", loc))
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = {"kind", "label", "en"} - set(df.columns)
    if missing:
        raise InputError(Problem("bad-labels", f"missing column(s) {sorted(missing)}; expected "
                                 "kind,label,en,ru", loc))
    table: dict[tuple[str, str], dict[str, str]] = {}
    for n, row in df.iterrows():
        k = (row["kind"].strip(), row["label"].strip())
        if k in table:
            raise InputError(Problem("duplicate-label", f"{k[0]} {k[1]!r} is listed twice",
                                     Location(file=str(path), line=int(n) + 2)))
        table[k] = {lang_: row.get(lang_, "").strip() for lang_ in LANGUAGES}
    return Labels("en", table).in_language(lang)
