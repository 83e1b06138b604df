"""The whole pipeline on a synthetic knowledge base, against the naive way (issue 7; run on demand).

    python benchmarks/run.py --size 10k|100k|1m [--runs 3] [--naive-budget 600] [--json [PATH]]
                             [--query-cap 60] [--slow-s 60] [--step-budget 900] [--memory-cap-mb 10000]
                             [--serve-duration 20] [--clients 8] [--work DIR] [--seed 1]
                             [--steps load,check,...] [--no-naive] [--no-browser] [--merge PATH]
    python benchmarks/run.py --show PATH [--markdown]      # the table of an earlier --json file

1. Writes the synthetic knowledge base of the size (``benchmarks/synth.py``) into
   ``--work``/<size>/kb (default /tmp/filmgraph-bench/<size>), then builds it once into an
   on-disk embedded store there (parse, load, entail: the store that ``filmgraph build --store``,
   the cache and ``filmgraph serve`` hold) and dumps that store as N-Quads for the naive queries.
   Both are reused by later runs while the knowledge base is unchanged (same size, seed and
   synth.py, and this repository's ontology, graph and queries); the store, while
   filmgraph's loading, entailment and store modules are unchanged.
2. Times each step, every step in a new process (its peak RSS is that process's ``ru_maxrss``,
   from ``os.wait4``; the server's is sampled from /proc over its process tree), the median of
   ``--runs`` runs — except that a step whose first run takes longer than ``--slow-s`` runs once
   (the table's ``n`` column says how many runs each figure is the median of):

   - **load**: every file parsed by ``filmgraph.loading.parse_file`` and put in an in-memory
     pyoxigraph store (what ``check`` and ``load`` do before checking);
     naive: ``rdflib.Dataset().parse`` of the same files.
   - **check**: ``filmgraph.validation.check`` of the whole knowledge base (syntax, integrity,
     shapes), its parts from its progress messages; naive: rdflib parse + pySHACL
     (``inference="none"``, ``advanced=True``, as filmgraph's check called it before).
   - **entailment**: ``filmgraph.entailment.entail`` on an in-memory store of the asserted quads;
     naive: ``owlrl`` RDFS closure (``DeductiveClosure(RDFS_Semantics).expand``) of the same
     triples in an rdflib Graph.
   - **queries**: every library query with its default parameters (examples where a parameter has
     no default), prepared by ``filmgraph.queries.prepare``, run with ``EmbeddedStore.run`` on the
     built store (one warm-up run first); naive: rdflib SPARQL on a ``Dataset(default_union=True)``
     holding the same quads (the store's N-Quads dump, entailments included), each query stopped
     after ``--query-cap`` seconds ("> cap"). Row counts are compared.
   - **map**: ``filmgraph.projection.project`` + ``networkmap.render_map`` of the ``all`` view;
     nodes in the projection and drawn, HTML size, and (unless ``--no-browser``) the seconds until
     the page is interactive in headless Chromium (one load, bench_map's measure).
   - **analyze**: ``filmgraph.analysis.analyze`` of the projection.
   - **export**: ``filmgraph.export.export`` of the full profile in every format with the dataset
     description (``describe_export``), from the built store.
   - **serve**: ``filmgraph --project KB serve --store STORE`` driven by 8 client processes
     (bench_serve's clients) for ``--serve-duration`` seconds with every library query in
     rotation, then with bench_serve's "simple" queries only (embedded median < 2 ms here).

   A naive step runs where it finishes within ``--naive-budget`` seconds: it is stopped there
   (its process killed) and shown as "> budget". ``--no-naive`` leaves the naive steps out. A
   filmgraph run longer than ``--step-budget``, or a step process whose RSS passes
   ``--memory-cap-mb``, is stopped the same way; a stopped library query is shown as "> cap" and
   the others go on in a new process.
3. Prints one table: step, filmgraph median, naive median, ratio naive/filmgraph, peak RSS,
   target (issue 7, for 1M triples), met / MISSED. ``--json`` also writes every figure (per run,
   per part, the machine and the load average around each step) to PATH (default:
   <work>/<size>/results.json); ``--merge PATH`` takes the steps not run now from such a file
   (same size), and the table says which run each figure comes from.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
MARK = "@@ "  # a child's result lines start with this; anything else it prints goes to its log
TARGET_LOAD_S, TARGET_CHECK_S, TARGET_QUERY_S, TARGET_QUERY_RATIO = 5.0, 30.0, 0.300, 20.0
TARGET_RSS_MB, TARGET_P99_MS = 2048.0, 250.0
GOAL_EXPORT_S, GOAL_MAP_INTERACTIVE_S = 60.0, 3.0  # issue 6 and the map's goal, shown for information
WARM_ONLY_S = 10.0  # a library query whose first (warm-up) run takes longer is timed by that run alone
AMBIGUOUS = re.compile(r"parameter (\S+): '.*?' names \d+ entities \(([^,)]+)")
SIMPLE_MS = 2.0  # bench_serve's rule for a "simple" query
STEP_PARTS = {"load": ("load", "naive_load"), "check": ("check", "naive_check"),
              "entailment": ("entailment", "naive_entailment"), "queries": ("queries", "naive_queries"),
              "map": ("map", "map_browser"), "analyze": ("analyze",), "export": ("export",), "serve": ("serve",)}
STEPS = ("load", "check", "entailment", "queries", "map", "analyze", "export", "serve")


# ============================================================================ children
# Each step runs as ``python run.py --child KIND SPEC``: it prints JSON lines starting with MARK.
# {"start": phase, "budget": s} and {"done": phase} delimit phases the parent may stop;
# the last {"result": ...} line is the step's result.

def emit(**entry) -> None:
    print(MARK + json.dumps(entry, ensure_ascii=False), flush=True)


def _timed(call):
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def _runs(call, spec: dict) -> tuple[list[float], object]:
    """Times of up to ``spec["runs"]`` calls (only one when the first is slower than
    ``spec["slow_s"]``); each is a phase the parent stops after ``spec["budget"]`` seconds."""
    times, value = [], None
    for i in range(spec["runs"]):
        value = None  # the previous run's result is not kept alive during this one
        gc.collect()
        emit(start=f"run {i + 1}", budget=spec.get("budget", 1e9))
        seconds, value = _timed(call)
        emit(done=f"run {i + 1}", seconds=seconds)
        times.append(seconds)
        if seconds > spec["slow_s"]:
            break
    return times, value


def child_generate(spec: dict) -> dict:
    from synth import generate

    made = generate(spec["triples"], seed=spec["seed"], out=Path(spec["kb"]), replace=True)
    return {k: made[k] for k in ("triples", "sources", "files", "bytes", "seconds", "classes")}


def _parse_all(kb: Path):
    """(file, quads placed in their graphs) for every file of the knowledge base, as filmgraph reads them."""
    from filmgraph.loading import parse_file
    from filmgraph.project import Project
    from filmgraph.validation import dataset_quads

    project = Project.locate(kb)
    for path in project.source_files():
        parsed, problems = parse_file(path)
        if problems:
            raise SystemExit(f"{path}: {problems[0]}")
        yield path, dataset_quads(parsed, project)[0]


def child_build(spec: dict) -> dict:
    import pyoxigraph as ox

    from filmgraph.entailment import entail
    from filmgraph.namespaces import graph_iri
    from filmgraph.store import EmbeddedStore

    started = time.perf_counter()
    store = EmbeddedStore(path=spec["store"])
    store.clear()
    for _path, quads in _parse_all(Path(spec["kb"])):
        store.add(quads)
    entailed = entail(store, ontology_graph=graph_iri("ontology"), entailed_graph=graph_iri("entailed"))
    store.ox.flush()
    seconds = time.perf_counter() - started
    store.dump(spec["nq"], ox.RdfFormat.N_QUADS)
    return {"seconds": seconds, "quads": store.count(), "entailed": entailed,
            "graphs": len(store.graphs())}


def child_load(spec: dict) -> dict:
    from filmgraph.store import EmbeddedStore

    kb = Path(spec["kb"])
    parts: list[dict] = []

    def once():
        parse_s = add_s = 0.0
        store = EmbeddedStore()
        files = _parse_all(kb)
        while True:
            t0 = time.perf_counter()
            item = next(files, None)
            t1 = time.perf_counter()
            parse_s += t1 - t0
            if item is None:
                break
            store.add(item[1])
            add_s += time.perf_counter() - t1
        parts.append({"parse_s": parse_s, "store_s": add_s})
        return store

    times, store = _runs(once, spec)
    return {"times": times, "quads": store.count(), "parts": parts}


def child_check(spec: dict) -> dict:
    from filmgraph.settings import Settings
    from filmgraph.validation import check

    settings = Settings(project=Path(spec["kb"]), cache_dir="off")
    parts: list[dict] = []

    def once():
        marks = [("start", time.perf_counter())]
        report = check(settings=settings, progress=lambda message: marks.append((message, time.perf_counter())))
        marks.append(("end", time.perf_counter()))
        named = {}
        for (message, at), (_next, until) in zip(marks[1:], marks[2:]):
            key = ("parse_and_store" if message.startswith("parsing") else
                   "integrity" if "integrity" in message else "shapes" if "shapes" in message else message)
            named[key] = named.get(key, 0.0) + until - at
        parts.append(named)
        return report

    times, report = _runs(once, spec)
    errors = [p for p in report.problems if p.severity == "error"]
    return {"times": times, "parts": parts, "ok": report.ok, "triples": report.triples,
            "errors": len(errors), "warnings": len(report.problems) - len(errors),
            "sample_problems": [str(p) for p in report.problems[:5]]}


def child_entailment(spec: dict) -> dict:
    import pyoxigraph as ox

    from filmgraph.entailment import entail
    from filmgraph.namespaces import graph_iri
    from filmgraph.store import EmbeddedStore

    disk = EmbeddedStore(path=spec["store"], read_only=True)
    entailed_graph = graph_iri("entailed")
    store = EmbeddedStore()
    skip = ox.NamedNode(entailed_graph)
    store.add(q for q in disk.ox if q.graph_name != skip)
    asserted = store.count()
    times, count = _runs(lambda: entail(store, ontology_graph=graph_iri("ontology"), entailed_graph=entailed_graph),
                         spec)
    return {"times": times, "asserted": asserted, "entailed": count}


def _size_of(result) -> int | bool:
    from filmgraph.store import Boolean, Solutions

    if isinstance(result, Solutions):
        return len(result.rows)
    if isinstance(result, Boolean):
        return result.value
    return len(result.triples)


def _reset_peak() -> int:
    """This process's peak RSS so far (kB), then reset it (``/proc/self/clear_refs``), so that
    the next reading is the peak of what comes after."""
    peak = 0
    try:
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except (OSError, StopIteration):
        pass
    return peak


def prepare_example(query, store, extra: dict | None = None) -> tuple[str, dict, dict]:
    """``(text, params, resolved)``: ``query`` prepared with the example of each parameter that
    has no default, and ``extra`` (name -> value) on top. The synthetic graph has namesakes of the curated people (韩冰 names 5 at
    1M): a name that names several entities is replaced by the first IRI named (the curated one:
    its IRI sorts first) and listed in ``resolved`` (parameter -> the name). Raises QueryError."""
    from filmgraph.errors import QueryError
    from filmgraph.queries import prepare

    params = {p.name: p.example for p in query.params if p.example and p.default is None}
    params.update(extra or {})
    resolved: dict[str, str] = {}
    while True:
        try:
            return prepare(query, params, backend=store), params, resolved
        except QueryError as e:
            found = AMBIGUOUS.match(str(e))
            if not found or found.group(1) in resolved:
                raise
            resolved[found.group(1)] = params[found.group(1)]
            params[found.group(1)] = f"<{found.group(2)}>"


def child_queries(spec: dict) -> dict:
    """Each library query (or only those named in ``spec["only"]``) as its own phase: the parent
    stops one that outlives ``spec["cap"]`` and starts a new child for the rest."""
    from filmgraph.queries import Library
    from filmgraph.store import EmbeddedStore

    store = EmbeddedStore(path=spec["store"], read_only=True)
    only = set(spec.get("only") or ())
    peak = _reset_peak()
    for q in Library(Path(spec["kb"]) / "queries"):
        if only and q.name not in only:
            continue
        try:
            text, params, resolved = prepare_example(q, store)
        except Exception as e:  # noqa: BLE001 — a query that cannot be prepared is reported, not fatal
            emit(query=q.name, error=f"{type(e).__name__}: {e}")
            continue
        emit(prepared=q.name, text=text, params=params, ambiguous=resolved)
        try:
            emit(start=f"query {q.name}", budget=spec["cap"])  # each run has the cap: a new phase each
            warm_s, result = _timed(lambda: store.run(text))
            times = [warm_s] if warm_s > WARM_ONLY_S else []  # a slow query: the first run is the figure
            while len(times) < spec["runs"] and not (times and times[-1] > spec["slow_s"]):
                emit(start=f"query {q.name}", budget=spec["cap"])
                gc.collect()
                seconds, result = _timed(lambda: store.run(text))
                times.append(seconds)
            query_peak = _reset_peak()
            peak = max(peak, query_peak)
            emit(done=f"query {q.name}", query=q.name, times=times, warmup_s=warm_s, rows=_size_of(result),
                 peak_mb=round(query_peak / 1024, 1))
        except Exception as e:  # noqa: BLE001
            emit(done=f"query {q.name}", query=q.name, error=f"{type(e).__name__}: {e}")
    return {"peak_kb": max(peak, _reset_peak())}


def _projection(store_dir: str):
    from filmgraph.projection import project
    from filmgraph.store import EmbeddedStore

    return project(EmbeddedStore(path=store_dir, read_only=True))


def child_map(spec: dict) -> dict:
    from filmgraph.networkmap import MAX_NODES, render_map, select_view
    from filmgraph.projection import project
    from filmgraph.store import EmbeddedStore

    store = EmbeddedStore(path=spec["store"], read_only=True)
    parts: list[dict] = []
    made: dict = {}

    def once():
        project_s, graph = _timed(lambda: project(store))
        render_s, html = _timed(lambda: render_map(graph, view="all"))
        parts.append({"project_s": project_s, "render_s": render_s})
        made["graph"] = graph
        return html

    times, html = _runs(once, spec)
    graph = made["graph"]
    selected = select_view(graph, view="all").number_of_nodes()
    Path(spec["html"]).write_text(html, encoding="utf-8")
    return {"times": times, "parts": parts, "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "view_nodes": selected, "drawn": min(selected, MAX_NODES), "html_bytes": len(html.encode("utf-8"))}


def child_browser(spec: dict) -> dict:
    from bench_map import time_to_interactive

    html = Path(spec["html"]).read_text(encoding="utf-8")
    return {"times": time_to_interactive(html, runs=spec["runs"])}


def child_analyze(spec: dict) -> dict:
    from filmgraph.analysis import analyze

    graph = _projection(spec["store"])
    parts: list[dict] = []

    def once():
        result = analyze(graph)
        parts.append({k: v / 1000 for k, v in result.timings_ms.items()})
        return result

    times, result = _runs(once, spec)
    return {"times": times, "parts": parts, "nodes": result.nodes, "edges": result.edges,
            "betweenness": result.betweenness.method}


def child_export(spec: dict) -> dict:
    from filmgraph.description import describe_export
    from filmgraph.export import export
    from filmgraph.settings import Settings

    settings = Settings(project=Path(spec["kb"]), store=Path(spec["store"]), cache_dir="off")
    out = Path(spec["out"])
    parts: list[dict] = []
    made: dict = {}

    def once():
        marks = [("start", time.perf_counter())]
        report = export(settings=settings, out=out, formats="all", profiles="full", describe=describe_export,
                        progress=lambda message: marks.append((message, time.perf_counter())))
        marks.append(("end", time.perf_counter()))
        named: dict[str, float] = {}
        for (message, at), (_next, until) in zip(marks, marks[1:]):
            key = "open" if message == "start" else message.replace("writing full/", "write ")
            named[key] = named.get(key, 0.0) + until - at
        parts.append(named)
        made["report"] = report
        return report

    def fresh():
        shutil.rmtree(out, ignore_errors=True)
        return once()

    times, _ = _runs(fresh, spec)  # (the removal of the previous export is timed too: a second or so at 1M)
    report = made["report"]
    return {"times": times, "parts": parts, "files": len(report.files),
            "bytes": sum(f.bytes for f in report.files),
            "statements": next((f.triples for f in report.files if f.format == "nq"), None)}


# -- naive children ----------------------------------------------------------------------------

def _rdflib_dataset(kb: Path):
    """An rdflib Dataset of every file of the knowledge base, each in the graph filmgraph gives it."""
    import rdflib

    from filmgraph.namespaces import graph_iri
    from filmgraph.project import Project

    project = Project.locate(kb)
    dataset = rdflib.Dataset(default_union=True)
    for path in project.source_files():
        if path.suffix == ".ttl":
            dataset.graph(rdflib.URIRef(graph_iri("ontology") if path == project.ontology_file
                                        else path.resolve().as_uri())).parse(str(path), format="turtle")
        else:
            dataset.parse(str(path), format="trig")
    return dataset


def child_naive_load(spec: dict) -> dict:
    times, count = [], 0
    for i in range(spec["runs"]):
        gc.collect()
        emit(start=f"parse {i + 1}", budget=spec["budget"])
        seconds, dataset = _timed(lambda: _rdflib_dataset(Path(spec["kb"])))
        count = len(dataset)
        emit(done=f"parse {i + 1}", seconds=seconds)
        times.append(seconds)
        del dataset
        if seconds > spec["slow_s"]:
            break
    return {"times": times, "triples": count}


def child_naive_check(spec: dict) -> dict:
    import pyshacl
    import rdflib

    from filmgraph.project import Project

    shapes = rdflib.Graph().parse(str(Project.locate(Path(spec["kb"])).shapes_file), format="turtle")
    times, parts, outcome = [], [], {}
    for i in range(spec["runs"]):
        gc.collect()
        emit(start=f"check {i + 1}", budget=spec["budget"])
        t0 = time.perf_counter()
        dataset = _rdflib_dataset(Path(spec["kb"]))
        data = rdflib.Graph()
        for triple in dataset.triples((None, None, None)):
            data.add(triple)
        del dataset
        t1 = time.perf_counter()
        emit(progress=f"parsed in {t1 - t0:.1f} s")
        conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                                    allow_warnings=True, advanced=True)
        t2 = time.perf_counter()
        emit(done=f"check {i + 1}", seconds=t2 - t0)
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        outcome = {"conforms": bool(conforms),
                   "results": len(set(results.subjects(rdflib.RDF.type, sh.ValidationResult)))}
        times.append(t2 - t0)
        parts.append({"parse_s": t1 - t0, "pyshacl_s": t2 - t1})
        del data, results
        if t2 - t0 > spec["slow_s"]:
            break
    return {"times": times, "parts": parts, **outcome}


def child_naive_entailment(spec: dict) -> dict:
    import owlrl
    import rdflib

    times, added, asserted = [], 0, 0
    for i in range(spec["runs"]):
        emit(start=f"setup {i + 1}", budget=spec["budget"])
        dataset = _rdflib_dataset(Path(spec["kb"]))
        graph = rdflib.Graph()
        for triple in dataset.triples((None, None, None)):
            graph.add(triple)
        del dataset
        asserted = len(graph)
        gc.collect()
        emit(done=f"setup {i + 1}")
        emit(start=f"owlrl {i + 1}", budget=spec["budget"])
        closure = owlrl.DeductiveClosure(owlrl.RDFS_Semantics)
        seconds, _ = _timed(lambda g=graph: closure.expand(g))
        emit(done=f"owlrl {i + 1}", seconds=seconds)
        times.append(seconds)
        added = len(graph) - asserted
        del graph
        if seconds > spec["slow_s"]:
            break
    return {"times": times, "asserted": asserted, "added": added}


def child_naive_queries(spec: dict) -> dict:
    import rdflib

    from timing import OverBudget, budgeted

    emit(start="setup", budget=spec["budget"])
    dataset = rdflib.Dataset(default_union=True)
    parse_s, _ = _timed(lambda: dataset.parse(spec["nq"], format="nquads"))
    emit(done="setup", seconds=parse_s, quads=len(dataset))
    cap = spec["cap"]
    for name in spec["only"]:
        text = spec["texts"][name]
        emit(start=f"query {name}", budget=cap + 30)  # the child stops itself at cap; the parent is the backstop
        times, rows = [], None
        try:
            for i in range(spec["runs"]):
                gc.collect()
                seconds, rows = budgeted(lambda: _timed(lambda: list(dataset.query(text))), cap)
                times.append(seconds)
                if seconds > spec["slow_s"] or (i == 0 and seconds * spec["runs"] > cap):
                    break
            size = (len(rows) if not (len(rows) == 1 and isinstance(rows[0], bool)) else rows[0])
            emit(done=f"query {name}", query=name, times=times, rows=size)
        except OverBudget:
            emit(done=f"query {name}", query=name, over="cap")
        except Exception as e:  # noqa: BLE001
            emit(done=f"query {name}", query=name, error=f"{type(e).__name__}: {e}")
    return {"parse_s": parse_s}


CHILDREN = {"generate": child_generate, "build": child_build, "load": child_load, "check": child_check,
            "entailment": child_entailment, "queries": child_queries, "map": child_map, "browser": child_browser,
            "analyze": child_analyze, "export": child_export, "naive_load": child_naive_load,
            "naive_check": child_naive_check, "naive_entailment": child_naive_entailment,
            "naive_queries": child_naive_queries}


# ============================================================================ the parent

class Child:
    """What one child process reported: its events, whether a phase was stopped, its peak RSS."""

    def __init__(self):
        self.events: list[dict] = []
        self.stopped: str | None = None
        self.stopped_for: str | None = None  # "budget" or "memory"
        self.peak_kb = 0
        self.returncode = None
        self.seconds = 0.0
        self.log = ""

    @property
    def result(self) -> dict | None:
        return next((e["result"] for e in reversed(self.events) if "result" in e), None)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


#: a child whose resident memory grows past this is stopped (set from --memory-cap-mb)
MEMORY_CAP_MB = 10_000.0


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def run_child(kind: str, spec: dict, log: Path, *, timeout: float | None = None) -> Child:
    """Run a child step; a phase that outlives its budget (or the whole child ``timeout``), or a
    child whose RSS passes MEMORY_CAP_MB, is stopped by killing the process. Peak RSS from
    ``os.wait4`` (the child and the children it reaped)."""
    child = Child()
    started = time.monotonic()
    with log.open("ab") as err:
        err.write(f"\n===== {kind} {time.strftime('%H:%M:%S')}\n".encode())
        err.flush()
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, json.dumps(spec)], stdout=subprocess.PIPE,
                                stderr=err, text=True, bufsize=1)
    lines: queue.Queue = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    deadline = started + timeout if timeout else None
    phase, phase_deadline = None, None
    status = rusage = None
    while True:
        try:
            while True:
                line = lines.get_nowait()
                if line is None or not line.startswith(MARK):
                    if line is not None:
                        with log.open("a") as err:
                            err.write(line)
                    continue
                entry = json.loads(line[len(MARK):])
                child.events.append(entry)
                if "start" in entry:
                    phase, phase_deadline = entry["start"], time.monotonic() + entry.get("budget", 1e9)
                elif "done" in entry:
                    phase, phase_deadline = None, None
                if "progress" in entry:
                    say(f"  {kind}: {entry['progress']}")
                if "query" in entry:
                    shown = ("stopped" if entry.get("over") else entry.get("error") or
                             ", ".join(f"{t:.3f}" for t in entry.get("times", [])))
                    say(f"  {kind} {entry['query']}: {shown}")
        except queue.Empty:
            pass
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        over_memory = _rss_mb(proc.pid) > MEMORY_CAP_MB
        if (phase_deadline and now > phase_deadline) or (deadline and now > deadline) or over_memory:
            child.stopped = phase or "(whole step)"
            child.stopped_for = "memory" if over_memory else "budget"
            say(f"  {kind}: {child.stopped} stopped (over its {'memory cap' if over_memory else 'budget'})")
            proc.send_signal(signal.SIGKILL)
            _pid, status, rusage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    child.returncode = proc.returncode
    time.sleep(0.2)
    while True:  # what the reader still holds
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            break
        if line is None:
            break
        if line.startswith(MARK):
            child.events.append(json.loads(line[len(MARK):]))
    child.peak_kb = rusage.ru_maxrss
    child.seconds = time.monotonic() - started
    if child.returncode not in (0, -9) or (child.returncode == 0 and child.result is None):
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"child {kind} failed (exit {child.returncode}); the end of {log}:\n{tail}")
    return child


def median(values):
    return statistics.median(values) if values else None


def loadavg() -> float:
    return os.getloadavg()[0]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    versions = {}
    for name in ("pyoxigraph", "rdflib", "pyshacl", "owlrl", "networkx", "filmgraph"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001
            versions[name] = None
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "benchmarks", "ontology",
                            "queries"], capture_output=True, text=True).stdout.split("\n")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version(), "versions": versions,
            "commit": commit, "uncommitted": [line for line in dirty if line.strip()],
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


# -- preparation ---------------------------------------------------------------------------------

def prepare_data(args, folder: Path, log: Path) -> dict:
    """The knowledge base, the built store and its N-Quads dump in ``folder`` (made when missing
    or stale); their facts."""
    kb, store, nq = folder / "kb", folder / "store", folder / "dataset.nq"
    kb_marker, store_marker = folder / "kb.json", folder / "store.json"
    want = {"triples": SIZES[args.size], "seed": args.seed, "synth": sha(HERE / "synth.py"),
            "repo_kb": tree_digest(REPO / "ontology") + tree_digest(REPO / "graph") + tree_digest(REPO / "queries")}
    made = json.loads(kb_marker.read_text()) if kb_marker.exists() else None
    if made is None or made.get("want") != want or not kb.is_dir():
        say(f"generating {SIZES[args.size]:,} triples into {kb}")
        for stale in (kb_marker, store_marker):
            stale.unlink(missing_ok=True)
        child = run_child("generate", {"triples": SIZES[args.size], "seed": args.seed, "kb": str(kb)}, log)
        made = {"want": want, **child.result}
        kb_marker.write_text(json.dumps(made))
        made["fresh"] = True
    else:
        say(f"reusing {kb} ({made['triples']:,} asserted triples)")
    built = json.loads(store_marker.read_text()) if store_marker.exists() else None
    src_digest = "".join(sha(REPO / "src" / "filmgraph" / f) for f in ("loading.py", "entailment.py", "store.py"))
    if built is None or built.get("kb") != made["want"] or built.get("filmgraph") != src_digest or not nq.exists():
        say(f"building the store {store} and its N-Quads dump")
        shutil.rmtree(store, ignore_errors=True)
        child = run_child("build", {"kb": str(kb), "store": str(store), "nq": str(nq)}, log)
        built = {"kb": made["want"], "filmgraph": src_digest, **child.result, "peak_mb": child.peak_kb / 1024}
        store_marker.write_text(json.dumps(built))
    else:
        say(f"reusing the store {store} ({built['quads']:,} quads)")
    return {"kb": made, "store": built, "paths": {"kb": str(kb), "store": str(store), "nq": str(nq)}}


# -- steps ---------------------------------------------------------------------------------------

def step(results: dict, name: str, kind: str, spec: dict, log: Path, *, timeout: float | None = None) -> Child | None:
    """Run one child step, record it under ``results["steps"][name]`` (with its peak RSS, the load
    average around it and whether it was stopped)."""
    say(f"{name} …")
    before = loadavg()
    child = run_child(kind, spec, log, timeout=timeout)
    entry = {"result": child.result, "peak_mb": round(child.peak_kb / 1024, 1), "stopped": child.stopped,
             "seconds_total": round(child.seconds, 1), "load_before": before, "load_after": loadavg()}
    results["steps"][name] = entry
    shown = child.result.get("times") if child.result else None
    say(f"{name}: {'stopped in ' + child.stopped if child.stopped else ''}"
        f"{' times ' + ', '.join(f'{t:.3f}' for t in shown) if shown else ''}; peak RSS {entry['peak_mb']:.0f} MB")
    return child


def library_names(folder: Path) -> list[str]:
    """The names of the library's queries, in the library's order (without importing filmgraph here)."""
    out = subprocess.run([sys.executable, "-c", "import sys, json; from filmgraph.queries import Library; "
                          "print(json.dumps([q.name for q in Library(sys.argv[1])]))", str(folder)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def query_loop(results: dict, name: str, kind: str, spec: dict, pending: list[str], log: Path) -> dict:
    """Run the query child ``kind`` over the ``pending`` query names; when the parent stops one
    (over the cap, or over the memory cap) a new child takes the ones left. Records, under
    ``results["steps"][name]``, each query's outcome by name (in the order run)."""
    found: dict[str, dict] = {}
    texts: dict[str, dict] = {}
    peaks, parse_s, restarts = [], [], 0
    while pending:
        say(f"{name}: {len(pending)} to go")
        child = run_child(kind, {**spec, "only": pending}, log)
        peaks.append(child.peak_kb / 1024)
        if child.result and child.result.get("peak_kb"):
            peaks.append(child.result["peak_kb"] / 1024)
        for e in child.events:
            if "prepared" in e:
                texts[e["prepared"]] = e
            if "query" in e:
                found[e["query"]] = e
            if e.get("done") == "setup":
                parse_s.append(e["seconds"])
        if child.stopped:
            restarts += 1
            if child.stopped == "setup":
                results["steps"][name] = {"stopped": "setup", "peak_mb": round(max(peaks), 1)}
                return results["steps"][name]
            stopped = child.stopped.removeprefix("query ")
            why = "memory" if child.stopped_for == "memory" else "cap"
            found.setdefault(stopped, {"query": stopped, "over": why, "peak_mb": round(child.peak_kb / 1024, 1)})
            say(f"  {name} {stopped}: stopped (over the {why})")
        left = [n for n in pending if n not in found]
        if len(left) == len(pending):
            break
        pending = left
    for query_name, entry in found.items():
        if query_name in texts:
            entry.update(text=texts[query_name]["text"], params=texts[query_name]["params"],
                         ambiguous=texts[query_name].get("ambiguous") or {})
    entry = {"queries": found, "peak_mb": round(max(peaks), 1), "restarts": restarts}
    if parse_s:
        entry["parse_s"] = parse_s
    results["steps"][name] = entry
    return entry


