"""Record a night's inputs in the registry: rounds, results, dated events, notices, draws.

The registry receives plain data — the collected inputs (`scoring.inputs`: rounds, actions,
workbook files and their hashes) and the results of the workbooks the pipeline read — and never
opens a workbook itself. One transaction per call: a kill at any point leaves the database as it
was before. Same inputs and day twice: no new rows. The order of work:

1. each round: its settings, then its results — a changed result replaces the old one only while
   the round's 公示 is open;
2. dated events in date order: certificate/filing issuance on each round's 公告 date, and the
   actions of actions.csv (年度检查, 降级, 撤销, 变更, 注销);
3. notices (公示, 公告, 补充公告, action notices, 作废公告) and the quarterly 抽查 draw.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..errors import ACTION_CODES, FOLDER_CODES, REFUSAL_CODES, ROUND_CODES, WARNING_CODES, Problem
from ..inputs import Action, Inputs, RoundInputs, RoundSpec, WorkbookFile
from ..inputs.actions import CHANGE_FIELDS, change_pairs
from ..result import Result
from ..rubric import CertificateRules, load_rubric
from .certificates import add_years, certificate_expiry, current_certificate, end, issue, status_on
from .db import RegistryDateError, audit
from .verify import RegistryTampered, content_digest, last_checkpoint, verify

__all__ = ["Report", "record", "unread_files", "draw_sample"]


@dataclass
class Report:
    """What a night changed (one line each) and every problem found, as coded Problems."""

    today: date
    rounds: list[str] = field(default_factory=list)
    new_results: list[str] = field(default_factory=list)
    replaced_results: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    draws: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_results or self.replaced_results or self.notices or self.certificates or self.actions or self.draws)

    @property
    def round_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.code in ROUND_CODES]

    @property
    def action_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.code in ACTION_CODES]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.code in WARNING_CODES]

    @property
    def refused(self) -> list[Problem]:
        return [p for p in self.problems if p.code in REFUSAL_CODES]

    @property
    def workbook_problems(self) -> dict[str, list[Problem]]:
        """Problems of single workbooks, by file (relative to the workbooks folder)."""
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            if p.code not in FOLDER_CODES:
                out.setdefault(p.file, []).append(p)
        return out


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _day(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def unread_files(con: sqlite3.Connection, inputs: Inputs) -> list[WorkbookFile]:
    """The workbooks whose content is not yet recorded as their round's current result: only these
    are read and scored (unchanged files are never read again)."""
    known: dict[tuple[str, str], set[str]] = {}
    for row in con.execute("""SELECT rd.scheme, rd.key, r.file_hash FROM results r JOIN rounds rd ON rd.id = r.round_id
                              WHERE r.superseded_on IS NULL"""):
        known.setdefault((row["scheme"], row["key"]), set()).add(row["file_hash"])
    return [f for s in inputs.schemes for rnd in s.rounds for f in rnd.files if f.sha256 not in known.get((s.scheme, rnd.spec.key), set())]


def record(con: sqlite3.Connection, inputs: Inputs, results: dict[str, Result], today: date) -> Report:
    """Bring the registry up to date with the collected inputs and the new results (by file `rel`).
    A registry that fails `verify` is never written to (its tampering would be checkpointed)."""
    tampered = verify(con)
    if tampered:
        raise RegistryTampered(tampered)
    last = latest_run(con)
    if last and today.isoformat() < last:  # D23: it would reopen closed 公示 periods
        raise RegistryDateError(
            f"登记库已按 {last} 处理过，不能再按更早的日期 {today} 处理（会重新打开已结束的公示，见 D23）；请使用 --today {last} 或之后的日期"
        )
    rep = Report(today, problems=list(inputs.problems))
    con.execute("BEGIN IMMEDIATE")
    changes = con.total_changes
    try:
        for s in inputs.schemes:
            rubric = load_rubric(s.scheme)
            for rnd in s.rounds:
                round_id, first_seen = _upsert_round(con, rnd.spec, today, rep)
                rep.rounds.append(f"{s.scheme}/{rnd.spec.key}")
                _record_results(con, rnd, round_id, today, s.actions, results, rep, first_seen)
            _run_events(con, s.scheme, s.actions, today, rep)
            _round_notices(con, s.scheme, today, rep)
            _void_notices(con, s.scheme, today, rep)
            if rubric.lifecycle.spot_check_percent:
                _draws(con, s.scheme, int(rubric.lifecycle.spot_check_percent), today, rep)
        _name_warnings(con, today, rep)
        # what the registry itself wrote, for `verify` to compare against; a run that changed no row
        # leaves the verified content, and its checkpoint, as they were
        checkpoint = last_checkpoint(con)
        if con.total_changes != changes or checkpoint is None:
            digest = content_digest(con)
            if digest != checkpoint:
                audit(con, today, "registry", "-", "checkpoint", {"digest": digest})
        con.execute(
            "INSERT INTO meta VALUES ('latest_run', ?) ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)", (today.isoformat(),)
        )
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:  # a full disk may already have ended it; never hide the real error
            con.execute("ROLLBACK")
        raise
    return rep


def _name_warnings(con: sqlite3.Connection, today: date, rep: Report) -> None:
    """D24: tonight's results whose credit code another scheme's current result carries under
    another name: a warning on both files (recorded as usual; a name change is legitimate)."""
    pairs = con.execute(
        """SELECT a.file AS file, ra.scheme AS scheme, a.org_name AS org_name, a.credit_code AS credit_code,
                  b.file AS other, rb.scheme AS other_scheme, b.org_name AS other_name
           FROM results a JOIN rounds ra ON ra.id = a.round_id
           JOIN results b ON b.credit_code = a.credit_code AND b.superseded_on IS NULL AND b.org_name <> a.org_name
           JOIN rounds rb ON rb.id = b.round_id AND rb.scheme <> ra.scheme
           WHERE a.recorded_on = ? AND a.superseded_on IS NULL ORDER BY a.file, b.file""",
        (today.isoformat(),),
    ).fetchall()
    said = set()
    for p in pairs:
        sides = ((p["file"], p["scheme"], p["org_name"]), (p["other"], p["other_scheme"], p["other_name"]))
        for (file, scheme, name), (other, other_scheme, other_name) in (sides, sides[::-1]):
            if (file, other) in said:
                continue
            said.add((file, other))
            rep.problems.append(
                Problem.of(
                    "name_twice",
                    file,
                    credit_code=p["credit_code"],
                    scheme=load_rubric(scheme).short_title,
                    org_name=name,
                    other_scheme=load_rubric(other_scheme).short_title,
                    other=other,
                    other_name=other_name,
                )
            )


def latest_run(con: sqlite3.Connection) -> str | None:
    """The latest --today the registry was brought up to (D23: runs never go back before it)."""
    row = con.execute("SELECT value FROM meta WHERE key='latest_run'").fetchone()
    return row[0] if row else None


# --- rounds ---------------------------------------------------------------------------------------


def _upsert_round(con: sqlite3.Connection, spec: RoundSpec, today: date, rep: Report) -> tuple[int, bool]:
    row = con.execute("SELECT * FROM rounds WHERE scheme=? AND key=?", (spec.scheme, spec.key)).fetchone()
    values = dict(
        title=spec.title,
        notice_date=_iso(spec.notice_date),
        issue_date=_iso(spec.issue_date),
        period_days=spec.period_days,
        period_start=_iso(spec.period_start),
        period_end=_iso(spec.period_end),
        announce_date=_iso(spec.announce_date),
        withheld=json.dumps(list(spec.withheld)),
        source_hash=spec.source_hash,
    )
    source = str(spec.folder / "round.toml")
    if row is None:
        cur = con.execute(
            f"INSERT INTO rounds (scheme, key, {', '.join(values)}) VALUES (?, ?, {', '.join('?' * len(values))})",
            (spec.scheme, spec.key, *values.values()),
        )
        audit(con, today, "round", f"{spec.scheme}/{spec.key}", "created", values, source, spec.source_hash)
        return int(cur.lastrowid or 0), True
    if row["source_hash"] != spec.source_hash:
        if today >= date.fromisoformat(row["notice_date"]):
            frozen = ("title", "notice_date", "issue_date")
            changed = [k for k in frozen if row[k] != values[k]]
            if changed:
                rep.problems.append(
                    Problem.of("round_frozen", source, round=f"{spec.scheme}/{spec.key}", date=row["notice_date"], fields="、".join(changed))
                )
            values = {"withheld": values["withheld"], "source_hash": spec.source_hash}
        con.execute(f"UPDATE rounds SET {', '.join(f'{k}=?' for k in values)} WHERE id=?", (*values.values(), row["id"]))
        audit(con, today, "round", f"{spec.scheme}/{spec.key}", "updated", values, source, spec.source_hash)
    return row["id"], False


def _round_open(rnd, today: date) -> bool:
    """While a result may still be replaced: during 公示, or before publication where there is none."""
    if rnd["period_end"]:
        return today <= date.fromisoformat(rnd["period_end"])
    return today < date.fromisoformat(rnd["notice_date"])


# --- results --------------------------------------------------------------------------------------


def _record_results(
    con: sqlite3.Connection,
    rnd_in: RoundInputs,
    round_id: int,
    today: date,
    actions: list[Action],
    results: dict[str, Result],
    rep: Report,
    first_seen: bool,
) -> None:
    spec = rnd_in.spec
    rnd = con.execute("SELECT * FROM rounds WHERE id=?", (round_id,)).fetchone()
    active = {r["credit_code"]: r for r in con.execute("SELECT * FROM results WHERE round_id=? AND superseded_on IS NULL", (round_id,))}
    new = [(f, results[f.rel]) for f in rnd_in.files if f.rel in results]
    if not new:
        return
    current = {f.rel: f.sha256 for f in rnd_in.files}
    bar_years = load_rubric(spec.scheme).lifecycle.revocation_bar_years
    revoked = _revocations(con, actions, today) if bar_years else []
    copies = _copies(new, active, current)
    for f, res in new:
        rel = f.rel
        if res.status == "invalid":
            rep.problems += [dataclasses.replace(p, file=rel) for p in res.errors]
            continue
        code = res.credit_code
        if len(copies[code]) > 1:  # D24: none is recorded until one remains
            others = "、".join(x for x in copies[code] if x != rel)
            rep.problems.append(Problem.of("duplicate_workbook", rel, other=others, credit_code=code))
            continue
        if bar_years:
            _revocation_bar(spec, res, revoked, int(bar_years))
        old = active.get(code)
        if not _round_open(rnd, today) and (old is not None or not first_seen):
            when = rnd["period_end"] or rnd["notice_date"]
            closed = f"{'公示期已于 ' + when + ' 结束' if rnd['period_end'] else '结果已于 ' + when + ' 公布'}"
            if old is not None:
                rep.problems.append(Problem.of("result_final", rel, detail="本批次" + closed, org_name=res.org_name))
            else:  # D23: never a certificate for a result nobody could object to
                rep.problems.append(Problem.of("result_late", rel, detail=closed, org_name=res.org_name))
            continue
        if old is not None:
            con.execute("UPDATE results SET superseded_on=? WHERE id=?", (today.isoformat(), old["id"]))
            audit(con, today, "result", old["id"], "superseded", {"by_file": rel}, rel, f.sha256)
        _ensure_org(con, code, res.org_name, res.address, res.particulars.get("legal_rep"), today, rel)
        cur = con.execute(
            """INSERT INTO results (round_id, credit_code, org_name, file, file_hash, status, total, grade, veto, result_json, recorded_on)
               VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (
                round_id,
                code,
                res.org_name,
                rel,
                f.sha256,
                res.status,
                None if res.total is None else round(res.total * 100),
                res.grade,
                int(res.veto),
                json.dumps(
                    {**res.as_json(), "file": rel, "address": res.address, "tables": res.tables, "entries": res.entries, "notes": res.notes},
                    ensure_ascii=False,
                    sort_keys=True,
                ),
                today.isoformat(),
            ),
        )
        active[code] = con.execute("SELECT * FROM results WHERE id=?", (cur.lastrowid,)).fetchone()
        (rep.replaced_results if old is not None else rep.new_results).append(f"{spec.scheme}/{spec.key}: {res.org_name}（{res.status}）")
        audit(con, today, "result", cur.lastrowid, "recorded", {"status": res.status, "total": res.total, "grade": res.grade}, rel, f.sha256)


