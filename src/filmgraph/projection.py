"""The one projection of the RDF graph onto a network: what the map, the analytics and the
network exports all draw from.

Rules (all classes and properties are read from the store, so a new class or property in the
ontology shows up without code changes):

- **Nodes**: every entity under the base's ``id/`` typed with an ``fg:`` class in a source or
  reference graph, except the n-ary nodes listed in :data:`COLLAPSED`. Events, co-productions,
  invitations and programmes stay nodes: they are hubs that link what took part in them.
- **Collapsed n-ary nodes** become one labelled edge each, keeping their evidence:
  a ``fg:Membership`` becomes *person → organisation* labelled with the job title; an
  ``fg:EventRole`` becomes *agent → event* labelled with the role (and *agent → work* when a
  work was presented); an ``fg:Statement`` becomes *speaker → event* (or the speaker's
  organisation when no event is known) labelled "statement", carrying the quote.
- **Edges**: every asserted object property between two nodes (``rdf:type`` aside), labelled with
  the property's ``rdfs:label`` in zh and en. Entailed triples are not drawn (they would only
  repeat asserted ones under schema.org names).
- **Node attributes**: ``iri``, ``kind`` (the top category for colour and shape: see
  :data:`CATEGORIES`), ``cls`` (the most specific class), ``labels`` (per language), ``country``
  (IRIs of the countries it lies in, is based in, or takes place in), ``start``/``end`` (ISO
  dates), ``lat``/``lon`` (cities), ``sources`` (source graph IRIs), ``quotes`` (evidence),
  ``inferred``.
- **Edge attributes**: ``predicate`` (the property's IRI, or the collapsed node's IRI; also the
  edge key), ``labels``,
  ``quotes``, ``sources``, ``inferred``.

``graph.graph["sources"]`` maps each source graph IRI to its title per language.

The graph is a :class:`networkx.MultiDiGraph`; :func:`project` works on any
:class:`~filmgraph.store.Backend`, so it also runs against ``--endpoint``.
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pyoxigraph as ox

from .namespaces import FG, RDFS, graph_iri
from .settings import DEFAULT_BASE_IRI
from .store import Backend, select

#: n-ary classes drawn as edges rather than nodes
COLLAPSED = (FG + "Membership", FG + "EventRole", FG + "Statement")

#: top categories, most specific first: a node's kind is the first its class falls under
CATEGORIES = ("Country", "City", "Region", "AmbiguousPlace", "Person", "Organization", "Venue", "Film",
              "CoProduction", "Event", "Programme", "PolicyFramework", "CreativeWork", "Place", "SourceDocument")

_Q_TYPES = """SELECT ?s ?c WHERE { GRAPH ?g { ?s a ?c }
  FILTER(?g NOT IN (<%(ont)s>, <%(ent)s>) && STRSTARTS(STR(?s), "%(base)sid/") && STRSTARTS(STR(?c), "%(fg)s")) }"""

_Q_LINKS = """SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(?g NOT IN (<%(ont)s>, <%(ent)s>) && isIRI(?o) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>
         && STRSTARTS(STR(?s), "%(base)sid/")) }"""

_Q_VALUES = """SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(?g NOT IN (<%(ont)s>, <%(ent)s>) && isLiteral(?o) && STRSTARTS(STR(?s), "%(base)sid/"))
  VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#label> <%(fg)sevidence> <%(fg)squote> <%(fg)sstartDate>
              <%(fg)sendDate> <%(fg)slatitude> <%(fg)slongitude> <%(fg)sinferred> <%(fg)sjobTitle> } }"""

_Q_ONTOLOGY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?t ?super ?label WHERE { GRAPH <%(ont)s> {
  { ?t rdfs:subClassOf+ ?super FILTER(isIRI(?super)) } UNION { ?t rdfs:label ?label } } }"""

_Q_SOURCES = """SELECT ?g ?t WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/title>|<http://www.w3.org/2000/01/rdf-schema#label> ?t } }"""

_COUNTRY_LINKS = ("containedInPlace", "basedIn", "location", "partnerCountry", "coveredPlace")


