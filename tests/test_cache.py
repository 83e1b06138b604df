"""The cache of loaded knowledge bases: later commands start from it, and it never answers with
an old version of the knowledge base."""
from __future__ import annotations

import os
from pathlib import Path

from conftest import DATA_FILE, edit

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://schema.org/Movie> }"


def test_second_command_uses_the_cache_and_an_edit_invalidates_it(run, kb):
    cache = Path(os.environ["FILMGRAPH_CACHE_DIR"])
    before = set(cache.iterdir()) if cache.exists() else set()
    r = run("--project", kb, "query", "--text", COUNT, "--format", "csv")
    assert r.code == 0 and r.out.splitlines()[1] == "11"
    created = set(cache.iterdir()) - before
    assert len(created) == 1, "the loaded knowledge base was cached"
    assert run("--project", kb, "query", "--text", COUNT, "--format", "csv").out.splitlines()[1] == "11"

    edit(kb / "graph" / DATA_FILE.name, "fgid:film\\/mama a fg:Film ;",
         "fgid:film\\/mama a fg:Film ;\n        rdfs:comment \"edited\"@en ;")
    r = run("--project", kb, "query", "--text",
            "ASK { <https://w3id.org/filmgraph/id/film/mama> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
    assert r.out.strip() == "true", "an edited knowledge base is loaded again, not served from the cache"


def test_cache_off(run, kb, tmp_path):
    r = run("--project", kb, "--cache-dir", "off", "query", "--text", COUNT, "--format", "csv")
    assert r.code == 0 and r.out.splitlines()[1] == "11"


def test_a_broken_knowledge_base_is_never_cached(run, kb):
    edit(kb / "graph" / DATA_FILE.name, "a fg:Film", "a fg:Flim")
    for _ in range(2):
        r = run("--project", kb, "query", "--text", COUNT)
        assert r.code == 1 and "unknown class fg:Flim" in r.err
