"""Remote stores, for real: push the built dataset into a live ``oxigraph serve`` and get the same
answers as the embedded store; failures (unreachable, 4xx, 5xx, resets, auth) are retried or
reported in one line naming the endpoint and the HTTP status."""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import filmgraph
from conftest import REPO, free_port
from filmgraph.errors import RemoteError
from filmgraph.push import push, remote_count
from filmgraph.queries import Library, run as run_query
from filmgraph.remote import Endpoint, RemoteStore

LIBRARY = Library(REPO / "queries")


@pytest.fixture(scope="module")
def dataset():
    return filmgraph.load()


@pytest.fixture(scope="module")
def pushed(oxigraph, dataset):
    """The live server holding the dataset, pushed with the Graph Store Protocol."""
    oxigraph.clear()
    remote = RemoteStore(Endpoint(oxigraph.query, graph_store=oxigraph.graph_store))
    report = push(dataset.store, remote, base_iri=dataset.settings.base_iri, chunk_triples=700)
    return remote, report


def test_push_sends_every_graph_and_verifies_counts(pushed, dataset):
    remote, report = pushed
    assert set(report.graphs) == set(dataset.store.graphs())
    for graph, counts in report.graphs.items():
        assert counts["sent"] == dataset.store.count(graph) == counts["remote"] == remote_count(remote, graph)


def test_push_twice_adds_nothing(pushed, dataset):
    remote, first = pushed
    again = push(dataset.store, remote, base_iri=dataset.settings.base_iri)
    assert {g: c["remote"] for g, c in again.graphs.items()} == {g: c["remote"] for g, c in first.graphs.items()}


def test_push_replace_and_sparql_update_fallback(run, oxigraph, pushed, dataset):
    remote, first = pushed
    oxigraph.clear()
    r = run("push", "--endpoint", oxigraph.query, "--update-endpoint", oxigraph.update, "--replace",
            "--chunk-triples", "500")
    assert r.code == 0, r.text
    assert "by SPARQL Update" in r.out and "counts verified" in r.out
    for graph, counts in first.graphs.items():
        assert remote_count(remote, graph) == counts["sent"]
    # and back through the graph store, replacing: still exactly the same counts
    r = run("push", "--endpoint", oxigraph.query, "--graph-store", oxigraph.graph_store, "--replace")
    assert r.code == 0, r.text
    for graph, counts in first.graphs.items():
        assert remote_count(remote, graph) == counts["sent"]


def normalised(outcome):
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in outcome.result.rows)


@pytest.mark.parametrize("name", sorted(q.name for q in LIBRARY))
def test_every_library_query_gives_the_same_rows_remotely(name, pushed, dataset):
    remote, _ = pushed
    query = LIBRARY.get(name)
    params = {p.name: p.example for p in query.params if p.example and p.default is None}
    local = run_query(dataset.store, query, params, lang="en")
    far = run_query(remote, query, params, lang="en")
    assert normalised(far) == normalised(local)
    assert far.labels == local.labels
    assert local.result.rows, f"{name} returns nothing on the curated graph with its example parameters"


def test_cli_query_and_stats_against_the_endpoint(run, pushed):
    r = run("query", "--endpoint", pushed[0].name, "--text",
            "SELECT ?d WHERE { ?f <https://schema.org/name> \"大风杀\"@zh ; <https://schema.org/director> ?d }",
            "--lang", "en")
    assert r.code == 0 and "Zhang Qi" in r.out
    local, far = run("stats", "--json"), run("stats", "--json", "--endpoint", pushed[0].name)
    assert json.loads(far.out) == json.loads(local.out)


def test_bad_query_text_remotely_is_one_clear_line(run, pushed):
    r = run("query", "--endpoint", pushed[0].name, "--text", "SELECT * WHERE { ?s ?p }")
    assert r.code == 1 and "Traceback" not in r.text
    assert pushed[0].name in r.err and "HTTP 400" in r.err


def test_unreachable_endpoint(run):
    url = f"http://127.0.0.1:{free_port()}/query"
    r = run("query", "--endpoint", url, "--retries", "0", "--text", "ASK {}")
    assert r.code == 1 and url in r.err and "Traceback" not in r.text and len(r.err.strip().splitlines()) == 1


def test_wrong_path_names_the_status(run, oxigraph):
    r = run("query", "--endpoint", oxigraph.base + "/nothing-here", "--text", "ASK {}")
    assert r.code == 1 and "HTTP 404" in r.err and oxigraph.base in r.err


# -- a scripted SPARQL server on loopback, for failures a real store will not produce on demand ----

ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()


class Script:
    """Answers each request with the next scripted action: an HTTP status, 'reset' or 'ok'."""

    def __init__(self, actions, *, password=None):
        self.actions, self.password, self.seen = list(actions), password, []

    def serve(self):
        script = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                script.seen.append(self.headers.get("Authorization"))
                if script.password:
                    expected = "Basic " + base64.b64encode(f"ana:{script.password}".encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
                        self.end_headers()
                        return
                action = script.actions.pop(0) if script.actions else "ok"
                if action == "reset":
                    self.connection.shutdown(2)
                    self.connection.close()
                    return
                code = 200 if action == "ok" else action
                self.send_response(code)
                self.send_header("Content-Type", "application/sparql-results+json")
                body = ASK_TRUE if code == 200 else b"busy"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"


@pytest.fixture
def scripted():
    servers = []

    def make(actions, **kw):
        script = Script(actions, **kw)
        server, url = script.serve()
        servers.append(server)
        return script, url

    yield make
    for server in servers:
        server.shutdown()


def test_5xx_and_resets_are_retried_with_backoff(scripted):
    script, url = scripted([503, "reset", 502])
    waits = []
    remote = RemoteStore(Endpoint(url, retries=3, timeout_s=5), sleep=waits.append)
    assert remote.run("ASK {}").value is True
    assert len(script.seen) == 4
    assert waits == [0.5, 1.0, 2.0]


def test_retries_are_bounded(scripted, run):
    script, url = scripted([503, 503, 503, 503])
    r = run("query", "--endpoint", url, "--retries", "1", "--text", "ASK {}")
    assert r.code == 1 and "HTTP 503" in r.err and url in r.err
    assert len(script.seen) == 2


def test_4xx_is_not_retried(scripted):
    script, url = scripted([403])
    with pytest.raises(RemoteError, match="HTTP 403"):
        RemoteStore(Endpoint(url, retries=3), sleep=lambda s: None).run("ASK {}")
    assert len(script.seen) == 1


def test_credentials_come_from_the_environment(scripted, run, monkeypatch):
    _, url = scripted([], password="s3cret")
    r = run("query", "--endpoint", url, "--text", "ASK {}")
    assert r.code == 1 and "HTTP 401" in r.err and "FILMGRAPH_ENDPOINT_USER" in r.err
    monkeypatch.setenv("FILMGRAPH_ENDPOINT_USER", "ana")
    monkeypatch.setenv("FILMGRAPH_ENDPOINT_PASSWORD", "s3cret")
    r = run("query", "--endpoint", url, "--text", "ASK {}")
    assert r.code == 0 and r.out.strip() == "true"


def test_credentials_come_from_netrc(scripted, run, monkeypatch, tmp_path):
    _, url = scripted([], password="n3trc")
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login ana password n3trc\n")
    (tmp_path / ".netrc").chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("FILMGRAPH_ENDPOINT_USER", raising=False)
    r = run("query", "--endpoint", url, "--text", "ASK {}")
    assert r.code == 0 and r.out.strip() == "true"
