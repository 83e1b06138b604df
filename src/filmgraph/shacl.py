"""SHACL shapes compiled to SPARQL and run inside the store.

pySHACL validates by walking an rdflib copy of the data node by node, which takes minutes at a
million triples. This module reads a shapes graph *as data* and compiles every constraint of
every shape into one SPARQL SELECT query; pyoxigraph runs the queries over its own indexes, with
the default graph as the union of all graphs (exactly the triples pySHACL is given by
``filmgraph check``: the ontology and every data graph, no inference). The rows are the
validation results pySHACL would report: focus node, result path, value, source shape,
constraint component, severity and messages. ``tests/test_shacl.py`` proves it on the curated
graph and on many mutated copies of it.

>>> shapes = compile_shapes(ox.parse(b'''
...     @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...     ex:S sh:targetClass ex:City ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
... ''', ox.RdfFormat.TURTLE))
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://example.org/x"), ox.NamedNode(RDF_TYPE),
...                   ox.NamedNode("http://example.org/City"), ox.NamedNode("http://example.org/g")))
>>> [(str(r.focus), r.component) for r in shapes.validate(store)]
[('<http://example.org/x>', 'http://www.w3.org/ns/shacl#MinCountConstraintComponent')]

Supported (SHACL Core): targets ``sh:targetClass`` (instances of the class and of its
``rdfs:subClassOf*`` subclasses in the data), ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``,
``sh:targetNode``; node and property shapes, ``sh:property`` at any depth, ``sh:path`` as an IRI,
a sequence list, ``sh:inversePath``, ``sh:alternativePath``, ``sh:zeroOrMorePath``,
``sh:oneOrMorePath``, ``sh:zeroOrOnePath``; ``sh:class`` (with subclasses), ``sh:datatype``
(ill-typed literals do not match), ``sh:nodeKind``, ``sh:minCount``, ``sh:maxCount``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``,
``sh:languageIn``, ``sh:in``, ``sh:hasValue``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``,
``sh:node``, ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount``,
``sh:lessThan``, ``sh:lessThanOrEquals``, ``sh:equals``, ``sh:disjoint``; ``sh:message``,
``sh:severity``, ``sh:deactivated``, and the annotations ``sh:name``, ``sh:description``,
``sh:order``, ``sh:group``, ``sh:defaultValue``.

Everything else is refused with :class:`UnsupportedShape`, naming the shape and the construct
(``sh:pattern``, ``sh:minLength``, ``sh:uniqueLang``, ``sh:closed``, ``sh:sparql``, SHACL-AF
rules and targets, custom constraint components, implicit class targets, recursive shapes,
``sh:qualifiedValueShapesDisjoint true``, ...), as is any ``sh:`` statement about a node that no
targeted shape reaches: a shape can never be silently ignored. A shapes graph that is not
well-formed (two ``sh:path``, a negative ``sh:minCount``, a blank node where an IRI belongs)
raises :class:`ShapesError`.

Where pySHACL departs from the SHACL specification the compiled engine follows the
specification, so the two differ on these inputs only (``tests/test_shacl.py`` pins each one):

- ``sh:datatype``: well-formedness is XSD's (pyoxigraph's parsers): rdflib accepts
  ``"1e3"^^xsd:decimal`` and ``"1_000"^^xsd:integer`` and never checks ``xsd:gYear``; XSD does
  not accept them. Whitespace around a number is refused as pyoxigraph refuses it.
- ``sh:languageIn``: a language range with a subtag (``"zh-Hans"``) matches with SPARQL's
  ``langMatches`` (so ``"…"@zh-Hans-CN`` matches), where pySHACL compares the first subtag only.
- ``sh:lessThan`` / ``sh:lessThanOrEquals``: values are compared with SPARQL's ``<`` / ``<=``, so
  two IRIs, an ill-typed literal, or a date and a gYear do not compare: a violation. pySHACL
  compares IRIs as strings and takes rdflib's ``NotImplemented`` (incomparable) for "less".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox

from .errors import FilmgraphError
from .namespaces import RDF, RDFS, SH, XSD, OWL

RDF_TYPE = RDF + "type"
_FIRST, _REST, _NIL = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")
_TYPE = ox.NamedNode(RDF_TYPE)
VIOLATION = SH + "Violation"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class ShapesError(FilmgraphError):
    """The shapes graph cannot be compiled. ``shape`` names the shape (as written, or as the
    place of a blank-node shape inside a named one), ``construct`` the SHACL term at fault;
    ``node`` and ``predicate`` are the shape's nearest named node and the IRI, for locating the
    statement in the shapes file."""

    def __init__(self, message: str, *, shape: str, construct: str, node: Term | None = None,
                 predicate: str | None = None):
        self.shape, self.construct, self.node, self.predicate = shape, construct, node, predicate
        super().__init__(message)


class UnsupportedShape(ShapesError):
    """The shapes graph uses a construct the compiled engine does not implement; it refuses the
    whole graph rather than leave one constraint unchecked."""


@dataclass(frozen=True)
class ShapeResult:
    """One validation result, as in a SHACL validation report. ``path`` is the source shape's
    ``sh:path`` (``None`` for a node shape), ``value`` is ``None`` for constraints about the
    focus node as a whole (counts, ``sh:hasValue``); ``severity`` and ``component`` are IRIs;
    ``messages`` are the source shape's ``sh:message`` literals (possibly none)."""

    focus: Term
    path: Term | None
    value: Term | None
    source_shape: Term
    component: str
    severity: str
    messages: tuple[ox.Literal, ...] = ()

    @property
    def message(self) -> str:
        """The shape's message (untagged or English first), else a description of the failure."""
        if self.messages:
            best = sorted(self.messages, key=lambda m: (m.language not in (None, "en"), m.language or "", m.value))
            return best[0].value
        what = self.component[len(SH):].replace("ConstraintComponent", "")
        return f"does not conform to its shape (sh:{what[0].lower()}{what[1:]})"


