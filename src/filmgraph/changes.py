"""``filmgraph diff OLD NEW``: what changed between two releases, per entity and as RDF to apply.

:func:`diff` compares the ``full/filmgraph.nq`` of two release (or export) folders quad by quad:
a quad is *added* when NEW has it and OLD does not, *removed* the other way round, per named
graph. Releases are skolemised (no blank nodes), so equal data gives equal quads and the diff of
a release with itself is empty; a changed quad with a blank node is refused, since its label
would not mean the same node in both files.

The result, a :class:`Diff`, reads two ways:

- **in plain language**, one line per entity (the subject of the changed triples), named by its
  labels from either side: ``阿拉木图 · Almaty: + rdfs:label "Алматы"@ru [fgsrc:reference]; …``
  (``+`` added, ``−`` removed, the named graph in brackets; ``[fggraph:entailed]`` lines are
  what the schema.org view derived from the edit);
- **as RDF a partner applies** (:meth:`Diff.write`): ``removed.trig`` and ``added.trig`` hold the
  removed and the added triples in their named graphs (TriG, so the graph is kept; ``added.trig``
  loads as it is), and ``changes.ru`` is the one SPARQL 1.1 Update that turns a store holding OLD
  into one holding NEW: ``DELETE DATA { GRAPH <g> { … } } ; INSERT DATA { GRAPH <g> { … } }``.
  ``summary.txt`` has the plain-language lines.

Memory: each file is read three times as a stream; what is kept is a 16-byte digest per quad of
one side, the changed quads and the labels — never both files as RDF.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from .atomic import replace_dir
from .errors import UsageError, display_path
from .namespaces import OWL, RDFS, SCHEMA, shorten

RELEASE_FILE = "full/filmgraph.nq"
LANGUAGES = ("zh", "en")
_LABELS = (RDFS + "label", SCHEMA + "name")
PLUS, MINUS = "+", "−"


def _release_file(folder: Path, which: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{which} {display_path(folder)}: no such folder — give the folder of a filmgraph "
                         f"release or export (one that holds {RELEASE_FILE})")
    path = folder / RELEASE_FILE
    if not path.is_file():
        raise UsageError(f"{which} {display_path(folder)} is not a filmgraph release or export: it has no "
                         f"{RELEASE_FILE} — give a folder written by `filmgraph release` or "
                         "`filmgraph export --profile full`")
    return path


def _quads(path: Path) -> Iterator[ox.Quad]:
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError, OSError) as e:
        raise UsageError(f"{display_path(path)}: cannot be read as N-Quads ({str(e).splitlines()[0]}) — the "
                         "release is damaged; check it with `sha256sum -c SHA256SUMS` in its folder") from None


def _key(quad: ox.Quad) -> bytes:
    return hashlib.blake2b(str(quad).encode(), digest_size=16).digest()


def _version(folder: Path) -> str | None:
    """The ``owl:versionInfo`` of the folder's description, when it has one."""
    path = folder / "description.ttl"
    if not path.is_file():
        return None
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            if triple.predicate.value == OWL + "versionInfo" and triple.subject.value.endswith("#dataset"):
                return triple.object.value
    except (SyntaxError, ValueError, OSError):
        return None
    return None


def _graph_order(graph: str) -> tuple[bool, str]:
    """Asserted graphs first, the entailed (derived) graph last."""
    return graph.endswith("/graph/entailed"), graph


