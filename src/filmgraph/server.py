"""``filmgraph serve``: the SPARQL endpoint, the query page, linked-data pages and the maps.

:func:`create_app` builds a Starlette application over the dataset of a :class:`Settings`. The
application is a thin layer: it reads requests, refuses what :mod:`filmgraph.guard` refuses,
negotiates formats (:mod:`filmgraph.protocol`) and hands every piece of work on the store to a
:class:`~filmgraph.workers.WorkerPool`, whose processes are killed when a query outlives its
time limit. Pages come from :mod:`filmgraph.pages` and :mod:`filmgraph.networkmap`.

Routes: ``/sparql`` (SPARQL 1.1 Protocol, read-only), ``/`` (query page), ``/api/queries`` and
``/api/run`` (the page's JSON), ``/map``, ``/ontology`` (and ``/ontology/<Term>``), and every IRI
under the base at its path (``/id/city/almaty`` → 303 to ``.html``, ``.ttl``, ``.jsonld``,
``.nt`` or ``.rdf`` by ``Accept``). docs/security.md lists each defence and the test proving it.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import re
import shutil
import time
from importlib import resources
from urllib.parse import parse_qsl, urljoin

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from . import pages
from .errors import FilmgraphError
from .guard import Limits, Refused, check_dataset, inspect
from .namespaces import DCTERMS, RDF, graph_iri
from .project import Project
from .protocol import EXTENSIONS, GRAPH_TYPES, MEDIA, format_for, negotiate, offered
from .queries import LANGUAGES, Library, rebase_text
from .settings import Settings
from .workers import SlowSlots, WorkerError, WorkerPool

#: the Content-Security-Policy of every HTML page the app writes itself (map pages bring their own)
HTML_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                "tsv": "SPARQL_Results_TSV", "ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD",
                "rdfxml": "RDF_XML"}
_DOCUMENT_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/turtle": "ttl",
                   "application/ld+json": "jsonld", "application/n-triples": "nt", "application/rdf+xml": "rdf"}
_DOC_FORMAT = {"ttl": "ttl", "jsonld": "jsonld", "nt": "nt", "rdf": "rdfxml"}
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
#: seconds after which a running task counts as slow (see :meth:`App.call`)
SLOW_AFTER_S = 1.0
#: the address of the client whose request is being answered (set by :class:`Guards`)
CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("client", default="unknown")


class App:
    """What the routes share: settings, the worker pool, the library and the store's graphs."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.limits = Limits(max_chars=settings.max_query_chars, max_nesting=settings.max_nesting)
        self.pool: WorkerPool | None = None
        self.graphs: dict[str, int] = {}
        self.project = Project.locate(settings.project)
        self.library = Library(self.project.queries_dir)
        self.active: dict[str, int] = {}
        self.slow: dict[str, SlowSlots] = {}  # client address -> its slow slots

    @property
    def timeout(self) -> float:
        return float(self.settings.query_time_limit_s)

    async def call(self, task: str, **kwargs):
        """Run ``task`` in a worker for the current client. A client address may have at most
        ``workers - 1`` tasks (one when there is one worker) running longer than
        :data:`SLOW_AFTER_S` at once; a further one is stopped then. So however many runaway
        queries one address sends, the other workers stay free for everyone's quick queries —
        including that address's own."""
        client = CLIENT.get()
        slots = self.slow.get(client)
        if slots is None:
            slots = self.slow[client] = SlowSlots(max(1, self.settings.workers - 1))
        slots.users += 1
        try:
            return await self.pool.call(task, timeout=self.timeout, slow_after=SLOW_AFTER_S, slow_slots=slots,
                                        **kwargs)
        finally:
            slots.users -= 1
            if not slots.users:
                del self.slow[client]


# ---------------------------------------------------------------- responses and errors

def _text(status: int, message: str, headers: dict | None = None) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _html(body: str, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=headers)


def _status(error: Exception) -> int:
    return getattr(error, "status", None) or 400


