"""The checked knowledge base as a dataset in the embedded store, with its entailments.

``load`` is what every reading command starts from: it checks (and refuses a knowledge base with
errors), moves IRIs to the configured base, fills the store and materialises the entailments.
"""
from __future__ import annotations

from dataclasses import dataclass

from .entailment import entail
from .errors import CheckFailed
from .loading import rebase
from .namespaces import graph_iri
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


def open_backend(settings: Settings = Settings(), *, progress: Progress | None = None) -> Backend:
    """The store that reading commands query, as ``settings`` say.

    With ``endpoint``: that remote store. With ``store`` naming a folder that holds a built
    store: that store, read-only, as last built (``filmgraph build --store DIR`` refreshes it).
    Otherwise the knowledge base is checked, loaded and entailed in memory.
    """
    if settings.endpoint:
        from .remote import Endpoint, RemoteStore

        return RemoteStore(Endpoint(settings.endpoint, settings.update_endpoint, settings.graph_store,
                                    float(settings.timeout_s), int(settings.retries), settings.endpoint_auth))
    if settings.store is not None and settings.store.is_dir() and any(settings.store.iterdir()):
        return EmbeddedStore(path=settings.store, read_only=True)
    return load(settings=settings.with_(store=None), progress=progress).store
