"""The embedded store, behind the small interface every reading command uses.

:class:`Backend` is what commands need from a store; :class:`EmbeddedStore` implements it on
pyoxigraph, in memory or in a folder on disk. A remote SPARQL endpoint implements the same
interface, so commands do not care which one they talk to.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

import pyoxigraph as ox

from .errors import UsageError, display_path


class Backend(Protocol):
    """What a reading command needs from a store. Queries see the union of all named graphs as
    their default graph."""

    def select(self, query: str) -> list[dict[str, object]]: ...

    def ask(self, query: str) -> bool: ...

    def count(self, graph: str | None = None) -> int: ...

    def graphs(self) -> list[str]: ...


class EmbeddedStore:
    """A pyoxigraph store, in memory (``path=None``) or on disk in ``path`` (created if missing).

    Raises :class:`UsageError` when ``path`` cannot be opened (e.g. another process holds it).
    """

    def __init__(self, *, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        try:
            self.ox = ox.Store(str(self.path)) if self.path is not None else ox.Store()
        except OSError as e:
            raise UsageError(
                f"{display_path(self.path)}: cannot open the store ({e}) — check that the folder is "
                "writable and that no other filmgraph process is using it"
            ) from None

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add ``quads`` in one bulk transaction."""
        self.ox.bulk_extend(quads)

    def clear(self) -> None:
        self.ox.clear()

    def query(self, query: str, **options):
        """Run a SPARQL query with the union of named graphs as default graph (pyoxigraph result)."""
        return self.ox.query(query, use_default_graph_as_union=True, **options)

    def select(self, query: str) -> list[dict[str, object]]:
        """Rows of a SELECT query, each a dict from variable name to pyoxigraph term (unbound omitted)."""
        result = self.query(query)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in result]

    def ask(self, query: str) -> bool:
        return bool(self.query(query))

    def update(self, update: str) -> None:
        self.ox.update(update)

    def count(self, graph: str | None = None) -> int:
        """Number of quads, in one named graph or in all of them."""
        g = ox.NamedNode(graph) if graph else None
        return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, g))

    def graphs(self) -> list[str]:
        """Names of the named graphs, sorted."""
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return self.ox.quads_for_pattern(None, None, None, g)

    def dump(self, path: str | Path, format: ox.RdfFormat, *, prefixes: dict | None = None) -> None:
        """Write every named graph to ``path`` (a dataset format: TriG or N-Quads)."""
        options = {"prefixes": prefixes} if prefixes and format is not ox.RdfFormat.N_QUADS else {}
        self.ox.dump(output=str(path), format=format, **options)
