"""``filmgraph.export``: every format of every profile re-reads to the profile's statements, JSON-LD
expands offline with pyld, CSV re-reads to the store's counts, the schema profile alone answers
the schema.org questions, the public profile leaves out what is marked internal, and an export
never leaves a mixture of old and new files."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import REPO
from filmgraph.dataset import open_backend
from filmgraph.errors import CheckFailed, OutputError, UsageError
from filmgraph.export import (CHECKSUMS, CONTEXT_FILE, EXTENSIONS, FORMATS, PROFILES, ExportReport, context_iri,
                              export, jsonld_context, stable_blank_iris, write_checksums)
from filmgraph.queries import Library, prepare
from filmgraph.settings import Settings

BASE = "https://w3id.org/filmgraph/"
FG = "https://w3id.org/filmgraph/ontology#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GENID = BASE + ".well-known/genid/"
ONTOLOGY = BASE + "graph/ontology"
TRIPLE_FORMATS = ("ttl", "nt", "rdfxml")
OX = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
      "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def settings(**changes) -> Settings:
    values = {"project": REPO, "cache_dir": os.environ["FILMGRAPH_CACHE_DIR"]}
    values.update(changes)
    return Settings(**values)


@pytest.fixture(scope="module")
def store():
    """The checked, entailed dataset of the repository's knowledge base."""
    return open_backend(settings())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, ExportReport]:
    """Every format of every profile, exported once for the module."""
    out = tmp_path_factory.mktemp("export") / "bundle"
    return out, export(settings=settings(), out=out, formats="all", profiles="all", version="0.1.0")


def rdf_file(out: Path, profile: str, fmt: str) -> Path:
    return out / profile / f"filmgraph.{EXTENSIONS[fmt]}"


def parsed(path: Path, fmt: str) -> list[ox.Quad]:
    return list(ox.parse(path=str(path), format=OX[fmt]))


