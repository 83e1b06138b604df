"""Linked data: the HTML page and the RDF documents of every entity, source and ontology term.

Pure functions over a :class:`~filmgraph.store.Backend`; ``filmgraph serve`` calls them from its
routes (this module knows nothing about HTTP). An IRI under the base, ``{base}id/city/almaty``, is
published at the local path ``/id/city/almaty`` (:func:`local_path`); ontology terms
``fg:Film`` at ``/ontology/Film``.

- :func:`describe` and :func:`serialize` make the RDF document of an entity (Turtle, N-Triples,
  JSON-LD, RDF/XML).
- :func:`entity_page`, :func:`ontology_page`, :func:`term_page` make HTML pages; they return
  ``None`` for what the graph does not hold, and :func:`not_found_page` with :func:`suggestions`
  answers that case. :func:`error_page` is the shell for any other error.

Every page is one static document under a strict Content-Security-Policy: no inline script or
style, no ``on*`` attribute; its look comes from ``/static/site.css``. Every value taken from the
graph or from the request is escaped with :func:`html.escape` (quotes included), and only
``http(s)`` IRIs become links. Chinese comes first, English beside it. Nothing here knows a fact:
names of classes and properties come from the ontology graph of the store, everything else from
the data. An IRI reaches a query only after :class:`pyoxigraph.NamedNode` has accepted it and its
scheme is ``http`` or ``https``; text typed by a user never becomes query text.
"""
from __future__ import annotations

import difflib
import html
import re
from collections import defaultdict
from http import HTTPStatus
from urllib.parse import quote

import pyoxigraph as ox

from .namespaces import DATA_PATHS, DCTERMS, FG, ONTOLOGY, OWL, PREFIXES, RDF, RDFS, SCHEMA, SKOS, XSD, graph_iri
from .queries import rebase_text
from .store import Backend, Triples, select

#: document formats of :func:`serialize`: extension -> (pyoxigraph format, media type)
FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}

#: the documents an entity page links to as alternates: extension -> (media type, link text)
ALTERNATES = (("ttl", "text/turtle", "Turtle"), ("jsonld", "application/ld+json", "JSON-LD"),
              ("nt", "application/n-triples", "N-Triples"))

#: at most this many incoming links are listed on an entity page (the page says when it cut)
MAX_INCOMING = 1000

#: at most this many instances (or uses) are listed on a term page
MAX_INSTANCES = 50

TYPE = RDF + "type"
LABEL = RDFS + "label"
COMMENT = RDFS + "comment"
ALT_LABEL = SKOS + "altLabel"
EVIDENCE = FG + "evidence"
INFERRED = FG + "inferred"
NOTE = FG + "inferenceNote"
CURATOR = FG + "curatorTranslation"
ISSUED = DCTERMS + "issued"
TITLE = DCTERMS + "title"

#: predicates shown in their own section of an entity page, not in the property table
_OWN_SECTION = {TYPE, LABEL, ALT_LABEL, CURATOR, EVIDENCE, INFERRED, NOTE}

_TERM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_DOC_SUFFIX = re.compile(r"\.(?:html|ttl|jsonld|nt|rdf)$")

_NAV = (("/", "查询", "Query"), ("/map", "地图", "Map"), ("/ontology", "本体", "Ontology"))


# ---------------------------------------------------------------- IRIs and paths

def local_path(iri: str, *, base_iri: str) -> str | None:
    """The path at which ``filmgraph serve`` publishes ``iri``, or None when it publishes none.

    ``{base}id/city/almaty`` -> ``/id/city/almaty`` (characters outside ASCII are
    percent-encoded); ``https://w3id.org/filmgraph/ontology#Film`` -> ``/ontology/Film`` and the
    ontology IRI itself -> ``/ontology``. None for IRIs elsewhere, for the base itself, and for
    paths with empty or dot segments (``..``), which a server would normalise to another IRI.
    """
    if iri == ONTOLOGY or iri == ONTOLOGY + "#":
        return "/ontology"
    if iri.startswith(FG):
        name = iri[len(FG):]
        return f"/ontology/{name}" if _TERM_NAME.fullmatch(name) else None
    if iri.startswith(ONTOLOGY):  # e.g. the version IRI: not published as a page of its own
        return None
    if not iri.startswith(base_iri) or not _web_iri(iri):
        return None
    tail = iri[len(base_iri):]
    segments = tail.split("/")
    if not tail or any(s in ("", ".", "..") for s in segments) or "#" in tail or "?" in tail:
        return None
    return "/" + quote(tail, safe="/:@!$&'()*+,;=-._~%")


def iri_for_path(path: str, *, base_iri: str) -> str | None:
    """The IRI published at ``path`` (the inverse of :func:`local_path` for data IRIs), or None
    when ``path`` cannot name one: not under ``/id/``, ``/source/`` or ``/graph/``, dot or empty
    segments, or characters an IRI cannot hold. ``path`` is the decoded request path."""
    tail = path.lstrip("/")
    if not tail.startswith(DATA_PATHS) or any(s in ("", ".", "..") for s in tail.split("/")):
        return None
    iri = base_iri + tail
    return iri if _sparql_iri(iri) else None


def _web_iri(iri: str) -> bool:
    return iri.startswith(("http://", "https://"))


def _sparql_iri(iri: str) -> str | None:
    """``<iri>`` for use in a query when ``iri`` is an absolute http(s) IRI, else None."""
    if not isinstance(iri, str) or not _web_iri(iri) or len(iri) > 2048:
        return None
    try:
        return str(ox.NamedNode(iri))
    except ValueError:
        return None


def _values(iris) -> str:
    """The body of a VALUES block of validated IRIs."""
    return " ".join(sorted({t for t in (_sparql_iri(i) for i in iris) if t}))


def _prefixes(base_iri: str) -> dict[str, str]:
    return {name: rebase_text(ns, base_iri) for name, ns in PREFIXES.items()}


