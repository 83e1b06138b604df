"""Entailment: the schema.org alignment, inverses and chains are materialised in their own graph,
and only triples not already asserted go there."""
from __future__ import annotations

import pytest

import filmgraph

PREFIXES = """PREFIX schema: <https://schema.org/> PREFIX fg: <https://w3id.org/filmgraph/ontology#>
PREFIX fgid: <https://w3id.org/filmgraph/id/>\n"""


@pytest.fixture(scope="module")
def dataset():
    return filmgraph.load()


def ask(dataset, query):
    return dataset.store.ask(PREFIXES + query)


def test_subclasses_give_schema_org_types(dataset):
    rows = dataset.store.select(PREFIXES + "SELECT (COUNT(?f) AS ?n) WHERE { ?f a schema:Movie }")
    assert int(rows[0]["n"].value) == 11


def test_chain_gives_member_of(dataset):
    assert ask(dataset, "ASK { fgid:person\\/han-bing schema:memberOf ?org . ?org schema:name \"北京市电影事业发展中心\"@zh }")


def test_inverse_gives_super_event(dataset):
    assert ask(dataset, "ASK { ?sub fg:superEvent ?visit . ?visit a fg:DelegationVisit }")


def test_co_production_gives_countries_of_origin(dataset):
    assert ask(dataset, "ASK { fgid:film\\/the-composer schema:countryOfOrigin ?c . ?c schema:name \"Kazakhstan\"@en }")


def test_entailed_graph_holds_only_new_triples(dataset):
    g = dataset.entailed_graph
    assert dataset.entailed > 100
    assert not ask(dataset, f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{g}>) }}")


def test_entailment_is_idempotent(dataset):
    from filmgraph.entailment import entail

    again = entail(dataset.store, ontology_graph=dataset.ontology_graph, entailed_graph=dataset.entailed_graph)
    assert again == dataset.entailed