def quad_set(out: Path, profile: str) -> set[ox.Quad]:
    return set(parsed(rdf_file(out, profile, "nq"), "nq"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def as_graph(quads) -> rdflib.Graph:
    """``quads`` as one rdflib graph for :func:`rdflib.compare.isomorphic`, each graph name folded
    into the predicate (``<p>`` in graph ``<g>`` becomes ``<p g>``-like IRI), which keeps blank
    nodes shared across graphs shared."""
    data = "\n".join(f"{q.subject} <{q.predicate.value}@@{q.graph_name.value}> {q.object} ." for q in quads)
    return rdflib.Graph().parse(data=data, format="nt")


# -- layout, report and checksums --------------------------------------------------------------

def test_the_bundle_has_the_layout_and_the_report_says_what_is_in_it(bundle):
    out, report = bundle
    assert report.profiles == PROFILES and report.formats == FORMATS and report.version == "0.1.0"
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    reported = sorted(f.path.as_posix() for f in report.files)
    assert on_disk == sorted(reported + [CHECKSUMS])
    for profile in PROFILES:
        for fmt, ext in EXTENSIONS.items():
            entry = next(f for f in report.files if f.path.as_posix() == f"{profile}/filmgraph.{ext}")
            assert (entry.profile, entry.format) == (profile, fmt)
            assert entry.bytes == (out / entry.path).stat().st_size > 0
            assert entry.triples == len(set(parsed(out / entry.path, fmt)))
        assert (out / profile / "csv" / "edges.csv").is_file()
    media = {f.path.suffix: f.media_type for f in report.files}
    assert media == {".ttl": "text/turtle", ".nt": "application/n-triples", ".nq": "application/n-quads",
                     ".trig": "application/trig", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml",
                     ".csv": "text/csv"}
    context = next(f for f in report.files if f.path.as_posix() == CONTEXT_FILE)
    assert (context.profile, context.format) == (None, "context")


def test_sha256sums_verifies_with_sha256sum_and_covers_every_file(bundle):
    out, _report = bundle
    listed = [line.split("  ", 1)[1] for line in (out / CHECKSUMS).read_text(encoding="utf-8").splitlines()]
    assert sorted(listed) == sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                                    if p.is_file() and p.name != CHECKSUMS)
    if shutil.which("sha256sum"):
        done = subprocess.run(["sha256sum", "--check", "--strict", CHECKSUMS], cwd=out, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_write_checksums_sees_a_changed_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.nt").write_text("one\n", encoding="utf-8")
    write_checksums(tmp_path)
    before = (tmp_path / CHECKSUMS).read_text(encoding="utf-8")
    assert before.endswith("  a/x.nt\n") and len(before.split()[0]) == 64
    (tmp_path / "a" / "x.nt").write_text("two\n", encoding="utf-8")
    write_checksums(tmp_path)
    assert (tmp_path / CHECKSUMS).read_text(encoding="utf-8") != before


# -- every RDF format holds exactly the profile --------------------------------------------------

def test_full_profile_is_the_store_with_blank_nodes_named(bundle, store):
    out, _report = bundle
    exported = quad_set(out, "full")
    assert {q.graph_name.value for q in exported} == set(store.graphs())
    assert not any(isinstance(t, ox.BlankNode) for q in exported for t in (q.subject, q.object))
    # naming blank nodes is a renaming: map the IRIs back and the store's quads come out
    back = [ox.Quad(*(ox.BlankNode(t.value.removeprefix(GENID)) if isinstance(t, ox.NamedNode)
                      and t.value.startswith(GENID) else t for t in (q.subject, q.predicate, q.object)), q.graph_name)
            for q in exported]
    assert len({t for q in back for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}) > 10
    assert isomorphic(as_graph(back), as_graph(store.quads()))
    assert not isomorphic(as_graph(back[1:]), as_graph(store.quads()))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("fmt", ["ttl", "nt", "trig", "jsonld", "rdfxml"])
def test_every_rdf_format_reparses_to_the_profile(bundle, profile, fmt):
    out, _report = bundle
    expected = quad_set(out, profile)
    got = parsed(rdf_file(out, profile, fmt), fmt)
    if fmt in TRIPLE_FORMATS:
        # the merge of the profile's graphs, each triple once
        assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in got)
        assert len(got) == len({q.triple for q in got})
        assert {q.triple for q in got} == {q.triple for q in expected}
    else:
        assert set(got) == expected


def test_two_exports_of_the_same_data_are_byte_identical(bundle, tmp_path):
    out, _report = bundle
    # a fresh load gives the blank nodes new labels; their IRIs and the bytes stay the same
    again = export(settings=settings(cache_dir="off"), out=tmp_path / "again", formats=("nq", "ttl", "jsonld"),
                   profiles=("full",))
    for entry in again.files:
        assert (tmp_path / "again" / entry.path).read_bytes() == (out / entry.path).read_bytes(), entry.path


def test_stable_blank_iris_depend_on_surroundings_not_labels():
    p, q = ox.NamedNode("http://e/p"), ox.NamedNode("http://e/q")
    s, g = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/g")

    def rows(a, b):
        return [(s, p, a, g), (a, q, ox.Literal("one"), g), (s, p, b, g), (b, q, ox.Literal("two"), g)]

    first = stable_blank_iris(rows(ox.BlankNode("x1"), ox.BlankNode("x2")), BASE)
    second = stable_blank_iris(rows(ox.BlankNode("y9"), ox.BlankNode("y8")), BASE)
    assert first[ox.BlankNode("x1")] == second[ox.BlankNode("y9")] != first[ox.BlankNode("x2")]
    twins = stable_blank_iris([(s, p, ox.BlankNode("a"), g), (s, p, ox.BlankNode("b"), g)], BASE)
    assert len(set(twins.values())) == 2  # alike, yet never merged
    assert all(iri.value.startswith(GENID) for iri in twins.values())


# -- JSON-LD -----------------------------------------------------------------------------------

def offline(url, options=None):
    raise AssertionError(f"JSON-LD processing tried to fetch {url}")


@pytest.mark.parametrize("profile", PROFILES)
def test_jsonld_expands_offline_with_pyld_to_the_profile(bundle, profile):
    from pyld import jsonld

    out, _report = bundle
    document = json.loads(rdf_file(out, profile, "jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": offline})
    assert set(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)) == quad_set(out, profile)