def serve_step(results: dict, args, paths: dict, queries: dict[str, dict], folder: Path) -> None:
    """filmgraph serve on the built store, 8 clients: the library queries that meet the per-query
    target (embedded median ≤ 300 ms), then bench_serve's simple ones (< 2 ms)."""
    import bench_serve as bs

    timed = [dict(q, name=n) for n, q in queries.items() if "times" in q and "text" in q]
    within = [q for q in timed if median(q["times"]) <= TARGET_QUERY_S]
    left_out = sorted(set(queries) - {q["name"] for q in within})
    phases = [(f"library queries ≤ 300 ms embedded ({len(within)}/{len(queries)})", within)]
    simple = [q for q in timed if median(q["times"]) * 1e3 < SIMPLE_MS]
    if simple:
        phases.append((f"simple queries, embedded < {SIMPLE_MS:g} ms ({len(simple)})", simple))
    tmp = folder / "serve"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    port = bs.free_port()
    command = [sys.executable, "-m", "filmgraph", "--project", paths["kb"], "--cache-dir", str(tmp / "cache"),
               "serve", "--store", paths["store"], "--port", str(port), "--query-time-limit-s", "10",
               "--client-concurrency", str(args.clients + 1)]
    log = tmp / "serve.log"
    say(f"serve: {' '.join(command[1:])}")
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=folder, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    entry: dict = {"command": command, "clients": args.clients, "duration_s": args.serve_duration, "phases": {},
                   "left_out": left_out}
    try:
        bs._wait_ready(proc, port, "/sparql", "text/turtle", log, "filmgraph serve")
        entry["start_s"] = time.monotonic() - started
        sampler = bs.MemorySampler(proc.pid)
        sampler.sample()
        sampler.start()
        for label, chosen in phases:
            urls = ["/sparql?query=" + quote(q["text"]) for q in chosen]
            answers, unloaded = bs.check_answers(port, urls, [q["name"] for q in chosen], runs=1)
            say(f"serve: {args.clients} clients x {args.serve_duration:g} s, {label} ({len(chosen)})")
            before = loadavg()
            phase = bs.run_phase(port, urls, clients=args.clients, duration=args.serve_duration, server_pid=proc.pid)
            phase.update(queries=[q["name"] for q in chosen], unloaded_median_ms=unloaded * 1e3,
                         answers=answers, load_before=before, load_after=loadavg())
            entry["phases"][label] = phase
            say(f"serve: {phase['qps']:.0f} q/s, p50 {phase['p50_ms']:.1f} ms, p99 {phase['p99_ms']:.1f} ms, "
                f"{phase['errors']} errors")
        sampler.halt.set()
        sampler.join()
        entry["peak_mb"] = round(max(s[1] for s in sampler.samples) / 1024, 1)
    finally:
        bs.stop(proc)
    results["steps"]["serve"] = entry


