"""One workbook's outcome, from the pipeline through the registry to the pages.

`as_json()` is the result format of `../shared/spec/interfaces.md` (what `scoring score --json`
writes). `particulars` carries the organisation's own entries the registry keeps (address, legal
representative, application date): read from the rubric's `roles`, never published as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import Problem

__all__ = ["Result", "STATUSES"]

STATUSES = ("scored", "invalid", "incomplete", "ineligible")


@dataclass
class Result:
    file: str
    scheme: str | None
    status: str
    org_name: str | None = None
    credit_code: str | None = None
    errors: list[Problem] = field(default_factory=list)
    items: dict[str, float] = field(default_factory=dict)
    sections: dict[str, float] = field(default_factory=dict)
    total: float | None = None
    grade: str | None = None
    veto: bool = False
    failed_conditions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    eligible: bool | None = None  # schemes with eligibility conditions only
    clipped: bool | None = None  # schemes that clip the total only
    particulars: dict[str, Any] = field(default_factory=dict)  # role -> value (not in the JSON)
    tables: dict[str, list[dict]] = field(default_factory=dict)  # listed tables' rows, e.g. D22's operated units (not in the JSON)
    entries: dict[str, str] = field(default_factory=dict)  # field id -> the entry as the form shows it, for the 评估报告 (not in the JSON)
    notes: dict[str, str] = field(default_factory=dict)  # item id -> the evaluators' 评估意见 (not in the JSON)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "scheme": self.scheme,
            "status": self.status,
            "org_name": self.org_name,
            "credit_code": self.credit_code,
            "errors": [p.as_json() for p in self.errors],
            "items": dict(self.items),
            "sections": dict(self.sections),
            "total": self.total,
            "grade": self.grade,
            "veto": self.veto,
            "failed_conditions": list(self.failed_conditions),
            "reasons": list(self.reasons),
        }
        if self.eligible is not None:
            out["eligible"] = self.eligible
        if self.clipped is not None:
            out["clipped"] = self.clipped
        return out

    def make_ineligible(self, reason: str) -> None:
        """A lifecycle rule (e.g. the one-year bar after 撤销) refuses the application."""
        self.status = "ineligible"
        self.items, self.sections, self.total, self.grade = {}, {}, None, None
        self.veto, self.failed_conditions, self.reasons = False, [], [reason]

    @property
    def address(self) -> str | None:
        return self.particulars.get("address") or None

    @property
    def application_date(self) -> date | None:
        return self.particulars.get("application_date")
