"""The ontology as its users read it: every term labelled and explained in Chinese and English,
aligned to schema.org, versioned; the schema.org view is materialised by the build."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from conftest import REPO

FG = "https://w3id.org/filmgraph/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PREFIXES = f"PREFIX fg: <{FG}> PREFIX rdfs: <{RDFS}> PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"


@pytest.fixture(scope="module")
def ontology():
    store = ox.Store()
    store.load(path=str(REPO / "ontology" / "filmgraph.ttl"))
    return store


def terms(store, kinds):
    q = PREFIXES + f"SELECT DISTINCT ?t WHERE {{ ?t a ?k VALUES ?k {{ {kinds} }} FILTER(STRSTARTS(STR(?t), STR(fg:))) }}"
    return sorted(r["t"].value for r in store.query(q))


def test_versioned(ontology):
    assert ontology.query(PREFIXES + "ASK { ?o a owl:Ontology ; owl:versionIRI ?v ; owl:versionInfo ?i }")


def test_every_term_is_labelled_and_explained_in_chinese_and_english(ontology):
    all_terms = terms(ontology, "owl:Class owl:ObjectProperty owl:DatatypeProperty")
    assert len(all_terms) > 80
    for prop in ("rdfs:label", "rdfs:comment"):
        for lang in ("zh", "en"):
            q = PREFIXES + f"SELECT ?t WHERE {{ VALUES ?t {{ {' '.join(f'<{t}>' for t in all_terms)} }} " \
                           f"FILTER NOT EXISTS {{ ?t {prop} ?v FILTER(lang(?v) = '{lang}') }} }}"
            assert [r["t"].value for r in ontology.query(q)] == [], (prop, lang)


@pytest.mark.parametrize("kind,link", [("owl:Class", "rdfs:subClassOf"),
                                       ("owl:ObjectProperty owl:DatatypeProperty", "rdfs:subPropertyOf")])
def test_every_term_is_aligned_to_schema_org_or_says_why_not(ontology, kind, link):
    q = PREFIXES + f"""SELECT ?t ?comment WHERE {{ ?t a ?k VALUES ?k {{ {kind} }} FILTER(STRSTARTS(STR(?t), STR(fg:)))
        FILTER NOT EXISTS {{ ?t {link}+ ?s FILTER(STRSTARTS(STR(?s), "https://schema.org/")) }}
        ?t rdfs:comment ?comment FILTER(lang(?comment) = "en") }}"""
    unaligned = {r["t"].value.removeprefix(FG): r["comment"].value for r in ontology.query(q)}
    if kind == "owl:Class":
        assert unaligned == {}
    # a few bookkeeping properties have no schema.org counterpart: each one's comment says why
    assert len(unaligned) < 20
    assert [t for t, comment in unaligned.items() if "schema" not in comment] == []
