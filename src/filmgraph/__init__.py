"""filmgraph: a knowledge graph of international film cooperation.

The Python API is the product; the ``filmgraph`` command is a thin layer over it::

    >>> import filmgraph
    >>> report = filmgraph.check()
    >>> report.ok
    True
"""
__version__ = "0.1.0"

from .errors import CheckFailed, FilmgraphError, OutputError, Problem, UsageError  # noqa: E402
from .settings import Settings  # noqa: E402


def __getattr__(name):
    # The heavy parts load on first use, so `filmgraph --help` stays fast.
    if name == "check":
        from .validation import check
        return check
    if name == "load":
        from .dataset import load
        return load
    if name == "build":
        from .build import build
        return build
    if name == "stats":
        from .stats import stats
        return stats
    raise AttributeError(name)


__all__ = ["CheckFailed", "FilmgraphError", "OutputError", "Problem", "Settings", "UsageError",
           "build", "check", "load", "stats"]
