"""``filmgraph check``: syntax, shapes and integrity of a knowledge base, each problem located.

Order: every file is parsed strictly (a syntax error stops the check there, since later checks
would only echo it); then integrity checks run as SPARQL and set operations in the embedded store
(terms unknown to the ontology, untyped entities, dangling references, facts outside a named
graph, quotes not found verbatim in their source text); then the SHACL shapes of
``ontology/shapes.ttl``, compiled to SPARQL by :mod:`filmgraph.shacl` and run in the same store.
Results are mapped back to ``FILE:LINE:COL``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from .errors import Problem, display_path
from .loading import RDF_TYPE, Locator, ParsedFile, parse_file
from .namespaces import FG, SH, graph_iri, shorten
from .project import Project, expand_paths
from .settings import DEFAULT_BASE_IRI, Settings
from .shacl import ShapesError, compile_shapes
from .store import EmbeddedStore

Progress = Callable[[str], None]


@dataclass
class CheckReport:
    """What ``check`` found. ``ok`` is true when no problem is an error."""

    project: Project
    files: list[ParsedFile]
    problems: list[Problem] = field(default_factory=list)
    store: EmbeddedStore | None = None
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def triples(self) -> int:
        return sum(len(f.quads) for f in self.files if f.name in self.checked)

    def summary(self) -> str:
        errors = sum(p.severity == "error" for p in self.problems)
        state = "ok" if self.ok else "failed"
        return (f"check {state}: {len(self.checked)} file(s), {self.triples:,} triples, "
                f"{errors} error(s), {len(self.problems) - errors} warning(s)")


def dataset_quads(parsed: ParsedFile, project: Project) -> tuple[list, list[Problem]]:
    """The quads of ``parsed`` placed in their named graphs.

    The ontology file goes to the ontology graph. A curated file under ``graph/`` must put every
    fact in a named graph (a source's graph): default-graph triples there are a problem. Any other
    file's default-graph triples are kept in a graph named by the file's URI.
    """
    if parsed.path.resolve() == project.ontology_file.resolve():
        target = ox.NamedNode(graph_iri("ontology"))
    else:
        target = ox.NamedNode(parsed.path.resolve().as_uri())
    curated = project.graph_dir.resolve() in parsed.path.resolve().parents
    quads, problems, reported = [], [], False
    for q in parsed.quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            if curated and not reported:
                reported = True
                problems.append(Problem(parsed.name, 0, 0, "facts outside a named graph",
                                        "put every curated fact inside GRAPH fgsrc:<source-id> { … } "
                                        "so that it points back to its source"))
            q = ox.Quad(q.subject, q.predicate, q.object, target)
        quads.append(q)
    return quads, problems


def check(paths: list[str | Path] | None = None, *, settings: Settings = Settings(),
          base_iri: str | None = None, progress: Progress | None = None) -> CheckReport:
    """Check ``paths`` (files or folders; default: the whole knowledge base).

    Named files are checked in the context of the project's other files (so references into the
    knowledge base resolve), and only problems in the named files are reported. ``base_iri``
    resolves relative IRIs (default: each file's own location). Never raises for bad content.
    """
    say = progress or (lambda _msg: None)
    project = Project.locate(settings.project)
    targets = expand_paths(paths) if paths else project.source_files()
    target_set = {p.resolve() for p in targets}
    context = [p for p in project.source_files() if p.resolve() not in target_set]
    say(f"parsing {len(targets)} file(s)")
    files, problems = [], []
    for path in targets:
        parsed, found = parse_file(path, base_iri=base_iri)
        files.append(parsed)
        problems += found
    report = CheckReport(project, files, checked=[display_path(p) for p in targets])
    if problems:
        report.problems = problems
        return report
    files += [parse_file(path)[0] for path in context]

    store = EmbeddedStore()
    for parsed in files:
        quads, found = dataset_quads(parsed, project)
        store.add(quads)
        problems += [p for p in found if p.file in report.checked]
    report.store = store
    locator = Locator(files)
    say("checking integrity")
    problems += _integrity(store, files, locator, project)
    if project.shapes_file.exists():
        say("checking shapes")
        problems += _shapes(store, project, locator)
    shapes_name = display_path(project.shapes_file)  # a broken shapes file concerns every check
    report.problems = sorted(p for p in problems if p.file in report.checked or p.file == shapes_name or not p.file)
    return report


# -- integrity ---------------------------------------------------------------------------------

_ONTOLOGY_TERMS = """PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?t ?kind WHERE { GRAPH <%(ont)s> {
  { ?t a ?kind } UNION { ?x rdfs:subClassOf ?t BIND(owl:Class AS ?kind) } } }"""

# the typed subjects are computed once and subtracted (a NOT EXISTS per triple took 40 s at 100k)
_UNTYPED = """SELECT ?s ?g WHERE {
  { SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o }
    FILTER(?g != <%(ont)s> && isIRI(?s) && (STRSTARTS(STR(?s), "%(base)sid/") || STRSTARTS(STR(?s), "%(base)ssource/"))) } }
  MINUS { SELECT DISTINCT ?s WHERE { GRAPH ?h { ?s a ?c }
    { SELECT DISTINCT ?c WHERE { GRAPH <%(ont)s> { { ?c a ?k } UNION { ?x ?sub ?c } } } } } }
}"""

_DANGLING = """SELECT DISTINCT ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?o) && (STRSTARTS(STR(?o), "%(base)sid/") || STRSTARTS(STR(?o), "%(base)ssource/")))
  FILTER NOT EXISTS { GRAPH ?h { ?o ?q ?v } }
}"""

_QUOTES = """PREFIX fg: <%(fg)s>
SELECT ?src ?file ?s ?p ?quote WHERE {
  GRAPH ?src { ?src fg:textFile ?file . ?s ?p ?quote VALUES ?p { fg:evidence fg:quote } }
}"""

def _graph_files(files: list[ParsedFile]) -> dict[str, str]:
    """Each named graph's IRI → the name of the first file that writes into it."""
    found: dict[str, str] = {}
    for f in files:
        for q in f.quads:
            if isinstance(q.graph_name, ox.NamedNode):
                found.setdefault(q.graph_name.value, f.name)
    return found


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {shorten(close[0])}?)" if close else ""


