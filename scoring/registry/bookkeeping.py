"""The registry's bookkeeping outside the record: the workbooks' file stats, the QR-code cache and
dated backups. None of it is part of the record or its checkpoint."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from ..files import os_reason

__all__ = ["known_hashes", "save_hashes", "cached_qr_codes", "cache_qr_codes", "backup_registry", "BackupFailed", "registry_identity"]


def known_hashes(con: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """The workbooks' hashes as the last run took them: path -> (stat, SHA-256)."""
    return {path: (stat, sha) for path, stat, sha in con.execute("SELECT path, stat, sha256 FROM file_stats")}


def save_hashes(con: sqlite3.Connection, hashes: dict[str, tuple[str, str]], known: dict[str, tuple[str, str]]) -> None:
    """Tonight's hashes for the next run, when they differ from what it had. One transaction: the
    connection commits each statement otherwise."""
    if hashes == known:
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("DELETE FROM file_stats")
        con.executemany("INSERT INTO file_stats VALUES (?, ?, ?)", [(p, stat, sha) for p, (stat, sha) in sorted(hashes.items())])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def cached_qr_codes(con: sqlite3.Connection) -> dict[str, str]:
    """url -> the QR code (SVG) drawn for it on an earlier night."""
    return dict(con.execute("SELECT url, svg FROM qr_cache").fetchall())


def cache_qr_codes(con: sqlite3.Connection, made: dict[str, str]) -> None:
    """Keep tonight's new QR codes (url -> SVG) for the next nights."""
    if not made:
        return
    con.execute("BEGIN IMMEDIATE")  # one transaction: the connection commits each statement otherwise
    try:
        con.executemany("INSERT INTO qr_cache VALUES (?, ?)", list(made.items()))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def registry_identity(con: sqlite3.Connection) -> str | None:
    """What tells one registry from another and is kept by its copies and backups: the hash of its
    first audit row (None before anything is recorded)."""
    row = con.execute("SELECT hash FROM audit ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else None


class BackupFailed(Exception):
    """The dated copy could not be written (a full, read-only or missing backups folder); the message
    says why, in Chinese."""


def backup_registry(db: Path, folder: Path, today: date, keep: int) -> Path | None:
    """A consistent dated copy (SQLite's online backup) in `folder`, keeping the newest `keep`.
    None when there is no registry yet, or when it was already brought up to a day after `today`:
    that run is refused (D23) and the copy named after `today` — that night's own — is left as it
    is. An unreadable registry raises its sqlite3.Error; a copy that cannot be written,
    BackupFailed (what it had written removed)."""
    if not db.exists():
        return None
    src = sqlite3.connect(db)
    try:
        if (_latest_run(src) or "") > today.isoformat():
            return None
        target = folder / f"{db.stem}-{today.isoformat()}.sqlite"
        tmp = target.with_suffix(".partial")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)  # a copy cut short (a kill, a full disk) is never the start of this one
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
            tmp.replace(target)
            for old in sorted(folder.glob(f"{db.stem}-*.sqlite"))[:-keep]:
                old.unlink()
        except sqlite3.DatabaseError as exc:
            _remove(tmp)
            if any(word in str(exc).lower() for word in ("malformed", "not a database", "corrupt")):
                raise  # the registry's own pages: said as the registry's failure
            why = "磁盘已满" if "full" in str(exc).lower() else str(exc)
            raise BackupFailed(f"无法写入登记库备份 {target}：{why}") from exc
        except OSError as exc:
            _remove(tmp)
            why = "不是目录" if isinstance(exc, (FileExistsError, NotADirectoryError)) else os_reason(exc)
            raise BackupFailed(f"无法写入登记库备份 {exc.filename or target}：{why}") from exc
    finally:
        src.close()
    return target


def _latest_run(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key='latest_run'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a registry from before the day was kept (migrated when opened)
            return None
        raise
    return row[0] if row else None


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
