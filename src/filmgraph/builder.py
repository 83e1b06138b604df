"""``filmgraph build``: check, load, entail, then write the dataset files atomically.

Output (in ``out``, default ``dist/``): ``filmgraph.trig`` and ``filmgraph.nq`` (every named
graph, the entailed triples in their own graph) and ``build-report.json``. A failed or interrupted
build leaves the previous output exactly as it was (see :mod:`filmgraph.atomic`).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .atomic import replace_dir, sha256_file
from .dataset import load
from .namespaces import PREFIXES
from .settings import Settings
from .validation import Progress

REPORT = "build-report.json"
OUTPUTS = {"filmgraph.trig": ox.RdfFormat.TRIG, "filmgraph.nq": ox.RdfFormat.N_QUADS}


@dataclass
class BuildReport:
    """What a build wrote: per-graph triple counts, files with size and sha256, timings."""

    out: str
    filmgraph_version: str
    base_iri: str
    graphs: dict[str, int] = field(default_factory=dict)
    entailed: int = 0
    files: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    check: str = ""

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def summary(self) -> str:
        return (f"built {self.out}: {self.triples:,} triples in {len(self.graphs)} graphs "
                f"({self.entailed:,} entailed), {len(self.files)} files, {self.seconds:.2f} s")


def build(*, settings: Settings = Settings(), out: str | Path = "dist",
          progress: Progress | None = None) -> BuildReport:
    """Build the dataset into ``out``; returns the :class:`BuildReport`.

    Raises :class:`~filmgraph.errors.CheckFailed` (nothing written) when the check finds errors,
    and :class:`~filmgraph.errors.OutputError` when ``out`` cannot be replaced.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    dataset = load(settings=settings, progress=progress)
    store = dataset.store
    report = BuildReport(str(out), __version__, settings.base_iri, entailed=dataset.entailed,
                         check=dataset.report.summary())
    report.graphs = {g: store.count(g) for g in store.graphs()}
    prefixes = {k: v.replace(Settings().base_iri, settings.base_iri) for k, v in PREFIXES.items()}
    with replace_dir(out, marker=REPORT) as tmp:
        for name, fmt in OUTPUTS.items():
            say(f"writing {name}")
            store.dump(tmp / name, fmt, prefixes=prefixes)
            report.files[name] = {"bytes": (tmp / name).stat().st_size, "sha256": sha256_file(tmp / name)}
        report.seconds = round(time.perf_counter() - started, 3)
        (tmp / REPORT).write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return report
