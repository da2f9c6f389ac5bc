"""The registry database: connection, numbered migrations, the single-writer lock, the audit log."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from ..files import LockUnusable, exclusive_lock

__all__ = ["open_registry", "RegistryBusy", "RegistryDateError", "audit_hash", "migrate", "audit", "MIGRATIONS"]

MIGRATIONS = Path(__file__).parent / "migrations"


class RegistryBusy(RuntimeError):
    """Another process is writing the registry."""


class RegistryDateError(RuntimeError):
    """A run dated before the registry's latest run (D23: the registry's date never moves backwards)."""


def migrate(con: sqlite3.Connection) -> list[str]:
    """Apply the numbered migrations the database has not recorded yet; return their names."""
    con.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = {v for (v,) in con.execute("SELECT version FROM migrations")}
    applied = []
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:3])
        if version in done:
            continue
        try:  # one transaction per migration: a failed one leaves the database as it was
            con.executescript(
                "BEGIN;" + path.read_text(encoding="utf-8") + f";INSERT INTO migrations VALUES ({version}, '{path.stem}', '{_now()}');COMMIT;"
            )
        except sqlite3.Error:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        applied.append(path.stem)
    return applied


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, timeout=0.5)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    return con


def _read_only(path: Path) -> sqlite3.Connection:
    """A reader's connection. A copy on a read-only disk (an auditor's medium, a read-only mount)
    cannot have the shared-memory file SQLite keeps beside it: it is read as immutable there (no
    one can write to it)."""
    try:
        return connect(path)
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK) or not path.is_file():
            raise
    con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys = ON")
    return con


@contextmanager
def open_registry(path: str | Path, write: bool = True):
    """Open (creating and migrating) the registry. A writer holds an exclusive lock file beside it
    (`<registry>.lock`, with the writer's pid); a second writer is refused at once with RegistryBusy
    rather than waiting or interleaving."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as held:
        if write:
            busy = partial(RegistryBusy, f"登记库 {path} 正由另一个进程更新（如夜间发布），请稍后再试")
            try:
                lock = held.enter_context(exclusive_lock(Path(f"{path}.lock"), busy))
            except LockUnusable as exc:  # e.g. a folder of that name: no writer can be kept out
                raise RegistryBusy(f"{exc}，登记库未打开") from None
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
        con = connect(path) if write else _read_only(path)
        try:
            if write:
                migrate(con)
            yield con
        finally:
            con.close()


def audit_hash(previous: str | None, row: tuple) -> str:
    """The chain: each audit row's hash covers the previous row's hash and its own columns."""
    return hashlib.sha256(((previous or "") + json.dumps(row, ensure_ascii=False)).encode()).hexdigest()


def audit(con: sqlite3.Connection, today, entity: str, entity_id, change: str, detail=None, source_file=None, source_hash=None) -> None:
    row = (
        _now(),
        str(today),
        entity,
        str(entity_id),
        change,
        None if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
        source_file,
        source_hash,
    )
    last = con.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    con.execute(
        "INSERT INTO audit (at, today, entity, entity_id, change, detail, source_file, source_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (*row, audit_hash(last[0] if last else None, row)),
    )