# -- the table ----------------------------------------------------------------------------------

def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def build_rows(results: dict, args) -> list[dict]:
    """The table's rows: step, filmgraph, n, naive, n, ratio, peak RSS, target, verdict."""
    steps, rows = results["steps"], []
    budget = args.naive_budget

    def row(name, ours=None, n=None, naive=None, naive_n=None, ratio=None, rss=None, target="", ok=None, ours_text=None,
            naive_text=None):
        rows.append({"step": name, "filmgraph_s": ours, "runs": n, "naive_s": naive, "naive_runs": naive_n,
                     "ratio": ratio, "rss": rss, "target": target, "ok": ok,
                     "filmgraph": ours_text if ours_text is not None else fmt_s(ours),
                     "naive": naive_text if naive_text is not None else (fmt_s(naive) if naive is not None else "")})

    def ours_of(name):
        s = steps.get(name)
        if not s or not s.get("result"):
            return None, None, None
        times = s["result"]["times"]
        return median(times), len(times), s["peak_mb"]

    def naive_of(name):
        s = steps.get(name)
        if not s:
            return None, None, None, ""
        if s.get("stopped"):
            return None, 0, s.get("peak_mb"), f"> {budget:.0f} s"
        times = s["result"]["times"]
        return median(times), len(times), s.get("peak_mb"), None

    def ratio_text(ours, naive, naive_text):
        if ours is None or ours <= 0:
            return ""
        if naive is not None:
            return f"{naive / ours:.1f}x"
        if naive_text and naive_text.startswith(">"):
            return f"> {budget / ours:.0f}x"
        return ""

    def stopped_row(name, target="", naive=None, nn=None, naive_rss=None, naive_text=None) -> bool:
        """A row for a filmgraph step stopped over --step-budget (or the memory cap); False when
        the step did not run."""
        s = steps.get(name)
        if not s or not s.get("stopped"):
            return False
        row(name, None, None, naive, nn, "", rss_text(s.get("peak_mb"), naive_rss), target,
            False if target else None, ours_text=f"> {args.step_budget:g} s (stopped)",
            naive_text=naive_text if naive_text else None)
        return True

    def rss_text(ours_mb, naive_mb):
        parts = [f"{ours_mb:.0f}" if ours_mb is not None else "—"]
        if naive_mb is not None:
            parts.append(f"{naive_mb:.0f}")
        return " / ".join(parts) + " MB"

    for name, naive_name, target, limit in (("load", "naive_load", f"≤ {TARGET_LOAD_S:g} s", TARGET_LOAD_S),
                                            ("check", "naive_check", f"≤ {TARGET_CHECK_S:g} s", TARGET_CHECK_S),
                                            ("entailment", "naive_entailment", "", None)):
        ours, n, rss = ours_of(name)
        naive, nn, naive_rss, naive_text = naive_of(naive_name)
        if ours is None:
            stopped_row(name, target, naive, nn, naive_rss, naive_text)
            continue
        row(name, ours, n, naive, nn, ratio_text(ours, naive, naive_text), rss_text(rss, naive_rss), target,
            None if limit is None else ours <= limit, naive_text=naive_text if naive_text else None)
        parts = steps[name]["result"].get("parts")
        if parts:
            keys = list(dict.fromkeys(k for p in parts for k in p))
            naive_parts = (steps.get(naive_name) or {}).get("result", {}) or {}
            naive_parts = naive_parts.get("parts") if isinstance(naive_parts, dict) else None
            for k in keys:
                row(f"  {name}: {k.removesuffix('_s').replace('_', ' ')}", median([p[k] for p in parts if k in p]), n)
            for k in list(dict.fromkeys(k for p in naive_parts or [] for k in p)):
                row(f"  {name} naive: {k.removesuffix('_s').replace('_', ' ')}", None, None,
                    median([p[k] for p in naive_parts if k in p]), len(naive_parts))

    q = steps.get("queries")
    if q and q.get("queries"):
        naive_q = (steps.get("naive_queries") or {}).get("queries", {})
        meds, fast, ratios_ok, compared, mismatched, failed = [], 0, 0, 0, [], 0
        per = []
        for name, entry in q["queries"].items():
            base_row = {"step": f"  query {name}", "filmgraph_s": None, "runs": None, "naive_s": None,
                        "naive_runs": None, "naive": "", "ratio": "", "rss": "", "target": "≤ 300 ms, ≥ 20x"}
            if "times" not in entry:
                failed += 1
                why = (f"> {args.query_cap:g} s" if entry.get("over") == "cap" else
                       f"> {MEMORY_CAP_MB:.0f} MB" if entry.get("over") == "memory" else "error")
                n = naive_q.get(name) or {}
                naive_text = (f"> {args.query_cap:g} s" if n.get("over") == "cap" else
                              fmt_s(median(n["times"])) if n.get("times") else "")
                per.append({**base_row, "filmgraph": why, "ok": False, "naive": naive_text,
                            "naive_s": median(n["times"]) if n.get("times") else None,
                            "rss": f"{entry['peak_mb']:.0f} MB" if entry.get("peak_mb") else ""})
                continue
            ours = median(entry["times"])
            meds.append(ours)
            fast += ours <= TARGET_QUERY_S
            n = naive_q.get(name)
            naive = naive_text = None
            nn = None
            if n is None:
                naive_text = "" if not steps.get("naive_queries") else "not run"
            elif n.get("over"):
                naive_text = f"> {args.query_cap:g} s" if n["over"] == "cap" else f"> {MEMORY_CAP_MB:.0f} MB"
            elif n.get("error"):
                naive_text = "error"
            else:
                naive, nn = median(n["times"]), len(n["times"])
                if n.get("rows") != entry["rows"]:
                    mismatched.append(f"{name} (filmgraph {entry['rows']}, rdflib {n.get('rows')})")
            ratio = None
            if naive is not None:
                ratio = naive / ours
            elif n is not None and n.get("over") == "cap":
                ratio = args.query_cap / ours
            ok = ours <= TARGET_QUERY_S and (ratio is None or ratio >= TARGET_QUERY_RATIO)
            if ratio is not None:
                compared += 1
                ratios_ok += ratio >= TARGET_QUERY_RATIO
            rss = f"{entry['peak_mb']:.0f} MB" if entry.get("peak_mb") else ""
            per.append({**base_row, "filmgraph_s": ours, "runs": len(entry["times"]), "naive_s": naive,
                        "naive_runs": nn, "filmgraph": fmt_s(ours),
                        "naive": naive_text if naive_text is not None else fmt_s(naive),
                        "ratio": "" if ratio is None else ((">" if naive is None else "") + f"{ratio:.0f}x"),
                        "rss": rss, "ok": ok, "rows": entry["rows"]})
        total = len(q["queries"])
        slowest = f"> {args.query_cap:g} s" if failed else fmt_s(max(meds) if meds else None)
        row(f"library queries ({total}): slowest median", max(meds) if meds and not failed else None, None,
            ours_text=slowest, rss=rss_text(q["peak_mb"], (steps.get("naive_queries") or {}).get("peak_mb")),
            target="≤ 300 ms", ok=bool(meds) and max(meds) <= TARGET_QUERY_S and not failed)
        row("  queries with median ≤ 300 ms", None, None, ours_text=f"{fast}/{total}", target=f"{total}/{total}",
            ok=fast == total)
        if steps.get("naive_queries"):
            row("  queries ≥ 20x faster than rdflib", None, None, ours_text=f"{ratios_ok}/{compared}",
                naive_text=f"cap {args.query_cap:g} s", target=f"{total}/{total}", ok=ratios_ok == total)
        rows.extend(per)
        results["query_summary"] = {"total": total, "failed": failed, "max_s": max(meds) if meds else None,
                                    "within_300ms": fast, "ratio_ok": ratios_ok, "compared": compared,
                                    "row_mismatches": mismatched}

    for name, target in (("map", ""), ("analyze", ""), ("export", f"≤ {GOAL_EXPORT_S:g} s (issue 6)")):
        stopped_row(name, target)
    m = steps.get("map")
    if m and m.get("result"):
        r = m["result"]
        ours, n, rss = ours_of("map")
        row("map (project + render, view all)", ours, n, rss=rss_text(rss, None))
        for k in ("project_s", "render_s"):
            row(f"  map: {k.removesuffix('_s')}", median([p[k] for p in r["parts"]]), n)
        row("  map: nodes projected / in view / drawn", None, None,
            ours_text=f"{r['nodes']:,} / {r['view_nodes']:,} / {r['drawn']:,}", target="drawn ≤ 1,500",
            ok=r["drawn"] <= 1500)
        row("  map: HTML size", None, None, ours_text=f"{r['html_bytes'] / 1e6:.1f} MB")
        b = steps.get("map_browser")
        if b and b.get("result"):
            t = median(b["result"]["times"])
            row("  map: interactive in Chromium", t, len(b["result"]["times"]),
                target=f"≤ {GOAL_MAP_INTERACTIVE_S:g} s (map goal)", ok=t <= GOAL_MAP_INTERACTIVE_S)
    a = steps.get("analyze")
    if a and a.get("result"):
        ours, n, rss = ours_of("analyze")
        r = a["result"]
        row(f"analyze ({r['nodes']:,} nodes, betweenness {r['betweenness']})", ours, n, rss=rss_text(rss, None))
        slow = sorted(((k, median([p[k] for p in r["parts"]])) for k in r["parts"][0]), key=lambda kv: -kv[1])[:3]
        for k, v in slow:
            row(f"  analyze: {k}", v, n)
    e = steps.get("export")
    if e and e.get("result"):
        ours, n, rss = ours_of("export")
        r = e["result"]
        row(f"export full profile, all formats, described ({r['bytes'] / 1e6:.0f} MB)", ours, n,
            rss=rss_text(rss, None), target=f"≤ {GOAL_EXPORT_S:g} s (issue 6)", ok=ours <= GOAL_EXPORT_S)
        slow = sorted(((k, median([p[k] for p in r["parts"] if k in p])) for k in r["parts"][0]),
                      key=lambda kv: -kv[1])[:3]
        for k, v in slow:
            row(f"  export: {k}", v, n)
    s = steps.get("serve")
    if s and s.get("phases"):
        for label, phase in s["phases"].items():
            row(f"serve, {s['clients']} clients, {label}: p99", phase["p99_ms"] / 1e3, None,
                ours_text=f"p99 {phase['p99_ms']:.0f} ms", rss=f"{s.get('peak_mb', 0):.0f} MB (server tree)",
                target=f"≤ {TARGET_P99_MS:g} ms", ok=phase["p99_ms"] <= TARGET_P99_MS and phase["errors"] == 0)
            row("  serve: q/s, p50, errors", None, None,
                ours_text=f"{phase['qps']:.0f} q/s, p50 {phase['p50_ms']:.0f} ms, {phase['errors']} err")
    peaks = [(name, v["peak_mb"]) for name, v in steps.items()
             if not name.startswith("naive") and name != "map_browser" and v.get("peak_mb") is not None]
    if peaks:
        name, peak = max(peaks, key=lambda kv: kv[1])
        row(f"peak memory, largest filmgraph step ({name})", None, None, ours_text=f"{peak:.0f} MB",
            target=f"≤ {TARGET_RSS_MB:g} MB", ok=peak <= TARGET_RSS_MB)
        over = sorted((kv for kv in peaks if kv[1] > TARGET_RSS_MB), key=lambda kv: -kv[1])
        if len(over) > 1:
            row("  steps over it", None, None, ours_text=", ".join(f"{n} {p:.0f} MB" for n, p in over))
    return rows


