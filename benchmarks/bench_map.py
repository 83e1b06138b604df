"""Benchmark of the network map (run on demand, not a test).

    python benchmarks/bench_map.py [--runs 3] [--no-browser]

For the curated graph and synthetic graphs of 1,000 and 5,000 nodes (made with networkx in the
projection's attribute shape): seconds to generate the map (select_view + layout + render_map,
median of --runs) and the HTML size, against a baseline measured in the same run: pyvis's own
``Network.add_node``/``add_edge`` loop and ``generate_html`` for the same graph (a page that
would still pull its assets from a CDN and lay itself out in the browser). Then, in headless
Chromium (Debian's /usr/bin/chromium, driven by Playwright), the seconds from ``page.goto`` until
the 5,000-node map is interactive (``window.filmgraphMap.ready``, set after the first drawing),
goal 3 s: once as generated (the 1,500 most linked nodes drawn) and once with every node drawn
(``max_nodes=5000``).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from filmgraph.networkmap import MAX_NODES, layout, render_map, select_view  # noqa: E402
from timing import median_time  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOAL_INTERACTIVE_S = 3.0

_KINDS = (("Organization", 0.22), ("Person", 0.2), ("Event", 0.2), ("Film", 0.18), ("City", 0.06),
          ("Country", 0.04), ("CoProduction", 0.05), ("Programme", 0.03), ("CreativeWork", 0.02))
_PREDICATES = ("participant", "organizer", "location", "basedIn", "screenedFilm", "partnerCountry",
               "subEvent", "director")
_SYLLABLES = "中哈俄吉土北京阿拉木图莫斯科电影合作交流推介展映代表团协会中心国际文化"


def synthetic_graph(n: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """A projection-shaped network of ``n`` nodes: preferential attachment (about 2 links per node,
    many nodes with one), every node and edge with the attributes that ``project`` gives."""
    rng = random.Random(seed)
    base = "https://example.org/filmgraph/id/"
    graph = nx.MultiDiGraph()
    countries: list[str] = []
    kinds, weights = zip(*_KINDS)
    for i in range(n):
        kind = rng.choices(kinds, weights)[0] if i >= 20 else ("Country" if i < 8 else "City")
        iri = f"{base}{kind.lower()}/{i}"
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 9)))
        attrs = {"iri": iri, "kind": kind, "cls": f"https://w3id.org/filmgraph/ontology#{kind}",
                 "cls_labels": {"zh": kind, "en": kind},
                 "labels": {"zh": f"{name}{i}", "en": f"{kind} {i}", "ru": f"Объект {i}"},
                 "country": [], "sources": ["https://example.org/filmgraph/source/synthetic"],
                 "quotes": [f"原文摘录{i}：{name}"] if rng.random() < 0.6 else [], "inferred": False}
        if kind == "Country":
            countries.append(iri)
        if kind == "City":
            attrs["lat"], attrs["lon"] = rng.uniform(-40, 65), rng.uniform(-120, 150)
        if kind == "Event":
            day = rng.randint(1, 27)
            attrs["start"] = f"2025-{rng.randint(1, 12):02d}-{day:02d}"
            attrs["end"] = attrs["start"][:8] + f"{day + 1:02d}"
        if countries and kind not in ("Country", "Film", "Person"):
            attrs["country"] = [rng.choice(countries)]
        graph.add_node(iri, **attrs)
    nodes = list(graph)
    targets: list[str] = []
    for i, node in enumerate(nodes[1:], start=1):
        links = 1 if rng.random() < 0.55 else rng.randint(2, 4)
        for _ in range(links):
            other = rng.choice(targets) if targets and rng.random() < 0.7 else nodes[rng.randrange(i)]
            p = rng.choice(_PREDICATES)
            graph.add_edge(node, other, key=f"https://w3id.org/filmgraph/ontology#{p}",
                           predicate=f"https://w3id.org/filmgraph/ontology#{p}", labels={"zh": p, "en": p},
                           quotes=[f"关系依据 {i}"] if rng.random() < 0.3 else [], sources=[], inferred=False)
            targets += [node, other]
    return graph


def curated_graph() -> nx.MultiDiGraph:
    from filmgraph.dataset import open_backend
    from filmgraph.projection import project

    return project(open_backend())


def ours(graph: nx.MultiDiGraph, **options) -> str:
    return render_map(graph, view="all", **options)


def pyvis_baseline(graph: nx.MultiDiGraph) -> str:
    """What a user would otherwise do: pyvis's Network filled node by node, its own template."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="remote")
    for node, attrs in graph.nodes(data=True):
        net.add_node(node, label=(attrs.get("labels") or {}).get("zh") or node)
    for u, v, attrs in graph.edges(data=True):
        net.add_edge(u, v, label=(attrs.get("labels") or {}).get("zh", ""))
    return net.generate_html()


def time_to_interactive(html: str, *, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench-map-"))
    path = folder / "map.html"
    path.write_text(html, encoding="utf-8")
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1600, "height": 950})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.filmgraphMap && window.filmgraphMap.ready === true", timeout=60_000,
                                   polling=10)
            results.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip the time-to-interactive measure")
    args = parser.parse_args()

    graphs = [("curated", curated_graph()), ("synthetic 1k", synthetic_graph(1000)),
              ("synthetic 5k", synthetic_graph(5000))]
    print(f"{'graph':<14} {'nodes':>6} {'edges':>6} {'drawn':>6} {'select s':>9} {'layout s':>9} "
          f"{'map s':>7} {'size KB':>8} {'pyvis s':>8} {'pyvis KB':>9} {'map/pyvis':>9}")
    five_k = None
    for name, graph in graphs:
        t_select, view = median_time(lambda: select_view(graph, view="all"), args.runs)
        drawn = view if len(view) <= MAX_NODES else view.subgraph(
            sorted(view, key=lambda n: (-graph.degree(n), str(n)))[:MAX_NODES])
        t_layout, _ = median_time(lambda: layout(drawn, view="all"), args.runs)
        t_map, html = median_time(lambda: ours(graph), args.runs)
        t_base, base_html = median_time(lambda: pyvis_baseline(graph), max(1, min(args.runs, 2)))
        print(f"{name:<14} {graph.number_of_nodes():>6} {graph.number_of_edges():>6} {len(drawn):>6} "
              f"{t_select:>9.3f} {t_layout:>9.3f} {t_map:>7.3f} {len(html.encode()) / 1024:>8.0f} "
              f"{t_base:>8.3f} {len(base_html.encode()) / 1024:>9.0f} {t_map / t_base:>9.2f}")
        if name == "synthetic 5k":
            five_k = graph
    print("(map s = select_view + layout + render_map, everything inlined; pyvis = Network.add_node/"
          "add_edge loop + generate_html, assets from a CDN, layout left to the browser)")
    if args.no_browser:
        return
    if not Path(CHROMIUM).exists():
        print(f"time to interactive: skipped, {CHROMIUM} is not installed (apt-get install chromium)")
        return
    print()
    print(f"{'5k map in headless Chromium':<40} {'drawn':>6} {'median s':>9} {'max s':>7} {'goal s':>7}")
    for label, options in (("as generated (top 1,500)", {}), ("every node drawn", {"max_nodes": 5000})):
        html = ours(five_k, **options)
        drawn = min(len(five_k), options.get("max_nodes", MAX_NODES))
        times = time_to_interactive(html, runs=args.runs)
        print(f"{label:<40} {drawn:>6} {statistics.median(times):>9.2f} {max(times):>7.2f} "
              f"{GOAL_INTERACTIVE_S:>7.1f}")


if __name__ == "__main__":
    main()
