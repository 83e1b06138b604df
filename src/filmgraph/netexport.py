"""The projection as a network file for Gephi, Cytoscape and other network tools.

:func:`export_network` writes the graph of :func:`filmgraph.projection.project` as GraphML, GEXF or
Cytoscape.js JSON. Those formats hold only plain values, so attributes are flattened:

- ``labels`` becomes ``label_zh``, ``label_en``, ``label_ru``, ``label_kk`` (those present) and
  ``label`` (Chinese, else English, else the IRI's last part), which Gephi and Cytoscape show;
  ``cls_labels`` becomes ``cls_label_zh`` / ``cls_label_en`` likewise;
- lists (``country``, ``sources``, ``quotes``) are joined with ``" | "``; ``country_label`` adds the
  countries' labels beside their IRIs;
- other dicts are flattened with ``_`` between the keys; values that are None are dropped.

Nodes are identified by their IRI. Every edge gets a unique id (``e0``, ``e1``, … in the order of
the projection) and keeps its ``predicate`` (the property's IRI or the collapsed node's IRI), so
parallel edges survive in every format.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import networkx as nx

from .atomic import replace_file
from .errors import OutputError, UsageError, display_path

FORMATS = ("graphml", "gexf", "json")
SEPARATOR = " | "
LABEL_LANGUAGES = ("zh", "en", "ru", "kk")


@dataclass(frozen=True)
class NetworkExport:
    """What :func:`export_network` wrote: where, in which format, and how many nodes and edges."""

    path: Path
    format: str
    nodes: int
    edges: int
    bytes: int


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return SEPARATOR.join(str(v) for v in items if v is not None)
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _short(iri: str) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def flatten(attrs: Mapping[str, Any], *, ident: str = "", country_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``attrs`` of one node or edge with only plain values (see the module docstring).

    ``ident`` (the node's IRI) names the node in ``label`` when it has no label; ``country_labels``
    maps country IRIs to the labels used in ``country_label``.
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if key in ("labels", "cls_labels") and isinstance(value, Mapping):
            prefix = "label" if key == "labels" else "cls_label"
            for lang in LABEL_LANGUAGES:
                if value.get(lang):
                    out[f"{prefix}_{lang}"] = str(value[lang])
            for lang, text in value.items():
                if lang not in LABEL_LANGUAGES and text:
                    out[f"{prefix}_{lang or 'none'}".replace("-", "_")] = str(text)
            if key == "labels":
                out["label"] = str(value.get("zh") or value.get("en") or next((v for v in value.values() if v), "")
                                   or _short(attrs.get("iri") or attrs.get("predicate") or ident))
            continue
        if isinstance(value, Mapping):
            for sub, item in value.items():
                if item is not None:
                    out[f"{key}_{sub}"] = _plain(item)
            continue
        out[key] = _plain(value)
        if key == "country" and country_labels is not None and isinstance(value, (list, tuple)):
            out["country_label"] = SEPARATOR.join(country_labels.get(c, _short(c)) for c in value)
    if "label" not in out and ident:
        out["label"] = _short(ident)
    return out


def flat_graph(graph: nx.Graph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with flattened attributes, nodes named by their IRI as a string and
    edges keyed ``e0``, ``e1``, … (directed: an undirected input gives each edge once, as listed)."""
    country_labels = {}
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Country":
            labels = data.get("labels") or {}
            country_labels[str(data.get("iri", node))] = labels.get("zh") or labels.get("en") or _short(str(node))
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(str(node), **flatten(data, ident=str(node), country_labels=country_labels))
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else ((u, v, None, d) for u, v, d in graph.edges(data=True))
    for i, (u, v, key, data) in enumerate(edges):
        attrs = flatten(data)
        if "predicate" not in attrs and key is not None:
            attrs["predicate"] = str(key)
        flat.add_edge(str(u), str(v), key=f"e{i}", **attrs)
    return flat


def cytoscape_elements(flat: nx.MultiDiGraph) -> dict[str, Any]:
    """The Cytoscape.js ``elements`` document of a :func:`flat_graph` (also read by Cytoscape desktop
    and by :func:`networkx.cytoscape_graph`): nodes carry ``id``, ``name`` (the label) and ``value``
    (the IRI); edges carry ``id``, ``source``, ``target`` and ``key``."""
    nodes = [{"data": {**data, "id": node, "name": data.get("label") or node, "value": node}}
             for node, data in flat.nodes(data=True)]
    edges = [{"data": {**data, "id": key, "source": u, "target": v, "key": key}}
             for u, v, key, data in flat.edges(keys=True, data=True)]
    return {"data": [], "directed": True, "multigraph": True, "elements": {"nodes": nodes, "edges": edges}}


_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _for_gexf(flat: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GEXF reads ``start``/``end`` as the time span of a node (Gephi's timeline) and wants full
    dates there: other values move to ``start_date``/``end_date``. Edge ids are the edge keys."""
    out = nx.MultiDiGraph()
    for node, data in flat.nodes(data=True):
        data = dict(data)
        for key in ("start", "end"):
            if key in data and not _FULL_DATE.fullmatch(str(data[key])):
                data[f"{key}_date"] = str(data.pop(key))
        out.add_node(node, **data)
    for u, v, key, data in flat.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **{**data, "id": key})
    return out


def export_network(graph: nx.Graph, path: str | os.PathLike, *, format: str = "graphml") -> NetworkExport:
    """Write ``graph`` (the projection) to ``path`` as ``graphml``, ``gexf`` (GEXF 1.2) or ``json``
    (Cytoscape.js elements), with flattened attributes (see the module docstring).

    The file is written to a temporary file in the same folder and moved into place in one step,
    so ``path`` holds either its previous content or the complete new file, never a partial one.
    Raises :class:`UsageError` for an unknown format (nothing is written) and :class:`OutputError`
    when the file cannot be written (the previous file is left as it was).
    """
    if format not in FORMATS:
        raise UsageError(f"unknown network format {format!r} — use one of {', '.join(FORMATS)}")
    if not isinstance(graph, nx.Graph):
        raise UsageError(f"export_network needs a networkx graph, not {type(graph).__name__}")
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{display_path(target)} is a folder — give a file name for the network; nothing was written")
    flat = flat_graph(graph)
    with replace_file(target, what="the network") as out:
        if format == "graphml":
            nx.write_graphml(flat, out, encoding="utf-8", prettyprint=True)
        elif format == "gexf":
            nx.write_gexf(_for_gexf(flat), out, encoding="utf-8", prettyprint=True)
        else:
            out.write(json.dumps(cytoscape_elements(flat), ensure_ascii=False, indent=1).encode("utf-8"))
            out.write(b"\n")
    size = target.stat().st_size
    return NetworkExport(target, format, flat.number_of_nodes(), flat.number_of_edges(), size)