@dataclass(frozen=True)
class Check:
    """One compiled constraint: the SPARQL query that finds its violations and what each row
    means. ``reports_value`` says whether rows bind ``?v`` (the value node)."""

    source_shape: Term
    shape_label: str
    component: str
    path: Term | None
    severity: str
    messages: tuple[ox.Literal, ...]
    query: str
    reports_value: bool


# -- reading the shapes graph ------------------------------------------------------------------

_ANNOTATIONS = {"name", "description", "order", "group", "defaultValue"}
_TARGETS = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
_PATHS = ("inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")
_KNOWN_UNSUPPORTED = {
    "pattern": "regular expressions", "flags": "regular expressions",
    "minLength": "string length constraints", "maxLength": "string length constraints",
    "uniqueLang": "sh:uniqueLang", "closed": "closed shapes", "ignoredProperties": "closed shapes",
    "sparql": "SPARQL-based constraints", "select": "SPARQL-based constraints",
    "ask": "SPARQL-based constraints", "target": "SHACL-AF custom targets", "rule": "SHACL-AF rules",
    "parameter": "custom constraint components", "validator": "custom constraint components",
    "qualifiedValueShapesDisjoint": "disjoint qualified value shapes",
}
_NODE_KINDS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
#: datatypes whose lexical forms pyoxigraph can check by casting (XSD's rules)
_CASTABLE = {XSD + t for t in ("boolean", "integer", "decimal", "float", "double", "date", "time", "dateTime",
                               "duration", "dayTimeDuration", "yearMonthDuration", "gYear", "gYearMonth",
                               "gMonth", "gDay", "gMonthDay")}
#: the integer datatypes derived from xsd:integer, as bounds on the integer value
_INTEGER_RANGES = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None), "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1),
    "short": (-2**15, 2**15 - 1), "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}
#: counts in nested shapes are tested as joins of pairwise-distinct values: this many is too many
_NESTED_COUNT_LIMIT = 5


@dataclass
class _Constraint:
    kind: str  # the SHACL parameter: "class", "minCount", "or", ...
    value: object  # the parameter: a term, an int, a list of terms or of shapes, a shape
    extra: object = None  # the count of a qualified constraint (its value is the shape)


@dataclass
class _Shape:
    node: Term
    label: str
    anchor: Term | None  # nearest named shape, for locating errors
    path: Term | None = None
    sparql_path: str | None = None
    severity: str = VIOLATION
    messages: tuple = ()
    deactivated: bool = False
    targets: list = field(default_factory=list)  # (kind, term)
    constraints: list = field(default_factory=list)
    properties: list = field(default_factory=list)


