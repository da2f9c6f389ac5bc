"""The registry's bookkeeping outside the record: the workbooks' file stats, the QR-code cache and
dated backups. None of it is part of the record or its checkpoint."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

__all__ = ["known_hashes", "save_hashes", "cached_qr_codes", "cache_qr_codes", "backup_registry"]


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


def backup_registry(db: Path, folder: Path, today: date, keep: int) -> Path | None:
    """A consistent dated copy (SQLite's online backup) in `folder`, keeping the newest `keep`."""
    if not db.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db.stem}-{today.isoformat()}.sqlite"
    tmp = target.with_suffix(".partial")
    src, dst = sqlite3.connect(db), sqlite3.connect(tmp)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    tmp.replace(target)
    for old in sorted(folder.glob(f"{db.stem}-*.sqlite"))[:-keep]:
        old.unlink()
    return target
