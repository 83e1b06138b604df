"""``filmgraph export``: the dataset as files for partners — six RDF formats and CSV, in three profiles.

Profiles (each built in its own in-memory store from the checked, entailed dataset):

- ``full``: every named graph — the ontology, each source document's graph, the reference data and
  the entailed graph.
- ``public``: ``full`` minus whatever is marked ``fg:internal true``, as the data says (no list in
  code): a marked *property* loses every statement that uses it (its definition stays); a marked
  node that names a graph (an unpublished *source document*) loses that whole graph; any marked
  node, source documents included, loses every statement with it as subject or object. The
  entailed graph is then derived again from what remains, so nothing entailed from an internal
  statement survives.
- ``schema``: for a partner who knows only schema.org: from the public profile's data graphs and
  its entailed graph (not the ontology graph), the statements whose property is in
  ``https://schema.org/`` and the ``rdf:type`` statements whose class is, merged into the one named
  graph ``{base}graph/schema``. ``rdfs:label`` is aligned to ``schema:name`` (names in every
  language) and ``fg:wikidata`` to ``schema:sameAs``, so both come through the entailed graph.

Files, in ``out`` (see :data:`FORMATS`): ``<profile>/filmgraph.{ttl,nt,rdf}`` hold the merge of the
profile's graphs (each triple once); ``.nq``, ``.trig`` and ``.jsonld`` keep the named graphs;
``<profile>/csv/<Class>.csv`` (one per main class, see :func:`main_classes`) and
``<profile>/csv/edges.csv``; ``context.jsonld``, the JSON-LD context every ``.jsonld`` file
inlines; ``SHA256SUMS``. The folder is written next to ``out`` and swapped in whole
(:func:`filmgraph.atomic.replace_dir`): a failed or interrupted export leaves the previous one as
it was.

JSON-LD is compacted by filmgraph itself (pyoxigraph's writer gives expanded JSON-LD): compact IRIs
from :data:`filmgraph.namespaces.PREFIXES`, one node object per subject and graph, ``@type`` for classes,
language maps for the usual name and text properties (:data:`LANGUAGE_MAPS`), typed values with
their datatype. The context's version is filmgraph's version, stated outside the context map, in
the context document itself (:func:`context_document`); see there why.

Blank nodes become stable IRIs ``{base}.well-known/genid/{digest}`` (RDF 1.1 §3.5), the digest
computed from the blank node's surroundings, so two exports of the same data have the same IRIs
and, since everything is written in one order — by graph, then by the N-Triples text of the
statement (subject, predicate, object) — the same bytes. Each profile's statements are read from
its store once, as N-Triples text, and sorted as text (:class:`_Sorted`): the full profile is
read where the dataset is, never copied. N-Triples and N-Quads are written from that text, the
other RDF formats by pyoxigraph's serializers from those files parsed back, JSON-LD and CSV from
the text parsed back one subject at a time; the description's measures are counted as the
N-Triples go by (:class:`filmgraph.description.Tally`). Memory holds the text of the profile being
written and the in-memory profiles still needed, never a whole file or the statements as Python
objects, whatever the number of formats.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import heapq
import io
import itertools
import json
import re
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from . import __version__
from .atomic import replace_dir, sha256_file
from .description import PROFILES as DESCRIBED, Tally
from .entailment import entail
from .errors import OutputError, UsageError
from .namespaces import FG, OWL, PREFIXES, RDF, RDFS, SCHEMA, graph_iri
from .queries import rebase_text
from .settings import Settings
from .store import EmbeddedStore
from .validation import Progress

PROFILES = ("full", "schema", "public")
FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml", "csv")

#: file extension of each format (RDF/XML files end in .rdf); csv is a folder of files
EXTENSIONS = {"ttl": "ttl", "nt": "nt", "nq": "nq", "trig": "trig", "jsonld": "jsonld", "rdfxml": "rdf"}
MEDIA_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "nq": "application/n-quads",
               "trig": "application/trig", "jsonld": "application/ld+json",
               "rdfxml": "application/rdf+xml", "csv": "text/csv"}
_OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
               "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML}
#: formats that keep the named graphs; the others hold the merge of the profile's graphs
DATASET_FORMATS = ("nq", "trig", "jsonld")

FILE_STEM = "filmgraph"
CONTEXT_FILE = "context.jsonld"
CHECKSUMS = "SHA256SUMS"
#: joins several values in one CSV cell (as in the network exports)
SEPARATOR = " | "

#: properties whose string values the JSON-LD context writes as language maps ({"zh": …, "en": …})
LANGUAGE_MAPS = ("rdfs:label", "rdfs:comment", "skos:prefLabel", "skos:altLabel", "skos:definition",
                 "skos:note", "schema:name", "schema:alternateName", "schema:description",
                 "dcterms:title", "dcterms:description")

_RDF_TYPE = ox.NamedNode(RDF + "type")
_RDF_TYPE_IRI = RDF + "type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LABEL_ORDER = ("zh", "en")

@dataclass(frozen=True)
class ExportedFile:
    """One file written: ``path`` relative to the export folder, the ``profile`` it belongs to
    (None for the shared ``context.jsonld``), its ``format`` (one of :data:`FORMATS`, or
    ``"context"``), ``media_type``, size in ``bytes``, for RDF files the number of statements
    (``triples``: quads for N-Quads, TriG and JSON-LD; None for CSV and the context) and its
    ``sha256`` (hex), which the description and ``SHA256SUMS`` take instead of reading it again."""

    path: Path
    profile: str | None
    format: str
    media_type: str
    bytes: int
    triples: int | None = None
    sha256: str | None = None


@dataclass
class ExportReport:
    """What an export wrote into ``out``: every file, and what it was asked for."""

    out: Path
    files: list[ExportedFile] = field(default_factory=list)
    profiles: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    version: str | None = None
    base_iri: str = ""
    filmgraph_version: str = __version__
    settings: Settings = field(default_factory=Settings)
    seconds: float = 0.0
    #: profile -> (its :class:`~filmgraph.description.Measures`, the profile its example resources
    #: were taken from or None), counted as its N-Triples were written, for the ``describe``
    #: callback (:func:`filmgraph.description.describe`), when there is one and an RDF format was written
    measures: dict = field(default_factory=dict)

    def summary(self) -> str:
        size = sum(f.bytes for f in self.files)
        return (f"exported {', '.join(self.profiles)} as {', '.join(self.formats)} to {self.out}: "
                f"{len(self.files)} files, {size:,} bytes, {self.seconds:.2f} s")


# -- choices -----------------------------------------------------------------------------------

def _choices(values: str | Iterable[str], valid: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``values`` (one name, or several; ``all`` means every one) in the order of ``valid``.
    Raises :class:`UsageError` naming the valid values."""
    given = [values] if isinstance(values, str) else list(values)
    wanted: set[str] = set()
    for value in given:
        for name in str(value).split(","):
            name = name.strip().lower()
            if name == "all":
                wanted.update(valid)
            elif name in valid:
                wanted.add(name)
            else:
                raise UsageError(f"unknown export {what} {name!r} — use one of {', '.join(valid)} or all")
    if not wanted:
        raise UsageError(f"no export {what} given — use one of {', '.join(valid)} or all")
    return tuple(v for v in valid if v in wanted)


