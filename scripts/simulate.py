#!/usr/bin/env python3
"""Live an issuing body's years day by day, publishing as its nightly job would, and check every
publish against an independent model of what the site must show.

    python scripts/simulate.py --years 3 --seed 1 [--rebuild-every 1] [--keep DIR]

All five schemes: rounds each quarter (zj-skpw, datong-filing) or half-year (the others);
workbooks arriving before, during and after 公示; refills during and after it; duplicates (D24);
withheld organisations released after an objection; invalid and hostile workbooks; every action
kind (年度检查, 降级, 撤销, 证书退回 on time / late / never, 变更 with both separators, 分立/合并,
注销); renewals three months before expiry and expiries; years chinesecalendar does not know,
supplied through calendar.toml; the quarterly 抽查. It publishes on every day something happens
and on a sample of quiet days and, after each publish, checks:

- the publish succeeded;
- every certificate ever seen is still in certificates.json, unchanged (number, grade, dates), with
  the status the simulator's own per-day model of its actions expects;
- no published result and no notice ever changed;
- every internal link resolves; open data and the feed parse; no private entry is published;
- rebuilding that day from a copy of the registry gives a byte-identical site (every Nth publish).

Exit 0 when there are no violations. The report ends with one line of figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.excel.fill import fill_template  # noqa: E402
from scoring.jobs import publish  # noqa: E402
from scoring.samples import credit_code, org_name, random_entry  # noqa: E402
from scoring.workdays import load_calendar, notice_period  # noqa: E402

QUARTERLY = ("zj-skpw", "datong-filing")
HALF_YEARLY = ("maturity", "xuzhou-service", "hosting")
SCHEMES = QUARTERLY + HALF_YEARLY
PERIOD_DAYS = {"zj-skpw": 5, "datong-filing": 7}
PRIVATE = "王保密"  # the legal representative every workbook and 变更 names: never published
HREF = re.compile(r'href="([^"#?:]+)(?:[?#][^"]*)?"')

# Working days of the years chinesecalendar does not know (close to the State Council's pattern)
CALENDAR_TOML = """
[2027]
holidays = [2027-01-01, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11, 2027-02-12, 2027-04-05, 2027-05-03,
            2027-05-04, 2027-05-05, 2027-06-09, 2027-09-15, 2027-10-01, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
workdays = [2027-02-06, 2027-02-20, 2027-05-08, 2027-09-26, 2027-10-09]
[2028]
holidays = [2028-01-03, 2028-01-26, 2028-01-27, 2028-01-28, 2028-01-31, 2028-02-01, 2028-04-04, 2028-05-01,
            2028-05-02, 2028-05-03, 2028-05-29, 2028-10-02, 2028-10-03, 2028-10-04, 2028-10-05, 2028-10-06]
workdays = [2028-01-22, 2028-02-05, 2028-04-29, 2028-09-30, 2028-10-08]
[2029]
holidays = [2029-01-01, 2029-02-12, 2029-02-13, 2029-02-14, 2029-02-15, 2029-02-16, 2029-04-04, 2029-05-01,
            2029-05-02, 2029-05-03, 2029-06-18, 2029-09-24, 2029-10-01, 2029-10-02, 2029-10-03, 2029-10-04, 2029-10-05]
workdays = [2029-02-10, 2029-02-24, 2029-04-28, 2029-09-29, 2029-10-08]
"""


@dataclass
class Org:
    name: str
    code: str


@dataclass
class Target:
    """A certificate an action of ours was aimed at, and when."""

    action: str
    on: date
    returned: date | None = None


@dataclass
class World:
    rng: random.Random
    root: Path
    start: date
    end: date
    orgs: dict[str, list[Org]]
    events: dict[date, list] = field(default_factory=dict)
    actions: dict[str, list[str]] = field(default_factory=dict)  # scheme -> csv rows
    targets: dict[str, list[Target]] = field(default_factory=dict)  # certificate number -> actions aimed at it
    busy: set[tuple[str, str]] = field(default_factory=set)  # (scheme, code) with an action pending
    publish_days: set[date] = field(default_factory=set)  # days the site must change (periods, 公告, voids)
    seen_certs: dict[str, dict] = field(default_factory=dict)
    seen_results: dict[tuple, tuple] = field(default_factory=dict)
    seen_notices: dict[str, tuple] = field(default_factory=dict)
    certs_now: dict[str, dict] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    publishes: int = 0
    rebuilds: int = 0
    built: int = 0  # publishes that built a site (the others found nothing changed)
    incremental: int = 0  # … of which carried unchanged files over from the live build
    counts: dict[str, int] = field(default_factory=dict)
    stamp: list = field(default_factory=list)  # the workbooks folder as last seen

    @property
    def wb(self) -> Path:
        return self.root / "workbooks"

    def at(self, day: date, fn, *args) -> None:
        if self.start <= day <= self.end:
            self.events.setdefault(day, []).append((fn, args))

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


# --- workbooks ---------------------------------------------------------------------------------------


def write_workbook(w: World, scheme: str, folder: Path, org: Org, notice: date, name: str | None = None, quality: float | None = None) -> Path:
    values, tables = random_entry(scheme, w.rng, quality if quality is not None else 0.6 + 0.4 * w.rng.random())
    values.update(org_name=org.name, credit_code=org.code)
    if "legal_rep" in values:
        values["legal_rep"] = PRIVATE
    if scheme == "zj-skpw":
        values.update(application_date=notice - timedelta(days=30), ops_start_date=notice - timedelta(days=30 + 365 * 5))
        values["founded_date"] = values["ops_start_date"] - timedelta(days=100)
        values.update({f"mat_app_{i:02d}": "是" for i in range(1, 13)})
    path = folder / f"{name or org.name}.xlsx"
    fill_template(scheme, values, path, tables)
    return path


def hostile_workbook(w: World, folder: Path, notice: date) -> None:
    kind = w.rng.choice(["corrupt", "html", "xls"])
    if kind == "corrupt":
        (folder / "损坏的文件.xlsx").write_bytes(b"PK\x03\x04" + bytes(w.rng.randrange(256) for _ in range(500)))
    elif kind == "xls":
        (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    else:
        scheme = folder.parent.name
        org = Org('<script>alert(1)</script>" onload="x', credit_code(w.rng))
        write_workbook(w, scheme, folder, org, notice, name="hostile")
    w.count("hostile")


# --- rounds ----------------------------------------------------------------------------------------------


def plan_round(w: World, scheme: str, key: str, notice: date, cal) -> None:
    folder = w.wb / scheme / key
    period = notice_period(cal, notice, PERIOD_DAYS[scheme]) if scheme in PERIOD_DAYS else None
    closes = period.end if period else notice
    pool = list(w.orgs[scheme])
    w.rng.shuffle(pool)
    members = pool[: w.rng.randint(3, 5)]
    withheld = members[0].code if scheme == "zj-skpw" and w.rng.random() < 0.4 else None
    title = f"{notice.year}年{scheme}第{key}批评估结果" + ("“特别”批次" if w.rng.random() < 0.2 else "")

    def create():
        folder.mkdir(parents=True, exist_ok=True)
        text = f'title = "{title}"\nnotice_date = {notice}\n'
        if withheld:
            text += f'withheld = ["{withheld}"]\n'
        (folder / "round.toml").write_text(text, encoding="utf-8")
        for org in members:
            write_workbook(w, scheme, folder, org, notice)
        if w.rng.random() < 0.3:
            hostile_workbook(w, folder, notice)
        w.count("rounds")

    w.at(notice - timedelta(days=w.rng.randint(3, 20)), create)
    w.publish_days.update({notice, closes + timedelta(days=1)} | ({period.start, period.announce} if period else set()))
    if w.rng.random() < 0.25:  # D24: a second copy of one organisation arrives, then goes
        dup = members[-1]
        w.at(notice - timedelta(days=2), lambda: (write_workbook(w, scheme, folder, dup, notice, name="副本"), w.count("duplicates")))
        w.at(notice + timedelta(days=1), lambda: (folder / "副本.xlsx").unlink(missing_ok=True))
    if period and w.rng.random() < 0.5:  # a refill during 公示 replaces the result
        org = members[1]
        w.at(period.start + timedelta(days=1), lambda: (write_workbook(w, scheme, folder, org, notice), w.count("refills")))
    if w.rng.random() < 0.3:  # a refill after it is refused, the published result stands
        org = members[2]
        w.at(closes + timedelta(days=4), lambda: (write_workbook(w, scheme, folder, org, notice), w.count("late_refills")))
    if w.rng.random() < 0.3:  # D23: a new workbook after the period gets nothing
        late = pool[-1]
        w.at(closes + timedelta(days=6), lambda: (write_workbook(w, scheme, folder, late, notice), w.count("late_workbooks")))
    if withheld:
        release = (period.announce if period else notice) + timedelta(days=w.rng.randint(5, 30))

        def release_it():
            (folder / "round.toml").write_text(f'title = "{title}"\nnotice_date = {notice}\n', encoding="utf-8")
            w.count("released")

        w.at(release, release_it)


def plan_rounds(w: World, cal) -> None:
    year = w.start.year
    while date(year, 1, 1) <= w.end:
        for q, month in enumerate((2, 5, 8, 11), 1):
            for scheme in QUARTERLY:
                plan_round(w, scheme, f"{year}-{q}", _weekday(date(year, month, 10 + QUARTERLY.index(scheme) * 3)), cal)
        for h, month in enumerate((3, 9), 1):
            for i, scheme in enumerate(HALF_YEARLY):
                plan_round(w, scheme, f"{year}-h{h}", _weekday(date(year, month, 12 + 2 * i)), cal)
        year += 1


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


# --- actions ----------------------------------------------------------------------------------------------


def add_action(w: World, scheme: str, day: date, code: str, action: str, detail: str = "", doc: str = "") -> None:
    path = w.wb / scheme / "actions.csv"
    if not path.exists():
        path.write_text("date,credit_code,action,detail,document_no\n", encoding="utf-8-sig")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([day.isoformat(), code, action, detail, doc])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(buf.getvalue())
    w.count(action)


def daily_actions(w: World, day: date) -> None:
    """On some days, aim an action at a valid certificate seen on the last publish."""
    if w.rng.random() > 0.06:
        return
    valid = [
        c for c in w.certs_now.values() if c["status"] == "有效" and (c["scheme"], c["credit_code"]) not in w.busy and c["issued"] < day.isoformat()
    ]
    if not valid:
        return
    c = w.rng.choice(sorted(valid, key=lambda c: c["number"]))
    scheme, code, number = c["scheme"], c["credit_code"], c["number"]
    doc = f"文号〔{day.year}〕{w.rng.randint(1, 99)}号"
    kinds = ["年度检查合格", "年度检查不合格", "撤销", "变更", "变更", "注销", "降级"]
    kind = w.rng.choice(kinds if scheme == "zj-skpw" and c["grade"] != "2A" else kinds[:-1])
    if kind == "降级":
        lower = ["5A", "4A", "3A", "2A"]
        add_action(w, scheme, day, code, kind, lower[lower.index(c["grade"]) + 1], doc)
    elif kind == "变更":
        sep = w.rng.choice([";", "；"])
        what = w.rng.choice(
            [
                f"名称={c['org_name']}（更名）{sep}法定代表人={PRIVATE}",
                f"地址=新地址{day}号",
                f"分立={credit_code(w.rng)}",
                f"合并={credit_code(w.rng)}{sep}法定代表人={PRIVATE}",
            ]
        )
        add_action(w, scheme, day, code, kind, what, doc)
    else:
        add_action(w, scheme, day, code, kind, "", doc)
    if kind in ("年度检查合格", "年度检查不合格"):
        return
    w.targets.setdefault(number, []).append(Target(kind, day))
    w.busy.add((scheme, code))
    w.publish_days.update({day + timedelta(days=15), day + timedelta(days=16)})  # the return deadline and the void
    if kind in ("降级", "撤销") and scheme == "zj-skpw":
        r = w.rng.random()
        back = day + timedelta(days=w.rng.randint(1, 15)) if r < 0.5 else (day + timedelta(days=w.rng.randint(16, 25)) if r < 0.75 else None)
        if back:

            def give_back(number=number, back=back, scheme=scheme, code=code):
                add_action(w, scheme, back, code, "证书退回", number)
                w.targets[number][-1].returned = back

            w.at(back, give_back)
    w.at(day + timedelta(days=20), lambda: w.busy.discard((scheme, code)))


# --- the model --------------------------------------------------------------------------------------------


def expected_status(w: World, c: dict, day: date) -> str:
    """The status a certificate must have on `day`, from our own actions and the certificates seen."""
    number = c["number"]
    for t in w.targets.get(number, []):
        if t.action in ("降级", "撤销") and c["scheme"] == "zj-skpw" and day >= t.on + timedelta(days=16):
            if t.returned is None or t.returned > t.on + timedelta(days=15):
                return "已作废"
    for t in w.targets.get(number, []):
        if t.on <= day:
            return {"撤销": "已撤销", "降级": "已换发", "变更": "已换发", "注销": "已注销"}[t.action]
    # a renewal: a later certificate of the same organisation and scheme replaces it
    later = [
        o for o in w.seen_certs.values()
        if o["scheme"] == c["scheme"] and o["credit_code"] == c["credit_code"] and o["issued"] > c["issued"] and o["issued"] <= day.isoformat()
        and o["round"]
    ]  # fmt: skip
    if later and (not c["expires"] or min(o["issued"] for o in later) <= c["expires"]):
        return "已换发"
    if c["expires"] and day.isoformat() > c["expires"]:
        return "已过期"
    return "有效"


def check(w: World, site: Path, day: date) -> None:
    bad = w.violations.append
    try:
        certs = json.loads((site / "data" / "certificates.json").read_text(encoding="utf-8"))
        results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
        notices = json.loads((site / "data" / "notices.json").read_text(encoding="utf-8"))
        for name in ("certificates.csv", "results.csv"):
            list(csv.reader((site / "data" / name).read_text(encoding="utf-8-sig").splitlines()))
        ET.parse(site / "feed.xml")
    except (OSError, ValueError, ET.ParseError, csv.Error) as exc:
        bad(f"{day}: open data or feed unreadable: {exc}")
        return
    now = {c["number"]: c for c in certs}
    for number, old in w.seen_certs.items():
        c = now.get(number)
        if c is None:
            bad(f"{day}: certificate {number} disappeared")
        elif any(c[k] != old[k] for k in ("scheme", "credit_code", "grade", "issued", "expires")):
            bad(f"{day}: certificate {number} changed: {old} -> {c}")
    for c in certs:
        w.seen_certs.setdefault(c["number"], c)
        if c["number"] in w.certs_now and c["issued"] != w.seen_certs[c["number"]]["issued"]:
            bad(f"{day}: {c['number']} re-dated")
    for c in certs:
        want = expected_status(w, w.seen_certs[c["number"]], day)
        if c["status"] != want:
            bad(f"{day}: {c['number']} ({c['scheme']} {c['grade']} issued {c['issued']}) is {c['status']}, the model says {want}")
    for r in results:
        key = (r["scheme"], r["round"], r["credit_code"])
        value = (r["total"], r["grade"])
        if key in w.seen_results and w.seen_results[key] != value and r["status"] not in ("公示中",):
            bad(f"{day}: published result {key} changed {w.seen_results[key]} -> {value}")
        if r["status"] != "公示中":
            w.seen_results[key] = value
    for n in notices:
        value = (n["kind"], n["title"], n["published"])
        if w.seen_notices.setdefault(n["id"], value) != value:
            bad(f"{day}: notice {n['id']} changed")
    w.certs_now = now
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if PRIVATE in text:
            bad(f"{day}: {page.relative_to(site)} publishes the legal representative")
        for link in HREF.findall(text):
            if link.startswith(("/", "http")) or link.endswith((".css", ".js")):
                continue
            target = (page.parent / link).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                bad(f"{day}: {page.relative_to(site)} links to missing {link}")


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rebuild_equal(w: World, day: date) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(w.root / "registry.sqlite", Path(tmp) / "registry.sqlite")
        publish(w.wb, Path(tmp) / "public", day, Path(tmp) / "registry.sqlite", force=True)
        a, b = tree(w.root / "public"), tree(Path(tmp) / "public")
        if a != b:
            diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            w.violations.append(f"{day}: a rebuild differs in {len(diff)} files, e.g. {diff[:3]}")
    w.rebuilds += 1


# --- the run ------------------------------------------------------------------------------------------------


def simulate(years: float, seed: int, root: Path, rebuild_every: int = 1, quiet_every: int = 11, log=print) -> World:
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    w = World(rng, root, start, start + timedelta(days=int(365 * years)), orgs={})
    w.wb.mkdir(parents=True)
    (w.wb / "calendar.toml").write_text(CALENDAR_TOML, encoding="utf-8")
    cal = load_calendar(w.wb / "calendar.toml")
    for scheme in SCHEMES:
        w.orgs[scheme] = [Org(org_name(rng), credit_code(rng)) for _ in range(8)]
    plan_rounds(w, cal)
    history(w)
    day, started = start, time.perf_counter()
    while day <= w.end:
        for fn, args in w.events.pop(day, []):
            fn(*args)
        daily_actions(w, day)
        expiring = any(c["expires"] and date.fromisoformat(c["expires"]) + timedelta(days=1) == day for c in w.certs_now.values())
        quarter = day.day == 1 and day.month in (1, 4, 7, 10)  # the 抽查 draw
        if _inputs_changed(w) or expiring or quarter or day in w.publish_days or (day - start).days % quiet_every == 0:
            try:
                result = publish(w.wb, root / "public", day, root / "registry.sqlite")
            except Exception as exc:  # a violation, not a crash of the simulator
                w.violations.append(f"{day}: publish failed: {type(exc).__name__}: {exc}")
            else:
                w.publishes += 1
                w.built += not result.skipped
                w.incremental += result.carried > 0
                check(w, root / "public", day)
                if not result.skipped and rebuild_every and w.publishes % rebuild_every == 0:
                    rebuild_equal(w, day)
                if w.publishes % 25 == 0:
                    log(
                        f"  {day}: {w.publishes} publishes, {len(w.seen_certs)} certificates, {len(w.violations)} violations, "
                        f"{time.perf_counter() - started:.0f} s"
                    )
        day += timedelta(days=1)
    return w


def _inputs_changed(w: World) -> bool:
    """Did a file of the workbooks folder appear, change or go since the last look?"""
    stamp = sorted((str(p), p.stat().st_mtime_ns) for p in w.wb.rglob("*") if p.is_file())
    changed = stamp != w.stamp
    w.stamp = stamp
    return changed


def history(w: World) -> None:
    """A round of 2023 loaded on the first day (taken as a whole, D23): its certificates expire, or
    are renewed by a later application, within the simulated years."""
    folder = w.wb / "zj-skpw" / "2023-1"
    folder.mkdir(parents=True)
    (folder / "round.toml").write_text('title = "2023年度第一批评估结果"\nnotice_date = 2023-05-10\n', encoding="utf-8")
    # two of the pool renew through later rounds; three others never apply again and expire
    for org in w.orgs["zj-skpw"][:2] + [Org(org_name(w.rng), credit_code(w.rng)) for _ in range(3)]:
        write_workbook(w, "zj-skpw", folder, org, date(2023, 5, 10), quality=1.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=float, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rebuild-every", type=int, default=1, help="check a byte-identical rebuild after every Nth publish (0: never)")
    ap.add_argument("--quiet-every", type=int, default=11, help="also publish every Nth day when nothing happens")
    ap.add_argument("--keep", type=Path, help="keep the instance (workbooks, registry, site) in this folder")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="simulate-"))
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    t = time.perf_counter()
    w = simulate(args.years, args.seed, root, args.rebuild_every, args.quiet_every)
    seconds = time.perf_counter() - t
    for v in w.violations[:50]:
        print("VIOLATION", v)
    days = (w.end - w.start).days + 1
    print(
        f"simulated {days} days ({w.start} – {w.end}), seed {args.seed}: {w.publishes} publishes ({w.built} built, {w.incremental} of them incremental), {w.rebuilds} rebuilds compared, "
        f"{len(w.seen_certs)} certificates, {len(w.seen_notices)} notices, {len(w.violations)} violations, {seconds:.0f} s; "
        + ", ".join(f"{k} {v}" for k, v in sorted(w.counts.items()))
        + "; statuses on the last day: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(c["status"] for c in w.certs_now.values()).items()))
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if w.violations else 0


if __name__ == "__main__":
    sys.exit(main())
