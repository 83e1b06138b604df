"""Shared fixtures: the repository's knowledge base, a writable copy of it, and the CLI run
in-process exactly as a user runs it (``filmgraph.cli.main``: exit code, stdout, stderr)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from filmgraph.cli import main

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
W3C = SHARED / "w3c-rdf-tests"
SOURCE_TEXT = REPO / "graph" / "sources" / "000_4fd766c73458f912.txt"
DATA_FILE = REPO / "graph" / "000_4fd766c73458f912.trig"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests never read or fill the user's cache of loaded knowledge bases."""
    import os

    os.environ["FILMGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def run(capsys):
    """Call the ``filmgraph`` command with a list of arguments; returns a :class:`Run`."""

    def invoke(*args: str) -> Run:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(exit_info.value.code, captured.out, captured.err)

    return invoke


@pytest.fixture
def kb(tmp_path) -> Path:
    """A writable copy of the knowledge base (ontology/, graph/, queries/) in a temporary folder."""
    root = tmp_path / "kb"
    for name in ("ontology", "graph", "queries"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, root / name)
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in ``path`` (fails the test if ``old`` is not there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    """Skip a browser test with ``reason`` — or fail it when FILMGRAPH_REQUIRE_BROWSER=1."""
    import os

    if os.environ.get("FILMGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FILMGRAPH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's /usr/bin/chromium driven by Playwright,
    never a downloaded browser); skipped with the reason when either is missing."""
    if not CHROMIUM.exists():
        _unavailable("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright; "
                     "not `playwright install`, the system Chromium is used)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OxigraphServer:
    """A real ``oxigraph serve`` on 127.0.0.1 (union default graph, like the embedded store)."""

    base: str

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def update(self) -> str:
        return self.base + "/update"

    @property
    def graph_store(self) -> str:
        return self.base + "/store"

    def clear(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.update, data=b"update=DROP%20ALL", method="POST"), timeout=30).read()


def start_oxigraph(folder: Path):
    """Start ``oxigraph serve`` in ``folder`` on a free loopback port; returns (process, server)."""
    import subprocess
    import sys
    import time
    import urllib.request

    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    log = open(folder / "oxigraph.log", "wb")
    proc = subprocess.Popen([exe, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=log, stderr=subprocess.STDOUT)
    server = OxigraphServer(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(server.query + "?query=ASK%7B%7D", timeout=2).read()
            return proc, server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("oxigraph serve did not start: " + (folder / "oxigraph.log").read_text())
            time.sleep(0.1)


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory):
    """A live Oxigraph server for the whole session (stopped afterwards)."""
    proc, server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield server
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A live Virtuoso Open Source (Debian package) started by scripts/virtuoso.sh, or a skip when it
    is not installed — unless FILMGRAPH_REQUIRE_VIRTUOSO=1 (set by scripts/test.sh after installing
    it), where a missing Virtuoso fails the run instead of hiding."""
    import json
    import os
    import subprocess

    if not shutil.which("virtuoso-t"):
        if os.environ.get("FILMGRAPH_REQUIRE_VIRTUOSO") == "1":
            pytest.fail("Virtuoso is required here but virtuoso-t is not installed")
        pytest.skip("Virtuoso Open Source is not installed (scripts/virtuoso.sh install)")
    folder = tmp_path_factory.mktemp("virtuoso")
    script = REPO / "scripts" / "virtuoso.sh"
    started = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True, text=True, timeout=180)
    if started.returncode != 0:
        pytest.fail("Virtuoso did not start: " + started.stderr[-2000:])
    info = json.loads(started.stdout.strip().splitlines()[-1])
    yield info
    subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True, timeout=120)


@contextmanager
def serving(folder: Path, *options: str, timeout_s: float = 60):
    """``filmgraph serve`` as a user starts it (a subprocess) on a free loopback port, with
    ``options`` (options of ``serve``; the session's private cache comes through the
    environment); yields its origin ("http://127.0.0.1:PORT") once GET /sparql answers 200, and
    stops it afterwards. Its output is in ``folder``/serve.log."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    log_path = folder / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "filmgraph", "serve", "--port", str(port), *options],
                                cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    with urllib.request.urlopen(origin + "/sparql", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except (OSError, urllib.error.HTTPError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"filmgraph serve did not answer GET /sparql with 200 within {timeout_s:g} s:\n"
                                + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.25)
            yield origin
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


@contextmanager
def app_client(**settings):
    """The web app of ``filmgraph serve`` in process (Starlette's TestClient, its worker
    processes real), over the repository's knowledge base with ``settings`` changed."""
    import os

    from starlette.testclient import TestClient

    from filmgraph.server import create_app
    from filmgraph.settings import Settings

    values = {"cache_dir": os.environ["FILMGRAPH_CACHE_DIR"], "project": REPO, **settings}
    with TestClient(create_app(settings=Settings(**values))) as client:
        yield client


@pytest.fixture(scope="session")
def client():
    """One in-process app for the session: 2 workers, a 3 s time limit, at most 50 rows."""
    with app_client(query_time_limit_s=3.0, max_rows=50) as c:
        yield c
