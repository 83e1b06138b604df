"""Worker processes that run the server's queries, and stop them.

pyoxigraph cannot interrupt a query, and a pathological one can take a whole process down, so
the server never runs a query in its own process. A :class:`WorkerPool` keeps ``size`` worker
processes, each with the store open read-only; a task goes to an idle worker, and when it runs
past its time limit (or the client goes away) that worker is killed and a fresh one started,
while the others go on answering. A worker also runs under an address-space limit, so a query
that would eat the machine's memory ends that worker instead. A worker over the embedded store
has no network: on Linux it moves into a network namespace of its own (a user namespace, no
privilege needed) before it opens the store, so that even a SERVICE call the guard failed to
recognise cannot reach any host. Where the system forbids that (user namespaces turned off),
the worker runs as before and :attr:`WorkerPool.offline` says so.

Tasks are functions ``f(backend, **kwargs)`` named in :data:`TASKS`, imported in the worker; their
results and errors travel back through a pipe.
"""
from __future__ import annotations

import asyncio
import ctypes
import importlib
import multiprocessing
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import FilmgraphError
from .settings import Settings

#: the tasks a worker runs: name -> "module:function", called as function(backend, **kwargs)
TASKS = {
    "info": "filmgraph.workers:store_info",
    "sparql": "filmgraph.protocol:execute",
    "page": "filmgraph.protocol:page_result",
    "document": "filmgraph.pages:document",
    "entity": "filmgraph.pages:entity_page",
    "suggest": "filmgraph.pages:suggestions",
    "ontology": "filmgraph.pages:ontology_page",
    "term": "filmgraph.pages:term_page",
    "map": "filmgraph.networkmap:map_page",
}
START_TIMEOUT_S = 120.0


class WorkerError(FilmgraphError):
    """A task that did not give a result; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status


def store_info(backend) -> dict:
    """Named graphs of the store with their number of triples, and the total."""
    rows = backend.run("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    graphs = {row["g"].value: int(row["n"].value) for row in rows if "g" in row}
    return {"graphs": graphs, "triples": sum(graphs.values())}


_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def _without_network() -> bool:
    """Move this process into a new network namespace, where the only interface is a loopback
    that is down: no connection can be opened, to any host, this one included. True when that
    worked; False, with nothing changed, where Linux user namespaces are not available or not
    allowed. Must run while the process has a single thread."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