def _copies(new: list[tuple[WorkbookFile, Result]], active: dict, current: dict[str, str]) -> dict[str | None, list[str]]:
    """credit code -> every file of the round that carries it: the new ones read tonight and the
    recorded one while its file is still there unchanged."""
    out: dict[str | None, list[str]] = {}
    for f, res in new:
        if res.status != "invalid":
            out.setdefault(res.credit_code, []).append(f.rel)
    for code, files in out.items():
        old = active.get(code)
        if old is not None and old["file"] not in files and current.get(old["file"]) == old["file_hash"]:
            files.insert(0, old["file"])
    return out


def _revocations(con: sqlite3.Connection, actions: list[Action], today: date) -> list[Action]:
    """The 撤销 rows that took effect: recorded, or due tonight on a certificate valid on their date
    (and not ended since). A row refused for want of a grade to revoke bars no application."""
    recorded = {h for (h,) in con.execute("SELECT row_hash FROM actions WHERE action='撤销'")}
    out = []
    for a in actions:
        if a.action != "撤销":
            continue
        cert = None if a.row_hash in recorded or a.date > today else current_certificate(con, a.scheme, a.credit_code, a.date)
        if a.row_hash in recorded or (cert is not None and cert["ended_on"] is None):
            out.append(a)
    return out


