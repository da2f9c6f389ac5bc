"""Worker processes that never outlive the run, and SIGTERM as a clean stop.

`worker_pool` is the one way the package starts a pool of processes (reading workbooks, drawing QR
codes, making PDFs). Its workers die with the process that started them (Linux: the kernel sends
them SIGKILL when it goes, however it goes), ignore the terminal's Ctrl+C (the parent stops them),
and hold none of its locks (`files.exclusive_lock` drops them in every forked child). When the
block is left by an exception (a failure, Ctrl+C, SIGTERM) the workers are killed at once instead
of being waited for through the rest of their queue.

`stop_on_sigterm` turns SIGTERM (cron's or systemd's stop, `kill PID`) into `Terminated`, raised in
the main thread like Ctrl+C's KeyboardInterrupt: every `finally` runs (work folders removed, pools
stopped, locks released, the registry's transaction rolled back) and the job says it was stopped.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["Terminated", "worker_pool", "stop_on_sigterm", "not_stopped"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Terminated(BaseException):
    """The run was asked to stop (SIGTERM). A BaseException, like KeyboardInterrupt: no
    `except Exception` on the way (a stage reported and the run carried on) swallows it."""


@contextmanager
def worker_pool(workers: int | None = None) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process; killed, not waited for, when the block
    is left by an exception."""
    pool = ProcessPoolExecutor(workers, initializer=_worker_start)
    try:
        yield pool
    except BaseException:
        _kill(pool)
        raise
    pool.shutdown(wait=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())  # the pool has no public way to kill its workers before Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.kill()
    for proc in processes:
        proc.join(5)


def _worker_start() -> None:
    """In each worker, first thing: die with the parent; SIGTERM kills (the parent's handler is
    not inherited); Ctrl+C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the worker still holds no lock
            return
        parent = multiprocessing.parent_process()
        if parent is not None and not parent.is_alive():  # the parent went before prctl took hold
            os._exit(1)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block SIGTERM raises `Terminated` in the main thread (once: a second SIGTERM
    during the clean-up kills as before). Elsewhere than in the main thread: nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        if _held_off:  # inside not_stopped(): the step finishes, the run ends as it would have
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_held_off: list[bool] = []


@contextmanager
def not_stopped() -> Iterator[None]:
    """A step a stop must not cut in the middle (the swap and the files that describe it): a
    SIGTERM meanwhile is ignored, the step and what follows it complete."""
    _held_off.append(True)
    try:
        yield
    finally:
        _held_off.pop()
