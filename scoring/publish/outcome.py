"""What a publish gives back: its result, or the error that stopped it (the live site left as it was)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry import Report

__all__ = ["PublishError", "PublishBusy", "PublishResult"]


class PublishError(RuntimeError):
    """Nothing could be published (the previous site is left as it was)."""


class PublishBusy(PublishError):
    """Another publish (manual or nightly) of the same --out is running."""


@dataclass
class PublishResult:
    report: Report
    out: Path
    pages: int = 0
    seconds: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # nothing visible changed: the site in --out was kept as it is
    carried: int = 0  # files linked over unchanged from the live build
    made: int = 0  # files written anew
    office: Any = None  # office.OfficeReport when an office folder was given (the office layer sits above this one)