def _integrity(store: EmbeddedStore, files: list[ParsedFile], locator: Locator,
               project: Project) -> list[Problem]:
    ont = graph_iri("ontology")
    names = {"ont": ont, "base": DEFAULT_BASE_IRI, "fg": FG}
    graph_files = _graph_files(files)
    declared: dict[str, str] = {}
    for row in store.select(_ONTOLOGY_TERMS % names):
        declared.setdefault(row["t"].value, row["kind"].value)
    fg_terms = sorted(t for t in declared if t.startswith(FG))
    problems: list[Problem] = []

    seen: set[tuple] = set()
    for f in files:
        for q in f.quads:
            for position, term in (("predicate", q.predicate), ("object", q.object), ("subject", q.subject)):
                if not (isinstance(term, ox.NamedNode) and term.value.startswith(FG)) or term.value in declared:
                    continue
                key = (f.name, q.subject.value, term.value)
                if key in seen:
                    continue
                seen.add(key)
                kind = ("class" if q.predicate.value == RDF_TYPE and position == "object"
                        else "property" if position == "predicate" else "term")
                file, line, col = locator.locate(q.subject.value, q.predicate.value,
                                                 term.value if position == "object" else None, file=f.name)
                problems.append(Problem(
                    file or f.name, line, col, f"unknown {kind} {shorten(term.value)}",
                    f"use a {kind} defined in ontology/filmgraph.ttl{_suggest(term.value, fg_terms)}, "
                    "or define it there first"))

    for row in store.select(_UNTYPED % names):
        iri = row["s"].value
        file, line, col = locator.locate(iri, file=graph_files.get(row["g"].value))
        problems.append(Problem(file, line, col, f"{shorten(iri)} has no type from the ontology",
                                "add 'a fg:<Class>' with a class from ontology/filmgraph.ttl"))

    subjects = sorted({q.subject.value for f in files for q in f.quads if isinstance(q.subject, ox.NamedNode)})
    for row in store.select(_DANGLING % names):
        s, p, o = row["s"], row["p"].value, row["o"].value
        subject = s.value if isinstance(s, ox.NamedNode) else None
        file, line, col = (locator.locate(subject, p, o, file=graph_files.get(row["g"].value))
                           if subject else (graph_files.get(row["g"].value, ""), 0, 0))
        problems.append(Problem(file, line, col, f"dangling reference: {shorten(o)} is described nowhere",
                                f"describe it (with a type and labels) or correct the IRI{_suggest(o, subjects)}"))

    problems += _quotes(store, graph_files, locator, project)
    return problems


