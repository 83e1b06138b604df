"""The query library (``queries/*.rq``), parameters bound as RDF terms, and running a query.

A library query is a ``.rq`` file whose leading ``#`` lines are its header::

    # title@zh: 按城市列出放映的影片
    # title@en: Films screened, by city
    # description@en: …
    # param: city
    #   type: iri
    #   default: fgid:city\\/almaty
    #   example: 莫斯科
    #   label@en: City

Parameters are variables of the query. A value is parsed according to its type into one RDF term
and bound with a ``VALUES`` block placed at the start of the query's ``WHERE`` group; the value's
text never becomes query text, so ``x" } ; DROP ALL ; #`` is just a string. An ``iri`` parameter
also takes a name (any label, any language), looked up in the store. A parameter without a
default is optional: left unbound, it matches anything.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError, display_path
from .namespaces import DATA_PATHS, PREFIXES, RDFS, SKOS, XSD
from .settings import DEFAULT_BASE_IRI
from .store import Backend, Result, Solutions, _STRINGS_AND_COMMENTS, query_form, select

TYPES = ("iri", "string", "date", "year", "integer", "decimal", "boolean")
LANGUAGES = ("zh", "en")


@dataclass
class Param:
    """One declared parameter: ``type`` is one of :data:`TYPES`; ``default`` None means optional."""

    name: str
    type: str = "string"
    default: str | None = None
    example: str | None = None
    label: dict[str, str] = field(default_factory=dict)


@dataclass
class Query:
    """A query: its text, and for library queries its name, header and parameters."""

    text: str
    name: str = "query"
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    path: Path | None = None

    @property
    def source(self) -> str:
        return display_path(self.path) if self.path else self.name

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


_HEADER = re.compile(r"^#\s?(\s*)([\w@-]+):\s*(.*?)\s*$")


def parse_query_file(path: str | Path) -> Query:
    """Read a ``.rq`` file and its header. Raises :class:`QueryError` naming the file and line of
    a malformed header (unknown type, a key outside a parameter)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"{display_path(path)}: cannot read the query ({e}) — check the path") from None
    query = Query(text, name=path.stem, path=path)
    current: Param | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        indent, key, value = m.groups()
        where = f"{display_path(path)}:{number}"
        if key == "param":
            current = Param(value)
            query.params.append(current)
        elif indent and current is not None:
            if key == "type":
                if value not in TYPES:
                    raise QueryError(f"{where}: unknown parameter type {value!r} — use one of {', '.join(TYPES)}")
                current.type = value
            elif key in ("default", "example"):
                setattr(current, key, value)
            elif key.startswith("label@"):
                current.label[key[6:]] = value
        elif key.startswith(("title@", "description@")):
            kind, lang = key.split("@", 1)
            getattr(query, kind)[lang] = value
            current = None
    return query


