"""``filmgraph stats``: counts, and the coverage a curator is judged by."""
from __future__ import annotations

import json


def test_every_entity_is_labelled_in_chinese_and_english_and_every_relation_has_evidence(run):
    r = run("stats", "--json")
    assert r.code == 0, r.text
    data = json.loads(r.out)
    for lang in ("zh", "en"):
        covered, total = data["labels"][lang]
        assert total > 50 and covered == total, (lang, covered, total)
    covered, total = data["evidence"]
    assert total > 50 and covered == total
    assert data["classes"]["https://w3id.org/filmgraph/ontology#Film"] == 11
    assert data["graphs"]["https://w3id.org/filmgraph/source/000_4fd766c73458f912"]["triples"] > 300


def test_stats_table(run):
    r = run("stats")
    assert r.code == 0
    assert "zh: " in r.out and "(100%)" in r.out
    assert "fgsrc:000_4fd766c73458f912" in r.out and "fg:Film" in r.out