def _revocation_bar(spec: RoundSpec, res: Result, actions: list[Action], years: int) -> None:
    """第十六条: an organisation whose grade was revoked is not accepted for one year."""
    applied = res.application_date or spec.notice_date
    for a in actions:
        if a.action == "撤销" and a.credit_code == res.credit_code:
            until = add_years(a.date, years)
            if a.date <= applied < until:
                res.make_ineligible(
                    f"不符合申请条件：评估等级已于 {a.date} 被取消（{a.document_no or '撤销决定'}），{until} 前不再接受其能力评估申请（第十六条）"
                )
                return


def _ensure_org(con: sqlite3.Connection, code: str | None, name: str | None, address, legal_rep, today: date, source: str) -> None:
    if con.execute("SELECT 1 FROM organisations WHERE credit_code=?", (code,)).fetchone() is None:
        con.execute("INSERT INTO organisations VALUES (?, ?)", (code, today.isoformat()))
        audit(con, today, "organisation", code, "created", {"name": name}, source)
    last = con.execute("SELECT * FROM org_details WHERE credit_code=? ORDER BY id DESC LIMIT 1", (code,)).fetchone()
    if last is None or (last["name"], last["address"]) != (name, address):
        con.execute(
            "INSERT INTO org_details (credit_code, name, address, legal_rep, valid_from, source) VALUES (?,?,?,?,?,?)",
            (code, name, address, legal_rep, today.isoformat(), source),
        )
        audit(con, today, "organisation", code, "details", {"name": name, "address": address}, source)


