"""Atomic replacement of an output folder: readers see the old folder or the new one, never a mix.

A build writes into a hidden sibling folder, then swaps it in with two renames. Whatever fails or
is interrupted before the swap leaves the previous output untouched; a crash between the two
renames is repaired by the next run (the old folder is put back).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from .errors import OutputError, display_path


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file at ``path`` as hex, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _siblings(out: Path, kind: str) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.{kind}-*"))


def _recover(out: Path) -> None:
    for stale in _siblings(out, "tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    olds = _siblings(out, "old")
    if olds and not out.exists():
        olds[-1].rename(out)
        olds = olds[:-1]
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def replace_dir(out: str | Path, *, marker: str) -> Iterator[Path]:
    """Yield an empty folder to write into; on normal exit it replaces ``out`` in one swap.

    ``marker`` names a file that every output of this kind holds: an existing non-empty ``out``
    without it is refused (it is not ours to replace). Raises :class:`OutputError` on refusal or
    when the folder cannot be written.
    """
    out = Path(out).absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _recover(out)
        if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / marker).exists())):
            raise OutputError(
                f"{display_path(out)} exists and was not written by filmgraph (it has no {marker}) — "
                "choose another --out folder, or move its contents away; nothing was written"
            )
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        tmp.mkdir()
    except OSError as e:
        raise OutputError(f"{display_path(out)}: cannot write the output ({e.strerror}) — "
                          "check that the folder is writable; nothing was changed") from None
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        yield tmp
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise OutputError(f"{display_path(out)}: writing the output failed ({e.strerror}) — "
                          "the previous output is unchanged; free space or fix permissions and retry") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def replace_file(path: str | Path, *, what: str = "the file") -> Iterator:
    """Yield a binary file to write; on normal exit it replaces ``path`` in one rename (a temporary
    file in the same folder, synced first), so readers see the old file or the new one, never half
    of one. The folder is created when missing. On any failure the temporary file is removed and
    ``path`` is left as it was; an OSError becomes :class:`OutputError` naming ``what``."""
    out = Path(path)
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, out)
        tmp = None
    except OSError as e:
        raise OutputError(f"{display_path(out)}: cannot write {what} ({e.strerror or e}) — check that the "
                          "folder is writable; the previous file is unchanged") from None
    finally:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