def _quotes(store: EmbeddedStore, graph_files: dict[str, str], locator: Locator, project: Project) -> list[Problem]:
    problems: list[Problem] = []
    texts: dict[str, str | None] = {}
    for row in store.select(_QUOTES % {"fg": FG}):
        source, rel = row["src"].value, row["file"].value
        file = graph_files.get(source)
        if rel not in texts:
            path = project.graph_dir / rel
            try:
                texts[rel] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                texts[rel] = None
                f, line, col = locator.locate(source, FG + "textFile", file=file)
                problems.append(Problem(f, line, col, f"the source text {rel!r} cannot be read",
                                        "keep the source's text as UTF-8 under graph/ and give its path "
                                        "relative to graph/ in fg:textFile"))
        text = texts[rel]
        quote = row["quote"].value
        if text is not None and quote not in text:
            s = row["s"]
            subject = s.value if isinstance(s, ox.NamedNode) else source
            f, line, col = locator.locate(subject, row["p"].value, file=file)
            problems.append(Problem(f, line, col,
                                    f"quote not found verbatim in {rel}: “{quote[:40]}{'…' if len(quote) > 40 else ''}”",
                                    "copy the sentence character for character from the source text"))
    return problems


# -- shapes ------------------------------------------------------------------------------------

_SEVERITIES = {SH + "Violation": "error", SH + "Warning": "warning"}


def _shapes(store: EmbeddedStore, project: Project, locator: Locator) -> list[Problem]:
    """The SHACL shapes compiled to SPARQL (:mod:`filmgraph.shacl`) and run in the store, over the
    union of every graph (ontology included, so class hierarchies count; no inference). A shapes
    file the engine cannot compile is itself the problem, located at the statement at fault."""
    shapes_file, problems = parse_file(project.shapes_file)
    if problems:
        return problems
    try:
        compiled = compile_shapes(shapes_file.quads, prefixes=shapes_file.prefixes)
    except ShapesError as e:
        where = Locator([shapes_file])
        node = e.node.value if isinstance(e.node, ox.NamedNode) else None
        file, line, col = where.locate(node, e.predicate) if node else (shapes_file.name, 0, 0)
        what, _, fix = str(e).partition(" — ")
        return [Problem(file or shapes_file.name, line, col, what, fix)]
    out: list[Problem] = []
    for result in compiled.validate(store):
        focus, path, value = result.focus, result.path, result.value
        predicate = path.value if isinstance(path, ox.NamedNode) else None
        seen = set()
        while isinstance(focus, ox.BlankNode) and focus not in seen:  # up to the named node that holds it
            seen.add(focus)
            parent = next(iter(store.ox.quads_for_pattern(None, None, focus)), None)
            if parent is None:
                break
            focus, predicate = parent.subject, parent.predicate.value
        what, _, fix = result.message.partition(" — ")
        file, line, col = locator.locate(focus.value, predicate,
                                         value.value if isinstance(value, ox.NamedNode) else None)
        if isinstance(value, ox.NamedNode):
            what += f" (value {shorten(value.value)})"
        out.append(Problem(file, line, col, f"{shorten(focus.value)}: {what}", fix,
                           _SEVERITIES.get(result.severity, "info")))
    return out
