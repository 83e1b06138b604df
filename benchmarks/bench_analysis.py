"""Benchmark of the network analytics (run on demand, not a test).

    python benchmarks/bench_analysis.py [--runs 3] [--sizes 1000 10000 50000] [--exact-budget 120]

For the curated graph and for synthetic projections of the given sizes (tests/synthetic.py: the
same node and edge attributes as the projection): the median time of ``analyze()`` with its
defaults and of each of its steps; then betweenness exact against sampled pivots (the default
number), with the ratio exact/sampled and how many of the exact top 10 the estimate finds. Exact
betweenness is stopped after ``--exact-budget`` seconds (the ratio is then a lower bound, shown
with ">"). Every figure comes from this one run.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from synthetic import synthetic_projection  # noqa: E402
from timing import OverBudget, budgeted, median_time  # noqa: E402

from filmgraph.analysis import EXACT_BETWEENNESS_MAX_NODES, MIN_PIVOTS, analyze, default_pivots  # noqa: E402


def simple(graph):
    out = nx.Graph()
    out.add_nodes_from(graph)
    out.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return out


def top10(values):
    return {n for n, _ in sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))[:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--exact-budget", type=float, default=120.0, help="seconds before exact betweenness is stopped")
    args = parser.parse_args()

    from filmgraph.dataset import open_backend
    from filmgraph.projection import project

    graphs = [("curated", project(open_backend()))]
    graphs += [(f"synthetic {n:,}", synthetic_projection(n)) for n in args.sizes]
    print(f"analyze() with defaults: exact betweenness up to {EXACT_BETWEENNESS_MAX_NODES:,} nodes, "
          f"else sampled pivots (default_pivots); median of {args.runs} runs\n")
    print(f"{'graph':<18}{'nodes':>8}{'edges':>9}  {'analyze s':>10}  {'betweenness':<12}  slowest steps (s)")
    for name, graph in graphs:
        seconds, result = median_time(lambda: analyze(graph), args.runs)
        steps = sorted(result.timings_ms.items(), key=lambda kv: -kv[1])[:3]
        print(f"{name:<18}{graph.number_of_nodes():>8,}{graph.number_of_edges():>9,}  {seconds:>10.3f}  "
              f"{result.betweenness.method:<12}  " + ", ".join(f"{k} {v / 1000:.2f}" for k, v in steps))

    print("\nbetweenness on the undirected simple graph: exact vs the default sampled pivots (seed 7)\n")
    print(f"{'graph':<18}{'pivots':>7}{'exact s':>10}{'sampled s':>11}{'ratio':>9}  exact top 10 found by the estimate")
    for name, graph in graphs:
        g = simple(graph)
        k = default_pivots(g.number_of_nodes(), g.number_of_edges())
        if k >= g.number_of_nodes():  # analyze() is exact here; show what the fewest pivots would give
            k = MIN_PIVOTS
        if k >= g.number_of_nodes():
            print(f"{name:<18}{k:>7}  (no fewer pivots than nodes: sampling is the exact computation)")
            continue
        sampled_s, estimate = median_time(lambda: nx.betweenness_centrality(g, k=k, seed=7), args.runs)
        try:
            exact_runs = args.runs if sampled_s * 20 < args.exact_budget / args.runs else 1
            exact_s, exact = median_time(lambda: budgeted(lambda: nx.betweenness_centrality(g), args.exact_budget), exact_runs)
            found = f"{len(top10(estimate) & top10(exact))}/10"
            print(f"{name:<18}{k:>7}{exact_s:>10.3f}{sampled_s:>11.3f}{exact_s / sampled_s:>9.1f}  {found}")
        except OverBudget:
            print(f"{name:<18}{k:>7}{'>' + format(args.exact_budget, '.0f'):>10}{sampled_s:>11.3f}"
                  f"{'>' + format(args.exact_budget / sampled_s, '.1f'):>9}  (exact stopped)")


if __name__ == "__main__":
    main()