# --- dated events -----------------------------------------------------------------------------------


def _run_events(con: sqlite3.Connection, scheme: str, actions: list[Action], today: date, rep: Report) -> None:
    cfg = load_rubric(scheme).lifecycle.certificate
    events = []
    if cfg:
        for rnd in con.execute("SELECT * FROM rounds WHERE scheme=? AND announce_date<=? ORDER BY announce_date, key", (scheme, today.isoformat())):
            events.append((rnd["announce_date"], 0, rnd["key"], rnd))
    done = {h for (h,) in con.execute("SELECT row_hash FROM actions WHERE scheme=?", (scheme,))}
    for a in actions:
        if a.date <= today and a.row_hash not in done:
            events.append((a.date.isoformat(), 1, (a.source, a.line), a))
    closed = _day(latest_run(con))  # D23: the days up to the last run are processed and published
    for _, kind, _, ev in sorted(events, key=lambda e: e[:3]):
        if kind == 0 and cfg:
            _issue_round(con, cfg, ev, today, rep)
        else:
            _apply_action(con, cfg, ev, today, rep, closed)


def _issue_round(con: sqlite3.Connection, cfg: CertificateRules, rnd, today: date, rep: Report) -> None:
    withheld = set(json.loads(rnd["withheld"]))
    if rnd["withheld_at_announce"] is None:
        con.execute("UPDATE rounds SET withheld_at_announce=? WHERE id=?", (json.dumps(sorted(withheld)), rnd["id"]))
        late = withheld
    else:
        late = set(json.loads(rnd["withheld_at_announce"]))
    announce = date.fromisoformat(rnd["announce_date"])
    pending = con.execute(
        """SELECT r.* FROM results r WHERE r.round_id=? AND r.superseded_on IS NULL AND r.status='scored'
           AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.result_id = r.id) ORDER BY r.credit_code""",
        (rnd["id"],),
    ).fetchall()
    years = cfg.validity_years
    for r in pending:
        if r["grade"] not in cfg.passing_grades or r["credit_code"] in withheld:
            continue
        issued = today if r["credit_code"] in late else announce  # released after an objection: issued now
        address = json.loads(r["result_json"]).get("address")
        number = issue(
            con,
            today,
            rnd["scheme"],
            r["credit_code"],
            r["grade"],
            r["org_name"],
            address,
            issued,
            certificate_expiry(issued, int(years)) if years else None,
            r["id"],
            rnd["id"],
            source=r["file"],
        )
        rep.certificates.append(f"{number} {r['org_name']} {r['grade']}")


def source_of(a: Action) -> str:
    return f"{a.scheme}/{a.source}"


def _record_action(con: sqlite3.Connection, a: Action, today: date, where: str, number: str) -> None:
    con.execute(
        "INSERT INTO actions (scheme, date, credit_code, action, detail, document_no, row_hash, applied_on, source) VALUES (?,?,?,?,?,?,?,?,?)",
        (a.scheme, a.date.isoformat(), a.credit_code, a.action, a.detail, a.document_no, a.row_hash, today.isoformat(), where),
    )
    audit(con, today, "action", a.row_hash[:12], a.action, {"detail": a.detail, "certificate": number}, where)


def _backdated(a: Action, closed: date | None, today: date) -> bool:
    """D23 处理日期只进不退: a row dated on a day the registry has already processed (and published
    without it) is read after its date. Days after the last run are the registry's to catch up on:
    their rows are on time."""
    return closed is not None and a.date <= closed and a.date < today