def test_jsonld_is_compacted_and_readable(bundle):
    out, _report = bundle
    document = json.loads(rdf_file(out, "full", "jsonld").read_text(encoding="utf-8"))
    shipped = json.loads((out / CONTEXT_FILE).read_text(encoding="utf-8"))
    assert document["@context"] == shipped["@context"] == jsonld_context(BASE)
    assert document["@context"]["@version"] == 1.1
    graphs = {entry["@id"]: entry["@graph"] for entry in document["@graph"]}
    assert set(graphs) == {"fggraph:entailed", "fggraph:ontology", "fgsrc:000_4fd766c73458f912", "fgsrc:reference"}
    almaty = next(n for n in graphs["fgsrc:reference"] if n["@id"] == "fgid:city/almaty")
    assert almaty["@type"] == "fg:City"
    assert almaty["rdfs:label"]["zh"] == "阿拉木图" and almaty["rdfs:label"]["en"] == "Almaty"
    assert almaty["fg:latitude"] == {"@value": "43.2389", "@type": "xsd:decimal"}
    assert almaty["fg:containedInPlace"] == {"@id": "fgid:country/kazakhstan"}
    coproduction = next(n for n in graphs["fgsrc:000_4fd766c73458f912"] if n["@id"] == "fgid:coproduction/the-composer")
    assert coproduction["fg:firstOfItsKind"] is True
    assert "阿拉木图" in rdf_file(out, "full", "jsonld").read_text(encoding="utf-8")  # not \\u-escaped


def test_the_shipped_context_serves_as_a_context_offline_and_carries_its_version(bundle):
    from pyld import jsonld

    out, _report = bundle
    shipped = json.loads((out / CONTEXT_FILE).read_text(encoding="utf-8"))
    assert shipped["@id"] == context_iri(BASE) and shipped["@id"].endswith("/0.1.0")
    assert shipped["schema:version"] == "0.1.0"

    def local(url, options=None):
        assert url == shipped["@id"], url
        return {"contextUrl": None, "documentUrl": url, "document": shipped}

    doc = {"@context": shipped["@id"], "@id": "fgid:city/almaty", "rdfs:label": {"zh": "阿拉木图"}}
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": local})
    assert nquads == f'<{BASE}id/city/almaty> <http://www.w3.org/2000/01/rdf-schema#label> "阿拉木图"@zh .\n'


# -- schema profile ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema_alone(bundle) -> ox.Store:
    """The schema profile's Turtle file, alone, in a fresh store (its default graph)."""
    out, _report = bundle
    fresh = ox.Store()
    fresh.load(path=str(rdf_file(out, "schema", "ttl")), format=ox.RdfFormat.TURTLE)
    return fresh


def test_schema_profile_holds_schema_org_terms_only(bundle, store, schema_alone):
    out, _report = bundle
    assert {q.graph_name.value for q in quad_set(out, "schema")} == {BASE + "graph/schema"}
    for q in schema_alone:
        assert q.predicate.value.startswith(SCHEMA) or (
            q.predicate.value == RDF_TYPE and q.object.value.startswith(SCHEMA)), q
    # exactly the schema.org statements of the data graphs and the entailed graph
    expected = {q.triple for q in store.quads() if q.graph_name.value != ONTOLOGY
                and (q.predicate.value.startswith(SCHEMA)
                     or (q.predicate.value == RDF_TYPE and q.object.value.startswith(SCHEMA)))}
    assert {q.triple for q in schema_alone} == expected


@pytest.mark.parametrize("name", ["event-timeline-schema", "films-in-both-cities-schema", "people-posts-schema"])
def test_schema_profile_alone_answers_the_schema_org_library_queries(store, schema_alone, name):
    query = Library(REPO / "queries").get(name)
    assert "schema.org" in query.title["en"]
    text = prepare(query)
    on_full = {tuple(sorted((k, str(v)) for k, v in row.items())) for row in store.select(text)}
    result = schema_alone.query(text)
    names = [v.value for v in result.variables]
    alone = {tuple(sorted((k, str(row[k])) for k in names if row[k] is not None)) for row in result}
    assert on_full and alone == on_full


USUAL = {
    "films with names in zh and en": """SELECT ?film ?zh ?en WHERE { ?film a schema:Movie ;
        schema:name ?zh , ?en FILTER(lang(?zh) = "zh" && lang(?en) = "en") }""",
    "events with dates and places": """SELECT ?event ?start ?place WHERE { ?event a schema:Event ;
        schema:startDate ?start ; schema:location ?place }""",
    "who took part": """SELECT ?event ?who ?name WHERE { ?event a schema:Event ; schema:attendee ?who .
        ?who schema:name ?name FILTER(lang(?name) = "en") }""",
    "co-productions' countries": """SELECT ?film ?country ?name WHERE { ?film a schema:Movie ;
        schema:countryOfOrigin ?country . ?country a schema:Country ; schema:name ?name FILTER(lang(?name) = "zh") }""",
    "same as Wikidata": """SELECT ?city ?item WHERE { ?city a schema:City ; schema:sameAs ?item }""",
}


