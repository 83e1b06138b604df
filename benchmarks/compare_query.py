"""A library query's text against another text of it, on a benchmark store (run on demand).

    python benchmarks/compare_query.py NAME [NAME...] --size 10k|100k|1m [--against DIR]
                                       [--rev REV] [--runs 3] [--param NAME=VALUE ...]

For rewriting a slow library query: times ``queries/NAME.rq`` as it is in git revision ``--rev``
(default HEAD) and, with ``--against DIR``, ``DIR/NAME.rq`` (a draft, or the working copy:
``--against queries``), on the store that ``benchmarks/run.py --size SIZE`` built (it must
have run once), with the parameters of run.py (each example without a default; a name with
namesakes in the synthetic graph taken as its curated IRI) and ``--param`` on top. Prints each
median, the number of rows, and whether the two texts give the same rows in the same order —
a rewrite must, at every size where the old text finishes. A text taking over 20 s runs once.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
SLOW_S = 20.0


def rows(result) -> list:
    """Comparable rows of any result: tuples of N-Triples terms in variable order (SELECT), the
    boolean (ASK) or the sorted statements (CONSTRUCT/DESCRIBE)."""
    if hasattr(result, "value"):
        return [result.value]
    if hasattr(result, "variables"):
        return [tuple(str(r[v]) if v in r else "" for v in result.variables) for r in result.rows]
    return sorted(str(t) for t in result.triples)


def timed(store, text: str, runs: int) -> tuple[float, list]:
    times, out = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = rows(store.run(text))
        times.append(time.perf_counter() - start)
        if times[-1] > SLOW_S:
            break
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", metavar="NAME")
    parser.add_argument("--size", required=True, choices=("10k", "100k", "1m"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/filmgraph-bench"), help="run.py's --work")
    parser.add_argument("--against", type=Path, metavar="DIR", help="folder of the other texts")
    parser.add_argument("--rev", default="HEAD", help="git revision of the texts compared against (default HEAD)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()

    from filmgraph.errors import QueryError
    from filmgraph.queries import Library
    from filmgraph.store import EmbeddedStore
    from run import prepare_example

    store_dir = args.work / args.size / "store"
    if not store_dir.is_dir():
        parser.error(f"{store_dir} does not exist: run `python benchmarks/run.py --size {args.size}` once")
    store = EmbeddedStore(path=store_dir, read_only=True)
    if any("=" not in p for p in args.param):
        parser.error("--param takes NAME=VALUE")
    extra = dict(p.split("=", 1) for p in args.param)
    old = Path(tempfile.mkdtemp(prefix="filmgraph-compare-"))
    for name in args.names:
        shown = subprocess.run(["git", "-C", str(HERE.parent), "show", f"{args.rev}:queries/{name}.rq"],
                               capture_output=True, text=True)
        if shown.returncode != 0:
            parser.error(f"queries/{name}.rq is not in {args.rev}: {shown.stderr.strip()}")
        (old / f"{name}.rq").write_text(shown.stdout, encoding="utf-8")
    texts = [(args.rev, Library(old))] + ([(str(args.against), Library(args.against))] if args.against else [])
    for name in args.names:
        results = []
        for label, library in texts:
            query = library.get(name)
            try:
                text, _params, _resolved = prepare_example(query, store, extra)
            except QueryError as e:
                parser.error(str(e))
            seconds, out = timed(store, text, args.runs)
            results.append(out)
            print(f"{name:32s} {label:20s} {seconds * 1000:10.1f} ms  {len(out)} rows", flush=True)
        if len(results) == 2:
            print(f"{name:32s} same rows in the same order: {results[0] == results[1]}"
                  f" (as sets: {sorted(results[0]) == sorted(results[1])})")


if __name__ == "__main__":
    main()