class Library:
    """The ``.rq`` queries of a folder, by name."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.queries = {q.name: q for q in map(parse_query_file, sorted(self.folder.glob("*.rq")))}

    def __iter__(self):
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> Query:
        """The query called ``name``; :class:`QueryError` with the closest names when unknown."""
        if name in self.queries:
            return self.queries[name]
        import difflib

        close = difflib.get_close_matches(name, list(self.queries), n=3, cutoff=0.4)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise QueryError(f"no library query named {name!r}{hint} — `filmgraph queries` lists them, "
                         "or give a .rq file or --text")


# -- parameters --------------------------------------------------------------------------------

def _expand(value: str, prefixes: dict[str, str]) -> str | None:
    m = re.fullmatch(r"([A-Za-z][\w.-]*)?:((?:[^\s\\]|\\.)*)", value)
    if m and (m.group(1) or "") in prefixes:
        return prefixes[m.group(1) or ""] + re.sub(r"\\(.)", r"\1", m.group(2))
    return None


def _lookup(backend: Backend, name: str, param: str) -> ox.NamedNode:
    """The one entity called ``name`` (exactly, any label or alternative label, any language)."""
    literal = ox.Literal(name)
    rows = select(backend, f"""SELECT DISTINCT ?s WHERE {{ VALUES ?name {{ {literal} }}
        ?s <{RDFS}label>|<{SKOS}altLabel> ?l FILTER(isIRI(?s) && STR(?l) = ?name) }} ORDER BY ?s LIMIT 10""")
    found = [r["s"] for r in rows]
    if len(found) == 1:
        return found[0]
    if found:
        raise QueryError(f"parameter {param}: {name!r} names {len(found)} entities "
                         f"({', '.join(f.value for f in found)}) — give the IRI of the one you mean")
    rows = select(backend, f"""SELECT DISTINCT ?l WHERE {{ VALUES ?name {{ {literal} }}
        ?s <{RDFS}label> ?l FILTER(CONTAINS(LCASE(STR(?l)), LCASE(?name))) }} ORDER BY ?l LIMIT 5""")
    hint = f" (names containing it: {', '.join(r['l'].value for r in rows)})" if rows else ""
    raise QueryError(f"parameter {param}: nothing is called {name!r}{hint} — give an exact name or an IRI")


def parse_value(value: str, type_: str, *, name: str, backend: Backend | None = None,
                prefixes: dict[str, str] | None = None) -> ox.NamedNode | ox.Literal:
    """``value`` as one RDF term of ``type_``; :class:`QueryError` saying what is expected."""
    def bad(expected: str):
        return QueryError(f"parameter {name}: {value!r} is not {expected} — e.g. {_EXAMPLES[type_]}")

    if type_ == "iri":
        if value.startswith("<") and value.endswith(">"):
            iri = value[1:-1]
        elif re.match(r"^[a-z][a-z0-9+.-]*://", value):
            iri = value
        else:
            iri = _expand(value, {**PREFIXES, **(prefixes or {})})
        if iri is not None:
            try:
                return ox.NamedNode(iri)
            except ValueError:
                raise bad("a valid IRI") from None
        if backend is None:
            raise bad("an IRI")
        return _lookup(backend, value, name)
    if type_ == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise bad("a date (YYYY-MM-DD)") from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if type_ == "year":
        if not re.fullmatch(r"-?\d{4,}", value):
            raise bad("a year")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise bad("an integer")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if type_ == "decimal":
        try:
            Decimal(value)
        except InvalidOperation:
            raise bad("a decimal number") from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
    if type_ == "boolean":
        if value not in ("true", "false"):
            raise bad("true or false")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
    return ox.Literal(value)


_EXAMPLES = {"iri": "fgid:city\\/almaty or 阿拉木图", "date": "2025-11-24", "year": "2025", "integer": "3",
             "decimal": "43.24", "boolean": "true", "string": "音乐家"}


def _body_start(text: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE group."""
    masked = _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group(0)), text)
    form = query_form(text)
    start = masked.upper().index(form)
    if form == "CONSTRUCT":
        m = re.compile(r"CONSTRUCT\s+WHERE\s*\{", re.I).search(masked, start)
        if m:
            raise QueryError("parameters cannot be bound in the short form CONSTRUCT WHERE { … } — "
                             "write CONSTRUCT { template } WHERE { pattern }")
        depth, i = 0, masked.index("{", start)
        while True:  # skip the template
            depth += {"{": 1, "}": -1}.get(masked[i], 0)
            i += 1
            if depth == 0:
                break
        start = i
    brace = masked.find("{", start)
    if brace < 0:
        raise QueryError("the query has no WHERE { … } group to bind parameters in")
    return brace + 1