def _wants_html(request: Request) -> bool:
    return negotiate(request.headers.get("accept"), ["application/json", "text/plain", "text/html"]) == "text/html"


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body; :class:`Refused` (413) past ``limit`` bytes, read or announced."""
    announced = request.headers.get("content-length")
    too_big = Refused(413, f"the request body is larger than this server accepts ({limit:,} bytes) — send "
                           "a shorter query")
    if announced and announced.isdigit() and int(announced) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _media(header: str | None) -> tuple[str, dict[str, str]]:
    parts = [p.strip() for p in (header or "").split(";")]
    params = {}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return parts[0].lower(), params


# ---------------------------------------------------------------- /sparql

async def _inspect(text: str, app: App):
    """:func:`~filmgraph.guard.inspect` of ``text``; a long text is read in a thread, so that
    reading it (about 0.1 s per 100,000 characters) never holds up other requests."""
    if len(text) < 20_000:
        return inspect(text, limits=app.limits)
    import anyio

    return await anyio.to_thread.run_sync(lambda: inspect(text, limits=app.limits))


def _article(form: str) -> str:
    return ("an " if form == "ASK" else "a ") + form


def _absolute(graphs: list[str], app: App) -> list[str]:
    """FROM graphs as the query runs them: relative IRIs resolved against the data's base."""
    return [urljoin(app.settings.base_iri, g) for g in graphs]


async def _protocol_request(request: Request, app: App) -> tuple[list[tuple[str, str]], str | None]:
    """The request's parameters and, for a direct POST, its query; :class:`Refused` when the
    request is not one the SPARQL 1.1 Protocol allows (or asks for an update)."""
    params = list(request.query_params.multi_items())
    direct = None
    if request.method == "POST":
        media, options = _media(request.headers.get("content-type"))
        charset = options.get("charset", "utf-8")
        if media == "application/sparql-update":
            raise Refused(403, "updates are refused: this endpoint is read-only — send a query")
        if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise Refused(415, f"a POST must have Content-Type application/x-www-form-urlencoded (query=…) "
                               f"or application/sparql-query (the query as the body), not "
                               f"{media or 'none'!r}")
        if charset not in ("utf-8", "utf8"):
            raise Refused(415, f"the body must be UTF-8, not {charset!r} — send it as UTF-8")
        body = await _read_body(request, app.settings.max_body_bytes)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Refused(400, f"the body is not valid UTF-8 (byte {e.start}) — send it as UTF-8") from None
        if media == "application/sparql-query":
            direct = text
        else:
            params += parse_qsl(text, keep_blank_values=True)
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise Refused(403, "updates are refused: this endpoint is read-only — send a query")
    return params, direct


def _service_description(request: Request, app: App) -> list[ox.Triple]:
    try:
        endpoint = ox.NamedNode(str(request.url.replace(query="", fragment="")))
    except ValueError:  # a Host header that makes no IRI: describe the endpoint by its address
        endpoint = ox.NamedNode(f"http://{app.settings.host}:{app.settings.port}/sparql")
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    triples = [ox.Triple(endpoint, ox.NamedNode(RDF + "type"), sd("Service")),
               ox.Triple(endpoint, sd("endpoint"), endpoint),
               ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(endpoint, ox.NamedNode(DCTERMS + "license"), ox.NamedNode(app.settings.licence))]
    triples += [ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name))
                for name in _FORMAT_IRIS.values()]
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    void_triples = ox.NamedNode(VOID + "triples")
    triples += [ox.Triple(endpoint, sd("defaultDataset"), dataset),
                ox.Triple(dataset, ox.NamedNode(RDF + "type"), sd("Dataset")),
                ox.Triple(dataset, sd("defaultGraph"), default),
                ox.Triple(default, ox.NamedNode(RDF + "type"), sd("Graph")),
                ox.Triple(default, void_triples, ox.Literal(str(sum(app.graphs.values())), datatype=ox.NamedNode(
                    "http://www.w3.org/2001/XMLSchema#integer")))]
    for i, (name, count) in enumerate(sorted(app.graphs.items())):
        named, graph = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), named),
                    ox.Triple(named, sd("name"), ox.NamedNode(name)),
                    ox.Triple(named, sd("graph"), graph),
                    ox.Triple(graph, void_triples, ox.Literal(str(count), datatype=ox.NamedNode(
                        "http://www.w3.org/2001/XMLSchema#integer")))]
    return triples


