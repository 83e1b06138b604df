"""The defences of `filmgraph serve`, each tried the way an attacker would try it, with a check
that the thing refused really did not happen (docs/security.md lists them with these tests).

- SERVICE, FROM and LOAD pointed at a small HTTP listener the test runs on a free port: refused,
  and the listener saw no connection. Every spelling of SERVICE refused here is first shown to be
  a real call when pyoxigraph runs it unguarded (the same listener then sees the request).
- Updates by every channel of the protocol: refused, and the store is the same afterwards.
- Runaway, crashing, memory-eating, deeply nested, too long, slow-to-read and too large queries:
  refused or stopped, and the server goes on answering others (a real `filmgraph serve` on a
  port where threads, sockets and worker processes matter).
- XSS, path traversal, too many requests at once, CORS, the cap on the time limit.

Most tests use the session's in-process app (`client`); the ones about sockets, concurrency and
processes use one real server started for this module.
"""
from __future__ import annotations

import asyncio
import html
import http.client
import http.server
import json
import os
import re
import select
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest

from conftest import REPO, app_client, edit, serving
from filmgraph.errors import UsageError
from filmgraph.settings import MAX_QUERY_TIME_LIMIT_S, Settings

TIME_LIMIT_S = 2.0
QUADS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
TOTAL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
RUNAWAY = "SELECT (COUNT(*) AS ?c) { GRAPH ?g1 {?a ?b ?c} GRAPH ?g2 {?d ?e ?f} GRAPH ?g3 {?x ?y ?z} }"
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
STATIC = REPO / "src" / "filmgraph" / "static"


# ---------------------------------------------------------------- helpers

class Listener:
    """A tiny HTTP server on a free loopback port, in a thread, standing for a host an attacker
    wants the server to reach (SSRF). It records every connection and every request (method,
    path) and answers with a small SPARQL JSON result. ``url`` ends with '/'."""

    def __init__(self):
        self.connections = 0
        self.requests: list[tuple[str, str]] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self):
                listener.connections += 1
                super().setup()

            def _answer(self):
                listener.requests.append((self.command, self.path))
                body = b'{"head": {"vars": []}, "results": {"bindings": [{}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def untouched(self) -> bool:
        return self.connections == 0 and not self.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    here = Listener()
    yield here
    here.close()


def sparql(client, how: str, query: str, **params):
    """``query`` sent to /sparql of the in-process app as ``how``: GET (query=), form (POST
    application/x-www-form-urlencoded) or direct (POST application/sparql-query)."""
    if how == "GET":
        return client.get("/sparql", params={"query": query, **params})
    if how == "form":
        return client.post("/sparql", data={"query": query, **params})
    assert how == "direct"
    return client.post("/sparql", params=params, content=query.encode(),
                       headers={"content-type": "application/sparql-query"})


HOWS = ("GET", "form", "direct")


def state(client) -> list[tuple[str, str]]:
    """Every named graph of the store with its number of triples."""
    response = client.get("/sparql", params={"query": QUADS})
    assert response.status_code == 200, response.text
    return [(b["g"]["value"], b["n"]["value"]) for b in response.json()["results"]["bindings"]]


