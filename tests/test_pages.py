"""Linked-data pages and documents (filmgraph.pages) on the real curated knowledge base: what a
visitor of /id/city/almaty, /ontology and a 404 sees, and what a partner downloading .ttl gets."""
from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import edit
from filmgraph import pages
from filmgraph.dataset import open_backend
from filmgraph.namespaces import FG, OWL, RDF, RDFS
from filmgraph.settings import Settings
from filmgraph.store import select

REPO = Path(__file__).resolve().parent.parent
BASE = Settings().base_iri
ALMATY = BASE + "id/city/almaty"
LOCAL = "http://127.0.0.1:8000/"


def settings(**changes) -> Settings:
    """Settings that use the test session's private cache, never the user's."""
    return Settings(cache_dir=os.environ.get("FILMGRAPH_CACHE_DIR", "off"), **changes)


@pytest.fixture(scope="module")
def backend():
    return open_backend(settings())


@pytest.fixture(scope="module")
def almaty_page(backend) -> str:
    page = pages.entity_page(backend, ALMATY, base_iri=BASE)
    assert page is not None
    return page


VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base", "embed", "track"}


class _Checker(HTMLParser):
    """Collects every start tag with its attributes and fails on unbalanced tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> _Checker:
    """The page parsed; asserts the shared shell, balanced tags and nothing the CSP would block."""
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-Hans\">")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [], f"unclosed tags {checker.stack}"
    names = [t for t, _ in checker.tags]
    assert "script" not in names and "style" not in names
    for tag, attrs in checker.tags:
        assert "style" not in attrs and not any(a.startswith("on") for a in attrs), (tag, attrs)
        for key in ("href", "src"):
            if key in attrs:
                assert attrs[key].startswith(("/", "#", "http://", "https://")), attrs[key]
    assert ("link", {"rel": "stylesheet", "href": "/static/site.css"}) in checker.tags
    assert ("meta", {"charset": "utf-8"}) in checker.tags
    hrefs = {a.get("href") for t, a in checker.tags if t == "a"}
    assert {"/", "/map", "/ontology"} <= hrefs
    return checker


def hrefs(page: str) -> set[str]:
    return {a["href"] for t, a in parse(page).tags if t == "a" and "href" in a}


def test_almaty_page_shows_names_country_and_events_with_quotes(backend, almaty_page):
    page = almaty_page
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert "阿拉木图" in h1 and "Almaty" in h1
    assert h1.index("阿拉木图") < h1.index("Almaty"), "Chinese first, English beside it"
    assert "<title>阿拉木图 · Almaty" in page
    links = hrefs(page)
    # its type, named from the ontology and linked to the term page
    assert "/ontology/City" in links and "城市" in page
    # its country, as a local link with its name
    assert '<a href="/id/country/kazakhstan"><span lang="zh">哈萨克斯坦</span>' in page
    # an event held there, and the sentence of the source article behind it, with the article linked
    rows = select(backend, f"""SELECT ?event ?quote ?source ?title WHERE {{
        GRAPH ?source {{ ?event <{FG}location> <{ALMATY}> ; <{FG}evidence> ?quote }}
        ?source <http://purl.org/dc/terms/title> ?title }}""")
    assert rows, "the knowledge base has an event in Almaty with evidence"
    for row in rows:
        assert pages.local_path(row["event"].value, base_iri=BASE) in links
        assert pages.local_path(row["source"].value, base_iri=BASE) in links
        assert f">{row['quote'].value}</blockquote>" in page
        assert row["title"].value in page
    # links to data IRIs are local paths, never the published IRIs themselves
    assert not any(h.startswith(BASE) for h in links)
    # the neighbourhood map and the RDF documents
    assert ('<iframe class="ego-map" src="/map?view=ego&amp;focus=https%3A%2F%2Fw3id.org%2Ffilmgraph%2Fid%2Fcity%2Falmaty'
            '&amp;hops=1" sandbox="allow-scripts"') in page
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples")):
        assert f'<link rel="alternate" type="{media}" href="/id/city/almaty.{ext}">' in page
        assert f"/id/city/almaty.{ext}" in links
    # a city is not inferred: no notice
    assert 'class="notice inferred"' not in page


def test_english_first_when_asked(backend):
    page = pages.entity_page(backend, ALMATY, base_iri=BASE, lang="en")
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert h1.index("Almaty") < h1.index("阿拉木图")


def test_inferred_node_shows_the_notice_and_its_note(backend):
    rows = select(backend, f"""SELECT ?node ?note WHERE {{ ?node <{FG}inferred> true ; <{FG}inferenceNote> ?note
        FILTER(lang(?note) = "zh") }} ORDER BY ?node LIMIT 1""")
    node, note = rows[0]["node"].value, rows[0]["note"].value
    page = pages.entity_page(backend, node, base_iri=BASE)
    parse(page)
    notice = re.search(r'<aside class="notice inferred" role="note">(.*?)</aside>', page, re.S)
    assert notice, "an inferred node says so"
    assert "推断" in notice.group(1) and "Inferred" in notice.group(1)
    assert html.escape(note, quote=True) in notice.group(1)


def test_describe_and_serialize_round_trip(backend):
    triples = pages.describe(backend, ALMATY)
    subject = ox.NamedNode(ALMATY)
    label = ox.NamedNode(RDFS + "label")
    assert ox.Triple(subject, label, ox.Literal("阿拉木图", language="zh")) in triples
    assert len(triples) == len(set(triples)), "deduplicated"
    assert triples[0].subject == subject, "the entity's own triples first"
    # incoming links, with the evidence of the linking node and its source document
    incoming = {t.subject for t in triples if t.object == subject and t.predicate.value == FG + "location"}
    assert incoming
    assert any(t.subject in incoming and t.predicate.value == FG + "evidence" for t in triples)
    mentions = [t for t in triples if t.predicate.value == "https://schema.org/mentions" and t.object == subject]
    assert {t.subject.value for t in mentions} >= {BASE + "source/000_4fd766c73458f912"}
    for fmt in ("ttl", "nt", "jsonld", "rdfxml"):
        data = pages.serialize(triples, format=fmt, base_iri=BASE)
        parsed = {q.triple for q in ox.parse(data, format=pages.FORMATS[fmt][0])}
        assert parsed == set(triples), fmt
    turtle = pages.serialize(triples, format="ttl", base_iri=BASE).decode()
    assert f"@prefix fgid: <{BASE}id/> ." in turtle
    assert '"阿拉木图"@zh' in turtle and '"Almaty"@en' in turtle
    with pytest.raises(ValueError, match="unknown format"):
        pages.serialize(triples, format="html", base_iri=BASE)


def test_unknown_iri_gives_none_and_suggestions(backend):
    assert pages.entity_page(backend, BASE + "id/city/atlantis", base_iri=BASE) is None
    assert pages.describe(backend, BASE + "id/city/atlantis") == []
    for bad in ("javascript:alert(1)", "<x>", "", BASE + "id/a b", BASE + 'id/"x"', "urn:x:y"):
        assert pages.entity_page(backend, bad, base_iri=BASE) is None
        assert pages.describe(backend, bad) == []
    assert pages.suggestions(backend, "almaty")[0] == (ALMATY, "阿拉木图 · Almaty")
    assert ALMATY in [iri for iri, _ in pages.suggestions(backend, "阿拉木")]
    assert pages.suggestions(backend, "/id/city/almatyy.html")[0][0] == ALMATY, "a mistyped path finds it"
    assert len(pages.suggestions(backend, "a", limit=3)) == 3
    assert pages.suggestions(backend, "   ") == []
    page = pages.not_found_page("/id/city/<script>alert(1)</script>", pages.suggestions(backend, "almaty"),
                                base_iri=BASE)
    links = hrefs(page)
    assert "/id/city/almaty" in links and "/" in links
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "不在" in page or "没有" in page
    assert "not in the knowledge graph" in page


def test_nothing_depends_on_the_default_base():
    backend = open_backend(settings(base_iri=LOCAL))
    iri = LOCAL + "id/city/almaty"
    page = pages.entity_page(backend, iri, base_iri=LOCAL)
    assert page is not None and "阿拉木图" in page
    links = hrefs(page)
    assert "/id/country/kazakhstan" in links and "/source/000_4fd766c73458f912" in links
    assert "w3id.org/filmgraph/id/" not in page and "w3id.org/filmgraph/source/" not in page
    assert '<link rel="alternate" type="text/turtle" href="/id/city/almaty.ttl">' in page
    assert pages.entity_page(backend, ALMATY, base_iri=LOCAL) is None
    turtle = pages.serialize(pages.describe(backend, iri), format="ttl", base_iri=LOCAL).decode()
    assert f"@prefix fgid: <{LOCAL}id/> ." in turtle and "fgid:city\\/almaty" in turtle
    assert pages.suggestions(backend, "almaty")[0][0] == iri
    assert 'id="City"' in pages.ontology_page(backend, base_iri=LOCAL)
    term = pages.term_page(backend, "City", base_iri=LOCAL)
    assert term is not None and "/id/city/almaty" in hrefs(term)
    assert pages.local_path(iri, base_iri=LOCAL) == "/id/city/almaty"
    assert pages.local_path(ALMATY, base_iri=LOCAL) is None


def test_a_label_with_markup_is_shown_escaped(kb):
    edit(kb / "graph" / "reference.trig", '"Almaty"@en', '"Almaty <script>alert(1)</script>"@en')
    backend = open_backend(settings(project=kb))
    shown = "Almaty &lt;script&gt;alert(1)&lt;/script&gt;"
    page = pages.entity_page(backend, ALMATY, base_iri=BASE)
    parse(page)
    assert "<script" not in page and shown in page
    assert f"<title>阿拉木图 · {shown} · filmgraph</title>" in page
    neighbour = pages.entity_page(backend, BASE + "id/country/kazakhstan", base_iri=BASE)
    assert "<script" not in neighbour and shown in neighbour
    suggested = pages.suggestions(backend, "almaty")
    assert suggested[0] == (ALMATY, "阿拉木图 · Almaty <script>alert(1)</script>")
    assert "<script" not in pages.not_found_page("/id/x", suggested, base_iri=BASE)


def _declared(kind: str) -> set[str]:
    graph = ox.parse(path=str(REPO / "ontology" / "filmgraph.ttl"), format=ox.RdfFormat.TURTLE)
    return {t.subject.value[len(FG):] for t in graph
            if t.predicate.value == RDF + "type" and t.object.value == kind
            and isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(FG)}


def test_ontology_page_lists_every_class_and_property(backend):
    page = pages.ontology_page(backend, base_iri=BASE)
    links = hrefs(page)
    classes = _declared(OWL + "Class")
    assert len(classes) > 40
    for term in classes | _declared(OWL + "ObjectProperty") | _declared(OWL + "DatatypeProperty"):
        assert f'<section class="term" id="{term}">' in page, term
        assert f"/ontology/{term}" in links, term
    for row in select(backend, f"SELECT ?c ?l WHERE {{ ?c a <{OWL}Class> ; <{RDFS}label> ?l }}"):
        if row["c"].value.startswith(FG):
            assert row["l"].value in page
    assert "https://schema.org/City" in links, "schema.org alignment shown"
    assert "/ontology.ttl" in links
    assert "∪" in page, "a union domain or range is spelt out"


def test_term_pages_for_a_class_a_property_and_a_concept(backend):
    city = pages.term_page(backend, "City", base_iri=BASE)
    links = hrefs(city)
    count = int(select(backend, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{FG}City> }}")[0]["n"].value)
    assert f'<strong class="count">{count}</strong>' in city
    assert "/id/city/almaty" in links and "/ontology/Place" in links
    assert "城市" in city and "City" in city and "https://schema.org/City" in links
    place = pages.term_page(backend, "Place", base_iri=BASE)
    assert "/ontology/City" in hrefs(place), "subclasses listed"

    location = pages.term_page(backend, "location", base_iri=BASE)
    uses = int(select(backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s <{FG}location> ?o }} }}")[0]["n"].value)
    assert uses > 0 and f'<strong class="count">{uses}</strong>' in location
    assert {"/ontology/Event", "/ontology/Place"} <= hrefs(location), "domain and range"

    afternoon = pages.term_page(backend, "Afternoon", base_iri=BASE)
    assert afternoon is not None and "/id/event/2025-almaty-promotion" in hrefs(afternoon)


