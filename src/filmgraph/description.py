"""The dataset description of an export or release folder: VoID and DCAT 3 in ``description.ttl``.

:func:`describe` writes one Turtle file that says what the folder holds and under which terms:

- **VoID**: ``<#dataset>`` is the whole; each profile present (``full``, ``public``, ``schema``)
  is a ``void:subset`` with its ``void:triples``, ``void:entities`` (distinct IRIs typed in the
  data), ``void:classes``, ``void:properties``, ``void:distinctSubjects`` /
  ``void:distinctObjects``, a ``void:classPartition`` and a ``void:propertyPartition`` with
  counts, ``void:dataDump`` (its RDF files), ``void:exampleResource`` (the entities most linked
  to, chosen from the data) and a ``void:Linkset`` to Wikidata per link property
  (``schema:sameAs``, ``fg:wikidata``). ``void:uriSpace`` is ``{base}id/``;
  ``void:sparqlEndpoint`` appears when ``settings.published_endpoint`` is set.
- **DCAT 3**: ``<#dataset>`` is also a ``dcat:Dataset`` with a title and a description in
  Chinese and English (the numbers in it are counted from the files), ``dcterms:publisher``
  (a ``foaf:Agent`` named ``settings.publisher``), ``dcterms:license`` (``settings.licence``),
  ``dcterms:issued`` and ``dcterms:modified``, ``dcat:version`` / ``owl:versionInfo``,
  ``dcterms:source`` for every source document (with its title and date as the graph states
  them) and one ``dcat:Distribution`` per file of the folder with its media type (an IANA IRI),
  ``dcterms:format``, ``dcat:byteSize`` and ``spdx:checksum`` (SHA-256).

Where the numbers come from: each profile's measures are SPARQL queries (one per measure) over
that profile's merged triples, bulk-loaded from its own file (``filmgraph.nt``, else ``.ttl``,
``.rdf``, ``.nq``, ``.trig``) into a scratch store — or, after an export, counted by
:class:`Tally` from the merged triples as the export wrote them (each triple once), which gives
the same numbers without reading the file back. The description therefore
describes exactly the files beside it — a ``public`` bundle never mentions what ``public`` leaves
out — and a store is a set, so a triple stated in two named graphs counts once. Profiles whose files are
identical (``public`` when nothing is marked internal) are measured once. The whole (``<#dataset>``)
carries the measures of ``full`` when the folder has it (every other profile is drawn from it),
and only its subsets' otherwise.

Dates: ``dcterms:issued`` and ``dcterms:modified`` are both the day the folder was written
(``today``). The knowledge base records no dates of edits, and the newest ``dcterms:issued`` of a
source document is only the date of the newest source, not of the last change (reference data
and corrections come later), so it would understate ``modified``; each source's own date is
given beside it instead.

IRIs: everything that belongs to the folder is written as a relative IRI with no ``@base``
(``<#dataset>``, ``<#full/filmgraph.nq>`` for a distribution, ``<full/filmgraph.nq>`` for its
download URL). By RFC 3986 §5.1 a reader resolves them against the place it read the file from,
so the description stays true wherever the folder is copied or published: on a web server they
become the download URLs there; Apache Jena (``riot``, ``tdb2.tdbloader``, Fuseki's upload)
resolves them against the file's own location. Oxigraph does not guess a base: give it
``--base`` (``oxigraph load --file description.ttl --base https://example.org/filmgraph/0.1.0/description.ttl``)
or ``base_iri=`` in pyoxigraph; without one it refuses the file rather than invent IRIs.
No blank nodes are written (partitions, checksums and linksets have fragment IRIs), so two
descriptions of the same data differ only in their dates.
"""
from __future__ import annotations

import datetime
import heapq
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

import pyoxigraph as ox

from .atomic import replace_file, sha256_file
from .errors import OutputError, display_path
from .namespaces import DCTERMS, FG, ONTOLOGY, OWL, PROV, RDF, RDFS, SCHEMA, XSD
from .settings import Settings

