"""``filmgraph query`` as an analyst uses it: formats, labels, limits, parameters, errors."""
from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from conftest import REPO

FILMS = "SELECT ?film WHERE { ?film a <https://schema.org/Movie> } ORDER BY ?film"


def test_table_shows_labels_in_the_chosen_language_with_fallback(run):
    en = run("query", "--text", FILMS, "--lang", "en")
    zh = run("query", "--text", FILMS)
    assert en.code == zh.code == 0
    assert "The Composer" in en.out and "音乐家" in zh.out
    assert "(11 row(s))" in en.out


def test_csv_has_a_bom_iris_and_labels(run):
    r = run("query", "--text", FILMS, "--format", "csv", "--lang", "en")
    assert r.out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.out.lstrip("\ufeff"))))
    assert len(rows) == 11
    assert {"film", "film_label"} == set(rows[0])
    assert any(row["film"] == "https://w3id.org/filmgraph/id/film/the-composer" and row["film_label"] == "The Composer"
               for row in rows)


def test_json_is_sparql_results_json(run):
    r = run("query", "--text", FILMS, "--format", "json")
    parsed = ox.parse_query_results(r.out.encode(), format=ox.QueryResultsFormat.JSON)
    assert len(list(parsed)) == 11
    assert json.loads(r.out)["head"]["vars"] == ["film", "film_label"]


def test_markdown_and_tsv(run):
    md = run("query", "--text", FILMS, "--format", "markdown", "--lang", "en")
    assert md.out.startswith("| film |") and "| The Composer |" in md.out
    tsv = run("query", "--text", FILMS, "--format", "tsv")
    assert tsv.out.splitlines()[0] == "film\tfilm_label"


def test_limit_says_when_it_cut(run):
    r = run("query", "--text", FILMS, "--limit", "3")
    assert "(3 row(s); limit 3 reached, there may be more)" in r.out
    r = run("query", "--text", FILMS + " LIMIT 2", "--limit", "5", "--format", "csv")
    assert len(r.out.splitlines()) == 3, "a smaller LIMIT in the query is kept"


def test_ask_and_construct(run):
    assert run("query", "--text", "ASK { ?f a <https://schema.org/Movie> }").out == "true\n"
    r = run("query", "--text", "CONSTRUCT { ?f a <https://schema.org/Movie> } WHERE { ?f a <https://schema.org/Movie> }")
    assert len(list(ox.parse(r.out.encode(), format=ox.RdfFormat.TURTLE))) == 11


def test_syntax_error_names_line_and_column(run, tmp_path):
    query = tmp_path / "broken.rq"
    query.write_text("# title@en: broken\nSELECT ?x WHERE {\n  ?x ?p \n}\n", encoding="utf-8")
    r = run("query", query)
    assert r.code == 1 and "Traceback" not in r.text
    assert r.err.startswith(f"{query}:4:"), r.err
    r = run("query", "--text", "SELECT ?x WHERE {\n ?x ?y ?z .\n FILTER(?x = ) }")
    assert r.code == 1 and r.err.startswith("query:3:") and "invalid SPARQL" in r.err


def test_unknown_query_name_suggests(run):
    r = run("query", "films-in-cty")
    assert r.code == 1 and "did you mean films-in-city" in r.err


def test_unknown_parameter_is_refused(run):
    r = run("query", "films-in-city", "--param", "town=阿拉木图")
    assert r.code == 1 and "unknown parameter town" in r.err and "city" in r.err


def test_malformed_param_option(run):
    r = run("query", "films-in-city", "--param", "city")
    assert r.code == 2 and "key=value" in r.err


def test_neither_or_both_query_and_text(run):
    assert run("query").code == 2
    assert run("query", "films-in-city", "--text", "ASK {}").code == 2


def test_parameters_follow_a_configured_base_iri(run):
    base = ["--base-iri", "https://data.example.org/film/"]
    default = run(*base, "query", "films-in-city", "--format", "csv")
    prefixed = run(*base, "query", "films-in-city", "-p", "city=fgid:city\\/almaty", "--format", "csv")
    named = run(*base, "query", "films-in-city", "-p", "city=阿拉木图", "--format", "csv")
    assert default.code == 0 and len(default.out.splitlines()) > 5
    assert default.out == prefixed.out == named.out
    assert "https://data.example.org/film/id/film/" in default.out


def test_any_iri_in_angle_brackets(run):
    r = run("query", "films-in-city", "-p", "city=<urn:example:nowhere>")
    assert r.code == 0 and "(0 row(s))" in r.out


def test_explain_shows_the_bound_query_without_running(run):
    r = run("query", "films-in-city", "-p", "city=阿拉木图", "--explain")
    assert r.code == 0 and "VALUES (?city) { (<https://w3id.org/filmgraph/id/city/almaty>) }" in r.out


def test_every_library_query_has_an_example_that_answers(run):
    from filmgraph.queries import Library

    for q in Library(REPO / "queries"):
        args = [a for p in q.params if p.example for a in ("-p", f"{p.name}={p.example}")]
        r = run("query", q.name, *args, "--format", "csv")
        assert r.code == 0, (q.name, r.err)
        assert len(r.out.splitlines()) > 1, f"{q.name} with its example parameters answers nothing"