def plain_refusal(response, status: int, says: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/plain"), response.headers["content-type"]
    assert says in response.text, response.text


def count(response) -> int:
    assert response.status_code == 200, (response.status_code, response.text)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# ---- a real server on a port, and raw HTTP to it

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`filmgraph serve` as a user starts it: a 2 s time limit, one request at a time per client
    address, queries up to 1.1 million characters (so that a body just under the 1 MiB body limit
    is a query it runs). Its origin, "http://127.0.0.1:PORT"."""
    with serving(tmp_path_factory.mktemp("serve"), "--query-time-limit-s", str(TIME_LIMIT_S),
                 "--client-concurrency", "1", "--max-query-chars", "1100000") as origin:
        yield origin


def fetch(origin: str, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
          source: str = "127.0.0.1", timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request with ``path`` sent exactly as given (http.client does not normalise ``..``),
    from the loopback address ``source``; (status, headers with lower-case names, body)."""
    parts = urlsplit(origin)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def query_url(query: str) -> str:
    return "/sparql?query=" + quote(query, safe="")


def total_from(origin: str, source: str = "127.0.0.1") -> int:
    status, _, body = fetch(origin, "GET", query_url(TOTAL), headers={"Accept": "application/json"}, source=source)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (read from /proc)."""
    return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(int(p.name)) == pid}


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def server_pid(origin: str) -> int:
    port = str(urlsplit(origin).port).encode()
    (pid,) = [p for p in children(os.getpid()) if b"serve" in cmdline(p) and port in cmdline(p).split(b"\0")]
    return pid


def workers_of(pid: int) -> set[int]:
    """The worker processes of the server ``pid`` (multiprocessing spawn children)."""
    return {c for c in children(pid) if b"spawn_main" in cmdline(c)}


def wait_for_workers(pid: int, number: int, timeout_s: float = 30) -> set[int]:
    """The worker processes of the server ``pid`` once there are ``number`` of them (a killed
    worker is replaced in the background); fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while len(found := workers_of(pid)) != number:
        assert time.monotonic() < deadline, f"the server has workers {found}, not {number}"
        time.sleep(0.1)
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ================================================================ SERVICE (SSRF)

# Every spelling pyoxigraph reads as a SERVICE call. "{U}" is the listener's URL. ``calls``: False
# for the one form pyoxigraph refuses by itself (a variable endpoint), True where running the
# query unguarded makes the call (shown by test_each_service_spelling_is_a_real_call).
SERVICE_SPELLINGS = {
    "plain": ("SELECT * WHERE { SERVICE <{U}sparql> { ?s ?p ?o } }", True),
    "lower case": ("select * where { service <{U}sparql> { ?s ?p ?o } }", True),
    "mixed case": ("SELECT * WHERE { SeRvIcE <{U}sparql> { ?s ?p ?o } }", True),
    "silent": ("SELECT * WHERE { SERVICE SILENT <{U}sparql> { ?s ?p ?o } }", True),
    "variable": ("SELECT * WHERE { VALUES ?endpoint { <{U}sparql> } SERVICE ?endpoint { ?s ?p ?o } }", False),
    "inside exists": ("ASK { FILTER EXISTS { SERVICE <{U}sparql> { } } }", True),
    "prefixed endpoint": ("PREFIX ep: <{U}> SELECT * WHERE { SERVICE ep:sparql { ?s ?p ?o } }", True),
    "after a comment and an IRI with #": (
        'SELECT * WHERE { BIND(<http://example.org/p#name> AS ?i) # a comment with < and "\n'
        "SERVICE <{U}sparql> { ?s ?p ?o } }", True),
    "after an IRI with a \\u escape": (
        "SELECT * WHERE { BIND(<http://example.org/\\u0070> AS ?i) SERVICE <{U}sparql> { ?s ?p ?o } }", True),
    "endpoint with a \\u escape": ("SELECT * WHERE { SERVICE <{U}\\u0073parql> { ?s ?p ?o } }", True),
    # pyoxigraph needs no space after a keyword: these are one prefixed name or word to a lexer
    "glued to a prefixed name": ("PREFIX ep: <{U}> SELECT * WHERE { SERVICEep:sparql { ?s ?p ?o } }", True),
    "glued to the empty prefix": ("PREFIX : <{U}> SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } }", True),
    "glued to SILENT": ("SELECT * WHERE { SERVICESILENT<{U}sparql> { ?s ?p ?o } }", True),
    "a prefix named service": ("PREFIX service: <http://example.org/> PREFIX : <{U}> "
                               "SELECT * WHERE { service:sparql { ?s ?p ?o } }", True),
    # '<' is also less-than: a lexer reads one IRI from '<' to the '>' hidden in a comment
    "behind a less-than": ("PREFIX ep: <{U}> SELECT * WHERE { BIND(1 AS ?x) FILTER(?x<2)SERVICEep:sparql#>\n"
                           "{ ?s ?p ?o } }", True),
    "behind a less-than and a string": ("SELECT * WHERE { BIND(1 AS ?x) FILTER(?x<'>' || true) "
                                        "SERVICE <{U}sparql> { ?s ?p ?o } FILTER(?x!='') }", True),
    # a backslash escape in a prefixed name: \# is no comment, \' starts no string
    "after ex:a\\#": ("PREFIX ex: <http://example.org/> SELECT * WHERE { VALUES ?s { ex:a\\# } "
                      "SERVICE <{U}sparql> { ?x ?y ?z }\n}", True),
    "after ex:a\\'": ("PREFIX ex: <http://example.org/> SELECT * WHERE { VALUES ?s { ex:a\\' } "
                      "SERVICE <{U}sparql> { ?x ?y ?z } #'\n}", True),
}


def spelled(name: str, listener: Listener) -> str:
    return SERVICE_SPELLINGS[name][0].replace("{U}", listener.url)


@pytest.mark.parametrize("name", [n for n, (_, calls) in SERVICE_SPELLINGS.items() if calls])
def test_each_service_spelling_is_a_real_call(name, listener):
    """The attack is real and the listener sees it: pyoxigraph, run without the server's guard,
    calls the listener for each of these spellings — so an empty listener in the next test
    means the server did not call, not that the call could not have happened."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o"), ox.NamedNode("http://example.org/g")))
    try:
        result = store.query(spelled(name, listener), use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (OSError, RuntimeError, SyntaxError):
        pass  # the listener's answer is not what pyoxigraph wanted; the call was made
    assert listener.requests, f"pyoxigraph made no call for {name!r}"


@pytest.mark.parametrize("name", list(SERVICE_SPELLINGS))
def test_service_is_refused_and_never_called(client, listener, name):
    """SERVICE to a host the test controls, in every spelling, by GET, POST form, POST direct and
    the query page's /api/run: 403 with the reason, and the listener saw no connection."""
    query = spelled(name, listener)
    for how in HOWS:
        plain_refusal(sparql(client, how, query), 403, "SERVICE is refused")
    answer = client.post("/api/run", json={"query": query})
    assert answer.status_code == 403 and "SERVICE is refused" in answer.json()["error"]
    time.sleep(0.05)
    assert listener.untouched, listener.requests


@pytest.mark.parametrize("query, expected", [
    ('SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/> { }" AS ?x) }', "SERVICE <http://127.0.0.1:1/> { }"),
    ("SELECT ?x WHERE { BIND('''a\nSERVICE <http://127.0.0.1:1/> { }''' AS ?x) }",
     "a\nSERVICE <http://127.0.0.1:1/> { }"),
    ('SELECT ?x WHERE { # SERVICE <http://127.0.0.1:1/> { }\n BIND("c" AS ?x) }', "c"),
    ('SELECT ?service WHERE { BIND("v" AS ?service) }', "v"),
    ('SELECT $service WHERE { BIND("w" AS $service) }', "w"),
    ('PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:SERVICE AS ?x) }', "http://example.org/SERVICE"),
    ('SELECT ?x WHERE { BIND("x"@service AS ?x) }', "x"),
    ('SELECT ?x WHERE { VALUES ?x { <http://example.org/service> } FILTER(?x IN (<http://example.org/a>, '
     '<http://example.org/service>)) }', "http://example.org/service"),
    ('SELECT ?x WHERE { VALUES (?x ?y) { (<http://example.org/web-service?id=1#a> <http://example.org/service>) } }',
     "http://example.org/web-service?id=1#a"),
    ('SELECT ?x WHERE { VALUES ?x { 1 2 3 } FILTER(?x<3&&?x>1) }', "2"),
])
def test_service_in_a_string_comment_name_or_iri_is_not_refused(client, query, expected):
    """No false alarm: SERVICE in a string, a comment, a variable, the local part of a prefixed
    name, a language tag or an IRI, and a tight less-than, are answered normally."""
    response = sparql(client, "GET", query)
    assert response.status_code == 200, response.text
    (row,) = response.json()["results"]["bindings"]
    assert row["x" if "x" in row else "service"]["value"] == expected


def test_workers_cannot_reach_the_network_even_past_the_guard(listener):
    """Defence in depth: a query that reached a worker without the guard (here sent to the
    worker pool directly) still cannot call out — the worker has no network, the call fails,
    and the listener saw nothing. Skipped, with the reason, where Linux user namespaces are
    not allowed (the guard is then the only defence)."""
    from filmgraph.dataset import store_folder
    from filmgraph.workers import WorkerError, WorkerPool

    settings = Settings(project=REPO, cache_dir=os.environ["FILMGRAPH_CACHE_DIR"], workers=1)
    folder, temporary = store_folder(settings)
    assert not temporary

    async def scenario():
        pool = WorkerPool(settings=settings, folder=folder)
        await pool.start()
        try:
            if not pool.offline:
                return "offline"
            with pytest.raises(WorkerError):
                await pool.call("sparql", timeout=10, text=spelled("plain", listener), fmt="json", max_rows=5,
                                base_iri=settings.base_iri)
            answer = await pool.call("sparql", timeout=10, text="ASK { ?s ?p ?o }", fmt="json", max_rows=5,
                                     base_iri=settings.base_iri)
            assert json.loads(answer.body)["boolean"] is True
        finally:
            await pool.close()

    if asyncio.run(scenario()) == "offline":
        pytest.skip("this system does not allow unprivileged user namespaces: workers keep the network")
    assert listener.untouched, listener.requests


# ================================================================ LOAD and updates

def test_load_of_a_local_file_is_refused_and_nothing_is_read(client, listener, tmp_path):
    """LOAD of /etc/passwd, of a file the test writes and of the listener's URL, as a query (GET,
    form, direct), as update= (GET, form) and as an application/sparql-update body: 403 every
    time, no answer holds the file's content, nothing was added to the store, the listener saw
    nothing."""
    marker = "filmgraph-secret-7c1e"
    secret = tmp_path / "secret.ttl"
    secret.write_text(f'<http://example.org/s> <http://example.org/p> "{marker}" .\n', encoding="utf-8")
    before = state(client)
    loads = ["LOAD <file:///etc/passwd>", f"LOAD <{secret.as_uri()}> INTO GRAPH <http://example.org/stolen>",
             f"LOAD SILENT <{listener.url}data.ttl>"]
    answers = []
    for load in loads:
        answers += [sparql(client, how, load) for how in HOWS]
        answers.append(client.get("/sparql", params={"update": load}))
        answers.append(client.post("/sparql", data={"update": load}))
        answers.append(client.post("/sparql", content=load.encode(),
                                   headers={"content-type": "application/sparql-update"}))
    for answer in answers:
        plain_refusal(answer, 403, "read-only")
        assert marker not in answer.text and "root:" not in answer.text
    assert state(client) == before
    found = sparql(client, "GET", f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "{marker}")) }}')
    assert found.json()["results"]["bindings"] == []
    assert listener.untouched


