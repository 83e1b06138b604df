"""Benchmark of ``filmgraph export`` against rdflib's serializers (run on demand, not a test).

    python benchmarks/bench_export.py [--triples 1000000] [--runs 1] [--work DIR] [--rdflib-budget 600]
                                      [--load direct|checked] [--no-rdflib] [--cprofile]

1. Writes a synthetic knowledge base of ``--triples`` asserted triples (benchmarks/synth.py) into
   ``--work`` (default: a folder in the temporary directory named by size and seed, reused by
   later runs), and loads it once into an embedded on-disk store there (reused too). ``--load
   checked`` (the default) loads it as filmgraph does, through ``filmgraph.dataset.load`` (check,
   load, entail); ``direct`` parses every file with filmgraph's strict parser into the store and
   runs ``filmgraph.entailment.entail``, without the check.
2. Times ``filmgraph.export.export`` of the ``full`` profile in every format with the dataset
   description (``describe_export``: VoID, DCAT, SHA256SUMS) — the whole bundle of one profile —
   then of every profile. Each run is a new process, so its peak RSS (``ru_maxrss``) is the
   export's own; per-format times come from the export's progress messages.
3. The baseline, in the same run: rdflib parses the ``full`` profile's N-Quads into a
   ``Dataset(default_union=True)`` and serializes it as turtle, nt, nquads, trig, json-ld and xml
   (the same prefixes bound), one process for all steps; a step that runs longer than
   ``--rdflib-budget`` seconds is stopped and shown as "> budget" (the rest go on in a new
   process). rdflib writes expanded JSON-LD and repeats a triple stated in two graphs in its
   merged formats; filmgraph writes compacted JSON-LD and each triple once.

Prints a table (step, filmgraph seconds, rdflib seconds, ratio rdflib/filmgraph, file sizes), the
peak memory of each process, and the goal of issue 6: exporting all formats of 1M triples
<= 60 s. ``--cprofile`` adds one more export of the full profile under cProfile and prints the
functions that take the time.
"""
from __future__ import annotations

import argparse
import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_S = 60.0
GOAL_TRIPLES = 1_000_000
#: rdflib's steps: name, rdflib format, filmgraph format it is compared with, file name
RDFLIB_STEPS = (("turtle", "turtle", "ttl", "filmgraph.ttl"), ("nt", "nt", "nt", "filmgraph.nt"),
                ("nquads", "nquads", "nq", "filmgraph.nq"), ("trig", "trig", "trig", "filmgraph.trig"),
                ("json-ld", "json-ld", "jsonld", "filmgraph.jsonld"), ("xml", "xml", "rdfxml", "filmgraph.rdf"))
FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "nq": "N-Quads", "trig": "TriG", "jsonld": "JSON-LD",
                "rdfxml": "RDF/XML", "csv": "CSV"}


def peak_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- children: each measured step runs in its own process ---------------------------------------

def child_load(spec: dict) -> dict:
    from filmgraph.entailment import entail
    from filmgraph.namespaces import graph_iri
    from filmgraph.settings import Settings

    started = time.perf_counter()
    if spec["mode"] == "checked":
        from filmgraph.dataset import load

        dataset = load(settings=Settings(project=Path(spec["kb"]), store=Path(spec["store"])))
        store, entailed = dataset.store, dataset.entailed
    else:
        from filmgraph.loading import parse_file
        from filmgraph.project import Project
        from filmgraph.store import EmbeddedStore
        from filmgraph.validation import dataset_quads

        project = Project.locate(spec["kb"])
        store = EmbeddedStore(path=spec["store"])
        store.clear()
        for path in project.source_files():
            parsed, problems = parse_file(path)
            if problems:
                raise SystemExit(f"{path}: {problems[0]}")
            store.add(dataset_quads(parsed, project)[0])
        entailed = entail(store, ontology_graph=graph_iri("ontology"), entailed_graph=graph_iri("entailed"))
    store.ox.flush()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "quads": store.count(), "entailed": entailed, "peak_kb": peak_kb()}


def child_export(spec: dict) -> dict:
    from filmgraph.description import describe_export
    from filmgraph.export import export
    from filmgraph.settings import Settings

    settings = Settings(project=Path(spec["kb"]), store=Path(spec["store"]), cache_dir="off")
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(message: str) -> None:
        steps.append((message, time.perf_counter() - started))

    def run():
        return export(settings=settings, out=spec["out"], formats="all", profiles=spec["profiles"],
                      describe=describe_export, progress=progress)

    if spec.get("cprofile"):
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(run)
        profiler.dump_stats(spec["cprofile"])
    else:
        report = run()
    seconds = time.perf_counter() - started
    steps.append(("done", seconds))
    files = [{"path": str(f.path), "bytes": f.bytes, "triples": f.triples, "profile": f.profile, "format": f.format}
             for f in report.files]
    return {"seconds": seconds, "steps": steps, "files": files, "peak_kb": peak_kb()}