class _Reader:
    """The shapes graph, read statement by statement, remembering which ``sh:`` statements were
    understood so that the rest can be refused."""

    def __init__(self, triples: Iterable, prefixes: dict | None):
        self.store = ox.Store()
        self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        self.prefixes = {"sh": SH, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, **(prefixes or {})}
        self.used: set[tuple] = set()
        self.shapes: dict = {}
        self.stack: list = []

    def name(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode):
            best = max((p for p, ns in self.prefixes.items() if term.value.startswith(ns) and len(term.value) > len(ns)),
                       key=lambda p: len(self.prefixes[p]), default=None)
            return f"{best}:{term.value[len(self.prefixes[best]):]}" if best is not None else str(term)
        return str(term)

    def objects(self, s: Term, local: str) -> list:
        self.used.add((s, local))
        return [q.object for q in self.store.quads_for_pattern(s, ox.NamedNode(SH + local), None)]

    def items(self, head: Term, shape: _Shape, construct: str) -> list:
        """The members of the RDF list at ``head``; a malformed list is a :class:`ShapesError`."""
        out, seen = [], set()
        while head != _NIL:
            firsts = [q.object for q in self.store.quads_for_pattern(head, _FIRST, None)]
            rests = [q.object for q in self.store.quads_for_pattern(head, _REST, None)]
            if len(firsts) != 1 or len(rests) != 1 or head in seen:
                raise self.error(shape, construct, "is not a well-formed RDF list (each node needs exactly one "
                                 "rdf:first and one rdf:rest, ending in rdf:nil)", ShapesError)
            seen.add(head)
            out.append(firsts[0])
            head = rests[0]
        return out

    def error(self, shape: _Shape, construct: str, problem: str, kind=UnsupportedShape) -> ShapesError:
        what = f"sh:{construct}" if construct else "the shape"
        hint = ("remove it, or express the check with the supported constructs listed in "
                "filmgraph/shacl.py" if kind is UnsupportedShape else "correct the shapes graph")
        return kind(f"shape {shape.label}: {what} {problem} — {hint}", shape=shape.label,
                    construct=f"sh:{construct}" if construct else "", node=shape.anchor,
                    predicate=SH + construct if construct else None)

    # -- one shape ---------------------------------------------------------------------------

    def shape(self, node: Term, label: str, anchor: Term | None, *, property_shape: bool = False) -> _Shape:
        if node in self.shapes:
            return self.shapes[node]
        if isinstance(node, ox.NamedNode):
            label, anchor = self.name(node), node
        if node in self.stack:
            raise self.error(_Shape(node, label, anchor), "", "refers to itself (a recursive shape), "
                             "which SHACL leaves undefined")
        if isinstance(node, ox.Literal):
            raise self.error(_Shape(node, label, anchor), "", f"is the literal {node}, not a shape", ShapesError)
        shape = _Shape(node, label, anchor)
        self.stack.append(node)
        try:
            self._read(shape, property_shape)
        finally:
            self.stack.pop()
        self.shapes[node] = shape
        return shape

    def one(self, shape: _Shape, local: str, check=None, what: str = "") -> Term | None:
        values = self.objects(shape.node, local)
        if len(values) > 1:
            raise self.error(shape, local, "has more than one value", ShapesError)
        if values and check is not None and not check(values[0]):
            raise self.error(shape, local, f"must be {what}, not {values[0]}", ShapesError)
        return values[0] if values else None

    def _read(self, shape: _Shape, property_shape: bool) -> None:
        node, types = shape.node, {q.object for q in self.store.quads_for_pattern(shape.node, _TYPE, None)}
        if types & {ox.NamedNode(RDFS + "Class"), ox.NamedNode(OWL + "Class")}:
            raise self.error(shape, "", "is also a class, so it targets its instances implicitly; "
                             "write sh:targetClass instead")
        shape.path = self.one(shape, "path")
        if shape.path is not None:
            shape.sparql_path = self.sparql_path(shape.path, shape)
        elif property_shape or ox.NamedNode(SH + "PropertyShape") in types:
            raise self.error(shape, "path", "is missing: a property shape needs a path", ShapesError)
        for local in _ANNOTATIONS:
            self.objects(node, local)
        shape.messages = tuple(m for m in self.objects(node, "message") if isinstance(m, ox.Literal))
        if len(shape.messages) != len(self.objects(node, "message")):
            raise self.error(shape, "message", "must be a literal", ShapesError)
        severity = self.one(shape, "severity", lambda t: isinstance(t, ox.NamedNode), "an IRI")
        shape.severity = severity.value if severity is not None else VIOLATION
        deactivated = self.one(shape, "deactivated", lambda t: isinstance(t, ox.Literal)
                               and t.datatype == ox.NamedNode(XSD + "boolean"), "true or false")
        shape.deactivated = deactivated is not None and deactivated.value in ("true", "1")
        for kind in _TARGETS:
            for t in self.objects(node, kind):
                if isinstance(t, ox.BlankNode) or (kind != "targetNode" and not isinstance(t, ox.NamedNode)):
                    raise self.error(shape, kind, f"must be an IRI, not {t}", ShapesError)
                shape.targets.append((kind, t))
        self._constraints(shape)
        for i, child in enumerate(self.objects(node, "property")):
            shape.properties.append(self.shape(child, f"{shape.label} → sh:property #{i + 1}", shape.anchor,
                                               property_shape=True))

    def _constraints(self, shape: _Shape) -> None:
        node, add = shape.node, shape.constraints.append
        is_property = shape.path is not None

        def iris(local):
            values = self.objects(node, local)
            for v in values:
                if not isinstance(v, ox.NamedNode):
                    raise self.error(shape, local, f"must be an IRI, not {v}", ShapesError)
            return values

        def count(local):
            v = self.one(shape, local, lambda t: isinstance(t, ox.Literal) and t.datatype == ox.NamedNode(XSD + "integer")
                         and int(t.value) >= 0, "a non-negative xsd:integer")
            if v is not None and not is_property:
                raise self.error(shape, local, "is only defined on property shapes (it counts the values of a path)")
            return None if v is None else int(v.value)

        def no_blank(local, terms):
            for t in terms:
                if isinstance(t, ox.BlankNode):
                    raise self.error(shape, local, "compares with a blank node, which matches nothing", ShapesError)
            return terms

        for c in iris("class"):
            add(_Constraint("class", c))
        datatype = self.one(shape, "datatype", lambda t: isinstance(t, ox.NamedNode), "an IRI")
        if datatype is not None:
            add(_Constraint("datatype", datatype))
        kind = self.one(shape, "nodeKind", lambda t: isinstance(t, ox.NamedNode) and t.value[len(SH):] in _NODE_KINDS
                        and t.value.startswith(SH), "one of " + ", ".join("sh:" + k for k in _NODE_KINDS))
        if kind is not None:
            add(_Constraint("nodeKind", kind.value[len(SH):]))
        for local in ("minCount", "maxCount"):
            n = count(local)
            if n is not None:
                add(_Constraint(local, n))
        for local in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            for v in self.objects(node, local):
                if not isinstance(v, ox.Literal):
                    raise self.error(shape, local, f"must be a literal, not {v}", ShapesError)
                add(_Constraint(local, v))
        for head in self.objects(node, "languageIn"):
            tags = self.items(head, shape, "languageIn")
            if not all(isinstance(t, ox.Literal) and t.datatype == ox.NamedNode(XSD + "string") for t in tags):
                raise self.error(shape, "languageIn", "must list plain string literals", ShapesError)
            add(_Constraint("languageIn", [t.value for t in tags]))
        for head in self.objects(node, "in"):
            add(_Constraint("in", no_blank("in", self.items(head, shape, "in"))))
        for v in no_blank("hasValue", self.objects(node, "hasValue")):
            add(_Constraint("hasValue", v))
        for s in self.objects(node, "not"):
            add(_Constraint("not", self.shape(s, f"{shape.label} → sh:not", shape.anchor)))
        for s in self.objects(node, "node"):
            add(_Constraint("node", self.shape(s, f"{shape.label} → sh:node", shape.anchor)))
        for local in ("and", "or", "xone"):
            for head in self.objects(node, local):
                members = self.items(head, shape, local)
                add(_Constraint(local, [self.shape(s, f"{shape.label} → sh:{local} #{i + 1}", shape.anchor)
                                        for i, s in enumerate(members)]))
        qualified = self.objects(node, "qualifiedValueShape")
        qmin, qmax = count("qualifiedMinCount"), count("qualifiedMaxCount")
        disjoint = self.one(shape, "qualifiedValueShapesDisjoint")
        if disjoint is not None and not (isinstance(disjoint, ox.Literal) and disjoint.value in ("false", "0")):
            raise self.error(shape, "qualifiedValueShapesDisjoint", f"is {disjoint}: disjoint qualified "
                             "value shapes are not supported by the compiled engine")
        if qualified:
            if not is_property:
                raise self.error(shape, "qualifiedValueShape", "is only defined on property shapes")
            if len(qualified) > 1:
                raise self.error(shape, "qualifiedValueShape", "has more than one value", ShapesError)
            if qmin is None and qmax is None:
                raise self.error(shape, "qualifiedValueShape", "needs sh:qualifiedMinCount or "
                                 "sh:qualifiedMaxCount", ShapesError)
            inner = self.shape(qualified[0], f"{shape.label} → sh:qualifiedValueShape", shape.anchor)
            if qmin is not None:
                add(_Constraint("qualifiedMinCount", inner, qmin))
            if qmax is not None:
                add(_Constraint("qualifiedMaxCount", inner, qmax))
        elif qmin is not None or qmax is not None:
            raise self.error(shape, "qualifiedMinCount" if qmin is not None else "qualifiedMaxCount",
                             "needs a sh:qualifiedValueShape", ShapesError)
        for local in ("lessThan", "lessThanOrEquals"):
            values = iris(local)
            if values and not is_property:
                raise self.error(shape, local, "is only defined on property shapes")
            for v in values:
                add(_Constraint(local, v))
        for local in ("equals", "disjoint"):
            for v in iris(local):
                add(_Constraint(local, v))

    def sparql_path(self, path: Term, shape: _Shape) -> str:
        """The SHACL path at ``path`` as a SPARQL property path."""
        if isinstance(path, ox.NamedNode):
            return str(path)
        if isinstance(path, ox.Literal):
            raise self.error(shape, "path", f"must be an IRI or a path node, not {path}", ShapesError)
        if list(self.store.quads_for_pattern(path, _FIRST, None)):
            members = self.items(path, shape, "path")
            if len(members) < 2:
                raise self.error(shape, "path", "is a sequence of fewer than two steps", ShapesError)
            return "(" + "/".join(self.sparql_path(m, shape) for m in members) + ")"
        forms = [(local, self.objects(path, local)) for local in _PATHS]
        forms = [(local, values) for local, values in forms if values]
        others = [q.predicate.value for q in self.store.quads_for_pattern(path, None, None)
                  if q.predicate.value.startswith(SH) and q.predicate.value[len(SH):] not in _PATHS]
        if len(forms) != 1 or len(forms[0][1]) != 1 or others:
            raise self.error(shape, "path", "is not a SHACL path (an IRI, a list, or a node with exactly one of "
                             + ", ".join("sh:" + p for p in _PATHS) + ")", ShapesError)
        local, (inner,) = forms[0]
        if local == "alternativePath":
            members = self.items(inner, shape, "alternativePath")
            if len(members) < 2:
                raise self.error(shape, "alternativePath", "lists fewer than two paths", ShapesError)
            return "(" + "|".join(self.sparql_path(m, shape) for m in members) + ")"
        text = self.sparql_path(inner, shape)
        return {"inversePath": f"(^{text})", "zeroOrMorePath": f"({text})*",
                "oneOrMorePath": f"({text})+", "zeroOrOnePath": f"({text})?"}[local]

    def refuse_leftovers(self) -> None:
        """Refuse every ``sh:`` statement that no compiled shape read: first those about shapes
        (an unsupported or misspelt construct), then those about nodes no target reaches."""
        left = sorted(((q.subject not in self.shapes, str(q.subject), q.predicate.value, q.subject)
                       for q in self.store.quads_for_pattern(None, None, None, None)
                       if q.predicate.value.startswith(SH) and (q.subject, q.predicate.value[len(SH):]) not in self.used),
                      key=lambda t: t[:3])
        if not left:
            return
        unreached, _, p, subject = left[0]
        local = p[len(SH):]
        if not unreached:
            why = (f"is not supported by the compiled engine ({_KNOWN_UNSUPPORTED[local]})" if local in _KNOWN_UNSUPPORTED
                   else "is not supported by the compiled engine (or is not a SHACL term: check its spelling)")
            raise self.error(self.shapes[subject], local, why)
        label = self.name(subject)
        raise UnsupportedShape(
            f"shapes graph: {label} has sh:{local} but no targeted shape reaches it, so it would never "
            "be checked — give it a target (sh:targetClass …) or attach it to a shape with sh:property, "
            "or remove it", shape=label, construct=f"sh:{local}",
            node=subject if isinstance(subject, ox.NamedNode) else None, predicate=p)


