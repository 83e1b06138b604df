"""Benchmark of ``filmgraph serve`` under load (run on demand, not a test).

    python benchmarks/bench_serve.py [--duration 30] [--clients 8] [--time-limit 10]
                                     [--workers N] [--skip-baseline] [--json]

Starts ``python -m filmgraph --cache-dir <tmp> serve`` on the curated graph (127.0.0.1, a free
port, a fresh cache folder, ``--query-time-limit-s`` = --time-limit, ``--workers`` = --workers if
given) and drives it with --clients client processes, each on its own keep-alive connection, sending the "simple queries" one after another: every
library query with its default parameters (examples where a parameter has no default) whose median
on the embedded store, measured here first, is under 2 ms — as ``GET /sparql?query=…`` asking for
SPARQL JSON. Phases:

1. steady load for --duration seconds: requests/s, p50/p90/p99/max latency, errors (any answer
   but 200, or none);
2. the same load plus one more client sending a runaway cross join each time its previous one was
   answered (for at least two time limits): how long until each runaway is answered (it must be a
   503 within the limit + 1 s), and the simple queries' latency and errors meanwhile.

The baseline, in the same run: ``oxigraph serve --union-default-graph --timeout-s <limit>`` over
the same data (``filmgraph build`` → ``oxigraph load``) under the same two phases, with the ratio
filmgraph/oxigraph. Throughout the filmgraph phases the resident memory (VmRSS) of the server and
all its descendants is sampled every second. CPU use per phase shows who is busy: the server's
event loop, its workers, or the clients (which share this machine's cores with the server, so the
figures are a lower bound for a server with its own machine).

Every client comes from 127.0.0.1, so the server is started with ``--client-concurrency`` of at
least clients + 1 (its per-address cap would otherwise answer 429 to the clients of this one
machine as if they were one greedy user). Goals (issue 5): ≥ 300 q/s, p99 ≤ 250 ms, no errors;
under a runaway, p99 ≤ 500 ms, no errors, and every runaway stopped with 503 within limit + 1 s;
memory stable (end within 10 % of the start under load). A missed goal is printed as MISSED; the
exit status is non-zero only when the benchmark could not run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from timing import median_time

REPO = Path(__file__).resolve().parent.parent
JSON_RESULTS = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?c) { GRAPH ?g1 {?a ?b ?c} GRAPH ?g2 {?d ?e ?f} GRAPH ?g3 {?x ?y ?z} }"
SIMPLE_MS = 2.0          # a library query is "simple" when its embedded median is under this
EMBEDDED_RUNS = 9
START_TIMEOUT_S = 300.0  # the first start builds the store into the fresh cache folder
GOAL_QPS, GOAL_P99_MS, GOAL_RUNAWAY_P99_MS, GOAL_MEMORY_GROWTH = 300.0, 250.0, 500.0, 0.10


# ---------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, port: int, path: str, accept: str, log: Path, what: str) -> None:
    """Return once GET ``path`` answers 200; RuntimeError (with the server's log) when the server
    exits or START_TIMEOUT_S passes first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Accept": accept})
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"{what} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


def start_filmgraph(tmp: Path, *, time_limit: float, client_concurrency: int,
                    workers: int | None) -> tuple[subprocess.Popen, int, list[str], float]:
    """``filmgraph serve`` on a free port with a fresh cache; (process, port, command, seconds to
    the first 200)."""
    port = free_port()
    command = [sys.executable, "-m", "filmgraph", "--cache-dir", str(tmp / "cache"), "serve", "--port", str(port),
               "--query-time-limit-s", f"{time_limit:g}", "--client-concurrency", str(client_concurrency)]
    if workers is not None:
        command += ["--workers", str(workers)]
    log = tmp / "filmgraph-serve.log"
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    _wait_ready(proc, port, "/sparql", "text/turtle", log, "filmgraph serve")
    return proc, port, command, time.monotonic() - started


def oxigraph_exe() -> str | None:
    found = shutil.which("oxigraph")
    beside = Path(sys.executable).parent / "oxigraph"
    return found or (str(beside) if beside.exists() else None)


def start_oxigraph(tmp: Path, exe: str, nquads: Path, *, time_limit: float) -> tuple[subprocess.Popen, int, list[str]]:
    """``oxigraph load`` of ``nquads`` then ``oxigraph serve`` over it on a free port."""
    location = tmp / "oxigraph"
    subprocess.run([exe, "load", "--location", str(location), "--file", str(nquads)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    command = [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--union-default-graph",
               "--timeout-s", f"{time_limit:g}"]
    log = tmp / "oxigraph-serve.log"
    proc = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    _wait_ready(proc, port, "/query?query=" + quote("ASK {}"), JSON_RESULTS, log, "oxigraph serve")
    return proc, port, command


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (filmgraph stops its workers on it), SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- /proc: memory and CPU of a process tree

TICK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its living descendants (via /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return found


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_fields(pid: int) -> list[int]:
    """utime, stime, cutime, cstime in clock ticks (zeros when the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return [int(x) for x in fields[11:15]]
    except (OSError, IndexError):
        return [0, 0, 0, 0]


def tree_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds so far of the process ``pid`` itself, and of its descendants (living ones and
    the ones it has reaped, e.g. workers killed at a time limit)."""
    utime, stime, cutime, cstime = _cpu_fields(pid)
    others = cutime + cstime
    for child in process_tree(pid)[1:]:
        others += sum(_cpu_fields(child)[:2])
    return (utime + stime) / TICK, others / TICK


class MemorySampler(threading.Thread):
    """Samples (seconds, total VmRSS kB, processes) of the tree under ``pid`` every second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.halt = pid, [], threading.Event()
        self.t0 = time.monotonic()

    def sample(self) -> None:
        pids = process_tree(self.pid)
        self.samples.append((time.monotonic() - self.t0, sum(rss_kb(p) for p in pids), len(pids)))

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(1.0)


# ---------------------------------------------------------------- clients (separate processes)

def _connect(port: int, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def _server_ms(header: str | None) -> float | None:
    """The ``total;dur=`` of a Server-Timing header (filmgraph sends it; oxigraph does not)."""
    if header and "dur=" in header:
        try:
            return float(header.split("dur=", 1)[1].split(",", 1)[0].split(";", 1)[0])
        except ValueError:
            return None
    return None


def simple_client(index: int, port: int, paths: list[str], duration: float, ready, go, results) -> None:
    """Send ``paths`` in rotation (starting at ``index``) on one keep-alive connection for
    ``duration`` seconds after ``go``; put latencies, statuses and CPU time on ``results``."""
    conn = _connect(port, 60)
    ready.put(index)
    go.wait()
    cpu0, end = time.process_time(), time.monotonic() + duration
    latencies, server, statuses, sample_errors, i = [], [], Counter(), [], index
    while time.monotonic() < end:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": JSON_RESULTS})
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if status == 200 and not body.startswith(b"{"):
                status = -1  # 200 but not SPARQL JSON
            timing = _server_ms(response.getheader("Server-Timing"))
        except (OSError, http.client.HTTPException) as e:
            status, body, timing = 0, repr(e).encode(), None
            conn.close()
            conn = _connect(port, 60)
        latencies.append(time.perf_counter() - start)
        statuses[status] += 1
        if timing is not None:
            server.append(timing)
        if status != 200 and len(sample_errors) < 3:
            sample_errors.append(f"{status}: {body[:200].decode('utf-8', 'replace').strip()}")
    conn.close()
    results.put({"kind": "simple", "latencies": latencies, "server_ms": server, "statuses": dict(statuses),
                 "sample_errors": sample_errors, "cpu_s": time.process_time() - cpu0})


def runaway_client(port: int, path: str, duration: float, answer_timeout: float, ready, go, results) -> None:
    """Send the runaway query again each time the previous one was answered, for ``duration``
    seconds after ``go``; put each (seconds until answered, status, end of the body) on ``results``
    (status 0: no answer within ``answer_timeout`` or the connection failed; -1: 200 whose body
    is not a complete JSON result)."""
    conn = _connect(port, answer_timeout)
    ready.put("runaway")
    go.wait()
    end, answers = time.monotonic() + duration, []
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": JSON_RESULTS})
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if status == 200:
                try:
                    json.loads(body)
                except ValueError:
                    status = -1  # 200, then the result broke off (oxigraph's timeout does this)
        except (OSError, http.client.HTTPException) as e:
            status, body = 0, repr(e).encode()
            conn.close()
            conn = _connect(port, answer_timeout)
        answers.append((time.perf_counter() - start, status, body[-200:].decode("utf-8", "replace").strip()))
    conn.close()
    results.put({"kind": "runaway", "answers": answers})


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_phase(port: int, paths: list[str], *, clients: int, duration: float, server_pid: int,
              runaway_path: str | None = None, answer_timeout: float = 60.0) -> dict:
    """``clients`` simple clients (and the runaway client when ``runaway_path`` is given) against
    the server on ``port`` for ``duration`` seconds; the phase's figures."""
    ctx = multiprocessing.get_context("spawn")
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=simple_client, args=(i, port, paths, duration, ready, go, results))
             for i in range(clients)]
    if runaway_path is not None:
        procs.append(ctx.Process(target=runaway_client,
                                 args=(port, runaway_path, duration, answer_timeout, ready, go, results)))
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    cpu0 = tree_cpu(server_pid)
    started = time.monotonic()
    go.set()
    parts, simple_done = [], None
    for _ in procs:
        part = results.get(timeout=duration + answer_timeout + 120)
        parts.append(part)
        if part["kind"] == "simple" and sum(p["kind"] == "simple" for p in parts) == clients:
            simple_done = time.monotonic()
            cpu1 = tree_cpu(server_pid)
    for proc in procs:
        proc.join(30)
    elapsed = simple_done - started
    simple = [p for p in parts if p["kind"] == "simple"]
    latencies = [x for p in simple for x in p["latencies"]]
    server = [x for p in simple for x in p["server_ms"]]
    statuses = Counter()
    for p in simple:
        statuses.update({int(k): v for k, v in p["statuses"].items()})
    result = {
        "seconds": elapsed, "requests": len(latencies), "qps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1e3, "p90_ms": percentile(latencies, 90) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3, "max_ms": max(latencies, default=math.nan) * 1e3,
        "errors": sum(v for k, v in statuses.items() if k != 200), "statuses": dict(statuses),
        "sample_errors": [e for p in simple for e in p["sample_errors"]][:5],
        "server_timing_p50_ms": statistics.median(server) if server else None,
        "cpu_cores": {"server": (cpu1[0] - cpu0[0]) / elapsed, "workers": (cpu1[1] - cpu0[1]) / elapsed,
                      "clients": sum(p["cpu_s"] for p in simple) / elapsed},
    }
    runaway = [p for p in parts if p["kind"] == "runaway"]
    if runaway:
        result["runaways"] = [{"seconds": s, "status": st, "message": m} for s, st, m in runaway[0]["answers"]]
    return result


# ---------------------------------------------------------------- the simple queries

def simple_queries() -> tuple[list[tuple[str, str, float]], list[tuple[str, float]]]:
    """(name, text, embedded median s) of every library query with its default parameters that
    runs under SIMPLE_MS on the embedded store, and (name, median s) of the others."""
    import filmgraph
    from filmgraph.queries import Library, prepare

    dataset = filmgraph.load()
    chosen, left = [], []
    for q in Library(REPO / "queries"):
        text = prepare(q, {p.name: p.example for p in q.params if p.example and p.default is None},
                       backend=dataset.store)
        dataset.store.run(text)  # warm-up
        seconds = median_time(lambda: dataset.store.run(text), EMBEDDED_RUNS)[0]
        (chosen.append((q.name, text, seconds)) if seconds * 1e3 < SIMPLE_MS else left.append((q.name, seconds)))
    return chosen, left


def check_answers(port: int, paths: list[str], names: list[str], runs: int = 3) -> tuple[dict[str, str], float]:
    """Each query ``runs`` times by itself, one client, no other load: (name -> a short outcome
    (rows, or the error), the median over the queries of each query's median latency in s)."""
    outcomes, medians = {}, []
    conn = _connect(port, 60)
    for name, path in zip(names, paths):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            conn.request("GET", path, headers={"Accept": JSON_RESULTS})
            response = conn.getresponse()
            body = response.read()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
        if response.status != 200:
            outcomes[name] = f"HTTP {response.status}: {body[:150].decode('utf-8', 'replace').strip()}"
        else:
            data = json.loads(body)
            outcomes[name] = f"{len(data['results']['bindings'])} rows" if "results" in data else str(data.get("boolean"))
    conn.close()
    return outcomes, statistics.median(medians)


# ---------------------------------------------------------------- report

STATUS_NAMES = {0: "no answer", -1: "200 cut short"}


def _verdict(ok: bool) -> str:
    return "goal met" if ok else "MISSED"


def _ms(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def print_report(report: dict) -> None:
    run = report["run"]
    print(f"\nfilmgraph serve under load: {run['clients']} clients x {run['duration_s']:g} s on {run['cores']} cores, "
          f"{len(run['queries'])} simple library queries (embedded median < {SIMPLE_MS:g} ms; "
          f"mean {run['embedded_mean_ms']:.2f} ms), time limit {run['time_limit_s']:g} s")
    print(f"server: python {' '.join(run['filmgraph_command'][1:])}  (first 200 after {run['filmgraph_start_s']:.1f} s)")
    unloaded = f"one client, no load, median per query: embedded store {run['embedded_median_ms']:.2f} ms, " \
               f"filmgraph serve {run['filmgraph_unloaded_ms']:.1f} ms"
    if run.get("oxigraph_unloaded_ms") is not None:
        unloaded += f", oxigraph serve {run['oxigraph_unloaded_ms']:.1f} ms"
    print(unloaded)
    if run.get("oxigraph_command"):
        print(f"baseline: {' '.join(run['oxigraph_command'])}")
    elif run.get("baseline_skipped"):
        print(f"baseline: skipped — {run['baseline_skipped']}")
    if run["left_out"]:
        print("left out (not simple): " + ", ".join(f"{n} {s * 1e3:.0f} ms" for n, s in run["left_out"]))
    mismatched = run.get("answer_mismatches") or {}
    if mismatched:
        print("answers differ from oxigraph's: " + "; ".join(f"{k}: {v}" for k, v in mismatched.items()))

    header = (f"\n{'phase':30} {'q/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} "
              f"{'handler p50':>12}  CPU cores: server / workers / clients")
    print(header)
    for key, label in (("filmgraph", "filmgraph serve"), ("oxigraph", "oxigraph serve"),
                       ("filmgraph_runaway", "filmgraph + runaway"), ("oxigraph_runaway", "oxigraph + runaway")):
        phase = report["phases"].get(key)
        if phase is None:
            continue
        cpu = phase["cpu_cores"]
        print(f"{label:30} {phase['qps']:8.0f} {_ms(phase['p50_ms']):>8} {_ms(phase['p90_ms']):>8} "
              f"{_ms(phase['p99_ms']):>8} {_ms(phase['max_ms']):>8} {phase['errors']:7d} "
              f"{_ms(phase['server_timing_p50_ms']):>12}  {cpu['server']:.2f} / {cpu['workers']:.2f} / {cpu['clients']:.2f}")
        if phase["errors"]:
            print(f"{'':30} statuses {phase['statuses']}; e.g. {phase['sample_errors'][:2]}")
    for key, label in (("steady", "filmgraph/oxigraph"), ("runaway", "filmgraph/oxigraph (runaway)")):
        ratio = report["ratios"].get(key)
        if ratio:
            print(f"{label:30} {ratio['qps']:7.2f}x {'':8} {'':8} {ratio['p99']:7.2f}x")
    print("(handler p50: the Server-Timing filmgraph reports for /sparql — guard, worker round trip and "
          "result writing — against the client's latency; CPU cores: CPU seconds per second of the phase)")

    for key, label in (("filmgraph_runaway", "filmgraph"), ("oxigraph_runaway", "oxigraph")):
        phase = report["phases"].get(key)
        if phase is None:
            continue
        shown = "; ".join(f"#{i + 1} {STATUS_NAMES.get(a['status'], a['status'])} in {a['seconds']:.2f} s"
                          for i, a in enumerate(phase.get("runaways", [])))
        print(f"\nrunaway cross joins on {label}: {shown or 'none answered'}")
        if phase.get("runaways"):
            print(f"  first answer ends: {phase['runaways'][0]['message'][-160:]}")

    memory = report["memory"]
    print(f"\nmemory of filmgraph serve + its processes (VmRSS, sampled each second over "
          f"{memory['seconds']:.0f} s): idle {memory['idle_mb']:.0f} MB, under load start {memory['start_mb']:.0f} MB, "
          f"peak {memory['peak_mb']:.0f} MB, end {memory['end_mb']:.0f} MB; growth {memory['growth_mb']:+.0f} MB "
          f"({memory['growth'] * 100:+.1f} %), of which {memory['steady_growth_mb']:+.0f} MB in the steady phase; "
          f"processes {memory['processes_min']}–{memory['processes_max']} (workers killed at the time limit are "
          "replaced by fresh, smaller ones)")
    if memory.get("oxigraph_peak_mb") is not None:
        print(f"oxigraph serve peak VmRSS {memory['oxigraph_peak_mb']:.0f} MB")

    print("\ngoals (issue 5)")
    for goal in report["goals"]:
        print(f"  {goal['goal']:48} {goal['measured']:>24}   {_verdict(goal['ok'])}")


def goals(report: dict, time_limit: float) -> list[dict]:
    steady, runaway, memory = report["phases"]["filmgraph"], report["phases"]["filmgraph_runaway"], report["memory"]
    answers = runaway.get("runaways", [])
    worst = max((a["seconds"] for a in answers), default=math.nan)
    all_503 = bool(answers) and all(a["status"] == 503 and a["seconds"] <= time_limit + 1 for a in answers)
    return [
        {"goal": f"throughput ≥ {GOAL_QPS:.0f} q/s", "measured": f"{steady['qps']:.0f} q/s",
         "ok": steady["qps"] >= GOAL_QPS},
        {"goal": f"p99 ≤ {GOAL_P99_MS:.0f} ms", "measured": f"{steady['p99_ms']:.1f} ms",
         "ok": steady["p99_ms"] <= GOAL_P99_MS},
        {"goal": "no errors", "measured": f"{steady['errors']} errors", "ok": steady["errors"] == 0},
        {"goal": f"each runaway 503 within {time_limit + 1:g} s", "measured":
            f"{sum(a['status'] == 503 for a in answers)}/{len(answers)} 503, worst {worst:.2f} s", "ok": all_503},
        {"goal": f"p99 under a runaway ≤ {GOAL_RUNAWAY_P99_MS:.0f} ms", "measured": f"{runaway['p99_ms']:.1f} ms",
         "ok": runaway["p99_ms"] <= GOAL_RUNAWAY_P99_MS},
        {"goal": "no errors under a runaway", "measured": f"{runaway['errors']} errors", "ok": runaway["errors"] == 0},
        {"goal": f"memory stable (end within {GOAL_MEMORY_GROWTH:.0%} of start)",
         "measured": f"{memory['growth_mb']:+.0f} MB ({memory['growth'] * 100:+.1f} %)",
         "ok": memory["growth"] <= GOAL_MEMORY_GROWTH},
    ]


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each phase (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent simple clients (default 8)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="the server's query time limit (default 10)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the server's)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run oxigraph serve")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    if args.clients < 1 or args.duration <= 0 or args.time_limit <= 0:
        parser.error("--clients, --duration and --time-limit must be positive")
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    runaway_duration = max(args.duration, 2 * (args.time_limit + 1) + 1)  # at least two runaways
    answer_timeout = args.time_limit + 30

    import filmgraph

    say("timing the library queries on the embedded store")
    chosen, left = simple_queries()
    if not chosen:
        sys.exit(f"no library query runs under {SIMPLE_MS} ms on the embedded store — nothing to send")
    names = [name for name, _, _ in chosen]
    fg_paths = ["/sparql?query=" + quote(text) for _, text, _ in chosen]
    ox_paths = ["/query?query=" + quote(text) for _, text, _ in chosen]
    run = {"clients": args.clients, "duration_s": args.duration, "runaway_duration_s": runaway_duration,
           "time_limit_s": args.time_limit, "cores": os.cpu_count(), "queries": names,
           "embedded_mean_ms": statistics.mean(s for _, _, s in chosen) * 1e3,
           "embedded_median_ms": statistics.median(s for _, _, s in chosen) * 1e3, "left_out": left}
    report = {"run": run, "phases": {}, "ratios": {}}

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        tmp = Path(folder)
        say("starting filmgraph serve (builds its store into a fresh cache)")
        proc, port, command, start_s = start_filmgraph(tmp, time_limit=args.time_limit,
                                                       client_concurrency=max(4, args.clients + 1),
                                                       workers=args.workers)
        run.update(filmgraph_command=command, filmgraph_start_s=start_s)
        sampler = MemorySampler(proc.pid)
        try:
            fg_answers, run["filmgraph_unloaded_ms"] = check_answers(port, fg_paths, names)
            run["filmgraph_unloaded_ms"] *= 1e3
            sampler.sample()  # idle, before any load
            sampler.start()
            say(f"filmgraph: {args.clients} clients for {args.duration:g} s")
            report["phases"]["filmgraph"] = run_phase(port, fg_paths, clients=args.clients, duration=args.duration,
                                                      server_pid=proc.pid)
            steady_samples = len(sampler.samples)
            say(f"filmgraph: {args.clients} clients and a runaway for {runaway_duration:g} s")
            report["phases"]["filmgraph_runaway"] = run_phase(
                port, fg_paths, clients=args.clients, duration=runaway_duration, server_pid=proc.pid,
                runaway_path="/sparql?query=" + quote(RUNAWAY), answer_timeout=answer_timeout)
            sampler.halt.set()
            sampler.join()
            time.sleep(3)  # a worker killed by the last runaway is being replaced: let it start
            sampler.sample()
        finally:
            sampler.halt.set()
            stop(proc)
        samples = sampler.samples
        idle = samples[0][1]
        under_load = [s for s in samples[1:] if s[0] >= samples[1][0] + 2] or samples[1:]  # 2 s warm-up
        start_kb, end_kb = under_load[0][1], samples[-1][1]
        report["memory"] = {
            "seconds": samples[-1][0] - samples[1][0], "idle_mb": idle / 1024, "start_mb": start_kb / 1024,
            "peak_mb": max(s[1] for s in samples) / 1024, "end_mb": end_kb / 1024,
            "growth_mb": (end_kb - start_kb) / 1024, "growth": (end_kb - start_kb) / start_kb,
            "processes_min": min(s[2] for s in samples), "processes_max": max(s[2] for s in samples),
            "steady_growth_mb": (samples[steady_samples - 1][1] - start_kb) / 1024,
            "samples": [{"t": round(t, 1), "rss_mb": round(kb / 1024, 1), "processes": n} for t, kb, n in samples]}

        exe = oxigraph_exe()
        if args.skip_baseline:
            run["baseline_skipped"] = "--skip-baseline"
        elif exe is None:
            run["baseline_skipped"] = "oxigraph is not installed (pip install oxigraph)"
            say("oxigraph is not installed: no baseline")
        else:
            say("building the dataset and loading it into oxigraph")
            filmgraph.build(out=tmp / "dist")
            oproc, oport, ocommand = start_oxigraph(tmp, exe, tmp / "dist" / "filmgraph.nq", time_limit=args.time_limit)
            run["oxigraph_command"] = ocommand
            osampler = MemorySampler(oproc.pid)
            try:
                ox_answers, run["oxigraph_unloaded_ms"] = check_answers(oport, ox_paths, names)
                run["oxigraph_unloaded_ms"] *= 1e3
                run["answer_mismatches"] = {n: f"filmgraph {fg_answers[n]}, oxigraph {ox_answers[n]}"
                                            for n in names if fg_answers[n] != ox_answers[n]}
                osampler.start()
                say(f"oxigraph: {args.clients} clients for {args.duration:g} s")
                report["phases"]["oxigraph"] = run_phase(oport, ox_paths, clients=args.clients,
                                                         duration=args.duration, server_pid=oproc.pid)
                say(f"oxigraph: {args.clients} clients and a runaway for {runaway_duration:g} s")
                report["phases"]["oxigraph_runaway"] = run_phase(
                    oport, ox_paths, clients=args.clients, duration=runaway_duration, server_pid=oproc.pid,
                    runaway_path="/query?query=" + quote(RUNAWAY), answer_timeout=answer_timeout)
            finally:
                osampler.halt.set()
                stop(oproc)
            report["memory"]["oxigraph_peak_mb"] = max(s[1] for s in osampler.samples) / 1024
            for key, fg, ox in (("steady", "filmgraph", "oxigraph"), ("runaway", "filmgraph_runaway", "oxigraph_runaway")):
                a, b = report["phases"][fg], report["phases"][ox]
                report["ratios"][key] = {"qps": a["qps"] / b["qps"], "p99": a["p99_ms"] / b["p99_ms"]}
    report["goals"] = goals(report, args.time_limit)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