def _why(closed: date | None) -> str:
    return f"{closed} 及以前的日期已处理并公布（处理日期只进不退）"


def _return_certificate(con: sqlite3.Connection, a: Action, today: date, where: str, rep: Report, closed: date | None) -> None:
    """D21 证书退回: the certificate named in `detail` came back on the action's date. A return
    recorded only after the 作废 was processed (published) does not undo it, whatever its date:
    it is recorded as a late return on the day read."""
    cert = con.execute("SELECT * FROM certificates WHERE number=? AND scheme=? AND credit_code=?", (a.detail, a.scheme, a.credit_code)).fetchone()
    if cert is None:
        detail = f"{a.credit_code} 没有编号为 {a.detail} 的证书，“证书退回”"
    elif cert["void_on"] is None:
        detail = f"证书 {a.detail} 未被降级或撤销，无需退回，“证书退回”"
    elif cert["returned_on"] is not None:
        detail = f"证书 {a.detail} 已于 {cert['returned_on']} 退回，“证书退回”"
    elif a.date < date.fromisoformat(cert["ended_on"]):
        detail = f"证书 {a.detail} 于 {cert['ended_on']} 才被降级或撤销，退回日期 {a.date} 早于该日，“证书退回”"
    else:
        void_on = date.fromisoformat(cert["void_on"])
        voided = _backdated(a, closed, today) and closed is not None and void_on <= closed  # its 作废公告 is out
        _record_action(con, a, today, where, cert["number"])
        con.execute("UPDATE certificates SET returned_on=? WHERE number=?", ((today if voided else a.date).isoformat(), cert["number"]))
        late = voided or a.date >= void_on
        rep.actions.append(f"{a.date} {cert['org_name']} 证书退回 {cert['number']}" + ("（逾期，已公告作废）" if late else ""))
        if voided:
            outcome = f"证书 {cert['number']} 已于 {void_on} 公告作废，按 {today} 记为逾期退回，作废不因此撤回"
            rep.problems.append(
                Problem.of("action_backdated", source_of(a), where=where, date=a.date, today=today, why=_why(closed), outcome=outcome)
            )
        return
    rep.problems.append(Problem.of("action_not_applied", source_of(a), where=where, detail=detail))


def _set_return_due(con: sqlite3.Connection, a: Action, number: str, returned: bool, noticed: date) -> date | None:
    """D21: a 降级/撤销 certificate is to be returned within `return_days` calendar days of the
    decision's notice (the action's date; the day itself not counted); if not, it is void from the
    day after the deadline. -> the deadline."""
    days = load_rubric(a.scheme).lifecycle.return_days
    if days is None:
        return None
    con.execute(
        "UPDATE certificates SET void_on=?, returned_on=? WHERE number=?",
        ((noticed + timedelta(days=int(days) + 1)).isoformat(), a.date.isoformat() if returned else None, number),
    )
    return noticed + timedelta(days=int(days))


def _merger_cycle(con: sqlite3.Connection, code: str, into: str) -> list[str] | None:
    """The recorded mergers (变更 合并=…, any scheme) leading from `into` back to `code`, as the chain
    of credit codes: a merger of `code` into `into` would close it into a cycle. None: it would not."""
    merges: dict[str, set[str]] = {}
    for r in con.execute("SELECT credit_code, detail FROM actions WHERE action='变更' ORDER BY id"):
        for pair in change_pairs(r["detail"]):
            if len(pair) == 2 and pair[0] == "合并":
                merges.setdefault(r["credit_code"], set()).add(pair[1].upper())
    stack, seen = [[into]], {into}
    while stack:
        chain = stack.pop()
        if chain[-1] == code:
            return chain
        for nxt in sorted(merges.get(chain[-1], ()), reverse=True):
            if nxt not in seen:
                seen.add(nxt)
                stack.append([*chain, nxt])
    return None


def _recorded_again(con: sqlite3.Connection, a: Action) -> str | None:
    """A 分立/合并 of this organisation with the same other organisation already recorded (under
    another date or document number): what was recorded, or None."""
    wanted = {(k, v) for k, v in a.changes if k in ("split", "merge")}
    for r in con.execute("SELECT date, detail, document_no FROM actions WHERE action='变更' AND credit_code=? ORDER BY id", (a.credit_code,)):
        for pair in change_pairs(r["detail"]):
            if len(pair) == 2 and (CHANGE_FIELDS.get(pair[0]), pair[1].upper()) in wanted:
                return f"{pair[0]}={pair[1].upper()} 已于 {r['date']} 记录（{r['document_no'] or '无文号'}）"
    return None


