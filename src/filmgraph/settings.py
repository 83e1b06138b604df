"""The one settings object. Its declared records drive the CLI options, their help and the docs.

Each :class:`Setting` has a name (with its unit where it has one), a default and a one-line help.
:class:`Settings` holds the values of one run; it is built once (from CLI options or keywords) and
validated, then passed down; nothing reads configuration anywhere else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UsageError

DEFAULT_BASE_IRI = "https://w3id.org/filmgraph/"
DEFAULT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
#: the most a query may run, whatever query_time_limit_s says
MAX_QUERY_TIME_LIMIT_S = 300.0


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    metavar: str = ""

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def envvar(self) -> str:
        return "FILMGRAPH_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("project", None,
            "Knowledge base folder holding ontology/ and graph/ (default: the current folder if it "
            "holds both, else the copy shipped with filmgraph).", "DIR"),
    Setting("base_iri", DEFAULT_BASE_IRI,
            "Base IRI of every entity, source and graph; curated files are written with the "
            "default and rewritten to this one on load.", "IRI"),
    Setting("store", None,
            "Folder of an on-disk embedded store (created if missing); default: in memory.", "DIR"),
    Setting("cache_dir", None,
            "Folder where reading commands keep the checked, entailed store of each version of the "
            "knowledge base, so that later commands start at once [default: $XDG_CACHE_HOME/filmgraph "
            "or ~/.cache/filmgraph]; 'off' disables it.", "DIR"),
    Setting("endpoint", None,
            "SPARQL 1.1 query endpoint of a remote store to use instead of the embedded one; its "
            "default graph must be the union of its named graphs.", "URL"),
    Setting("update_endpoint", None,
            "SPARQL 1.1 Update endpoint of the remote store (for push without a graph store).", "URL"),
    Setting("graph_store", None,
            "SPARQL 1.1 Graph Store HTTP Protocol endpoint of the remote store (for push).", "URL"),
    Setting("timeout_s", 30.0, "Seconds to wait for each request to a remote store.", "SECONDS"),
    Setting("retries", 3, "Times a remote request is retried after a 5xx answer, a timeout or a "
            "reset connection (with exponential back-off).", "N"),
    Setting("endpoint_auth", "basic", "HTTP authentication scheme for a remote store: basic or "
            "digest; credentials come from FILMGRAPH_ENDPOINT_USER / FILMGRAPH_ENDPOINT_PASSWORD "
            "or ~/.netrc.", "SCHEME"),
    Setting("licence", DEFAULT_LICENCE, "IRI of the licence the data is published under, shown "
            "on every page and in the service description.", "IRI"),
    Setting("publisher", "filmgraph", "Name of the publisher of exports and releases, in their "
            "dataset description (DCAT dcterms:publisher).", "NAME"),
    Setting("published_endpoint", None, "Public URL of the SPARQL endpoint serving this data "
            "(e.g. where `filmgraph serve` is published), advertised in the dataset description "
            "of exports.", "URL"),
    Setting("host", "127.0.0.1", "Address `filmgraph serve` listens on; the loopback default "
            "keeps it private to this machine, 0.0.0.0 publishes it.", "ADDRESS"),
    Setting("port", 8000, "TCP port `filmgraph serve` listens on.", "PORT"),
    Setting("workers", 2, "Worker processes that run queries for `filmgraph serve`; a worker "
            "whose query runs out of time is killed and replaced.", "N"),
    Setting("query_time_limit_s", 10.0, "Seconds a query may run on the server before it is "
            f"stopped (at most {MAX_QUERY_TIME_LIMIT_S:.0f}).", "SECONDS"),
    Setting("max_rows", 10000, "Rows (or triples) the server returns for one query; a longer "
            "result is cut and marked truncated.", "N"),
    Setting("max_query_chars", 100000, "Longest query text the server accepts.", "N"),
    Setting("max_nesting", 64, "Deepest nesting of { }, ( ) and [ ] the server accepts in a "
            "query.", "N"),
    Setting("max_body_bytes", 1048576, "Largest request body the server reads.", "BYTES"),
    Setting("client_concurrency", 4, "Requests one client address may have running on the "
            "server at once; more are answered 429 Too Many Requests.", "N"),
    Setting("worker_memory_mb", 4096, "Address space each server worker may use; a query that "
            "needs more stops that worker, which is replaced (0: no limit).", "MB"),
    Setting("cors_origins", "", "Web origins allowed to call the server from a browser page, "
            "comma-separated, or * for any (default: none).", "ORIGINS"),
)


@dataclass(frozen=True)
class Settings:
    """Validated values of every setting for one run."""

    project: Path | None = None
    base_iri: str = DEFAULT_BASE_IRI
    store: Path | None = None
    cache_dir: str | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None
    graph_store: str | None = None
    timeout_s: float = 30.0
    retries: int = 3
    endpoint_auth: str = "basic"
    licence: str = DEFAULT_LICENCE
    publisher: str = "filmgraph"
    published_endpoint: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    query_time_limit_s: float = 10.0
    max_rows: int = 10000
    max_query_chars: int = 100000
    max_nesting: int = 64
    max_body_bytes: int = 1048576
    client_concurrency: int = 4
    worker_memory_mb: int = 4096
    cors_origins: str = ""

    def __post_init__(self):
        parts = urlsplit(self.base_iri)
        if parts.scheme not in ("http", "https") or not parts.netloc or not self.base_iri.endswith("/"):
            raise UsageError(
                f"base_iri {self.base_iri!r} is not usable — give an absolute http(s) IRI that "
                "ends with '/', e.g. https://example.org/filmgraph/"
            )
        if not self.publisher.strip():
            raise UsageError("publisher is empty — give the name of who publishes the data")
        for name in ("endpoint", "update_endpoint", "graph_store", "published_endpoint"):
            url = getattr(self, name)
            if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
                raise UsageError(f"{name} {url!r} is not an http(s) URL — give e.g. "
                                 "http://127.0.0.1:7878/query")
        if not 0 < float(self.timeout_s) <= 3600:
            raise UsageError(f"timeout_s {self.timeout_s} is out of range — give 0 < seconds <= 3600")
        if not 0 <= int(self.retries) <= 10:
            raise UsageError(f"retries {self.retries} is out of range — give 0 to 10")
        if self.endpoint_auth not in ("basic", "digest"):
            raise UsageError(f"endpoint_auth {self.endpoint_auth!r} is unknown — give basic or digest")
        parts = urlsplit(self.licence)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"licence {self.licence!r} is not an http(s) IRI — give e.g. {DEFAULT_LICENCE}")
        if not 0 < float(self.query_time_limit_s) <= MAX_QUERY_TIME_LIMIT_S:
            raise UsageError(f"query_time_limit_s {self.query_time_limit_s} is out of range — give 0 < "
                             f"seconds <= {MAX_QUERY_TIME_LIMIT_S:.0f}")
        for name, low, high in (("port", 0, 65535), ("workers", 1, 64), ("max_rows", 1, 10_000_000),
                                ("max_query_chars", 100, 10_000_000), ("max_nesting", 4, 1000),
                                ("max_body_bytes", 1024, 1 << 30), ("client_concurrency", 1, 1000),
                                ("worker_memory_mb", 0, 1 << 20)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise UsageError(f"{name} {value!r} is out of range — give a whole number from {low} to {high}")
        for origin in self.cors_origin_list:
            if origin != "*" and (urlsplit(origin).scheme not in ("http", "https") or urlsplit(origin).path):
                raise UsageError(f"cors_origins entry {origin!r} is not an origin — give e.g. "
                                 "https://partner.example.org, or *")
        if self.project is not None:
            object.__setattr__(self, "project", Path(self.project))
        if self.store is not None:
            object.__setattr__(self, "store", Path(self.store))

    @property
    def cache_path(self) -> Path | None:
        """The cache folder, or None when the cache is off."""
        if self.cache_dir == "off":
            return None
        if self.cache_dir:
            return Path(self.cache_dir)
        root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(root) / "filmgraph"

    @property
    def cors_origin_list(self) -> list[str]:
        """The allowed web origins, one per entry of ``cors_origins``."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def with_(self, **changes) -> "Settings":
        """A copy with ``changes`` applied (and validated)."""
        return replace(self, **changes)


def setting(name: str) -> Setting:
    """The declared record of ``name``; KeyError if there is none."""
    for s in SETTINGS:
        if s.name == name:
            return s
    raise KeyError(name)


assert {s.name for s in SETTINGS} == {f.name for f in fields(Settings)}
