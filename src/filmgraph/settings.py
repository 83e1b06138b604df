"""The one settings object. Its declared records drive the CLI options, their help and the docs.

Each :class:`Setting` has a name (with its unit where it has one), a default and a one-line help.
:class:`Settings` holds the values of one run; it is built once (from CLI options or keywords) and
validated, then passed down; nothing reads configuration anywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UsageError

DEFAULT_BASE_IRI = "https://w3id.org/filmgraph/"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    metavar: str = ""

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def envvar(self) -> str:
        return "FILMGRAPH_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("project", None,
            "Knowledge base folder holding ontology/ and graph/ (default: the current folder if it "
            "holds both, else the copy shipped with filmgraph).", "DIR"),
    Setting("base_iri", DEFAULT_BASE_IRI,
            "Base IRI of every entity, source and graph; curated files are written with the "
            "default and rewritten to this one on load.", "IRI"),
    Setting("store", None,
            "Folder of an on-disk embedded store (created if missing); default: in memory.", "DIR"),
)


@dataclass(frozen=True)
class Settings:
    """Validated values of every setting for one run."""

    project: Path | None = None
    base_iri: str = DEFAULT_BASE_IRI
    store: Path | None = None

    def __post_init__(self):
        parts = urlsplit(self.base_iri)
        if parts.scheme not in ("http", "https") or not parts.netloc or not self.base_iri.endswith("/"):
            raise UsageError(
                f"base_iri {self.base_iri!r} is not usable — give an absolute http(s) IRI that "
                "ends with '/', e.g. https://example.org/filmgraph/"
            )
        if self.project is not None:
            object.__setattr__(self, "project", Path(self.project))
        if self.store is not None:
            object.__setattr__(self, "store", Path(self.store))

    def with_(self, **changes) -> "Settings":
        """A copy with ``changes`` applied (and validated)."""
        return replace(self, **changes)


def setting(name: str) -> Setting:
    """The declared record of ``name``; KeyError if there is none."""
    for s in SETTINGS:
        if s.name == name:
            return s
    raise KeyError(name)


assert {s.name for s in SETTINGS} == {f.name for f in fields(Settings)}