def bind(text: str, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with ``values`` bound: ``VALUES (?a ?b) { (t1 t2) }`` opens its WHERE group."""
    if not values:
        return text
    at = _body_start(text)
    names = " ".join(f"?{n}" for n in values)
    terms = " ".join(str(t) for t in values.values())
    return f"{text[:at]} VALUES ({names}) {{ ({terms}) }}{text[at:]}"


_LIMIT_TAIL = re.compile(r"(?:\bLIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?|\bOFFSET\s+\d+\s+LIMIT\s+(\d+))\s*$", re.I)


def with_limit(text: str, limit: int) -> str:
    """A SELECT ``text`` returning at most ``limit`` rows (an existing smaller LIMIT is kept)."""
    masked = _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group(0)), text).rstrip()
    m = _LIMIT_TAIL.search(masked)
    if m:
        current = int(m.group(1) or m.group(2))
        digits = m.start(1) if m.group(1) else m.start(2)
        return text[:digits] + str(min(current, limit)) + text[digits + len(str(current)):]
    return text.rstrip() + f"\nLIMIT {limit}\n"


# -- running -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What running a query gave: the result, the exact text that ran, and labels of its IRIs."""

    result: Result
    text: str
    labels: dict[str, str] = field(default_factory=dict)
    limit: int | None = None

    @property
    def truncated(self) -> bool:
        """True when a ``limit`` was set and reached: there may be more rows."""
        return (self.limit is not None and isinstance(self.result, Solutions)
                and len(self.result.rows) >= self.limit)


def rebase_text(text: str, base_iri: str) -> str:
    """``text`` with the default base's data IRIs (``…/id/``, ``…/source/``, ``…/graph/``) moved
    under ``base_iri``, as the loader moves the data."""
    for path in DATA_PATHS:
        text = text.replace(DEFAULT_BASE_IRI + path, base_iri + path)
    return text


def prepare(query: Query, params: dict[str, str] | None = None, *, backend: Backend | None = None,
            limit: int | None = None, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The text that will run: parameters parsed and bound, defaults applied, limit set, and
    IRIs of the data moved under ``base_iri`` (the query text's and the parameters').

    Raises :class:`QueryError` for an unknown parameter, a value of the wrong type, or a name
    that matches no entity or several.
    """
    params = dict(params or {})
    declared = {p.name: p for p in query.params}
    if query.params:
        unknown = sorted(set(params) - set(declared))
        if unknown:
            raise QueryError(f"{query.source}: unknown parameter {', '.join(unknown)} — this query takes "
                             f"{', '.join(declared) or 'no parameters'}")
    values = {}
    for name, param in declared.items():
        if name not in params and param.default is not None:
            params[name] = param.default
    for name, value in params.items():
        type_ = declared[name].type if name in declared else ("iri" if re.match(r"^<?[a-z][a-z0-9+.-]*:", value) and not re.search(r"\s", value) else "string")
        values[name] = parse_value(value, type_, name=name, backend=backend,
                                   prefixes={k: rebase_text(v, base_iri) for k, v in PREFIXES.items()})
    text = bind(rebase_text(query.text, base_iri), values)
    if limit is not None and query_form(text) == "SELECT":
        text = with_limit(text, limit)
    return text


def labels(backend: Backend, result: Result, *, lang: str) -> dict[str, str]:
    """Label of every IRI in ``result``: in ``lang``, else the other of zh/en, else any."""
    if not isinstance(result, Solutions):
        return {}
    iris = sorted({t.value for row in result.rows for t in row.values() if isinstance(t, ox.NamedNode)})
    order = [lang] + [other for other in LANGUAGES if other != lang]
    found: dict[str, tuple[int, str]] = {}
    for i in range(0, len(iris), 400):
        chunk = " ".join(f"<{iri}>" for iri in iris[i:i + 400])
        rows = select(backend, f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} ?s <{RDFS}label> ?l }}")
        for row in rows:
            tag = row["l"].language or ""
            rank = order.index(tag) if tag in order else len(order)
            key = row["s"].value
            if key not in found or (rank, row["l"].value) < found[key]:
                found[key] = (rank, row["l"].value)
    return {iri: label for iri, (_rank, label) in found.items()}


def run(backend: Backend, query: Query | str, params: dict[str, str] | None = None, *,
        limit: int | None = None, lang: str = "zh", base_iri: str = DEFAULT_BASE_IRI) -> Outcome:
    """Bind ``params``, run ``query`` on ``backend`` and fetch labels in ``lang``. ``base_iri`` is
    the base the data was loaded under.

    Raises :class:`QueryError` (bad text with its line and column, bad parameter) or
    :class:`~filmgraph.errors.RemoteError` (a remote store failed).
    """
    query = Query(query) if isinstance(query, str) else query
    text = prepare(query, params, backend=backend, limit=limit, base_iri=base_iri)
    try:
        result = backend.run(text)
    except QueryError as e:
        if e.line and query.path:
            raise QueryError(str(e).replace("query:", f"{query.source}:", 1), line=e.line, column=e.column) from None
        raise
    return Outcome(result, text, labels(backend, result, lang=lang), limit)
