"""Benchmarks of the foundation commands on the curated knowledge base (run on demand, not a test).

    python benchmarks/bench_foundation.py [--runs 5]

Times whole commands as a user runs them (a new process each time) and prints medians with
ratios against baselines measured in the same run: a bare ``python -c pass`` for start-up, and
the naive way to read the same files (rdflib parsing every file into a Dataset) for check/build.
Targets (issue 2): --help <= 0.3 s; check and build <= 3 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILMGRAPH = [sys.executable, "-m", "filmgraph"]
NAIVE = ("import rdflib, pathlib; d = rdflib.Dataset(); "
         "[d.parse(str(p), format='trig' if p.suffix == '.trig' else 'turtle') "
         "for p in sorted(pathlib.Path('ontology').glob('*.ttl')) + sorted(pathlib.Path('graph').glob('*.trig'))]")


def timed(cmd: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    out = Path(tempfile.mkdtemp()) / "dist"
    try:
        rows = [
            ("python -c pass (baseline)", timed([sys.executable, "-c", "pass"], runs, REPO), None, None),
            ("filmgraph --help", timed([*FILMGRAPH, "--help"], runs, REPO), 0.3, 0),
            ("rdflib parse of the same files (baseline)", timed([sys.executable, "-c", NAIVE], runs, REPO), None, None),
            ("filmgraph check", timed([*FILMGRAPH, "check"], runs, REPO), 3.0, 2),
            ("filmgraph build", timed([*FILMGRAPH, "build", "--out", str(out)], runs, REPO), 3.0, 2),
        ]
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    print(f"{'step':45} {'median s':>9} {'target s':>9} {'x baseline':>11}")
    for name, seconds, target, base in rows:
        ratio = f"{seconds / rows[base][1]:.2f}" if base is not None else ""
        verdict = "" if target is None else ("ok" if seconds <= target else "MISSED")
        print(f"{name:45} {seconds:9.3f} {target or '':>9} {ratio:>11} {verdict}")


if __name__ == "__main__":
    main()
