"""``filmgraph check``: the knowledge base passes; each kind of bad input is reported with the
right message at the right line, exit 1, no traceback."""
from __future__ import annotations

import pytest

from conftest import DATA_FILE, edit, line_of

SOURCE_GRAPH = "fgsrc:000_4fd766c73458f912"
QUOTE = "北京电影亮相阿拉木图与莫斯科"  # verbatim in the source text


def test_knowledge_base_passes_its_own_checks(run):
    r = run("check")
    assert r.code == 0, r.text
    assert r.out.startswith("check ok:") and "0 error(s)" in r.out
    assert "Traceback" not in r.text


def append_block(kb, body: str) -> tuple:
    """Append a GRAPH block to the curated source file of the copy ``kb``; returns (path, first line)."""
    path = kb / "graph" / DATA_FILE.name
    text = path.read_text(encoding="utf-8")
    start = text.count("\n") + 2  # the line after 'GRAPH … {'
    path.write_text(text + f"GRAPH {SOURCE_GRAPH} {{\n{body}\n}}\n", encoding="utf-8")
    return path, start


def problems_for(run, kb):
    r = run("--project", kb, "check")
    assert r.code == 1, r.text
    assert "Traceback" not in r.text
    assert r.err.rstrip().splitlines()[-1].startswith("check failed:")
    return [line for line in r.err.splitlines() if line.startswith("graph/")]


def assert_reported(lines, line: int, *words: str):
    hits = [entry for entry in lines if f":{line}:" in entry and all(w in entry for w in words)]
    assert hits, f"no problem at line {line} with {words} in:\n" + "\n".join(lines)
    assert " — " in hits[0], "a problem says how to fix it"


@pytest.fixture
def in_kb(kb, monkeypatch):
    monkeypatch.chdir(kb)  # problems print with paths relative to the working folder
    return kb


GOOD_FILM = f'''    fgid:film\\/test-film a fg:Film ;
        rdfs:label "测试影片"@zh, "Test film"@en ;
        fg:evidence "{QUOTE}"@zh .'''


def test_a_good_addition_passes(run, in_kb):
    append_block(in_kb, GOOD_FILM)
    assert run("--project", in_kb, "check").code == 0


def test_syntax_error(run, in_kb):
    path, start = append_block(in_kb, '    fgid:film\\/x rdfs:label "unterminated ;\n')
    lines = problems_for(run, in_kb)
    assert len(lines) == 1
    assert lines[0].startswith(f"graph/{path.name}:{start}:") and "syntax error" in lines[0]


def test_unknown_class(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace("a fg:Film", "a fg:Flim"))
    assert_reported(problems_for(run, in_kb), start, "unknown class fg:Flim", "did you mean fg:Film")


def test_unknown_property(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace("fg:evidence", "fg:evidense"))
    assert_reported(problems_for(run, in_kb), start + 2, "unknown property fg:evidense", "fg:evidence")


def test_missing_english_label(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace(', "Test film"@en', ""))
    # pointed at the labels already written, where the missing one belongs
    assert_reported(problems_for(run, in_kb), start + 1, "film/test-film", "English")


def test_end_before_start(run, in_kb):
    _, start = append_block(in_kb, f'''    fgid:event\\/test a fg:Event ;
        rdfs:label "测试"@zh, "Test"@en ;
        fg:startDate "2025-11-29"^^xsd:date ;
        fg:endDate "2025-11-23"^^xsd:date ;
        fg:evidence "{QUOTE}"@zh .''')
    lines = problems_for(run, in_kb)
    assert any(f":{start + 2}:" in x or f":{start + 3}:" in x for x in lines if "event/test" in x), lines


def test_dangling_reference(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace(" ;\n        fg:evidence", " ;\n        fg:director fgid:person\\/zhang-qq ;\n        fg:evidence"))
    assert_reported(problems_for(run, in_kb), start + 2, "dangling reference", "person/zhang-qq",
                    "did you mean fgid:person/zhang-qi")


def test_missing_evidence(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace(f' ;\n        fg:evidence "{QUOTE}"@zh .', " ."))
    assert_reported(problems_for(run, in_kb), start, "film/test-film", "evidence")


def test_quote_not_in_source(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace(QUOTE, "北京电影亮相巴黎"))
    assert_reported(problems_for(run, in_kb), start + 2, "quote not found verbatim")


def test_wrong_datatype(run, in_kb):
    _, start = append_block(in_kb, f'''    fgid:event\\/test a fg:Event ;
        rdfs:label "测试"@zh, "Test"@en ;
        fg:startDate "25 November 2025" ;
        fg:evidence "{QUOTE}"@zh .''')
    assert_reported(problems_for(run, in_kb), start + 2, "event/test")


def test_untyped_entity(run, in_kb):
    _, start = append_block(in_kb, GOOD_FILM.replace(" a fg:Film ;", ""))
    assert_reported(problems_for(run, in_kb), start, "no type from the ontology")


def test_facts_outside_a_named_graph(run, in_kb):
    (in_kb / "graph" / "loose.ttl").write_text(
        "@prefix fg: <https://w3id.org/filmgraph/ontology#> .\n"
        "<https://w3id.org/filmgraph/id/film/the-composer> fg:evidence \"x\"@zh .\n", encoding="utf-8")
    r = run("--project", in_kb, "check")
    assert r.code == 1 and "graph/loose.ttl" in r.err and "outside a named graph" in r.err


def test_checking_one_file_uses_the_knowledge_base_as_context(run, in_kb):
    r = run("--project", in_kb, "check", in_kb / "graph" / DATA_FILE.name)
    assert r.code == 0, r.text
    assert "1 file(s)" in r.out


def test_missing_path_is_a_usage_error(run, in_kb):
    r = run("check", "no/such/file.ttl")
    assert r.code == 2 and "no such file" in r.err and "Traceback" not in r.text


def test_not_a_project(run, tmp_path):
    r = run("--project", tmp_path, "check")
    assert r.code == 2 and "not a filmgraph knowledge base" in r.err


def test_syntax_error_in_ontology_points_at_it(run, in_kb):
    path = in_kb / "ontology" / "filmgraph.ttl"
    edit(path, "owl:Ontology", "owl:Ontology ;;; <bad iri>")
    r = run("--project", in_kb, "check")
    assert r.code == 1
    assert r.err.startswith(f"ontology/filmgraph.ttl:{line_of(path, '<bad iri>')}:")