def _apply_action(con: sqlite3.Connection, cfg: CertificateRules | None, a: Action, today: date, rep: Report, closed: date | None = None) -> None:
    """One action on its date. D21/D23: one read after its date (`_backdated`) still takes effect on
    its date, but its notice is published on the day read, never dated before it, and the return
    period runs from that day; one whose certificate has changed since its date is refused."""
    where = f"{a.scheme}/{a.source} 第 {a.line} 行"
    if a.action == "证书退回":
        _return_certificate(con, a, today, where, rep, closed)
        return
    cert = current_certificate(con, a.scheme, a.credit_code, a.date) if cfg else None
    if cert is None or cfg is None:
        rep.problems.append(
            Problem.of("action_not_applied", source_of(a), where=where, detail=f"{a.credit_code} 在 {a.date} 没有有效的证书或备案，“{a.action}”")
        )
        return
    if cert["ended_on"] is not None and a.action in ("降级", "撤销", "变更", "注销"):  # ended since its date by what was recorded
        detail = (
            f"证书 {cert['number']} 在 {a.date} 之后已于 {cert['ended_on']} {cert['ended_status']}（登记库已记录），"
            f"“{a.action}”不能再按 {a.date} 执行；如仍需执行，请按现有证书另填日期不早于 {today} 的一行"
        )
        rep.problems.append(Problem.of("action_not_applied", source_of(a), where=where, detail=detail))
        return
    backdated, days = _backdated(a, closed, today), load_rubric(a.scheme).lifecycle.return_days if a.action in ("降级", "撤销") else None
    due = a.date + timedelta(days=int(days)) if days is not None else None
    noticed = today if backdated or (due and due < today) else a.date  # no 公告 dated before it is published, no return period over
    why = _why(closed) if backdated else f"按该日期计算的证书退回期限（至 {due}）在读到本行前已过"
    if a.action == "降级":
        order = list(cfg.passing_grades)
        if cfg.kind != "certificate" or order.index(a.detail) <= order.index(cert["grade"]):
            rep.problems.append(Problem.of("action_not_applied", source_of(a), where=where, detail=f"{cert['grade']} 不能“降级”为 {a.detail}"))
            return
    cycle = _merger_cycle(con, a.credit_code, dict(a.changes)["merge"]) if a.action == "变更" and "merge" in dict(a.changes) else None
    if cycle:
        detail = f"{a.credit_code} 合并={cycle[0]} 会形成合并循环（登记库已记录的合并：{'→'.join(cycle)}），“变更”"
        rep.problems.append(Problem.of("action_not_applied", source_of(a), where=where, detail=detail))
        return
    again = _recorded_again(con, a) if a.action == "变更" else None
    if again:
        rep.problems.append(Problem.of("action_not_applied", source_of(a), where=where, detail=f"{again}，“变更”"))
        return
    _record_action(con, a, today, where, cert["number"])
    rep.actions.append(f"{a.date} {cert['org_name']} {a.action} {a.detail}".strip())
    expires = _day(cert["expires"])
    notice, deadline = None, None
    if a.action == "降级":
        new = issue(
            con, today, a.scheme, a.credit_code, a.detail, cert["org_name"], cert["address"], a.date, expires, replaces=cert["number"], source=where
        )
        rep.certificates.append(f"{new} {cert['org_name']} {a.detail}（降级换发）")
        deadline = _set_return_due(con, a, cert["number"], returned=False, noticed=noticed)
        notice = (
            "降级公告",
            f"关于{cert['org_name']}运维服务能力评估等级由{cert['grade']}降为{a.detail}的公告",
            {"old_number": cert["number"], "new_number": new, "old_grade": cert["grade"], "new_grade": a.detail},
        )
    elif a.action == "撤销":
        end(con, today, cert["number"], a.date, "已撤销", source=where)
        deadline = _set_return_due(con, a, cert["number"], returned=a.returned, noticed=noticed)  # 已退回: handed back with the decision
        what = "运维服务能力评估等级" if cfg.kind == "certificate" else "备案"
        notice = ("撤销公告", f"关于撤销{cert['org_name']}{what}的公告", {"number": cert["number"], "grade": cert["grade"]})
    elif a.action == "变更":
        changes = dict(a.changes)
        last = con.execute("SELECT * FROM org_details WHERE credit_code=? ORDER BY id DESC LIMIT 1", (a.credit_code,)).fetchone()
        name, address = changes.get("name", cert["org_name"]), changes.get("address", cert["address"])
        con.execute(
            "INSERT INTO org_details (credit_code, name, address, legal_rep, valid_from, source) VALUES (?,?,?,?,?,?)",
            (a.credit_code, name, address, changes.get("legal_rep", last["legal_rep"] if last else None), a.date.isoformat(), where),
        )
        new = issue(con, today, a.scheme, a.credit_code, cert["grade"], name, address, a.date, expires, replaces=cert["number"], source=where)
        rep.certificates.append(f"{new} {name} {cert['grade']}（变更换发）")
        public = {k: v for k, v in changes.items() if k != "legal_rep"}  # a person's name is never published
        notice = (
            "变更公告",
            f"关于{cert['org_name']}{'评估证书' if cfg.kind == 'certificate' else '备案'}变更的公告",
            {"old_number": cert["number"], "new_number": new, "changes": public},
        )
    elif a.action == "注销":
        end(con, today, cert["number"], a.date, "已注销", source=where)
        what = "评估证书" if cfg.kind == "certificate" else "备案"
        notice = ("注销公告", f"关于注销{cert['org_name']}{what}的公告", {"number": cert["number"], "grade": cert["grade"]})
    if notice:
        kind, title, entry = notice
        _add_notice(
            con,
            today,
            rep,
            f"{a.scheme}/{kind}/{a.date}/{a.row_hash[:8]}",
            a.scheme,
            None,
            kind,
            title,
            noticed,
            None,
            [{"credit_code": a.credit_code, "org_name": cert["org_name"], "document_no": a.document_no, **entry}],
        )
        if noticed != a.date:
            outcome = f"{a.action}自 {a.date} 起生效，{kind}于 {noticed} 发布" + (
                f"，证书退回期限自 {noticed} 起算，至 {deadline}" if deadline else ""
            )
            rep.problems.append(Problem.of("action_backdated", source_of(a), where=where, date=a.date, today=today, why=why, outcome=outcome))


