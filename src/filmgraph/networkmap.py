"""The network map: one self-contained HTML page that shows who cooperates with whom, and why.

The page is for people who double-click a file: it works offline (vis-network's script and style,
shipped inside the ``pyvis`` package, are inlined; no request leaves the file), opens ready
(positions are computed here, in Python; physics is off), and speaks Chinese first with English
beside it. Everything that comes from the graph is data, never markup or code: it travels as JSON
inside ``<script type="application/json">`` (with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped)
and the page puts it on screen with ``textContent`` only. A Content-Security-Policy allows only the
page's own two scripts (by their SHA-256 hashes), inline style, and ``data:``/``blob:`` images.

Three steps, each usable on its own::

    >>> from filmgraph.dataset import open_backend
    >>> from filmgraph.projection import project
    >>> graph = project(open_backend())
    >>> view = select_view(graph, view="ego", focus="https://w3id.org/filmgraph/id/city/almaty", hops=1)
    >>> positions = layout(view, view="ego")
    >>> html = render_map(graph, view="ego", focus="https://w3id.org/filmgraph/id/city/almaty", hops=1)
    >>> write_map("almaty.html", html)  # doctest: +SKIP

Views (see :func:`select_view`): ``all``, ``cooperation``, ``events``, ``coproductions``, ``ego``,
``path`` and ``geo``. A view larger than ``max_nodes`` (1,500 by default) is cut to its most
connected nodes, and the page says how many were left out.
"""
from __future__ import annotations

import base64
import hashlib
import html as htmlmod
import itertools
import json
import math
import os
import random
import re
from collections import defaultdict, deque
from importlib import resources
from pathlib import Path

import networkx as nx

from .atomic import replace_file
from .errors import UsageError

#: the views :func:`select_view` knows, in the order the CLI lists them
VIEWS = ("all", "cooperation", "events", "coproductions", "ego", "path", "geo")

#: the languages of the page's labels and interface
LANGS = ("zh", "en")

#: at most this many nodes are drawn by default; a larger view keeps its most connected nodes
MAX_NODES = 1500

#: above this many drawn edges, edge labels show only around the selected node (readability, speed)
EDGE_LABEL_LIMIT = 400

#: how each kind of node is drawn and named in the legend: (zh, en, colour, vis-network shape)
KIND_STYLE: dict[str, tuple[str, str, str, str]] = {
    "Country": ("国家", "Country", "#A93226", "square"),
    "City": ("城市", "City", "#E67E22", "triangle"),
    "Region": ("地区", "Region", "#D4AC0D", "triangleDown"),
    "Place": ("地点", "Place", "#CA6F1E", "triangle"),
    "AmbiguousPlace": ("待辨地名", "Ambiguous place", "#AAB7B8", "triangle"),
    "Person": ("人物", "Person", "#2E86C1", "dot"),
    "Organization": ("机构", "Organisation", "#1A5276", "hexagon"),
    "Venue": ("场馆", "Venue", "#5DADE2", "hexagon"),
    "CoProduction": ("合拍合作", "Co-production", "#C2185B", "diamond"),
    "Event": ("活动", "Event", "#229954", "diamond"),
    "Programme": ("项目", "Programme", "#7DCEA0", "square"),
    "PolicyFramework": ("政策框架", "Policy framework", "#117864", "triangleDown"),
    "Film": ("影片", "Film", "#8E44AD", "star"),
    "CreativeWork": ("作品", "Work", "#C39BD3", "star"),
    "SourceDocument": ("来源文件", "Source document", "#7F8C8D", "square"),
    "Thing": ("其他", "Other", "#BDC3C7", "dot"),
}

_AGENTS = {"Person", "Organization", "Venue"}
_PLACES = {"Country", "City", "Region", "Place", "AmbiguousPlace", "Venue"}
_WORKS = {"Film", "CreativeWork"}
_HUBS = {"Event", "CoProduction", "Programme"}


# ---------------------------------------------------------------------------------------------
# views


def _kind(graph: nx.MultiDiGraph, node) -> str:
    return graph.nodes[node].get("kind", "Thing")


def _neighbours(graph: nx.MultiDiGraph, node) -> set:
    return set(graph.successors(node)) | set(graph.predecessors(node))


def _require_node(graph: nx.MultiDiGraph, role: str, value, view: str):
    if value is None or value == "":
        raise UsageError(f"the {view} view needs a {role} entity — give its IRI")
    if value not in graph:
        raise UsageError(f"{role} {value!r} is not in the graph — give the IRI of an entity that is")
    return value