@pytest.mark.parametrize("question", list(USUAL))
def test_schema_profile_alone_answers_the_usual_questions(store, schema_alone, question):
    text = f"PREFIX schema: <{SCHEMA}>\n" + USUAL[question]
    on_full = {tuple(str(t) for t in row) for row in store.query(text)}
    alone = {tuple(str(t) for t in row) for row in schema_alone.query(text)}
    assert len(on_full) >= 2 and alone == on_full


def test_schema_profile_names_come_in_every_language(schema_alone):
    rows = schema_alone.query(f"""SELECT ?lang WHERE {{ <{BASE}id/city/almaty> <{SCHEMA}name> ?n BIND(lang(?n) AS ?lang) }}""")
    assert {row["lang"].value for row in rows} == {"zh", "en", "ru", "kk"}


# -- CSV ---------------------------------------------------------------------------------------

def test_csv_files_have_a_bom_and_one_row_per_entity_of_their_class(bundle, store):
    out, _report = bundle
    folder = out / "full" / "csv"
    names = {p.stem for p in folder.glob("*.csv")}
    assert {"Person", "Organization", "Film", "Event", "CoProduction", "Programme", "Country", "City",
            "SourceDocument", "edges"} <= names
    for path in folder.glob("*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name
        if path.stem == "edges":
            continue
        rows = read_csv(path)
        counted = store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{FG}{path.stem}> FILTER(isIRI(?x)) }}")
        assert len(rows) == int(counted[0]["n"].value), path.name
        assert len({r["id"] for r in rows}) == len(rows)


def test_csv_rows_carry_labels_per_language_types_and_links(bundle):
    out, _report = bundle
    cities = {r["id"]: r for r in read_csv(out / "full" / "csv" / "City.csv")}
    almaty = cities[BASE + "id/city/almaty"]
    assert (almaty["label_zh"], almaty["label_en"], almaty["label_ru"]) == ("阿拉木图", "Almaty", "Алматы")
    assert almaty["fg:containedInPlace"] == BASE + "id/country/kazakhstan"
    assert almaty["fg:latitude"] == "43.2389"
    organizations = read_csv(out / "full" / "csv" / "Organization.csv")
    assert "fg:GovernmentFilmAuthority" in {r["type"] for r in organizations}
    events = read_csv(out / "full" / "csv" / "Event.csv")
    assert {"fg:Screening", "fg:PromotionEvent"} <= {r["type"] for r in events}
    screenings = next(r for r in events if r["id"] == BASE + "id/event/2025-almaty-screenings")
    assert (screenings["fg:startDate"], screenings["fg:endDate"]) == ("2025-11-24", "2025-11-30")
    assert BASE + "id/film/the-composer" in screenings["fg:screenedFilm"].split(" | ")


def test_edges_csv_lists_every_statement_between_two_iris(bundle):
    out, _report = bundle
    for profile in PROFILES:
        edges = read_csv(out / profile / "csv" / "edges.csv")
        expected = {(q.subject.value, q.predicate.value, q.object.value, q.graph_name.value)
                    for q in quad_set(out, profile) if isinstance(q.object, ox.NamedNode)}
        assert len(edges) == len(expected)
        assert {(r["subject"], r["predicate"], r["object"], r["graph"]) for r in edges} == expected


# -- public profile ----------------------------------------------------------------------------

def test_public_profile_is_full_minus_the_internal_text_file_path(bundle):
    out, _report = bundle
    full, public = quad_set(out, "full"), quad_set(out, "public")
    text_file = ox.NamedNode(FG + "textFile")
    assert any(q.predicate == text_file for q in full)
    assert public == {q for q in full if q.predicate != text_file}
    # the property's definition is kept: only its statements are left out
    assert any(q.subject == text_file for q in public)


