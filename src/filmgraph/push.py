"""``filmgraph push``: load the built dataset, every named graph, into a remote store.

Uses the SPARQL 1.1 Graph Store HTTP Protocol when a graph store endpoint is given, else SPARQL
Update (``INSERT DATA``). Triples go in chunks. Blank nodes are skolemised into stable IRIs under
``{base}.well-known/genid/`` (RDF 1.1 §3.5) so that pushing twice adds nothing the second time;
with ``replace`` each graph is replaced as a whole. Afterwards the remote count of every graph is
checked against what was sent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pyoxigraph as ox

from .errors import RemoteError
from .remote import RemoteStore
from .store import EmbeddedStore

#: called with (graph IRI, triples sent so far in this graph, triples in this graph)
PushProgress = Callable[[str, int, int], None]


@dataclass
class PushReport:
    """Per graph: triples sent and triples the remote graph holds afterwards."""

    endpoint: str
    method: str
    graphs: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return sum(g["sent"] for g in self.graphs.values())

    def text(self) -> str:
        lines = [f"{g['sent']:>8,} sent  {g['remote']:>8,} in store  {name}" for name, g in self.graphs.items()]
        lines.append(f"pushed {self.sent:,} triples in {len(self.graphs)} graphs to {self.endpoint} "
                     f"by {self.method} in {self.seconds:.1f} s; counts verified")
        return "\n".join(lines)


def skolemize(triples: Iterable[ox.Triple], base_iri: str) -> list[ox.Triple]:
    """``triples`` with each blank node replaced by ``{base_iri}.well-known/genid/{label}``."""
    def fix(term):
        return ox.NamedNode(f"{base_iri}.well-known/genid/{term.value}") if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(fix(t.subject), t.predicate, fix(t.object)) for t in triples]


def _chunks(triples: list[ox.Triple], size: int) -> Iterable[list[ox.Triple]]:
    for i in range(0, len(triples), size):
        yield triples[i:i + size]


def remote_count(remote: RemoteStore, graph: str) -> int:
    rows = remote.run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    return int(rows[0]["n"].value) if rows else 0


def push(store: EmbeddedStore, remote: RemoteStore, *, base_iri: str, replace: bool = False,
         chunk_triples: int = 5000, progress: PushProgress | None = None) -> PushReport:
    """Send every named graph of ``store`` to ``remote``; returns the :class:`PushReport`.

    Raises :class:`~filmgraph.errors.RemoteError` when a request fails or a graph's remote count
    is lower than what was sent (or different, with ``replace``).
    """
    started = time.perf_counter()
    use_gsp = remote.endpoint.graph_store is not None
    if not use_gsp and remote.endpoint.update is None:
        raise RemoteError(f"{remote.name}: push needs --graph-store URL (SPARQL 1.1 Graph Store "
                          "Protocol) or --update-endpoint URL (SPARQL 1.1 Update) of the store")
    report = PushReport(remote.name, "the Graph Store Protocol" if use_gsp else "SPARQL Update")
    for graph in store.graphs():
        triples = skolemize((q.triple for q in store.quads(graph)), base_iri)
        sent = 0
        if replace and not use_gsp:
            remote.update(f"DROP SILENT GRAPH <{graph}>")
        for index, chunk in enumerate(_chunks(triples, chunk_triples)):
            data = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            if use_gsp:
                remote.put_graph(graph, data, replace=replace and index == 0)
            else:
                remote.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{data.decode()}\n}} }}")
            sent += len(chunk)
            if progress:
                progress(graph, sent, len(triples))
        held = remote_count(remote, graph)
        if held < sent or (replace and held != sent):
            raise RemoteError(f"{remote.name}: graph <{graph}> holds {held:,} triples after sending "
                              f"{sent:,} — the store did not keep everything; check its log")
        report.graphs[graph] = {"sent": sent, "remote": held}
    report.seconds = round(time.perf_counter() - started, 3)
    return report