def child_rdflib(spec: dict) -> None:
    """Parse the N-Quads, then serialize in each format of ``spec["steps"]``, reporting each step
    on stdout as it starts and ends (the parent stops a step that runs out of time)."""
    import rdflib

    def say(**entry):
        print(json.dumps(entry), flush=True)

    say(start="parse")
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(spec["nq"], format="nquads")
    for name, namespace in spec["prefixes"].items():
        dataset.bind(name, namespace, override=True, replace=True)
    say(done="parse", seconds=time.perf_counter() - started, peak_kb=peak_kb(), quads=len(dataset))
    for step in spec["steps"]:
        name, fmt, _ours, file = next(s for s in RDFLIB_STEPS if s[0] == step)
        target = Path(spec["out"]) / file
        say(start=name)
        started = time.perf_counter()
        dataset.serialize(destination=str(target), format=fmt, encoding="utf-8")
        say(done=name, seconds=time.perf_counter() - started, bytes=target.stat().st_size, peak_kb=peak_kb())


def run_child(kind: str, spec: dict) -> dict:
    """Run a child step and return what it printed (its last line, JSON)."""
    out = subprocess.run([sys.executable, __file__, "--child", kind, json.dumps(spec)], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def rdflib_baseline(nq: Path, out: Path, budget: float, prefixes: dict) -> dict:
    """Each rdflib step's result (``{"seconds", "bytes", "peak_kb"}``) or ``{"over": True}`` when it
    ran out of ``budget``; a new process takes over the steps left after a stop."""
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    pending = [s[0] for s in RDFLIB_STEPS]
    while pending:
        spec = {"nq": str(nq), "out": str(out), "steps": pending, "prefixes": prefixes}
        proc = subprocess.Popen([sys.executable, __file__, "--child", "rdflib", json.dumps(spec)],
                                stdout=subprocess.PIPE, text=True)
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        current, deadline = None, None
        try:
            while True:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not selector.select(wait):
                    results.setdefault(current, {"over": True})
                    print(f"  rdflib {current}: stopped after {budget:.0f} s", flush=True)
                    proc.kill()
                    break
                line = proc.stdout.readline()
                if not line:
                    break
                entry = json.loads(line)
                if "start" in entry:
                    current, deadline = entry["start"], time.monotonic() + budget
                else:
                    current, deadline = None, None
                    results.setdefault(entry["done"], entry)
                    print(f"  rdflib {entry['done']}: {entry['seconds']:.1f} s", flush=True)
        finally:
            proc.wait()
            selector.close()
        if results.get("parse", {}).get("over"):
            break  # nothing to serialize without a parsed dataset
        left = [s for s in pending if s not in results]
        if left == pending or proc.returncode not in (0, -9):
            for s in left:
                results.setdefault(s, {"failed": True})
            break
        pending = left
    return results


# -- the benchmark -----------------------------------------------------------------------------

def prepare(args) -> tuple[Path, Path, dict, dict]:
    """The knowledge base and the loaded store in ``args.work`` (made if missing); their facts."""
    sys.path.insert(0, str(HERE))
    from synth import generate

    work = args.work
    kb, store = work / "kb", work / "store"
    kb_marker, store_marker = work / "kb.json", work / "store.json"
    if kb_marker.exists():
        made = json.loads(kb_marker.read_text())
        print(f"knowledge base: {kb} (reused: {made['triples']:,} asserted triples, {made['sources']} sources)")
    else:
        shutil.rmtree(kb, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
        store_marker.unlink(missing_ok=True)
        made = generate(args.triples, seed=args.seed, out=kb)
        kb_marker.write_text(json.dumps(made))
        print(f"knowledge base: {kb} (made in {made['seconds']:.1f} s: {made['triples']:,} asserted triples, "
              f"{made['sources']} sources, {made['bytes'] / 1e6:.0f} MB)")
    loaded = json.loads(store_marker.read_text()) if store_marker.exists() else None
    if loaded is None or loaded["mode"] != args.load:
        shutil.rmtree(store, ignore_errors=True)
        loaded = run_child("load", {"kb": str(kb), "store": str(store), "mode": args.load})
        loaded["mode"] = args.load
        store_marker.write_text(json.dumps(loaded))
        loaded["fresh"] = True
    how = ("checked, loaded and entailed by filmgraph.dataset.load" if args.load == "checked" else
           "parsed by filmgraph.loading.parse_file into the store and entailed (not checked)")
    print(f"store: {store} ({how}{'; reused' if not loaded.get('fresh') else ''}): {loaded['quads']:,} quads, "
          f"{loaded['entailed']:,} of them entailed; {loaded['seconds']:.1f} s, peak RSS {loaded['peak_kb'] / 1024:.0f} MB")
    return kb, store, made, loaded


def export_runs(kb: Path, store: Path, work: Path, profiles: str, runs: int) -> list[dict]:
    results = []
    for i in range(runs):
        out = work / f"export-{profiles}"
        shutil.rmtree(out, ignore_errors=True)
        result = run_child("export", {"kb": str(kb), "store": str(store), "out": str(out), "profiles": profiles})
        print(f"  filmgraph export --profile {profiles} --format all, run {i + 1}: {result['seconds']:.1f} s, "
              f"peak RSS {result['peak_kb'] / 1024:.0f} MB", flush=True)
        results.append(result)
    return results


def step_times(result: dict) -> dict[str, float]:
    """Seconds per progress step: from each message to the next."""
    steps = result["steps"]
    times: dict[str, float] = {}
    for (message, at), (_next, until) in zip(steps, steps[1:]):
        times[message] = times.get(message, 0.0) + until - at
    return times


def median_step(results: list[dict], message: str) -> float | None:
    values = [step_times(r).get(message) for r in results]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_s(value) -> str:
    return "" if value is None else f"{value:.1f}"


def show(kb_made: dict, loaded: dict, full: list[dict], every: list[dict], baseline: dict | None,
         budget: float, triples: int) -> None:
    full_s = statistics.median(r["seconds"] for r in full)
    files = {f["path"]: f for f in full[-1]["files"]}
    quads = next((f["triples"] for f in files.values() if f["path"].endswith(".nq")), None)
    print(f"\nfull profile: {quads:,} statements (N-Quads), from {kb_made['triples']:,} asserted triples and "
          f"their entailments; median of {len(full)} run(s)\n")
    header = f"{'step':44} {'filmgraph s':>11} {'rdflib s':>9} {'rdflib/fg':>10} {'filmgraph MB':>13} {'rdflib MB':>10}"
    print(header)
    print("-" * len(header))

    def rdflib_cell(name):
        if baseline is None:
            return None, "", ""
        entry = baseline.get(name, {})
        if entry.get("over"):
            return None, f">{budget:.0f}", ""
        if entry.get("failed") or "seconds" not in entry:
            return None, "failed", ""
        return entry["seconds"], f"{entry['seconds']:.1f}", f"{entry.get('bytes', 0) / 1e6:.1f}" if "bytes" in entry else ""

    def ratio(ours, theirs, cell):
        if ours is None or ours <= 0:
            return ""
        if theirs is not None:
            return f"{theirs / ours:.1f}"
        return f">{budget / ours:.1f}" if cell.startswith(">") else ""

    what = "check, load, entail" if loaded["mode"] == "checked" else "parse, load, entail"
    print(f"{'filmgraph: ' + what + ' (on-disk store)':44} {loaded['seconds']:11.1f}")
    if baseline is not None:
        _theirs, cell, _ = rdflib_cell("parse")
        print(f"{'rdflib: parse the N-Quads into a Dataset':44} {'':>11} {cell:>9}")
    read = median_step(full, "reading the dataset")
    print(f"{'export: read the store, sort it as text':44} {fmt_s(read):>11}")
    ours_total = theirs_total = 0.0
    over = False
    for fmt in ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml", "csv"):
        if fmt == "csv":
            ours = median_step(full, "writing full/csv/")
            size = sum(f["bytes"] for f in files.values() if f["format"] == "csv" and f["profile"] == "full")
            print(f"{'export: CSV (no rdflib counterpart)':44} {fmt_s(ours):>11} {'':>9} {'':>10} {size / 1e6:13.1f}")
            continue
        step = next(s for s in RDFLIB_STEPS if s[2] == fmt)
        name = f"full/{step[3]}"
        ours = median_step(full, f"writing {name}")
        theirs, cell, their_mb = rdflib_cell(step[0])
        ours_total += ours or 0.0
        if theirs is None:
            over = True
        else:
            theirs_total += theirs
        size = files[name]["bytes"] / 1e6
        label = f"export: {FORMAT_NAMES[fmt]} (rdflib {step[1]})"
        print(f"{label:44} {fmt_s(ours):>11} {cell:>9} {ratio(ours, theirs, cell):>10} {size:13.1f} {their_mb:>10}")
    describe = median_step(full, "describing the export")
    print(f"{'export: description (VoID, DCAT, SHA256SUMS)':44} {fmt_s(describe):>11}")
    if baseline is not None:
        cell = (">" if over else "") + f"{theirs_total:.1f}"
        six = f"{theirs_total / ours_total:.1f}" if ours_total else ""
        print(f"{'the six RDF formats together':44} {ours_total:11.1f} {cell:>9} {('>' if over else '') + six:>10}")
    print(f"{'export --profile full --format all, described':44} {full_s:11.1f}")
    if every:
        every_s = statistics.median(r["seconds"] for r in every)
        print(f"{'export --profile all --format all, described':44} {every_s:11.1f}")
        parts: dict[str, float] = {}
        for message, seconds in step_times(every[len(every) // 2]).items():
            words = message.split()
            part = ("read" if message.startswith("reading") else words[2] if message.startswith("building")
                    else words[1].split("/")[0] if message.startswith("writing") else "description")
            parts[part] = parts.get(part, 0.0) + seconds
        print("  of which (s): " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))

    print("\npeak RSS (MB): " + ", ".join(filter(None, [
        f"load {loaded['peak_kb'] / 1024:.0f}",
        f"export full {max(r['peak_kb'] for r in full) / 1024:.0f}",
        f"export all profiles {max(r['peak_kb'] for r in every) / 1024:.0f}" if every else "",
        f"rdflib {max(e.get('peak_kb', 0) for e in baseline.values()) / 1024:.0f}" if baseline else ""])))
    if every:
        sizes: dict[str, int] = {}
        for f in every[-1]["files"]:
            sizes[f["profile"] or "(shared)"] = sizes.get(f["profile"] or "(shared)", 0) + f["bytes"]
        print("bundle sizes, all profiles (MB): " + ", ".join(f"{p} {b / 1e6:.0f}" for p, b in sizes.items()))
    verdict = "goal met" if full_s <= GOAL_S else "MISSED"
    scale = "" if kb_made["triples"] >= GOAL_TRIPLES * 0.95 else \
        f" (this run: {kb_made['triples']:,} triples, not the goal's size)"
    print(f"\ngoal (issue 6): export all formats of {GOAL_TRIPLES:,} triples <= {GOAL_S:.0f} s: "
          f"{full_s:.1f} s — {verdict}{scale}")


def print_profile(path: Path, top: int = 25) -> None:
    import pstats

    for key in ("tottime", "cumulative"):
        print(f"\ncProfile of the full-profile export, top {top} by {key}:")
        stats = pstats.Stats(str(path))
        stats.sort_stats(key).print_stats(top)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, spec = sys.argv[2], json.loads(sys.argv[3])
        if kind == "rdflib":
            child_rdflib(spec)
        else:
            print(json.dumps({"load": child_load, "export": child_export}[kind](spec)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=GOAL_TRIPLES, help="asserted triples of the synthetic graph")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="filmgraph export runs (median); rdflib runs once")
    parser.add_argument("--work", type=Path, help="folder for the graph, the store and the outputs (kept and reused)")
    parser.add_argument("--load", choices=("checked", "direct"), help="how the store is filled (see above)")
    parser.add_argument("--rdflib-budget", type=float, default=600.0, help="seconds before an rdflib step is stopped")
    parser.add_argument("--no-rdflib", action="store_true", help="leave out the rdflib baseline")
    parser.add_argument("--no-all-profiles", action="store_true", help="time only the full profile")
    parser.add_argument("--cprofile", action="store_true", help="also profile one full-profile export")
    args = parser.parse_args()
    args.work = args.work or Path(tempfile.gettempdir()) / f"filmgraph-bench-export-{args.triples}-s{args.seed}"
    args.load = args.load or "checked"
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; work folder {args.work}")

    kb, store, made, loaded = prepare(args)
    full = export_runs(kb, store, args.work, "full", args.runs)
    every = [] if args.no_all_profiles else export_runs(kb, store, args.work, "all", args.runs)
    baseline = None
    if not args.no_rdflib:
        from filmgraph.export import prefixes
        from filmgraph.settings import DEFAULT_BASE_IRI

        print(f"rdflib baseline (each step stopped after {args.rdflib_budget:.0f} s):", flush=True)
        baseline = rdflib_baseline(args.work / "export-full" / "full" / "filmgraph.nq", args.work / "rdflib",
                                   args.rdflib_budget, prefixes(DEFAULT_BASE_IRI))
    show(made, loaded, full, every, baseline, args.rdflib_budget, args.triples)
    if args.cprofile:
        out = args.work / "export-cprofile"
        shutil.rmtree(out, ignore_errors=True)
        stats = args.work / "export.prof"
        run_child("export", {"kb": str(kb), "store": str(store), "out": str(out), "profiles": "full",
                             "cprofile": str(stats)})
        print_profile(stats)


if __name__ == "__main__":
    main()