def select_view(graph: nx.MultiDiGraph, *, view: str = "all", focus: str | None = None, hops: int = 2,
                source: str | None = None, target: str | None = None) -> nx.MultiDiGraph:
    """The part of ``graph`` (a :func:`~filmgraph.projection.project` network) that ``view`` shows.

    A new graph is returned (``graph`` is not changed); nodes and edges keep all their attributes.
    Entities are given as IRIs (node ids); resolving names is the caller's job.

    - ``all``: everything.
    - ``cooperation``: who works with whom. Every person, organisation (delegations, cinemas and
      other venues included) and country, plus each event, co-production or programme that links
      at least two of them directly (the hubs through which they cooperate). Films, cities,
      regions and works are left out; the edges are those among the kept nodes.
    - ``events``: every event and programme, with their direct neighbours that are places,
      organisers and participants (organisations, people) or films and works.
    - ``coproductions``: every co-production with its films, partner countries, organisations
      and people, plus the organisations directly linked to those films (studios, distributors).
    - ``ego``: every node within ``hops`` links of ``focus``, links followed in either direction.
    - ``path``: every node and link on a shortest path (links in either direction) between
      ``source`` and ``target``; only the links that lie on such a path are kept.
    - ``geo``: the nodes with coordinates (cities), and the organisations, venues, events and
      programmes linked to one of them directly (or through their venue); :func:`layout` pins the
      cities at their latitude/longitude and places the others around their city.

    A view with nothing in it (for example ``coproductions`` when the graph has none) is an empty
    graph, not an error. Raises :class:`~filmgraph.errors.UsageError` for an unknown view, a
    missing or unknown ``focus``/``source``/``target``, a negative ``hops``, or when no path links
    ``source`` and ``target``.
    """
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r} — choose one of: {', '.join(VIEWS)}")
    if view == "all":
        return graph.copy()
    if view == "ego":
        centre = _require_node(graph, "focus", focus, view)
        if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
            raise UsageError(f"hops must be a whole number of 0 or more, not {hops!r}")
        keep = {centre}
        frontier = [centre]
        for _ in range(hops):
            nxt = []
            for node in frontier:
                for other in _neighbours(graph, node):
                    if other not in keep:
                        keep.add(other)
                        nxt.append(other)
            frontier = nxt
        return graph.subgraph(keep).copy()
    if view == "path":
        return _path_view(graph, _require_node(graph, "source", source, view),
                          _require_node(graph, "target", target, view))
    if view == "cooperation":
        actors = {n for n in graph if _kind(graph, n) in _AGENTS | {"Country"}}
        hubs = {n for n in graph if _kind(graph, n) in _HUBS and len(_neighbours(graph, n) & actors) >= 2}
        return graph.subgraph(actors | hubs).copy()
    if view == "events":
        core = {n for n in graph if _kind(graph, n) in ("Event", "Programme")}
        wanted = _PLACES | _AGENTS | _WORKS
        keep = set(core)
        for node in core:
            keep |= {m for m in _neighbours(graph, node) if _kind(graph, m) in wanted}
        return graph.subgraph(keep).copy()
    if view == "coproductions":
        core = {n for n in graph if _kind(graph, n) == "CoProduction"}
        keep = set(core)
        for node in core:
            keep |= {m for m in _neighbours(graph, node)
                     if _kind(graph, m) in _WORKS | _AGENTS | {"Country", "Region"}}
        films = {m for m in keep if _kind(graph, m) in _WORKS}
        for film in films:
            keep |= {m for m in _neighbours(graph, film) if _kind(graph, m) == "Organization"}
        return graph.subgraph(keep).copy()
    # geo
    pinned = {n for n in graph if _coordinates(graph.nodes[n]) is not None}
    keep = set(pinned)
    for node in graph:
        if node not in pinned and _kind(graph, node) in ("Organization", "Venue", "Event", "Programme"):
            if _home(graph, node, pinned) is not None:
                keep.add(node)
    return graph.subgraph(keep).copy()


def _bfs(graph: nx.MultiDiGraph, start) -> dict:
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other in _neighbours(graph, node):
            if other not in dist:
                dist[other] = dist[node] + 1
                queue.append(other)
    return dist


def _path_view(graph: nx.MultiDiGraph, source, target) -> nx.MultiDiGraph:
    """Nodes and edges on all shortest undirected paths, found with two breadth-first searches
    (no enumeration of the paths, whose number can grow exponentially)."""
    from_s, from_t = _bfs(graph, source), _bfs(graph, target)
    if target not in from_s:
        raise UsageError(f"no path links {source!r} and {target!r} in the graph (in either direction)")
    length = from_s[target]
    nodes = {n for n in from_s if n in from_t and from_s[n] + from_t[n] == length}
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    for node in graph:  # graph order, so the result does not depend on set order
        if node in nodes:
            out.add_node(node, **graph.nodes[node])
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u in nodes and v in nodes and abs(from_s[u] - from_s[v]) == 1 \
                and min(from_s[u] + 1 + from_t[v], from_s[v] + 1 + from_t[u]) == length:
            out.add_edge(u, v, key=key, **data)
    return out


def _coordinates(attrs: dict) -> tuple[float, float] | None:
    lat, lon = attrs.get("lat"), attrs.get("lon")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return float(lat), float(lon)