@pytest.mark.parametrize("name", ["../x", "%2e%2e", "..", "City/../Film", "", "Flim", "City.ttl", "City\n"])
def test_term_names_outside_the_ontology_give_none(backend, name):
    assert pages.term_page(backend, name, base_iri=BASE) is None


def test_local_paths():
    assert pages.local_path(ALMATY, base_iri=BASE) == "/id/city/almaty"
    assert pages.local_path(BASE + "source/000_4fd766c73458f912", base_iri=BASE) == "/source/000_4fd766c73458f912"
    assert pages.local_path(FG + "Film", base_iri=BASE) == "/ontology/Film"
    assert pages.local_path(FG + "Film", base_iri=LOCAL) == "/ontology/Film"
    for outside in ("http://www.wikidata.org/entity/Q35493", BASE, BASE + "id/../x", BASE + "id//x", LOCAL + "id/x",
                    "https://w3id.org/filmgraph/ontology/0.1.0"):
        assert pages.local_path(outside, base_iri=BASE) is None, outside
    assert pages.iri_for_path("/id/city/almaty", base_iri=BASE) == ALMATY
    for bad in ("/id/../etc/passwd", "/static/site.css", "/id/a b", "/", "/id/"):
        assert pages.iri_for_path(bad, base_iri=BASE) is None, bad


def test_error_page_escapes_the_message():
    page = pages.error_page(503, 'stopped at its time limit <img src=x onerror="alert(1)">')
    parse(page)
    assert "503" in page and "Service Unavailable" in page
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
