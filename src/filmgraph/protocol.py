"""The SPARQL 1.1 Protocol's formats: content negotiation, and results written in each format
with a row cap that says when it cut.

:func:`negotiate` picks a media type from an ``Accept`` header (q-values, wildcards, the most
specific range winning); :func:`execute` runs one query on a backend and writes its result in
the chosen format, never more than ``max_rows`` rows or triples, with ``truncated`` set when it
cut. :func:`page_result` is what the query page shows: the same result as JSON rows with labels
and links. Both run inside a server worker process (see :mod:`filmgraph.workers`).
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import time
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .errors import QueryError
from .formatting import json_term
from .guard import Limits, inspect
from .namespaces import PREFIXES
from .pages import local_path
from .queries import Library, labels, prepare, rebase_text
from .store import Boolean, Solutions, Triples

RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

#: media types offered per result kind, in the server's order of preference, with their format
SOLUTION_TYPES = {  # text/xml after CSV and TSV, so that Accept: text/* gets CSV, not XML
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/xml": "xml",
}
BOOLEAN_TYPES = {k: v for k, v in SOLUTION_TYPES.items() if v in ("json", "xml")}
GRAPH_TYPES = {
    "text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml", "text/plain": "nt", "application/x-turtle": "ttl",
}
#: the media type each format is sent as (the first media type that names it)
MEDIA = {fmt: media for table in (SOLUTION_TYPES, GRAPH_TYPES) for media, fmt in reversed(list(table.items()))}
RDF_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML}
EXTENSIONS = {"json": "srj", "xml": "srx", "csv": "csv", "tsv": "tsv", "ttl": "ttl", "nt": "nt",
              "jsonld": "jsonld", "rdfxml": "rdf"}


def offered(form: str) -> dict[str, str]:
    """Media type → format for a query of ``form``."""
    if form == "SELECT":
        return SOLUTION_TYPES
    if form == "ASK":
        return BOOLEAN_TYPES
    return GRAPH_TYPES


#: ``format`` values other clients send for our formats (SPARQLWrapper sends its own names)
FORMAT_ALIASES = {"turtle": "ttl", "n3": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
                  "rdf": "rdfxml", "rdf+xml": "rdfxml", "rdf/xml": "rdfxml"}


def format_for(name: str, form: str) -> str | None:
    """The format a ``format`` parameter ``name`` asks for a result of ``form``, or None when it
    names none this server writes for that form. Taken: our names (json, xml, csv, tsv, ttl, nt,
    jsonld, rdfxml), any media type :func:`offered` lists, and :data:`FORMAT_ALIASES`; for a
    CONSTRUCT or DESCRIBE result, xml means RDF/XML and json JSON-LD (as SPARQLWrapper means them).
    """
    choices = offered(form)
    name = name.strip().lower()
    if name in choices:
        return choices[name]
    if form in ("CONSTRUCT", "DESCRIBE"):
        name = {"xml": "rdfxml", "json": "jsonld"}.get(name, name)
    name = FORMAT_ALIASES.get(name, name)
    return name if name in choices.values() else None


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def negotiate(accept: str | None, types: list[str]) -> str | None:
    """The best of ``types`` (in the server's order of preference) for an ``Accept`` header, or
    None when the header rules all of them out. No header, or an empty one, accepts anything.

    Each type takes the q-value of the most specific range that matches it (``a/b`` before
    ``a/*`` before ``*/*``); ties go to the earlier type in ``types``.
    """
    if not accept or not accept.strip():
        return types[0] if types else None
    ranges = _ranges(accept)
    best, best_q = None, 0.0
    for media in types:
        main = media.split("/")[0]
        q = None
        for pattern in (media, f"{main}/*", "*/*"):
            matches = [rq for rm, rq in ranges if rm == pattern]
            if matches:
                q = max(matches)
                break
        if q is not None and q > best_q:
            best, best_q = media, q
    return best


@dataclass
class Output:
    """A written result: ``body`` bytes, ``count`` rows or triples written, ``truncated`` when
    more were available than written."""

    body: bytes
    count: int
    truncated: bool


def _capped(items, max_rows: int) -> tuple[list, bool]:
    taken = list(itertools.islice(iter(items), max_rows + 1))
    return taken[:max_rows], len(taken) > max_rows


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = "".join(f"<{name}>{_xml_term(getattr(term, name))}</{name}>"
                        for name in ("subject", "predicate", "object"))
        return f"<triple>{parts}</triple>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def write_solutions(variables: list[str], rows, fmt: str, *, max_rows: int) -> Output:
    """SELECT results in ``fmt`` (json, xml, csv, tsv) as the W3C result formats define them.
    ``rows`` yields mappings from variable to term (None or absent when unbound)."""
    taken, truncated = _capped(rows, max_rows)
    values = [[row[v] if v in row else None for v in variables] if isinstance(row, dict)
              else [row[v] for v in variables] for row in taken]
    if fmt == "json":
        bindings = [{v: json_term(t) for v, t in zip(variables, row) if t is not None} for row in values]
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()
    elif fmt == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="', RESULTS_NS, '">\n<head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head>\n<results>\n")
        for row in values:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>\n")
        out.append("</results>\n</sparql>\n")
        body = "".join(out).encode()
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(t) for t in row] for row in values)
        body = buffer.getvalue().encode()
    elif fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in values]
        body = ("\n".join(lines) + "\n").encode()
    else:
        raise ValueError(f"no solutions format {fmt!r}")
    return Output(body, len(values), truncated)


def write_boolean(value: bool, fmt: str) -> Output:
    """An ASK result in ``fmt`` (json or xml)."""
    if fmt == "json":
        body = json.dumps({"head": {}, "boolean": value}).encode()
    else:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{RESULTS_NS}">\n<head/>\n'
                f"<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()
    return Output(body, 1, False)


def write_triples(triples, fmt: str, *, max_rows: int, base_iri: str) -> Output:
    """CONSTRUCT or DESCRIBE results in ``fmt`` (ttl, nt, jsonld, rdfxml); Turtle uses
    filmgraph's prefixes (moved under ``base_iri``)."""
    taken, truncated = _capped(triples, max_rows)
    options = {}
    if fmt == "ttl":
        options["prefixes"] = {k: rebase_text(v, base_iri) for k, v in PREFIXES.items()}
    body = ox.serialize(taken, format=RDF_FORMATS[fmt], **options)
    return Output(body, len(taken), truncated)


def _dataset_options(default_graphs: list[str] | None, named_graphs: list[str] | None) -> dict:
    """pyoxigraph query options for a dataset given by the protocol (default: the union)."""
    if default_graphs is None and named_graphs is None:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [ox.NamedNode(g) for g in default_graphs or []] or ox.DefaultGraph(),
            "named_graphs": [ox.NamedNode(g) for g in named_graphs or []]}