# --- notices ------------------------------------------------------------------------------------------


def _add_notice(con: sqlite3.Connection, today, rep, nid, scheme, round_id, kind, title, published: date, period_end, entries) -> None:
    if con.execute("SELECT 1 FROM notices WHERE id=?", (nid,)).fetchone():
        return
    con.execute(
        "INSERT INTO notices VALUES (?,?,?,?,?,?,?,?)",
        (nid, scheme, round_id, kind, title, published.isoformat(), _iso(period_end), json.dumps(entries, ensure_ascii=False, sort_keys=True)),
    )
    audit(con, today, "notice", nid, "published", {"kind": kind, "published": published})
    rep.notices.append(f"{published} {kind} {title}")


def _round_notices(con: sqlite3.Connection, scheme: str, today: date, rep: Report) -> None:
    for rnd in con.execute(
        "SELECT * FROM rounds WHERE scheme=? AND notice_date<=? ORDER BY notice_date, key", (scheme, today.isoformat())
    ).fetchall():
        base = f"{scheme}/{rnd['key']}"
        notice_date, announce = date.fromisoformat(rnd["notice_date"]), date.fromisoformat(rnd["announce_date"])
        if rnd["period_days"]:
            _add_notice(con, today, rep, f"{base}/公示", scheme, rnd["id"], "公示", f"{rnd['title']}公示", notice_date, _day(rnd["period_end"]), [])
            if today < announce:
                continue
            certs = con.execute(
                "SELECT number, credit_code, org_name, grade, issued FROM certificates WHERE round_id=? ORDER BY issued, seq", (rnd["id"],)
            ).fetchall()
            by_day: dict[str, list] = {}
            for c in certs:
                by_day.setdefault(c["issued"], []).append(dict(c))
            _add_notice(
                con,
                today,
                rep,
                f"{base}/公告",
                scheme,
                rnd["id"],
                "公告",
                f"{rnd['title']}公告",
                announce,
                None,
                by_day.pop(announce.isoformat(), []),
            )
            for day, entries in sorted(by_day.items()):  # released after an objection (异议)
                _add_notice(
                    con,
                    today,
                    rep,
                    f"{base}/公告/{day}",
                    scheme,
                    rnd["id"],
                    "公告",
                    f"{rnd['title']}补充公告",
                    date.fromisoformat(day),
                    None,
                    entries,
                )
        else:
            entries = [
                {
                    "credit_code": r["credit_code"],
                    "org_name": r["org_name"],
                    "grade": r["grade"],
                    "total": None if r["total"] is None else r["total"] / 100,
                }
                for r in con.execute(
                    "SELECT * FROM results WHERE round_id=? AND superseded_on IS NULL AND status='scored' ORDER BY total DESC, credit_code",
                    (rnd["id"],),
                )
            ]
            _add_notice(con, today, rep, f"{base}/公告", scheme, rnd["id"], "公告", f"{rnd['title']}公告", notice_date, None, entries)


