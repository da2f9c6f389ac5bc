"""Two file operations every writer shares: a write that is never seen half done, and a lock that
refuses a second holder at once.

`write_atomic` writes to a temporary name beside the file and renames it over the file: a kill
leaves the old file or the new one, never a part. `exclusive_lock` holds an exclusive `flock` on a
lock file for the length of a `with` block; when another process holds it, the caller's own
exception is raised at once (no waiting, no interleaving).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["write_atomic", "exclusive_lock"]


def write_atomic(path: Path, data: str | bytes) -> None:
    """`data` (text as UTF-8) into `path` through a temporary name beside it (`.<name>.<pid>.tmp`),
    synced to disk before the rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def exclusive_lock(path: Path, busy: Callable[[], Exception]) -> Iterator[IO[str]]:
    """The lock file `path` (created when missing) held exclusively for the block; the open file is
    yielded (a holder may write its pid into it). Held by another process: `busy()` is raised."""
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy() from None
        try:
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()
