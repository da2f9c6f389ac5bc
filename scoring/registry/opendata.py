"""Open data files of interfaces.md: certificates, results and notices as CSV (UTF-8 with BOM) and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ..fields import BIDI
from .public import PublicRecord
from .queries import PublicView, public_view
from .xlsx import write_table

__all__ = ["export_open_data", "COLUMNS", "neutralise", "FIELD_INFO"]

COLUMNS = {
    "certificates": ["number", "scheme", "round", "org_name", "credit_code", "grade", "issued", "expires", "status", "replaced_by"],
    # `eligible`: xuzhou-service's 符合基本要求 (true/false), empty for the other schemes (an addition interfaces.md invites)
    "results": ["scheme", "round", "org_name", "credit_code", "total", "grade", "status", "notice_date", "period_end", "eligible"],
    "notices": ["id", "scheme", "round", "kind", "title", "published", "period_end"],
}
# Chinese title, type and description of every column (datapackage.json)
FIELD_INFO = {
    "number": ("证书/备案编号", "string", "统一编号；证书为 ZJSK-年份-序号，备案为 年份-序号"),
    "scheme": ("评估方案", "string", "zj-skpw、maturity、datong-filing、xuzhou-service、hosting"),
    "round": ("评估批次", "string", "批次目录名"),
    "org_name": ("机构名称", "string", "评估时的机构名称"),
    "credit_code": ("统一社会信用代码", "string", "18 位，GB 32100"),
    "grade": ("等级/结果", "string", "如 5A、★★★、准予备案、优秀"),
    "issued": ("发证日期", "date", "YYYY-MM-DD"),
    "expires": ("有效期至", "date", "含当日；备案为空"),
    "status": ("状态", "string", "数据日期当日的状态：有效、已过期、已撤销、已注销、已换发、已作废"),
    "replaced_by": ("换发后的证书编号", "string", "已换发时为新证书编号"),
    "total": ("总分", "number", "保留两位小数；不计分的方案为空"),
    "notice_date": ("公布日期", "date", "公示（或公布）开始日期"),
    "period_end": ("公示期截止", "date", "不公示的方案为空"),
    "eligible": ("符合基本要求", "boolean", "徐州第三方环保服务机构：是否符合机构基本要求；其他方案为空"),
    "id": ("公告编号", "string", "平台内的唯一编号"),
    "kind": ("类别", "string", "公示、公告、补充公告、撤销公告、降级公告、变更公告、作废公告、注销公告、抽查"),
    "title": ("标题", "string", ""),
    "published": ("发布日期", "date", "YYYY-MM-DD"),
    "status_since": ("状态起始日期", "date", "当前状态开始的日期"),
    "document_no": ("决定文号", "string", "撤销、降级、注销、变更等决定的文号"),
}
TABLE_TITLES = {"certificates": "证书与备案", "results": "评估结果", "notices": "公示与公告", "certificate-status": "证书状态说明"}

# an addition for the verification page: since when each certificate has its status, and by which decision
STATUS_COLUMNS = ["number", "status", "status_since", "document_no", "replaced_by"]


BIDI_CONTROL = re.compile(f"[{BIDI}]")


def shown(value):
    """A value as the open data gives it: without the bidirectional controls an older registry may
    hold (new input refuses them; the pages never print them either)."""
    return BIDI_CONTROL.sub("", value) if isinstance(value, str) else value


def neutralise(value):
    """A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def dumps_rows(rows: list[dict]) -> str:
    """`json.dumps(rows, ensure_ascii=False, indent=1) + "\\n"`, byte for byte, at the C encoder's
    speed (an indent makes json use its pure-Python encoder: seconds at 10,000 organisations).
    Rows of plain values only; a row holding a list or a dict goes the slow way."""
    if not rows:
        return "[]\n"
    out = []
    for row in rows:
        if not row or any(isinstance(v, (list, dict, tuple)) for v in row.values()):
            out.append(json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n ") if row else "{}")
        else:
            out.append("{\n  " + json.dumps(row, ensure_ascii=False, separators=(",\n  ", ": "))[1:-1] + "\n }")
    return "[\n " + ",\n ".join(out) + "\n]\n"


def export_open_data(con: sqlite3.Connection, today: date, out: Path, view: PublicView | None = None) -> list[Path]:
    """Write the files; `view` when the caller has already read the public state of `today`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    view = view or public_view(con, today)
    written = []
    tables: tuple[tuple[str, Sequence[PublicRecord]], ...] = (
        ("certificates", view.certificates),
        ("results", view.results),
        ("notices", view.notices),
    )
    for name, records in tables:
        cols = COLUMNS[name]
        rows = [{c: shown(r.get(c)) for c in cols} for r in records]
        path = out / f"{name}.json"
        path.write_text(dumps_rows(rows), encoding="utf-8")
        written.append(path)
        if name != "notices":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r[c] is None else neutralise(r[c]) for c in cols])
            path = out / f"{name}.csv"
            path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
            written.append(path)
    path = out / "certificate-status.json"
    path.write_text(dumps_rows([{c: shown(r.get(c)) for c in STATUS_COLUMNS} for r in view.certificates]), encoding="utf-8")
    written.append(path)
    for name, records in tables:
        written.append(_xlsx(out / f"{name}.xlsx", TABLE_TITLES[name], COLUMNS[name], records, today))
    written.append(_datapackage(out / "datapackage.json", today))
    return written


def _xlsx(path: Path, title: str, cols: list[str], rows: Sequence[PublicRecord], today: date) -> Path:
    """An XLSX copy of one table, byte-identical for the same data and day."""
    heading = [FIELD_INFO[c][0] for c in cols]
    body = [[None if r.get(c) is None else neutralise(shown(r.get(c))) for c in cols] for r in rows]
    widths = [14 if FIELD_INFO[c][1] != "string" else 24 for c in cols]
    return write_table(path, title, heading, body, widths, today)


def _datapackage(path: Path, today: date) -> Path:
    """Frictionless Data Package: every file and column with a Chinese title and description."""

    def schema(cols):
        return {"fields": [{"name": c, "title": FIELD_INFO[c][0], "type": FIELD_INFO[c][1], "description": FIELD_INFO[c][2]} for c in cols]}

    resources = []
    for name in ("certificates", "results", "notices"):
        for fmt in ("csv", "json", "xlsx") if name != "notices" else ("json", "xlsx"):
            resources.append(
                {
                    "name": f"{name}-{fmt}",
                    "path": f"{name}.{fmt}",
                    "title": f"{TABLE_TITLES[name]}（{fmt.upper()}）",
                    "format": fmt,
                    **({"encoding": "utf-8-sig", "mediatype": "text/csv"} if fmt == "csv" else {}),
                    "schema": schema(COLUMNS[name]),
                }
            )
    resources.append(
        {
            "name": "certificate-status",
            "path": "certificate-status.json",
            "title": TABLE_TITLES["certificate-status"],
            "format": "json",
            "schema": schema(STATUS_COLUMNS),
        }
    )
    package = {
        "profile": "data-package",
        "name": "operator-assessments",
        "title": "运维服务机构能力评估结果、证书与公告",
        "description": "第三方运维服务机构能力评估的公开结果、证书与备案及其状态、公示与公告。只含公开信息，不含电话、电子邮箱或个人姓名。",
        "licenses": [{"name": "CC-BY-4.0", "title": "知识共享 署名 4.0 国际", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "updateFrequency": "每日（夜间自动发布）",
        "created": today.isoformat(),
        "resources": resources,
    }
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