def print_table(results: dict, rows: list[dict], *, markdown: bool = False) -> None:
    kb, store = results["data"]["kb"], results["data"]["store"]
    m = results["machine"]
    print(f"\nfilmgraph benchmark, size {results['size']}: {kb['triples']:,} asserted triples in {kb['sources']} "
          f"sources; the built store holds {store['quads']:,} quads ({store['entailed']:,} entailed)")
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}; "
          f"pyoxigraph {m['versions']['pyoxigraph']}, rdflib {m['versions']['rdflib']}, pyshacl "
          f"{m['versions']['pyshacl']}, owlrl {m['versions']['owlrl']}; commit {m['commit']}"
          f"{' + uncommitted changes' if m['uncommitted'] else ''}")
    print(f"runs: median of up to {results['args']['runs']} (n), one when the first took > {results['args']['slow_s']:g} s; "
          f"naive steps stopped after {results['args']['naive_budget']:g} s, rdflib queries after "
          f"{results['args']['query_cap']:g} s; load average {results['load_start']:.1f} at the start, "
          f"{results['load_end']:.1f} at the end\n")
    head = ("step", "filmgraph", "n", "naive", "n", "naive/fg", "peak RSS fg / naive", "target (1M)", "")
    cells = [[r["step"], r["filmgraph"], "" if r["runs"] is None else str(r["runs"]), r["naive"],
              "" if r.get("naive_runs") in (None, 0) else str(r["naive_runs"]), r["ratio"] or "", r["rss"] or "",
              r["target"] or "", "" if r["ok"] is None else ("met" if r["ok"] else "MISSED")] for r in rows]
    widths = [max([len(head[i])] + [len(c[i]) for c in cells]) for i in range(len(head))]
    right = {1, 2, 3, 4, 5}

    def line(values):
        return "  ".join(v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)).rstrip()

    if markdown:
        print("| " + " | ".join(head[:-1]) + " | |")
        print("|" + "|".join(" --- " if i not in right else " ---: " for i in range(len(head))) + "|")
        for c in cells:
            c = [c[0].replace("  ", "&nbsp;&nbsp;", 1) if c[0].startswith("  ") else c[0], *c[1:]]
            c[-1] = f"**{c[-1]}**" if c[-1] == "MISSED" else c[-1]
            print("| " + " | ".join(v.replace("|", "\\|") for v in c) + " |")
    else:
        print(line(head))
        print("-" * len(line(head)))
        for c in cells:
            print(line(c))
    if results.get("merged"):
        by_date: dict[str, list[str]] = {}
        for step_name, date in sorted(results.get("provenance", {}).items()):
            by_date.setdefault(date, []).append(step_name)
        for date, names in sorted(by_date.items()):
            print(f"\n(steps {', '.join(names)} come from the run of {date})")
        print(f"(the others from this run, {results['machine']['date']})")
    queries = (results["steps"].get("queries") or {}).get("queries") or {}
    ambiguous = {n: q["ambiguous"] for n, q in queries.items() if q.get("ambiguous")}
    if ambiguous:
        print("\nexample names that name several entities in the synthetic graph (the first IRI, the curated "
              "entity, was taken): " + "; ".join(f"{n}: " + ", ".join(f"{k}={v} -> {queries[n]['params'][k]}"
                                                                        for k, v in a.items())
                                                 for n, a in ambiguous.items()))
    qs = results.get("query_summary") or {}
    if qs.get("row_mismatches"):
        print("\nrow counts differ between filmgraph and rdflib: " + "; ".join(qs["row_mismatches"]))
    check = (results["steps"].get("check") or {}).get("result")
    if check:
        print(f"\ncheck found {check['errors']} error(s), {check['warnings']} warning(s)"
              + (f"; e.g. {check['sample_problems'][:2]}" if check["sample_problems"] else ""))
    naive_check = (results["steps"].get("naive_check") or {}).get("result")
    if naive_check:
        print(f"pySHACL: conforms {naive_check['conforms']}, {naive_check['results']} validation result(s)")


