"""``filmgraph build``: the files a partner receives, their schema.org view, the configured base,
and atomicity (a failed or interrupted build leaves the previous output)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest

from conftest import DATA_FILE, REPO, edit

SCHEMA = "PREFIX schema: <https://schema.org/>\n"


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from filmgraph import build

    out = tmp_path_factory.mktemp("build") / "dist"
    report = build(out=out)
    return out, report


@pytest.fixture(scope="module")
def partner(built):
    """What a partner has: a fresh store loaded from dist/filmgraph.nq alone."""
    store = ox.Store()
    store.load(path=str(built[0] / "filmgraph.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def test_build_writes_the_dataset(built):
    out, report = built
    assert sorted(p.name for p in out.iterdir()) == ["build-report.json", "filmgraph.nq", "filmgraph.trig"]
    data = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert data["files"]["filmgraph.nq"]["sha256"] == hashlib.sha256((out / "filmgraph.nq").read_bytes()).hexdigest()
    graphs = data["graphs"]
    assert "https://w3id.org/filmgraph/graph/entailed" in graphs and graphs["https://w3id.org/filmgraph/graph/entailed"] > 0
    assert "https://w3id.org/filmgraph/source/000_4fd766c73458f912" in graphs
    assert "https://w3id.org/filmgraph/graph/ontology" in graphs
    trig = ox.Dataset(ox.parse(path=str(out / "filmgraph.trig")))
    nq = ox.Dataset(ox.parse(path=str(out / "filmgraph.nq")))
    assert len(trig) == len(nq) == report.triples


def rows(store, query):
    return [{k: row[k].value for k in ("a", "b") if row[k] is not None}
            for row in store.query(SCHEMA + query, use_default_graph_as_union=True)]


def test_partner_finds_films_screened_in_both_cities_in_schema_org_terms(partner):
    found = rows(partner, """
        SELECT DISTINCT ?a WHERE {
          ?e1 a schema:ScreeningEvent ; schema:workPresented ?film ; schema:location ?c1 .
          ?e2 a schema:ScreeningEvent ; schema:workPresented ?film ; schema:location ?c2 .
          ?c1 schema:name "Almaty"@en . ?c2 schema:name "Moscow"@en .
          ?film a schema:Movie ; schema:name ?a FILTER(lang(?a) = "zh") }""")
    assert sorted(r["a"] for r in found) == sorted(["音乐家", "白塔之光", "消失的她", "大风杀", "妈妈!", "彷徨的女人"])


def test_partner_finds_who_directed_a_film_in_schema_org_terms(partner):
    found = rows(partner, """
        SELECT ?a WHERE { ?film schema:name "大风杀"@zh ; schema:director ?p .
                          ?p a schema:Person ; schema:name ?a FILTER(lang(?a) = "zh") }""")
    assert found == [{"a": "张琪"}]


def test_partner_finds_events_and_their_sub_events_in_schema_org_terms(partner):
    found = rows(partner, """
        SELECT ?a ?b WHERE { ?v schema:subEvent ?s . ?s schema:superEvent ?v .
          ?v schema:name ?a . ?s schema:startDate ?b FILTER(lang(?a) = "en") }""")
    assert any(r["b"] == "2025-11-24" for r in found), found


def test_base_iri_moves_data_but_not_the_vocabulary(tmp_path, run):
    out = tmp_path / "dist"
    r = run("--base-iri", "https://data.example.org/film/", "build", "--out", out)
    assert r.code == 0, r.text
    text = (out / "filmgraph.nq").read_text(encoding="utf-8")
    assert "<https://data.example.org/film/id/city/almaty>" in text
    assert "https://w3id.org/filmgraph/id/" not in text
    assert "<https://w3id.org/filmgraph/ontology#Film>" in text


def test_bad_base_iri_is_refused(run, tmp_path):
    r = run("--base-iri", "not an iri", "build", "--out", tmp_path / "x")
    assert r.code == 2 and "base_iri" in r.err and not (tmp_path / "x").exists()


def test_failed_check_leaves_previous_build(run, kb, tmp_path):
    out = tmp_path / "dist"
    assert run("--project", kb, "build", "--out", out).code == 0
    before = digest(out)
    edit(kb / "graph" / DATA_FILE.name, "a fg:Film", "a fg:Flim")
    r = run("--project", kb, "build", "--out", out)
    assert r.code == 1 and "unknown class fg:Flim" in r.err
    assert digest(out) == before


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_interrupted_writing_leaves_previous_build(run, tmp_path, monkeypatch, failure):
    from filmgraph.store import EmbeddedStore

    out = tmp_path / "dist"
    assert run("build", "--out", out).code == 0
    before = digest(out)
    real_dump = EmbeddedStore.dump

    def dump_then_fail(self, path, fmt, **kw):
        real_dump(self, path, fmt, **kw)
        if str(path).endswith(".nq"):
            raise failure(28, "No space left on device") if failure is OSError else failure()

    monkeypatch.setattr(EmbeddedStore, "dump", dump_then_fail)
    r = run("build", "--out", out)
    assert r.code == (130 if failure is KeyboardInterrupt else 1)
    assert "Traceback" not in r.text
    assert digest(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "no temporary folders are left behind"


def test_killed_build_process_never_leaves_a_broken_output(tmp_path):
    out = tmp_path / "dist"
    cmd = [sys.executable, "-m", "filmgraph", "--quiet", "build", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
    before = digest(out)
    for delay in (0.2, 0.5, 0.8, 1.1):
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # a rebuild of the same knowledge base is identical, so either way the content must match
        subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
        after = digest(out)
        assert after["filmgraph.nq"] == before["filmgraph.nq"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_foreign_output_folder_is_refused(run, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    r = run("build", "--out", out)
    assert r.code == 1 and "not written by filmgraph" in r.err
    assert (out / "thesis.docx").read_text() == "precious"


def test_store_on_disk(run, tmp_path):
    r = run("build", "--out", tmp_path / "dist", "--store", tmp_path / "store")
    assert r.code == 0, r.text
    store = ox.Store(str(tmp_path / "store"))
    assert len(store) > 1000


def test_progress_is_quiet_when_not_on_a_terminal(run, tmp_path):
    r = run("build", "--out", tmp_path / "dist")
    assert r.err == "" and r.out.startswith("built ")


def test_progress_is_shown_on_a_terminal(tmp_path):
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "filmgraph", "build", "--out", str(tmp_path / "dist")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    progress = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        progress += chunk
    os.close(master)
    assert proc.returncode == 0
    text = progress.decode()
    assert "… parsing" in text and "… writing filmgraph.nq" in text
    assert out.decode().startswith("built ")