# -- compiling to SPARQL -----------------------------------------------------------------------

_COMPONENTS = {
    "class": "Class", "datatype": "Datatype", "nodeKind": "NodeKind", "minCount": "MinCount",
    "maxCount": "MaxCount", "minInclusive": "MinInclusive", "maxInclusive": "MaxInclusive",
    "minExclusive": "MinExclusive", "maxExclusive": "MaxExclusive", "languageIn": "LanguageIn",
    "in": "In", "hasValue": "HasValue", "not": "Not", "and": "And", "or": "Or", "xone": "Xone",
    "node": "Node", "qualifiedMinCount": "QualifiedMinCount", "qualifiedMaxCount": "QualifiedMaxCount",
    "lessThan": "LessThan", "lessThanOrEquals": "LessThanOrEquals", "equals": "Equals", "disjoint": "Disjoint",
}
#: constraints whose results are about the focus node as a whole (no ``sh:value``)
_FOCUS_KINDS = {"minCount", "maxCount", "hasValue", "qualifiedMinCount", "qualifiedMaxCount"}
_COMPARE = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_SUBCLASS_PATH = f"<{RDF_TYPE}>/<{RDFS}subClassOf>*"
_EACH = "?__each__"  # placeholder for the value variable of a test repeated over n values


class _Compiler:
    def __init__(self, reader: _Reader):
        self.reader = reader
        self.counter = 0

    def var(self, stem: str = "x") -> str:
        self.counter += 1
        return f"?{stem}{self.counter}"

    # -- value nodes -------------------------------------------------------------------------

    def values(self, shape: _Shape, f: str, v: str) -> str:
        """A pattern binding ``v`` to each value node of ``shape`` at focus ``f`` (``f`` bound)."""
        return f"{f} {shape.sparql_path} {v} ." if shape.path is not None else f"BIND({f} AS {v})"

    def distinct(self, shape: _Shape, f: str, n: int, test: str | None = None) -> str:
        """An EXISTS expression: ``f`` has at least ``n`` distinct values (passing ``test``)."""
        if n == 0:
            return "true"
        vs = [self.var("n") for _ in range(n)]
        body = " ".join(self.values(shape, f, v) for v in vs)
        filters = [f"!sameTerm({a}, {b})" for i, a in enumerate(vs) for b in vs[i + 1:]]
        if test:
            filters += [test.replace(_EACH, v) for v in vs]
        return f"EXISTS {{ {body} {'FILTER(' + ' && '.join(filters) + ')' if filters else ''} }}"

    # -- constraint semantics --------------------------------------------------------------------

    def test(self, shape: _Shape, c: _Constraint, v: str, f: str) -> str:
        """A boolean expression: value node ``v`` (of focus ``f``) satisfies value constraint ``c``."""
        k, p = c.kind, c.value
        if k == "class":
            return f"EXISTS {{ {v} {_SUBCLASS_PATH} {p} }}"
        if k == "datatype":
            return self.datatype(v, p.value)
        if k == "nodeKind":
            return _NODE_KINDS[p].format(v=v)
        if k in _COMPARE:
            return f"COALESCE({v} {_COMPARE[k]} {p}, false)"
        if k == "languageIn":
            ranges = " || ".join(f"langMatches(lang({v}), {ox.Literal(r)})" for r in p) or "false"
            return f"(isLiteral({v}) && ({ranges}))"
        if k == "in":
            return "(" + (" || ".join(f"sameTerm({v}, {t})" for t in p) or "false") + ")"
        if k == "not":
            return f"!({self.conforms(p, v)})"
        if k == "node":
            return self.conforms(p, v)
        if k == "and":
            return "(" + (" && ".join(self.conforms(s, v) for s in p) or "true") + ")"
        if k == "or":
            return "(" + (" || ".join(self.conforms(s, v) for s in p) or "false") + ")"
        if k == "xone":
            return "((" + (" + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in p) or "0") + ") = 1)"
        if k in ("lessThan", "lessThanOrEquals"):
            w = self.var("w")
            op = "<" if k == "lessThan" else "<="
            return f"NOT EXISTS {{ {f} {p} {w} FILTER(!COALESCE({v} {op} {w}, false)) }}"
        if k == "disjoint":
            return f"NOT EXISTS {{ {f} {p} {v} }}"
        raise AssertionError(k)

    @staticmethod
    def datatype(v: str, iri: str) -> str:
        if iri == RDF + "langString":
            return f"(isLiteral({v}) && lang({v}) != \"\")"
        test = f"isLiteral({v}) && datatype({v}) = <{iri}>"
        if iri in _CASTABLE:
            test += f" && COALESCE(isLiteral(<{iri}>(STR({v}))), false)"
        elif iri.startswith(XSD) and iri[len(XSD):] in _INTEGER_RANGES:
            low, high = _INTEGER_RANGES[iri[len(XSD):]]
            n = f"<{XSD}integer>(STR({v}))"
            bounds = [f"{n} >= {low}" if low is not None else "", f"{n} <= {high}" if high is not None else ""]
            test += f" && COALESCE({' && '.join(b for b in bounds if b)}, false)"
        return f"({test})"

    def violated(self, shape: _Shape, c: _Constraint, f: str) -> str:
        """A boolean expression: focus ``f`` violates ``c`` (usable inside other expressions)."""
        k = c.kind
        if k == "minCount":
            return f"!({self.distinct(shape, f, self.limit(shape, c, c.value))})"
        if k == "maxCount":
            return self.distinct(shape, f, self.limit(shape, c, c.value) + 1)
        if k == "qualifiedMinCount":
            return f"!({self.distinct(shape, f, self.limit(shape, c, c.extra), self.conforms(c.value, _EACH))})"
        if k == "qualifiedMaxCount":
            return self.distinct(shape, f, self.limit(shape, c, c.extra) + 1, self.conforms(c.value, _EACH))
        if k == "hasValue":
            if shape.path is None:
                return f"!sameTerm({f}, {c.value})"
            return f"NOT EXISTS {{ {f} {shape.sparql_path} {c.value} }}"
        if k == "equals":
            v = self.var("e")
            member = f"sameTerm({v}, {f})" if shape.path is None else f"EXISTS {{ {f} {shape.sparql_path} {v} }}"
            return (f"(EXISTS {{ {self.values(shape, f, v)} FILTER NOT EXISTS {{ {f} {c.value} {v} }} }} || "
                    f"EXISTS {{ {f} {c.value} {v} FILTER(!{member}) }})")
        v = self.var("v")
        if shape.path is None:
            return f"!({self.test(shape, c, f, f)})"
        return f"EXISTS {{ {self.values(shape, f, v)} FILTER(!({self.test(shape, c, v, f)})) }}"

    def limit(self, shape: _Shape, c: _Constraint, n: int) -> int:
        """``n``, a count in a nested shape, if it is small enough to test as a join of n values."""
        if n >= _NESTED_COUNT_LIMIT:
            raise self.reader.error(shape, c.kind, f"is {n} inside a nested shape (sh:not, sh:or, sh:node, …); "
                                    f"counts from {_NESTED_COUNT_LIMIT} up are supported only in targeted shapes")
        return n

    def conforms(self, shape: _Shape, x: str) -> str:
        """A boolean expression: node ``x`` conforms to ``shape``."""
        if shape.deactivated:
            return "true"
        parts = [f"!({self.violated(shape, c, x)})" for c in shape.constraints]
        for child in shape.properties:
            if shape.path is None:
                parts.append(self.conforms(child, x))
            else:
                v = self.var("p")
                parts.append(f"NOT EXISTS {{ {self.values(shape, x, v)} FILTER(!({self.conforms(child, v)})) }}")
        return "(" + (" && ".join(parts) or "true") + ")"

    # -- top-level queries -------------------------------------------------------------------

    @staticmethod
    def targets(shape: _Shape, f: str) -> str:
        branches = []
        for i, (kind, t) in enumerate(shape.targets):
            if kind == "targetClass":
                branches.append(f"{{ ?class{i} <{RDFS}subClassOf>* {t} . {f} <{RDF_TYPE}> ?class{i} }}")
            elif kind == "targetSubjectsOf":
                branches.append(f"{{ {f} {t} ?object{i} }}")
            elif kind == "targetObjectsOf":
                branches.append(f"{{ ?subject{i} {t} {f} }}")
            else:
                branches.append(f"{{ VALUES {f} {{ {t} }} }}")
        return f"{{ SELECT DISTINCT {f} WHERE {{ {' UNION '.join(branches)} }} }}"

    def checks(self, shape: _Shape, focus, subjects: frozenset = frozenset()) -> list[Check]:
        """The queries for ``shape`` at the focus nodes that ``focus(var)`` (a sub-select) binds
        to ``var``, and for the property shapes below it (whose focus nodes are its values).
        ``subjects`` are the predicates whose every subject is a focus node (``sh:targetSubjectsOf``)."""
        if shape.deactivated:
            return []
        shortcut = shape.path is not None and isinstance(shape.path, ox.NamedNode) and shape.path.value in subjects
        out = [self.check(shape, c, focus("?f"), shortcut) for c in shape.constraints]
        for child in shape.properties:
            if shape.path is None:
                out += self.checks(child, focus, subjects)
            else:
                def values_of(var: str, focus=focus) -> str:
                    parent = self.var("parent")
                    return (f"{{ SELECT DISTINCT {var} WHERE {{ {focus(parent)} "
                            f"{self.values(shape, parent, var)} }} }}")
                out += self.checks(child, values_of)
        return out

    def check(self, shape: _Shape, c: _Constraint, focus: str, shortcut: bool = False) -> Check:
        """The query for constraint ``c`` of ``shape`` at the focus nodes ``focus`` binds to ``?f``.
        With ``shortcut`` every subject of the shape's path is a focus node, so the constraints
        that need a value to fail can start from the values and skip the focus nodes."""
        k, path = c.kind, shape.sparql_path
        if shortcut and k not in ("minCount", "qualifiedMinCount", "hasValue", "equals"):
            focus = ""
        if k in ("minCount", "qualifiedMinCount") and (c.value if k == "minCount" else c.extra) == 1:
            test = "" if k == "minCount" else f" FILTER({self.conforms(c.value, '?v')})"
            where = f"{focus} FILTER NOT EXISTS {{ ?f {path} ?v{test} }}"
            query = f"SELECT DISTINCT ?f WHERE {{ {where} }}"
        elif k in ("minCount", "qualifiedMinCount"):
            n = c.value if k == "minCount" else c.extra
            test = "" if k == "minCount" else f" FILTER({self.conforms(c.value, '?v')})"
            query = (f"SELECT ?f WHERE {{ {{ SELECT ?f (COUNT(DISTINCT ?v) AS ?count) WHERE {{ {focus} "
                     f"OPTIONAL {{ ?f {path} ?v{test} }} }} GROUP BY ?f }} FILTER(?count < {n}) }}")
        elif k in ("maxCount", "qualifiedMaxCount"):
            n = c.value if k == "maxCount" else c.extra
            test = "" if k == "maxCount" else f" FILTER({self.conforms(c.value, '?v')})"
            query = (f"SELECT ?f WHERE {{ {focus} ?f {path} ?v{test} }} GROUP BY ?f "
                     f"HAVING (COUNT(DISTINCT ?v) > {n})")
        elif k == "hasValue":
            query = f"SELECT DISTINCT ?f WHERE {{ {focus} FILTER({self.violated(shape, c, '?f')}) }}"
        elif k == "equals":
            member = "sameTerm(?v, ?f)" if shape.path is None else f"EXISTS {{ ?f {path} ?v }}"
            query = (f"SELECT DISTINCT ?f ?v WHERE {{ {{ {focus} {self.values(shape, '?f', '?v')} "
                     f"FILTER NOT EXISTS {{ ?f {c.value} ?v }} }} UNION {{ {focus} ?f {c.value} ?v FILTER(!{member}) }} }}")
        elif k == "class":  # the instances of the class, found once and subtracted (an anti-join)
            query = (f"SELECT DISTINCT ?f ?v WHERE {{ {focus} {self.values(shape, '?f', '?v')} "
                     f"MINUS {{ ?class <{RDFS}subClassOf>* {c.value} . ?v <{RDF_TYPE}> ?class }} }}")
        else:
            query = (f"SELECT DISTINCT ?f ?v WHERE {{ {focus} {self.values(shape, '?f', '?v')} "
                     f"FILTER(!({self.test(shape, c, '?v', '?f')})) }}")
        return Check(shape.node, shape.label, f"{SH}{_COMPONENTS[k]}ConstraintComponent", shape.path,
                     shape.severity, shape.messages, query, k not in _FOCUS_KINDS)


