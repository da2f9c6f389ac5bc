"""The plain data of each office document, from the registry's office rows and the rubrics.

One function per kind of document; each returns `Document`s (path, template, context). Nothing here
renders or writes: `documents.OfficeWriter` does.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence

from ..publish.pages import scheme_issuer
from ..registry.public import Certificate
from ..rubric import Rubric, load_rubric
from .documents import Document, safe_name

__all__ = ["certificate_documents", "report_documents", "letter_documents", "issuer_of"]

STATUS_WORDS = {"scored": "已评分", "incomplete": "材料不全，不予评分", "ineligible": "不符合申请条件，不予评分"}


def issuer_of(scheme: str, issuer: dict) -> str:
    """Who signs: the site's rule (`scheme_issuer`), and a placeholder where a scheme names nobody."""
    return scheme_issuer(scheme, issuer) or "（评估机构）"


def _cited(r: Rubric) -> str:
    """The scheme's text as a letter cites it: 《title》 (the source line's first part)."""
    if r.office.cite:
        return r.office.cite
    title = r.source.split("，")[0].strip()
    return f"《{title}》" if title else ""


def _pts(v) -> str:
    return "" if v is None else f"{float(v):g}"


# --- certificates ---------------------------------------------------------------------------------


def certificate_documents(
    certs: Sequence[Certificate], entries_of: Callable[[str], dict], site_url: str, issuer: dict, number: str | None = None
) -> list[Document]:
    """第十二条: one printable certificate (or filing) per number ever issued, in the scheme's style.
    A certificate's particulars never change once issued (the registry refuses it): its number,
    the issuer and the site address identify the document."""
    out = []
    for c in certs:
        if number and c["number"] != number:
            continue
        verify = f"{site_url}verify/?n={c['number']}"
        name = issuer_of(c["scheme"], issuer)
        out.append(
            Document(
                f"证书/{c['scheme']}/{safe_name(c['number'])}",
                "filing.html.j2" if c["kind"] == "filing" else "certificate.html.j2",
                functools.partial(_certificate_context, c, entries_of, verify, name),
                html=False,
                identity=[c["number"], c["org_name"], c["address"], c["grade"], c["issued"], c["expires"], c["replaces"], name, verify],
            )
        )
    return out


def _certificate_context(c: Certificate, entries_of: Callable[[str], dict], verify: str, issuer: str) -> dict:
    r = load_rubric(c["scheme"])
    entries = entries_of(c["number"]) if c["kind"] == "filing" else {}
    # a filing prints the 备案登记表's own rows in its order, two to a line; long texts take a
    # whole line, and the form's 备案意见 cell goes with the decision (the office is private)
    form = next((s for s in r.sheets if s.get("layout") == "form"), {})
    shown = [x["field"] for x in form.get("rows", []) if "field" in x and x["field"] not in ("org_name", "address")]
    wide = [f for f in shown if r.fields[f].type == "text" and r.fields[f].max_length >= 500]
    opinion = next((f for f in wide if r.fields[f].label == "备案意见"), None)
    return {
        "title": r.office.certificate_title,
        "scheme_title": r.title,
        "number": c["number"],
        "org_name": c["org_name"],
        "address": c["address"],
        "credit_code": c["credit_code"],
        "grade": c["grade"],
        "issued": c["issued"],
        "expires": c["expires"],
        "replaces": c["replaces"],
        "issuer": issuer,
        "verify_url": verify,  # the template draws its QR code
        "filing_pairs": [(r.fields[f].label, entries.get(f, "")) for f in shown if f not in wide] if entries else [],
        "filing_long": [(r.fields[f].label, entries.get(f, "")) for f in wide if f != opinion] if entries else [],
        "opinion": entries.get(opinion, "") if opinion else "",
    }


# --- reports ----------------------------------------------------------------------------------------


def _test_fields(test: str, r: Rubric) -> list[str]:
    return [w for w in dict.fromkeys(re.findall(r"[a-z_][a-z0-9_]*", test)) if w in r.fields]


