"""Strict parsing of RDF files into quads, with places (file, line, column) for what is found.

pyoxigraph's parsers are standards-conformant: they refuse every invalid document of the W3C
Turtle and TriG suites and say where. A refusal becomes a :class:`~filmgraph.errors.Problem`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from .errors import Problem, display_path
from .namespaces import DATA_PATHS
from .settings import DEFAULT_BASE_IRI

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}

_PARSER_PLACE = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)
_FIXES = (
    ("has not been declared", "declare the prefix with @prefix before its first use"),
    ("escape sequence", "use a valid \\u or \\U escape (no lone surrogates)"),
    ("IRI", "write a valid absolute or relative IRI between < and >; percent-encode spaces and reserved characters"),
    ("prefix", "write prefix declarations as '@prefix ex: <http://…> .' or 'PREFIX ex: <http://…>'"),
    ("end of file", "close every open [, (, {, string and statement (a statement ends with '.')"),
)


@dataclass
class ParsedFile:
    """One file read and parsed: its quads, its declared prefixes and its text (for locating)."""

    path: Path
    quads: list = field(default_factory=list)
    prefixes: dict = field(default_factory=dict)
    text: str = ""

    @cached_property
    def name(self) -> str:
        """The path as problems show it (computed once: checks ask for it per quad)."""
        return display_path(self.path)


def _syntax_problem(path: Path, error: SyntaxError, text: str) -> Problem:
    message = _PARSER_PLACE.sub("", str(error.msg or error)).strip()
    fix = next((f for key, f in _FIXES if key in message), "correct the syntax at this place")
    line = error.lineno or max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return Problem(display_path(path), line, error.offset or 1, f"syntax error: {message}", fix)


def _decode(path: Path, data: bytes) -> tuple[str, Problem | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return "", Problem(display_path(path), line, col, "the file is not UTF-8 text",
                           "save it as UTF-8 (RDF text formats must be UTF-8)")


def _relabel_blank_nodes(quads: list, salt: str) -> list:
    """Blank nodes renamed ``{salt}n{k}`` in order of first appearance: stable between runs (so
    builds are reproducible) and distinct between files with different content."""
    names: dict[str, ox.BlankNode] = {}

    def fix(term):
        if isinstance(term, ox.BlankNode):
            if term.value not in names:
                names[term.value] = ox.BlankNode(f"{salt}n{len(names)}")
            return names[term.value]
        return term

    if not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
               or isinstance(q.graph_name, ox.BlankNode) for q in quads):
        return quads
    return [ox.Quad(fix(q.subject), q.predicate, fix(q.object), fix(q.graph_name)) for q in quads]


def parse_file(path: str | Path, *, base_iri: str | None = None) -> tuple[ParsedFile, list[Problem]]:
    """Parse ``path`` (format from its suffix: .ttl .trig .nt .nq).

    Relative IRIs resolve against ``base_iri``, by default the file's own ``file:`` URI.
    Returns the parsed file and its problems: a file with a syntax error yields no quads and one
    problem at the error's line and column. Never raises for bad content; OSError is reported
    as a problem too.
    """
    path = Path(path)
    parsed = ParsedFile(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return parsed, [Problem(parsed.name, 0, 0, f"unknown RDF file type {path.suffix!r}",
                                "use .ttl, .trig, .nt or .nq")]
    try:
        data = path.read_bytes()
    except OSError as e:
        return parsed, [Problem(parsed.name, 0, 0, f"cannot read the file: {e.strerror}",
                                "check that it exists and is readable")]
    parsed.text, problem = _decode(path, data)
    if problem:
        return parsed, [problem]
    try:
        parser = ox.parse(data, fmt, base_iri=base_iri or path.resolve().as_uri())
        parsed.quads = _relabel_blank_nodes(list(parser), hashlib.sha256(data).hexdigest()[:12])
        parsed.prefixes = dict(parser.prefixes)
    except SyntaxError as e:
        parsed.quads = []
        return parsed, [_syntax_problem(path, e, parsed.text)]
    return parsed, []


def rebase(quads: list, base_iri: str) -> list:
    """``quads`` with every IRI under the default base's data paths moved under ``base_iri``.

    Ontology terms keep their IRIs: the vocabulary is filmgraph's, whoever publishes the data.
    """
    if base_iri == DEFAULT_BASE_IRI:
        return quads
    olds = tuple(DEFAULT_BASE_IRI + p for p in DATA_PATHS)

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(olds):
            return ox.NamedNode(base_iri + term.value[len(DEFAULT_BASE_IRI):])
        return term

    return [ox.Quad(move(q.subject), move(q.predicate), move(q.object), move(q.graph_name)) for q in quads]


_LOCAL_ESCAPE = re.compile(r"[~!$&'()*+,;=/?#@%]")  # characters a prefixed name writes as \\x
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_STATEMENT_END = re.compile(r"(?:^|[\s\]\)])[.{}]\s*(?:#.*)?$")


class Locator:
    """Finds where a term is written: the line where a subject's block starts, or where one of
    its predicates is written inside that block. Used to point shape results at a place."""

    def __init__(self, files: list[ParsedFile]):
        self._blocks: dict[str, list[tuple[str, int, int, int]]] = {}
        self._files = {f.name: f for f in files}
        self._lines = {f.name: f.text.splitlines() for f in files}
        for f in files:
            self._index(f)

    def _forms(self, iri: str, prefixes: dict) -> list[str]:
        forms = [f"<{iri}>"]
        for prefix, ns in prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                forms.append(f"{prefix}:{local}")
                escaped = _LOCAL_ESCAPE.sub(r"\\\g<0>", local)
                if escaped != local:
                    forms.append(f"{prefix}:{escaped}")
        return forms

    def _index(self, f: ParsedFile) -> None:
        subjects = {q.subject.value for q in f.quads if isinstance(q.subject, ox.NamedNode)}
        subjects |= {q.graph_name.value for q in f.quads if isinstance(q.graph_name, ox.NamedNode)}
        by_form = {form: iri for iri in subjects for form in self._forms(iri, f.prefixes)}
        lines = self._lines[f.name]
        at_start = True
        starts: list[tuple[str, int, int]] = []
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if at_start:
                token = stripped.split(None, 1)[0]
                if token.upper() == "GRAPH":
                    token = stripped.split(None, 2)[1] if len(stripped.split()) > 1 else token
                iri = by_form.get(token.rstrip(";{"))
                if iri:
                    starts.append((iri, number, line.index(token) + 1))
            at_start = bool(_STATEMENT_END.search(stripped)) or stripped.endswith("{")
        for i, (iri, number, col) in enumerate(starts):
            end = starts[i + 1][1] - 1 if i + 1 < len(starts) else len(lines)
            self._blocks.setdefault(iri, []).append((f.name, number, col, end))

    def _find(self, name: str, start: int, end: int, forms: list[str]) -> tuple[int, int] | None:
        lines = self._lines[name]
        for number in range(start, min(end, len(lines)) + 1):
            for form in forms:
                m = re.search(r"(?:^|(?<=[\s;\[(,]))" + re.escape(form) + r"(?=[\s;,\])]|$)", lines[number - 1])
                if m:
                    return number, m.start() + 1
        return None

    def locate(self, iri: str, predicate: str | None = None, value: str | None = None,
               file: str | None = None) -> tuple[str, int, int]:
        """(file, line, column) where ``iri`` is described: where it is said to have ``value``
        (an IRI), else where ``predicate`` is written in its block, else where its block starts.

        Returns (file or "", 0, 0) when ``iri`` is not the subject of any block.
        """
        blocks = self._blocks.get(iri, [])
        if file:
            blocks = [b for b in blocks if b[0] == file] or blocks
        if not blocks:
            return (file or "", 0, 0)
        for wanted in (value, predicate):
            if not wanted:
                continue
            for name, start, _, end in blocks:
                forms = self._forms(wanted, self._files[name].prefixes)
                if wanted == RDF_TYPE:
                    forms.append("a")
                hit = self._find(name, start, end, forms)
                if hit:
                    return (name, *hit)
        name, start, col, _ = blocks[0]
        return (name, start, col)