def _main(conn, settings: Settings, folder: str | None, memory_mb: int) -> None:
    """A worker: cut itself off the network (unless it queries a remote store), open the store,
    say ready, then answer tasks until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the server, which stops us
    offline = False if settings.endpoint else _without_network()
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, resource.RLIM_INFINITY))
    try:
        if settings.endpoint:
            from .remote import Endpoint, RemoteStore

            backend = RemoteStore(Endpoint.from_settings(settings))
        else:
            from .store import EmbeddedStore

            backend = EmbeddedStore(path=folder, read_only=True)
    except FilmgraphError as e:
        conn.send(("error", 500, str(e)))
        return
    conn.send(("ready", os.getpid(), offline))
    functions = {}
    while True:
        try:
            name, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if name not in functions:
                module, _, attr = TASKS[name].partition(":")
                functions[name] = getattr(importlib.import_module(module), attr)
            conn.send(("ok", functions[name](backend, **kwargs)))
        except FilmgraphError as e:
            conn.send(("error", getattr(e, "status", 400), str(e)))
        except MemoryError:
            conn.send(("error", 503, "the query needed more memory than a worker may use — narrow it "
                                     "(fewer variables unbound, a LIMIT, more specific patterns)", "retire"))
            return  # the memory may be fragmented beyond use: let the pool start a fresh worker
        except Exception as e:  # e.g. OSError from the store: answer, and go on serving
            conn.send(("error", 500, f"the query failed in the store ({type(e).__name__}: {e}) — try again; "
                                     "if it keeps failing, report it"))


class _TooMany(Exception):
    """A task outlived ``slow_after`` and its client had no slow slot left."""


class SlowSlots:
    """How many slow tasks (past ``slow_after``) one client may have running at once."""

    def __init__(self, size: int):
        self.size = size
        self.used = 0
        self.users = 0  # tasks of this client waiting or running (the server forgets idle clients)

    def take(self) -> bool:
        if self.used >= self.size:
            return False
        self.used += 1
        return True

    def give_back(self) -> None:
        self.used -= 1


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object


class WorkerPool:
    """``settings.workers`` processes answering tasks on the store in ``folder`` (or on the
    remote endpoint of ``settings``). Use inside a running event loop: ``await start()``,
    ``await call(...)``, ``await close()``."""

    def __init__(self, *, settings: Settings, folder: Path | None):
        self.settings = settings
        self.folder = str(folder) if folder is not None else None
        self.size = settings.workers
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue | None = None
        self._all: set = set()
        self._starting: set = set()
        self.restarts = 0
        #: True when every worker started so far runs without network (see :func:`_without_network`)
        self.offline: bool | None = None

    def _launch(self) -> _Worker:
        here, there = self._context.Pipe()
        process = self._context.Process(target=_main, name="filmgraph-worker", daemon=True,
                                        args=(there, self.settings, self.folder, self.settings.worker_memory_mb))
        process.start()
        there.close()
        return _Worker(process, here)

    async def _readable(self, conn, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(fd)

    async def _spawn(self) -> None:
        worker = self._launch()
        self._starting.add(worker)
        try:
            await self._readable(worker.conn, START_TIMEOUT_S)
            status, *detail = worker.conn.recv()
        except (asyncio.TimeoutError, EOFError, OSError):
            status, detail = "error", [500, "a query worker did not start"]
        finally:
            self._starting.discard(worker)
        if status != "ready":
            self._kill(worker)
            raise WorkerError(detail[-1])
        offline = bool(detail[1:2] and detail[1])
        self.offline = offline if self.offline is None else self.offline and offline
        self._all.add(worker)
        self._idle.put_nowait(worker)

    def _kill(self, worker: _Worker) -> None:
        self._all.discard(worker)
        try:
            worker.process.kill()
            worker.process.join(5)
            worker.conn.close()
        except (OSError, ValueError):
            pass

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        self.restarts += 1
        task = asyncio.get_running_loop().create_task(self._spawn())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def start(self) -> None:
        """Start every worker; raises :class:`WorkerError` when one cannot open the store."""
        self._idle = asyncio.Queue()
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def call(self, task: str, *, timeout: float, limit: float | None = None, slow_after: float | None = None,
                   slow_slots: "SlowSlots | None" = None, **kwargs):
        """Run ``task`` on an idle worker and return its result.

        Waits at most ``timeout`` seconds in all, for an idle worker and then for the answer.
        ``limit`` is the time limit the messages name (default: ``timeout``). With ``slow_slots``,
        a task still running after ``slow_after`` seconds must take one of them to go on, and is
        stopped when none is free. Raises :class:`WorkerError` with status 503 when the time ran
        out or no slow slot was free (the worker is killed and replaced), 500 when the worker
        died, and the task's own status (400, 403 …) with its message when the task refused.
        """
        started = time.monotonic()
        shown = timeout if limit is None else limit
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout)
        except asyncio.TimeoutError:
            raise WorkerError(f"every query worker is busy and none became free within {shown:g} s — "
                              "try again shortly", 503) from None
        holding = False
        try:
            worker.conn.send((task, kwargs))
            left = lambda: max(timeout - (time.monotonic() - started), 0.001)  # noqa: E731
            if slow_slots is not None and slow_after is not None and slow_after < left():
                try:
                    await self._readable(worker.conn, slow_after)
                except asyncio.TimeoutError:
                    holding = slow_slots.take()
                    if not holding:
                        raise _TooMany() from None
                    await self._readable(worker.conn, left())
            else:
                await self._readable(worker.conn, left())
            status, *detail = worker.conn.recv()
        except _TooMany:
            self._replace(worker)
            raise WorkerError(f"your address already has {slow_slots.size} slow "
                              f"quer{'y' if slow_slots.size == 1 else 'ies'} running, so this one was stopped "
                              f"after {slow_after:g} s — wait for the others to finish, or make it faster", 503) from None
        except asyncio.TimeoutError:
            self._replace(worker)
            raise WorkerError(f"the query was stopped at the time limit of {shown:g} s — make it "
                              "more selective (bind a variable, add a LIMIT) or ask for a higher limit", 503) from None
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerError("the query stopped its worker process (it was replaced) — simplify the "
                              "query; if it is a valid query, report it") from None
        except BaseException:
            self._replace(worker)  # e.g. the client went away: its query must not go on running
            raise
        finally:
            if holding:
                slow_slots.give_back()
        if not worker.process.is_alive() or "retire" in detail[2:]:
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)
        if status == "error":
            raise WorkerError(detail[1], detail[0])
        return detail[0]

    async def close(self) -> None:
        """Stop every worker."""
        for worker in list(self._all) + list(self._starting):
            self._kill(worker)