def _void_notices(con: sqlite3.Connection, scheme: str, today: date, rep: Report) -> None:
    """D21: certificates not returned by the deadline are voided by a 作废公告 the day after it."""
    rows = con.execute(
        """SELECT c.*, (SELECT a.document_no FROM actions a WHERE a.scheme = c.scheme AND a.credit_code = c.credit_code
                          AND a.action IN ('降级', '撤销') AND a.date = c.ended_on ORDER BY a.id LIMIT 1) AS decision
           FROM certificates c WHERE c.scheme=? AND c.void_on IS NOT NULL AND c.void_on<=?
           AND (c.returned_on IS NULL OR c.returned_on >= c.void_on)""",
        (scheme, today.isoformat()),
    ).fetchall()
    for c in rows:
        _add_notice(
            con,
            today,
            rep,
            f"{scheme}/作废公告/{c['number']}",
            scheme,
            c["round_id"],
            "作废公告",
            f"关于{c['org_name']}评估证书（{c['number']}）作废的公告",
            date.fromisoformat(c["void_on"]),
            None,
            [
                {
                    "credit_code": c["credit_code"],
                    "org_name": c["org_name"],
                    "number": c["number"],
                    "grade": c["grade"],
                    "document_no": c["decision"] or "",
                }
            ],
        )


# --- 抽查 -----------------------------------------------------------------------------------------------


def draw_sample(population: list[str], seed: str, percent: int) -> list[str]:
    """The published draw: rank each credit code by SHA-256 of "seed:code", take the first
    ceil(percent % of N) (at least one when N > 0), list them in code order. Anyone can re-draw it."""
    if not population:
        return []
    k = max(1, math.ceil(len(population) * percent / 100))
    ranked = sorted(population, key=lambda code: hashlib.sha256(f"{seed}:{code}".encode()).hexdigest())
    return sorted(ranked[:k])


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _next_quarter(q: date) -> date:
    return date(q.year + (q.month == 10), (q.month + 2) % 12 + 1, 1)


def _operated_units(con: sqlite3.Connection, scheme: str, q: date) -> dict[str, dict]:
    """D22: unit credit code -> {name, operators} over the filings valid on the quarter's first day.
    A unit several organisations operate is one unit with several operators."""
    units: dict[str, dict] = {}
    for cert in con.execute(
        "SELECT c.*, r.result_json FROM certificates c LEFT JOIN results r ON r.id = c.result_id WHERE c.scheme=? AND c.issued<=? ORDER BY c.number",
        (scheme, q.isoformat()),
    ):
        if status_on(cert, q) != "有效" or not cert["result_json"]:
            continue
        for u in json.loads(cert["result_json"]).get("tables", {}).get("operated_units", []):
            unit = units.setdefault(u["credit_code"], {"name": u["name"], "operators": {}})
            unit["operators"][cert["credit_code"]] = cert["org_name"]
    return units


def _draws(con: sqlite3.Connection, scheme: str, percent: int, today: date, rep: Report) -> None:
    """D22: each quarter's 抽查 is drawn and recorded on its first day from the key units then
    operated, and published only the day after the quarter ends (an inspection announced in
    advance is no inspection)."""
    (first,) = con.execute("SELECT MIN(issued) FROM certificates WHERE scheme=?", (scheme,)).fetchone()
    if first is None:
        return
    q = _quarter_start(date.fromisoformat(first))
    while q <= today:
        n = (q.month - 1) // 3 + 1
        quarter = f"{q.year}Q{n}"
        did = f"{scheme}-{quarter}"
        if con.execute("SELECT 1 FROM draws WHERE id=?", (did,)).fetchone() is None:
            units = _operated_units(con, scheme, q)
            if units:
                drawn = draw_sample(sorted(units), did, percent)
                published = _next_quarter(q)
                con.execute(
                    "INSERT INTO draws VALUES (?,?,?,?,?,?,?)",
                    (did, scheme, quarter, did, json.dumps(sorted(units)), json.dumps(drawn), published.isoformat()),
                )
                entries = [
                    {
                        "unit_code": code,
                        "unit_name": units[code]["name"],
                        "operators": [{"credit_code": c, "org_name": units[code]["operators"][c]} for c in sorted(units[code]["operators"])],
                        "seed": did,
                        "population": len(units),
                    }
                    for code in drawn
                ]
                title = f"{q.year}年第{n}季度运维重点单位运营质量抽查名单"
                _add_notice(con, today, rep, f"{scheme}/抽查/{quarter}", scheme, None, "抽查", title, published, None, entries)
                rep.draws.append(f"{quarter}: {len(drawn)}/{len(units)} 家重点单位（种子 {did}，{published} 公布）")
        q = _next_quarter(q)