async def sparql(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    started = time.perf_counter()
    try:
        params, direct = await _protocol_request(request, app)
        queries = [v for k, v in params if k == "query"] + ([direct] if direct is not None else [])
        formats = [v for k, v in params if k == "format"]
        default_graphs = [v for k, v in params if k == "default-graph-uri"]
        named_graphs = [v for k, v in params if k == "named-graph-uri"]
        if len(queries) > 1:
            raise Refused(400, "the request holds more than one query — send exactly one")
        if len(formats) > 1:
            raise Refused(400, "the request names more than one format — give format once")
        if not queries:
            if request.method == "POST" or params:
                raise Refused(400, "the request holds no query — send it in the 'query' parameter, or "
                                   "POST it with Content-Type application/sparql-query")
            return _describe_service(request, app)
        inspection = await _inspect(queries[0], app)
        known = set(app.graphs)
        check_dataset(_absolute(inspection.from_graphs + inspection.from_named, app), known, what="FROM")
        check_dataset(default_graphs + named_graphs, known, what="the protocol dataset graph")
        if (default_graphs or named_graphs) and app.settings.endpoint:
            raise Refused(400, "default-graph-uri and named-graph-uri are not supported when serving a "
                               "remote store — use GRAPH in the query")
        if not (default_graphs or named_graphs) and (inspection.from_graphs or inspection.from_named):
            # the query's FROM / FROM NAMED is its dataset: pyoxigraph's union default graph ignores FROM
            default_graphs = _absolute(inspection.from_graphs, app)
            named_graphs = _absolute(inspection.from_named, app)
        choices = offered(inspection.form)
        if formats:
            fmt = format_for(formats[0], inspection.form)
            if fmt is None:
                raise Refused(400, f"format {formats[0]!r} is not available for {_article(inspection.form)} result — give "
                                   f"one of {', '.join(dict.fromkeys(choices.values()))}")
            media = MEDIA[fmt]
        else:
            media = negotiate(request.headers.get("accept"), list(choices))
            if media is None:
                raise Refused(406, f"none of the media types in Accept can hold {_article(inspection.form)} result — "
                                   f"accept one of {', '.join(choices)}")
            fmt = choices[media]
        output = await app.call("sparql", text=queries[0], fmt=fmt, max_rows=app.settings.max_rows,
                                base_iri=app.settings.base_iri, default_graphs=default_graphs or None,
                                named_graphs=named_graphs or None)
    except (Refused, WorkerError) as e:
        return _text(e.status, str(e), {"Retry-After": "1"} if e.status == 503 else None)
    except FilmgraphError as e:
        return _text(_status(e), str(e))
    headers = {"Vary": "Accept", "Link": f'<{app.settings.licence}>; rel="license"',
               "Server-Timing": f"total;dur={(time.perf_counter() - started) * 1000:.1f}"}
    if output.truncated:
        headers["X-Filmgraph-Truncated"] = "true"
        headers["X-Filmgraph-Row-Limit"] = str(app.settings.max_rows)
    if formats:
        headers["Content-Disposition"] = f'attachment; filename="results.{EXTENSIONS[fmt]}"'
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(output.body, media_type=media, headers=headers)


def _describe_service(request: Request, app: App) -> Response:
    types = list(GRAPH_TYPES) + ["text/html"]
    media = negotiate(request.headers.get("accept"), types)
    if media == "text/html":
        return RedirectResponse("/", status_code=303, headers={"Vary": "Accept"})
    if media is None:
        raise Refused(406, f"the service description is available as {', '.join(GRAPH_TYPES)}")
    body = pages.serialize(_service_description(request, app), format=GRAPH_TYPES[media],
                           base_iri=app.settings.base_iri)
    return Response(body, media_type=media + ("; charset=utf-8" if media.startswith("text/") else ""),
                    headers={"Vary": "Accept"})


# ---------------------------------------------------------------- the query page's JSON

async def api_queries(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    base = app.settings.base_iri
    listing = [{"name": q.name, "title": q.title, "description": q.description,
                "params": [{"name": p.name, "type": p.type, "default": p.default, "example": p.example,
                            "label": p.label} for p in q.params],
                "text": rebase_text(q.text, base)} for q in app.library]
    return JSONResponse({"queries": listing})


async def api_run(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    try:
        try:
            payload = json.loads(await _read_body(request, app.settings.max_body_bytes))
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "the request body is not JSON — send {\"query\": \"…\"} or "
                               "{\"name\": \"…\", \"params\": {…}}") from None
        if not isinstance(payload, dict):
            raise Refused(400, "the request body must be a JSON object")
        lang = payload.get("lang", "zh")
        if lang not in LANGUAGES:
            raise Refused(400, f"lang must be one of {', '.join(LANGUAGES)}")
        options = dict(base_iri=app.settings.base_iri, max_rows=app.settings.max_rows, lang=lang,
                       limits=app.limits)
        if isinstance(payload.get("name"), str):
            params = payload.get("params") or {}
            if not isinstance(params, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in params.items()):
                raise Refused(400, "params must be an object of names to text values")
            app.library.get(payload["name"])
            options.update(name=payload["name"], params=params, queries_dir=str(app.project.queries_dir))
        elif isinstance(payload.get("query"), str):
            inspection = await _inspect(payload["query"], app)
            check_dataset(_absolute(inspection.from_graphs + inspection.from_named, app), set(app.graphs), what="FROM")
            options.update(text=payload["query"])
        else:
            raise Refused(400, "send a query as {\"query\": \"…\"} or a library query as {\"name\": \"…\"}")
        result = await app.call("page", **options)
    except (Refused, WorkerError) as e:
        return JSONResponse({"error": str(e)}, status_code=e.status)
    except FilmgraphError as e:
        return JSONResponse({"error": str(e)}, status_code=_status(e))
    return JSONResponse(result)


# ---------------------------------------------------------------- pages

async def _page(request: Request, task: str, **kwargs) -> Response:
    """An HTML page from a worker task; its errors as HTML pages."""
    app: App = request.app.state.filmgraph
    try:
        body = await app.call(task, **kwargs)
    except (Refused, WorkerError) as e:
        return _html(pages.error_page(e.status, str(e)), e.status)
    except FilmgraphError as e:
        return _html(pages.error_page(_status(e), str(e)), _status(e))
    return body


async def home(request: Request) -> Response:
    return _static_file("query.html")


def _static_file(name: str) -> Response:
    if not _STATIC_NAME.fullmatch(name) or ".." in name:
        return _text(404, "no such file")
    path = resources.files("filmgraph") / "static" / name
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in _STATIC_TYPES or not path.is_file():
        return _text(404, "no such file")
    return Response(path.read_bytes(), media_type=_STATIC_TYPES[suffix], headers={"Cache-Control": "no-cache"})


async def static(request: Request) -> Response:
    return _static_file(request.path_params["name"])


async def map_route(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    q = request.query_params
    try:
        hops = int(q.get("hops", "2"))
    except ValueError:
        return _html(pages.error_page(400, "hops must be a whole number"), 400)
    if not 0 <= hops <= 6:
        return _html(pages.error_page(400, "hops must be from 0 to 6"), 400)
    lang = q.get("lang", "zh")
    if lang not in LANGUAGES:
        return _html(pages.error_page(400, f"lang must be one of {', '.join(LANGUAGES)}"), 400)
    result = await _page(request, "map", base_iri=app.settings.base_iri, view=q.get("view", "all"), lang=lang,
                         focus=q.get("focus") or None, hops=hops, source=q.get("from") or None,
                         target=q.get("to") or None)
    if isinstance(result, Response):
        return result
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', result)
    policy = (csp.group(1).replace("&#x27;", "'") + "; frame-ancestors 'self'") if csp else HTML_CSP
    return _html(result, headers={"Content-Security-Policy": policy})


async def ontology(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    ext = request.path_params.get("ext")
    if ext is None:
        media = negotiate(request.headers.get("accept"), list(_DOCUMENT_TYPES))
        if media is None:
            return _text(406, f"the ontology is available as {', '.join(_DOCUMENT_TYPES)}")
        ext = _DOCUMENT_TYPES[media]
    if ext == "html":
        result = await _page(request, "ontology", base_iri=app.settings.base_iri)
        return result if isinstance(result, Response) else _html(result, headers={"Vary": "Accept"})
    if ext not in _DOC_FORMAT:
        return _text(404, "no such document — the ontology is at /ontology.html, .ttl, .jsonld, .nt and .rdf")
    graph = graph_iri("ontology", app.settings.base_iri)
    try:
        output = await app.call("sparql", text=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                                fmt=_DOC_FORMAT[ext], max_rows=10_000_000, base_iri=app.settings.base_iri)
    except (Refused, WorkerError) as e:
        return _text(e.status, str(e))
    media = pages.FORMATS[_DOC_FORMAT[ext]][1]
    return Response(output.body, media_type=media, headers={"Vary": "Accept"})


async def ontology_term(request: Request) -> Response:
    app: App = request.app.state.filmgraph
    result = await _page(request, "term", name=request.path_params["name"], base_iri=app.settings.base_iri)
    if result is None:
        return _html(pages.error_page(404, "this ontology has no such class or property — see /ontology"), 404)
    return result if isinstance(result, Response) else _html(result)


async def _not_found(request: Request, app: App, path: str) -> Response:
    if not _wants_html(request):
        return _text(404, "this IRI is not in the knowledge graph — GET /sparql describes the dataset")
    found = await _page(request, "suggest", text=path.rsplit("/", 1)[-1])
    if isinstance(found, Response):
        return found
    return _html(pages.not_found_page(path, found, base_iri=app.settings.base_iri), 404)


async def linked_data(request: Request) -> Response:
    """Any other path: an IRI under the base (303 by Accept) or one of its documents."""
    app: App = request.app.state.filmgraph
    path = request.url.path
    m = re.fullmatch(r"(.+)\.(html|ttl|jsonld|nt|rdf)", path)
    resource_path, ext = (m.group(1), m.group(2)) if m else (path, None)
    iri = pages.iri_for_path(resource_path, base_iri=app.settings.base_iri)
    if iri is None:
        return await _not_found(request, app, resource_path)
    base = app.settings.base_iri
    if ext == "html":
        lang = request.query_params.get("lang", "zh")
        page = await _page(request, "entity", iri=iri, base_iri=base, lang=lang if lang in LANGUAGES else "zh")
        if page is None:
            return await _not_found(request, app, resource_path)
        return page if isinstance(page, Response) else _html(page)
    if ext is not None:
        try:
            body = await app.call("document", iri=iri, format=_DOC_FORMAT[ext], base_iri=base)
        except (Refused, WorkerError) as e:
            return _text(e.status, str(e))
        if body is None:
            return await _not_found(request, app, resource_path)
        return Response(body, media_type=pages.FORMATS[_DOC_FORMAT[ext]][1],
                        headers={"Link": f'<{app.settings.licence}>; rel="license"'})
    media = negotiate(request.headers.get("accept"), list(_DOCUMENT_TYPES))
    if media is None:
        return _text(406, f"this resource is described as {', '.join(_DOCUMENT_TYPES)}", {"Vary": "Accept"})
    try:
        known = await app.call("sparql", text=f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}",
                               fmt="json", max_rows=1, base_iri=base)
    except (Refused, WorkerError) as e:
        return _text(e.status, str(e))
    if not json.loads(known.body)["boolean"]:
        return await _not_found(request, app, resource_path)
    return RedirectResponse(f"{pages.local_path(iri, base_iri=base)}.{_DOCUMENT_TYPES[media]}", status_code=303,
                            headers={"Vary": "Accept"})


# ---------------------------------------------------------------- middleware

class Guards:
    """ASGI middleware: security headers on every response, a CSP on HTML, and at most
    ``client_concurrency`` requests running per client address (429 beyond)."""

    def __init__(self, asgi, *, state: App):
        self.asgi = asgi
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.asgi(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", HTML_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if scope["path"].startswith("/static/") or scope["path"] == "/":
            return await self.asgi(scope, receive, send_with_headers)
        client = (scope.get("client") or ("unknown", 0))[0]
        active = self.state.active
        if active.get(client, 0) >= self.state.settings.client_concurrency:
            message = (f"too many requests at once from your address (at most "
                       f"{self.state.settings.client_concurrency}) — wait for the running ones to finish, "
                       "then try again")
            response = (JSONResponse({"error": message}, 429, {"Retry-After": "1"})
                        if scope["path"].startswith("/api/") else _text(429, message, {"Retry-After": "1"}))
            return await response(scope, receive, send_with_headers)
        active[client] = active.get(client, 0) + 1
        CLIENT.set(client)
        try:
            await self.asgi(scope, receive, send_with_headers)
        finally:
            active[client] -= 1
            if not active[client]:
                del active[client]


# ---------------------------------------------------------------- the application

def create_app(*, settings: Settings = Settings(), folder=None) -> Starlette:
    """The web application over the dataset of ``settings``, or over the store in ``folder``.

    Starting it (the ASGI lifespan) loads the dataset into an on-disk store if no ``folder`` is
    given (see :func:`filmgraph.dataset.store_folder`) and starts ``settings.workers`` worker
    processes; stopping it stops them. Raises :class:`~filmgraph.errors.CheckFailed` at start
    when the knowledge base has errors.
    """
    state = App(settings)

    @contextlib.asynccontextmanager
    async def lifespan(application):
        import anyio

        from .dataset import store_folder

        here, temporary = folder, False
        if here is None and not settings.endpoint:
            here, temporary = await anyio.to_thread.run_sync(lambda: store_folder(settings))
        state.pool = WorkerPool(settings=settings, folder=here)
        try:
            await state.pool.start()
            state.graphs = (await state.pool.call("info", timeout=max(state.timeout, 60.0)))["graphs"]
            yield
        finally:
            await state.pool.close()
            if temporary:
                shutil.rmtree(here, ignore_errors=True)

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "POST"]),  # the endpoint as many clients (and the W3C tests) write it
        Route("/api/queries", api_queries, methods=["GET"]),
        Route("/api/run", api_run, methods=["POST"]),
        Route("/map", map_route, methods=["GET"]),
        Route("/ontology", ontology, methods=["GET"]),
        Route("/ontology.{ext}", ontology, methods=["GET"]),
        Route("/ontology/{name}", ontology_term, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/{path:path}", linked_data, methods=["GET"]),
    ]
    middleware = [Middleware(Guards, state=state)]
    if settings.cors_origin_list:
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=settings.cors_origin_list,
                                        allow_methods=["GET", "POST"], allow_headers=["Accept", "Content-Type"],
                                        expose_headers=["X-Filmgraph-Truncated", "X-Filmgraph-Row-Limit"]))
    application = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    application.state.filmgraph = state
    return application


