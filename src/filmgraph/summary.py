"""``filmgraph stats``: what the dataset holds — per class, per source, and coverage of labels
per language and of evidence. Only SPARQL through the :class:`~filmgraph.store.Backend` interface."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .dataset import open_backend
from .namespaces import FG, graph_iri, shorten
from .settings import Settings
from .store import Backend, select

LANGUAGES = ("zh", "en", "ru", "kk")

_CLASSES = """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?c } FILTER(?g NOT IN (<%(ont)s>, <%(ent)s>)) } GROUP BY ?c ORDER BY DESC(?n) ?c"""

_GRAPHS = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g (COUNT(*) AS ?n) (SAMPLE(?t) AS ?title) WHERE {
  GRAPH ?g { ?s ?p ?o } OPTIONAL { ?g dcterms:title|rdfs:label ?t FILTER(lang(?t) IN ("en", "")) }
} GROUP BY ?g ORDER BY ?g"""

_ENTITIES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(DISTINCT ?s) AS ?n) %(langs)s WHERE {
  GRAPH ?g { ?s a ?c } FILTER(?g NOT IN (<%(ont)s>, <%(ent)s>) && STRSTARTS(STR(?s), "%(base)sid/"))
  %(optionals)s
}"""

_EVIDENCE = """PREFIX fg: <%(fg)s>
SELECT (COUNT(DISTINCT ?s) AS ?n) (COUNT(DISTINCT ?e) AS ?with) WHERE {
  GRAPH ?src { ?src fg:textFile ?file . ?s a ?c FILTER(STRSTARTS(STR(?s), "%(base)sid/")) }
  OPTIONAL { GRAPH ?src { ?s fg:evidence ?q } BIND(?s AS ?e) }
}"""


@dataclass
class Stats:
    """Counts of one dataset. ``labels[lang]`` and ``evidence`` are (covered, total) pairs."""

    triples: int = 0
    graphs: dict[str, dict] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    labels: dict[str, tuple[int, int]] = field(default_factory=dict)
    evidence: tuple[int, int] = (0, 0)

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        def pct(pair):
            return f"{pair[0]}/{pair[1]} ({100 * pair[0] / pair[1]:.0f}%)" if pair[1] else "0/0"

        lines = [f"triples: {self.triples:,}", "", "named graphs:"]
        lines += [f"  {g['triples']:>8,}  {shorten(name)}  {g.get('title', '')}".rstrip()
                  for name, g in self.graphs.items()]
        lines += ["", "entities per class (asserted):"]
        lines += [f"  {n:>8,}  {shorten(c)}" for c, n in self.classes.items()]
        lines += ["", "entities labelled, per language:"]
        lines += [f"  {lang}: {pct(pair)}" for lang, pair in self.labels.items()]
        lines += ["", f"curated nodes with evidence (reference data excluded): {pct(self.evidence)}"]
        return "\n".join(lines)


def stats(backend: Backend | None = None, *, settings: Settings = Settings()) -> Stats:
    """Compute :class:`Stats` of the dataset in ``backend`` (default: as ``settings`` open it)."""
    store = backend if backend is not None else open_backend(settings)
    base = settings.base_iri
    names = {"ont": graph_iri("ontology", base), "ent": graph_iri("entailed", base), "base": base, "fg": FG}
    result = Stats()
    for row in select(store, _GRAPHS % names):
        entry = {"triples": int(row["n"].value)}
        if "title" in row:
            entry["title"] = row["title"].value
        result.graphs[row["g"].value] = entry
    result.triples = sum(g["triples"] for g in result.graphs.values())
    result.classes = {row["c"].value: int(row["n"].value) for row in select(store, _CLASSES % names)
                      if row["c"].value.startswith(FG)}
    langs = " ".join(f"(COUNT(DISTINCT ?l_{lang}) AS ?{lang})" for lang in LANGUAGES)
    optionals = "\n".join(
        f'OPTIONAL {{ ?s rdfs:label ?x_{lang} FILTER(langMatches(lang(?x_{lang}), "{lang}")) BIND(?s AS ?l_{lang}) }}'
        for lang in LANGUAGES)
    row = select(store, _ENTITIES % {**names, "langs": langs, "optionals": optionals})[0]
    total = int(row["n"].value)
    result.labels = {lang: (int(row[lang].value), total) for lang in LANGUAGES}
    row = select(store, _EVIDENCE % names)[0]
    result.evidence = (int(row["with"].value), int(row["n"].value))
    return result
