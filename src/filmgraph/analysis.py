"""Network analytics of the projection: who is central, who brokers between countries, which
groups form, how countries cooperate and when things happened.

:func:`analyze` takes the graph that :func:`filmgraph.projection.project` returns and gives an
:class:`Analysis`; :func:`render` turns it into a table, CSV or JSON and :func:`render_report`
into a self-contained HTML page with charts. Every section carries a plain-language heading and a
one-sentence explanation in Chinese and English (:data:`SECTIONS`).

All measures are computed on the *undirected simple* view of the projection: direction and
parallel edges are dropped, self-loops ignored, so "A is linked to B" means any edge either way.

Rules, stated once:

- **Countries** are the nodes of kind ``Country``. China is the node whose IRI ends with
  ``/id/country/china``; nothing else about any country is built in.
- **Chinese / foreign organisations**: nodes of kind ``Organization`` whose ``country`` list
  contains China / is not empty and does not contain China. ``country`` is where the projection
  places the organisation (where it is based), so a Chinese consulate abroad counts for the
  country it is based in. Organisations without a known country are neither.
- **Brokers**: articulation points of the undirected simple graph whose removal either increases
  the number of pairs of countries that no path connects, or leaves a Chinese organisation and a
  foreign organisation (that were connected) in different components.
- **Country matrix**, for each unordered pair of countries A ≠ B:

  - *events*: nodes of kind ``Event`` that involve both, where an event involves the countries of
    its own ``country`` (where it takes place) and of the nodes linked to it by ``fg:participant``,
    ``fg:organizer``, ``fg:location``, ``fg:inviter``, ``fg:invitee`` or by a collapsed role or
    statement edge (a person or organisation acting at the event). A person counts for the
    countries of the organisations they are linked to (their posts);
  - *talks*: those of these events whose class (``cls``) is ``fg:ProfessionalTalks``;
  - *co-productions*: nodes of kind ``CoProduction`` whose partner countries (``fg:partnerCountry``,
    the node's ``country``, and the countries of its ``fg:partnerOrganization``) include both;
  - *screenings*: distinct (film, host country) showings where a ``fg:Screening`` or
    ``fg:ScreeningProgramme`` event taking place in one country of the pair (its own ``country``)
    shows (``fg:screenedFilm``) a film originating in the other: the film's ``fg:countryOfOrigin``,
    its own ``country``, or a partner country of a co-production of that film. A film shown in the
    same country by a programme and by its sub-screenings counts once; the events are kept as
    evidence. Screening events without a known place are not counted (listed in the notes).
- **Timeline**: events with a ``start`` or ``end`` date, by start date then end date (latest end
  first, so a larger event comes before its parts); parents come from ``fg:subEvent`` (parent →
  part) and ``fg:superEvent`` (part → parent) edges.
"""
from __future__ import annotations

import csv
import heapq
import html
import io
import json
import math
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

import networkx as nx

from .errors import FilmgraphError, UsageError
from .namespaces import FG

#: above this many nodes, betweenness is estimated from sampled pivots (exact is O(nodes × edges):
#: about 1 s for 1,000 nodes and 24 s for 4,000 on a 2-core machine; minutes beyond)
EXACT_BETWEENNESS_MAX_NODES = 1500
#: when betweenness is estimated and ``pivots`` is not given, the number of pivots keeps the work
#: (pivots × edges) near that of the exact computation at the limit, within these bounds: see
#: :func:`default_pivots`
BETWEENNESS_WORK = 5_000_000
MIN_PIVOTS, MAX_PIVOTS = 100, 1000
#: the ending of China's IRI; China is found by it, so that the base IRI can change
CHINA_SUFFIX = "/id/country/china"

FORMATS = ("table", "json", "csv")
LANGUAGES = ("zh", "en", "ru", "kk")

_PARTICIPATION = {FG + p for p in ("participant", "organizer", "location", "inviter", "invitee")}
_SCREENING_CLASSES = {FG + "Screening", FG + "ScreeningProgramme"}
_TALKS_CLASS = FG + "ProfessionalTalks"


@dataclass(frozen=True)
class SectionText:
    """The heading and one-sentence explanation of a section, in Chinese and English."""

    zh: str
    en: str
    explain_zh: str
    explain_en: str

    def heading(self, lang: str = "zh") -> str:
        return f"{self.zh} · {self.en}" if lang == "zh" else f"{self.en} · {self.zh}"

    def explain(self, lang: str = "zh") -> str:
        return self.explain_zh if lang == "zh" else self.explain_en


#: every section of an analysis, in the order renderers show them
SECTIONS: dict[str, SectionText] = {
    "overview": SectionText("概览", "Overview", "这个网络有多大,以及用了哪些计算方法。",
                            "How big the network is and which methods were used."),
    "degree": SectionText("谁的联系最多", "Who has the most ties", "直接相连的其他实体越多,排名越靠前。",
                          "Ranked by how many other entities each one is directly linked to."),
    "betweenness": SectionText("谁站在必经之路上", "Who sits on the paths between others",
                               "其他实体之间的最短路径越多地经过它,排名越靠前;这样的实体掌握着联系的流动。",
                               "Ranked by how many shortest paths between other entities run through it: "
                               "such entities control the flow of contacts."),
    "eigenvector": SectionText("谁与要角相连", "Who is tied to the well-connected",
                               "与本身联系广泛的实体相连越多,排名越靠前。",
                               "Ranked by links to entities that are themselves well connected."),
    "brokers": SectionText("谁是中间人", "Who connects whom",
                           "去掉这些实体后,一些国家之间、或中国机构与外国机构之间,就再也没有任何联系路径。",
                           "Without these entities some countries, or Chinese and foreign organisations, "
                           "would no longer be linked by any path."),
    "communities": SectionText("谁和谁抱团", "Who clusters together",
                               "彼此之间的联系多于与外界联系的实体群体;模块度越高,分群越清晰。",
                               "Groups of entities linked more among themselves than to the rest; "
                               "the higher the modularity, the clearer the split."),
    "country_matrix": SectionText("国与国如何合作", "How countries cooperate",
                                  "每一对国家共同涉及的活动、专业会谈、合拍片与放映的数量。",
                                  "For each pair of countries: shared events, professional talks, "
                                  "co-productions and screenings."),
    "timeline": SectionText("事件时间线", "Timeline of events", "有日期的活动按时间先后排列,并注明它所属的上级活动。",
                            "Dated events in order, each with the larger event it is part of."),
}


