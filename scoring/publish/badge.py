"""A certificate's status badge (SVG) and its machine-readable record (JSON), one pair per
certificate beside its page: an organisation embeds the badge on its own site, a program reads the
JSON. Both show the status on the build date."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape

from ..registry.public import PublicRecord

__all__ = ["badge_svg", "certificate_record", "STATUS_COLOURS"]

STATUS_COLOURS = {"有效": "#1b7f3b", "已换发": "#8a6d00", "已过期": "#b3261e", "已撤销": "#b3261e", "已注销": "#b3261e", "已作废": "#b3261e"}


def _width(text: str) -> int:
    """Rendered width at 11 px: a CJK character is about 11 px, others about 6.5."""
    return round(sum(11 if ord(ch) > 0x2E7F else 6.5 for ch in text)) + 12


def badge_svg(label: str, value: str, status: str) -> str:
    left, right = _width(label), _width(value)
    colour = STATUS_COLOURS.get(status, "#555")
    title = escape(f"{label}：{value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<g fill="#fff" font-family="Noto Sans CJK SC,Microsoft YaHei,PingFang SC,sans-serif" font-size="11">'
        f'<text x="6" y="14">{escape(label)}</text><text x="{left + 6}" y="14">{escape(value)}</text></g></svg>\n'
    )


def certificate_record(cert: Mapping | PublicRecord, columns: list[str], extra: dict, history: dict | None) -> str:
    """The open-data row of the certificate, its status detail, and the organisation's public history."""
    record = {c: cert.get(c) for c in columns}
    record.update(extra)
    if history is not None:
        record["organisation"] = {k: history[k] for k in ("credit_code", "name", "names", "certificates", "results", "actions")}
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
