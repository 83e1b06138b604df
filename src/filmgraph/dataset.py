"""The checked knowledge base as a dataset in the embedded store, with its entailments.

``load`` is what every reading command starts from: it checks (and refuses a knowledge base with
errors), moves IRIs to the configured base, fills the store and materialises the entailments.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .entailment import entail
from .errors import CheckFailed, FilmgraphError
from .loading import rebase
from .namespaces import graph_iri
from .project import Project
from .settings import Settings
from .store import Backend, EmbeddedStore
from .validation import CheckReport, Progress, check, dataset_quads


@dataclass
class Dataset:
    """A loaded knowledge base: the store, the check that admitted it and what was entailed."""

    store: EmbeddedStore
    report: CheckReport
    settings: Settings
    entailed: int

    @property
    def ontology_graph(self) -> str:
        return graph_iri("ontology", self.settings.base_iri)

    @property
    def entailed_graph(self) -> str:
        return graph_iri("entailed", self.settings.base_iri)


def load(*, settings: Settings = Settings(), progress: Progress | None = None) -> Dataset:
    """Check, load and entail the knowledge base of ``settings``.

    The store is in memory, or on disk at ``settings.store`` (its previous content replaced).
    Raises :class:`CheckFailed` with every problem when the check finds errors.
    """
    say = progress or (lambda _msg: None)
    report = check(settings=settings, progress=progress)
    if not report.ok:
        raise CheckFailed(report.problems)
    store = report.store
    if settings.store is not None or settings.base_iri != Settings().base_iri:
        say("loading the store")
        store = EmbeddedStore(path=settings.store)
        store.clear()
        for parsed in report.files:
            store.add(rebase(dataset_quads(parsed, report.project)[0], settings.base_iri))
    say("materialising entailments")
    ontology = graph_iri("ontology", settings.base_iri)
    entailed = entail(store, ontology_graph=ontology, entailed_graph=graph_iri("entailed", settings.base_iri))
    return Dataset(store, report, settings, entailed)


def cache_key(settings: Settings) -> str:
    """A digest of everything a loaded dataset depends on: filmgraph's version, the base IRI and
    the content of every file of the knowledge base (ontology, shapes, graph, source texts)."""
    project = Project.locate(settings.project)
    digest = hashlib.sha256(f"{__version__}\n{settings.base_iri}\n".encode())
    for folder in (project.root / "ontology", project.graph_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(project.root).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def _save_cache(store: EmbeddedStore, folder: Path, keep: int = 4) -> None:
    """Copy ``store`` into ``folder`` atomically; keep the ``keep`` newest entries. Best effort:
    a cache that cannot be written only costs time."""
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        disk = EmbeddedStore(path=tmp)
        disk.add(store.quads())
        disk.ox.flush()
        del disk
        tmp.rename(folder)
        entries = sorted((p for p in folder.parent.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def open_backend(settings: Settings = Settings(), *, progress: Progress | None = None) -> Backend:
    """The store that reading commands query, as ``settings`` say.

    With ``endpoint``: that remote store. With ``store`` naming a folder that holds a built
    store: that store, read-only, as last built (``filmgraph build --store DIR`` refreshes it).
    Otherwise the knowledge base, checked and entailed: from the cache when this exact version of
    it was loaded before, else loaded now (and cached). Raises :class:`CheckFailed` when the
    knowledge base has errors.
    """
    if settings.endpoint:
        from .remote import Endpoint, RemoteStore

        return RemoteStore(Endpoint.from_settings(settings))
    if settings.store is not None and settings.store.is_dir() and any(settings.store.iterdir()):
        return EmbeddedStore(path=settings.store, read_only=True)
    cache = settings.cache_path
    entry = cache / cache_key(settings) if cache else None
    if entry is not None and entry.is_dir():
        try:
            return EmbeddedStore(path=entry, read_only=True)
        except FilmgraphError:
            shutil.rmtree(entry, ignore_errors=True)
    store = load(settings=settings.with_(store=None), progress=progress).store
    if entry is not None:
        _save_cache(store, entry)
    return store


def store_folder(settings: Settings = Settings(), *, progress: Progress | None = None) -> tuple[Path, bool]:
    """A folder holding the dataset as an embedded store, for processes that open it read-only,
    and whether it is a temporary copy the caller must remove.

    ``settings.store`` when it holds a store; else the cache entry of this version of the
    knowledge base (loaded now if missing); else, with the cache off, a temporary copy. Raises
    :class:`CheckFailed` when the knowledge base has errors.
    """
    if settings.store is not None and settings.store.is_dir() and any(settings.store.iterdir()):
        return settings.store, False
    backend = open_backend(settings.with_(store=None), progress=progress)
    if backend.path is not None:
        return backend.path, False
    entry = settings.cache_path / cache_key(settings) if settings.cache_path else None
    if entry is not None and entry.is_dir():
        return entry, False
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="filmgraph-store-"))
    disk = EmbeddedStore(path=folder)
    disk.add(backend.quads())
    disk.ox.flush()
    del disk
    return folder, True
