"""Where the knowledge base is: the ontology, the curated graph, the shapes and the query library.

Resolution order: an explicit ``project`` folder; else the current folder when it holds both
``ontology/`` and ``graph/``; else the copy shipped inside the installed package; else (a source
checkout) the repository this module lives in.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectNotFound, display_path

RDF_SUFFIXES = (".ttl", ".trig", ".nt", ".nq")


def _is_kb(folder: Path) -> bool:
    return (folder / "ontology").is_dir() and (folder / "graph").is_dir()


@dataclass(frozen=True)
class Project:
    """A knowledge base folder: ``ontology/``, ``graph/`` and ``queries/``."""

    root: Path

    @classmethod
    def locate(cls, folder: str | Path | None = None) -> "Project":
        """The project in ``folder``, or found as the module docstring says.

        Raises :class:`ProjectNotFound` when ``folder`` lacks ``ontology/`` or ``graph/``.
        """
        if folder is not None:
            root = Path(folder)
            if not _is_kb(root):
                raise ProjectNotFound(
                    f"{display_path(root)} is not a filmgraph knowledge base: it needs both an "
                    "ontology/ and a graph/ folder — point --project at such a folder, or leave it "
                    "out to use the knowledge base shipped with filmgraph"
                )
            return cls(root.resolve())
        here = Path(__file__).resolve().parent
        for candidate in (Path.cwd(), here / "kb", here.parent.parent):
            if _is_kb(candidate):
                return cls(candidate.resolve())
        raise ProjectNotFound(
            "no knowledge base found: the installed package lacks its kb/ folder and the current "
            "folder has no ontology/ and graph/ — reinstall filmgraph or pass --project DIR"
        )

    @property
    def ontology_file(self) -> Path:
        return self.root / "ontology" / "filmgraph.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def graph_dir(self) -> Path:
        return self.root / "graph"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def data_files(self) -> list[Path]:
        """Every RDF file under ``graph/``, sorted, so builds are reproducible."""
        return sorted(p for p in self.graph_dir.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())

    def source_files(self) -> list[Path]:
        """The ontology followed by the curated graph files (not the shapes)."""
        return [self.ontology_file, *self.data_files()]


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files named, and RDF files found below folders named, in order, without repeats.

    Raises :class:`ProjectNotFound` for a path that does not exist.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*") if q.suffix in RDF_SUFFIXES and q.is_file()))
        elif p.is_file():
            found.append(p)
        else:
            raise ProjectNotFound(f"{display_path(p)}: no such file or folder — check the path")
    seen: set[Path] = set()
    return [p for p in found if not (p.resolve() in seen or seen.add(p.resolve()))]
