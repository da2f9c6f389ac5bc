"""Reading the folder's small text files safely: never block on a pipe, never swallow a huge file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

__all__ = ["InputFileError", "read_small_file", "MAX_TEXT_BYTES", "workbook_kind", "shown_name", "walk", "MAX_FOLDER_DEPTH"]

OTHER_SPREADSHEETS = {".xls", ".et", ".ett", ".xlsm", ".xlsb", ".ods", ".csv", ".wps"}


# the workbooks folder's own files that are not assessment workbooks (read by their own readers)
OUR_OWN_FILES = {"applications.csv", "actions.csv", "actions.xlsx"}


def workbook_kind(name: str) -> str | None:
    """ "xlsx" for a workbook we read (any case of .xlsx), "other" for a spreadsheet we cannot read
    (reported, not skipped silently), None for anything else (Excel's ~$ lock files included)."""
    if name.startswith("~$") or name.lower() in OUR_OWN_FILES:
        return None
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".xlsx":
        return "xlsx"
    return "other" if suffix in OTHER_SPREADSHEETS else None


def shown_name(text: str) -> str:
    """A file name as it may appear in a one-line report: control characters made visible."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


MAX_TEXT_BYTES = 5 * 1024 * 1024  # round.toml, actions.csv and calendar.toml are a few KB in real use


class InputFileError(ValueError):
    """The file cannot be read as a small text file (the message is Chinese, for the report)."""


def read_small_file(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The file's bytes; refuses pipes, devices and folders (which could block or mislead) and
    files over `limit` without reading them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO never waits for a writer
    except OSError as exc:
        raise InputFileError(f"{path.name} 无法打开（{exc.strerror or exc}）") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputFileError(f"{path.name} 不是普通文件（可能是管道、设备或目录），未读取")
        if st.st_size > limit:
            raise InputFileError(f"{path.name} 有 {st.st_size // 1024} KB，超过 {limit // 1024} KB 的上限，未读取")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise InputFileError(f"{path.name} 超过 {limit // 1024} KB 的上限，未读取")
        return data
    except OSError as exc:
        raise InputFileError(f"{path.name} 无法读取（{exc.strerror or exc}）") from None
    finally:
        os.close(fd)


MAX_FOLDER_DEPTH = 32  # folders below a walked one; deeper ones are not looked into


def walk(top: Path | str, followlinks: bool = False, max_depth: int = MAX_FOLDER_DEPTH) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top, followlinks=followlinks)` top-down, names sorted, without recursion and at
    most `max_depth` folders deep: os.walk recursed into each folder, and a chain of 1,500 nested
    folders raised RecursionError. As with os.walk, links to folders are among the folder names
    (entered only with `followlinks`) and the caller may prune the names it is given."""
    stack = [(os.fspath(top), 0)]
    while stack:
        path, depth = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        dirs: list[str] = []
        files: list[str] = []
        links: set[str] = set()
        for e in entries:
            try:
                is_dir = e.is_dir()
                if is_dir and e.is_symlink():
                    links.add(e.name)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(e.name)
        yield path, dirs, files
        if depth < max_depth:
            stack.extend((os.path.join(path, d), depth + 1) for d in reversed(dirs) if followlinks or d not in links)