# -- prefixes and the JSON-LD context ----------------------------------------------------------

def prefixes(base_iri: str) -> dict[str, str]:
    """:data:`~filmgraph.namespaces.PREFIXES` with the data namespaces moved under ``base_iri``."""
    return {name: rebase_text(ns, base_iri) for name, ns in PREFIXES.items()}


def jsonld_context(base_iri: str) -> dict:
    """The JSON-LD 1.1 context of every ``.jsonld`` file: the prefixes of :func:`prefixes` and a
    language-map term for each property of :data:`LANGUAGE_MAPS`. It depends on filmgraph's
    version and ``base_iri`` only, never on the data."""
    context: dict = {"@version": 1.1}
    context.update(prefixes(base_iri))
    for term in LANGUAGE_MAPS:
        context[term] = {"@id": term, "@container": "@language"}
    return context


def context_iri(base_iri: str) -> str:
    """The IRI naming this version of the context: ``{base}context/{filmgraph version}``."""
    return f"{base_iri}context/{__version__}"


def context_document(base_iri: str) -> dict:
    """The content of ``context.jsonld``: ``{"@context": …}`` as in every ``.jsonld`` file, plus
    the version marker beside it.

    A context map may hold only keywords and term definitions, so a version written inside it
    would either be rejected or define a bogus term. ``@version: 1.1`` inside it is JSON-LD's own
    processing mode, not ours. filmgraph's version therefore sits next to the map, in the context
    document: ``@id`` (:func:`context_iri`, the version in the IRI, as versioned W3C contexts do)
    and ``schema:version``. JSON-LD processors that load the file as a context read only its
    ``@context`` entry and ignore the rest (JSON-LD 1.1 API, context processing, remote contexts);
    read as JSON-LD data, the file describes itself in one triple-pair.
    """
    return {"@context": jsonld_context(base_iri), "@id": context_iri(base_iri),
            "schema:version": __version__}


# -- checksums ---------------------------------------------------------------------------------

def write_checksums(folder: str | Path, digests: dict[str, str] | None = None) -> Path:
    """Write ``folder/SHA256SUMS``: one ``<sha256 hex>  <path>`` line per file below ``folder``
    (paths relative, with ``/``, sorted; the SHA256SUMS file itself left out), the format that
    ``sha256sum -c SHA256SUMS`` checks; ``digests`` (relative path -> hex) are those already
    known, the other files are read. Returns its path. Raises :class:`OutputError` when a file
    cannot be read or the list cannot be written."""
    folder = Path(folder)
    target = folder / CHECKSUMS
    digests = digests or {}
    try:
        files = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*")) if p.is_file() and p != target]
        lines = [f"{digests.get(p) or sha256_file(folder / p)}  {p}\n" for p in files]
        target.write_text("".join(lines), encoding="utf-8")
    except OSError as e:
        raise OutputError(f"{folder}: cannot write {CHECKSUMS} ({e.strerror or e}) — check that the "
                          "folder is readable and writable") from None
    return target


# -- stable blank node IRIs --------------------------------------------------------------------

def _genid(base_iri: str) -> str:
    """Where the IRIs that replace blank nodes live (as :func:`filmgraph.push.skolemize` puts them)."""
    return f"{base_iri}.well-known/genid/"


def _term_key(term, colour: dict) -> str:
    return colour[term] if isinstance(term, ox.BlankNode) else str(term)


def stable_blank_iris(rows: Iterable[tuple], base_iri: str, *, max_rounds: int = 64) -> dict[ox.BlankNode, ox.NamedNode]:
    """An IRI ``{base}.well-known/genid/{digest}`` for each blank node of ``rows`` (the
    ``(subject, predicate, object, graph)`` statements that involve blank nodes).

    The digest depends only on what surrounds the blank node (its statements, and theirs, to the
    depth needed to tell blank nodes apart), not on the label the parser happened to give it, so
    the same data always gives the same IRIs. Blank nodes that nothing tells apart get the same
    digest and a ``-1``, ``-2``… suffix; every blank node gets its own IRI, so the dataset is
    renamed, never merged.
    """
    edges: dict[ox.BlankNode, list[tuple]] = defaultdict(list)
    for s, p, o, g in rows:
        graph = g.value if isinstance(g, ox.NamedNode) else ""
        if isinstance(s, ox.BlankNode):
            edges[s].append((">", p.value, o, graph))
        if isinstance(o, ox.BlankNode):
            edges[o].append(("<", p.value, s, graph))
    colour = {b: "" for b in edges}
    classes = 0
    for _ in range(max_rounds):
        colour = {b: hashlib.sha256("\n".join([colour[b], *sorted(
            f"{d} {p} {_term_key(other, colour)} {g}" for d, p, other, g in around)]).encode()).hexdigest()
            for b, around in edges.items()}
        count = len(set(colour.values()))
        if count == classes:
            break
        classes = count
    by_colour: dict[str, list[ox.BlankNode]] = defaultdict(list)
    for blank, c in colour.items():
        by_colour[c].append(blank)
    iris = {}
    for c, blanks in by_colour.items():
        for i, blank in enumerate(sorted(blanks, key=lambda b: b.value)):
            iris[blank] = ox.NamedNode(f"{_genid(base_iri)}{c[:24]}{f'-{i}' if i else ''}")
    return iris


