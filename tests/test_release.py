"""Releases (issue 6): the bundle a partner receives says what it holds and verifies, its changes
can be listed and applied, and it loads into a live Oxigraph that answers in schema.org terms."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import REPO, edit, start_oxigraph
from filmgraph.changes import diff
from filmgraph.errors import UsageError
from filmgraph.queries import Library
from filmgraph.release import check_version, example_queries, release, schema_only
from filmgraph.settings import Settings

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "https://schema.org/"
BASE = "https://w3id.org/filmgraph/"
LICENCE = "https://creativecommons.org/licenses/by-sa/4.0/"
PUBLISHER = "Beijing Film Archive test desk"
ENDPOINT = "https://data.example.org/filmgraph/sparql"


def settings(project: Path = REPO, **values) -> Settings:
    return Settings(project=project, cache_dir=os.environ["FILMGRAPH_CACHE_DIR"], **values)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """Release 0.1.0 of the repository's knowledge base, with a licence, publisher and endpoint set."""
    out = tmp_path_factory.mktemp("release") / "filmgraph-0.1.0"
    release("0.1.0", settings=settings(licence=LICENCE, publisher=PUBLISHER, published_endpoint=ENDPOINT), out=out)
    return out


def files_of(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def description_of(folder: Path) -> ox.Store:
    path = folder / "description.ttl"
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
    return store


def one(store: ox.Store, query: str) -> ox.QuerySolution:
    rows = list(store.query(query))
    assert len(rows) == 1, f"{len(rows)} rows for {query}"
    return rows[0]


def quads(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


# -- versions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["v0.1.0", "0.1", "01.0.0", "0.1.0-rc1", "", "1.0.0 "])
def test_a_version_that_is_not_x_y_z_is_refused_before_anything_is_written(bad, tmp_path):
    with pytest.raises(UsageError, match="X.Y.Z"):
        release(bad, settings=settings(), out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert check_version("10.0.3") == "10.0.3"


# -- the description ---------------------------------------------------------------------------

def test_the_description_lists_every_file_with_its_size_sha256_and_media_type(released):
    store = description_of(released)
    files = files_of(released)
    listed = {}
    for row in store.query(f"""
            SELECT ?url ?size ?sum ?media ?format WHERE {{
              ?dataset a <{DCAT}Dataset> ; <{DCAT}distribution> ?d .
              FILTER(STRENDS(STR(?dataset), "#dataset"))
              ?d a <{DCAT}Distribution> ; <{DCAT}downloadURL> ?url ; <{DCAT}byteSize> ?size ;
                 <{DCAT}mediaType> ?media ; <{DCT}format> ?format ;
                 <{SPDX}checksum> [ <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> ; <{SPDX}checksumValue> ?sum ] .
            }}"""):
        assert row["media"].value.startswith("https://www.iana.org/assignments/media-types/")
        listed[row["url"].value] = (int(row["size"].value), row["sum"].value, row["media"].value)
    # the file says xsd:nonNegativeInteger as DCAT wants (a pyoxigraph Store would report xsd:integer)
    path = released / "description.ttl"
    sizes = [t.object for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
             if t.predicate.value == DCAT + "byteSize"]
    assert len(sizes) == len(listed) and {s.datatype.value for s in sizes} == {"http://www.w3.org/2001/XMLSchema#nonNegativeInteger"}
    expected = {p.as_uri(): p for name, p in files.items() if name not in ("description.ttl", "SHA256SUMS")}
    assert set(listed) == set(expected)
    for url, (size, digest, media) in listed.items():
        path = expected[url]
        assert size == path.stat().st_size, url
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest(), url
    assert listed[(released / "full" / "filmgraph.nq").as_uri()][2].endswith("/application/n-quads")
    assert listed[(released / "README.md").as_uri()][2].endswith("/text/markdown")
    # every profile in every RDF format is there
    for profile in ("full", "public", "schema"):
        for ext in ("ttl", "nt", "nq", "trig", "jsonld", "rdf"):
            assert (released / profile / f"filmgraph.{ext}").as_uri() in listed


def test_the_description_says_who_publishes_it_under_which_licence_and_version(released):
    store = description_of(released)
    row = one(store, f"""
        SELECT ?licence ?name ?version ?info ?issued ?endpoint ?space WHERE {{
          ?d a <{DCAT}Dataset>, <{VOID}Dataset> ; <{DCT}license> ?licence ; <{DCT}publisher> ?p ;
             <{DCAT}version> ?version ; <{OWL}versionInfo> ?info ; <{DCT}issued> ?issued ;
             <{VOID}sparqlEndpoint> ?endpoint ; <{VOID}uriSpace> ?space .
          ?p a <{FOAF}Agent> ; <{FOAF}name> ?name .
          FILTER(STRENDS(STR(?d), "#dataset"))
        }}""")
    assert row["licence"].value == LICENCE
    assert row["name"].value == PUBLISHER
    assert row["version"].value == row["info"].value == "0.1.0"
    assert row["endpoint"].value == ENDPOINT
    assert row["space"].value == BASE + "id/"
    langs = {r["t"].language for r in store.query(
        f'SELECT ?t WHERE {{ ?d <{DCT}title> ?t FILTER(STRENDS(STR(?d), "#dataset")) }}')}
    assert langs == {"zh", "en"}
    sources = {r["s"].value for r in store.query(f"SELECT ?s WHERE {{ ?d <{DCT}source> ?s }}")}
    assert BASE + "source/000_4fd766c73458f912" in sources
    # the JSON-LD files point at the context that ships with them
    assert store.query(f"ASK {{ ?d <{DCAT}downloadURL> <{(released / 'full/filmgraph.jsonld').as_uri()}> ; "
                       f"<{DCT}conformsTo> <{(released / 'context.jsonld').as_uri()}> }}")


def test_void_counts_are_those_of_the_files(released):
    """The numbers a partner reads in the description are what the profile's file holds."""
    store = description_of(released)
    for profile in ("full", "public", "schema"):
        data = ox.Store()
        data.bulk_load(path=str(released / profile / "filmgraph.nt"), format=ox.RdfFormat.N_TRIPLES)
        subset = (released / "description.ttl").as_uri() + "#" + profile
        row = one(store, f"SELECT ?t ?e ?c WHERE {{ <{subset}> <{VOID}triples> ?t ; <{VOID}entities> ?e ; <{VOID}classes> ?c }}")
        assert int(row["t"].value) == len(data)
        counted = list(data.query("SELECT (COUNT(DISTINCT ?s) AS ?e) (COUNT(DISTINCT ?c) AS ?c) WHERE { ?s a ?c FILTER(isIRI(?s)) }"))[0]
        assert int(row["e"].value) == int(counted["e"].value)
        assert int(row["c"].value) == int(counted["c"].value)
        movies = one(store, f"SELECT ?n WHERE {{ <{subset}> <{VOID}classPartition> [ <{VOID}class> <{SCHEMA}Movie> ; <{VOID}entities> ?n ] }}")
        in_file = list(data.query(f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m a <{SCHEMA}Movie> }}"))[0]["n"]
        assert int(movies["n"].value) == int(in_file.value) > 0
        links = one(store, f"SELECT ?n WHERE {{ <{subset}> <{VOID}subset> ?l . ?l a <{VOID}Linkset> ; "
                           f"<{VOID}linkPredicate> <{SCHEMA}sameAs> ; <{VOID}triples> ?n }}")
        assert int(links["n"].value) == len(list(data.quads_for_pattern(None, ox.NamedNode(SCHEMA + "sameAs"), None))) > 0
        for example in store.query(f"SELECT ?x WHERE {{ <{subset}> <{VOID}exampleResource> ?x }}"):
            assert example["x"].value.startswith(BASE + "id/")
            assert list(data.quads_for_pattern(None, None, example["x"])), "an example resource is linked to in the data"


def test_the_guide_query_over_the_description_lists_every_file(released):
    guide = (REPO / "docs" / "exports.md").read_text(encoding="utf-8")
    example = next(e for e in re.findall(r"```sparql\n(.*?)```", guide, re.S) if "dcat:downloadURL" in e)
    rows = list(description_of(released).query(example))
    files = files_of(released)
    assert [r["file"].value for r in rows] == sorted(p.as_uri() for name, p in files.items()
                                                     if name not in ("description.ttl", "SHA256SUMS"))
    for row in rows:
        assert int(row["bytes"].value) == Path(urllib.parse.unquote(row["file"].value[len("file://"):])).stat().st_size


# -- checksums ---------------------------------------------------------------------------------

def test_sha256sum_verifies_every_file_and_catches_a_changed_one(released, tmp_path):
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=released, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = {line.rsplit(": ", 1)[0] for line in done.stdout.splitlines()}
    assert checked == set(files_of(released)) - {"SHA256SUMS"}
    assert {"description.ttl", "README.md", "context.jsonld"} <= checked
    copy = tmp_path / "copy"
    shutil.copytree(released, copy)
    with open(copy / "schema" / "filmgraph.nt", "ab") as handle:
        handle.write(b"\n")
    done = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=copy, capture_output=True, text=True)
    assert done.returncode != 0 and "schema/filmgraph.nt: FAILED" in done.stdout


# -- the README --------------------------------------------------------------------------------

def test_the_readme_tells_a_partner_what_is_inside_and_how_to_load_it(released):
    text = (released / "README.md").read_text(encoding="utf-8")
    for path, file in files_of(released).items():
        if path.startswith(("full/", "public/", "schema/")):
            assert f"`{path}`" in text, f"{path} is not in the README's table"
    nq = (released / "full" / "filmgraph.nq").stat().st_size
    assert f"{nq / 1000:.1f} KB" in text or f"{nq / 1e6:.1f} MB" in text
    assert LICENCE in text and PUBLISHER in text and "filmgraph 0.1.0" in text
    assert "## 许可与署名 / Licence and attribution" in text
    for store in ("### Oxigraph", "### Apache Jena Fuseki", "### Virtuoso", "### GraphDB"):
        assert store in text
    assert "tdb2.tdbloader" in text and "ld_dir(" in text and "rdf_loader_run();" in text
    assert "sha256sum -c SHA256SUMS" in text
    titles = [q for q in Library(REPO / "queries") if schema_only(q)][:3]
    assert len(titles) == 3
    for query in titles:
        assert f"### {query.title['zh']} / {query.title['en']}" in text
        assert "fg:" not in text.split(f"### {query.title['zh']}", 1)[1].split("```sparql", 1)[1].split("```", 1)[0]


def test_the_example_queries_are_the_library_queries_in_schema_org_terms_only():
    chosen = example_queries(settings())
    assert [q.name for q, _ in chosen] == ["event-timeline-schema", "films-in-both-cities-schema", "people-posts-schema"]
    library = Library(REPO / "queries")
    assert not schema_only(library.get("films-in-city"))
    for query, text in chosen:
        assert "https://w3id.org/filmgraph/ontology#" not in text and not text.startswith("#")


# -- diff --------------------------------------------------------------------------------------

def test_a_release_compared_with_itself_has_no_change(released, tmp_path):
    d = diff(released, released)
    assert d.empty and d.summary() == []
    assert d.text().endswith("no change")
    written = d.write(tmp_path / "changes")
    store = ox.Store()
    store.update((tmp_path / "changes" / "changes.ru").read_text(encoding="utf-8"))
    assert len(store) == 0 and {p.name for p in written} == {"removed.trig", "added.trig", "changes.ru", "summary.txt"}


def test_diff_of_an_edited_release_shows_exactly_the_edit_and_applies(released, kb, tmp_path):
    """Add a Russian name to Yuanjie Caixun, remove Türkiye's alternative name 'Turkey': the diff
    shows those two triples and what the schema.org view derived from them, nothing else."""
    edit(kb / "graph" / "000_4fd766c73458f912.trig", 'rdfs:label "元界财讯"@zh, "Yuanjie Caixun"@en ;',
         'rdfs:label "元界财讯"@zh, "Yuanjie Caixun"@en, "Юаньцзе Цайсюнь"@ru ;')
    edit(kb / "graph" / "reference.trig", 'skos:altLabel "Turkey"@en ;\n', "")
    new = tmp_path / "filmgraph-0.1.1"
    release("0.1.1", settings=settings(kb, licence=LICENCE, publisher=PUBLISHER, published_endpoint=ENDPOINT), out=new)

    d = diff(released, new)
    org, turkey = ox.NamedNode(BASE + "id/org/yuanjie-caixun"), ox.NamedNode(BASE + "id/country/turkey")
    ru, en = ox.Literal("Юаньцзе Цайсюнь", language="ru"), ox.Literal("Turkey", language="en")
    label, name = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.NamedNode(SCHEMA + "name")
    alt, alternate = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), ox.NamedNode(SCHEMA + "alternateName")
    assert d.added == {BASE + "source/000_4fd766c73458f912": [ox.Triple(org, label, ru)],
                       BASE + "graph/entailed": [ox.Triple(org, name, ru)]}
    assert d.removed == {BASE + "source/reference": [ox.Triple(turkey, alt, en)],
                         BASE + "graph/entailed": [ox.Triple(turkey, alternate, en)]}
    assert d.summary() == [
        '元界财讯 · Yuanjie Caixun: + rdfs:label "Юаньцзе Цайсюнь"@ru [fgsrc:000_4fd766c73458f912]; '
        '+ schema:name "Юаньцзе Цайсюнь"@ru [fggraph:entailed]',
        '土耳其 · Türkiye: − skos:altLabel "Turkey"@en [fgsrc:reference]; − schema:alternateName "Turkey"@en [fggraph:entailed]',
    ]
    guide = (REPO / "docs" / "exports.md").read_text(encoding="utf-8")
    assert all(line in guide for line in d.summary()), "docs/exports.md shows another diff than filmgraph gives"
    assert d.old_version == "0.1.0" and d.new_version == "0.1.1"
    assert "2 triple(s) added, 2 removed" in d.text()
    assert diff(released, new, lang="en").summary()[0].startswith("Türkiye · 土耳其: ")

    out = tmp_path / "changes"
    d.write(out)
    added = set(ox.parse(path=str(out / "added.trig"), format=ox.RdfFormat.TRIG))
    removed = set(ox.parse(path=str(out / "removed.trig"), format=ox.RdfFormat.TRIG))
    assert ox.Quad(org, label, ru, ox.NamedNode(BASE + "source/000_4fd766c73458f912")) in added and len(added) == 2
    assert ox.Quad(turkey, alt, en, ox.NamedNode(BASE + "source/reference")) in removed and len(removed) == 2
    # applying changes.ru to a store holding OLD gives exactly NEW
    store = ox.Store()
    store.bulk_load(path=str(released / "full" / "filmgraph.nq"), format=ox.RdfFormat.N_QUADS)
    store.update((out / "changes.ru").read_text(encoding="utf-8"))
    assert set(store) == quads(new / "full" / "filmgraph.nq")


@pytest.mark.parametrize("case", ["missing", "not a release"])
def test_diff_refuses_a_folder_that_is_not_a_release_in_one_line(case, released, tmp_path):
    folder = tmp_path / "nothing" if case == "missing" else tmp_path
    with pytest.raises(UsageError) as error:
        diff(released, folder)
    message = str(error.value)
    assert "\n" not in message and "NEW" in message and "full/filmgraph.nq" in message
    with pytest.raises(UsageError, match="zh or en"):
        diff(released, released, lang="fr")


# -- a live store ------------------------------------------------------------------------------

def test_the_release_loads_into_a_live_oxigraph_and_answers_in_schema_org_terms(released, tmp_path):
    """The README's own `oxigraph load` command, then `oxigraph serve`; the README's example
    queries (schema.org terms only) answer as the embedded store does."""
    text = (released / "README.md").read_text(encoding="utf-8")
    block = text.split("### Oxigraph", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    load = next(line for line in block.splitlines() if line.startswith("oxigraph load"))
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    args = [exe] + load.replace("filmgraph-store", str(tmp_path / "data")).split()[1:]
    done = subprocess.run(args, cwd=released, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    proc, server = start_oxigraph(tmp_path)
    try:
        embedded = ox.Store()
        embedded.bulk_load(path=str(released / "full" / "filmgraph.nq"), format=ox.RdfFormat.N_QUADS)
        total = _ask(server.query, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert int(total[0]["n"]["value"]) == len(embedded)
        for query, query_text in example_queries(settings()):
            assert query.title["en"] in text
            answer = _ask(server.query, query_text)
            result = embedded.query(query_text, use_default_graph_as_union=True)
            names = [v.value for v in result.variables]
            expected = [{n: row[n].value for n in names if row[n] is not None} for row in result]
            assert answer, f"{query.name} found nothing on the live server"
            assert [{k: v["value"] for k, v in row.items()} for row in answer] == expected, query.name
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ask(endpoint: str, query: str) -> list[dict]:
    request = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)["results"]["bindings"]