DESCRIPTION = "description.ttl"
CHECKSUMS = "SHA256SUMS"

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"
FORMATS_NS = "http://www.w3.org/ns/formats/"
WIKIDATA = "https://www.wikidata.org/"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

#: the profiles in the order they are described, with their meaning (en, zh)
PROFILES = {
    "full": ("Full profile: the ontology, the data of every source and its provenance, in their named graphs.",
             "完整版：本体、各来源的数据及其出处，按命名图保存。"),
    "public": ("Public profile: the full profile without what is marked internal (curation notes, unpublished sources).",
               "公开版：完整版去掉标为内部的内容（整理笔记、未公开来源）。"),
    "schema": ("schema.org profile: schema.org classes and properties only, with names in every language and schema:sameAs where known.",
               "schema.org 版：只含 schema.org 的类与属性，带各语言名称，已知时带 schema:sameAs。"),
}

#: extension -> (media type, W3C format IRI or None, name)
FILE_TYPES = {
    ".ttl": ("text/turtle", FORMATS_NS + "Turtle", "Turtle"),
    ".nt": ("application/n-triples", FORMATS_NS + "N-Triples", "N-Triples"),
    ".nq": ("application/n-quads", FORMATS_NS + "N-Quads", "N-Quads"),
    ".trig": ("application/trig", FORMATS_NS + "TriG", "TriG"),
    ".jsonld": ("application/ld+json", FORMATS_NS + "JSON-LD", "JSON-LD"),
    ".rdf": ("application/rdf+xml", FORMATS_NS + "RDF_XML", "RDF/XML"),
    ".csv": ("text/csv", None, "CSV"),
    ".md": ("text/markdown", None, "Markdown"),
    ".json": ("application/json", None, "JSON"),
    ".txt": ("text/plain", None, "text"),
}
#: names of the files at the top of a bundle
_NAMES = {"context.jsonld": "JSON-LD context", "README.md": "README (zh, en)"}
#: the RDF file of a profile measured for its counts, in order of preference
_MEASURED = ((".nt", ox.RdfFormat.N_TRIPLES), (".ttl", ox.RdfFormat.TURTLE), (".rdf", ox.RdfFormat.RDF_XML),
             (".nq", ox.RdfFormat.N_QUADS), (".trig", ox.RdfFormat.TRIG))
_RDF_EXTENSIONS = {".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf"}
#: a placeholder the relative IRIs are built on, removed when the file is written
_HERE = "file:///filmgraph-bundle/"
_DOC = _HERE + DESCRIPTION
#: how many example resources each dataset names
EXAMPLES = 3

PREFIXES = {
    "void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "foaf": FOAF, "spdx": SPDX, "owl": OWL, "xsd": XSD,
    "rdf": RDF, "rdfs": RDFS, "schema": SCHEMA, "fg": FG, "prov": PROV,
    "skos": "http://www.w3.org/2004/02/skos/core#", "org": "http://www.w3.org/ns/org#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
}


@dataclass
class Measures:
    """VoID measures of one set of triples (:class:`Tally`, :func:`measure_file`)."""

    triples: int = 0
    entities: int = 0
    classes: int = 0
    properties: int = 0
    subjects: int = 0
    objects: int = 0
    class_partition: list[tuple[str, int]] = field(default_factory=list)
    property_partition: list[tuple[str, int]] = field(default_factory=list)
    #: link property -> (links to Wikidata entities)
    links: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    #: source documents: (IRI, {"title": [literals], "issued": [literals]})
    sources: list[tuple[str, dict[str, list[ox.Literal]]]] = field(default_factory=list)