def _labels(values: list[ox.Literal]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lit in sorted(values, key=lambda v: v.value):
        out.setdefault(lit.language or "", lit.value)
    return out


def project(backend: Backend, *, base_iri: str = DEFAULT_BASE_IRI) -> nx.MultiDiGraph:
    """The network of the dataset in ``backend`` (see the module docstring for the rules)."""
    names = {"ont": graph_iri("ontology", base_iri), "ent": graph_iri("entailed", base_iri),
             "base": base_iri, "fg": FG}
    supers: dict[str, set[str]] = defaultdict(set)
    term_labels: dict[str, list] = defaultdict(list)
    for row in select(backend, _Q_ONTOLOGY % names):
        if "super" in row:
            supers[row["t"].value].add(row["super"].value)
        if "label" in row:
            term_labels[row["t"].value].append(row["label"])
    prop_labels = {t: _labels(v) for t, v in term_labels.items()}

    classes: dict[str, set[str]] = defaultdict(set)
    for row in select(backend, _Q_TYPES % names):
        classes[row["s"].value].add(row["c"].value)
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    sources: dict[str, set[str]] = defaultdict(set)
    for row in select(backend, _Q_VALUES % names):
        values[row["s"].value][row["p"].value].append(row["o"])
        sources[row["s"].value].add(row["g"].value)
    links = [(r["s"].value, r["p"].value, r["o"].value, r["g"].value) for r in select(backend, _Q_LINKS % names)]

    def is_a(node: str, cls: str) -> bool:
        return any(c == cls or cls in supers[c] for c in classes.get(node, ()))

    collapsed = {n for n in classes if any(is_a(n, c) for c in COLLAPSED)}
    graph = nx.MultiDiGraph()
    for s, _p, _o, g in links:
        sources[s].add(g)
    for node, cls in classes.items():
        if node in collapsed:
            continue
        specific = sorted(c for c in cls if not any(c in supers[d] for d in cls if d != c))
        kind = next((k for k in CATEGORIES if is_a(node, FG + k)), "Thing")
        v = values[node]
        attrs = {"iri": node, "kind": kind, "cls": specific[0] if specific else "",
                 "cls_labels": prop_labels.get(specific[0], {}) if specific else {},
                 "labels": _labels(v[RDFS + "label"]), "quotes": sorted(q.value for q in v[FG + "evidence"]),
                 "sources": sorted(sources[node]), "inferred": any(x.value == "true" for x in v[FG + "inferred"]),
                 "country": []}
        for key, prop in (("start", "startDate"), ("end", "endDate"), ("lat", "latitude"), ("lon", "longitude")):
            if v[FG + prop]:
                attrs[key] = float(v[FG + prop][0].value) if key in ("lat", "lon") else v[FG + prop][0].value
        graph.add_node(node, **attrs)

    def edge_attrs(key: str, labels: dict, node: str | None = None, graph_name: str | None = None) -> dict:
        v = values[node] if node else {}
        return {"predicate": key, "labels": labels,
                "quotes": sorted(q.value for q in v.get(FG + "evidence", []) + v.get(FG + "quote", [])),
                "sources": sorted(sources[node]) if node else ([graph_name] if graph_name else []),
                "inferred": any(x.value == "true" for x in v.get(FG + "inferred", []))}

    by_subject: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o, g in links:
        by_subject[s][p].append(o)
        if s in graph and o in graph:
            graph.add_edge(s, o, key=p, **edge_attrs(p, prop_labels.get(p, {}), graph_name=g))
    for node in sorted(collapsed):
        out, v = by_subject[node], values[node]
        if is_a(node, FG + "Membership"):
            title = _labels(v[FG + "jobTitle"]) or prop_labels.get(FG + "Membership", {})
            for person in out[FG + "member"]:
                for org in out[FG + "organization"]:
                    if person in graph and org in graph:
                        graph.add_edge(person, org, key=node, **edge_attrs(node, title, node))
        elif is_a(node, FG + "EventRole"):
            role = {}
            for concept in out[FG + "eventRole"]:
                role = prop_labels.get(concept, {})
            for agent in out[FG + "agent"]:
                for target in out[FG + "inEvent"] + out[FG + "presentedWork"]:
                    if agent in graph and target in graph:
                        graph.add_edge(agent, target, key=f"{node}#{target}", **edge_attrs(node, role, node))
        elif is_a(node, FG + "Statement"):
            label = prop_labels.get(FG + "Statement", {})
            targets = out[FG + "statedAt"] or [o for m in out[FG + "speakerCapacity"] for o in by_subject[m][FG + "organization"]]
            for speaker in out[FG + "speaker"]:
                for target in targets:
                    if speaker in graph and target in graph:
                        graph.add_edge(speaker, target, key=node, **edge_attrs(node, label, node))

    _countries(graph, by_subject)
    titles: dict[str, list] = defaultdict(list)
    for row in select(backend, _Q_SOURCES):
        titles[row["g"].value].append(row["t"])
    graph.graph["sources"] = {g: _labels(t) for g, t in titles.items()}
    return graph


def _countries(graph: nx.MultiDiGraph, by_subject) -> None:
    """Fill ``country``: the countries a node is in, based in or takes place in (transitively)."""
    memo: dict[str, set[str]] = {}

    def find(node: str, seen: frozenset) -> set[str]:
        if node in memo:
            return memo[node]
        if graph.nodes.get(node, {}).get("kind") == "Country":
            return {node}
        found: set[str] = set()
        for prop in _COUNTRY_LINKS:
            for target in by_subject[node].get(FG + prop, []):
                if target not in seen:
                    found |= find(target, seen | {target})
        memo[node] = found
        return found

    for node in graph:
        if graph.nodes[node]["kind"] not in ("Country",):
            graph.nodes[node]["country"] = sorted(find(node, frozenset({node})))
        else:
            graph.nodes[node]["country"] = [node]