# ---------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NodeRef:
    """A node of the projection as results name it: IRI, kind and labels per language."""

    iri: str
    kind: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang``; else English (Chinese for ``zh``), else Chinese, else any, else the
        IRI's last part."""
        for key in (lang, "en", "zh") if lang != "zh" else ("zh", "en"):
            if self.labels.get(key):
                return self.labels[key]
        for value in self.labels.values():
            if value:
                return value
        return self.iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass(frozen=True)
class Note:
    """Something a reader must know to read the results right (a method switch, a gap in the data).

    ``code`` is stable for programs; ``zh`` and ``en`` are for people.
    """

    code: str
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Ranked:
    """One place in a ranking: ``value`` is the centrality, ``neighbours`` the node's distinct neighbours."""

    rank: int
    node: NodeRef
    value: float
    neighbours: int


@dataclass(frozen=True)
class Ranking:
    """The top entries of one centrality measure and how it was computed.

    ``method`` is one of ``exact``, ``sampled`` (betweenness from ``pivots`` sampled pivots with
    ``seed``), ``power-iteration``, ``fallback-degree`` (eigenvector did not converge; degree
    centrality stands in) or ``empty``. ``exact`` is False whenever the values are estimates or
    substitutes.
    """

    measure: str
    method: str
    exact: bool
    entries: tuple[Ranked, ...]
    pivots: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class BrokerPart:
    """One of the components that removing a broker leaves, within the broker's own component.

    ``via`` are the broker's neighbours in this part; ``countries`` the country nodes in it.
    """

    size: int
    countries: tuple[NodeRef, ...]
    chinese_organisations: int
    foreign_organisations: int
    via: tuple[NodeRef, ...]


@dataclass(frozen=True)
class Broker:
    """An articulation point that keeps countries, or Chinese and foreign organisations, connected.

    ``separated_country_pairs``: how many more pairs of (other) countries no path connects once it
    is removed. ``parts`` lists the resulting components that hold a country or a Chinese or foreign
    organisation, largest first; the others (``other_parts`` of them, ``other_nodes`` nodes in all)
    are only counted.
    """

    node: NodeRef
    separated_country_pairs: int
    separates_chinese_and_foreign: bool
    parts: tuple[BrokerPart, ...]
    other_parts: int
    other_nodes: int

    @property
    def country_groups(self) -> tuple[tuple[NodeRef, ...], ...]:
        """The groups of countries this broker connects: one per part that holds any."""
        return tuple(p.countries for p in self.parts if p.countries)


@dataclass(frozen=True)
class Community:
    """A group found by modularity optimisation; ``members`` best-connected first."""

    index: int
    size: int
    members: tuple[NodeRef, ...]


@dataclass(frozen=True)
class Communities:
    """A partition of every node into communities, with its modularity (−0.5 … 1; higher is clearer)."""

    method: str
    seed: int
    modularity: float
    items: tuple[Community, ...]


@dataclass(frozen=True)
class Showing:
    """A film shown in ``host`` that originates in ``origin``, and the screening events that showed it."""

    film: NodeRef
    host: NodeRef
    origin: NodeRef
    events: tuple[NodeRef, ...]


