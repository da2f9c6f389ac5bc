"""Two file operations every writer shares: a write that is never seen half done, and a lock that
refuses a second holder at once.

`write_atomic` writes to a temporary name beside the file and renames it over the file: a kill
leaves the old file or the new one, never a part. `exclusive_lock` holds an exclusive `flock` on a
lock file for the length of a `with` block; when another process holds it, the caller's own
exception is raised at once (no waiting, no interleaving).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["write_atomic", "exclusive_lock", "LockUnusable", "os_reason", "copy_tree"]


def write_atomic(path: Path, data: str | bytes) -> None:
    """`data` (text as UTF-8) into `path` through a temporary name beside it (`.<name>.<pid>.tmp`),
    synced to disk before the rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_REASONS = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "所在磁盘只读",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOENT: "不存在",
    errno.EISDIR: "是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一项不是目录",
    errno.EEXIST: "已存在",
    errno.EINVAL: "无法写入此类文件",
    errno.EBADF: "无法写入此类文件",
    errno.EIO: "读写出错",
}


def copy_tree(src: Path, dst: Path, dirs_exist_ok: bool = False) -> None:
    """`shutil.copytree`, a failure raised as the first OSError itself (copytree gathers them into
    one shutil.Error of English text, its errno lost: a full disk could not be said as such)."""
    import shutil

    failed: list[OSError] = []

    def copy(s: str, d: str) -> object:
        try:
            return shutil.copy2(s, d)
        except OSError as exc:
            failed.append(exc)
            raise

    try:
        shutil.copytree(src, dst, copy_function=copy, dirs_exist_ok=dirs_exist_ok)
    except shutil.Error:
        if failed:
            raise failed[0] from None
        raise


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own words for a rare case)."""
    return _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


class LockUnusable(Exception):
    """The lock file cannot be opened; the message names it and says why, in Chinese."""


@contextmanager
def exclusive_lock(path: Path, busy: Callable[[], Exception]) -> Iterator[IO[str]]:
    """The lock file `path` (created when missing) held exclusively for the block; the open file is
    yielded (a holder may write its pid into it). Held by another process: `busy()` is raised;
    the file cannot be opened: LockUnusable."""
    try:
        fh = open(path, "a+")  # not inherited by a program started (Python opens files close-on-exec)
    except OSError as exc:  # a folder of that name, a read-only or full disk …
        raise LockUnusable(f"无法使用锁文件 {path}：{os_reason(exc)}") from exc
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy() from None
        _held.add(fh.fileno())
        try:
            yield fh
        finally:
            _held.discard(fh.fileno())
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()


# the descriptors of the locks this process holds. A flock belongs to the open file, which a forked
# child (a worker process) shares: a worker left running by a killed parent would hold the lock and
# refuse every later run. Each forked child drops its copies at once (the parent's lock stays).
_held: set[int] = set()


def _drop_locks_in_child() -> None:
    if not _held:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    for fd in _held:
        os.dup2(null, fd, inheritable=False)  # the number stays valid, the lock's file is let go
    os.close(null)
    _held.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)
