"""IRIs of the vocabularies filmgraph uses (identifiers, not facts: facts live in the graph)."""
from __future__ import annotations

from .settings import DEFAULT_BASE_IRI

FG = "https://w3id.org/filmgraph/ontology#"
ONTOLOGY = "https://w3id.org/filmgraph/ontology"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

#: the sub-namespaces of the base that hold data and are rewritten when the base changes
DATA_PATHS = ("id/", "source/", "graph/")

PREFIXES = {
    "fg": FG,
    "fgid": DEFAULT_BASE_IRI + "id/",
    "fgsrc": DEFAULT_BASE_IRI + "source/",
    "fggraph": DEFAULT_BASE_IRI + "graph/",
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "prov": PROV,
    "skos": SKOS,
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "sh": SH,
}


def graph_iri(name: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """IRI of one of filmgraph's own named graphs (``ontology``, ``entailed``)."""
    return f"{base_iri}graph/{name}"


def shorten(iri: str) -> str:
    """``iri`` as a prefixed name when a known prefix covers it, else ``<iri>``."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    prefix = next(k for k, v in PREFIXES.items() if v == best)
    return f"{prefix}:{iri[len(best):]}"