def _sources(store: ox.Store) -> list[tuple[str, dict[str, list[ox.Literal]]]]:
    """:attr:`Measures.sources` of the triples in the default graph of ``store``."""
    sources: dict[str, dict[str, list[ox.Literal]]] = {}
    for r in store.query(
            f"SELECT DISTINCT ?s ?k ?v WHERE {{ ?s a <{FG}SourceDocument> "
            f"OPTIONAL {{ VALUES (?k ?p) {{ (\"title\" <{DCTERMS}title>) (\"issued\" <{DCTERMS}issued>) }} ?s ?p ?v }} }} "
            "ORDER BY ?s ?k ?v"):
        entry = sources.setdefault(r["s"].value, {"title": [], "issued": []})
        if r["k"] is not None and isinstance(r["v"], ox.Literal):
            entry[r["k"].value].append(r["v"])
    return sorted(sources.items())


_TYPE, _SOURCE = f"<{RDF}type>".encode(), f"<{FG}SourceDocument>".encode()
_LINKS = {f"<{SCHEMA}sameAs>".encode(), f"<{FG}wikidata>".encode()}
_SOURCE_FACTS = {f"<{DCTERMS}title>".encode(), f"<{DCTERMS}issued>".encode()}


class Tally:
    """The VoID measures of triples, counted from their N-Triples lines as they go by
    (:meth:`through`): each triple once, in the order of their text, so that a subject's lines
    are together (as an export writes its merged triples, and :func:`measure_file` reads a file).
    The statements that can describe source documents are kept, and queried in a small store.

    The example resources are the entities (IRIs under ``uri_space``) most often linked to; when
    ``examples`` (those of a larger profile) are all linked to here too, they are kept instead,
    which names the same examples in every profile."""

    def __init__(self, *, uri_space: str):
        self.triples = self.subjects = self.entities = 0
        self._space = ("<" + uri_space).encode()
        # keyed by the N-Triples text of a term
        self._objects: set[bytes] = set()
        self._classes: dict[bytes, int] = defaultdict(int)  # rdf:type objects: statements
        self._properties: dict[bytes, int] = defaultdict(int)
        self._links: dict[bytes, int] = defaultdict(int)  # link property: links to Wikidata
        self._linked: dict[bytes, int] = defaultdict(int)  # IRIs under uri_space: statements linking to them
        self._sources: list[bytes] = []

    def through(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        """Count each of ``lines`` (``<s> <p> o .\\n``, as pyoxigraph writes them) and pass it on."""
        objects, classes, properties, links, linked = (self._objects, self._classes, self._properties,
                                                       self._links, self._linked)
        space, wikidata = self._space, ("<" + WIKIDATA_ENTITY).encode()
        subject, typed = None, False
        triples = subjects = entities = 0
        for line in lines:
            i = line.index(b" ")
            j = line.index(b" ", i + 1)
            s, p, o = line[:i], line[i + 1:j], line[j + 1:-3]
            if s != subject:
                subject, typed = s, False
                subjects += 1
            triples += 1
            properties[p] += 1
            objects.add(o)
            if p == _TYPE:
                classes[o] += 1
                if not typed and s[:1] == b"<":
                    typed = True
                    entities += 1
                if o == _SOURCE:
                    self._sources.append(line)
            elif p in _SOURCE_FACTS:
                self._sources.append(line)
            elif p in _LINKS and o.startswith(wikidata):
                links[p] += 1
            if o.startswith(space):
                linked[o] += 1
            yield line
        self.triples += triples
        self.subjects += subjects
        self.entities += entities

    def measures(self, examples: list[str] = ()) -> Measures:
        """The measures counted so far (``examples``: see the class)."""
        def iri(text: bytes) -> str:
            return text[1:-1].decode()

        def is_iri(text: bytes) -> bool:
            return text[:1] == b"<" and text[:2] != b"<<"

        m = Measures(triples=self.triples, entities=self.entities, classes=len(self._classes),
                     properties=len(self._properties), subjects=self.subjects, objects=len(self._objects))
        m.class_partition = sorted((iri(c), n) for c, n in self._classes.items() if is_iri(c))
        m.property_partition = sorted((iri(p), n) for p, n in self._properties.items())
        m.links = {iri(p): n for p, n in self._links.items()}
        if examples and all(f"<{e}>".encode() in self._objects for e in examples):
            m.examples = list(examples)
        else:
            top = heapq.nsmallest(EXAMPLES, self._linked.items(), key=lambda item: (-item[1], item[0][1:-1]))
            m.examples = [iri(o) for o, _n in top]
        sources = ox.Store()
        sources.bulk_load(b"".join(self._sources), ox.RdfFormat.N_TRIPLES)
        m.sources = _sources(sources)
        return m


def measure_file(path: Path, format: ox.RdfFormat, *, uri_space: str, examples: list[str] = ()) -> Measures:
    """The measures (:class:`Tally`) of the triples of one RDF file (named graphs merged).

    Raises :class:`OutputError` when the file cannot be read or parsed.
    """
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=format)
    except (OSError, SyntaxError, ValueError) as e:
        raise OutputError(f"{display_path(path)}: cannot read it to describe it ({e}) — "
                          "the export is incomplete; run it again") from None
    if format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
    lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines(keepends=True)
    lines.sort()
    tally = Tally(uri_space=uri_space)
    deque(tally.through(lines), maxlen=0)
    return tally.measures(examples)


