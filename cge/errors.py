"""Errors raised by the framework.

Every error that reports bad input carries *where* the problem is (file, line, account, cell) so
that the CLI can print it without a traceback and a user can go straight to the offending entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class CGEError(Exception):
    """Base class of all errors the framework raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where a problem sits: any subset of file, line, account and cell."""

    file: str | None = None
    line: int | None = None
    account: str | None = None
    cell: tuple[str, str] | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        if self.account is not None:
            parts.append(f"account {self.account}")
        if self.cell is not None:
            parts.append(f"cell ({self.cell[0]}, {self.cell[1]})")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding of a check: a code, a message and where."""

    code: str
    message: str
    where: Location = field(default_factory=Location)
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.where)
        return f"{self.severity}: [{self.code}] {where + ': ' if where else ''}{self.message}"


class InputError(CGEError):
    """Bad input data. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str, where: Location | None = None):
        if isinstance(problems, str):
            problems = [Problem("input", problems, where or Location())]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SAMError(InputError):
    """A social accounting matrix is malformed or unbalanced."""