_BLANK_ROWS = """SELECT ?s ?p ?o ?g WHERE {
  { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }
  UNION { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }
}"""


def _blank_rows(store: ox.Store) -> list[tuple]:
    return [(r["s"], r["p"], r["o"], r["g"] or ox.DefaultGraph()) for r in store.query(_BLANK_ROWS)]


def _skolemize(quad: ox.Quad, iris: dict) -> ox.Quad:
    s, o = quad.subject, quad.object
    if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
        return ox.Quad(iris.get(s, s), quad.predicate, iris.get(o, o), quad.graph_name)
    return quad


def _skolemize_store(store: EmbeddedStore, iris: dict, base_iri: str) -> None:
    """Replace every blank node of ``store`` by its IRI in ``iris`` (one not there, e.g. made after
    ``iris`` was computed, gets one from its surroundings in ``store``)."""
    rows = _blank_rows(store.ox)
    if not rows:
        return
    missing = {t for row in rows for t in (row[0], row[2]) if isinstance(t, ox.BlankNode) and t not in iris}
    if missing:
        iris = {**stable_blank_iris(rows, base_iri), **iris}
    for s, p, o, g in rows:
        store.ox.remove(ox.Quad(s, p, o, g))
    store.add(_skolemize(ox.Quad(s, p, o, g), iris) for s, p, o, g in rows)


# -- profiles ----------------------------------------------------------------------------------

@dataclass
class Internal:
    """What the data marks ``fg:internal true``: ``properties`` (their statements are left out),
    ``graphs`` (marked nodes that name a graph: the graph is left out) and ``nodes`` (every marked
    node that is not a property: statements about it or pointing to it are left out)."""

    properties: set = field(default_factory=set)
    graphs: set = field(default_factory=set)
    nodes: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.properties or self.graphs or self.nodes)

    def keeps(self, quad: ox.Quad) -> bool:
        return not (quad.graph_name in self.graphs or quad.predicate in self.properties
                    or quad.subject in self.nodes or quad.object in self.nodes)