# -- the files ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileInfo:
    """One file of the folder as the description states it."""

    path: str
    profile: str | None
    media_type: str
    format: str | None
    name: str
    bytes: int
    sha256: str


def _file_info(folder: Path, relative: str, exported) -> FileInfo:
    path = folder / relative
    suffix = path.suffix.lower()
    media, fmt, name = FILE_TYPES.get(suffix, ("application/octet-stream", None, suffix.lstrip(".") or "file"))
    name = _NAMES.get(relative, name)
    if exported is not None and getattr(exported, "media_type", None):
        media = str(exported.media_type).split(";")[0].strip()
    parts = Path(relative).parts
    profile = getattr(exported, "profile", None) or (parts[0] if len(parts) > 1 and parts[0] in PROFILES else None)
    try:
        size = path.stat().st_size
        digest = getattr(exported, "sha256", None) or sha256_file(path)
    except OSError as e:
        raise OutputError(f"{display_path(path)}: cannot read it to describe it ({e.strerror}) — "
                          "check the folder and run the export again") from None
    return FileInfo(relative, profile, media, fmt, name, size, digest)


def bundle_files(folder: Path, files: Iterable = ()) -> list[FileInfo]:
    """Every file of ``folder`` the description lists, sorted by path: those of ``files`` (the
    export's report, whose media types and SHA-256 digests are kept) and any other file there
    (README.md, context.jsonld), except the description itself, ``SHA256SUMS`` and hidden files."""
    reported = {Path(f.path).as_posix(): f for f in files}
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    names = sorted((set(found) | set(reported)) - {DESCRIPTION, CHECKSUMS})
    return [_file_info(folder, name, reported.get(name)) for name in names]


# -- the graph ---------------------------------------------------------------------------------

def _here(relative: str) -> ox.NamedNode:
    """A file of the folder, as an IRI relative to the description (made relative on writing)."""
    return ox.NamedNode(_HERE + quote(relative, safe="/"))


def _local(fragment: str) -> ox.NamedNode:
    return ox.NamedNode(_DOC + "#" + quote(fragment, safe="/-_."))


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _text(en: str, zh: str) -> list[ox.Literal]:
    return [ox.Literal(zh, language="zh"), ox.Literal(en, language="en")]


class _Graph:
    def __init__(self):
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode, p: str, *objects) -> None:
        for o in objects:
            self.triples.append(ox.Triple(s, _n(p), o))


