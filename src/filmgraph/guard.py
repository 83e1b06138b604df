"""What the server refuses before a query runs: updates, SERVICE, datasets outside the store,
absurd length and nesting.

The check reads the query with a lexer that follows the SPARQL 1.1 terminals (IRIs with their
``\\u`` escapes, the four kinds of string, comments, prefixed names with their ``\\`` escapes,
variables), so a keyword inside a string, an IRI or a comment is not mistaken for one, and a keyword
is never hidden by them. pyoxigraph does not decode ``\\u`` escapes outside strings and IRIs, so a
keyword can only be spelled with letters, which is what the lexer looks at.

Two things make that harder than it looks, and both are covered. pyoxigraph's parser needs no
space after a keyword, so ``SERVICEex:x {…}``, ``SERVICE:x {…}`` and ``SERVICESILENT<…> {…}`` are
SERVICE calls although a lexer reads one prefixed name or word: every word or prefixed name that
starts with SERVICE is refused (a prefix whose name starts with "service" cannot be used here), and
FROM glued to its graph is read as FROM. And ``<`` is both the start of an IRI and the less-than
operator: ``FILTER(?x<1)SERVICE?v#>`` is one IRI to a lexer but a comparison, a SERVICE and a
comment to pyoxigraph. So the query is read a second time with ``<`` after an operand inside
parentheses taken as the operator, and a SERVICE call found in that reading is refused too.

Nothing here runs the query; :func:`inspect` returns what the server needs to run it (its form
and the graphs it names) or raises :class:`Refused` with the HTTP status and one paragraph that
says what was refused and what to do instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from .errors import FilmgraphError

#: keywords that start a SPARQL 1.1 Update operation
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                             "COPY", "WITH"})
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
#: a backslash escape in the local part of a prefixed name (``ex:a\\#b`` is one name, no comment)
_PN_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_STRING_BODIES = (r'"""(?:[^"\\]|\\.|"(?!""))*', r"'''(?:[^'\\]|\\.|'(?!''))*",
                  r'"(?:[^"\\\r\n]|\\.)*', r"'(?:[^'\\\r\n]|\\.)*")
#: the four kinds of string, each closed; then each left open (to the end of the line or of the
#: text, which pyoxigraph refuses too), taken as one token so that lexing stays linear in time
_STRING = "|".join([body + quote for body, quote in zip(_STRING_BODIES, ('"""', "'''", '"', "'"))]
                   + list(_STRING_BODIES))
_ALTERNATIVES = [
    r"(?P<ws>\s+)",
    r"(?P<comment>\#[^\r\n]*)",
    r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|" + _UCHAR + r")*>)",
    r"(?P<string>" + _STRING + r")",
    r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
    r"(?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)",
    r"(?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\-]|" + _PN_ESCAPE + r"|\.(?=[\w:%\-\\]))*)",
    r"(?P<word>[^\W\d][\w]*)",
    r"(?P<open>[{(\[])",
    r"(?P<close>[})\]])",
    r"(?P<other>.)",
]
_TOKEN = re.compile("|".join(_ALTERNATIVES), re.S)
#: the same without prefixed names, for the inside of a run of name characters known to hold no
#: colon (a prefixed name cannot start there; trying would make ``a-a-a-…`` quadratic)
_TOKEN_NO_PNAME = re.compile("|".join(a for a in _ALTERNATIVES if not a.startswith("(?P<pname>")), re.S)
_NAME_START = re.compile(r"[^\W\d_]")
_NAME_RUN = re.compile(r"[\w.\-]*")