def serve(*, settings: Settings = Settings(), progress=None, ready=None) -> None:
    """Run the app under uvicorn on ``settings.host``:``settings.port`` until interrupted;
    ``ready(url)`` is called once it listens.

    The dataset is prepared and the address bound before the server starts, so that a knowledge
    base with errors (:class:`~filmgraph.errors.CheckFailed`), a store that cannot be opened or a
    port in use (:class:`~filmgraph.errors.UsageError`) is reported as one clear error.
    """
    import socket

    import uvicorn

    from .dataset import store_folder
    from .errors import UsageError
    from .store import EmbeddedStore

    folder, temporary = (None, False) if settings.endpoint else store_folder(settings, progress=progress)
    try:
        if folder is not None:
            EmbeddedStore(path=folder, read_only=True)  # fails here, clearly, rather than in each worker
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets created so, and without it
        # every keep-alive answer waits ~40 ms for the client's delayed ACK (bench_serve found it)
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((settings.host, settings.port))
        except OSError as e:
            raise UsageError(f"cannot listen on {settings.host}:{settings.port} ({e.strerror}) — choose "
                             "another --port, or stop the program using it") from None
        config = uvicorn.Config(create_app(settings=settings, folder=folder), log_level="warning",
                                h11_max_incomplete_event_size=max(65536, 4 * settings.max_query_chars))
        server = uvicorn.Server(config)
        if ready is not None:
            host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            ready(f"http://{shown}:{port}/")
        server.run(sockets=[sock])
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
