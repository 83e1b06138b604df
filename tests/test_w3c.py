"""The W3C RDF 1.1 Turtle and TriG test suites: every negative test refused with FILE:LINE and no
traceback; every positive test accepted; every evaluation test yields the expected graph."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import W3C
from filmgraph.loading import parse_file

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDFT = "http://www.w3.org/ns/rdftest#"


def _tests():
    for suite in ("rdf-turtle", "rdf-trig"):
        folder = W3C / suite
        base = f"https://w3c.github.io/rdf-tests/rdf/rdf11/{suite}/"
        manifest = ox.Store()
        manifest.load(path=str(folder / "manifest.ttl"), base_iri=base)
        rows = manifest.query(
            f"SELECT ?type ?action ?result WHERE {{ ?t a ?type ; <{MF}action> ?action . "
            f"OPTIONAL {{ ?t <{MF}result> ?result }} }}")
        for row in rows:
            kind = row["type"].value.removeprefix(RDFT)
            action = row["action"].value
            result = row["result"].value if row["result"] else None
            name = action.rsplit("/", 1)[1]
            yield pytest.param(kind, folder / name, action,
                               folder / result.rsplit("/", 1)[1] if result else None,
                               id=f"{suite}/{name}")


TESTS = list(_tests())


def test_the_suites_are_complete():
    kinds = {p.values[0] for p in TESTS}
    assert len(TESTS) > 500
    assert {"TestTurtleNegativeSyntax", "TestTrigNegativeSyntax", "TestTurtleEval", "TestTrigEval"} <= kinds


@pytest.mark.parametrize("kind,path,action,result", TESTS)
def test_w3c(kind, path: Path, action, result, run):
    parsed, problems = parse_file(path, base_iri=action)
    if "Negative" in kind:
        assert len(problems) == 1, f"accepted an invalid document: {path.name}"
        problem = problems[0]
        assert problem.line >= 1 and problem.file.endswith(path.name)
        assert str(problem).startswith(f"{problem.file}:{problem.line}:")
        return
    assert problems == [], f"refused a valid document: {problems}"
    if result is not None:
        expected, _ = parse_file(result, base_iri=action)
        got = ox.Dataset(parsed.quads)
        want = ox.Dataset(expected.quads)
        for d in (got, want):
            d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        assert set(got) == set(want)


NEGATIVE_SAMPLE = [p for p in TESTS if "Negative" in p.values[0]][::25]


@pytest.mark.parametrize("kind,path,action,result", NEGATIVE_SAMPLE)
def test_cli_refuses_invalid_documents_without_traceback(kind, path, action, result, run):
    r = run("check", "--base", action, path)
    assert r.code == 1
    first = r.err.splitlines()[0]
    assert path.name in first and first.split(path.name, 1)[1][:1] == ":"
    assert "Traceback" not in r.text


def test_cli_accepts_valid_documents(run):
    positives = [p.values[1] for p in TESTS if p.values[0] in ("TestTurtlePositiveSyntax", "TestTrigPositiveSyntax")][:40]
    r = run("check", *positives)
    assert r.code == 0, r.text
    assert "check ok" in r.out
