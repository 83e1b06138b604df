"""Error and problem types. Every failure a user can cause is a :class:`FilmgraphError`.

The CLI prints ``str(error)`` (one paragraph, no traceback) and exits with ``error.exit_code``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located where a person can fix it.

    ``line`` and ``column`` are 1-based; 0 means unknown. ``str(problem)`` is
    ``FILE:LINE:COL: what is wrong — how to fix``.
    """

    file: str
    line: int
    column: int
    message: str
    fix: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" — {self.fix}"
        if self.severity != "error":
            text += f" [{self.severity}]"
        return text


class FilmgraphError(Exception):
    """Base of every error filmgraph reports to a user (exit code 1 unless said otherwise)."""

    exit_code = 1


class UsageError(FilmgraphError):
    """The call itself is wrong: a bad option value, a missing file (exit code 2)."""

    exit_code = 2


class ProjectNotFound(UsageError):
    """No knowledge base (``ontology/`` and ``graph/``) where one was asked for."""


class CheckFailed(FilmgraphError):
    """The knowledge base has errors; ``problems`` lists each with its place."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        files = sorted({p.file for p in errors})
        head = "\n".join(str(p) for p in self.problems)
        super().__init__(
            f"{head}\ncheck failed: {len(errors)} error(s) in {len(files)} file(s); "
            "nothing was built or changed."
        )


class QueryError(FilmgraphError):
    """A query that cannot run: its text is invalid, a parameter is wrong, or it names nothing.

    ``line`` and ``column`` (1-based, 0 when unknown) point into the query text.
    """

    def __init__(self, message: str, *, line: int = 0, column: int = 0):
        self.line, self.column = line, column
        super().__init__(message)

    @classmethod
    def from_parser(cls, text: str, *, source: str = "query") -> "QueryError":
        """From a SPARQL parser message such as ``error at 3:17: expected …``."""
        m = re.match(r"error at (\d+):(\d+): (.*)", text, re.S)
        if not m:
            return cls(f"{source}: invalid SPARQL: {text} — correct the query text")
        line, col, what = int(m.group(1)), int(m.group(2)), m.group(3).strip()
        return cls(f"{source}:{line}:{col}: invalid SPARQL: {what} — correct the query at this place",
                   line=line, column=col)


class RemoteError(FilmgraphError):
    """A remote store failed or could not be reached; the message names it and the HTTP status."""


class OutputError(FilmgraphError):
    """An output could not be written; the previous output is left as it was."""


def display_path(path: str | Path) -> str:
    """``path`` relative to the current directory when it is below it, else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)