@dataclass(frozen=True)
class CountryPair:
    """Cooperation between countries ``a`` and ``b`` (an unordered pair; ``a`` sorts first by IRI)."""

    a: NodeRef
    b: NodeRef
    events: tuple[NodeRef, ...] = ()
    talks: tuple[NodeRef, ...] = ()
    coproductions: tuple[NodeRef, ...] = ()
    screenings: tuple[Showing, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {"events": len(self.events), "talks": len(self.talks),
                "coproductions": len(self.coproductions), "screenings": len(self.screenings)}

    @property
    def total(self) -> int:
        return sum(self.counts.values())


MEASURES = ("events", "talks", "coproductions", "screenings")


@dataclass(frozen=True)
class CountryMatrix:
    """Cooperation counts for every pair of countries (see the module docstring for the rules).

    ``countries``: every country node, most involved first. ``pairs``: the pairs with any
    cooperation. ``unplaced``: participants, organisers and screening events that could not be
    counted because no country is known for them.
    """

    countries: tuple[NodeRef, ...]
    pairs: tuple[CountryPair, ...]
    unplaced: tuple[NodeRef, ...]

    def pair(self, a: str, b: str) -> CountryPair:
        """The pair of the countries with IRIs ``a`` and ``b`` (all zero when they never cooperate).

        Raises :class:`KeyError` when either is not a country of the graph, or ``a == b``.
        """
        refs = {c.iri: c for c in self.countries}
        if a not in refs or b not in refs or a == b:
            raise KeyError(f"not a pair of distinct countries of the graph: {a}, {b}")
        x, y = sorted((a, b))
        for p in self.pairs:
            if p.a.iri == x and p.b.iri == y:
                return p
        return CountryPair(refs[x], refs[y])

    def count(self, a: str, b: str, measure: str) -> int:
        """The number of ``measure`` (one of :data:`MEASURES`) between countries ``a`` and ``b``."""
        return self.pair(a, b).counts[measure]


@dataclass(frozen=True)
class TimelineEntry:
    """A dated event; ``start`` and ``end`` are the ISO dates of the data (either may be None)."""

    node: NodeRef
    cls: str
    cls_labels: Mapping[str, str]
    start: str | None
    end: str | None
    parents: tuple[NodeRef, ...]


@dataclass(frozen=True)
class Timeline:
    """Dated events in order; ``undated`` lists the events with neither start nor end."""

    entries: tuple[TimelineEntry, ...]
    undated: tuple[NodeRef, ...]


@dataclass(frozen=True)
class Analysis:
    """Everything :func:`analyze` found; ``notes`` say what to keep in mind when reading it.

    ``timings_ms`` gives the time each step took, in milliseconds.
    """

    nodes: int
    edges: int
    simple_edges: int
    components: int
    top: int
    degree: Ranking
    betweenness: Ranking
    eigenvector: Ranking
    brokers: tuple[Broker, ...]
    communities: Communities
    matrix: CountryMatrix
    timeline: Timeline
    notes: tuple[Note, ...]
    timings_ms: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data, with the section headings and the matrix counts."""
        out = asdict(self)
        out["sections"] = {k: asdict(v) for k, v in SECTIONS.items()}
        for pair, data in zip(self.matrix.pairs, out["matrix"]["pairs"]):
            data["counts"] = pair.counts
        for broker, data in zip(self.brokers, out["brokers"]):
            data["country_groups"] = [[c.iri for c in group] for group in broker.country_groups]
        return out


# ---------------------------------------------------------------------------------------------
# analyze
# ---------------------------------------------------------------------------------------------

def _ref(graph: nx.Graph, node) -> NodeRef:
    data = graph.nodes[node]
    return NodeRef(str(data.get("iri", node)), str(data.get("kind", "Thing")), dict(data.get("labels") or {}))


def _simple(graph: nx.Graph) -> nx.Graph:
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return simple


def _ranking(graph, simple, measure, values: Mapping, top, method, *, pivots=None, seed=None) -> Ranking:
    order = heapq.nsmallest(top, values, key=lambda n: (-values[n], _ref(graph, n).label("en"), str(n)))
    entries = tuple(Ranked(i + 1, _ref(graph, n), float(values[n]), simple.degree(n)) for i, n in enumerate(order))
    return Ranking(measure, method, method not in ("sampled", "fallback-degree"), entries, pivots, seed)


def analyze(graph: nx.Graph, *, top: int = 10, pivots: int | None = None, seed: int = 7,
            exact_max_nodes: int = EXACT_BETWEENNESS_MAX_NODES) -> Analysis:
    """Analyse the projection ``graph`` (any networkx graph in the shape of
    :func:`filmgraph.projection.project`; missing attributes count as unknown).

    ``top``: entries kept per centrality ranking. Betweenness is exact when the graph has at most
    ``exact_max_nodes`` nodes and ``pivots`` is None; otherwise it is estimated from ``pivots``
    (default: :func:`default_pivots`) sampled pivots drawn with ``seed``, and the ranking says so
    (``method="sampled"``, a note too). Asking for at least as many pivots as there are nodes gives
    the exact result. Communities use the Louvain method with ``seed``; the same graph and seed give
    the same result. Eigenvector centrality falls back to degree centrality (and says so) when the
    power iteration does not converge.

    Raises :class:`UsageError` when ``top`` or ``pivots`` is below 1, ``exact_max_nodes`` below 0,
    or ``graph`` is not a networkx graph. An empty graph gives empty sections, not an error.
    """
    if not isinstance(graph, nx.Graph):
        raise UsageError(f"analyze needs a networkx graph (from filmgraph.projection.project), not {type(graph).__name__}")
    if not isinstance(top, int) or top < 1:
        raise UsageError(f"top must be a whole number of at least 1, not {top!r}")
    if pivots is not None and (not isinstance(pivots, int) or pivots < 1):
        raise UsageError(f"pivots must be a whole number of at least 1 (or None for automatic), not {pivots!r}")
    if not isinstance(exact_max_nodes, int) or exact_max_nodes < 0:
        raise UsageError(f"exact_max_nodes must be a whole number of at least 0, not {exact_max_nodes!r}")
    timings: dict[str, float] = {}
    notes: list[Note] = []

    def timed(name, call):
        start = time.perf_counter()
        result = call()
        timings[name] = round((time.perf_counter() - start) * 1000, 3)
        return result

    simple = timed("simple_graph", lambda: _simple(graph))
    n = simple.number_of_nodes()
    components = nx.number_connected_components(simple) if n else 0

    degree = timed("degree", lambda: _ranking(graph, simple, "degree", nx.degree_centrality(simple) if n else {},
                                               top, "exact" if n else "empty"))
    betweenness = timed("betweenness", lambda: _betweenness(graph, simple, top, pivots, seed, exact_max_nodes, notes))
    eigenvector = timed("eigenvector", lambda: _eigenvector(graph, simple, top, components, notes))
    brokers = timed("brokers", lambda: _brokers(graph, simple, notes))
    communities = timed("communities", lambda: _communities(graph, simple, seed))
    matrix = timed("country_matrix", lambda: _matrix(graph, notes))
    timeline = timed("timeline", lambda: _timeline(graph, notes))
    return Analysis(n, graph.number_of_edges(), simple.number_of_edges(), components, top, degree, betweenness,
                    eigenvector, brokers, communities, matrix, timeline, tuple(notes), timings)


def default_pivots(nodes: int, edges: int) -> int:
    """The pivots sampled for betweenness on a graph this size when none are asked for:
    :data:`BETWEENNESS_WORK` ÷ ``edges``, between :data:`MIN_PIVOTS` and :data:`MAX_PIVOTS` (and at
    most ``nodes``). On a 2-core machine that is 2–8 s up to about 10,000 nodes; above, the cost grows
    with the edges (100 pivots: about 35 s for 50,000 nodes and 113,000 edges)."""
    return max(1, min(nodes, MAX_PIVOTS, max(MIN_PIVOTS, BETWEENNESS_WORK // max(edges, 1))))


def _betweenness(graph, simple, top, pivots, seed, exact_max_nodes, notes) -> Ranking:
    n = simple.number_of_nodes()
    if not n:
        return Ranking("betweenness", "empty", True, ())
    k = pivots if pivots is not None else (default_pivots(n, simple.number_of_edges()) if n > exact_max_nodes else None)
    if k is None or k >= n:
        return _ranking(graph, simple, "betweenness", nx.betweenness_centrality(simple), top, "exact")
    values = nx.betweenness_centrality(simple, k=k, seed=seed)
    why_zh = (f"网络有 {n} 个节点,超过精确计算的上限 {exact_max_nodes}" if pivots is None else "按要求抽样")
    why_en = (f"the network has {n} nodes, above the limit of {exact_max_nodes} for the exact computation"
              if pivots is None else "as asked")
    notes.append(Note("betweenness-sampled",
                      f"中介中心性是由 {k} 个随机抽样的起点估算的(种子 {seed}),因为{why_zh};数值为估计值。",
                      f"Betweenness is estimated from {k} sampled pivots (seed {seed}) because {why_en}; "
                      "the values are estimates."))
    return _ranking(graph, simple, "betweenness", values, top, "sampled", pivots=k, seed=seed)


def _eigenvector(graph, simple, top, components, notes) -> Ranking:
    n = simple.number_of_nodes()
    if not n:
        return Ranking("eigenvector", "empty", True, ())
    if simple.number_of_edges() == 0:
        values, method = {node: 1 / math.sqrt(n) for node in simple}, "exact"
    else:
        try:
            values, method = nx.eigenvector_centrality(simple, max_iter=1000, tol=1e-6), "power-iteration"
        except nx.PowerIterationFailedConvergence:
            values, method = nx.degree_centrality(simple), "fallback-degree"
            notes.append(Note("eigenvector-fallback",
                              "特征向量中心性的迭代计算没有收敛,此处以度中心性代替。",
                              "Eigenvector centrality did not converge; degree centrality is shown in its place."))
    if components > 1 and method != "fallback-degree":
        notes.append(Note("eigenvector-disconnected",
                          f"网络分成 {components} 个互不相连的部分;特征向量中心性集中在最大的部分,其余部分的值接近 0。",
                          f"The network falls into {components} unconnected parts; eigenvector centrality "
                          "concentrates on the largest, the others score near 0."))
    return _ranking(graph, simple, "eigenvector", values, top, method)


def _china(graph) -> str | None:
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Country" and str(data.get("iri", node)).endswith(CHINA_SUFFIX):
            return node
    return None


def _brokers(graph, simple, notes) -> tuple[Broker, ...]:
    """Articulation points that separate countries or Chinese from foreign organisations.

    Works on the block-cut tree, so it stays linear in the size of the graph: every part that
    removing an articulation point leaves is a subtree of that tree (or the rest of the component).
    """
    china = _china(graph)
    if china is None and any(d.get("kind") == "Organization" for _, d in graph.nodes(data=True)):
        notes.append(Note("no-china", "图中没有中国这个国家节点(IRI 以 /id/country/china 结尾),因此不区分中国与外国机构。",
                          "The graph has no China node (IRI ending /id/country/china), so Chinese and foreign "
                          "organisations are not told apart."))
    is_country = {v for v, d in graph.nodes(data=True) if d.get("kind") == "Country"}
    chinese, foreign = set(), set()
    for v, d in graph.nodes(data=True):
        if d.get("kind") == "Organization" and china is not None and d.get("country"):
            (chinese if china in d["country"] else foreign).add(v)
    cut = set(nx.articulation_points(simple))
    if not cut:
        return ()
    blocks = [b for b in nx.biconnected_components(simple)]
    blocks_of: dict[Any, list[int]] = defaultdict(list)
    for i, block in enumerate(blocks):
        for v in block:
            blocks_of[v].append(i)
    # block-cut tree: ("b", i) and ("c", v); weights: the vertices a tree node stands for
    tree: dict[tuple, list[tuple]] = defaultdict(list)
    own: dict[tuple, list] = defaultdict(list)
    for i, block in enumerate(blocks):
        for v in block:
            if v in cut:
                tree[("b", i)].append(("c", v))
                tree[("c", v)].append(("b", i))
            else:
                own[("b", i)].append(v)
    for v in cut:
        own[("c", v)].append(v)

    def weight(vertices):
        return [len(vertices), {v for v in vertices if v in is_country},
                sum(v in chinese for v in vertices), sum(v in foreign for v in vertices)]

    sub: dict[tuple, list] = {}
    parent: dict[tuple, tuple | None] = {}
    total: dict[tuple, list] = {}
    seen: set[tuple] = set()
    for root in list(tree):
        if root in seen:
            continue
        order, stack = [], [root]
        parent[root] = None
        seen.add(root)
        while stack:
            t = stack.pop()
            order.append(t)
            for u in tree[t]:
                if u not in seen:
                    seen.add(u)
                    parent[u] = t
                    stack.append(u)
        for t in reversed(order):
            w = weight(own[t])
            for u in tree[t]:
                if parent.get(u) == t:
                    s = sub[u]
                    w[0] += s[0]
                    w[1] |= s[1]
                    w[2] += s[2]
                    w[3] += s[3]
            sub[t] = w
        for t in order:
            total[t] = sub[root]

    def pairs(k: int) -> int:
        return k * (k - 1) // 2

    out = []
    for v in cut:
        t = ("c", v)
        whole = total[t]
        parts = [(sub[u], u[1]) for u in tree[t] if parent.get(u) == t]
        if parent[t] is not None:
            mine = sub[t]
            parts.append(([whole[0] - mine[0], whole[1] - mine[1], whole[2] - mine[2], whole[3] - mine[3]], parent[t][1]))
        others = len(whole[1] - {v})
        separated = pairs(others) - sum(pairs(len(p[1])) for p, _ in parts)
        with_cn = [i for i, (p, _) in enumerate(parts) if p[2]]
        with_fo = [i for i, (p, _) in enumerate(parts) if p[3]]
        splits_orgs = any(i != j for i in with_cn for j in with_fo)
        if separated <= 0 and not splits_orgs:
            continue
        via_of: dict[int, list] = defaultdict(list)
        mine_blocks = set(blocks_of[v])
        for u in simple[v]:  # u shares exactly one block with v
            via_of[next(i for i in blocks_of[u] if i in mine_blocks)].append(u)
        kept, other_parts, other_nodes = [], 0, 0
        for p, block in parts:
            if p[1] or p[2] or p[3]:
                countries = sorted((_ref(graph, c) for c in p[1]), key=lambda r: (r.label("en"), r.iri))
                via = sorted((_ref(graph, u) for u in via_of[block]), key=lambda r: (r.label("en"), r.iri))
                kept.append(BrokerPart(p[0], tuple(countries), p[2], p[3], tuple(via)))
            else:
                other_parts, other_nodes = other_parts + 1, other_nodes + p[0]
        kept.sort(key=lambda part: (-part.size, [c.iri for c in part.countries]))
        out.append(Broker(_ref(graph, v), separated, splits_orgs, tuple(kept), other_parts, other_nodes))
    out.sort(key=lambda b: (-b.separated_country_pairs, not b.separates_chinese_and_foreign, b.node.label("en"), b.node.iri))
    return tuple(out)


def _communities(graph, simple, seed) -> Communities:
    if not simple.number_of_nodes():
        return Communities("louvain", seed, 0.0, ())
    if simple.number_of_edges() == 0:
        groups, modularity = [{v} for v in simple], 0.0
    else:
        groups = nx.community.louvain_communities(simple, seed=seed)
        modularity = nx.community.modularity(simple, groups)
    items = []
    for group in groups:
        members = sorted(group, key=lambda v: (-simple.degree(v), _ref(graph, v).label("en"), str(v)))
        items.append([_ref(graph, v) for v in members])
    items.sort(key=lambda m: (-len(m), m[0].label("en"), m[0].iri))
    return Communities("louvain", seed, float(modularity),
                       tuple(Community(i + 1, len(m), tuple(m)) for i, m in enumerate(items)))


def _matrix(graph, notes) -> CountryMatrix:
    kinds = {v: d.get("kind") for v, d in graph.nodes(data=True)}
    countries = [v for v, k in kinds.items() if k == "Country"]

    def own(v) -> set:
        return {c for c in (graph.nodes[v].get("country") or []) if kinds.get(c) == "Country"}

    def neighbours(v):
        for _u, w, d in graph.out_edges(v, data=True) if graph.is_directed() else graph.edges(v, data=True):
            yield w, d.get("predicate", ""), "out"
        if graph.is_directed():
            for u, _w, d in graph.in_edges(v, data=True):
                yield u, d.get("predicate", ""), "in"

    def agent_countries(v) -> set:
        found = own(v)
        if kinds.get(v) == "Person" and not found:
            for w, _p, _d in neighbours(v):
                if kinds.get(w) == "Organization":
                    found |= own(w)
        return found

    unplaced: set = set()
    involved: dict[Any, set] = {}
    for v, kind in kinds.items():
        if kind != "Event":
            continue
        found = own(v)
        for w, pred, _direction in neighbours(v):
            collapsed = not str(pred).startswith(FG)
            if pred in _PARTICIPATION or (collapsed and kinds.get(w) in ("Person", "Organization")):
                c = agent_countries(w) if kinds.get(w) in ("Person", "Organization") else own(w)
                if not c and kinds.get(w) in ("Person", "Organization"):
                    unplaced.add(w)
                found |= c
        involved[v] = found

    film_origin: dict[Any, set] = defaultdict(set)
    coproductions: dict[Any, set] = {}
    for v, kind in kinds.items():
        if kind == "Film":
            film_origin[v] |= own(v)
            for w, pred, direction in neighbours(v):
                if direction == "out" and pred == FG + "countryOfOrigin" and kinds.get(w) == "Country":
                    film_origin[v].add(w)
        elif kind == "CoProduction":
            partners = own(v)
            films = []
            for w, pred, direction in neighbours(v):
                if pred == FG + "partnerCountry" and kinds.get(w) == "Country":
                    partners.add(w)
                elif pred == FG + "partnerOrganization":
                    partners |= own(w)
                elif pred == FG + "film" and direction == "out":
                    films.append(w)
            coproductions[v] = partners
            for f in films:
                film_origin[f] |= partners

    cells: dict[tuple, dict[str, set]] = defaultdict(lambda: {m: set() for m in MEASURES})
    showings: dict[tuple, set] = defaultdict(set)
    for event, cs in involved.items():
        talks = graph.nodes[event].get("cls") == _TALKS_CLASS
        for a in cs:
            for b in cs:
                if a < b:
                    cells[(a, b)]["events"].add(event)
                    if talks:
                        cells[(a, b)]["talks"].add(event)
        if graph.nodes[event].get("cls") in _SCREENING_CLASSES:
            hosts = own(event)
            films = [w for w, pred, direction in neighbours(event) if pred == FG + "screenedFilm" and direction == "out"]
            if films and not hosts:
                unplaced.add(event)
            for film in films:
                for host in hosts:
                    for origin in film_origin.get(film, ()):
                        if origin != host:
                            showings[(film, host, origin)].add(event)
    for cp, partners in coproductions.items():
        for a in partners:
            for b in partners:
                if a < b:
                    cells[(a, b)]["coproductions"].add(cp)

    def refs(nodes) -> tuple[NodeRef, ...]:
        return tuple(sorted((_ref(graph, x) for x in nodes), key=lambda r: (r.label("en"), r.iri)))

    shows: dict[tuple, list[Showing]] = defaultdict(list)
    for (film, host, origin), events in showings.items():
        a, b = sorted((host, origin))
        shows[(a, b)].append(Showing(_ref(graph, film), _ref(graph, host), _ref(graph, origin), refs(events)))
    pairs = []
    for key in sorted(set(cells) | set(shows)):
        a, b = key
        cell = cells.get(key) or {m: set() for m in MEASURES}
        films = sorted(shows.get(key, []), key=lambda s: (s.film.label("en"), s.host.iri))
        pairs.append(CountryPair(_ref(graph, a), _ref(graph, b), refs(cell["events"]), refs(cell["talks"]),
                                 refs(cell["coproductions"]), tuple(films)))
    involvement: dict[Any, int] = defaultdict(int)
    for p in pairs:
        involvement[p.a.iri] += p.total
        involvement[p.b.iri] += p.total
    ordered = sorted((_ref(graph, c) for c in countries), key=lambda r: (-involvement[r.iri], r.label("en"), r.iri))
    if unplaced:
        names_zh = "、".join(r.label("zh") for r in refs(unplaced)[:8])
        names_en = "; ".join(r.label("en") for r in refs(unplaced)[:8])
        more = len(unplaced) - 8
        notes.append(Note("unplaced",
                          f"{len(unplaced)} 个参与者或放映活动没有已知的国家,未计入国家矩阵:{names_zh}"
                          + (f" 等(另有 {more} 个)" if more > 0 else "") + "。",
                          f"{len(unplaced)} participants or screening events have no known country and are not "
                          f"counted in the country matrix: {names_en}" + (f" (and {more} more)" if more > 0 else "") + "."))
    return CountryMatrix(tuple(ordered), tuple(pairs), refs(unplaced))


def _timeline(graph, notes) -> Timeline:
    parents: dict[Any, set] = defaultdict(set)
    for u, v, d in graph.edges(data=True):
        if d.get("predicate") == FG + "subEvent":
            parents[v].add(u)
        elif d.get("predicate") == FG + "superEvent":
            parents[u].add(v)
    dated, undated = [], []
    for v, d in graph.nodes(data=True):
        if d.get("kind") != "Event":
            continue
        start, end = d.get("start"), d.get("end")
        if start is None and end is None:
            undated.append(_ref(graph, v))
            continue
        ps = tuple(sorted((_ref(graph, p) for p in parents.get(v, ())), key=lambda r: (r.label("en"), r.iri)))
        dated.append(TimelineEntry(_ref(graph, v), str(d.get("cls", "")), dict(d.get("cls_labels") or {}),
                                   None if start is None else str(start), None if end is None else str(end), ps))
    # by start, then the latest end first (a larger event before its parts), then label
    dated.sort(key=lambda e: (e.node.label("en"), e.node.iri))
    dated.sort(key=lambda e: e.end or e.start or "", reverse=True)
    dated.sort(key=lambda e: e.start or e.end or "")
    undated.sort(key=lambda r: (r.label("en"), r.iri))
    if undated:
        notes.append(Note("undated", f"{len(undated)} 个活动没有日期,不在时间线上。",
                          f"{len(undated)} events have no date and are not on the timeline."))
    return Timeline(tuple(dated), tuple(undated))


# ---------------------------------------------------------------------------------------------
# Rendering: rows per section, then table / CSV / JSON / HTML
# ---------------------------------------------------------------------------------------------

_COLUMNS = {
    "rank": ("排名", "rank"), "entity": ("实体", "entity"), "kind": ("类别", "kind"), "value": ("数值", "value"),
    "neighbours": ("相邻数", "neighbours"), "iri": ("IRI", "IRI"), "pairs": ("断开的国家对", "country pairs cut"),
    "orgs": ("隔开中外机构", "splits Chinese/foreign orgs"), "groups": ("所连接的国家群", "country groups it connects"),
    "via": ("经由", "via"), "community": ("群", "group"), "size": ("规模", "size"), "members": ("成员", "members"),
    "country_a": ("国家甲", "country A"), "country_b": ("国家乙", "country B"), "events": ("活动", "events"),
    "talks": ("会谈", "talks"), "coproductions": ("合拍", "co-productions"), "screenings": ("放映", "screenings"),
    "start": ("开始", "start"), "end": ("结束", "end"), "event": ("活动", "event"), "class": ("类型", "type"),
    "parent": ("上级活动", "part of"), "measure": ("项目", "item"), "iri_a": ("IRI 甲", "IRI A"),
    "iri_b": ("IRI 乙", "IRI B"), "parent_iri": ("上级 IRI", "parent IRI"),
}
_YES = {"zh": ("是", "否"), "en": ("yes", "no")}


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r} — use one of {', '.join(LANGUAGES)}")
    return lang


def _ui(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def _method_text(ranking: Ranking, lang: str) -> str:
    zh = {"exact": "精确", "sampled": f"抽样估计({ranking.pivots} 个起点,种子 {ranking.seed})",
          "power-iteration": "幂迭代", "fallback-degree": "未收敛,以度中心性代替", "empty": "空图"}
    en = {"exact": "exact", "sampled": f"estimated from {ranking.pivots} sampled pivots (seed {ranking.seed})",
          "power-iteration": "power iteration", "fallback-degree": "did not converge: degree centrality instead",
          "empty": "empty graph"}
    return (zh if _ui(lang) == "zh" else en).get(ranking.method, ranking.method)


def _join(names: list[str], limit: int | None, lang: str) -> str:
    sep = "、" if _ui(lang) == "zh" else ", "
    if limit is not None and len(names) > limit:
        shown = sep.join(names[:limit])
        return f"{shown}等 {len(names)} 个" if _ui(lang) == "zh" else f"{shown} and {len(names) - limit} more"
    return sep.join(names)


_OVERVIEW = {"nodes": ("节点", "nodes"), "edges": ("边", "edges"),
             "simple_edges": ("无向简单图中的边", "edges in the undirected simple graph"),
             "components": ("互不相连的部分", "unconnected parts"), "degree": ("度中心性", "degree centrality"),
             "betweenness": ("中介中心性", "betweenness centrality"), "eigenvector": ("特征向量中心性", "eigenvector centrality"),
             "communities": ("分群方法", "community method"), "modularity": ("模块度", "modularity"),
             "brokers": ("中间人", "brokers")}


def _rows(analysis: Analysis, key: str, lang: str, *, full: bool) -> tuple[list[str], list[list[Any]]]:
    """Column keys and rows of one section. ``full``: every row and IRI columns (CSV), else for reading."""
    limit = None if full else 6
    yes, no = _YES[_ui(lang)]
    if key == "overview":
        a = analysis
        rows = [["nodes", a.nodes], ["edges", a.edges], ["simple_edges", a.simple_edges], ["components", a.components],
                ["degree", _method_text(a.degree, lang)], ["betweenness", _method_text(a.betweenness, lang)],
                ["eigenvector", _method_text(a.eigenvector, lang)],
                ["communities", f"Louvain (seed {a.communities.seed})"], ["modularity", _fmt(a.communities.modularity)],
                ["brokers", len(a.brokers)]]
        if full:  # stable codes and full precision for programs
            rows[4:9] = [["degree", a.degree.method], ["betweenness", a.betweenness.method],
                         ["betweenness_pivots", a.betweenness.pivots or ""], ["betweenness_seed", a.betweenness.seed or ""],
                         ["eigenvector", a.eigenvector.method], ["communities", a.communities.method],
                         ["communities_seed", a.communities.seed], ["modularity", a.communities.modularity]]
            return ["measure", "value"], rows + [[f"note:{n.code}", n.text(_ui(lang))] for n in a.notes]
        return ["measure", "value"], [[_OVERVIEW[k][0 if _ui(lang) == "zh" else 1], v] for k, v in rows]
    if key in ("degree", "betweenness", "eigenvector"):
        ranking = getattr(analysis, key)
        cols = ["rank", "entity", "kind", "value", "neighbours"] + (["iri"] if full else [])
        return cols, [[r.rank, r.node.label(lang), r.node.kind, r.value if full else _fmt(r.value), r.neighbours]
                      + ([r.node.iri] if full else [])
                      for r in ranking.entries]
    if key == "brokers":
        cols = ["rank", "entity", "kind", "pairs", "orgs", "groups", "via"] + (["iri"] if full else [])
        rows = []
        brokers = analysis.brokers if full else analysis.brokers[:50]
        for i, b in enumerate(brokers, 1):
            # for reading: the groups cut off first (at most 5, smallest first), then the largest
            parts = list(b.parts) if full else list(b.parts[:0:-1][:5]) + list(b.parts[:1])
            groups = " | ".join(_join([c.label(lang) for c in p.countries], limit, lang) for p in parts if p.countries)
            via = " | ".join(_join([u.label(lang) for u in p.via], limit, lang) for p in parts)
            if len(parts) < len(b.parts):
                more = len(b.parts) - len(parts)
                groups += f" (另有 {more} 组)" if _ui(lang) == "zh" else f" ({more} more groups)"
            rows.append([i, b.node.label(lang), b.node.kind, b.separated_country_pairs,
                         yes if b.separates_chinese_and_foreign else no, groups, via] + ([b.node.iri] if full else []))
        return cols, rows
    if key == "communities":
        if full:
            return ["community", "size", "rank", "entity", "kind", "iri"], [
                [c.index, c.size, i, m.label(lang), m.kind, m.iri]
                for c in analysis.communities.items for i, m in enumerate(c.members, 1)]
        items = analysis.communities.items[:30]
        return ["community", "size", "members"], [
            [c.index, c.size, _join([m.label(lang) for m in c.members], 8, lang)] for c in items]
    if key == "country_matrix":
        cols = ["country_a", "country_b", "events", "talks", "coproductions", "screenings"]
        cols += ["iri_a", "iri_b"] if full else []
        rows = []
        for p in sorted(analysis.matrix.pairs, key=lambda p: (-p.total, p.a.label("en"), p.b.label("en"))):
            c = p.counts
            rows.append([p.a.label(lang), p.b.label(lang), c["events"], c["talks"], c["coproductions"], c["screenings"]]
                        + ([p.a.iri, p.b.iri] if full else []))
        return cols, rows
    if key == "timeline":
        cols = ["start", "end", "event", "class", "parent"] + (["iri", "parent_iri"] if full else [])
        rows = []
        for e in analysis.timeline.entries:
            cls = e.cls_labels.get(_ui(lang)) or e.cls_labels.get("en") or e.cls.rsplit("#", 1)[-1]
            parent = _join([p.label(lang) for p in e.parents], limit, lang)
            rows.append([e.start or "", e.end or "", e.node.label(lang), cls, parent]
                        + ([e.node.iri, " | ".join(p.iri for p in e.parents)] if full else []))
        return cols, rows
    raise UsageError(f"unknown section {key!r}")


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def _table(columns: list[str], rows: list[list[Any]], lang: str) -> str:
    head = [_COLUMNS.get(c, (c, c))[0 if _ui(lang) == "zh" else 1] for c in columns]
    body = [[_clip(" ".join(str(v).split()), 48) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(head)]

    def line(cells):
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(head), "  ".join("-" * w for w in widths)] + [line(r) for r in body])


def render(analysis: Analysis, *, format: str = "table", lang: str = "zh") -> str:
    """``analysis`` as text: ``table`` (aligned for reading, CJK-aware, long cells clipped with "…"),
    ``csv`` (UTF-8 BOM for spreadsheets; each section a block of rows whose first column is the
    section's name, with its own header row and a blank line after; every row, IRIs included) or
    ``json`` (everything, :meth:`Analysis.to_dict`).

    ``lang`` (zh, en, ru, kk) picks the labels of entities; headings and explanations are in Chinese
    for ``zh`` and in English otherwise. Raises :class:`UsageError` for an unknown format or language.
    """
    _check_lang(lang)
    if format == "json":
        return json.dumps(analysis.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for key in SECTIONS:
            columns, rows = _rows(analysis, key, lang, full=True)
            writer.writerow(["section"] + columns)
            for row in rows:
                writer.writerow([key] + row)
            writer.writerow([])
        return "\ufeff" + buffer.getvalue()
    if format == "table":
        parts = []
        for key, text in SECTIONS.items():
            columns, rows = _rows(analysis, key, lang, full=False)
            heading = text.heading(_ui(lang))
            block = [heading, "=" * _width(heading), text.explain(_ui(lang)), ""]
            block.append(_table(columns, rows, lang) if rows else ("(无)" if _ui(lang) == "zh" else "(none)"))
            block.extend(_truncation(analysis, key, lang))
            if key == "overview":
                block.extend(["", *(f"* {n.text(_ui(lang))}" for n in analysis.notes)] if analysis.notes else [])
            parts.append("\n".join(block))
        return "\n\n".join(parts) + "\n"
    raise UsageError(f"unknown format {format!r} — use one of {', '.join(FORMATS)}")


def _truncation(analysis: Analysis, key: str, lang: str) -> list[str]:
    zh = _ui(lang) == "zh"
    shown = {"brokers": (len(analysis.brokers), 50), "communities": (len(analysis.communities.items), 30)}
    if key in shown and shown[key][0] > shown[key][1]:
        total, limit = shown[key]
        return [f"(只显示前 {limit} 项,共 {total} 项;完整结果见 csv 或 json)" if zh
                else f"(first {limit} of {total} shown; csv and json have them all)"]
    if key == "timeline" and analysis.timeline.undated:
        n = len(analysis.timeline.undated)
        return [f"(另有 {n} 个活动没有日期)" if zh else f"({n} more events have no date)"]
    return []


# ---------------------------------------------------------------------------------------------
# HTML report
# ---------------------------------------------------------------------------------------------

_CJK_FONT_HINTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han Sans", "Noto Sans SC", "Noto Sans TC",
                   "WenQuanYi", "Droid Sans Fallback", "AR PL", "SimHei", "Microsoft YaHei", "PingFang", "Heiti")
_CJK_FONT: list[str | None] = []


def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs, as matplotlib knows it, or None.

    Prefers Noto Sans CJK (Debian: fonts-noto-cjk); a font counts only if it really holds 中.
    Found once per process.
    """
    if _CJK_FONT:
        return _CJK_FONT[0]
    from matplotlib import font_manager, ft2font

    found = None
    entries = sorted(font_manager.fontManager.ttflist,
                     key=lambda f: next((i for i, h in enumerate(_CJK_FONT_HINTS) if h.lower() in f.name.lower()), 99))
    for entry in entries:
        if not any(h.lower() in entry.name.lower() for h in _CJK_FONT_HINTS):
            break
        try:
            if ft2font.FT2Font(entry.fname).get_char_index(ord("中")):
                found = entry.name
                break
        except (OSError, RuntimeError, ValueError):
            continue
    _CJK_FONT.append(found)
    return found


def _png(figure) -> str:
    import base64

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _chart_label(ref: NodeRef, lang: str, cjk: bool) -> str:
    text = ref.label(lang) if cjk else (ref.labels.get("en") or ref.labels.get("ru") or ref.label("en"))
    return _clip(text, 34)


def _charts(analysis: Analysis, lang: str, font: str | None) -> dict[str, tuple[str, str]]:
    """base64 PNGs per section, with a caption."""
    import matplotlib

    from matplotlib.figure import Figure

    cjk = font is not None
    params = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
    charts: dict[str, tuple[str, str]] = {}
    zh = _ui(lang) == "zh" and cjk
    with matplotlib.rc_context(params):
        rankings = [r for r in (analysis.degree, analysis.betweenness, analysis.eigenvector) if r.entries]
        if rankings:
            fig = Figure(figsize=(12, 0.35 * max(len(r.entries) for r in rankings) + 1.4))
            axes = fig.subplots(1, len(rankings))
            axes = axes if len(rankings) > 1 else [axes]
            titles = {"degree": ("度中心性", "degree"), "betweenness": ("中介中心性", "betweenness"),
                      "eigenvector": ("特征向量中心性", "eigenvector")}
            for ax, r in zip(axes, rankings):
                names = [_chart_label(e.node, lang, cjk) for e in r.entries][::-1]
                ax.barh(range(len(names)), [e.value for e in r.entries][::-1], color="#4C72B0")
                ax.set_yticks(range(len(names)), names, fontsize=8)
                ax.set_title(titles[r.measure][0 if zh else 1] + ("" if r.exact else (" (估计)" if zh else " (estimate)")))
            fig.tight_layout()
            charts["centrality"] = (_png(fig), "前几名的三种中心性" if zh else "Top entities by three centralities")
        countries = [c for c in analysis.matrix.countries
                     if any(p.total and c.iri in (p.a.iri, p.b.iri) for p in analysis.matrix.pairs)][:25]
        if len(countries) >= 2:
            index = {c.iri: i for i, c in enumerate(countries)}
            fig = Figure(figsize=(11, 9.5))
            axes = fig.subplots(2, 2)
            names = [_chart_label(c, lang, cjk) for c in countries]
            for ax, measure in zip(axes.flat, MEASURES):
                grid = [[0] * len(countries) for _ in countries]
                for p in analysis.matrix.pairs:
                    if p.a.iri in index and p.b.iri in index:
                        i, j = index[p.a.iri], index[p.b.iri]
                        grid[i][j] = grid[j][i] = p.counts[measure]
                ax.imshow(grid, cmap="Blues", vmin=0, vmax=max(1, max(max(row) for row in grid)))
                ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
                ax.set_yticks(range(len(names)), names, fontsize=8)
                for i, row in enumerate(grid):
                    for j, value in enumerate(row):
                        if value:
                            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                                    color="white" if value > max(map(max, grid)) / 2 else "black")
                ax.set_title(_COLUMNS[measure][0 if zh else 1])
            fig.tight_layout()
            charts["country_matrix"] = (_png(fig), "国家两两合作的数量" if zh else "Cooperation between pairs of countries")
        entries = [e for e in analysis.timeline.entries if _date(e.start or e.end)][:60]
        if entries:
            from matplotlib import dates as mdates

            fig = Figure(figsize=(11, 0.32 * len(entries) + 1.5))
            ax = fig.subplots()
            for i, e in enumerate(entries):
                start = _date(e.start or e.end)
                end = _date(e.end or e.start) or start
                left = mdates.date2num(start)
                width = max(mdates.date2num(end) - left + 1, 0.6)
                ax.barh(i, width, left=left, color="#DD8452" if e.parents else "#4C72B0")
            ax.set_yticks(range(len(entries)), [_chart_label(e.node, lang, cjk) for e in entries], fontsize=8)
            ax.invert_yaxis()
            ax.xaxis_date()
            fig.autofmt_xdate()
            fig.tight_layout()
            more = len(analysis.timeline.entries) - len(entries)
            caption = "活动时间(橙色:某个活动的组成部分)" if zh else "When events took place (orange: part of a larger event)"
            if more > 0:
                caption += f";另有 {more} 项未画出" if zh else f"; {more} more not drawn"
            charts["timeline"] = (_png(fig), caption)
    return charts


def _date(text: str | None):
    import datetime as dt

    if not text:
        return None
    parts = text[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2][:2]) if len(parts) > 2 else 1
        return dt.datetime(year, month, day)
    except (ValueError, IndexError):
        return None