def _raw(backend, text: str, default_graphs=None, named_graphs=None, base_iri: str | None = None):
    """The result of ``text`` as pyoxigraph iterators (embedded store) or a parsed :class:`Result`;
    relative IRIs in ``text`` resolve against ``base_iri`` (the base of the data)."""
    if hasattr(backend, "ox"):
        try:
            return backend.ox.query(text, base_iri=base_iri, **_dataset_options(default_graphs, named_graphs))
        except SyntaxError as e:
            raise QueryError.from_parser(str(e)) from None
    return backend.run(text)


def execute(backend, *, text: str, fmt: str, max_rows: int, base_iri: str,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> Output:
    """Run ``text`` on ``backend`` and write its result in ``fmt``.

    ``default_graphs`` / ``named_graphs`` are the dataset the protocol request named (default:
    the union of all named graphs as default graph, every named graph available). Relative IRIs
    in the query resolve against ``base_iri``. Raises :class:`QueryError` for a syntax error (with
    its line and column).
    """
    result = _raw(backend, text, default_graphs, named_graphs, base_iri)
    if isinstance(result, (ox.QueryBoolean, Boolean)):
        return write_boolean(bool(result) if isinstance(result, ox.QueryBoolean) else result.value, fmt)
    if isinstance(result, ox.QuerySolutions):
        return write_solutions([v.value for v in result.variables], result, fmt, max_rows=max_rows)
    if isinstance(result, Solutions):
        return write_solutions(result.variables, result.rows, fmt, max_rows=max_rows)
    return write_triples(result.triples if isinstance(result, Triples) else result, fmt,
                         max_rows=max_rows, base_iri=base_iri)


_LIBRARY: dict = {}


def _library(folder: str) -> Library:
    if folder not in _LIBRARY:
        _LIBRARY[folder] = Library(folder)
    return _LIBRARY[folder]


def page_result(backend, *, base_iri: str, max_rows: int, lang: str = "zh", text: str | None = None,
                name: str | None = None, params: dict | None = None, queries_dir: str | None = None,
                limits: Limits | None = None) -> dict:
    """The query page's view of a result: a free query ``text``, or the library query ``name``
    (from ``queries_dir``) with ``params`` bound; with ``limits``, the final text passes the
    server's guard (:func:`filmgraph.guard.inspect`) before it runs. Rows hold terms as SPARQL JSON plus ``label`` and ``href``
    (a local path) for IRIs; CONSTRUCT and DESCRIBE give subject/predicate/object rows.

    Raises :class:`QueryError` for a bad query or parameter.
    """
    if name is not None:
        text = prepare(_library(queries_dir).get(name), params or {}, backend=backend, base_iri=base_iri)
    inspection = inspect(text, limits=limits) if limits else None
    dataset = {}
    if inspection and (inspection.from_graphs or inspection.from_named):  # the union would hide FROM
        dataset = dict(default_graphs=[urljoin(base_iri, g) for g in inspection.from_graphs],
                       named_graphs=[urljoin(base_iri, g) for g in inspection.from_named])
    started = time.perf_counter()
    result = _raw(backend, text, base_iri=base_iri, **dataset)
    if isinstance(result, (ox.QueryBoolean, Boolean)):
        value = bool(result) if isinstance(result, ox.QueryBoolean) else result.value
        return {"form": "ASK", "variables": [], "rows": [], "boolean": value, "truncated": False,
                "limit": max_rows, "elapsed_ms": (time.perf_counter() - started) * 1000, "text": text}
    if isinstance(result, (ox.QuerySolutions, Solutions)):
        variables = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else result.variables
        source = result if isinstance(result, ox.QuerySolutions) else result.rows
        taken, truncated = _capped(source, max_rows)
        rows = [{v: row[v] for v in variables if (row[v] if not isinstance(row, dict) else row.get(v)) is not None}
                for row in taken]
        form = "SELECT"
    else:
        taken, truncated = _capped(result.triples if isinstance(result, Triples) else result, max_rows)
        variables = ["subject", "predicate", "object"]
        rows = [dict(zip(variables, (t.subject, t.predicate, t.object))) for t in taken]
        form = inspection.form if inspection else "CONSTRUCT"
    elapsed = (time.perf_counter() - started) * 1000
    names = labels(backend, Solutions(variables, rows), lang=lang)
    out_rows = []
    for row in rows:
        cells = {}
        for var, term in row.items():
            cell = json_term(term)
            if isinstance(term, ox.NamedNode):
                if term.value in names:
                    cell["label"] = names[term.value]
                href = local_path(term.value, base_iri=base_iri)
                if href:
                    cell["href"] = href
            cells[var] = cell
        out_rows.append(cells)
    return {"form": form, "variables": variables, "rows": out_rows, "truncated": truncated,
            "limit": max_rows, "elapsed_ms": round(elapsed, 3), "text": text}