@pytest.mark.parametrize("update", [
    'INSERT DATA { GRAPH <https://w3id.org/filmgraph/source/reference> { <http://example.org/a> '
    '<http://example.org/b> "injected" } }',
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DROP ALL",
    "CLEAR ALL",
    "PREFIX ex: <http://example.org/> WITH <https://w3id.org/filmgraph/graph/ontology> DELETE { ?s ?p ?o } "
    "WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_by_every_channel_and_change_nothing(client, update):
    """INSERT DATA, DELETE WHERE, DROP ALL, CLEAR ALL, WITH … DELETE as query= (GET, form),
    as a direct POST, as update= and as an application/sparql-update body: 403, and every graph
    of the store has the same number of triples afterwards."""
    before = state(client)
    assert len(before) >= 3
    answers = [sparql(client, how, update) for how in HOWS]
    answers += [client.get("/sparql", params={"update": update}), client.post("/sparql", data={"update": update}),
                client.post("/sparql", content=update.encode(), headers={"content-type": "application/sparql-update"}),
                client.post("/api/run", json={"query": update})]
    for answer in answers[:-1]:
        plain_refusal(answer, 403, "read-only")
    assert answers[-1].status_code == 403
    assert state(client) == before
    assert sparql(client, "GET", 'ASK { ?s ?p "injected" }').json()["boolean"] is False


# ================================================================ FROM and the protocol dataset

def test_graphs_outside_the_dataset_are_refused_and_never_fetched(client, listener):
    """FROM, FROM NAMED (also glued to the graph, and by a prefixed name), default-graph-uri and
    named-graph-uri naming the listener: 403 naming the graph, the listener saw nothing."""
    data = listener.url + "data.ttl"
    queries = [f"SELECT * FROM <{data}> WHERE {{ ?s ?p ?o }}",
               f"SELECT * FROM NAMED <{data}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
               f"SELECT * FROM<{data}> WHERE {{ ?s ?p ?o }}",
               f"SELECT * FROMNAMED<{data}> WHERE {{ ?s ?p ?o }}",
               f"PREFIX ep: <{listener.url}> SELECT * FROM ep:data.ttl WHERE {{ ?s ?p ?o }}",
               f"PREFIX ep: <{listener.url}> SELECT * FROMep:data.ttl WHERE {{ ?s ?p ?o }}",
               f"ASK FROM <{data}> {{ }}"]
    for query in queries:
        for how in HOWS:
            plain_refusal(sparql(client, how, query), 403, f"<{data}> is not a graph of this dataset")
    for parameter in ("default-graph-uri", "named-graph-uri"):
        for how in HOWS:
            plain_refusal(sparql(client, how, "ASK { }", **{parameter: data}), 403, "is not a graph of this dataset")
    time.sleep(0.05)
    assert listener.untouched, listener.requests


def test_from_a_graph_of_the_dataset_queries_that_graph(client):
    """FROM of a graph that is in the store is allowed and means that graph: the count under
    FROM <g> is the size of g, not of the whole dataset; FROM NAMED <g> leaves only g to GRAPH."""
    graphs = dict(state(client))
    graph = "https://w3id.org/filmgraph/source/reference"
    assert graph in graphs and int(graphs[graph]) < sum(int(n) for n in graphs.values())
    for how in HOWS:
        assert count(sparql(client, how, f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")) \
            == int(graphs[graph])
    named = sparql(client, "GET", f"SELECT DISTINCT ?g FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [graph]
    page = client.post("/api/run", json={"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"})
    assert int(page.json()["rows"][0]["n"]["value"]) == int(graphs[graph]), "the query page ignored FROM"


# ================================================================ runaway, crashing, nested, long, large

def test_a_runaway_query_is_stopped_at_its_limit_while_others_are_answered(server):
    """A three-way cross join of every graph (billions of rows) with a 2 s limit: 503 after about
    2 s (at most limit + 2 s, for slow CI), while another client (another loopback address) gets
    correct answers the whole time; the worker that ran it is killed — its process is gone — and
    replaced, and the server still answers."""
    expected = total_from(server)
    pid = server_pid(server)
    before = wait_for_workers(pid, 2)
    outcome = {}

    def runaway():
        started = time.monotonic()
        outcome["answer"] = fetch(server, "GET", query_url(RUNAWAY), headers={"Accept": "application/json"})
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    answered = []
    time.sleep(0.3)
    while thread.is_alive():
        started = time.monotonic()
        total = total_from(server, source="127.0.0.2")
        answered.append((total, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    status, headers, body = outcome["answer"]
    assert status == 503, body
    assert b"stopped at the time limit of 2 s" in body and headers.get("retry-after")
    assert TIME_LIMIT_S - 0.2 <= outcome["seconds"] <= TIME_LIMIT_S + 2.0, outcome["seconds"]
    assert len(answered) >= 3, answered
    assert all(total == expected for total, _ in answered), answered
    assert all(seconds < 1.5 for _, seconds in answered), answered
    killed = [w for w in before if not alive(w)]
    assert len(killed) == 1, (before, workers_of(pid))
    now = wait_for_workers(pid, 2)
    assert killed[0] not in now, (before, now)
    assert total_from(server) == expected


def test_a_query_that_crashes_the_engine_ends_only_its_worker(client):
    """pyoxigraph overflows its stack (a segmentation fault) on 20,000 chained '!' — a query the
    nesting limit does not see, since it has no brackets. The worker dies, the answer is 500
    saying so, the worker is replaced, and the next queries are answered."""
    expected = count(sparql(client, "GET", TOTAL))
    crash = "SELECT * WHERE { BIND(1 AS ?x) FILTER(" + "!" * 20000 + "true) }"
    for _ in range(2):
        plain_refusal(sparql(client, "direct", crash), 500, "stopped its worker process")
        assert count(sparql(client, "GET", TOTAL)) == expected


def test_a_query_that_would_eat_the_memory_ends_only_its_worker():
    """With --worker-memory-mb 1536, sorting a three-way cross join (far more rows than any
    machine holds) ends its worker within seconds — not at the 20 s time limit, and not by
    swapping the machine to a halt: 500 (the engine aborts) or 503 naming memory. The next
    query is answered."""
    with app_client(worker_memory_mb=1536, query_time_limit_s=20.0) as limited:
        expected = count(sparql(limited, "GET", TOTAL))
        started = time.monotonic()
        answer = sparql(limited, "GET", "SELECT ?o ?e ?z WHERE { GRAPH ?g1 {?a ?b ?o} GRAPH ?g2 {?c ?d ?e} "
                                        "GRAPH ?g3 {?x ?y ?z} } ORDER BY ?o ?e ?z LIMIT 1")
        assert time.monotonic() - started < 15
        ended = (answer.status_code == 500 and "stopped its worker process" in answer.text
                 or answer.status_code == 503 and "more memory than a worker may use" in answer.text)
        assert ended, (answer.status_code, answer.text)
        assert count(sparql(limited, "GET", TOTAL)) == expected


@pytest.mark.parametrize("shape", ["braces", "parentheses"])
def test_a_deeply_nested_query_is_refused_naming_the_limit(client, shape):
    """3,000 nested { } (which crash pyoxigraph's parser) or 3,000 nested ( ) in a FILTER: 400
    naming the nesting limit of 64 (--max-nesting), before any worker sees it; the server goes
    on answering."""
    if shape == "braces":
        query = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    else:
        query = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3000 + "true" + ")" * 3000 + ") }"
    for how in HOWS:
        plain_refusal(sparql(client, how, query), 400, "nests brackets more than 64 deep")
    assert sparql(client, "GET", "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_nesting_beyond_what_the_engine_survives_cannot_be_allowed(run):
    """--max-nesting is capped at 1000, below the ~3,000 nested groups that crash pyoxigraph:
    asking for 5000 is a usage error (exit 2, one line, no traceback)."""
    result = run("serve", "--max-nesting", "5000")
    assert result.code == 2
    assert "max_nesting 5000 is out of range" in result.err and "1000" in result.err
    assert "Traceback" not in result.text and len(result.err.strip().splitlines()) == 1


def test_a_too_long_query_is_413(client):
    """A query of 100,001 characters (the limit is 100,000: --max-query-chars), as a form and as a
    direct POST (a GET that long is refused by clients themselves) and from the query page: 413
    saying how long it is and what the limit is."""
    query = "ASK { } #" + "x" * (100_001 - len("ASK { } #"))
    assert len(query) == 100_001
    for how in ("form", "direct"):
        plain_refusal(sparql(client, how, query), 413, "100,001 characters long")
    answer = client.post("/api/run", json={"query": query})
    assert answer.status_code == 413 and "100,000" in answer.json()["error"]


@pytest.mark.parametrize("piece", ['"\\', "'\\", "a-", "a.", "'''\\'", "(?x<"])
def test_a_query_made_to_be_slow_to_read_is_read_in_linear_time(client, piece):
    """The guard reads every query in the server process before a worker sees it, so it must
    take time in proportion to the length: 100,000 characters made of one piece that makes a
    naive lexer start a string or a prefixed name at every step and scan to the end (which took
    40 s) are answered within 3 s, and the server answers the next query."""
    query = "SELECT * WHERE { " + piece * ((100_000 - 17) // len(piece))
    started = time.monotonic()
    answer = sparql(client, "direct", query)
    assert time.monotonic() - started < 3, time.monotonic() - started
    assert answer.status_code == 400, answer.text[:300]
    assert sparql(client, "GET", "ASK { ?s ?p ?o }").json()["boolean"] is True


def _huge_post(origin: str, content_type: str, *, chunked: bool) -> tuple[bytes, int]:
    """POST /sparql announcing a 20 MiB body. With ``chunked`` False: Content-Length 20 MiB, then
    only 64 KiB of it, then wait for an answer (a server that reads the whole body before
    answering would wait forever). With ``chunked``: no announced size, body pieces of 64 KiB
    written until the server answers or stops reading. (The answer's first bytes, body bytes
    written.)"""
    parts = urlsplit(origin)
    size = 20 << 20
    head = (f"POST /sparql HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {content_type}\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n") + "\r\n")
    piece = (b"query=ASK%7B%7D&pad=" if "form" in content_type else b"ASK {} #") + b"x" * (64 << 10)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sent = 0
    try:
        sock.sendall(head.encode())
        if not chunked:
            sock.sendall(piece)
            sent = len(piece)
        else:
            deadline = time.monotonic() + 20
            while sent < size and time.monotonic() < deadline:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is there
                try:
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    break
                sent += len(piece)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, socket.timeout):
            pass
        return answer, sent
    finally:
        sock.close()


@pytest.mark.parametrize("content_type", ["application/sparql-query", "application/x-www-form-urlencoded"])
def test_a_20_mib_body_is_413_without_being_read(server, content_type):
    """A 20 MiB POST (the limit is 1 MiB: --max-body-bytes): 413 on the announced size alone,
    after 64 KiB of the body; and with no announced size (chunked), 413 once the limit is
    passed, long before 20 MiB were written. The server answers normally afterwards."""
    answer, sent = _huge_post(server, content_type, chunked=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent <= 70_000
    answer, sent = _huge_post(server, content_type, chunked=True)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < (20 << 20), sent
    assert total_from(server) > 0


def test_a_body_just_under_the_limit_is_answered(server):
    """A body of 1 MiB less 100 bytes, as a direct query and as a form: 200 with the answer."""
    limit = 1 << 20
    direct = b"ASK { ?s ?p ?o } #" + b"x" * (limit - 100 - len(b"ASK { ?s ?p ?o } #"))
    form = b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&pad=" + b"x" * (limit - 100 - 47)
    for body, content_type in ((direct, "application/sparql-query"), (form, "application/x-www-form-urlencoded")):
        assert limit - 200 < len(body) < limit
        status, _, answer = fetch(server, "POST", "/sparql", body=body,
                                  headers={"Content-Type": content_type, "Accept": "application/json"})
        assert status == 200, answer[:300]
        assert json.loads(answer)["boolean"] is True


# ================================================================ too many requests at once

def test_a_second_request_at_once_from_one_address_is_429_while_the_first_completes(server):
    """With --client-concurrency 1, a request still being sent (a slow client: half its body
    written) holds the address's one slot: a second request from the same address gets 429 with
    Retry-After, another address is served, and the first, once its body is complete, gets its
    full answer; then the address is served again."""
    expected = total_from(server)
    body = TOTAL.encode()
    parts = urlsplit(server)
    slow = socket.create_connection((parts.hostname, parts.port), timeout=30)
    try:
        slow.sendall((f"POST /sparql HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/sparql-query\r\n"
                      f"Accept: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
                     + body[:10])
        time.sleep(0.5)
        status, headers, answer = fetch(server, "GET", query_url(TOTAL))
        assert status == 429, answer
        assert headers.get("retry-after") == "1" and b"too many requests at once" in answer
        assert total_from(server, source="127.0.0.2") == expected
        slow.sendall(body[10:])
        reply = b""
        while chunk := slow.recv(65536):
            reply += chunk
    finally:
        slow.close()
    head, _, content = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert int(json.loads(content)["results"]["bindings"][0]["n"]["value"]) == expected
    assert total_from(server) == expected


# ================================================================ XSS

def test_a_query_error_is_plain_text_never_html(client):
    """A query holding <script> that fails to parse: the error is text/plain, whatever the
    client accepts (a browser shows it as text), and the query page API's error is JSON."""
    query = f"SELECT * WHERE {{ {SCRIPT} }}"
    for how in HOWS:
        plain_refusal(sparql(client, how, query), 400, "invalid SPARQL")
    browser = client.get("/sparql", params={"query": query}, headers={"accept": "text/html,*/*;q=0.8"})
    plain_refusal(browser, 400, "invalid SPARQL")
    only_html = client.get("/sparql", params={"query": query}, headers={"accept": "text/html"})
    assert only_html.status_code == 406 and only_html.headers["content-type"].startswith("text/plain")
    assert browser.headers["x-content-type-options"] == "nosniff"
    answer = client.post("/api/run", json={"query": query})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("path", [
    "/map?view=ego&focus=" + quote(SCRIPT),
    "/map?view=" + quote(SCRIPT),
    "/map?lang=" + quote(SCRIPT),
    "/id/city/" + quote(SCRIPT),
    "/id/" + quote(XSS) + ".html",
    "/ontology/" + quote(SCRIPT),
    "/nowhere/" + quote(XSS),
])
def test_request_text_is_escaped_in_error_pages(client, path):
    """What a request puts in a URL comes back, if at all, escaped: the /map error page, the 404
    page and the ontology term 404 never hold the markup."""
    response = client.get(path, headers={"accept": "text/html"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("text/html")
    assert SCRIPT not in response.text and XSS not in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text, re.I)  # no inline script at all


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    """The app over a copy of the knowledge base where the English name of the Arman cinema is
    markup, ending a script element first."""
    import shutil

    root = tmp_path_factory.mktemp("poisoned") / "kb"
    for name in ("ontology", "graph", "queries"):
        shutil.copytree(REPO / name, root / name)
    edit(root / "graph" / "000_4fd766c73458f912.trig", '"Arman Cinema, Almaty"@en',
         f'"Arman Cinema </script>{XSS}"@en', count=2)
    with app_client(project=root, query_time_limit_s=20.0) as poisoned_client:
        yield poisoned_client


@pytest.mark.parametrize("path", [
    "/id/venue/arman-cinema.html",
    "/id/city/almaty.html",
    "/id/venue/arman",
    "/map?view=ego&focus=" + quote("https://w3id.org/filmgraph/id/venue/arman-cinema"),
    "/map?view=all",
])
def test_markup_in_the_data_is_escaped_in_every_page(poisoned, path):
    """A label holding </script><img onerror=…> is shown as text: the entity page, a neighbour's
    page, the 404 suggestions and the maps never hold the markup or an end of script from the
    data."""
    response = poisoned.get(path, headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert response.status_code == (404 if path == "/id/venue/arman" else 200), response.status_code
    assert "Arman Cinema " in response.text, "the poisoned label is not on the page: nothing was tried"
    assert XSS not in response.text and "</script><img" not in response.text
    if not path.startswith("/map"):
        assert html.escape(XSS) in response.text


HTML_PAGES = ["/", "/static/query.html", "/map", "/map?view=geo", "/ontology", "/ontology/Film",
              "/id/city/almaty", "/id/city/almaty.html", "/id/city/nowhere", "/map?view=nothing"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_response_carries_the_policy_headers(client, path):
    """Every HTML answer, error pages included, carries a Content-Security-Policy that allows no
    inline script and no framing by other sites (clickjacking), and X-Content-Type-Options:
    nosniff; no HTML answer holds an inline script or an on… attribute."""
    response = client.get(path, headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html"), (path, response.headers["content-type"])
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy, policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", response.text, re.I)
    if "'sha256-" not in policy:  # map pages allow their own scripts by hash; others none inline
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text, re.I)


# ================================================================ path traversal

TRAVERSALS = ["/static/../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2fsettings.py",
              "/static/%2e%2e%2fsettings.py", "/static/..%2f..%2f..%2fpyproject.toml", "/static/..\\settings.py",
              "/id/../../etc/passwd", "/id/..%2f..%2fetc%2fpasswd", "/static/query.html/..",
              "/static/./query.html/../../settings.py", "/ontology/..%2f..%2fpyproject.toml", "/../pyproject.toml",
              "/static/%00query.html", "/static/query.html%00.css"]
SECRETS = [b"[project]", b"root:", b"MAX_QUERY_TIME_LIMIT_S", b"def ", b"[build-system]"]


def test_no_path_reaches_a_file_outside_the_static_folder(server):
    """Paths with .., encoded dots and slashes, backslashes and NUL, sent unnormalised on a raw
    connection: never a file outside src/filmgraph/static — a 200 answer, if any, is byte for
    byte a static file, and no answer holds pyproject.toml, /etc/passwd or Python source."""
    statics = {p.read_bytes() for p in STATIC.iterdir() if p.is_file()}
    for path in TRAVERSALS:
        status, _, body = fetch(server, "GET", path, headers={"Accept": "text/html"})
        assert status != 500, (path, body[:200])
        if status == 200:
            assert body in statics, path
        for secret in SECRETS:
            assert secret not in body or body in statics, (path, secret)
    status, _, body = fetch(server, "GET", "/static/query.html")
    assert status == 200 and body == (STATIC / "query.html").read_bytes()


# ================================================================ settings and CORS

def test_the_time_limit_cannot_be_raised_past_its_cap(run):
    """The time limit is capped (300 s): Settings refuses 1000 with a clear UsageError, and
    `filmgraph serve --query-time-limit-s 1000` exits 2 with one line, no traceback."""
    with pytest.raises(UsageError, match=r"query_time_limit_s 1000 is out of range .* <= 300"):
        Settings(query_time_limit_s=1000)
    assert MAX_QUERY_TIME_LIMIT_S == 300
    for value in ("1000", "0", "-5"):
        result = run("serve", "--query-time-limit-s", value)
        assert result.code == 2, result.text
        assert "query_time_limit_s" in result.err and "out of range" in result.err
        assert "Traceback" not in result.text and len(result.err.strip().splitlines()) == 1


def test_cors_is_off_by_default_and_limited_to_the_named_origin(client):
    """By default no other site's page may read answers (no Access-Control-Allow-Origin, and a
    preflight is not granted); with --cors-origins https://partner.example that origin may,
    and only that one."""
    ask = {"query": "ASK { }"}
    response = client.get("/sparql", params=ask, headers={"origin": "https://partner.example"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    preflight = client.options("/sparql", headers={"origin": "https://partner.example",
                                                   "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    with app_client(cors_origins="https://partner.example") as partner:
        allowed = partner.get("/sparql", params=ask, headers={"origin": "https://partner.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://partner.example"
        other = partner.get("/sparql", params=ask, headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = partner.options("/sparql", headers={"origin": "https://evil.example",
                                                        "access-control-request-method": "POST"})
        assert preflight.headers.get("access-control-allow-origin") != "https://evil.example"
        granted = partner.options("/sparql", headers={"origin": "https://partner.example",
                                                      "access-control-request-method": "POST"})
        assert granted.status_code == 200
        assert granted.headers["access-control-allow-origin"] == "https://partner.example"


def test_one_address_never_holds_every_worker(tmp_path):
    """With two workers, one address may have one slow query running: its second runaway is
    stopped after a second, while its own quick queries and another address's are answered at
    once. One greedy client cannot take the server away from everyone else — and clients behind
    one proxy address still get their quick queries through."""
    limit = 4.0  # long enough that the first runaway still runs when the second turns slow
    with serving(tmp_path, "--workers", "2", "--client-concurrency", "4", "--query-time-limit-s", str(limit)) as origin:
        finished = {}

        def ask(name: str, query: str, source: str):
            started = time.monotonic()
            status, _, body = fetch(origin, "GET", query_url(query), headers={"Accept": "application/json"},
                                    source=source)
            finished[name] = (status, time.monotonic() - started, body)

        first = threading.Thread(target=ask, args=("first runaway", RUNAWAY, "127.0.0.1"))
        first.start()
        time.sleep(1.3)  # the first runaway is now slow and holds the address's one slow slot
        second = threading.Thread(target=ask, args=("second runaway", RUNAWAY, "127.0.0.1"))
        second.start()
        time.sleep(0.2)
        ask("same address, quick", TOTAL, "127.0.0.1")
        ask("other address, quick", TOTAL, "127.0.0.2")
        first.join()
        second.join()
        assert finished["first runaway"][0] == 503 and b"time limit" in finished["first runaway"][2]
        status, seconds, body = finished["second runaway"]
        assert status == 503 and b"already has 1 slow query running" in body, body
        assert seconds < limit - 1, "the second runaway ran to the time limit instead of being stopped"
        assert finished["same address, quick"][0] == 200 and finished["other address, quick"][0] == 200


def test_serve_takes_the_base_iri_after_the_command_and_validates_it(run):
    r = run("serve", "--base-iri", "not-an-iri")
    assert r.code == 2 and "base_iri 'not-an-iri' is not usable" in r.err and "Traceback" not in r.text