def _graph_name(quad: ox.Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""


@dataclass
class EntityChange:
    """The changes of one entity: ``(sign, predicate, object, graph)``, ``sign`` + or −."""

    iri: str
    name: str
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def line(self) -> str:
        """``name: + p o [graph]; − p o [graph]``."""
        return f"{self.name}: " + "; ".join(f"{sign} {p} {o} [{g}]" for sign, p, o, g in self.changes)


@dataclass
class Diff:
    """The change from release ``old`` to release ``new``: ``added`` and ``removed`` triples per
    named graph IRI (``""`` for the default graph), and labels of the IRIs involved."""

    old: Path
    new: Path
    added: dict[str, list[ox.Triple]]
    removed: dict[str, list[ox.Triple]]
    labels: dict[str, dict[str, str]]
    lang: str = "zh"
    old_version: str | None = None
    new_version: str | None = None

    @property
    def empty(self) -> bool:
        return not any(self.added.values()) and not any(self.removed.values())

    @property
    def added_count(self) -> int:
        return sum(len(t) for t in self.added.values())

    @property
    def removed_count(self) -> int:
        return sum(len(t) for t in self.removed.values())

    def label(self, iri: str) -> str | None:
        """The label of ``iri`` in the diff's language first, then the other of zh/en, then any."""
        found = self.labels.get(iri)
        if not found:
            return None
        for lang in (self.lang, *LANGUAGES):
            if lang in found:
                return found[lang]
        return found[sorted(found)[0]]

    def name(self, iri: str) -> str:
        """``阿拉木图 · Almaty`` (the diff's language first), else the IRI shortened."""
        found = self.labels.get(iri, {})
        order = [self.lang] + [lang for lang in LANGUAGES if lang != self.lang]
        names = list(dict.fromkeys(found[lang] for lang in order if lang in found))
        if not names and found:
            names = [found[sorted(found)[0]]]
        return " · ".join(names) if names else shorten(iri)

    def _term(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            label = self.label(term.value)
            return f"{label} ({shorten(term.value)})" if label else shorten(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return f'"{term.value}"@{term.language}'
            if term.datatype.value.endswith("#string"):
                return f'"{term.value}"'
            return f'"{term.value}"^^{shorten(term.datatype.value)}'
        return str(term)

    def entities(self) -> list[EntityChange]:
        """One entry per changed subject, sorted by name; removals before additions."""
        by_subject: dict[str, EntityChange] = {}
        for sign, side in ((MINUS, self.removed), (PLUS, self.added)):
            for graph in sorted(side, key=_graph_order):
                for t in sorted(side[graph], key=str):
                    entry = by_subject.setdefault(t.subject.value, EntityChange(t.subject.value, self.name(t.subject.value)))
                    entry.changes.append((sign, shorten(t.predicate.value), self._term(t.object),
                                          shorten(graph) if graph else "default graph"))
        return sorted(by_subject.values(), key=lambda e: (e.name, e.iri))

    def summary(self) -> list[str]:
        """The plain-language lines, one per entity."""
        return [e.line() for e in self.entities()]

    def text(self) -> str:
        """A report for a person: the two releases, counts per graph, then one line per entity."""
        old = f"{display_path(self.old)}" + (f" ({self.old_version})" if self.old_version else "")
        new = f"{display_path(self.new)}" + (f" ({self.new_version})" if self.new_version else "")
        if self.empty:
            return f"{old} → {new}: no change"
        lines = [f"{old} → {new}: {self.added_count:,} triple(s) added, {self.removed_count:,} removed"]
        for graph in sorted(set(self.added) | set(self.removed)):
            lines.append(f"  {shorten(graph) if graph else 'default graph'}: "
                         f"+{len(self.added.get(graph, [])):,} {MINUS}{len(self.removed.get(graph, [])):,}")
        lines.extend(self.summary())
        return "\n".join(lines)

    def update(self) -> str:
        """The SPARQL 1.1 Update that turns a store holding OLD into one holding NEW."""
        def block(verb: str, side: dict[str, list[ox.Triple]]) -> str:
            parts = []
            for graph in sorted(g for g in side if side[g]):
                body = ox.serialize(sorted(side[graph], key=str), format=ox.RdfFormat.N_TRIPLES).decode()
                body = "".join("    " + line for line in body.splitlines(keepends=True))
                parts.append(f"  GRAPH <{graph}> {{\n{body}  }}" if graph else body)
            return f"{verb} {{\n" + "\n".join(parts) + "\n}"

        head = (f"# filmgraph changes: {self.removed_count:,} triple(s) removed, {self.added_count:,} added.\n"
                f"# from {self.old_version or self.old.name} to {self.new_version or self.new.name}; "
                "apply to a store that holds the first.\n")
        steps = []
        if self.removed_count:
            steps.append(block("DELETE DATA", self.removed))
        if self.added_count:
            steps.append(block("INSERT DATA", self.added))
        return head + " ;\n".join(steps) + "\n"

    def _trig(self, side: dict[str, list[ox.Triple]]) -> bytes:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g) if g else ox.DefaultGraph())
                 for g in sorted(side) for t in sorted(side[g], key=str)]
        from .namespaces import PREFIXES

        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``removed.trig``, ``added.trig``, ``changes.ru`` and ``summary.txt`` into
        ``folder``, replacing it as a whole (a folder that holds other files and no
        ``changes.ru`` is refused). Returns the paths. Raises :class:`OutputError` when it cannot
        be written."""
        names = ("removed.trig", "added.trig", "changes.ru", "summary.txt")
        with replace_dir(folder, marker="changes.ru") as tmp:
            (tmp / "removed.trig").write_bytes(self._trig(self.removed))
            (tmp / "added.trig").write_bytes(self._trig(self.added))
            (tmp / "changes.ru").write_text(self.update(), encoding="utf-8")
            (tmp / "summary.txt").write_text(self.text() + "\n", encoding="utf-8")
        return [Path(folder) / name for name in names]


def diff(old: str | Path, new: str | Path, *, lang: str = "zh") -> Diff:
    """The change from release folder ``old`` to release folder ``new`` (see the module
    docstring). ``lang`` (zh or en) is the language names are given in first.

    Raises :class:`UsageError` (one line) when a folder is missing, is not a release, holds a
    damaged ``full/filmgraph.nq``, or a changed quad has a blank node.
    """
    if lang not in LANGUAGES:
        raise UsageError(f"language {lang!r} is not offered — use zh or en")
    old, new = Path(old), Path(new)
    old_file, new_file = _release_file(old, "OLD"), _release_file(new, "NEW")
    labels: dict[str, dict[str, str]] = {}

    def note(quad: ox.Quad, rank: dict[tuple[str, str], int]) -> None:
        # rdfs:label wins over schema:name; among equals, the first seen
        if quad.predicate.value in _LABELS and isinstance(quad.object, ox.Literal) and isinstance(quad.subject, ox.NamedNode):
            lang_ = quad.object.language or ""
            key = (quad.subject.value, lang_)
            order = _LABELS.index(quad.predicate.value)
            if order < rank.get(key, len(_LABELS)):
                rank[key] = order
                labels.setdefault(quad.subject.value, {})[lang_] = quad.object.value

    old_rank: dict[tuple[str, str], int] = {}
    old_keys = set()
    for quad in _quads(old_file):
        old_keys.add(_key(quad))
        note(quad, old_rank)
    # labels from NEW replace those from OLD
    new_rank: dict[tuple[str, str], int] = {}
    new_keys = set()
    added: dict[str, list[ox.Triple]] = {}
    for quad in _quads(new_file):
        key = _key(quad)
        new_keys.add(key)
        note(quad, new_rank)
        if key not in old_keys:
            added.setdefault(_graph_name(quad), []).append(quad.triple)
    del old_keys
    removed: dict[str, list[ox.Triple]] = {}
    for quad in _quads(old_file):
        if _key(quad) not in new_keys:
            removed.setdefault(_graph_name(quad), []).append(quad.triple)
    for side, file in ((added, new_file), (removed, old_file)):
        for triples in side.values():
            for t in triples:
                if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                    raise UsageError(f"{display_path(file)} has blank nodes ({t}) — a diff needs skolemised "
                                     "releases; make both with `filmgraph release`")
    return Diff(old, new, added, removed, labels, lang, _version(old), _version(new))
