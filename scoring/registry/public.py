"""The registry's public view as types: each record's fields are exactly what may be published.

Pages, open data, feeds and verification records are made from these and nothing else; the
workbook fields they carry (the organisation's name, credit code and address) are the ones the
scheme's rubric flags `public: true` (`published_fields`). Records are frozen; they read by
attribute (templates) or by key (`record["status"]`, as open data columns are named).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, TypeVar

from ..rubric import load_rubric, scheme_ids

__all__ = [
    "PublicRecord",
    "Certificate",
    "Renewal",
    "PublishedResult",
    "Notice",
    "Draw",
    "PublicRound",
    "OrgName",
    "PublicAction",
    "Event",
    "Organisation",
    "PublicView",
    "published_fields",
    "role_is_public",
    "plain",
    "extended",
]

R = TypeVar("R", bound="PublicRecord")


class PublicRecord:
    """Read-only access by key besides attributes; `as_dict()` in field order (the order the open
    data and the certificate records print)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def __contains__(self, key: str) -> bool:
        return hasattr(self, key)

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]  # type: ignore[arg-type]

    def as_dict(self) -> dict:
        return {name: plain(getattr(self, name)) for name in self.keys()}


def plain(value: Any) -> Any:
    """Records (and tuples, lists, dicts of them) as JSON-ready dicts and lists."""
    if isinstance(value, PublicRecord):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def extended(cls: type[R], record: PublicRecord, **extra: Any) -> R:
    """A record of a subclass: `record`'s fields and the subclass's own (`extra`)."""
    return cls(**{name: getattr(record, name) for name in record.keys()}, **extra)


@lru_cache(maxsize=64)
def published_fields(scheme: str) -> frozenset[str]:
    """The allow-list: the scheme's workbook fields that may reach a page, open data file or feed."""
    return frozenset(load_rubric(scheme).public_fields)


def role_is_public(scheme: str, role: str) -> bool:
    """Whether the field a scheme names by `role` (address, legal_rep …) is on its allow-list."""
    fid = load_rubric(scheme).roles.get(role)
    return fid is not None and fid in published_fields(scheme)


@lru_cache(maxsize=16)
def address_public_everywhere() -> bool:
    """An organisation's recorded addresses (whichever scheme's workbook gave them) are published
    only when every scheme that records an address flags it public."""
    return all(role_is_public(s, "address") for s in scheme_ids() if "address" in load_rubric(s).roles)


@dataclass(frozen=True, slots=True)
class Certificate(PublicRecord):
    """A certificate or filing with its status on the view's day."""

    number: str
    scheme: str
    round: str
    org_name: str
    credit_code: str
    grade: str
    issued: str
    expires: str
    status: str
    replaced_by: str
    kind: str
    address: str
    replaces: str
    void_on: str
    status_since: str  # the day the status began (verification cards)
    document_no: str  # the decision behind an ended certificate


@dataclass(frozen=True, slots=True)
class Renewal(Certificate):
    """A valid certificate whose renewal application is due (即将到期)."""

    renewal_due: str


@dataclass(frozen=True, slots=True)
class PublishedResult(PublicRecord):
    """A scored result as published in its round."""

    scheme: str
    round: str
    org_name: str
    credit_code: str
    total: float | None
    grade: str | None
    status: str  # 公示中, 公示期满, 暂缓公告, 已公告, 已公布
    notice_date: str
    period_end: str
    round_title: str
    veto: bool
    failed_conditions: list
    reasons: list
    items: dict
    sections: dict
    eligible: bool | None
    clipped: Any
    address: str  # the registered address the workbook gives, when its field is public


@dataclass(frozen=True, slots=True)
class Notice(PublicRecord):
    id: str
    scheme: str
    round: str
    kind: str
    title: str
    published: str
    period_end: str
    entries: list  # the notice's rows as recorded (dicts of public values)


@dataclass(frozen=True, slots=True)
class Draw(PublicRecord):
    """A quarterly 抽查: the population, the seed and who was drawn."""

    id: int
    scheme: str
    quarter: str
    seed: str
    population: list
    drawn: list
    published: str


@dataclass(frozen=True, slots=True)
class PublicRound(PublicRecord):
    """A round whose results have been published (its dates and 公示 period)."""

    id: int
    scheme: str
    key: str
    title: str
    notice_date: str
    period_days: int | None
    period_start: str | None
    period_end: str | None
    announce_date: str


@dataclass(frozen=True, slots=True)
class OrgName(PublicRecord):
    """A name (and address) an organisation bore from a day on."""

    name: str
    address: str | None
    valid_from: str


@dataclass(frozen=True, slots=True)
class PublicAction(PublicRecord):
    """A decision or change applied to an organisation (its public detail only)."""

    date: str
    scheme: str
    action: str
    detail: str
    document_no: str | None


@dataclass(frozen=True, slots=True)
class Event:
    """One line of an organisation's history: a result, a certificate or an action, on its date.
    Reads its record's fields as its own (`event.number`, `event["grade"]`)."""

    date: str
    what: str  # result, certificate, action
    record: PublicRecord

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.record, name)

    def __getitem__(self, key: str) -> Any:
        if key in ("date", "what"):
            return getattr(self, key)
        return self.record[key]


@dataclass(frozen=True, slots=True)
class Organisation(PublicRecord):
    """Everything public about one organisation, in time order."""

    credit_code: str
    name: str
    names: tuple[OrgName, ...]
    results: tuple[PublishedResult, ...]
    certificates: tuple[Certificate, ...]
    actions: tuple[PublicAction, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class PublicView:
    """Everything public on one day, read once (the site and its state digest both use it)."""

    today: str
    certificates: tuple[Certificate, ...]
    results: tuple[PublishedResult, ...]
    notices: tuple[Notice, ...]
    renewals: tuple[Renewal, ...]
    draws: tuple[Draw, ...]
    rounds: tuple[PublicRound, ...]  # rounds published by the view's day, by notice date and key
    organisations: dict[str, Organisation]  # by credit code, every organisation with a public record
    registered: dict[str, int]  # credit code -> registration number (order of first recording)
    updated: str | None  # the day of the registry's latest run
    countdown_rounds: tuple[PublicRound, ...]  # rounds whose 公示 runs on the view's day
