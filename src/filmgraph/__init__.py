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
from .validation import CheckReport, check  # noqa: E402
from .dataset import Dataset, load  # noqa: E402
from .builder import BuildReport, build  # noqa: E402
from .summary import Stats, stats  # noqa: E402


__all__ = ["BuildReport", "CheckFailed", "CheckReport", "Dataset", "FilmgraphError", "OutputError",
           "Problem", "Settings", "Stats", "UsageError", "build", "check", "load", "stats"]