def _measures(g: _Graph, subject: ox.NamedNode, name: str, m: Measures, *, base_iri: str,
              partitions: bool = True) -> None:
    g.add(subject, VOID + "triples", _int(m.triples))
    g.add(subject, VOID + "entities", _int(m.entities))
    g.add(subject, VOID + "classes", _int(m.classes))
    g.add(subject, VOID + "properties", _int(m.properties))
    g.add(subject, VOID + "distinctSubjects", _int(m.subjects))
    g.add(subject, VOID + "distinctObjects", _int(m.objects))
    g.add(subject, VOID + "uriSpace", ox.Literal(base_iri + "id/"))
    vocabularies = [SCHEMA]
    if any(iri.startswith(FG) for iri, _ in m.class_partition + m.property_partition):
        vocabularies.append(ONTOLOGY)
    g.add(subject, VOID + "vocabulary", *(_n(v) for v in vocabularies))
    g.add(subject, VOID + "exampleResource", *(_n(e) for e in m.examples))
    if not partitions:
        return
    for i, (cls, n) in enumerate(m.class_partition, 1):
        part = _local(f"{name}-class-{i}")
        g.add(subject, VOID + "classPartition", part)
        g.add(part, VOID + "class", _n(cls))
        g.add(part, VOID + "entities", _int(n))
    for i, (prop, n) in enumerate(m.property_partition, 1):
        part = _local(f"{name}-property-{i}")
        g.add(subject, VOID + "propertyPartition", part)
        g.add(part, VOID + "property", _n(prop))
        g.add(part, VOID + "triples", _int(n))
    for prop, n in sorted(m.links.items()):
        linkset = _local(f"{name}-links-{_prefixed(prop).replace(':', '-')}")
        g.add(subject, VOID + "subset", linkset)
        g.add(linkset, RDF + "type", _n(VOID + "Linkset"))
        g.add(linkset, DCTERMS + "title", *_text(f"Links to Wikidata by {_prefixed(prop)}", f"以 {_prefixed(prop)} 链接到维基数据"))
        g.add(linkset, VOID + "linkPredicate", _n(prop))
        g.add(linkset, VOID + "subjectsTarget", subject)
        g.add(linkset, VOID + "objectsTarget", _n(WIKIDATA))
        g.add(linkset, VOID + "triples", _int(n))