# -- the engine --------------------------------------------------------------------------------

@dataclass
class CompiledShapes:
    """A shapes graph compiled to SPARQL: one :class:`Check` (one query) per constraint of
    every shape that a target reaches, directly or through ``sh:property``."""

    checks: list[Check]

    def validate(self, store) -> list[ShapeResult]:
        """Run every check on ``store`` (a ``pyoxigraph.Store`` or an object with its ``ox``
        attribute, such as :class:`~filmgraph.store.EmbeddedStore`) over the union of its graphs.
        Returns the results, without duplicates, in a stable order."""
        store = getattr(store, "ox", store)
        found: set[ShapeResult] = set()
        for check in self.checks:
            for row in store.query(check.query, use_default_graph_as_union=True):
                found.add(ShapeResult(row["f"], check.path, row["v"] if check.reports_value else None,
                                      check.source_shape, check.component, check.severity, check.messages))
        return sorted(found, key=lambda r: (str(r.focus), str(r.source_shape), r.component, str(r.value)))


def compile_shapes(triples: Iterable, *, prefixes: dict | None = None) -> CompiledShapes:
    """Compile the shapes graph made of ``triples`` (or quads: graph names are ignored).

    ``prefixes`` only make error messages read like the shapes file. Raises
    :class:`UnsupportedShape` for a construct the engine does not implement and
    :class:`ShapesError` for a malformed shapes graph; never returns a partial compilation.
    """
    reader = _Reader(triples, prefixes)
    targeted = {q.subject for local in _TARGETS for q in reader.store.quads_for_pattern(None, ox.NamedNode(SH + local), None)}
    classes = {q.subject for c in (RDFS + "Class", OWL + "Class")
               for q in reader.store.quads_for_pattern(None, _TYPE, ox.NamedNode(c))}
    shapes = {q.subject for c in ("NodeShape", "PropertyShape")
              for q in reader.store.quads_for_pattern(None, _TYPE, ox.NamedNode(SH + c))}
    targeted = sorted(targeted | (classes & shapes), key=str)  # implicit class targets: refused when read
    roots = [reader.shape(node, reader.name(node), node if isinstance(node, ox.NamedNode) else None)
             for node in targeted]
    compiler = _Compiler(reader)
    checks = []
    for root in roots:
        subjects = frozenset(t.value for kind, t in root.targets if kind == "targetSubjectsOf")
        checks += compiler.checks(root, lambda var, root=root: compiler.targets(root, var), subjects)
    reader.refuse_leftovers()
    return CompiledShapes(checks)
