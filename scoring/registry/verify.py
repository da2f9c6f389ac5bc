"""Tamper evidence: is the registry what its own history says it is?

Three checks, each a coded problem (`registry_tampered`):
- every trigger that keeps history append-only is still there;
- the audit log's hash chain is unbroken (a row changed, inserted or deleted in the middle);
- the content of the registry's record tables equals the digest of the last checkpoint, written
  by the registry itself at the end of every run that changed something (an edit made with
  another tool between runs: a renamed holder, a silent revocation, a changed total, a fake
  certificate).
`record` writes the checkpoints; `scoring.jobs.publish` refuses to publish when `verify` fails.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from ..errors import Problem
from .db import audit_hash

__all__ = ["verify", "content_digest", "last_checkpoint", "RegistryTampered", "TRIGGERS", "RECORD_TABLES"]


class RegistryTampered(RuntimeError):
    """The registry fails `verify`: nothing is recorded or published until it is restored."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(p.message for p in problems) + "。请从 backups/ 中的备份恢复登记库（scoring registry verify 可复查）")


TRIGGERS = (
    "certificates_keep", "certificates_numbers", "certificates_particulars", "certificates_ended_once", "results_keep",
    "results_frozen", "results_superseded_once", "notices_keep", "notices_frozen", "audit_append_only", "audit_keep",
    "actions_keep", "actions_frozen", "org_details_keep", "org_details_frozen", "draws_keep", "draws_frozen",
    "organisations_keep", "rounds_keep",
)  # fmt: skip
# the tables whose rows are the record (qr_cache and meta are derived or bookkeeping)
RECORD_TABLES = ("organisations", "org_details", "rounds", "results", "certificates", "actions", "notices", "draws")


def content_digest(con: sqlite3.Connection) -> str:
    h = hashlib.sha256()
    for table in RECORD_TABLES:
        h.update(table.encode())
        for row in con.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            h.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
    return h.hexdigest()


def last_checkpoint(con: sqlite3.Connection) -> str | None:
    row = con.execute("SELECT detail FROM audit WHERE entity='registry' AND change='checkpoint' ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0])["digest"] if row else None


def verify(con: sqlite3.Connection, where: str = "登记库") -> list[Problem]:
    problems = []

    def bad(detail: str) -> None:
        problems.append(Problem.of("registry_tampered", where, detail=detail))

    present = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    missing = [t for t in TRIGGERS if t not in present]
    if missing:
        bad(f"保护历史记录的触发器被删除：{'、'.join(missing)}")
    previous = None
    for row in con.execute("SELECT id, at, today, entity, entity_id, change, detail, source_file, source_hash, hash FROM audit ORDER BY id"):
        if row["hash"] is None:  # rows written before the chain existed (migration 005)
            if previous is not None:
                bad(f"审计日志第 {row['id']} 条缺少校验值")
                break
            continue
        if row["hash"] != audit_hash(previous, tuple(row)[1:9]):
            bad(f"审计日志自第 {row['id']} 条起被改动（校验链断开）")
            break
        previous = row["hash"]
    checkpoint = last_checkpoint(con)
    if checkpoint is not None and checkpoint != content_digest(con):
        bad("登记内容与最近一次由本系统写入时的校验值不符：有人绕过本系统直接修改了数据库（如改名、撤销、改分数或伪造证书）")
    return problems