def _home(graph: nx.MultiDiGraph, node, pinned: set):
    """The pinned node (city) that ``node`` belongs to: the first (by IRI) it links to, else one it
    is linked from, else the city of a venue or place it links to."""
    for nodes in (sorted(set(graph.successors(node)) & pinned, key=str),
                  sorted(set(graph.predecessors(node)) & pinned, key=str)):
        if nodes:
            return nodes[0]
    for other in sorted(graph.successors(node), key=str):
        if _kind(graph, other) in _PLACES | {"Organization"}:
            found = sorted(set(graph.successors(other)) & pinned, key=str)
            if found:
                return found[0]
    return None


# ---------------------------------------------------------------------------------------------
# layout

#: components up to this size get a stress layout (like Kamada-Kawai); larger ones a force layout
_STRESS_MAX = 160


def layout(graph: nx.MultiDiGraph, *, view: str, seed: int = 7) -> dict:
    """Positions ``{node: (x, y)}`` in screen units (y grows downwards) for drawing ``graph``.

    Pure Python, seeded and independent of node and edge insertion order, so the same graph
    always gets the same positions. Links are taken as undirected; each connected component is
    laid out on its own and the components are packed in rows, largest first.

    - A component of up to 160 nodes gets a stress layout (distances on screen follow distances in
      the graph, as in Kamada-Kawai).
    - A larger one keeps its nodes of degree 1 aside and lays out the rest the same way when they
      are few, else with pivot MDS (the global shape) refined by a fixed number of rounds of a
      grid-accelerated force layout (Fruchterman-Reingold); then it fans each set of degree-1
      nodes out around its neighbour, in the widest free angle.
    - Then nodes that sit too close for their label are pushed apart (bigger nodes move less).

    Networkx's own layouts need numpy, which filmgraph does not depend on; this one takes about
    0.1 s for the curated graph, 0.35 s for 1,000 nodes and 0.9 s for 1,500 (one core).
    - ``view="geo"``: nodes with latitude/longitude are pinned on an equirectangular projection;
      every other node goes on a small circle around the pinned node it links to (see
      :func:`select_view`), and nodes without one in a row under the map.

    Raises :class:`~filmgraph.errors.UsageError` for an unknown view.
    """
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r} — choose one of: {', '.join(VIEWS)}")
    if view == "geo":
        return _geo_layout(graph)[0]
    order = sorted(graph, key=str)
    index = {node: i for i, node in enumerate(order)}
    adj: list[set[int]] = [set() for _ in order]
    for u, v in graph.edges():
        if u != v:
            adj[index[u]].add(index[v])
            adj[index[v]].add(index[u])
    seen = [False] * len(order)
    components = []
    for start in range(len(order)):
        if seen[start]:
            continue
        seen[start] = True
        comp, queue = [start], deque([start])
        while queue:
            for other in adj[queue.popleft()]:
                if not seen[other]:
                    seen[other] = True
                    comp.append(other)
                    queue.append(other)
        components.append(sorted(comp))
    components.sort(key=lambda c: (-len(c), c[0]))
    rng = random.Random(seed)
    length = 150.0 if len(order) <= 300 else 100.0
    radius = [length * 0.36 * (1 + 0.12 * math.sqrt(len(a))) for a in adj]
    boxes = [_declutter(_component_layout(comp, adj, length, rng, radius), radius)
             for comp in components if len(comp) > 1]
    singles = [comp[0] for comp in components if len(comp) == 1]
    if singles:  # isolated nodes: one tidy grid, packed like a component
        per_row = max(3, math.ceil(math.sqrt(len(singles) * 2)))
        boxes.append({node: ((k % per_row) * length, (k // per_row) * length * 0.6)
                      for k, node in enumerate(singles)})
    placed = _pack(boxes, length)
    return {order[i]: (round(x, 1), round(y, 1)) for i, (x, y) in placed.items()}


def _component_layout(comp: list[int], adj: list[set[int]], length: float, rng: random.Random,
                      room: list[float]) -> dict:
    n = len(comp)
    if n == 1:
        return {comp[0]: (0.0, 0.0)}
    if n <= _STRESS_MAX:
        return _stress(comp, adj, length, rng)
    members = set(comp)
    leaves = {i for i in comp if len(adj[i]) == 1 and len(adj[next(iter(adj[i]))]) > 1}
    core = [i for i in comp if i not in leaves]
    core_adj = {i: adj[i] & members - leaves for i in core}
    if len(core) <= _STRESS_MAX:
        pos = _stress(core, adj, length, rng, within=set(core))
    else:
        pos = _force(core, core_adj, length, rng)
    fans: dict[int, list[int]] = defaultdict(list)
    for leaf in sorted(leaves):
        fans[next(iter(adj[leaf]))].append(leaf)
    for anchor, group in sorted(fans.items()):
        ax, ay = pos[anchor]
        angles = sorted(math.atan2(pos[o][1] - ay, pos[o][0] - ax) for o in core_adj[anchor])
        if angles:
            gaps = [((angles[(k + 1) % len(angles)] - a) % (2 * math.pi) or 2 * math.pi, a)
                    for k, a in enumerate(angles)]
            gap, begin = max(gaps)
        else:
            gap, begin = 2 * math.pi, 0.0
        span = gap * 0.8 if gap < 2 * math.pi else 2 * math.pi
        step = span / (len(group) if span >= 2 * math.pi else len(group) + 1)
        radius = max(room[anchor] + max(room[leaf] for leaf in group),
                     len(group) * 2 * max(room[leaf] for leaf in group) / max(span, 0.5))
        first = begin + (gap - span) / 2 + (0 if span >= 2 * math.pi else step)
        for k, leaf in enumerate(group):
            a = first + k * step
            pos[leaf] = (ax + radius * math.cos(a), ay + radius * math.sin(a))
    return pos


def _grid_pairs(xs: list[float], ys: list[float], cell: float) -> list[tuple[int, int]]:
    """Every pair of nodes in the same or neighbouring grid cells (each pair once)."""
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(zip(xs, ys)):
        grid[(int(x // cell), int(y // cell))].append(i)
    pairs: list[tuple[int, int]] = []
    for (gx, gy), members in grid.items():
        pairs.extend(itertools.combinations(members, 2))
        for key in ((gx + 1, gy - 1), (gx + 1, gy), (gx + 1, gy + 1), (gx, gy + 1)):
            others = grid.get(key)
            if others:
                pairs.extend(itertools.product(members, others))
    return pairs


def _declutter(pos: dict, radius: list[float], rounds: int = 50) -> dict:
    """Push apart nodes whose discs (``radius`` by node index: room for the node and its label)
    overlap, keeping the layout's shape."""
    keys = sorted(pos)
    xs = [pos[k][0] for k in keys]
    ys = [pos[k][1] for k in keys]
    rs = [radius[k] for k in keys]
    weight = [r ** 8 for r in rs]
    spacing = 2 * max(rs, default=1.0)
    sqrt = math.sqrt
    for _ in range(rounds if len(keys) <= 300 else rounds // 2):
        moved = 0.0
        for i, j in _grid_pairs(xs, ys, spacing):
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            need = rs[i] + rs[j]
            d2 = dx * dx + dy * dy
            if d2 >= need * need:
                continue
            d = sqrt(d2)
            if d < 1e-6:
                dx, dy, d = 1.0, 0.5 * ((i - j) % 3 - 1), 1.0
            push = (need - d) / d
            if push * d > moved:
                moved = push * d
            share = weight[j] / (weight[i] + weight[j])  # the bigger node moves less (no "Brazil nut" drift)
            xs[i] += dx * push * share
            ys[i] += dy * push * share
            xs[j] -= dx * push * (1 - share)
            ys[j] -= dy * push * (1 - share)
        if moved < spacing * 0.01:
            break
    return {k: (xs[i], ys[i]) for i, k in enumerate(keys)}


def _stress(comp: list[int], adj: list[set[int]], length: float, rng: random.Random,
            within: set[int] | None = None) -> dict:
    """Stress majorisation (localised updates, weights 1/d²) from a seeded random start."""
    n = len(comp)
    local = {node: k for k, node in enumerate(comp)}
    dist = []
    for node in comp:
        d = {node: 0}
        queue = deque([node])
        while queue:
            cur = queue.popleft()
            for other in adj[cur]:
                if other not in d and other in local and (within is None or other in within):
                    d[other] = d[cur] + 1
                    queue.append(other)
        far = max(d.values()) + 1
        dist.append([d.get(other, far) for other in comp])
    side = length * math.sqrt(n)
    xs = [rng.uniform(0, side) for _ in range(n)]
    ys = [rng.uniform(0, side) for _ in range(n)]
    terms = []
    for i in range(n):
        row = dist[i]
        terms.append([(j, 1.0 / (row[j] * row[j]), length * row[j]) for j in range(n) if j != i])
    limit = 300 if n <= 60 else 120
    for _ in range(limit):
        moved = 0.0
        for i in range(n):
            xi, yi = xs[i], ys[i]
            sx = sy = sw = 0.0
            for j, w, target in terms[i]:
                dx, dy = xi - xs[j], yi - ys[j]
                norm = math.sqrt(dx * dx + dy * dy) or 1e-6
                sx += w * (xs[j] + target * dx / norm)
                sy += w * (ys[j] + target * dy / norm)
                sw += w
            nx_, ny_ = sx / sw, sy / sw
            moved = max(moved, abs(nx_ - xi) + abs(ny_ - yi))
            xs[i], ys[i] = nx_, ny_
        if moved < 0.05 * length:
            break
    return {node: (xs[k], ys[k]) for k, node in enumerate(comp)}


def _pivot_mds(core: list[int], core_adj: dict, length: float, pivots: int = 24) -> tuple[list, list]:
    """Pivot MDS (Brandes & Pich): a global shape from breadth-first distances to a few pivots."""
    n = len(core)
    local = {node: k for k, node in enumerate(core)}
    nbrs = [sorted(local[o] for o in core_adj[node] if o in local) for node in core]

    def bfs(start: int) -> list[int]:
        dist = [-1] * n
        dist[start] = 0
        queue = deque([start])
        while queue:
            cur = queue.popleft()
            for other in nbrs[cur]:
                if dist[other] < 0:
                    dist[other] = dist[cur] + 1
                    queue.append(other)
        far = max(dist) + 1
        return [d if d >= 0 else far for d in dist]

    pivot = max(range(n), key=lambda i: (len(nbrs[i]), -i))
    nearest = [math.inf] * n
    cols = []
    for _ in range(min(pivots, n)):
        dist = bfs(pivot)
        cols.append(dist)
        nearest = [min(a, b) for a, b in zip(nearest, dist)]
        pivot = max(range(n), key=lambda i: (nearest[i], -i))
    k = len(cols)
    rows = [[float(col[i] * col[i]) for col in cols] for i in range(n)]
    col_mean = [sum(col[i] * col[i] for i in range(n)) / n for col in cols]
    grand = sum(col_mean) / k
    centred = []
    for row in rows:
        row_mean = sum(row) / k
        centred.append([-0.5 * (row[c] - row_mean - col_mean[c] + grand) for c in range(k)])
    gram = [[0.0] * k for _ in range(k)]
    for row in centred:
        for a in range(k):
            ra = row[a]
            if ra:
                ga = gram[a]
                for b in range(a, k):
                    ga[b] += ra * row[b]
    for a in range(k):
        for b in range(a):
            gram[a][b] = gram[b][a]
    vectors: list[list[float]] = []
    for _ in range(2):
        v = [1.0 + 0.37 * ((c * 7919) % 13) for c in range(k)]
        for _ in range(80):
            w = [sum(g * x for g, x in zip(grow, v)) for grow in gram]
            for u in vectors:
                proj = sum(a * b for a, b in zip(w, u))
                w = [a - proj * b for a, b in zip(w, u)]
            norm = math.sqrt(sum(a * a for a in w)) or 1.0
            v = [a / norm for a in w]
        vectors.append(v)
    xs = [sum(a * b for a, b in zip(row, vectors[0])) for row in centred]
    ys = [sum(a * b for a, b in zip(row, vectors[1])) for row in centred]
    total = count = 0.0
    for i in range(n):
        for j in nbrs[i]:
            if j > i:
                total += math.hypot(xs[i] - xs[j], ys[i] - ys[j])
                count += 1
    scale = length / (total / count) if count and total else 1.0
    # no denser than about one node per length² (dense starts make the force rounds slow and cramped)
    area = (max(xs) - min(xs)) * (max(ys) - min(ys)) * scale * scale
    if area < n * length * length:
        scale *= math.sqrt(n * length * length / max(area, 1e-9))
    return ([x * scale + 0.01 * length * ((i * 37) % 11) for i, x in enumerate(xs)],
            [y * scale + 0.01 * length * ((i * 53) % 7) for i, y in enumerate(ys)])


def _force(core: list[int], core_adj: dict, length: float, rng: random.Random, rounds: int = 15) -> dict:
    """Fruchterman-Reingold from a pivot-MDS start, with repulsion only between nodes in
    neighbouring grid cells."""
    n = len(core)
    local = {node: k for k, node in enumerate(core)}
    edges = sorted({(min(local[a], local[b]), max(local[a], local[b]))
                    for a in core for b in core_adj[a]})
    xs, ys = _pivot_mds(core, core_adj, length)
    k2 = length * length
    temperature = length * 1.5
    cutoff2 = (1.5 * length) ** 2
    for step in range(rounds):
        fx = [0.0] * n
        fy = [0.0] * n
        for i, j in _grid_pairs(xs, ys, 1.5 * length):
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            d2 = dx * dx + dy * dy
            if d2 > cutoff2:
                continue
            if d2 < 1e-4:
                dx, dy, d2 = 0.01 * (i - j), 0.01, 1e-4 + 1e-4 * (i - j) ** 2
            f = k2 / d2
            fx[i] += dx * f
            fy[i] += dy * f
            fx[j] -= dx * f
            fy[j] -= dy * f
        for i, j in edges:
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            d = math.sqrt(dx * dx + dy * dy) or 1e-6
            f = d / length
            fx[i] -= dx * f
            fy[i] -= dy * f
            fx[j] += dx * f
            fy[j] += dy * f
        cx, cy = sum(xs) / n, sum(ys) / n
        for i in range(n):
            gx_, gy_ = fx[i] - 0.005 * (xs[i] - cx), fy[i] - 0.005 * (ys[i] - cy)
            d = math.sqrt(gx_ * gx_ + gy_ * gy_)
            if d > 0:
                move = min(d, temperature)
                xs[i] += gx_ / d * move
                ys[i] += gy_ / d * move
        temperature = max(temperature * 0.88, length * 0.05)
    return {node: (xs[k], ys[k]) for k, node in enumerate(core)}


def _pack(boxes: list[dict], length: float) -> dict:
    """Place component layouts in rows (shelf packing), largest first, centred on (0, 0)."""
    margin = length * 0.8
    shapes = []
    for pos in boxes:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        shapes.append((min(xs), min(ys), max(xs) - min(xs) + margin, max(ys) - min(ys) + margin))
    area = sum(w * h for _, _, w, h in shapes)
    row_width = max(max((w for _, _, w, _ in shapes), default=0), math.sqrt(area) * 1.3)
    out = {}
    x = y = row_height = 0.0
    for pos, (x0, y0, w, h) in zip(boxes, shapes):
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (px, py) in pos.items():
            out[node] = (px - x0 + x, py - y0 + y)
        x += w
        row_height = max(row_height, h)
    if out:
        xs = [p[0] for p in out.values()]
        ys = [p[1] for p in out.values()]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        out = {node: (px - cx, py - cy) for node, (px, py) in out.items()}
    return out


def _geo_layout(graph: nx.MultiDiGraph) -> tuple[dict, dict | None]:
    """Positions for the geo view, and the projection used (for the page's graticule)."""
    coords = {n: c for n in graph if (c := _coordinates(graph.nodes[n])) is not None}
    pos: dict = {}
    projection = None
    if coords:
        lats = [c[0] for c in coords.values()]
        lons = [c[1] for c in coords.values()]
        extent = max(max(lats) - min(lats), max(lons) - min(lons), 1.0)
        scale = min(max(1100.0 / extent, 6.0), 40.0)
        projection = {"scale": scale, "latMin": min(lats), "latMax": max(lats),
                      "lonMin": min(lons), "lonMax": max(lons)}
        for node, (lat, lon) in coords.items():
            pos[node] = (round(lon * scale, 1), round(-lat * scale, 1))
    rings: dict = defaultdict(list)
    loose = []
    pinned = set(coords)
    for node in sorted(graph, key=str):
        if node in pinned:
            continue
        home = _home(graph, node, pinned)
        (rings[home].append(node) if home is not None else loose.append(node))
    order = {k: i for i, k in enumerate(KIND_STYLE)}
    for home, members in sorted(rings.items(), key=lambda kv: str(kv[0])):
        members.sort(key=lambda m: (order.get(_kind(graph, m), 99), str(m)))
        radius = max(70.0, len(members) * 80.0 / (2 * math.pi))
        hx, hy = pos[home]
        for k, node in enumerate(members):
            a = -math.pi / 2 + 2 * math.pi * k / len(members)
            pos[node] = (round(hx + radius * math.cos(a), 1), round(hy + radius * math.sin(a), 1))
    if loose:
        xs = [p[0] for p in pos.values()] or [0.0]
        ys = [p[1] for p in pos.values()] or [0.0]
        per_row = max(8, int(math.sqrt(len(loose)) * 2))
        for k, node in enumerate(loose):
            pos[node] = (round(min(xs) + (k % per_row) * 110.0, 1), round(max(ys) + 160.0 + (k // per_row) * 90.0, 1))
    return pos, projection


# ---------------------------------------------------------------------------------------------
# the page

_ASSETS = "static"


def _asset(name: str) -> str:
    return resources.files("filmgraph").joinpath(_ASSETS, name).read_text(encoding="utf-8")


def _vis_assets() -> tuple[str, str]:
    """vis-network's script and style as shipped inside the pyvis package (no network)."""
    lib = resources.files("pyvis").joinpath("lib", "vis-9.1.2")
    script = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    style = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    script = re.sub(r"//# sourceMappingURL=\S*\s*$", "", script)  # no request for a map file
    style = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", style)
    for text, end in ((script, "</script"), (style, "</style")):
        if end in text.lower():
            raise RuntimeError(f"the bundled vis-network asset contains {end!r}: it cannot be inlined")
    return script, style


def script_json(data) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (so neither ``</script>``
    nor ``<!--`` can end or change the block), U+2028/U+2029 and lone surrogates become ``\\u``
    escapes; ``JSON.parse`` gives back the exact strings. Non-finite numbers are refused
    (``ValueError``), as JSON has none.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return re.sub("[\u2028\u2029\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group()), text)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _degree_top(graph: nx.MultiDiGraph, degree: dict, count: int) -> list:
    """The ``count`` nodes of ``graph`` with most links (ties by IRI, so the cut is stable)."""
    return sorted(graph, key=lambda n: (-degree.get(n, 0), str(n)))[:count]


def _norm_date(value, end: bool) -> str | None:
    """An ISO date (or year, or year-month, or dateTime) as YYYY-MM-DD, rounded to the bound."""
    if not isinstance(value, str):
        return None
    m = re.match(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month is None:
        month = "12" if end else "01"
    if day is None:
        day = "31" if end else "01"
    return f"{year}-{month}-{day}"


def _map_data(graph: nx.MultiDiGraph, drawn: nx.MultiDiGraph, positions: dict, *, view: str, lang: str,
              title: str, total: int, max_nodes: int, degree: dict, geo: dict | None,
              focus, source, target) -> dict:
    from pyvis.edge import Edge
    from pyvis.node import Node

    kinds_present = sorted({_kind(drawn, n) for n in drawn}, key=lambda k: list(KIND_STYLE).index(k)
                           if k in KIND_STYLE else 99)
    nodes = []
    # drawing order: the most linked last (on top, so their labels stay readable); on the map, cities last
    drawing_order = sorted(drawn, key=lambda n: (geo is not None and _coordinates(drawn.nodes[n]) is not None,
                                                  degree.get(n, 0), str(n)))
    for node in drawing_order:
        attrs = drawn.nodes[node]
        kind = attrs.get("kind", "Thing")
        _zh, _en, colour, shape = KIND_STYLE.get(kind, KIND_STYLE["Thing"])
        x, y = positions[node]
        options = {"color": {"background": colour, "border": "#ffffff",
                             "highlight": {"background": colour, "border": "#111111"},
                             "hover": {"background": colour, "border": "#333333"}},
                   "value": degree.get(node, 0) + 1, "x": x, "y": y}
        if attrs.get("inferred"):
            options["shapeProperties"] = {"borderDashes": [4, 3]}
            options["color"]["border"] = "#555555"
        if geo is not None and _coordinates(attrs) is not None:  # a city on the map: always named
            options["scaling"] = {"label": {"enabled": True, "min": 16, "max": 20, "drawThreshold": 1}}
            options["font"] = {"color": "#7e2d0e"}
        if node in (focus, source, target):
            options["borderWidth"] = 4
            options["color"]["border"] = "#111111"
        vis_options = Node(str(node), shape, label=None, **options).options
        vis_options.pop("label", None)  # labels are set in the page, in the chosen language
        nodes.append({
            "id": str(node), "vis": vis_options, "kind": kind,
            "labels": {k: str(v) for k, v in (attrs.get("labels") or {}).items()},
            "cls": {k: str(v) for k, v in (attrs.get("cls_labels") or {}).items()},
            "country": [str(c) for c in attrs.get("country") or []],
            "start": attrs.get("start"), "end": attrs.get("end"),
            "d0": _norm_date(attrs.get("start") or attrs.get("end"), False),
            "d1": _norm_date(attrs.get("end") or attrs.get("start"), True),
            "quotes": [str(q) for q in attrs.get("quotes") or []],
            "sources": [str(s) for s in attrs.get("sources") or []],
            "inferred": bool(attrs.get("inferred")), "degree": degree.get(node, 0),
        })
    edges = []
    pairs: dict = defaultdict(int)
    for n, (u, v, key, attrs) in enumerate(sorted(drawn.edges(keys=True, data=True),
                                                  key=lambda e: (str(e[0]), str(e[1]), str(e[2])))):
        pair = tuple(sorted((str(u), str(v))))
        rank = pairs[pair]
        pairs[pair] += 1
        options = {"id": f"e{n}"}
        if rank:
            curve = "curvedCW" if (str(u), str(v)) == pair else "curvedCCW"
            options["smooth"] = {"enabled": True, "type": curve, "roundness": min(0.15 + 0.15 * rank, 0.9)}
        if attrs.get("inferred"):
            options["dashes"] = [6, 4]
        vis_options = Edge(str(u), str(v), directed=True, **options).options
        edges.append({
            "id": f"e{n}", "from": str(u), "to": str(v), "vis": vis_options,
            "labels": {k: str(val) for k, val in (attrs.get("labels") or {}).items()},
            "predicate": str(attrs.get("predicate") or key),
            "quotes": [str(q) for q in attrs.get("quotes") or []],
            "sources": [str(s) for s in attrs.get("sources") or []],
            "inferred": bool(attrs.get("inferred")),
        })
    countries: dict = {}
    for node in graph:
        if _kind(graph, node) == "Country":
            countries[str(node)] = {k: str(v) for k, v in (graph.nodes[node].get("labels") or {}).items()}
    for item in nodes:
        for c in item["country"]:
            countries.setdefault(c, {})
    return {
        "meta": {"title": title, "view": view, "lang": lang, "total": total, "shown": drawn.number_of_nodes(),
                 "leftOut": total - drawn.number_of_nodes(), "maxNodes": max_nodes,
                 "edgeLabelLimit": EDGE_LABEL_LIMIT, "geo": geo,
                 "focus": str(focus) if focus is not None else None,
                 "source": str(source) if source is not None else None,
                 "target": str(target) if target is not None else None},
        "kinds": {k: {"zh": KIND_STYLE.get(k, KIND_STYLE["Thing"])[0], "en": KIND_STYLE.get(k, KIND_STYLE["Thing"])[1],
                      "color": KIND_STYLE.get(k, KIND_STYLE["Thing"])[2],
                      "shape": KIND_STYLE.get(k, KIND_STYLE["Thing"])[3]} for k in kinds_present},
        "countries": countries,
        "sources": {str(g): labels for g, labels in graph.graph.get("sources", {}).items()},
        "nodes": nodes,
        "edges": edges,
    }


_DEFAULT_TITLES = {
    "all": ("国际电影合作网络图", "International film cooperation network"),
    "cooperation": ("合作关系图：谁与谁合作", "Who cooperates with whom"),
    "events": ("活动图：活动、地点、主办方、参与者与影片",
               "Events: places, organisers, participants and films"),
    "coproductions": ("合拍图：合拍项目、影片与合作国", "Co-productions: films and partner countries"),
    "ego": ("关系图：某一实体周边", "Around one entity"),
    "path": ("路径图：两个实体如何相连", "How two entities are linked"),
    "geo": ("地图：城市与当地机构和活动", "Map: cities with their organisations and events"),
}


def render_map(graph: nx.MultiDiGraph, *, view: str = "all", lang: str = "zh", title: str | None = None,
               focus: str | None = None, hops: int = 2, source: str | None = None, target: str | None = None,
               max_nodes: int = MAX_NODES, seed: int = 7) -> str:
    """One self-contained HTML page (a string) drawing ``view`` of ``graph``.

    ``graph`` is the whole projection (:func:`~filmgraph.projection.project`); the view is cut from
    it with :func:`select_view` (``focus``, ``hops``, ``source``, ``target`` as there) and laid out
    with :func:`layout`. Node sizes follow the number of links in ``graph``. When the view has more
    than ``max_nodes`` nodes, only the ``max_nodes`` most linked are drawn and the page says how
    many were left out. ``lang`` (``zh`` or ``en``) is the language the page opens in; the page can
    switch. ``title`` is shown as plain text (a bilingual default names the view).

    The page needs no network: scripts and styles are inlined, data is embedded as escaped JSON
    and shown with ``textContent`` only, and a Content-Security-Policy allows nothing else to run
    or load. Raises :class:`~filmgraph.errors.UsageError` for an unknown view or language, a bad
    ``max_nodes``, or the errors of :func:`select_view`.
    """
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r} — choose one of: {', '.join(LANGS)}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise UsageError(f"max_nodes must be a whole number of 1 or more, not {max_nodes!r}")
    selected = select_view(graph, view=view, focus=focus, hops=hops, source=source, target=target)
    degree = dict(graph.degree())
    total = selected.number_of_nodes()
    if total > max_nodes:
        # the entities a view is about are always drawn, then the most linked others
        keep = {m for m in (focus, source, target) if m is not None and m in selected}
        for node in _degree_top(selected, degree, total):
            if len(keep) >= max_nodes:
                break
            keep.add(node)
        drawn = selected.subgraph(keep).copy()
    else:
        drawn = selected
    geo = None
    if view == "geo":
        positions, geo = _geo_layout(drawn)
    else:
        positions = layout(drawn, view=view, seed=seed)
    zh, en = _DEFAULT_TITLES[view]
    page_title = title if title else f"{zh} · {en}"
    data = _map_data(graph, drawn, positions, view=view, lang=lang, title=page_title, total=total,
                     max_nodes=max_nodes, degree=degree, geo=geo, focus=focus if view == "ego" else None,
                     source=source if view == "path" else None, target=target if view == "path" else None)
    vis_js, vis_css = _vis_assets()
    app_js = _asset("map.js")
    csp = ("default-src 'none'; script-src " + _csp_hash(vis_js) + " " + _csp_hash(app_js)
           + "; style-src 'unsafe-inline'; img-src data: blob:; font-src 'none'; connect-src 'none'; "
           "media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    parts = {
        "LANG": "zh-Hans" if lang == "zh" else "en",
        "CSP": htmlmod.escape(csp, quote=True),
        "TITLE": htmlmod.escape(page_title, quote=True),
        "VIS_CSS": vis_css,
        "APP_CSS": _asset("map.css"),
        "DATA": script_json(data),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
    }
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: parts[m.group(1)], _asset("map.html"))


def write_map(path: str | os.PathLike, html: str) -> Path:
    """Write ``html`` to ``path`` atomically (see :func:`filmgraph.atomic.replace_file`): a reader
    sees the old page or the new one, never half a page. Returns the path. Raises
    :class:`~filmgraph.errors.OutputError`, the previous file left as it was."""
    with replace_file(path, what="the map") as handle:
        handle.write(html.encode("utf-8"))
    return Path(path)


_PROJECTIONS: dict = {}
_PAGES: dict = {}


def map_page(backend, *, base_iri: str, view: str = "all", lang: str = "zh", focus: str | None = None,
             hops: int = 2, source: str | None = None, target: str | None = None) -> str:
    """:func:`render_map` of ``backend``'s projection, for a server that draws many maps of one
    unchanging store: the projection is made once per process and the last 32 pages are kept.
    Raises :class:`~filmgraph.errors.UsageError` as :func:`render_map` does."""
    from .projection import project

    key = (id(backend), base_iri)
    if key not in _PROJECTIONS:
        _PROJECTIONS[key] = project(backend, base_iri=base_iri)
    options = dict(view=view, lang=lang, focus=focus, hops=hops, source=source, target=target)
    page_key = (key, tuple(sorted(options.items())))
    if page_key not in _PAGES:
        if len(_PAGES) >= 32:
            _PAGES.pop(next(iter(_PAGES)))
        _PAGES[page_key] = render_map(_PROJECTIONS[key], **options)
    return _PAGES[page_key]