def test_the_internal_mark_is_explained_in_the_ontology_and_marks_the_text_file_path(store):
    rows = store.select(f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?p ?v WHERE {{ GRAPH <{ONTOLOGY}> {{ <{FG}internal> ?p ?v FILTER(?p IN (rdfs:label, rdfs:comment)) }} }}""")
    said = {(r["p"].value.rsplit("#", 1)[1], r["v"].language): r["v"].value for r in rows}
    assert set(said) == {("label", "zh"), ("label", "en"), ("comment", "zh"), ("comment", "en")}
    assert "public" in said[("comment", "en")] and "no schema.org property fits" in said[("comment", "en")]
    assert store.ask(f"ASK {{ GRAPH <{ONTOLOGY}> {{ <{FG}textFile> <{FG}internal> true }} }}")


INTERNAL_TEXT = "内部笔记:某制片厂有意合拍新片,尚未公开。\n"
INTERNAL_QUOTE = "某制片厂有意合拍新片"
INTERNAL_SOURCE = """@prefix fg:      <https://w3id.org/filmgraph/ontology#> .
@prefix fgid:    <https://w3id.org/filmgraph/id/> .
@prefix fgsrc:   <https://w3id.org/filmgraph/source/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

GRAPH fgsrc:001_internal_note {
    fgsrc:001_internal_note a fg:SourceDocument ;
        rdfs:label "内部笔记"@zh, "Internal note"@en ;
        dcterms:title "内部笔记"@zh ;
        dcterms:publisher fgid:org\\/yuanjie-caixun ;
        dcterms:issued "2025-12-03"^^xsd:date ;
        dcterms:language "zh" ;
        fg:textFile "sources/001_internal_note.txt" ;
        fg:internal %(mark)s ;
        fg:evidence "%(quote)s"@zh .

    fgid:film\\/secret-project a fg:Film ;
        rdfs:label "秘密项目"@zh, "Secret project"@en ;
        fg:evidence "%(quote)s"@zh .

    fgid:film\\/the-composer rdfs:label "音乐家"@zh .
}
"""


def add_internal_source(kb: Path, mark: str = "true") -> None:
    (kb / "graph" / "sources" / "001_internal_note.txt").write_text(INTERNAL_TEXT, encoding="utf-8")
    (kb / "graph" / "001_internal_note.trig").write_text(INTERNAL_SOURCE % {"mark": mark, "quote": INTERNAL_QUOTE},
                                                         encoding="utf-8")


def test_public_profile_leaves_out_an_internal_source_and_what_was_entailed_from_it(kb, tmp_path):
    add_internal_source(kb)
    out = tmp_path / "out"
    export(settings=Settings(project=kb, cache_dir="off"), out=out, formats=("nq", "ttl", "jsonld", "csv"),
           profiles="all")
    source, film = BASE + "source/001_internal_note", BASE + "id/film/secret-project"
    full = quad_set(out, "full")
    assert source in {q.graph_name.value for q in full}
    assert any(q.object.value == INTERNAL_QUOTE for q in full)
    assert any(q.subject.value == film and q.graph_name.value == BASE + "graph/entailed" for q in full)
    # a name both sources give is in both graphs, and once in the merge that Turtle holds
    label = ox.Triple(ox.NamedNode(BASE + "id/film/the-composer"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal("音乐家", language="zh"))
    assert len([q for q in full if q.triple == label]) == 2
    turtle = [q.triple for q in parsed(rdf_file(out, "full", "ttl"), "ttl")]
    assert turtle.count(label) == 1 and len(turtle) == len(set(turtle)) == len({q.triple for q in full})
    for profile in ("public", "schema"):
        quads = quad_set(out, profile)
        assert source not in {q.graph_name.value for q in quads}
        # nothing about the source, nothing from it, not even what the entailed graph derived
        assert not any(source in (q.subject.value, q.object.value) or film in (q.subject.value, q.object.value)
                       for q in quads), profile
        for path in (out / profile).rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8-sig")
                assert INTERNAL_QUOTE not in text and "secret-project" not in text, path
    # the other source and its facts are published
    public = quad_set(out, "public")
    assert BASE + "source/000_4fd766c73458f912" in {q.graph_name.value for q in public}
    assert any(q.subject.value == BASE + "id/film/the-composer" and q.graph_name.value == BASE + "graph/entailed"
               for q in public)
    films = {r["id"] for r in read_csv(out / "full" / "csv" / "Film.csv")}
    assert film in films and film not in {r["id"] for r in read_csv(out / "public" / "csv" / "Film.csv")}


def test_an_internal_mark_that_is_not_a_boolean_fails_the_check(kb, tmp_path):
    add_internal_source(kb, mark='"true"')
    with pytest.raises(CheckFailed) as failure:
        export(settings=Settings(project=kb, cache_dir="off"), out=tmp_path / "out", formats="nq", profiles="public")
    assert "fg:internal is not an xsd:boolean" in str(failure.value)
    assert not (tmp_path / "out").exists()


# -- usage and atomicity -------------------------------------------------------------------------

@pytest.mark.parametrize("option,value,valid", [("formats", "xlsx", "ttl, nt, nq, trig, jsonld, rdfxml, csv"),
                                                ("profiles", "private", "full, schema, public")])
def test_unknown_format_or_profile_names_the_valid_ones(tmp_path, option, value, valid):
    with pytest.raises(UsageError) as failure:
        export(settings=settings(), out=tmp_path / "out", **{option: value})
    assert repr(value) in str(failure.value) and valid in str(failure.value) and " — " in str(failure.value)
    assert not (tmp_path / "out").exists()


def test_a_remote_endpoint_is_refused(tmp_path):
    with pytest.raises(UsageError, match="embedded store"):
        export(settings=settings(endpoint="http://127.0.0.1:9/query"), out=tmp_path / "out")


def test_format_all_writes_every_format(bundle, tmp_path):
    out, report = bundle
    everything = export(settings=settings(), out=tmp_path / "every", formats=FORMATS, profiles=("schema",))
    listed = export(settings=settings(), out=tmp_path / "all", formats="all", profiles="schema")
    assert listed.formats == everything.formats == FORMATS
    assert sorted(f.path for f in listed.files) == sorted(f.path for f in everything.files)
    assert {f.format for f in listed.files} == set(FORMATS) | {"context"}
    assert (tmp_path / "all" / CHECKSUMS).read_bytes() == (tmp_path / "every" / CHECKSUMS).read_bytes()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_an_interrupted_export_leaves_the_previous_one_intact(tmp_path):
    out = tmp_path / "release"
    export(settings=settings(), out=out, formats=("nt", "csv"), profiles=("full", "public"))
    before = snapshot(out)
    seen = []

    def interrupt(message: str) -> None:
        seen.append(message)
        if message == "writing schema/filmgraph.rdf":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(settings=settings(), out=out, formats="all", profiles=("schema",), progress=interrupt)
    assert "writing schema/filmgraph.jsonld" in seen  # other formats had been written
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]  # no half-written folder left

    def fail(folder: Path, report: ExportReport) -> None:
        assert (folder / "schema" / "filmgraph.rdf").is_file()
        raise OutputError("the description could not be written")

    with pytest.raises(OutputError):
        export(settings=settings(), out=out, formats="all", profiles=("schema",), describe=fail)
    assert snapshot(out) == before


def test_a_new_export_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "release"
    export(settings=settings(), out=out, formats=("nt",), profiles=("full", "public"))
    (out / "README.md").write_text("release notes\n", encoding="utf-8")  # a release folder holds more
    report = export(settings=settings(), out=out, formats=("ttl",), profiles=("schema",))
    assert sorted(snapshot(out)) == sorted([CHECKSUMS] + [f.path.as_posix() for f in report.files])
    assert not (out / "full").exists() and not (out / "README.md").exists()


def test_a_folder_that_is_no_export_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"keep me")
    with pytest.raises(OutputError, match="SHA256SUMS"):
        export(settings=settings(), out=out, formats="nt")
    assert snapshot(out) == {"thesis.docx": b"keep me"}


def test_describe_adds_files_that_the_checksums_cover(tmp_path):
    calls = []

    def describe(folder: Path, report: ExportReport) -> None:
        calls.append([f.path.as_posix() for f in report.files])
        (folder / "description.ttl").write_text("# described\n", encoding="utf-8")

    export(settings=settings(), out=tmp_path / "out", formats="nt", profiles="full", describe=describe,
           version="9.9.9")
    assert calls == [[CONTEXT_FILE, "full/filmgraph.nt"]]
    assert "description.ttl" in (tmp_path / "out" / CHECKSUMS).read_text(encoding="utf-8")


def test_another_base_iri_moves_the_data_and_the_context(tmp_path):
    base = "https://example.org/films/"
    out = tmp_path / "out"
    export(settings=settings(base_iri=base), out=out, formats=("nq", "jsonld"), profiles="schema")
    quads = quad_set(out, "schema")
    assert {q.graph_name.value for q in quads} == {base + "graph/schema"}
    assert any(q.subject.value == base + "id/city/almaty" for q in quads)
    data = tuple(BASE + path for path in ("id/", "source/", "graph/", ".well-known/"))
    assert not any(t.value.startswith(data) for q in quads for t in (q.subject, q.object) if not isinstance(t, ox.Literal))
    context = json.loads((out / CONTEXT_FILE).read_text(encoding="utf-8"))["@context"]
    assert context["fgid"] == base + "id/"
    assert set(parsed(rdf_file(out, "schema", "jsonld"), "jsonld")) == quads
