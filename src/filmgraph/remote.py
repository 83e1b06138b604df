"""A remote SPARQL 1.1 store behind the same :class:`~filmgraph.store.Backend` interface.

Queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST, form-encoded); results are read
with pyoxigraph's standard results parsers, so rows compare term for term with the embedded
store. Loading uses the SPARQL 1.1 Graph Store HTTP Protocol, or SPARQL Update where a store has
no graph store endpoint.

Every call has a timeout; 5xx answers, timeouts and connection resets are retried with
exponential back-off a bounded number of times; anything else fails at once with a
:class:`~filmgraph.errors.RemoteError` naming the endpoint and the HTTP status. Credentials come
from ``FILMGRAPH_ENDPOINT_USER`` / ``FILMGRAPH_ENDPOINT_PASSWORD`` or from ``~/.netrc`` (by host),
read once when the store is opened — never from a command-line flag.
"""
from __future__ import annotations

import http.client
import netrc
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable, TypeVar

import pyoxigraph as ox

from . import __version__
from .errors import QueryError, RemoteError
from .store import Boolean, Result, Solutions, Triples, query_form

T = TypeVar("T")
USER_AGENT = f"filmgraph/{__version__}"
_RETRYABLE = (ConnectionResetError, http.client.RemoteDisconnected, socket.timeout, TimeoutError)


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for ``url``: from the environment, else from ``~/.netrc``, else None."""
    user, password = os.environ.get("FILMGRAPH_ENDPOINT_USER"), os.environ.get("FILMGRAPH_ENDPOINT_PASSWORD")
    if user:
        return user, password or ""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        entry = netrc.netrc().authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    return (entry[0] or "", entry[2] or "") if entry else None


@dataclass(frozen=True)
class Endpoint:
    """Where a remote store answers: ``query`` (required), ``update`` and ``graph_store``."""

    query: str
    update: str | None = None
    graph_store: str | None = None
    timeout_s: float = 30.0
    retries: int = 3
    auth: str = "basic"

    @classmethod
    def from_settings(cls, settings) -> "Endpoint":
        """The endpoints, timeout, retries and auth scheme a :class:`~filmgraph.settings.Settings` names."""
        return cls(settings.endpoint, settings.update_endpoint, settings.graph_store,
                   float(settings.timeout_s), int(settings.retries), settings.endpoint_auth)


def _body(error: BaseException) -> str:
    try:
        data = error.read() if hasattr(error, "read") else b""
    except Exception:  # noqa: BLE001 - the body is a courtesy; the status still tells
        data = b""
    text = data.decode("utf-8", "replace").strip().replace("\n", " ")
    return f": {text[:300]}" if text else ""


class RemoteStore:
    """A SPARQL 1.1 store at ``endpoint``; its default graph must be the union of its named
    graphs (``oxigraph serve --union-default-graph``; Virtuoso's default; Fuseki
    ``unionDefaultGraph``), as the embedded store's is."""

    def __init__(self, endpoint: Endpoint, *, sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self.name = endpoint.query
        self._credentials = credentials(endpoint.query)
        self._sleep = sleep
        self._opener = self._make_opener()

    def _make_opener(self) -> urllib.request.OpenerDirector:
        handlers = []
        if self._credentials:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in filter(None, (self.endpoint.query, self.endpoint.update, self.endpoint.graph_store)):
                manager.add_password(None, url, *self._credentials)
            handlers = [urllib.request.HTTPBasicAuthHandler(manager), urllib.request.HTTPDigestAuthHandler(manager)]
        return urllib.request.build_opener(*handlers)

    # -- retries -------------------------------------------------------------------------------

    def _retrying(self, what: str, url: str, call: Callable[[], T]) -> T:
        delay = 0.5
        for attempt in range(self.endpoint.retries + 1):
            try:
                return call()
            except urllib.error.HTTPError as e:
                if e.code < 500 or attempt == self.endpoint.retries:
                    raise self._error(what, url, e) from None
            except urllib.error.URLError as e:
                if not isinstance(e.reason, _RETRYABLE) or attempt == self.endpoint.retries:
                    raise RemoteError(f"{url}: cannot {what} ({e.reason}) — check that the store runs "
                                      "and the URL is right") from None
            except _RETRYABLE as e:
                if attempt == self.endpoint.retries:
                    raise RemoteError(f"{url}: cannot {what}: {type(e).__name__} after "
                                      f"{attempt + 1} attempts — the store is overloaded or unreachable; "
                                      "retry later or raise --timeout-s") from None
            self._sleep(delay)
            delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")

    def _error(self, what: str, url: str, e: urllib.error.HTTPError) -> Exception:
        body = _body(e) or (f": {' '.join(str(e.msg).split())[:300]}" if e.msg else "")
        if e.code == 400 and what == "run the query":
            return QueryError(f"{url}: the store refused the query (HTTP 400){body} — correct the query")
        hint = {401: "set FILMGRAPH_ENDPOINT_USER and FILMGRAPH_ENDPOINT_PASSWORD or a ~/.netrc entry",
                403: "the account may not do this; check the store's permissions",
                404: "check the endpoint URL", 405: "the store does not allow this method here",
                415: "the store does not accept this content type"}.get(e.code, "see the store's log")
        return RemoteError(f"{url}: cannot {what}: HTTP {e.code}{body} — {hint}")

    def _request(self, method: str, url: str, *, data: bytes | None = None, headers: dict | None = None) -> bytes:
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"User-Agent": USER_AGENT, **(headers or {})})
        with self._opener.open(request, timeout=self.endpoint.timeout_s) as response:
            return response.read()

    # -- queries -------------------------------------------------------------------------------

    def run(self, query: str) -> Result:
        """Run ``query`` remotely; the result types are those of the embedded store."""
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        form = query_form(query)
        accept = ("application/sparql-results+json" if form in ("SELECT", "ASK")
                  else "application/n-triples, text/turtle;q=0.9")
        wrapper = SPARQLWrapper(self.endpoint.query, agent=USER_AGENT)
        wrapper.setQuery(query)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(int(self.endpoint.timeout_s))
        wrapper.addCustomHttpHeader("Accept", accept)
        if self._credentials:
            wrapper.setHTTPAuth("DIGEST" if self.endpoint.auth == "digest" else "BASIC")
            wrapper.setCredentials(*self._credentials)

        def call():
            try:
                response = wrapper.query().response
            except SPARQLWrapperException as e:  # SPARQLWrapper wraps some HTTP errors; unwrap
                raise urllib.error.HTTPError(self.endpoint.query, _code(e), str(e), None, None) from None
            return response.read(), response.headers.get("Content-Type", "")

        data, content_type = self._retrying("run the query", self.endpoint.query, call)
        try:
            if form in ("SELECT", "ASK"):
                parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
                if isinstance(parsed, ox.QueryBoolean):
                    return Boolean(bool(parsed))
                names = [v.value for v in parsed.variables]
                return Solutions(names, [{n: row[n] for n in names if row[n] is not None} for row in parsed])
            fmt = ox.RdfFormat.TURTLE if "turtle" in content_type else ox.RdfFormat.N_TRIPLES
            return Triples([q.triple for q in ox.parse(data, fmt)])
        except (SyntaxError, ValueError) as e:
            raise RemoteError(f"{self.endpoint.query}: the answer is not valid SPARQL results ({e}) — "
                              "check that the URL is a SPARQL query endpoint") from None

    # -- writing -------------------------------------------------------------------------------

    def update(self, text: str) -> None:
        """Run a SPARQL Update at the update endpoint (form-encoded POST)."""
        url = self.endpoint.update or self.endpoint.query
        body = urllib.parse.urlencode({"update": text}).encode()
        self._retrying("run the update", url, lambda: self._request(
            "POST", url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}))

    def put_graph(self, graph: str, data: bytes, *, replace: bool) -> None:
        """Send N-Triples ``data`` into ``graph`` with the Graph Store Protocol: PUT replaces the
        graph, POST adds to it."""
        url = self.endpoint.graph_store
        assert url, "put_graph needs a graph store endpoint"
        sep = "&" if "?" in url else "?"
        target = f"{url}{sep}{urllib.parse.urlencode({'graph': graph})}"
        self._retrying("load the graph", url, lambda: self._request(
            "PUT" if replace else "POST", target, data=data,
            headers={"Content-Type": "application/n-triples; charset=utf-8"}))


def _code(error: BaseException) -> int:
    names = {"QueryBadFormed": 400, "Unauthorized": 401, "Forbidden": 403, "EndPointNotFound": 404,
             "URITooLong": 414, "EndPointInternalError": 500}
    return names.get(type(error).__name__, 500)