_MARKED = f"""SELECT DISTINCT ?x WHERE {{ GRAPH ?g {{ ?x <{FG}internal> ?v }} FILTER(?g != <%(ent)s> && ?v = true) }}"""
_PROPERTY_KINDS = [RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"]


def internal_marks(store: ox.Store, *, ontology_graph: str, entailed_graph: str) -> Internal:
    """Read what is marked ``fg:internal true`` in any graph but the entailed one. A marked term
    is a property when the ontology graph declares it one or some statement uses it as predicate."""
    marks = Internal()
    graphs = set(store.named_graphs())
    ontology = ox.NamedNode(ontology_graph)
    for row in store.query(_MARKED % {"ent": entailed_graph}, use_default_graph_as_union=True):
        x = row["x"]
        declared = isinstance(x, ox.NamedNode) and any(
            True for kind in _PROPERTY_KINDS
            for _ in store.quads_for_pattern(x, _RDF_TYPE, ox.NamedNode(kind), ontology))
        used = isinstance(x, ox.NamedNode) and any(True for _ in store.quads_for_pattern(None, x, None, None))
        if declared or used:
            marks.properties.add(x)
            continue
        marks.nodes.add(x)
        if x in graphs:
            marks.graphs.add(x)
    return marks


def _public(source: ox.Store, iris: dict, *, base_iri: str) -> EmbeddedStore:
    ontology, entailed = graph_iri("ontology", base_iri), graph_iri("entailed", base_iri)
    marks = internal_marks(source, ontology_graph=ontology, entailed_graph=entailed)
    store = EmbeddedStore()
    if not marks:
        store.add(source.quads_for_pattern(None, None, None, None))
    else:
        skip = ox.NamedNode(entailed)
        store.add(q for q in source.quads_for_pattern(None, None, None, None)
                  if q.graph_name != skip and marks.keeps(q))
        entail(store, ontology_graph=ontology, entailed_graph=entailed)
        graph = ox.NamedNode(entailed)
        derived = [q for q in store.ox.quads_for_pattern(None, None, None, graph) if not marks.keeps(q)]
        for quad in derived:
            store.ox.remove(quad)
    _skolemize_store(store, iris, base_iri)
    return store


def _schema(public: EmbeddedStore, *, base_iri: str) -> EmbeddedStore:
    ontology = ox.NamedNode(graph_iri("ontology", base_iri))
    target = ox.NamedNode(graph_iri("schema", base_iri))
    graphs = [g for g in public.ox.named_graphs() if g != ontology]
    predicates = {r["p"] for r in public.ox.query(
        f"SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {ontology} && STRSTARTS(STR(?p), \"{SCHEMA}\")) }}")}
    classes = {r["c"] for r in public.ox.query(
        f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s a ?c }} FILTER(?g != {ontology} && isIRI(?c) && STRSTARTS(STR(?c), \"{SCHEMA}\")) }}")}

    def quads():
        for g in graphs:
            for p in sorted(predicates, key=lambda t: t.value):
                for q in public.ox.quads_for_pattern(None, p, None, g):
                    yield ox.Quad(q.subject, q.predicate, q.object, target)
            for c in sorted(classes, key=lambda t: t.value):
                for q in public.ox.quads_for_pattern(None, _RDF_TYPE, c, g):
                    yield ox.Quad(q.subject, q.predicate, q.object, target)

    store = EmbeddedStore()
    store.add(quads())
    return store


def profile_stores(source: ox.Store, profiles: tuple[str, ...], *, base_iri: str,
                   progress: Progress | None = None) -> Iterator[tuple[str, _Sorted, _Classes]]:
    """For each of ``profiles`` in turn: ``(name, ordered, classes)``: the profile's quads, blank
    nodes replaced by stable IRIs, in order, and the classes that sort its entities into CSV files
    (the public profile's for ``schema``: cut from it, it keeps no fg: classes).

    The full profile is ``source`` itself, read where it is (never copied), its blank nodes named
    as it is read; the public profile is built in memory from ``source`` when first needed (with
    the same IRIs), and dropped once read if no profile still to come needs it; the schema profile
    is built from the public one and dropped once read."""
    say = progress or (lambda _msg: None)
    iris = public = None
    for index, name in enumerate(profiles):
        later = profiles[index + 1:]
        if name == "full":
            say("reading the dataset")
            ordered = _Sorted(source, base_iri=base_iri)
            iris = ordered.iris
            yield name, ordered, _Classes(_Renamed(source, iris), base_iri=base_iri)
            del ordered
            continue
        if public is None:
            if iris is None:
                say("reading the dataset")
                iris = stable_blank_iris(_blank_rows(source), base_iri)
            say("building the public profile")
            public = _public(source, iris, base_iri=base_iri)
        if name == "schema":
            say("building the schema profile")
            ordered = _Sorted(_schema(public, base_iri=base_iri).ox)
        else:
            ordered = _Sorted(public.ox)
        classes = _Classes(_Renamed(public.ox, {}), base_iri=base_iri)
        if "public" not in later and "schema" not in later:
            public = None
        yield name, ordered, classes
        del ordered, classes


# -- ordered reading of a profile --------------------------------------------------------------

class _Renamed:
    """A profile's ``store`` (read only) with each blank node seen as its IRI in ``iris``."""

    def __init__(self, store: ox.Store, iris: dict):
        self.store, self.iris = store, iris
        self._blanks = {iri: blank for blank, iri in iris.items()}

    def named_graphs(self) -> Iterator:
        return self.store.named_graphs()

    def quads_for_pattern(self, subject, predicate, object, graph) -> Iterator[ox.Quad]:
        blank = self._blanks.get
        quads = self.store.quads_for_pattern(subject and blank(subject, subject), predicate,
                                             object and blank(object, object), graph)
        return (_skolemize(q, self.iris) for q in quads) if self.iris else quads


def _has_blank(line: bytes) -> bool:
    """Whether the subject or the object of an N-Triples line is a blank node (a subject and a
    predicate hold no space)."""
    return line.startswith(b"_:") or line[line.index(b" ", line.index(b" ") + 1) + 1:].startswith(b"_:")


def _blank_lines(lines: list[bytes]) -> tuple[list[bytes], list[ox.Quad]]:
    """``lines`` (N-Triples) without the statements whose subject or object is a blank node, and
    those statements, parsed (in the default graph)."""
    found = [i for i, line in enumerate(lines) if b"_:" in line and _has_blank(line)]
    if not found:
        return lines, []
    quads = list(ox.parse(b"\n".join(lines[i] for i in found), ox.RdfFormat.N_TRIPLES, lenient=True))
    skip = set(found)
    return [line for i, line in enumerate(lines) if i not in skip], quads


def _chunks(block: bytes, size: int = 1 << 24) -> Iterator[bytes]:
    """``block`` in pieces of about ``size`` bytes, each ending with a whole line."""
    start = 0
    while start < len(block):
        end = block.find(b"\n", start + size) + 1 or len(block)
        yield block[start:end]
        start = end


class _Sorted:
    """A profile's statements in the one order every format is written in: by graph (the default
    graph first, then named graphs by IRI), then by the N-Triples text of the statement (subject,
    predicate, object), so that each subject's statements are together.

    Each graph is read with the store's own N-Triples writer (the next two in threads while one is
    sorted), its lines sorted as bytes (UTF-8 sorts as the text does) and kept as one block of
    text: no statement is held as Python objects. With ``base_iri``, blank nodes are replaced by
    IRIs (:func:`stable_blank_iris`, computed from the statements read, :attr:`iris`); without,
    the store is expected to have none. The merge of the graphs (each triple once) is the k-way
    merge of the blocks; writers that need terms parse the text back, one statement at a time."""

    def __init__(self, store: ox.Store, *, base_iri: str | None = None):
        named = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
        graphs = [ox.DefaultGraph(), *named]
        #: graph -> its sorted N-Triples lines, for each graph with statements, in order
        self.blocks: dict = {}
        self.quad_count = 0
        blank: dict = {}  # graph -> its statements with a blank node, in the default graph
        with ThreadPoolExecutor(2) as pool:
            def read(index: int):
                return pool.submit(store.dump, format=ox.RdfFormat.N_TRIPLES, from_graph=graphs[index])

            reading = deque(read(i) for i in range(min(2, len(graphs))))  # the next two graphs
            for index, graph in enumerate(graphs):
                dump = reading.popleft().result()
                if index + 2 < len(graphs):
                    reading.append(read(index + 2))
                lines = dump.split(b"\n")
                lines.pop()  # after the last newline
                if base_iri is not None and b"_:" in dump:
                    lines, blank[graph] = _blank_lines(lines)
                del dump
                self._add(graph, lines)
                del lines
        blank = {graph: quads for graph, quads in blank.items() if quads}
        #: blank node -> IRI
        self.iris = stable_blank_iris([(q.subject, q.predicate, q.object, g) for g, quads in blank.items()
                                       for q in quads], base_iri) if blank else {}
        for graph, quads in blank.items():
            lines = self.blocks.pop(graph, b"").split(b"\n")[:-1]
            self.quad_count -= len(lines)
            renamed = {f"{_skolemize(q, self.iris).triple} .".encode() for q in quads}
            self._add(graph, list(renamed.union(lines)))  # a store is a set
        self.blocks = {g: self.blocks[g] for g in graphs if g in self.blocks}
        self.graphs = list(self.blocks)
        #: the number of triples of the merge, once it has been read (:meth:`merged`)
        self.triple_count: int | None = None
        self._files: dict[str, Path] = {}

    def _add(self, graph, lines: list[bytes]) -> None:
        if lines:
            self.quad_count += len(lines)
            lines.sort()
            lines.append(b"")
            self.blocks[graph] = b"\n".join(lines)

    def merged(self) -> Iterator[bytes]:
        """The lines of the merge of the graphs, each triple once, in order; sets :attr:`triple_count`."""
        previous, count = None, 0
        for line in heapq.merge(*map(io.BytesIO, self.blocks.values())):
            if line != previous:
                previous = line
                count += 1
                yield line
        self.triple_count = count

    def file(self, kind: str, path: Path, tally: Tally | None = None) -> Path:
        """The profile as N-Triples (``kind`` ``"nt"``: the merge of the graphs, counted by
        ``tally`` on the way) or N-Quads (``"nq"``), written to ``path`` on the first call of each
        kind; the path it was written to."""
        if kind not in self._files:
            with path.open("wb") as out:
                if kind == "nt":
                    out.writelines(tally.through(self.merged()) if tally else self.merged())
                else:
                    for graph, block in self.blocks.items():
                        if isinstance(graph, ox.DefaultGraph):
                            out.write(block)
                        else:
                            out.writelines(chunk.replace(b" .\n", f" {graph} .\n".encode()) for chunk in _chunks(block))
            self._files[kind] = path
        return self._files[kind]

    def groups(self, graph) -> Iterator[tuple[object, list[ox.Quad]]]:
        """``(subject, its statements)`` for each subject of ``graph``, in order (the statements
        parsed back, in the default graph)."""
        quads = ox.parse(self.blocks[graph], ox.RdfFormat.N_TRIPLES, lenient=True)
        return ((subject, list(group)) for subject, group in itertools.groupby(quads, key=attrgetter("subject")))


# -- JSON-LD -----------------------------------------------------------------------------------

_SAFE_INT = 2 ** 53


class _Compactor:
    """Compact IRIs ``prefix:suffix`` for the context's prefixes, where expansion gives back the
    same IRI; other IRIs stay whole."""

    def __init__(self, context: dict):
        self.prefixes = sorted(((ns, name) for name, ns in context.items() if isinstance(ns, str) and not name.startswith("@")),
                               key=lambda item: -len(item[0]))
        self.terms = {name for name in context if not name.startswith("@")}
        self.maps = {self.expand(t) for t, d in context.items() if isinstance(d, dict) and d.get("@container") == "@language"}
        self._by_folder: dict[str, tuple[str, str] | None] = {}
        self._short: dict[str, str] = {}
        self._compact: dict[str, str] = {}

    def expand(self, compact: str) -> str:
        prefix, _, suffix = compact.partition(":")
        return next(ns for ns, name in self.prefixes if name == prefix) + suffix

    def _prefix(self, folder: str) -> tuple[str, str] | None:
        """The longest prefix whose namespace starts ``folder`` (an IRI up to its last / or #)."""
        if folder not in self._by_folder:
            self._by_folder[folder] = next(((ns, name) for ns, name in self.prefixes if folder.startswith(ns)), None)
        return self._by_folder[folder]

    def short(self, iri: str) -> str:
        """``prefix:suffix`` when a prefix covers ``iri``, else ``iri`` (for names shown to people)."""
        found = self._short.get(iri)
        if found is None:
            found = self._short[iri] = self._shorten(iri)
        return found

    def _shorten(self, iri: str) -> str:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        found = self._prefix(iri[:cut])
        if found is not None and not iri[len(found[0]):].startswith("//"):
            return f"{found[1]}:{iri[len(found[0]):]}"
        return iri

    def __call__(self, iri: str) -> str:
        """``iri`` as JSON-LD writes it: compact when a prefix covers it. Raises
        :class:`OutputError` for a whole IRI that JSON-LD would misread as a compact one."""
        found = self._compact.get(iri)
        if found is None:
            found = self._compact[iri] = self._checked(iri)
        return found

    def _checked(self, iri: str) -> str:
        short = self.short(iri)
        if short != iri:
            return short
        scheme = iri.split(":", 1)[0]
        if scheme in self.terms:
            raise OutputError(f"the IRI <{iri}> cannot be written in JSON-LD: its scheme {scheme!r} is also a "
                              "prefix of the filmgraph context, so it would be read as a compact IRI — "
                              "leave jsonld out of --format, or use another IRI")
        return iri


def _value(term, compact: _Compactor):
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if datatype == _XSD + "string":
            return term.value
        if datatype == _XSD + "boolean" and term.value in ("true", "false"):
            return term.value == "true"
        if datatype == _XSD + "integer" and re.fullmatch(r"-?(0|[1-9]\d{0,15})", term.value) \
                and term.value != "-0" and abs(int(term.value)) < _SAFE_INT:
            return int(term.value)
        return {"@value": term.value, "@type": compact(datatype)}
    return {"@id": compact(term.value)}


def _one_or_many(values: list):
    return values[0] if len(values) == 1 else values


def _node(subject, quads: list[ox.Quad], compact: _Compactor) -> dict:
    node: dict = {"@id": compact(subject.value)}
    types = []
    by_predicate: dict[str, list] = {}
    for q in quads:
        predicate, o = q.predicate.value, q.object
        if predicate == _RDF_TYPE_IRI and isinstance(o, ox.NamedNode):
            types.append(compact(o.value))
        elif predicate in by_predicate:
            by_predicate[predicate].append(o)
        else:
            by_predicate[predicate] = [o]
    if types:
        types.sort()
        node["@type"] = _one_or_many(types)
    entries: dict[str, object] = {}
    for predicate, objects in by_predicate.items():
        key = compact(predicate)
        if predicate in compact.maps:
            strings = [o for o in objects if isinstance(o, ox.Literal)
                       and (o.language or o.datatype.value == _XSD + "string")]
            if strings:
                languages: dict[str, list[str]] = defaultdict(list)
                for o in strings:
                    languages[o.language or "@none"].append(o.value)
                order = sorted(languages, key=lambda lang: (lang == "@none", lang not in _LABEL_ORDER,
                                                            _LABEL_ORDER.index(lang) if lang in _LABEL_ORDER else 0, lang))
                entries[key] = {lang: _one_or_many(languages[lang]) for lang in order}
            objects = [o for o in objects if o not in strings]
            if not objects:
                continue
            key = predicate  # the whole IRI is no term, so these values are read as written
        entries[key] = _one_or_many([_value(o, compact) for o in objects])
    for key in sorted(entries):
        node[key] = entries[key]
    return node


_string = json.encoder.encode_basestring  # a JSON string, non-ASCII characters kept as they are


def _scalar(value) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is True or value is False:
        return "true" if value else "false"
    return json.dumps(value)


def _plain(values) -> bool:
    for v in values:
        if isinstance(v, (dict, list)):
            return False
    return True


def _dumps(value, depth: int = 0) -> str:
    """JSON like ``json.dumps(indent=2, ensure_ascii=False)``, except that a small object or list
    of plain values (``{"@id": "fgid:city/almaty"}``, a language map) stays on one line when it
    is short."""
    if type(value) is str:
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if _plain(value.values()):
            one = "{" + ", ".join([_string(k) + ": " + _scalar(v) for k, v in value.items()]) + "}"
            if len(one) + 2 * depth <= 100:
                return one
        pad = ",\n" + "  " * (depth + 1)
        return ("{" + pad[1:] + pad.join([_string(k) + ": " + (_string(v) if type(v) is str else _dumps(v, depth + 1))
                                          for k, v in value.items()])
                + "\n" + "  " * depth + "}")
    if isinstance(value, list):
        if not value:
            return "[]"
        if _plain(value):
            one = "[" + ", ".join([_scalar(v) for v in value]) + "]"
            if len(one) + 2 * depth <= 100:
                return one
        pad = ",\n" + "  " * (depth + 1)
        return ("[" + pad[1:] + pad.join([_string(v) if type(v) is str else _dumps(v, depth + 1) for v in value])
                + "\n" + "  " * depth + "]")
    return _scalar(value)


def _write_jsonld(ordered: _Sorted, path: Path, base_iri: str) -> None:
    """Write the profile as compacted JSON-LD: ``{"@context": …, "@graph": [{"@id": graph,
    "@graph": [node, …]}, …]}`` (default-graph nodes, if any, directly in the outer ``@graph``)."""
    context = jsonld_context(base_iri)
    compact = _Compactor(context)
    with path.open("w", encoding="utf-8") as out:
        out.write('{\n  "@context": ' + _dumps(context, 1) + ',\n  "@graph": [')
        separator = "\n"  # before the next entry of the outer @graph
        for graph in ordered.graphs:
            depth = 4
            if isinstance(graph, ox.NamedNode):
                out.write(f'{separator}    {{\n      "@id": {_string(compact(graph.value))},\n      "@graph": [')
                separator, depth = "\n", 8
            for subject, quads in ordered.groups(graph):
                out.write(separator + " " * depth + _dumps(_node(subject, quads, compact), depth // 2))
                separator = ",\n"
            if depth == 8:
                out.write("\n      ]\n    }")
                separator = ",\n"
        out.write("\n  ]\n}\n")


# -- CSV ---------------------------------------------------------------------------------------

def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or "Thing"


class _Classes:
    """The class hierarchy of an ontology graph, and the classes asserted of each entity."""

    def __init__(self, typing: _Renamed, *, base_iri: str):
        ontology = ox.NamedNode(graph_iri("ontology", base_iri))
        anonymous = _genid(base_iri)
        self.supers: dict[str, set[str]] = defaultdict(set)
        self.declared: set[str] = set()
        for kind in (OWL + "Class", RDFS + "Class"):
            for q in typing.quads_for_pattern(None, _RDF_TYPE, ox.NamedNode(kind), ontology):
                if isinstance(q.subject, ox.NamedNode) and not q.subject.value.startswith(anonymous):
                    self.declared.add(q.subject.value)
        for q in typing.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, ontology):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                self.supers[q.subject.value].add(q.object.value)
        self._ancestors: dict[str, set[str]] = {}
        entailed = ox.NamedNode(graph_iri("entailed", base_iri))
        self.asserted: dict[ox.NamedNode, set[str]] = defaultdict(set)
        for graph in [ox.DefaultGraph(), *typing.named_graphs()]:
            if graph == entailed:
                continue
            for q in typing.quads_for_pattern(None, _RDF_TYPE, None, graph):
                if (isinstance(q.subject, ox.NamedNode)
                        and isinstance(q.object, ox.NamedNode) and q.object.value in self.declared):
                    self.asserted[q.subject].add(q.object.value)

    def ancestors(self, cls: str) -> set[str]:
        """Every class above ``cls`` (not ``cls`` itself), in any vocabulary."""
        if cls not in self._ancestors:
            found, todo = set(), list(self.supers.get(cls, ()))
            while todo:
                c = todo.pop()
                if c not in found and c != cls:
                    found.add(c)
                    todo.extend(self.supers.get(c, ()))
            self._ancestors[cls] = found
        return self._ancestors[cls]

    def most_specific(self, classes: set[str]) -> list[str]:
        return sorted(c for c in classes if not any(c in self.ancestors(d) for d in classes if d != c))


def main_classes(classes: _Classes) -> list[str]:
    """The classes that get a CSV file: each root of the ontology's class hierarchy (a declared
    class with no declared superclass); a root with subclasses but no instance of its own — a
    grouping such as fg:Agent, fg:Place, fg:CreativeWork — is replaced by its direct subclasses
    (fg:Person, fg:Organization, fg:Country, fg:City, fg:Film, …). Deeper subclasses stay in their
    main class's file and show in its ``type`` column."""
    declared = classes.declared
    direct = defaultdict(int)
    for types in classes.asserted.values():
        for t in types:
            direct[t] += 1
    children: dict[str, set[str]] = defaultdict(set)
    for c in declared:
        for s in classes.supers.get(c, ()):
            if s in declared:
                children[s].add(c)
    main: set[str] = set()
    for c in declared:
        if classes.supers.get(c, set()) & declared:
            continue
        if not direct[c] and children[c]:
            main |= children[c]
        else:
            main.add(c)
    return sorted(main)


#: a line of N-Triples (after its newline) whose subject and object are IRIs: the three IRIs (an
#: IRI holds no < or >; a quoted triple starts with <<)
_EDGE = re.compile(r"\n<([^>]*)> <([^>]*)> <([^<>]*)> \.")


def _csv_file(path: Path):
    """``path`` opened for writing CSV: UTF-8 with a byte-order mark, as the ``utf-8-sig`` codec
    writes it but with the faster ``utf-8`` one (``utf-8-sig`` runs Python code on each write)."""
    handle = path.open("w", encoding="utf-8", newline="")
    handle.write("\ufeff")
    return handle


def _cell(values) -> str:
    return SEPARATOR.join(sorted(set(values))) if values else ""


def _write_csv(ordered: _Sorted, folder: Path, *, classes: _Classes, profile: str, base_iri: str) -> list[tuple[Path, int]]:
    """Write ``<Class>.csv`` per main class (:func:`main_classes`) and ``edges.csv``, UTF-8 with a
    byte-order mark (so that Excel reads Chinese right); returns (path, rows) of each.

    A class file has one row per entity of the class (by the classes asserted in ``classes``) that
    the profile holds, sorted by IRI. Columns: ``id`` (the IRI); ``type`` (the entity's most
    specific classes in the profile, for a class with subclasses); ``label_zh``, ``label_en``, then
    ``label_<lang>`` for the other languages present (``rdfs:label``; ``schema:name`` in the schema
    profile); then one column per property (and language, ``fg:jobTitle@en``) that the class's
    entities have outside the entailed graph, the most used first. Links are IRIs, literals their
    lexical form, several values joined by :data:`SEPARATOR`. ``edges.csv``: ``subject``,
    ``predicate``, ``object``, ``graph`` of every statement between two IRIs."""
    compact = _Compactor(jsonld_context(base_iri))
    # a row shows the asserted statements: the entailed graph would repeat them in other
    # vocabularies (the schema profile has one graph, and shows it)
    hidden = ox.NamedNode(graph_iri("entailed", base_iri))
    label = SCHEMA + "name" if profile == "schema" else RDFS + "label"
    mains = main_classes(classes)
    member_of: dict[ox.NamedNode, list[str]] = {}  # entity -> its main classes
    by_types: dict[frozenset, list[str]] = {}
    for entity, types in classes.asserted.items():
        key = frozenset(types)
        if key not in by_types:
            by_types[key] = [m for m in mains if any(t == m or m in classes.ancestors(t) for t in types)]
        if by_types[key]:
            member_of[entity] = by_types[key]
    # each entity's classes and its cells' values, from its statements in every graph but the
    # entailed one, per main class: {class: {IRI: (classes, {(property or "@label", language): [values]})}}
    tables: dict[str, dict[str, tuple]] = defaultdict(dict)
    for graph in ordered.graphs:
        if graph == hidden:
            continue
        for subject, quads in ordered.groups(graph):
            found = member_of.get(subject)
            if found is None:
                continue
            entry = tables[found[0]].get(subject.value)
            if entry is None:
                entry = (set(), {})
                for m in found:
                    tables[m][subject.value] = entry
            types, cells = entry
            for q in quads:
                predicate, o = q.predicate.value, q.object
                if predicate == _RDF_TYPE_IRI:
                    if isinstance(o, ox.NamedNode):
                        types.add(o.value)
                    continue
                lang = o.language or "" if isinstance(o, ox.Literal) else ""
                key = ("@label", lang) if predicate == label else (predicate, lang)
                if key in cells:
                    cells[key].append(o.value)
                else:
                    cells[key] = [o.value]
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    for cls in mains:
        table = tables.pop(cls, None)
        if not table:
            continue
        has_subclasses = any(cls in classes.ancestors(c) for c in classes.declared)
        languages: set[str] = set()
        columns: dict[tuple[str, str], int] = defaultdict(int)
        for _types, cells in table.values():
            for key in cells:
                if key[0] == "@label":
                    languages.add(key[1])
                else:
                    columns[key] += 1
        langs = [lang for lang in _LABEL_ORDER if lang in languages] + sorted(languages - set(_LABEL_ORDER) - {""})
        if "" in languages:
            langs.append("")
        ordered_columns = sorted(columns, key=lambda key: (-columns[key], compact.short(key[0]), key[1]))
        header = ["id"] + (["type"] if has_subclasses else [])
        header += [f"label_{lang}" if lang else "label" for lang in langs]
        header += [compact.short(p) + (f"@{lang}" if lang else "") for p, lang in ordered_columns]
        stem = _local_name(cls)
        while stem in names:
            stem += "_"
        names.add(stem)
        path = folder / f"{stem}.csv"
        with _csv_file(path) as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for entity in sorted(table):
                types, cells = table[entity]
                row = [entity]
                if has_subclasses:
                    row.append(SEPARATOR.join(compact.short(t) for t in classes.most_specific(types)))
                row += [_cell(cells.get(("@label", lang), ())) for lang in langs]
                row += [_cell(cells.get(key, ())) for key in ordered_columns]
                writer.writerow(row)
        written.append((path, len(table)))
    path = folder / "edges.csv"
    rows = 0
    with _csv_file(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "predicate", "object", "graph"])
        for graph, block in ordered.blocks.items():
            name = itertools.repeat(graph.value if isinstance(graph, ox.NamedNode) else "")
            for chunk in _chunks(block):
                found = _EDGE.findall("\n" + chunk.decode())
                if not found:
                    continue
                rows += len(found)
                # written as the csv module writes them, unless a field holds a comma (IRIs hold no
                # quote and no line break) and needs quoting
                text = "\r\n".join(map(",".join, zip(*zip(*found), name))) + "\r\n"
                if text.count(",") == 3 * len(found):
                    handle.write(text)
                else:
                    writer.writerows(zip(*zip(*found), name))
    written.append((path, rows))
    return written


# -- export ------------------------------------------------------------------------------------

#: the formats the dataset description counts from (see :func:`filmgraph.description.describe`)
_MEASURED_FORMATS = ("nt", "ttl", "rdfxml", "nq", "trig")


def export(*, settings: Settings = Settings(), out: str | Path, formats: str | Iterable[str] = FORMATS,
           profiles: str | Iterable[str] = ("full",), progress: Progress | None = None,
           version: str | None = None,
           describe: Callable[[Path, ExportReport], None] | None = None) -> ExportReport:
    """Export the dataset of ``settings`` into the folder ``out`` (see the module docstring).

    ``formats`` and ``profiles`` are names from :data:`FORMATS` and :data:`PROFILES` (or
    ``"all"``); ``version`` is recorded in the report for the dataset description. After the files
    are written, ``describe(folder, report)`` may add files (the dataset description) to the folder
    before it is swapped in; it is expected to write ``SHA256SUMS`` last, and when it has not (or
    there is no ``describe``) the export writes it.

    Raises :class:`UsageError` for an unknown format or profile or a remote endpoint in
    ``settings`` (exports read the embedded store), :class:`~filmgraph.errors.CheckFailed` when the
    knowledge base has errors, and :class:`OutputError` when ``out`` holds something that is not an
    export or cannot be written — in every case the previous content of ``out`` is left as it was.
    """
    from .dataset import open_backend

    started = time.perf_counter()
    formats = _choices(formats, FORMATS, "format")
    profiles = _choices(profiles, PROFILES, "profile")
    if settings.endpoint:
        raise UsageError(f"export reads the embedded store, not the remote store at {settings.endpoint} — "
                         "leave out --endpoint to export the knowledge base (or --store DIR for a built store)")
    say = progress or (lambda _msg: None)
    source = open_backend(settings, progress=progress)
    assert isinstance(source, EmbeddedStore)
    base = settings.base_iri
    report = ExportReport(Path(out).absolute(), profiles=profiles, formats=formats, version=version,
                          base_iri=base, settings=settings)
    with replace_dir(out, marker=CHECKSUMS) as tmp:
        def record(path: Path, profile: str | None, fmt: str, media_type: str, triples: int | None) -> None:
            report.files.append(ExportedFile(path.relative_to(tmp), profile, fmt, media_type,
                                             path.stat().st_size, triples, sha256_file(path)))

        context = tmp / CONTEXT_FILE
        context.write_text(_dumps(context_document(base)) + "\n", encoding="utf-8")
        record(context, None, "context", MEDIA_TYPES["jsonld"], None)
        # millions of small objects (statements, rows) that hold no cycles: the cyclic collector
        # would only scan them over and over
        collecting = gc.isenabled()
        gc.disable()
        try:
            for name, ordered, classes in profile_stores(source.ox, profiles, base_iri=base, progress=progress):
                folder = tmp / name
                folder.mkdir()
                # the merged triples and the quads as N-Triples and N-Quads, which the other RDF
                # formats are parsed from: the exported files, or scratch files when not exported
                texts = {kind: folder / f"{FILE_STEM}.{kind}" if kind in formats else tmp / f".{name}.{kind}"
                         for kind in ("nt", "nq")}
                tally = (Tally(uri_space=base + "id/") if describe is not None
                         and any(fmt in _MEASURED_FORMATS for fmt in formats) else None)
                for fmt in formats:
                    if fmt == "csv":
                        say(f"writing {name}/csv/")
                        for path, _rows in _write_csv(ordered, folder / "csv", classes=classes,
                                                      profile=name, base_iri=base):
                            record(path, name, "csv", MEDIA_TYPES["csv"], None)
                        continue
                    path = folder / f"{FILE_STEM}.{EXTENSIONS[fmt]}"
                    say(f"writing {name}/{path.name}")
                    if fmt == "jsonld":
                        _write_jsonld(ordered, path, base)
                    elif fmt in texts:
                        ordered.file(fmt, path, tally)
                    else:
                        kind = "nq" if fmt in DATASET_FORMATS else "nt"
                        quads = ox.parse(path=str(ordered.file(kind, texts[kind], tally)), format=_OX_FORMATS[kind],
                                         lenient=True)  # written just now
                        ox.serialize(quads, str(path), _OX_FORMATS[fmt], prefixes=prefixes(base))
                    record(path, name, fmt, MEDIA_TYPES[fmt],
                           ordered.quad_count if fmt in DATASET_FORMATS else ordered.triple_count)
                if tally is not None:
                    ordered.file("nt", texts["nt"], tally)
                    # the description takes every profile's examples from its first profile
                    order = [p for p in DESCRIBED if p in profiles]
                    first = order[0] if order[0] != name else None
                    if first is None or first in report.measures:
                        examples = report.measures[first][0].examples if first else ()
                        report.measures[name] = (tally.measures(examples), first)
                for kind, path in texts.items():
                    if kind not in formats:
                        path.unlink(missing_ok=True)
                del ordered, classes
        finally:
            if collecting:
                gc.enable()
        report.seconds = round(time.perf_counter() - started, 3)
        if describe is not None:
            say("describing the export")
            describe(tmp, report)
        if not (tmp / CHECKSUMS).exists():
            write_checksums(tmp, {f.path.as_posix(): f.sha256 for f in report.files})
    report.seconds = round(time.perf_counter() - started, 3)
    return report