_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_STYLE = """body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
p.explain{color:#555;margin-top:0}table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;height:auto}
figcaption{color:#555;font-size:.85rem}ul.notes li{margin:.2rem 0}"""


def render_report(analysis: Analysis, *, lang: str = "zh") -> str:
    """A self-contained HTML report of ``analysis``: every section as a heading, its explanation and
    a table, with charts (top centralities, the country matrix as heatmaps, the timeline) inlined as
    base64 PNG images made with matplotlib (Agg). Nothing is fetched from elsewhere: a
    Content-Security-Policy forbids it. Every text that comes from the graph is HTML-escaped.

    Chart labels use an installed font with Chinese glyphs (:func:`cjk_font`); without one they are
    in English and the report says so. Raises :class:`FilmgraphError` when matplotlib is not
    installed and :class:`UsageError` for an unknown language.
    """
    _check_lang(lang)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise FilmgraphError("the HTML report needs matplotlib — install it (pip install matplotlib); "
                             "the table, csv and json formats work without it") from None
    ui = _ui(lang)
    font = cjk_font()
    charts = _charts(analysis, lang, font)
    esc = html.escape
    title = "filmgraph 网络分析报告" if ui == "zh" else "filmgraph network analysis"
    out = ["<!DOCTYPE html>", f'<html lang="{esc(ui)}">', "<head>", '<meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
           "style-src 'unsafe-inline'\">",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>", f"<h1>{esc(title)}</h1>"]
    if font is None:
        out.append("<p>" + esc("本机没有含中文字形的字体,图表中的标签改用英文。" if ui == "zh"
                               else "No font with Chinese glyphs is installed; chart labels are in English.") + "</p>")
    chart_of = {"degree": "centrality", "country_matrix": "country_matrix", "timeline": "timeline"}
    for key, text in SECTIONS.items():
        out.append(f'<section id="{esc(key)}">')
        out.append(f"<h2>{esc(text.heading(ui))}</h2>")
        out.append(f'<p class="explain">{esc(text.explain(ui))}</p>')
        if key == "overview" and analysis.notes:
            out.append('<ul class="notes">' + "".join(f"<li>{esc(n.text(ui))}</li>" for n in analysis.notes) + "</ul>")
        if chart_of.get(key) in charts:
            data, caption = charts[chart_of[key]]
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                       f"<figcaption>{esc(caption)}</figcaption></figure>")
        columns, rows = _rows(analysis, key, lang, full=False)
        if rows:
            head = "".join(f"<th>{esc(_COLUMNS.get(c, (c, c))[0 if ui == 'zh' else 1])}</th>" for c in columns)
            body = "".join("<tr>" + "".join(
                f'<td class="num">{esc(str(v))}</td>' if _NUMBER.fullmatch(str(v)) else f"<td>{esc(str(v))}</td>"
                for v in row) + "</tr>" for row in rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            out.append("<p>" + esc("(无)" if ui == "zh" else "(none)") + "</p>")
        out.extend(f"<p>{esc(t)}</p>" for t in _truncation(analysis, key, lang))
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"