def _short(iri: str, base_iri: str) -> str:
    """``iri`` as a prefixed name (prefixes moved under ``base_iri``), else the IRI itself."""
    best = max(((k, ns) for k, ns in _prefixes(base_iri).items() if iri.startswith(ns)),
               key=lambda kv: len(kv[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


# ---------------------------------------------------------------- RDF documents

def describe(backend: Backend, iri: str) -> list[ox.Triple]:
    """The RDF document of ``iri``; an empty list when the graph does not hold it (or ``iri`` is
    not an absolute http(s) IRI).

    It holds, from every named graph and deduplicated: each triple with ``iri`` as subject
    (including the entailed ones of ``fggraph:entailed``, so the schema.org view is there too),
    each triple with ``iri`` as object, the ``rdfs:label`` of every neighbour, and provenance as
    the data models it: the ``fg:evidence`` quotes (and ``fg:inferred`` / ``fg:inferenceNote``) of
    ``iri`` and of every node that links to it, and for each source graph that speaks of ``iri``
    the source's type, label, title, date and publisher. Named graphs do not survive a triple
    document, so the membership is stated as ``<source> schema:mentions <iri>``.
    The subject's own triples come first.
    """
    ref = _sparql_iri(iri)
    if ref is None:
        return []
    query = f"""PREFIX rdf: <{RDF}>
    PREFIX rdfs: <{RDFS}> PREFIX fg: <{FG}> PREFIX dcterms: <{DCTERMS}> PREFIX schema: <{SCHEMA}>
    CONSTRUCT {{ ?s ?p ?o . ?src schema:mentions {ref} . }} WHERE {{
      {{ {ref} ?p ?o BIND({ref} AS ?s) }}
      UNION {{ ?s ?p {ref} BIND({ref} AS ?o) }}
      UNION {{ {{ {ref} ?q ?s }} UNION {{ ?s ?q {ref} }}
              FILTER(isIRI(?s)) ?s rdfs:label ?o BIND(rdfs:label AS ?p) }}
      UNION {{ ?s ?q {ref} . ?s ?p ?o FILTER(?p IN (fg:evidence, fg:inferred, fg:inferenceNote)) }}
      UNION {{ {{ GRAPH ?src {{ {ref} ?q ?r }} }} UNION {{ GRAPH ?src {{ ?r ?q {ref} }} }}
              GRAPH ?src {{ ?src ?p ?o FILTER(?p IN (rdf:type, rdfs:label, dcterms:title, dcterms:issued,
                                                   dcterms:publisher)) }}
              BIND(?src AS ?s) }}
    }}"""
    result = backend.run(query)
    triples = result.triples if isinstance(result, Triples) else []
    subject = ox.NamedNode(iri)
    unique = {(t.subject, t.predicate, t.object): t for t in triples}
    return sorted(unique.values(), key=lambda t: (t.subject != subject, str(t.subject), str(t.predicate), str(t.object)))


def serialize(triples, *, format: str, base_iri: str) -> bytes:
    """``triples`` as a document in ``format`` (a key of :data:`FORMATS`: ``ttl``, ``nt``,
    ``jsonld``, ``rdfxml``). Turtle and RDF/XML use filmgraph's prefixes, with the data prefixes
    (``fgid:``, ``fgsrc:``, ``fggraph:``) moved under ``base_iri``; IRIs stay absolute.
    Raises :class:`ValueError` for an unknown format."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r} — give one of {', '.join(FORMATS)}")
    rdf_format = FORMATS[format][0]
    options = {"prefixes": _prefixes(base_iri)} if format in ("ttl", "rdfxml") else {}
    return ox.serialize(list(triples), format=rdf_format, **options)


def document(backend: Backend, iri: str, *, format: str, base_iri: str) -> bytes | None:
    """The RDF document of ``iri`` (:func:`describe`) in ``format``, or None when the graph
    says nothing about it."""
    triples = describe(backend, iri)
    return serialize(triples, format=format, base_iri=base_iri) if triples else None


# ---------------------------------------------------------------- HTML building blocks

def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _lang_attr(tag: str | None) -> str:
    return f' lang="{_e(tag)}"' if tag and _LANG_TAG.fullmatch(tag) else ""


def _shell(title: str, body: str, *, head: str = "", page_class: str = "") -> str:
    """The one page shell: ``title`` is plain text (escaped here), ``body`` and ``head`` markup."""
    nav = " ".join(f'<a href="{href}"><span lang="zh-Hans">{zh}</span> · <span lang="en">{en}</span></a>'
                   for href, zh, en in _NAV)
    cls = f' class="{_e(page_class)}"' if page_class else ""
    return f"""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="filmgraph">
<title>{_e(title)} · filmgraph</title>
<link rel="stylesheet" href="/static/site.css">
{head}</head>
<body{cls}>
<header class="site"><a class="brand" href="/">filmgraph</a>
<nav aria-label="filmgraph">{nav}</nav></header>
<main>
{body}
</main>
<footer class="site"><p><span lang="zh-Hans">filmgraph 国际电影合作知识图谱:每条事实都附有来源原文。</span>
<span lang="en">filmgraph, a knowledge graph of international film cooperation: every fact with its source quote.</span></p></footer>
</body>
</html>
"""


def _bi(zh: str, en: str, tag: str = "span") -> str:
    """A fixed bilingual caption (Chinese first, English beside it)."""
    return f'<{tag} class="bi"><span lang="zh-Hans">{zh}</span> <span class="en" lang="en">{en}</span></{tag}>'


def _heading(level: int, zh: str, en: str, anchor: str = "") -> str:
    ident = f' id="{_e(anchor)}"' if anchor else ""
    return f'<h{level}{ident}><span lang="zh-Hans">{zh}</span> <span class="en" lang="en">{en}</span></h{level}>'


Names = dict[str, dict[str, list[str]]]  # iri -> language -> sorted labels


def _add_name(names: Names, iri: str, literal) -> None:
    if isinstance(literal, ox.Literal):
        values = names.setdefault(iri, {}).setdefault((literal.language or "").lower(), [])
        if literal.value not in values:
            values.append(literal.value)
            values.sort()


def _pick(labels: dict[str, list[str]] | None, lang: str) -> list[tuple[str, str]]:
    """The name to show first (in ``lang``, else zh, else en, else any) and the other of zh/en
    beside it when it differs: ``[(text, language), ...]``."""
    if not labels:
        return []
    order = [lang, "zh", "en"] + sorted(labels)
    first = next(((labels[l][0], l) for l in order if labels.get(l)), None)
    if first is None:
        return []
    other = "en" if first[1] != "en" else "zh"
    if labels.get(other) and labels[other][0] != first[0]:
        return [first, (labels[other][0], other)]
    return [first]


def _name_html(picked: list[tuple[str, str]], fallback: str) -> str:
    if not picked:
        return f'<span class="iri">{_e(fallback)}</span>'
    first, *rest = picked
    out = f'<span{_lang_attr(first[1])}>{_e(first[0])}</span>'
    for text, tag in rest:
        out += f' <span class="alt"{_lang_attr(tag)}>{_e(text)}</span>'
    return out


def _link(iri: str, inner: str, base_iri: str, *, cls: str = "") -> str:
    """``inner`` linked to where ``iri`` is published (or to ``iri`` itself if it is elsewhere on
    the web); plain ``inner`` for IRIs of other schemes."""
    href = local_path(iri, base_iri=base_iri) or (iri if _web_iri(iri) else None)
    c = f' class="{_e(cls)}"' if cls else ""
    if href is None:
        return f"<span{c}>{inner}</span>" if c else inner
    external = "" if href.startswith("/") else ' rel="external"'
    return f'<a href="{_e(href)}"{external}{c}>{inner}</a>'


def _entity(iri: str, names: Names, lang: str, base_iri: str) -> str:
    """A linked name of an entity (its IRI in short form when it has no label)."""
    return _link(iri, _name_html(_pick(names.get(iri), lang), _short(iri, base_iri)), base_iri)


def _literal(lit: ox.Literal, base_iri: str) -> str:
    text = f'<span class="value"{_lang_attr(lit.language)}>{_e(lit.value)}</span>'
    if lit.language:
        return text + f' <span class="tag">@{_e(lit.language)}</span>'
    datatype = lit.datatype.value
    if datatype != XSD + "string":
        text += f' <span class="tag">{_e(_short(datatype, base_iri))}</span>'
    return text


def _term(term, names: Names, lang: str, base_iri: str) -> str:
    if isinstance(term, ox.NamedNode):
        return _entity(term.value, names, lang, base_iri)
    if isinstance(term, ox.Literal):
        return _literal(term, base_iri)
    return f'<span class="iri">{_e(str(term))}</span>'


def _term_sort(term, names: Names, lang: str) -> tuple:
    if isinstance(term, ox.Literal):
        rank = {"zh": 0, "en": 1}.get(term.language or "", 2)
        return (1, rank, term.language or "", term.value)
    picked = _pick(names.get(getattr(term, "value", "")), lang)
    return (0, 0, picked[0][0] if picked else "", str(term))


def _badge(zh: str, en: str, cls: str) -> str:
    return f'<span class="badge {cls}"><span lang="zh-Hans">{zh}</span> · <span lang="en">{en}</span></span>'


# ---------------------------------------------------------------- entity pages

def entity_page(backend: Backend, iri: str, *, base_iri: str, lang: str = "zh") -> str | None:
    """The HTML page of ``iri``, or None when the graph holds no triple with it as subject or
    object (or ``iri`` is not an absolute http(s) IRI).

    Sections: the name (``lang`` first, the other of zh/en beside it), its classes (named from
    the ontology, linked to ``/ontology/<Term>``), its names in every language, its properties
    (asserted facts; facts entailed in filmgraph's own vocabulary carry an "entailed" mark), the
    nodes that link to it, the source quotes behind it and behind those links (grouped by source
    document, linked), an "inferred" notice with the curators' note where the data says
    ``fg:inferred true``, a small map of its neighbourhood (an ``<iframe>`` of ``/map``), links
    to its Turtle, JSON-LD and N-Triples documents, and the rest of the entailed triples (the
    schema.org view) folded away. Three queries.
    """
    ref = _sparql_iri(iri)
    if ref is None:
        return None
    lang = lang if lang in ("zh", "en") else "zh"
    ontology_graph = graph_iri("ontology", base_iri)
    entailed_graph = graph_iri("entailed", base_iri)
    out_rows = select(backend, f"SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ {ref} ?p ?o }} }}")
    in_rows = select(backend, f"SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {ref} }} }} "
                              f"ORDER BY ?s ?p LIMIT {MAX_INCOMING + 1}")
    if not out_rows and not in_rows:
        return None
    cut = len(in_rows) > MAX_INCOMING
    in_rows = in_rows[:MAX_INCOMING]

    def is_source(g: str) -> bool:
        return g not in (ontology_graph, entailed_graph)

    # facts: (predicate, object) -> set of graphs; same for incoming (subject, predicate)
    out: dict[tuple, set[str]] = defaultdict(set)
    for row in out_rows:
        out[(row["p"].value, row["o"])].add(row["g"].value)
    incoming: dict[tuple, set[str]] = defaultdict(set)
    for row in in_rows:
        incoming[(row["s"], row["p"].value)].add(row["g"].value)
    sources = sorted({g for gs in list(out.values()) + list(incoming.values()) for g in gs if is_source(g)})
    terms = {p for p, _ in out} | {p for _, p in incoming} | {o.value for p, o in out if p == TYPE and isinstance(o, ox.NamedNode)}
    entities = ({o.value for _, o in out if isinstance(o, ox.NamedNode)}
                | {s.value for s, _ in incoming if isinstance(s, ox.NamedNode)} | set(sources))
    linking = {s.value for s, _ in incoming if isinstance(s, ox.NamedNode)}

    rows = select(backend, f"""
    SELECT ?k ?n ?g ?v WHERE {{
      {{ VALUES ?n {{ {_values(terms)} }} GRAPH <{ontology_graph}> {{ ?n <{LABEL}> ?v }} BIND("term" AS ?k) }}
      UNION {{ VALUES ?n {{ {_values(entities)} }} ?n <{LABEL}> ?v BIND("label" AS ?k) }}
      UNION {{ VALUES ?n {{ {_values(sources)} }} ?n <{ISSUED}> ?v BIND("issued" AS ?k) }}
      UNION {{ VALUES ?n {{ {_values(linking)} }} GRAPH ?g {{ ?n <{EVIDENCE}> ?v }} BIND("evidence" AS ?k) }}
      UNION {{ VALUES ?n {{ {_values(linking)} }} ?n <{NOTE}> ?v BIND("note" AS ?k) }}
      UNION {{ VALUES ?n {{ {_values(linking)} }} ?n <{INFERRED}> true BIND("inferred" AS ?k) }}
    }}""")
    names: Names = {}
    issued: dict[str, str] = {}
    link_evidence: dict[str, dict[str, set[ox.Literal]]] = defaultdict(lambda: defaultdict(set))
    link_notes: Names = {}
    link_inferred: set[str] = set()
    for row in rows:
        kind, n = row["k"].value, row["n"].value
        if kind in ("term", "label"):
            _add_name(names, n, row["v"])
        elif kind == "issued":
            issued[n] = row["v"].value
        elif kind == "evidence" and is_source(row["g"].value):
            link_evidence[n][row["g"].value].add(row["v"])
        elif kind == "note":
            _add_name(link_notes, n, row["v"])
        elif kind == "inferred":
            link_inferred.add(n)

    own: Names = {}
    for (p, o), _ in out.items():
        if p == LABEL:
            _add_name(own, "label", o)
            _add_name(names, iri, o)
        elif p == ALT_LABEL:
            _add_name(own, "alt", o)
        elif p == CURATOR:
            _add_name(own, "curator", o)
        elif p == NOTE:
            _add_name(own, "note", o)
    picked = _pick(names.get(iri), lang)
    title = " · ".join(text for text, _ in picked) or iri
    inferred = any(p == INFERRED and isinstance(o, ox.Literal) and o.value == "true" for p, o in out)

    def entailed_only(graphs: set[str]) -> bool:
        return graphs == {entailed_graph}

    sections = []
    # --- heading and types
    asserted_types = sorted({o.value for (p, o), gs in out.items() if p == TYPE and isinstance(o, ox.NamedNode)
                             and not entailed_only(gs)})
    entailed_types = sorted({o.value for (p, o), gs in out.items() if p == TYPE and isinstance(o, ox.NamedNode)
                             and entailed_only(gs) and o.value.startswith(FG)})
    type_links = " ".join(f'<li>{_entity(t, names, lang, base_iri)}</li>' for t in asserted_types)
    head = f'<h1>{_name_html(picked, iri)}</h1>\n<p class="iri-line"><code>{_e(iri)}</code></p>'
    if type_links:
        head += f'\n<div class="types">{_bi("类型", "Types")}<ul class="chips">{type_links}</ul>'
        if entailed_types:
            more = " ".join(f'<li>{_entity(t, names, lang, base_iri)}</li>' for t in entailed_types)
            head += f'\n{_bi("也属于(推导)", "Also (entailed)")}<ul class="chips muted">{more}</ul>'
        head += "</div>"
    sections.append(f'<section class="entity-head">{head}</section>')

    # --- inferred notice
    if inferred:
        notes = "".join(f'<p{_lang_attr(tag)}>{_e(text)}</p>' for tag in _langs_first(own.get("note", {}))
                        for text in own["note"][tag])
        sections.append(f'<aside class="notice inferred" role="note">'
                        f'{_bi("推断", "Inferred", "strong")}'
                        f'<p>{_bi("此节点的归属依据上下文推断,而非来源的明确陈述。", "The placement of this node rests on context, not on an explicit statement of the source.")}</p>'
                        f'{notes}</aside>')

    # --- names
    name_rows = []
    curator = {(tag, v) for tag, vs in own.get("curator", {}).items() for v in vs}
    for key, zh, en in (("label", "名称", "label"), ("alt", "别名", "alternative name")):
        for tag in _langs_first(own.get(key, {})):
            for value in own[key][tag]:
                mark = _badge("编者译名", "curator translation", "curator") if (tag, value) in curator else ""
                name_rows.append(f'<tr><td class="tag">{_e(tag or "—")}</td><td{_lang_attr(tag)}>{_e(value)}</td>'
                                 f'<td>{_bi(zh, en)} {mark}</td></tr>')
    if name_rows:
        sections.append(f'<section>{_heading(2, "名称", "Names", "names")}<table class="names">'
                        f'<thead><tr><th>{_bi("语言", "Language")}</th><th>{_bi("名称", "Name")}</th>'
                        f'<th>{_bi("种类", "Kind")}</th></tr></thead><tbody>{"".join(name_rows)}</tbody></table></section>')

    # --- properties
    by_predicate: dict[str, list[tuple]] = defaultdict(list)
    schema_view: dict[str, list] = defaultdict(list)
    for (p, o), gs in out.items():
        if p in _OWN_SECTION:
            if p == TYPE and entailed_only(gs) and not o.value.startswith(FG):
                schema_view[p].append(o)
            continue
        if entailed_only(gs) and not p.startswith(FG):
            schema_view[p].append(o)
        else:
            by_predicate[p].append((o, entailed_only(gs)))
    prop_rows = []
    for p in sorted(by_predicate, key=lambda p: _sort_name(p, names, lang)):
        values = sorted(by_predicate[p], key=lambda v: _term_sort(v[0], names, lang))
        cells = "".join(f'<li>{_term(o, names, lang, base_iri)}'
                        f'{" " + _badge("推导", "entailed", "entailed") if ent else ""}</li>' for o, ent in values)
        prop_rows.append(f'<tr><th scope="row">{_entity(p, names, lang, base_iri)}</th><td><ul class="values">{cells}</ul></td></tr>')
    if prop_rows:
        sections.append(f'<section>{_heading(2, "属性", "Properties", "properties")}'
                        f'<table class="facts"><tbody>{"".join(prop_rows)}</tbody></table></section>')

    # --- incoming links
    by_link: dict[str, list[tuple]] = defaultdict(list)
    for (s, p), gs in incoming.items():
        if entailed_only(gs) and not p.startswith(FG):
            continue
        by_link[p].append((s, entailed_only(gs)))
    in_rows_html = []
    for p in sorted(by_link, key=lambda p: _sort_name(p, names, lang)):
        values = sorted(by_link[p], key=lambda v: _term_sort(v[0], names, lang))
        cells = "".join(f'<li>{_term(s, names, lang, base_iri)}'
                        f'{" " + _badge("推断", "inferred", "inferred") if getattr(s, "value", None) in link_inferred else ""}'
                        f'{" " + _badge("推导", "entailed", "entailed") if ent else ""}</li>' for s, ent in values)
        in_rows_html.append(f'<tr><th scope="row">{_entity(p, names, lang, base_iri)}</th><td><ul class="values">{cells}</ul></td></tr>')
    if in_rows_html:
        note = (f'<p class="cut">{_bi(f"只列出前 {MAX_INCOMING} 条。", f"Only the first {MAX_INCOMING} are listed.")}</p>'
                if cut else "")
        sections.append(f'<section>{_heading(2, "被引用", "Linked from", "linked-from")}'
                        f'<p class="hint">{_bi("以下节点通过所示属性指向本实体。", "These nodes point to this entity through the property shown.")}</p>'
                        f'<table class="facts"><tbody>{"".join(in_rows_html)}</tbody></table>{note}</section>')

    # --- source quotes
    own_evidence: dict[str, list[ox.Literal]] = defaultdict(list)
    for (p, o), gs in out.items():
        if p == EVIDENCE and isinstance(o, ox.Literal):
            for g in gs:
                if is_source(g):
                    own_evidence[g].append(o)
    parts = []
    if sources:
        recorded = " ".join(f"<li>{_source_ref(g, names, issued, lang, base_iri)}</li>" for g in sources)
        parts.append(f'<p class="recorded">{_bi("记载于", "Recorded in")}</p><ul class="sources">{recorded}</ul>')
    for g in sorted(own_evidence):
        quotes = "".join(f'<blockquote{_lang_attr(q.language)}>{_e(q.value)}</blockquote>'
                         for q in sorted(own_evidence[g], key=lambda q: q.value))
        parts.append(f'<div class="evidence"><p class="from">{_bi("出自", "From")} {_source_ref(g, names, issued, lang, base_iri)}</p>{quotes}</div>')
    linked = []
    for n in sorted(link_evidence, key=lambda n: _sort_name(n, names, lang)):
        block = f'<h4>{_entity(n, names, lang, base_iri)}'
        if n in link_inferred:
            block += " " + _badge("推断", "inferred", "inferred")
        block += "</h4>"
        if n in link_inferred and link_notes.get(n):
            block += '<div class="note">' + "".join(
                f'<p{_lang_attr(tag)}>{_e(text)}</p>' for tag in _langs_first(link_notes[n]) for text in link_notes[n][tag]) + "</div>"
        for g in sorted(link_evidence[n]):
            quotes = "".join(f'<blockquote{_lang_attr(q.language)}>{_e(q.value)}</blockquote>'
                             for q in sorted(link_evidence[n][g], key=lambda q: q.value))
            block += f'<p class="from">{_bi("出自", "From")} {_source_ref(g, names, issued, lang, base_iri)}</p>{quotes}'
        linked.append(f'<div class="evidence linked">{block}</div>')
    if linked:
        parts.append(f'{_heading(3, "相连节点的原文依据", "Evidence behind its links", "linked-evidence")}'
                     + "".join(linked))
    if parts:
        sections.append(f'<section>{_heading(2, "来源原文", "Source quotes", "sources")}{"".join(parts)}</section>')

    # --- map and documents
    focus = quote(iri, safe="")
    sections.append(f'<section>{_heading(2, "关系图", "Map", "map")}'
                    f'<iframe class="ego-map" src="/map?view=ego&amp;focus={_e(focus)}&amp;hops=1" '
                    f'sandbox="allow-scripts" loading="lazy" title="{_e(title)} — 关系图 · map"></iframe>'
                    f'<p><a href="/map?view=ego&amp;focus={_e(focus)}&amp;hops=2">{_bi("打开大图(两跳)", "Open the map (two hops)")}</a></p></section>')
    path = local_path(iri, base_iri=base_iri)
    head_links = ""
    if path and not path.startswith("/ontology"):
        doc_links = " · ".join(f'<a href="{_e(path)}.{ext}" type="{media}">{label}</a>' for ext, media, label in ALTERNATES)
        head_links = "".join(f'<link rel="alternate" type="{media}" href="{_e(path)}.{ext}">\n'
                             for ext, media, _ in ALTERNATES)
        sections.append(f'<section>{_heading(2, "数据", "Data", "data")}<p>{_bi("本页的 RDF 文档", "This page as RDF")}: '
                        f'{doc_links}</p></section>')

    # --- the entailed schema.org view
    if schema_view:
        rows_html = "".join(
            f'<tr><th scope="row">{_entity(p, names, lang, base_iri)}</th><td><ul class="values">'
            + "".join(f"<li>{_term(o, names, lang, base_iri)}</li>" for o in sorted(schema_view[p], key=lambda o: _term_sort(o, names, lang)))
            + "</ul></td></tr>" for p in sorted(schema_view, key=lambda p: _short(p, base_iri)))
        sections.append(f'<section><details><summary>{_bi("推导的 schema.org 等词表视图", "Entailed view in schema.org and other vocabularies")}'
                        f'</summary><table class="facts"><tbody>{rows_html}</tbody></table></details></section>')
    return _shell(title, "\n".join(sections), head=head_links, page_class="entity")


def _langs_first(by_lang: dict[str, list[str]]) -> list[str]:
    return sorted(by_lang, key=lambda t: ({"zh": 0, "en": 1}.get(t, 2), t))


def _sort_name(iri: str, names: Names, lang: str) -> tuple:
    picked = _pick(names.get(iri), lang)
    return (0 if picked else 1, picked[0][0].lower() if picked else iri)


def _source_ref(g: str, names: Names, issued: dict[str, str], lang: str, base_iri: str) -> str:
    date = f' <span class="date">{_e(issued[g])}</span>' if g in issued else ""
    return f'<cite>{_entity(g, names, lang, base_iri)}</cite>{date}'


# ---------------------------------------------------------------- not found, suggestions, errors

def suggestions(backend: Backend, text: str, *, limit: int = 5) -> list[tuple[str, str]]:
    """Up to ``limit`` ``(iri, label)`` pairs of entities whose name or IRI tail resembles
    ``text`` (case-insensitive): those containing it first (exact names, then names that start
    with it, then the rest, shorter names first), then close matches (:mod:`difflib`) on names.
    ``text`` may be a path (``/id/city/almatyy.html``): its last segment is used. The label is the
    Chinese name with the English one beside it. Terms of the ontology are not suggested. One
    query; the text is compared in Python and never reaches the store.
    """
    wanted = (text or "").strip()
    if "/" in wanted:
        wanted = next((s for s in reversed(wanted.split("/")) if s), "")
    wanted = _DOC_SUFFIX.sub("", wanted).lower()
    if not wanted or limit <= 0:
        return []
    spaced = re.sub(r"[-_]+", " ", wanted)
    names: Names = {}
    for row in select(backend, f"SELECT ?s ?l WHERE {{ ?s <{LABEL}>|<{ALT_LABEL}> ?l FILTER(isIRI(?s)) }}"):
        iri = row["s"].value
        if not iri.startswith(FG) and iri != ONTOLOGY:
            _add_name(names, iri, row["l"])
    scored = []
    for iri, by_lang in names.items():
        candidates = {v.lower() for vs in by_lang.values() for v in vs}
        tail = iri.rstrip("/").rsplit("/", 1)[-1].lower()
        candidates |= {tail, re.sub(r"[-_]+", " ", tail)}
        hits = [c for c in candidates if wanted in c or spaced in c]
        if hits:
            best = min(((0 if c in (wanted, spaced) else 1 if c.startswith((wanted, spaced)) else 2, len(c)) for c in hits))
            scored.append((best, iri))
    found = [iri for _, iri in sorted(scored)][:limit]
    if len(found) < limit:
        by_name: dict[str, list[str]] = defaultdict(list)
        for iri, by_lang in names.items():
            for vs in by_lang.values():
                for v in vs:
                    by_name[v.lower()].append(iri)
        for match in difflib.get_close_matches(wanted, list(by_name), n=limit * 3, cutoff=0.6):
            for iri in sorted(by_name[match]):
                if iri not in found and len(found) < limit:
                    found.append(iri)
    return [(iri, " · ".join(t for t, _ in _pick(names[iri], "zh"))) for iri in found]


def not_found_page(path: str, suggestions, *, base_iri: str) -> str:
    """The body of a 404 page for the request ``path``: it says that the IRI is not in the
    graph (shown escaped), lists ``suggestions`` (``(iri, label)`` pairs) as links and points
    to the query page."""
    shown = base_iri + str(path).lstrip("/")
    items = "".join(f"<li>{_link(iri, _e(label or iri), base_iri)} <code>{_e(iri)}</code></li>"
                    for iri, label in suggestions)
    listing = (f'{_heading(2, "您要找的可能是", "Did you mean")}<ul class="suggestions">{items}</ul>' if items else "")
    body = (f'{_heading(1, "未找到", "Not found")}'
            f'<p>{_bi("知识图谱中没有这个 IRI:", "This IRI is not in the knowledge graph:")}</p>'
            f'<p class="iri-line"><code>{_e(shown)}</code></p>{listing}'
            f'<p><a href="/">{_bi("到查询页查找", "Search on the query page")}</a> · '
            f'<a href="/ontology">{_bi("浏览本体", "Browse the ontology")}</a></p>')
    return _shell("未找到 · Not found", body, page_class="error")


def error_page(status: int, message: str) -> str:
    """A page for HTTP ``status`` with ``message`` (escaped) and a link back to the query page."""
    try:
        phrase = HTTPStatus(int(status)).phrase
    except ValueError:
        phrase = "Error"
    body = (f'<h1><span class="status">{_e(status)}</span> <span lang="en">{_e(phrase)}</span></h1>'
            f'<p class="message">{_e(message)}</p>'
            f'<p><a href="/">{_bi("回到查询页", "Back to the query page")}</a></p>')
    return _shell(f"{status} {phrase}", body, page_class="error")


# ---------------------------------------------------------------- the ontology

_KINDS = (  # (rdf:type, anchor of the section, zh, en)
    (OWL + "Class", "classes", "类", "Classes"),
    (OWL + "ObjectProperty", "object-properties", "对象属性", "Object properties"),
    (OWL + "DatatypeProperty", "datatype-properties", "数据属性", "Datatype properties"),
    (OWL + "AnnotationProperty", "annotation-properties", "注释属性", "Annotation properties"),
    (SKOS + "ConceptScheme", "concept-schemes", "概念体系", "Concept schemes"),
    (SKOS + "Concept", "concepts", "概念", "Concepts"),
)


class _Ontology:
    """The ontology graph of the store, read with one query and indexed by subject."""

    def __init__(self, backend: Backend, base_iri: str):
        self.base_iri = base_iri
        self.by_subject: dict = defaultdict(lambda: defaultdict(list))
        rows = select(backend, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri('ontology', base_iri)}> {{ ?s ?p ?o }} }}")
        self.names: Names = {}
        for row in rows:
            s, p, o = row["s"], row["p"].value, row["o"]
            values = self.by_subject[s][p]
            if o not in values:
                values.append(o)
            if p == LABEL and isinstance(s, ox.NamedNode):
                _add_name(self.names, s.value, o)

    def terms(self) -> dict[str, str]:
        """fg: term IRI -> its kind (the first of :data:`_KINDS` it is typed with)."""
        kinds = [k for k, *_ in _KINDS]
        found = {}
        for s, props in self.by_subject.items():
            if isinstance(s, ox.NamedNode) and s.value.startswith(FG) and _TERM_NAME.fullmatch(s.value[len(FG):]):
                types = [t.value for t in props.get(TYPE, []) if isinstance(t, ox.NamedNode)]
                kind = next((k for k in kinds if k in types), None)
                if kind:
                    found[s.value] = kind
        return found

    def get(self, iri: str, p: str) -> list:
        return self.by_subject.get(ox.NamedNode(iri), {}).get(p, [])

    def texts(self, iri: str, p: str) -> dict[str, list[str]]:
        out: Names = {}
        for o in self.get(iri, p):
            _add_name(out, "x", o)
        return out.get("x", {})

    def ref(self, term, lang: str = "zh") -> str:
        """A class expression as markup: a named term linked, a union as ``A ∪ B``, an inverse as
        ``inverse(P)``, a list as ``A ∘ B``."""
        if isinstance(term, ox.NamedNode):
            return _entity(term.value, self.names, lang, self.base_iri)
        if isinstance(term, ox.BlankNode):
            props = self.by_subject.get(term, {})
            if props.get(OWL + "unionOf"):
                return " ∪ ".join(self.ref(t, lang) for t in self.items(props[OWL + "unionOf"][0]))
            if props.get(OWL + "inverseOf"):
                return "inverse(" + self.ref(props[OWL + "inverseOf"][0], lang) + ")"
            if props.get(RDF + "first"):
                return " ∘ ".join(self.ref(t, lang) for t in self.items(term))
        return f'<span class="iri">{_e(str(term))}</span>'

    def items(self, node) -> list:
        out, seen = [], set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            props = self.by_subject.get(node, {})
            out += props.get(RDF + "first", [])[:1]
            node = (props.get(RDF + "rest") or [None])[0]
        return out

    def subjects(self, p: str, o: str) -> list[str]:
        target = ox.NamedNode(o)
        return sorted(s.value for s, props in self.by_subject.items()
                      if isinstance(s, ox.NamedNode) and target in props.get(p, []))


def _term_block(onto: _Ontology, iri: str, kind: str, *, level: int, with_subterms: bool) -> str:
    """Labels, comment, super terms, alignments, domain/range, inverse, chain of one term."""
    name = iri[len(FG):]
    picked = _pick(onto.names.get(iri), "zh")
    heading = (f'<h{level}><a href="/ontology/{_e(name)}">{_name_html(picked, "fg:" + name)}</a> '
               f'<code>fg:{_e(name)}</code></h{level}>')
    comments = onto.texts(iri, COMMENT)
    body = "".join(f'<p class="comment"{_lang_attr(tag)}>{_e(text)}</p>' for tag in _langs_first(comments)
                   for text in comments[tag])
    rows = []
    supers = onto.get(iri, RDFS + "subClassOf") + onto.get(iri, RDFS + "subPropertyOf")
    supers += onto.get(iri, SKOS + "broader")
    own = [t for t in supers if not (isinstance(t, ox.NamedNode) and not t.value.startswith(FG))]
    external = [t for t in supers if isinstance(t, ox.NamedNode) and not t.value.startswith(FG)]
    external += [t for p in (OWL + "equivalentClass", OWL + "equivalentProperty", SKOS + "exactMatch",
                             SKOS + "closeMatch") for t in onto.get(iri, p)]
    external.sort(key=lambda t: (not str(getattr(t, "value", "")).startswith(SCHEMA), str(t)))
    is_class = kind == OWL + "Class"
    sup_zh, sup_en = ("上位类", "Superclasses") if is_class else ("上位", "Broader") if kind.startswith(SKOS) else ("上位属性", "Super-properties")

    def row(zh: str, en: str, terms) -> None:
        if terms:
            rows.append(f'<tr><th scope="row">{_bi(zh, en)}</th><td>{" · ".join(terms)}</td></tr>')

    row(sup_zh, sup_en, [onto.ref(t) for t in own])
    if with_subterms:
        sub_p = RDFS + "subClassOf" if is_class else SKOS + "broader" if kind.startswith(SKOS) else RDFS + "subPropertyOf"
        row("下位类" if is_class else "下位", "Subclasses" if is_class else "Narrower", [onto.ref(ox.NamedNode(s)) for s in onto.subjects(sub_p, iri)])
    row("对齐", "Alignments", [_link(t.value, f"<code>{_e(_short(t.value, onto.base_iri))}</code>", onto.base_iri)
                               if isinstance(t, ox.NamedNode) else onto.ref(t) for t in external])
    row("定义域", "Domain", [onto.ref(t) for t in onto.get(iri, RDFS + "domain")])
    row("值域", "Range", [onto.ref(t) for t in onto.get(iri, RDFS + "range")])
    row("逆属性", "Inverse of", [onto.ref(t) for t in onto.get(iri, OWL + "inverseOf")])
    row("属性链", "Property chain", [onto.ref(t) for t in onto.get(iri, OWL + "propertyChainAxiom")])
    row("所属概念体系", "In scheme", [onto.ref(t) for t in onto.get(iri, SKOS + "inScheme")])
    if with_subterms and is_class:
        row("以此为定义域的属性", "Properties with this domain", [onto.ref(ox.NamedNode(s)) for s in onto.subjects(RDFS + "domain", iri)])
        row("以此为值域的属性", "Properties with this range", [onto.ref(ox.NamedNode(s)) for s in onto.subjects(RDFS + "range", iri)])
    table = f'<table class="term-facts"><tbody>{"".join(rows)}</tbody></table>' if rows else ""
    return heading + body + table


def ontology_page(backend: Backend, *, base_iri: str) -> str:
    """The ontology as one HTML page: its title and description, then every class, object
    property, datatype property, concept scheme and concept of ``fg:``, each in a section with
    ``id="<Term>"``, its zh/en labels and comments, super terms, schema.org (and other)
    alignments, domain and range, and a link to ``/ontology/<Term>``. Read from the ontology graph
    of the store with one query."""
    onto = _Ontology(backend, base_iri)
    terms = onto.terms()
    title = " · ".join(t for t, _ in _pick(onto.names.get(ONTOLOGY), "zh")) or "filmgraph ontology"
    head_parts = [f"<h1>{_name_html(_pick(onto.texts(ONTOLOGY, TITLE) or onto.names.get(ONTOLOGY), 'zh'), 'filmgraph ontology')}</h1>",
                  f'<p class="iri-line"><code>{_e(FG)}</code></p>']
    description = onto.texts(ONTOLOGY, DCTERMS + "description")
    head_parts += [f'<p{_lang_attr(tag)}>{_e(text)}</p>' for tag in _langs_first(description) for text in description[tag]]
    version = [o.value for o in onto.get(ONTOLOGY, OWL + "versionInfo") if isinstance(o, ox.Literal)]
    if version:
        head_parts.append(f'<p>{_bi("版本", "Version")} {_e(version[0])}</p>')
    head_parts.append(f'<p>{_bi("下载", "Download")}: <a href="/ontology.ttl" type="text/turtle">Turtle</a></p>')
    toc, sections = [], []
    for kind, anchor, zh, en in _KINDS:
        members = sorted((t for t, k in terms.items() if k == kind), key=lambda t: t[len(FG):].lower())
        if not members:
            continue
        toc.append(f'<li><a href="#{anchor}">{_bi(zh, en)}</a> ({len(members)})</li>')
        blocks = "".join(f'<section class="term" id="{_e(t[len(FG):])}">{_term_block(onto, t, kind, level=3, with_subterms=False)}</section>'
                         for t in members)
        sections.append(f'<section class="kind">{_heading(2, zh, en, anchor)}{blocks}</section>')
    body = (f'<section class="entity-head">{"".join(head_parts)}</section>'
            f'<nav class="toc" aria-label="contents"><ul>{"".join(toc)}</ul></nav>' + "".join(sections))
    return _shell(title, body, head='<link rel="alternate" type="text/turtle" href="/ontology.ttl">\n',
                  page_class="ontology")


def term_page(backend: Backend, name: str, *, base_iri: str) -> str | None:
    """The page of the ontology term ``fg:<name>``; None when ``name`` is not a plain term name
    (letters, digits, ``_``: so ``../x`` or ``%2e%2e`` never reach the store) or the ontology
    declares no class, property, concept scheme or concept of that name.

    It shows labels, comments, super and sub terms, alignments, domain and range; for a class how
    many instances the data has (entailed types included) and up to :data:`MAX_INSTANCES` of them;
    for a property how many distinct uses; for a concept the nodes that use it."""
    if not isinstance(name, str) or not _TERM_NAME.fullmatch(name):
        return None
    iri = FG + name
    onto = _Ontology(backend, base_iri)
    kind = onto.terms().get(iri)
    if kind is None:
        return None
    ref = _sparql_iri(iri)
    body = [f'<p class="crumbs"><a href="/ontology#{_e(name)}">{_bi("本体", "Ontology")}</a> › '
            f'{_bi(*next((zh, en) for k, _, zh, en in _KINDS if k == kind))}</p>',
            f'<section class="term" id="{_e(name)}">{_term_block(onto, iri, kind, level=1, with_subterms=True)}</section>']
    if kind in (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"):
        rows = select(backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s {ref} ?o }} }}")
        count = int(rows[0]["n"].value) if rows else 0
        body.append(f'<section>{_heading(2, "使用", "Uses", "uses")}<p>{_bi("数据中使用此属性的次数", "Statements in the data that use this property")}: '
                    f'<strong class="count">{count}</strong></p></section>')
    elif kind != SKOS + "ConceptScheme":
        pattern = (f"?s a {ref}" if kind == OWL + "Class"
                   else f'?s ?p {ref} FILTER(isIRI(?s) && !STRSTARTS(STR(?s), "{FG}"))')
        rows = select(backend, f"""
        SELECT ?n ?s ?l WHERE {{
          {{ SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }} }}
          {{ SELECT DISTINCT ?s WHERE {{ {pattern} }} ORDER BY ?s LIMIT {MAX_INSTANCES} }}
          OPTIONAL {{ ?s <{LABEL}> ?l }}
        }}""")
        count = int(rows[0]["n"].value) if rows else 0
        names: Names = {}
        for row in rows:
            names.setdefault(row["s"].value, {})
            _add_name(names, row["s"].value, row.get("l"))
        items = "".join(f"<li>{_entity(s, names, 'zh', base_iri)}</li>"
                        for s in sorted(names, key=lambda s: _sort_name(s, names, "zh")))
        zh, en = ("实例", "Instances") if kind == OWL + "Class" else ("使用此概念的节点", "Nodes that use this concept")
        more = (f'<p class="cut">{_bi(f"只列出前 {MAX_INSTANCES} 个。", f"Only the first {MAX_INSTANCES} are listed.")}</p>'
                if count > MAX_INSTANCES else "")
        body.append(f'<section>{_heading(2, zh, en, "instances")}<p>{_bi("数量", "Count")}: <strong class="count">{count}</strong></p>'
                    f'<ul class="instances">{items}</ul>{more}</section>')
    title = " · ".join(t for t, _ in _pick(onto.names.get(iri), "zh")) or f"fg:{name}"
    return _shell(title, "\n".join(body), page_class="term-page")
