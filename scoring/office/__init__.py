"""The issuing body's office: what is printed, signed, stamped or sent, never published.

    office/
      index.html                         工作台: applications in progress, what is due, every document
      证书/<scheme>/<number>.pdf          第十二条 certificates and 备案 (A4 landscape, QR to the verify page)
      评估报告/<scheme>/<round>/<code>-<name>.html|.pdf   附件3 report or the scheme's result letter
      通知书/<scheme>/<date>-<降级|撤销>-<number>.html|.pdf  第十七条 decision letters (D21 deadline)
      异议答复/<scheme>/<round>/…          公示 objection replies (blank, and per organisation withheld)

`build_office` reads the registry's office rows and the applications collected from the workbooks
folder; documents are re-made only when their inputs changed (see `documents`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..inputs import Inputs
from ..publish.config import SiteConfig
from ..registry import certificates as all_certificates
from ..registry import renewals_due
from ..registry.office import assessed_results, certificate_entries, decisions, noticed_rounds, registry_head
from ..rubric import load_rubric
from .content import certificate_documents, letter_documents, report_documents
from .documents import OfficeWriter
from .due import DueItem, application_items, return_items

__all__ = ["build_office", "due_items", "OfficeReport", "DueItem", "office_template_dirs", "ALL_KINDS"]

ALL_KINDS = ("certificates", "reports", "letters")
STATE_KEY = "_state"  # in the manifest: what the documents were last made from, completely


@dataclass
class OfficeReport:
    folder: Path
    made: list[str] = field(default_factory=list)
    kept: int = 0
    due: list[DueItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def urgent(self) -> list[DueItem]:
        return [d for d in self.due if d.urgent]


def office_template_dirs(config: SiteConfig) -> list[Path]:
    """The instance's own office templates (overrides/templates/office) first, then the package's."""
    return [d / "office" for d in config.template_dirs if (d / "office").is_dir()]


def due_items(con: sqlite3.Connection, inputs: Inputs, today: date) -> list[DueItem]:
    titles = {(s.scheme, r.spec.key): r.spec.title for s in inputs.schemes for r in s.rounds}
    titles |= {(s.scheme, p.key): p.title for s in inputs.schemes for p in s.preparing}
    apps = [a for s in inputs.schemes for r in s.rounds for a in r.applications]
    apps += [a for s in inputs.schemes for p in s.preparing for a in p.applications]
    items = application_items(apps, titles, today, inputs.calendar) + return_items(decisions(con, today), today, inputs.calendar)
    order = {"逾期": 0, "即将到期": 1, "日历未知": 2, "进行中": 3, "无时限": 4, "已作废": 5, "已完成": 6, "已终止": 7}
    return sorted(items, key=lambda d: (order[d.state], d.deadline or "9999", d.scheme, d.round, d.credit_code))


def build_office(
    con: sqlite3.Connection,
    inputs: Inputs,
    today: date,
    config: SiteConfig,
    folder: Path,
    number: str | None = None,
    kinds: tuple[str, ...] = ALL_KINDS,
    force: bool = False,
) -> OfficeReport:
    """Write every office document that changed, and the dashboard; `number` limits certificates
    to one (`scoring office certificates --number N`)."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = OfficeWriter(folder, office_template_dirs(config))
    certs = all_certificates(con, today, public=False)  # the office's own copy: every particular
    # The documents depend on the registry's content alone (and the templates and settings): when
    # none of them moved since the last complete run, there is nothing to re-make (the no-change night).
    state = hashlib.sha256(
        json.dumps([registry_head(con), writer.salt, config.site_url, config.issuer.get("issuer", "")], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    complete = number is None and set(kinds) == set(ALL_KINDS)
    if force or not complete or writer.manifest.get(STATE_KEY) != state or not writer.files_present():
        docs = []
        if "certificates" in kinds:
            docs += certificate_documents(certs, functools.partial(certificate_entries, con), config.site_url, config.issuer, number)
        if "reports" in kinds:
            docs += report_documents(assessed_results(con), config.issuer)
        if "letters" in kinds:
            docs += letter_documents(decisions(con, today), noticed_rounds(con, today), config.issuer)
        try:
            writer.write_all(docs, force=force)
            if complete and not writer.problems:
                writer.manifest[STATE_KEY] = state
        finally:
            writer.save_manifest()
    else:
        writer.kept = len(writer.documents())
    due = due_items(con, inputs, today)
    schemes = sorted({d.scheme for d in due} | {c["scheme"] for c in certs})
    writer.write_page(
        "index.html",
        writer.env.get_template("dashboard.html.j2").render(
            today=today.isoformat(),
            issuer=config.issuer.get("issuer", ""),
            due=due,
            urgent=[d for d in due if d.urgent],
            certs=certs,
            renewals=renewals_due(con, today, certs),
            counts=writer.counts(),
            cert_docs={p for p in writer.documents() if p.startswith("证书/")},
            titles={s: load_rubric(s).title for s in schemes},
        ),
    )
    return OfficeReport(folder, writer.made, writer.kept, due, writer.problems)