def _prefixed(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _distribution(g: _Graph, f: FileInfo, licence: str) -> ox.NamedNode:
    dist = _local(f.path)
    where = f"{f.profile} profile" if f.profile else "the bundle"
    where_zh = f"{f.profile} 版" if f.profile else "整个包"
    g.add(dist, RDF + "type", _n(DCAT + "Distribution"))
    g.add(dist, DCTERMS + "title", *_text(f"{f.path} — {f.name}, {where}", f"{f.path} — {f.name}，{where_zh}"))
    g.add(dist, DCAT + "mediaType", _n(IANA + f.media_type))
    g.add(dist, DCTERMS + "format", _n(f.format) if f.format else _n(IANA + f.media_type))
    g.add(dist, DCAT + "byteSize", ox.Literal(str(f.bytes), datatype=_n(XSD + "nonNegativeInteger")))
    checksum = _local(f"{f.path}-sha256")
    g.add(dist, SPDX + "checksum", checksum)
    g.add(checksum, RDF + "type", _n(SPDX + "Checksum"))
    g.add(checksum, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
    g.add(checksum, SPDX + "checksumValue", ox.Literal(f.sha256, datatype=_n(XSD + "hexBinary")))
    g.add(dist, DCAT + "downloadURL", _here(f.path))
    g.add(dist, DCAT + "accessURL", _here(f.path))
    g.add(dist, DCTERMS + "license", _n(licence))
    if f.path.endswith(".jsonld") and f.path != "context.jsonld":
        g.add(dist, DCTERMS + "conformsTo", _n("https://www.w3.org/TR/json-ld11/"), _here("context.jsonld"))
    return dist


def description_triples(*, settings: Settings, version: str | None, files: list[FileInfo],
                        measures: dict[str, Measures], today: datetime.date) -> list[ox.Triple]:
    """The description as triples (IRIs of the folder under a placeholder, see :func:`write`)."""
    g = _Graph()
    dataset = _local("dataset")
    whole = measures.get("full")
    g.add(dataset, RDF + "type", _n(VOID + "Dataset"), _n(DCAT + "Dataset"))
    title = "filmgraph — a knowledge graph of international film cooperation"
    title_zh = "filmgraph——国际电影合作知识图谱"
    if version:
        title, title_zh = f"{title}, release {version}", f"{title_zh}（{version} 版）"
    g.add(dataset, DCTERMS + "title", *_text(title, title_zh))
    profiles = [p for p in measures]
    en = ("Cities, countries, organisations, people, films, co-productions, events and programmes of "
          "international film cooperation, each fact with the source document it is taken from. "
          f"Profiles in this folder: {', '.join(profiles) or 'none'}.")
    zh = ("国际电影合作中的城市、国家、机构、人物、影片、合拍、活动与项目，每条事实都注明其来源文献。"
          f"本文件夹包含的版本：{'、'.join(profiles) or '无'}。")
    if whole is not None:
        en += (f" The full profile holds {whole.triples:,} triples about {whole.entities:,} typed resources "
               f"from {len(whole.sources):,} source document(s).")
        zh += f"完整版含 {whole.triples:,} 条三元组，涉及 {whole.entities:,} 个有类型的资源，来自 {len(whole.sources):,} 篇来源文献。"
    g.add(dataset, DCTERMS + "description", *_text(en, zh))
    publisher = _local("publisher")
    g.add(dataset, DCTERMS + "publisher", publisher)
    g.add(publisher, RDF + "type", _n(FOAF + "Agent"))
    g.add(publisher, FOAF + "name", ox.Literal(settings.publisher))
    g.add(dataset, DCTERMS + "license", _n(settings.licence))
    day = ox.Literal(today.isoformat(), datatype=_n(XSD + "date"))
    g.add(dataset, DCTERMS + "issued", day)
    g.add(dataset, DCTERMS + "modified", day)
    if version:
        g.add(dataset, DCAT + "version", ox.Literal(version))
        g.add(dataset, OWL + "versionInfo", ox.Literal(version))
    g.add(dataset, VOID + "uriSpace", ox.Literal(settings.base_iri + "id/"))
    if settings.published_endpoint:
        g.add(dataset, VOID + "sparqlEndpoint", _n(settings.published_endpoint))
    if whole is not None:
        _measures(g, dataset, "dataset", whole, base_iri=settings.base_iri, partitions=False)
    else:
        g.add(dataset, VOID + "vocabulary", _n(SCHEMA), _n(ONTOLOGY))
    sources = whole.sources if whole is not None else next((m.sources for m in measures.values() if m.sources), [])
    for iri, facts in sources:
        g.add(dataset, DCTERMS + "source", _n(iri))
        g.add(_n(iri), DCTERMS + "title", *facts["title"])
        g.add(_n(iri), DCTERMS + "issued", *facts["issued"])
    wikidata = _n(WIKIDATA)
    if any(m.links for m in measures.values()):
        g.add(wikidata, RDF + "type", _n(VOID + "Dataset"))
        g.add(wikidata, DCTERMS + "title", ox.Literal("Wikidata", language="en"), ox.Literal("维基数据", language="zh"))
        g.add(wikidata, VOID + "uriSpace", ox.Literal(WIKIDATA_ENTITY))
    dists = {f.path: _distribution(g, f, settings.licence) for f in files}
    g.add(dataset, DCAT + "distribution", *dists.values())
    for name, m in measures.items():
        subset = _local(name)
        g.add(dataset, VOID + "subset", subset)
        g.add(subset, RDF + "type", _n(VOID + "Dataset"), _n(DCAT + "Dataset"))
        en, zh = PROFILES.get(name, (f"Profile {name}.", f"{name} 版。"))
        g.add(subset, DCTERMS + "title", *_text(f"filmgraph — {name} profile", f"filmgraph——{name} 版"))
        g.add(subset, DCTERMS + "description", *_text(en, zh))
        g.add(subset, DCTERMS + "license", _n(settings.licence))
        g.add(subset, DCTERMS + "publisher", publisher)
        if version:
            g.add(subset, DCAT + "version", ox.Literal(version))
        _measures(g, subset, name, m, base_iri=settings.base_iri)
        for f in files:
            if f.profile == name:
                g.add(subset, DCAT + "distribution", dists[f.path])
                if Path(f.path).suffix in _RDF_EXTENSIONS:
                    g.add(subset, VOID + "dataDump", _here(f.path))
    return g.triples


def write(triples: list[ox.Triple], path: Path) -> None:
    """Write ``triples`` as Turtle with the folder's IRIs relative and no ``@base`` (see the
    module docstring), atomically. Raises :class:`OutputError` when it cannot be written."""
    by_subject: dict[ox.NamedNode, dict[ox.Triple, None]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, {})[t] = None
    triples = [t for group in by_subject.values() for t in group]
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, base_iri=_DOC, prefixes=PREFIXES).decode()
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith("@base"):
        lines = lines[1:]
    head = ("# filmgraph dataset description: VoID and DCAT 3. IRIs in <…> without a scheme are relative to\n"
            "# this file: resolve them against the place you read it from (oxigraph load: --base URL).\n")
    with replace_file(path, what="the dataset description") as handle:
        handle.write((head + "".join(lines)).encode())


def describe(folder: Path, *, settings: Settings, store=None, version: str | None, files: Iterable = (),
             today: datetime.date | None = None, measured: dict | None = None) -> Path:
    """Write ``folder/description.ttl`` describing every file in ``folder``; returns its path.

    ``files`` is the export's list of files (each with ``path`` relative to ``folder``,
    ``profile``, ``media_type``); other files found in ``folder`` are described too, except
    ``description.ttl`` and ``SHA256SUMS``. Write it after every other file and before
    ``SHA256SUMS`` (which then covers it). ``store`` (the dataset the export was made from) is
    accepted but not read: the measures come from the profiles' own files, so that they describe
    exactly what the folder holds (see the module docstring). ``today`` (default: the current
    date) is the date of issue.

    ``measured`` (from the export, :attr:`filmgraph.export.ExportReport.measures`) maps a profile
    to ``(Measures, examples_from)``: its measures, counted in the profile's own store over the
    merge of its graphs (the triples of its files), with the examples of the profile
    ``examples_from`` (None: its own). They are used instead of reading the profile's file back
    when its examples came from the profile this description takes them from; else the file is
    measured as usual.

    Raises :class:`OutputError` when a file cannot be read or parsed, or the description cannot
    be written.
    """
    folder = Path(folder)
    infos = bundle_files(folder, files)
    profiles = sorted({f.profile for f in infos if f.profile}, key=lambda p: (list(PROFILES).index(p) if p in PROFILES else 99, p))
    digests = {f.path: f.sha256 for f in infos}
    measures: dict[str, Measures] = {}
    by_digest: dict[str, Measures] = {}
    for profile in profiles:
        for suffix, fmt in _MEASURED:
            path = folder / profile / f"filmgraph{suffix}"
            if path.is_file():
                digest = digests.get(f"{profile}/filmgraph{suffix}") or sha256_file(path)
                if digest not in by_digest:  # a profile identical to another is measured once
                    first = next(iter(measures), None)
                    known = (measured or {}).get(profile)
                    if known is not None and known[1] == first:
                        by_digest[digest] = known[0]
                    else:
                        by_digest[digest] = measure_file(path, fmt, uri_space=settings.base_iri + "id/",
                                                         examples=measures[first].examples if first else ())
                measures[profile] = by_digest[digest]
                break
    triples = description_triples(settings=settings, version=version, files=infos, measures=measures,
                                  today=today or datetime.date.today())
    out = folder / DESCRIPTION
    write(triples, out)
    return out


def describe_export(folder: Path, report) -> Path:
    """:func:`describe` as the ``describe`` callback of :func:`filmgraph.export.export`, which
    calls it with the folder being written and its :class:`~filmgraph.export.ExportReport`
    (settings, version and files); the export then writes ``SHA256SUMS`` over everything."""
    return describe(folder, settings=report.settings, version=report.version, files=report.files,
                    measured=getattr(report, "measures", None))