class Refused(FilmgraphError):
    """A request the server will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Inspection:
    """What a query is: its ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE) and the graphs its
    FROM and FROM NAMED clauses name (absolute IRIs)."""

    form: str
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """How long and how deeply nested a query may be."""

    max_chars: int = 100000
    max_nesting: int = 64


#: tokens after which a ``<`` inside parentheses is not an operator (an operand is expected)
_OPERAND_EXPECTED = frozenset("(,=<>!&|+-*/^")
_SERVICE_REFUSED = ("SERVICE is refused: this server never calls other endpoints for a query — run "
                    "the federated part against that endpoint yourself, or ask for its data to be "
                    "loaded here")


def _tokens(text: str, *, less_than: bool = False):
    """The significant tokens of ``text`` as (kind, value) pairs (no white space, no comments).

    With ``less_than``, a ``<`` that follows an operand inside parentheses is the less-than
    operator (kind ``other``), not the start of an IRI: the reading pyoxigraph may take there.
    """
    brackets: list[str] = []
    previous = "("
    at = no_colon_until = 0
    while at < len(text):
        if at >= no_colon_until and _NAME_START.match(text, at):
            run_end = _NAME_RUN.match(text, at).end()
            if not text.startswith(":", run_end):
                no_colon_until = run_end
        m = (_TOKEN_NO_PNAME if at < no_colon_until else _TOKEN).match(text, at)
        kind, value = m.lastgroup, m.group(m.lastgroup)
        if (less_than and kind == "iri" and brackets and brackets[-1] == "("
                and previous not in _OPERAND_EXPECTED):
            kind, value = "other", "<"
        at += len(value)
        if kind in ("ws", "comment"):
            continue
        if kind == "open":
            brackets.append(value)
        elif kind == "close" and brackets:
            brackets.pop()
        previous = value if kind in ("open", "other") else kind
        yield kind, value


def _service_call(tokens: list[tuple[str, str]]) -> bool:
    """True when ``tokens`` hold a SERVICE call as pyoxigraph reads one: a word or prefixed name
    starting with SERVICE, then at most two tokens (SILENT, the endpoint) that are not brackets,
    then ``{``."""
    for i, (kind, value) in enumerate(tokens):
        if kind in ("word", "pname") and value.upper().startswith("SERVICE"):
            for after in tokens[i + 1:i + 4]:
                if after[0] in ("open", "close"):
                    if after[1] == "{":
                        return True
                    break
    return False


def inspect(text: str, *, limits: Limits = Limits()) -> Inspection:
    """Read ``text`` and say what it is, or raise :class:`Refused`.

    Refused: an empty or too long text (413 when longer than ``limits.max_chars``), nesting of
    brackets deeper than ``limits.max_nesting`` (400), any update operation (403), ``SERVICE``
    (403), and a text that is not a query (400). FROM graphs are returned, not judged: whether
    they are in the dataset is for :func:`check_dataset`.
    """
    if not text.strip():
        raise Refused(400, "the query is empty — send a SPARQL query in the 'query' parameter "
                           "or as an application/sparql-query body")
    if len(text) > limits.max_chars:
        raise Refused(413, f"the query is {len(text):,} characters long, more than this server "
                           f"accepts ({limits.max_chars:,}) — shorten it, e.g. move long VALUES "
                           "lists into several queries")
    depth = deepest = 0
    form = None
    prefixes: dict[str, str] = {}
    base = None
    from_graphs: list[str] = []
    from_named: list[str] = []
    tokens = list(_tokens(text))
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_nesting:
                    raise Refused(400, f"the query nests brackets more than {limits.max_nesting} "
                                       "deep — flatten it (fewer nested groups or sub-expressions)")
        elif kind == "close":
            depth -= 1
        elif kind in ("word", "pname") and value.upper().startswith("SERVICE"):
            raise Refused(403, _SERVICE_REFUSED)
        elif kind == "pname" and depth == 0 and form is not None and value.upper().startswith("FROM"):
            _glued_from(value, tokens[i + 1:i + 3], prefixes, base, from_graphs, from_named)
        elif kind == "word":
            word = value.upper()
            if word.startswith("FROM") and word != "FROM" and depth == 0 and form is not None:
                _glued_from(value, tokens[i + 1:i + 3], prefixes, base, from_graphs, from_named)
            if form is None and word in UPDATE_KEYWORDS:
                raise Refused(403, f"updates ({word} …) are refused: this endpoint is read-only — "
                                   "send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
            if form is None and word in FORMS:
                form = word
            elif form is None and word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
                name = tokens[i + 1][1]
                prefixes[name[:-1] if name.endswith(":") else name] = _iri(tokens[i + 2][1], base)
            elif form is None and word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
                base = _iri(tokens[i + 1][1], base)
            elif word == "FROM" and depth == 0:
                named = i + 1 < len(tokens) and tokens[i + 1][0] == "word" and tokens[i + 1][1].upper() == "NAMED"
                at = i + 2 if named else i + 1
                target = tokens[at] if at < len(tokens) else ("other", "")
                (from_named if named else from_graphs).append(_resolve(target, prefixes, base))
        i += 1
    if form is None:
        raise Refused(400, "the text is not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE) "
                           "— send a query; this endpoint is read-only")
    if "<" in text and _service_call(list(_tokens(text, less_than=True))):
        raise Refused(403, _SERVICE_REFUSED)
    return Inspection(form, from_graphs, from_named)


def _glued_from(value: str, following, prefixes, base, from_graphs: list[str], from_named: list[str]) -> None:
    """A FROM written without a space before its graph (``FROMex:g``, ``FROMNAMED<g>``), which
    pyoxigraph reads as FROM: add the graph it names. A text that resolves to no graph is left
    alone (pyoxigraph cannot read it as FROM either)."""
    rest = list(_tokens(value[4:])) + list(following)
    named = bool(rest) and rest[0][0] in ("word", "pname") and rest[0][1].upper().startswith("NAMED")
    if named:
        rest = list(_tokens(rest[0][1][5:])) + rest[1:]
    if not rest:
        return
    try:
        graph = _resolve(rest[0], prefixes, base)
    except Refused:
        return
    (from_named if named else from_graphs).append(graph)


def _unescape(iri: str) -> str:
    return re.sub(_UCHAR, lambda m: chr(int(m.group(0)[2:], 16)), iri)


def _iri(token: str, base: str | None) -> str:
    iri = _unescape(token[1:-1])
    return urljoin(base, iri) if base else iri


def _resolve(token: tuple[str, str], prefixes: dict[str, str], base: str | None) -> str:
    kind, value = token
    if kind == "iri":
        return _iri(value, base)
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    raise Refused(400, f"FROM must name a graph by its IRI, not {value!r} — write FROM <graph IRI> "
                       "or a prefixed name whose PREFIX is declared")


def check_dataset(graphs: list[str], known: set[str], *, what: str) -> None:
    """Refuse (403) any of ``graphs`` that is not a named graph of the store: nothing is ever
    fetched because a query or a request named it."""
    for graph in graphs:
        if graph not in known:
            raise Refused(403, f"{what} <{graph}> is not a graph of this dataset, and this server "
                               "never fetches data from elsewhere — name one of the graphs listed "
                               "in the service description (GET /sparql), or leave it out to query "
                               "the whole dataset")
