"""Benchmark of the query library on the curated graph (run on demand, not a test).

    python benchmarks/bench_queries.py [--runs 7]

For every library query: median seconds on the embedded store (pyoxigraph, in process), on a live
``oxigraph serve`` over HTTP (started here on 127.0.0.1), and with rdflib's own SPARQL engine on
the same built dataset (the baseline a user would otherwise use, stopped after 20 s), with the
ratio rdflib/embedded.
Then the cold start of ``filmgraph query`` as a new process, against ``python -c pass``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import OverBudget, budgeted, median_time

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


RDFLIB_BUDGET_S = 20.0


def median(call, runs: int) -> float:
    return median_time(call, runs)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    import rdflib

    import filmgraph
    from conftest import start_oxigraph
    from filmgraph.push import push
    from filmgraph.queries import Library, prepare
    from filmgraph.remote import Endpoint, RemoteStore

    dataset = filmgraph.load()
    library = Library(REPO / "queries")
    proc, server = start_oxigraph(Path(tempfile.mkdtemp()))
    try:
        remote = RemoteStore(Endpoint(server.query, graph_store=server.graph_store))
        push(dataset.store, remote, base_iri=dataset.settings.base_iri)
        naive = rdflib.Dataset(default_union=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "dist"
            filmgraph.build(out=out)
            naive.parse(str(out / "filmgraph.nq"), format="nquads")
        print(f"{'query':36} {'embedded ms':>12} {'remote ms':>10} {'rdflib ms':>10} {'rdflib/embedded':>16}")
        for q in library:
            text = prepare(q, {p.name: p.example for p in q.params if p.example and p.default is None},
                           backend=dataset.store)
            emb = median(lambda: dataset.store.run(text), runs)
            rem = median(lambda: remote.run(text), runs)
            try:
                nai = budgeted(lambda: median(lambda: list(naive.query(text)), max(1, runs // 2)), RDFLIB_BUDGET_S)
                naive_ms, ratio = f"{nai * 1e3:10.1f}", f"{nai / emb:16.1f}"
            except OverBudget:
                naive_ms, ratio = f"{'>' + str(int(RDFLIB_BUDGET_S * 1e3)):>10}", f"{'>' + str(int(RDFLIB_BUDGET_S / emb)):>16}"
            print(f"{q.name:36} {emb * 1e3:12.2f} {rem * 1e3:10.2f} {naive_ms} {ratio}", flush=True)
    finally:
        proc.terminate()
    cold = median(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    name = next(iter(library)).name
    cli = median(lambda: subprocess.run([sys.executable, "-m", "filmgraph", "query", name], cwd=REPO, check=True,
                                        stdout=subprocess.DEVNULL), runs)
    print(f"\ncold start: python -c pass {cold:.3f} s; filmgraph query {name} {cli:.3f} s "
          f"(the loaded knowledge base comes from the cache after the first run; {cli / cold:.0f}x the bare interpreter)")


if __name__ == "__main__":
    main()