def _report_context(row: dict, issuer: dict) -> dict:
    r = load_rubric(row["scheme"])
    res = json.loads(row["result_json"])
    entries: dict = res.get("entries", {})
    notes: dict = res.get("notes", {})
    used = {f for it in r.items for f in it.inputs}
    conditions = []
    # the scorer's reasons name the failed conditions first, in the rubric's order, with their figures
    failed = [c.code for c in r.conditions if c.code in res.get("failed_conditions", [])]
    said = dict(zip(failed, res.get("reasons", [])))
    for c in r.conditions:
        fids = _test_fields(c.test, r)
        fids += [f"{f}_note" for f in fids if f"{f}_note" in r.fields]
        used.update(fids)
        conditions.append(
            {
                "facts": [(r.fields[f].label, entries.get(f, "（未填写）")) for f in fids],
                "ok": c.code not in res.get("failed_conditions", []),
                "reason": said.get(c.code, ""),
            }
        )
    particulars = [(f.label, entries[f.id]) for f in r.fields.values() if f.id in entries and f.id not in used]
    items = []
    for n, it in enumerate(r.items, start=1):
        got = res.get("items", {}).get(it.id)
        top = it.max / 100
        lost = None if got is None or it.bonus else round(top - got, 2)
        inputs = [(r.fields[f].label, entries.get(f, "（未填写）")) for f in it.inputs if f in r.fields]
        items.append(
            {
                "no": n,
                "section": it.section,
                "group": it.group,
                "wording": it.wording,
                "points": it.points_text,
                "got": _pts(got),
                "lost": _pts(lost) if lost else "",
                "inputs": inputs,
                "note": notes.get(it.id, ""),
                "bonus": it.bonus,
            }
        )
    sections = [{"name": s.name, "max": _pts(s.max / 100) if s.max else "", "got": _pts(res.get("sections", {}).get(s.name))} for s in r.sections]
    tables = []
    for tid, rows in sorted(res.get("tables", {}).items()):
        t = r.tables.get(tid)
        if t and rows:
            tables.append(
                {"label": t.label, "columns": [c.label for c in t.columns], "rows": [[row_.get(c.id, "") for c in t.columns] for row_ in rows]}
            )
    office = r.office.report
    return {
        "title": office.title,
        "headings": office.headings,
        "conditions_table": office.conditions_table,
        "score_table": office.score_table,
        "signatures": office.signatures,
        "scheme_title": r.title,
        "source": _cited(r),
        "issuer": issuer_of(row["scheme"], issuer),
        "round_title": row["round_title"],
        "notice_date": row["notice_date"],
        "report_date": row["recorded_on"],
        "org_name": row["org_name"],
        "credit_code": row["credit_code"],
        "status": row["status"],
        "status_text": STATUS_WORDS[row["status"]],
        "total": _pts(res.get("total")),
        "total_max": _pts(r.total_max / 100) if r.total_max else "",
        "grade": res.get("grade") or "",
        "eligible": res.get("eligible"),
        "veto": bool(res.get("veto")),
        "reasons": res.get("reasons", []),
        "particulars": particulars,
        "conditions": conditions,
        "items": items,
        "sections": sections,
        "tables": tables,
        "number": row["number"] or "",
        "has_entries": bool(entries),
    }


def report_documents(rows: list[dict], issuer: dict) -> list[Document]:
    """附件3 评估报告 (zj-skpw) or the scheme's result letter: one per organisation and round. A
    recorded result never changes (the registry refuses it): its id, the certificate it earned, the
    round's title and the issuer identify the report."""
    return [
        Document(
            f"评估报告/{row['scheme']}/{safe_name(row['round'])}/{row['credit_code']}-{safe_name(row['org_name'], 40)}",
            "report.html.j2",
            functools.partial(_report_context, row, issuer),
            identity=[row["id"], row["number"], row["round_title"], row["notice_date"], row["recorded_on"], issuer_of(row["scheme"], issuer)],
        )
        for row in rows
    ]


# --- letters ----------------------------------------------------------------------------------------


def letter_documents(decided: list[dict], rounds: list[dict], issuer: dict) -> list[Document]:
    """第十七条 通知书 for each 降级/撤销, and the 异议 reply for each round's 公示 (blank, and one per
    organisation withheld under objection)."""
    out = []
    for d in decided:
        r = load_rubric(d["scheme"])
        out.append(
            Document(
                f"通知书/{d['scheme']}/{d['date']}-{d['kind']}-{safe_name(d['number'])}",
                "decision_letter.html.j2",
                {
                    **{k: v for k, v in d.items() if k not in ("returned_on", "void_on")},  # the letter is as sent
                    "scheme_title": r.title,
                    "issuer": issuer_of(d["scheme"], issuer),
                    "source": _cited(r),
                    "basis": r.office.decision_basis,
                    "bar_years": {1: "一", 2: "两", 3: "三"}.get(int(r.lifecycle.revocation_bar_years or 0), ""),
                },
            )
        )
    for rd in rounds:
        r = load_rubric(rd["scheme"])
        base = {**rd, "scheme_title": r.title, "issuer": issuer_of(rd["scheme"], issuer), "listed": len(rd["listed"])}
        folder = f"异议答复/{rd['scheme']}/{safe_name(rd['round'])}"
        out.append(Document(f"{folder}/异议答复（空白）", "objection_reply.html.j2", {**base, "org": None}))
        names = {x["credit_code"]: x["org_name"] for x in rd["listed"]}
        for code in rd["withheld"]:
            if code in names:
                org = {"credit_code": code, "org_name": names[code]}
                out.append(Document(f"{folder}/{code}-{safe_name(names[code], 40)}", "objection_reply.html.j2", {**base, "org": org}))
    return out
