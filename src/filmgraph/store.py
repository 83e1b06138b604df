"""The embedded store, behind the small interface every reading command uses.

:class:`Backend` is what commands need from a store; :class:`EmbeddedStore` implements it on
pyoxigraph, in memory or in a folder on disk. A remote SPARQL endpoint implements the same
interface, so commands do not care which one they talk to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Union

import pyoxigraph as ox

from .errors import QueryError, UsageError, display_path


@dataclass
class Solutions:
    """Result of a SELECT: ``variables`` in order, ``rows`` as dicts (unbound variables absent)."""

    variables: list[str]
    rows: list[dict[str, Term]]


@dataclass
class Boolean:
    """Result of an ASK."""

    value: bool


@dataclass
class Triples:
    """Result of a CONSTRUCT or DESCRIBE."""

    triples: list[ox.Triple]


Result = Union[Solutions, Boolean, Triples]
Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal]

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_STRINGS_AND_COMMENTS = re.compile(r'<[^<>"{}|^`\\\s]*>|"""(?:[^\\]|\\.)*?"""|\'\'\'(?:[^\\]|\\.)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*', re.S)


def query_form(query: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (IRIs, strings and comments ignored);
    raises :class:`QueryError` when there is none."""
    m = _FORM.search(_STRINGS_AND_COMMENTS.sub(" ", query))
    if not m:
        raise QueryError("the text is not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE) — "
                         "write a query; updates are not run by filmgraph query")
    return m.group(1).upper()


class Backend(Protocol):
    """What a reading command needs from a store: SPARQL queries over the whole dataset, whose
    default graph is the union of all named graphs. ``name`` says which store it is."""

    name: str

    def run(self, query: str) -> Result: ...


def select(backend: Backend, query: str) -> list[dict[str, Term]]:
    """Rows of a SELECT query on any backend."""
    result = backend.run(query)
    assert isinstance(result, Solutions), "select() needs a SELECT query"
    return result.rows


class EmbeddedStore:
    """A pyoxigraph store, in memory (``path=None``) or on disk in ``path`` (created if missing,
    or opened ``read_only`` so that several processes can read it at once).

    Raises :class:`UsageError` when ``path`` cannot be opened (e.g. another process holds it).
    """

    def __init__(self, *, path: str | Path | None = None, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                self.ox = ox.Store.read_only(str(self.path))
            else:
                self.ox = ox.Store(str(self.path))
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

    name = "embedded"

    def query(self, query: str, **options):
        """Run a SPARQL query with the union of named graphs as default graph (pyoxigraph result).

        Raises :class:`QueryError` with the line and column of a syntax error.
        """
        try:
            return self.ox.query(query, use_default_graph_as_union=True, **options)
        except SyntaxError as e:
            raise QueryError.from_parser(str(e)) from None

    def run(self, query: str) -> Result:
        result = self.query(query)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            # zip over the row: indexing a QuerySolution by name twice per cell cost a third of a
            # large result's time
            return Solutions(names, [{n: t for n, t in zip(names, row) if t is not None} for row in result])
        if isinstance(result, ox.QueryBoolean):
            return Boolean(bool(result))
        return Triples(list(result))

    def select(self, query: str) -> list[dict[str, Term]]:
        """Rows of a SELECT query, each a dict from variable name to pyoxigraph term (unbound omitted)."""
        return select(self, query)

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