# -- main ----------------------------------------------------------------------------------------

def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, spec = sys.argv[2], json.loads(sys.argv[3])
        emit(result=CHILDREN[kind](spec))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=tuple(SIZES))
    parser.add_argument("--show", type=Path, metavar="PATH", help="print the table of an earlier --json file and stop")
    parser.add_argument("--markdown", action="store_true", help="with --show: the table in Markdown")
    parser.add_argument("--runs", type=int, default=3, help="runs per step; the median is shown (default 3)")
    parser.add_argument("--naive-budget", type=float, default=600.0,
                        help="seconds before a naive step is stopped (default 600)")
    parser.add_argument("--query-cap", type=float, default=60.0,
                        help="seconds before one library query is stopped, filmgraph's or rdflib's (default 60)")
    parser.add_argument("--slow-s", type=float, default=60.0,
                        help="a step whose first run takes longer runs only once (default 60)")
    parser.add_argument("--step-budget", type=float, default=900.0,
                        help="seconds before one run of a filmgraph step is stopped (default 900)")
    parser.add_argument("--memory-cap-mb", type=float, default=10_000.0,
                        help="a step process whose RSS passes this is stopped (default 10000)")
    parser.add_argument("--serve-duration", type=float, default=20.0, help="seconds of each serve phase (default 20)")
    parser.add_argument("--clients", type=int, default=8, help="serve clients (default 8)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/filmgraph-bench"),
                        help="work folder; <work>/<size> holds the knowledge base, the store and outputs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive steps")
    parser.add_argument("--no-browser", action="store_true", help="do not open the map in headless Chromium")
    parser.add_argument("--merge", type=Path, metavar="PATH",
                        help="take the steps not run now from an earlier --json file of the same size")
    parser.add_argument("--json", nargs="?", const="", default=None, metavar="PATH",
                        help="write every figure as JSON (default PATH: <work>/<size>/results.json)")
    args = parser.parse_args()
    global MEMORY_CAP_MB
    if args.show:
        results = json.loads(args.show.read_text(encoding="utf-8"))
        shown = argparse.Namespace(**{**vars(args), **results["args"]})
        MEMORY_CAP_MB = shown.memory_cap_mb
        print_table(results, build_rows(results, shown), markdown=args.markdown)
        return
    if args.size is None:
        parser.error("--size is required (or --show PATH)")
    MEMORY_CAP_MB = args.memory_cap_mb
    chosen = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(STEPS))
    if unknown or args.runs < 1:
        parser.error(f"unknown step(s) {', '.join(unknown)}" if unknown else "--runs must be at least 1")

    folder = args.work / args.size
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "children.log"
    results: dict = {"size": args.size, "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "machine": machine(), "load_start": loadavg(), "steps": {}}
    if args.merge:
        earlier = json.loads(args.merge.read_text(encoding="utf-8"))
        if earlier.get("size") != args.size:
            parser.error(f"--merge: {args.merge} is of size {earlier.get('size')}, not {args.size}")
        redone = {n for step_name in chosen for n in STEP_PARTS[step_name]
                  if not (args.no_naive and n.startswith("naive_"))}
        if "serve" in chosen:
            redone |= {"queries"}
        results["steps"] = {k: v for k, v in earlier["steps"].items() if k not in redone}
        results["provenance"] = {k: earlier.get("provenance", {}).get(k, earlier["machine"]["date"])
                                 for k in results["steps"]}
        results["merged"] = {"from": str(args.merge), "date": earlier["machine"]["date"],
                             "steps": sorted(results["steps"]), "load_start": earlier.get("load_start"),
                             "load_end": earlier.get("load_end"), "seconds": earlier.get("seconds")}
    say(f"size {args.size}, work folder {folder}, load average {results['load_start']:.2f}")
    started = time.monotonic()
    results["data"] = prepare_data(args, folder, log)
    paths = results["data"]["paths"]
    base = {"kb": paths["kb"], "store": paths["store"], "runs": args.runs, "slow_s": args.slow_s,
            "budget": args.step_budget}
    naive = {"kb": paths["kb"], "runs": args.runs, "slow_s": args.slow_s, "budget": args.naive_budget}

    if "load" in chosen:
        step(results, "load", "load", base, log)
        if not args.no_naive:
            step(results, "naive_load", "naive_load", naive, log)
    if "check" in chosen:
        step(results, "check", "check", base, log)
        if not args.no_naive:
            step(results, "naive_check", "naive_check", naive, log)
    if "entailment" in chosen:
        step(results, "entailment", "entailment", base, log)
        if not args.no_naive:
            step(results, "naive_entailment", "naive_entailment", naive, log)
    queries: dict[str, dict] = {}
    if "queries" in chosen or "serve" in chosen:
        names = library_names(Path(paths["kb"]) / "queries")
        queries = query_loop(results, "queries", "queries", {**base, "cap": args.query_cap}, names, log)["queries"]
        texts = {n: q["text"] for n, q in queries.items() if "text" in q}
        if "queries" in chosen and not args.no_naive:
            query_loop(results, "naive_queries", "naive_queries",
                       {"nq": paths["nq"], "runs": args.runs, "slow_s": args.slow_s, "cap": args.query_cap,
                        "budget": args.naive_budget, "texts": texts}, [n for n in names if n in texts], log)
    if "map" in chosen:
        html = folder / "map-all.html"
        step(results, "map", "map", {**base, "html": str(html)}, log)
        if not args.no_browser and Path("/usr/bin/chromium").exists():
            try:
                step(results, "map_browser", "browser", {"html": str(html), "runs": 1}, log, timeout=300)
            except RuntimeError as e:
                say(f"map in Chromium: not measured ({str(e).splitlines()[0]})")
    if "analyze" in chosen:
        step(results, "analyze", "analyze", base, log)
    if "export" in chosen:
        step(results, "export", "export", {**base, "out": str(folder / "export")}, log)
    if "serve" in chosen:
        serve_step(results, args, paths, queries, folder)

    results["load_end"] = loadavg()
    results["seconds"] = round(time.monotonic() - started, 1)
    rows = build_rows(results, args)
    results["table"] = rows
    print_table(results, rows)
    print(f"\n(whole run {results['seconds'] / 60:.1f} min; children's output in {log})")
    if args.json is not None:
        out = Path(args.json) if args.json else folder / "results.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        print(f"results written to {out}")


if __name__ == "__main__":
    main()
