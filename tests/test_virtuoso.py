"""The same library, loaded into Virtuoso Open Source 7.2 (Debian's package): push through its
Graph Store endpoint and through SPARQL Update, and every library query answers as the embedded
store does — up to Virtuoso's own canonical forms of typed values (it stores ``true`` as 1 and
``43.20`` as ``43.2``), which are compared by value."""
from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

import filmgraph
from conftest import REPO
from filmgraph.push import push, remote_count
from filmgraph.queries import Library, run as run_query
from filmgraph.remote import Endpoint, RemoteStore

LIBRARY = Library(REPO / "queries")
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def dataset():
    return filmgraph.load()


@pytest.fixture(scope="module")
def loaded(virtuoso, dataset):
    remote = RemoteStore(Endpoint(virtuoso["sparql"], graph_store=virtuoso["graph_store"], timeout_s=120))
    report = push(dataset.store, remote, base_iri=dataset.settings.base_iri, replace=True)
    return remote, report


def test_push_through_the_graph_store_protocol(loaded, dataset):
    remote, report = loaded
    for graph, counts in report.graphs.items():
        assert counts["sent"] == counts["remote"] == dataset.store.count(graph)


def test_push_through_sparql_update_is_idempotent(virtuoso, loaded, dataset):
    remote = RemoteStore(Endpoint(virtuoso["sparql"], update=virtuoso["sparql"], timeout_s=120))
    for _ in range(2):
        report = push(dataset.store, remote, base_iri=dataset.settings.base_iri, chunk_triples=400)
        for graph, counts in report.graphs.items():
            assert remote_count(remote, graph) == dataset.store.count(graph)


def value(term):
    if isinstance(term, ox.Literal) and term.datatype is not None and not term.language:
        kind = term.datatype.value.removeprefix(XSD)
        if kind == "boolean":
            return ("boolean", term.value in ("1", "true"))
        if kind in ("decimal", "integer", "double", "float", "int", "long"):
            return ("number", Decimal(term.value).normalize())
    return str(term)


#: queries Virtuoso 7.2 cannot compile (docs/virtuoso.md says why); checked to be refused
REFUSED = {"shortest-path": "SP031"}


@pytest.mark.parametrize("name", sorted(q.name for q in LIBRARY if q.name not in REFUSED))
def test_every_library_query_answers_as_embedded(name, loaded, dataset):
    remote, _ = loaded
    query = LIBRARY.get(name)
    params = {p.name: p.example for p in query.params if p.example and p.default is None}
    local = run_query(dataset.store, query, params, lang="en")
    far = run_query(remote, query, params, lang="en")

    def rows(outcome):
        return sorted(tuple(sorted((k, value(v)) for k, v in row.items())) for row in outcome.result.rows)

    assert rows(far) == rows(local)
    assert far.labels == local.labels


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_queries_virtuoso_cannot_compile_are_refused_with_a_clear_error(name, loaded):
    remote, _ = loaded
    query = LIBRARY.get(name)
    params = {p.name: p.example for p in query.params if p.example and p.default is None}
    with pytest.raises(filmgraph.errors.QueryError, match=REFUSED[name]):
        run_query(remote, query, params, lang="en")
