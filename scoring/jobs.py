"""The jobs: the stages run in order, nothing else (the way MkDocs' `build()` reads).

    config → collect inputs → read, validate, score → registry.record → office (private documents)
           → public view → pages → build → check → swap

`publish` is the main job; `ingest` is its first half (the registry update alone); `nightly` is the
unattended run around `publish` (lock, clean-up, backup, log). The CLI is a thin shell over these.
One lock (beside --out) spans a whole publish, so a manual publish and the nightly run never
overlap; the registry's own lock keeps any other writer out of the database.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .fields import visible
from .files import copy_tree, os_reason
from .inputs import Inputs, collect_inputs
from .office import OfficeReport, build_office
from .pipeline import score_files
from .publish.carry import load_carry
from .publish.check import check_site
from .publish.config import SiteConfig, code_fingerprint, copy_assets, load_site_config, site_state
from .publish.detail import assemble_details, write_sitemap
from .publish.layout import (
    builds_folder,
    clean_leftovers,
    is_our_output,
    new_work_folder,
    publish_lock,
    read_state,
    retire,
    save_manifest,
    swap_in,
    write_state,
)
from .publish.mkdocs_build import build_epoch, build_hubs, material_search
from .publish.outcome import PublishBusy, PublishError, PublishResult
from .publish.pages import gather_pages, nav_for, url_of
from .publish.render import render, write_feed, write_search_dictionary
from .publish.search import search_index
from .registry import (
    BackupFailed,
    RegistryBusy,
    RegistryDateError,
    RegistryTampered,
    Report,
    backup_registry,
    cache_qr_codes,
    cached_qr_codes,
    export_open_data,
    known_hashes,
    open_registry,
    public_view,
    record,
    registry_identity,
    save_hashes,
    unread_files,
)
from .result import Result
from .workers import Terminated, not_stopped

__all__ = [
    "publish",
    "ingest",
    "nightly",
    "PublishBusy",
    "Stopwatch",
    "NightlyOutcome",
    "EXIT_PUBLISHED",
    "EXIT_NOTHING",
    "EXIT_USAGE",
    "EXIT_LOCKED",
]

EXIT_PUBLISHED, EXIT_NOTHING, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


class Stopwatch:
    """Seconds per stage: `with clock.stage("mkdocs"): …`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t


@contextmanager
def _registry(db: Path) -> Iterator[sqlite3.Connection]:
    """The registry for writing; SQLite's own failures said in Chinese, as a PublishError."""
    try:
        with open_registry(db) as con:
            yield con
    except sqlite3.Error as exc:
        raise PublishError(registry_error(exc, db)) from exc


def registry_error(exc: sqlite3.Error, db: Path) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        why = "登记库文件或其所在目录只读，无法写入"
    elif "full" in text:
        why = "磁盘已满，登记库无法写入（本次的更改均未保存）"
    elif "locked" in text or "busy" in text:
        why = "登记库正被另一个程序使用"
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        why = "登记库文件已损坏，请从 backups/ 中的备份恢复"
    elif "unable to open" in text:
        why = "无法打开登记库文件"
    else:
        why = f"登记库出错（{exc}）"
    return f"{why}：{db}；原网站保持不变"


def _score(inputs: Inputs, con: sqlite3.Connection, today: date) -> dict[str, Result]:
    """Read, validate and score only the workbooks whose content the registry has not recorded
    (scored as of `today`: no date in a workbook may be later)."""
    files = unread_files(con, inputs)
    scheme_of = {f.rel: s.scheme for s in inputs.schemes for r in s.rounds for f in r.files}
    results: list[Result] = []
    for i in range(0, len(files), SCORE_CHUNK):  # a chunk's workbook contents are dropped once scored: memory stays bounded
        results += score_files([(f.path, scheme_of[f.rel]) for f in files[i : i + SCORE_CHUNK]], scoring_date=today)
    return {f.rel: res for f, res in zip(files, results)}


# workbooks read and scored together: a first night of 30,000 organisations held every workbook's
# contents at once (1.7 GB)
SCORE_CHUNK = 2000


def ingest(con: sqlite3.Connection, workbooks: Path, today: date) -> Report:
    """The registry update alone: collect → score → record."""
    inputs = collect_inputs(Path(workbooks))
    return record(con, inputs, _score(inputs, con, today), today)


def _paths(workbooks: Path, out: Path, db: Path, office: Path | None = None) -> tuple[Path, Path, Path]:
    workbooks, out, db = Path(workbooks).resolve(), Path(out).absolute(), Path(db).resolve()
    real_out = out.resolve() if out.exists() else out
    if office is not None:
        office = Path(office).resolve()
        if _in_site(office, out):
            raise PublishError(f"办公文件目录 {office} 不能放在发布目录 {out} 之内（其中的文件不公开）")
    if _in_site(db, out):
        raise PublishError(f"登记库 {db} 不能放在发布目录 {out} 之内")
    if not is_our_output(out):
        raise PublishError(
            f"发布目录 {out} 已存在，但不是本系统以前发布的网站（也不是空目录）；为免覆盖其中的文件，未做任何更改。请用 --out 指定一个新的或空的目录"
        )
    if real_out == workbooks or real_out in workbooks.parents:
        raise PublishError(f"发布目录 {out} 不能是评估表目录 {workbooks} 或其上级目录")
    return workbooks, out, db


def _in_site(path: Path, out: Path) -> bool:
    """`path` is `out` or inside it (through its link or not), or inside the builds beside it: served
    to anyone, or swept as a leftover build. Undecidable (a link loop): False, the use then fails."""
    try:
        out = Path(out).absolute()
        places = {out, out.resolve(), builds_folder(out).resolve()}
        paths = {Path(path).absolute(), Path(path).resolve()}
    except (OSError, RuntimeError):
        return False
    return any(p == place or place in p.parents for p in paths for place in places)


def _nightly_paths(out: Path, backups: Path, log: Path) -> None:
    """The nightly's own files are private: never in the site."""
    if _in_site(backups, out):
        raise PublishError(f"备份目录 {backups} 不能放在发布目录 {out} 之内（备份是整个登记库，含不公开的内容）")
    if _in_site(log, out):
        raise PublishError(f"日志文件 {log} 不能放在发布目录 {out} 之内（日志不公开）")


def publish(
    workbooks: Path, out: Path, today: date, db: Path, config: SiteConfig | None = None, force: bool = False, office: Path | None = None
) -> PublishResult:
    """The main job: workbooks → registry → office documents (when `office` is given) → site in
    `out` (swapped in whole, or not at all)."""
    workbooks, out, db = _paths(workbooks, out, db, office)
    try:
        with publish_lock(out):
            clean_leftovers(out)
            return _publish(workbooks, out, today, db, config or load_site_config(), force, office)
    except OSError as exc:  # beside --out: its folder, a leftover that cannot be removed …
        raise PublishError(f"无法使用 {exc.filename or out}：{os_reason(exc)}；原网站保持不变") from exc


def make_office(con: sqlite3.Connection, inputs: Inputs, today: date, config: SiteConfig, office: Path) -> OfficeReport:
    """The office documents; a failure there is reported and never stops the site."""
    try:
        return build_office(con, inputs, today, config, office)
    except OSError as exc:
        return OfficeReport(office, problems=[f"无法写入办公文件目录：{os_reason(exc)}（{exc.filename or office}）"])
    except Exception:  # a bug: the site is still published, the log says what happened
        return OfficeReport(office, problems=["生成办公文件时程序内部错误：\n" + traceback.format_exc()])


def _publish(workbooks: Path, out: Path, today: date, db: Path, config: SiteConfig, force: bool, office: Path | None = None) -> PublishResult:
    clock = Stopwatch()
    work = new_work_folder(out)
    try:
        docs, site = work / "docs", work / "site"
        copy_tree(config.pages, docs)
        # the instance's CSS, logo and images over the package's (no link out of overrides/ followed)
        asset_problems = copy_assets(config, docs / "assets")
        with _registry(db) as con:
            with clock.stage("collect"):
                hashed = known_hashes(con)
                inputs = collect_inputs(workbooks, hashed)
            with clock.stage("score"):
                results = _score(inputs, con, today)
            with clock.stage("record"):
                try:
                    report = record(con, inputs, results, today)
                except (RegistryDateError, RegistryTampered) as exc:
                    raise PublishError(f"{exc}；原网站保持不变") from None
                report.problems += asset_problems
                save_hashes(con, inputs.hashes, hashed)
                del results  # recorded: the night's scored workbooks need not stay in memory through the build
            office_report = None
            if office is not None:
                with clock.stage("office"):
                    office_report = make_office(con, inputs, today, config, Path(office).resolve())
            with clock.stage("view"):
                view = public_view(con, today)
                base = code_fingerprint(config.root) + config.fingerprint()
                state = site_state(view, inputs.calendar, base)
                stored = read_state(out)
                owner = registry_identity(con)
                if stored.get("registry") not in (None, owner):  # two instances given the same --out
                    raise PublishError(
                        f"发布目录 {out} 中是另一个登记库发布的网站（另一个机构实例？）；为免互相覆盖，未做任何更改。"
                        f"请为本实例另设 --out；如确需由本登记库接管该网站，请删除 {builds_folder(out) / 'state.json'} 后重试"
                    )
                carry = load_carry(out, enabled=not force)
            if not force and stored.get("state") == state and (out / "index.html").is_file():
                return PublishResult(report, out, int(stored.get("pages", 0)), clock.seconds, [], skipped=True, office=office_report)
            with clock.stage("pages"):
                pages, shared = gather_pages(view, inputs.calendar, config.site_url, config.issuer, config.schemes, cached_qr_codes(con))
                cache_qr_codes(con, shared.qr_made)
                export_open_data(con, today, docs / "data", view)
        with clock.stage("render"):
            details = render(pages, docs, config)
            write_feed(docs / "feed.xml", shared.notices, config.site_url, shared.notice_paths, today, shared.summaries)
            for scheme in shared.schemes:  # one feed per scheme besides the site-wide one
                mine = [n for n in shared.notices if n["scheme"] == scheme["id"]]
                title = f"{scheme['rubric'].title} 公告与公示"
                write_feed(
                    docs / scheme["id"] / "feed.xml",
                    mine,
                    config.site_url,
                    shared.notice_paths,
                    today,
                    shared.summaries,
                    title,
                    f"{scheme['id']}/feed.xml",
                )
            if material_search():  # the jieba dictionary only Material's search plugin reads
                write_search_dictionary(work / "jieba_user.txt", shared.names)
        with clock.stage("mkdocs"):  # the hub pages, theme and shells (unchanged: carried over)
            carry.adopt_spare(out, site)
            hubs = build_hubs(carry, config, docs, site, work / "hubs", nav_for(shared.schemes), details, today, base)
        with clock.stage("details"):  # organisation and certificate pages into the shells (unchanged: carried over)
            searched = assemble_details(site, details, config.site_url, hubs.shells, carry, base)
            write_sitemap(carry, site, hubs.urls, details, config.site_url, today, build_epoch(today))
            carry.sweep(site, keep_under="pagefind/")  # nothing stale for Pagefind to read
        with clock.stage("search"):
            search_index(carry, site, work, hubs, searched)
            carry.sweep(site)
        with clock.stage("check"):
            check_site(site, [url_of(p.path) + "index.html" for p in pages], carry.written if carry.superset() else None, carry.listing())
        with clock.stage("swap"), not_stopped():  # a SIGTERM now lets the swap finish: the new site is published whole
            build, previous = swap_in(site, out)
            write_state(out, {"state": state, "today": today.isoformat(), "pages": len(pages), "registry": owner})
            save_manifest(out, carry.manifest(build))
            retire(previous, out, carry.old if carry.previous is not None else None)
        return PublishResult(
            report, out, len(pages), clock.seconds, hubs.warnings, office=office_report, carried=carry.linked, made=len(carry.written)
        )
    except OSError as exc:  # full disk, read-only or missing output folder …: say so, keep the old site
        raise PublishError(f"写入发布目录失败：{os_reason(exc)}（{exc.filename or out}）；原网站保持不变") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the unattended nightly run ----------------------------------------------------------------------


# the log's lines about a publish: (result, registry, --today, the last run's day, seconds) -> lines
Summary = Callable[[PublishResult, Path, date, date | None, float], list[str]]


STOPPED = "未能发布：运行被终止（收到 SIGTERM），本次的临时文件已清理，原网站保持不变；下次运行时继续"
INTERRUPTED = "未能发布：运行被中断（Ctrl+C），本次的临时文件已清理，原网站保持不变；下次运行时继续"


@dataclass
class NightlyOutcome:
    code: int  # EXIT_*
    lines: list[str] = field(default_factory=list)
    result: PublishResult | None = None


def nightly(
    workbooks: Path,
    out: Path,
    db: Path,
    today: date,
    log: Path,
    backups: Path,
    keep: int = 30,
    config: Callable[[], SiteConfig] = load_site_config,
    office: Path | None = None,
    *,
    summary: Summary,
) -> NightlyOutcome:
    """Lock, clean up after a killed run, back up the registry, publish, and append a summary to `log`
    (also when it fails). Never raises: the outcome's code says what happened. `config` loads the
    site's settings inside the guarded part, so a broken setting is logged like any failure.
    `summary` makes the log's lines about a publish (the CLI's `cli_report.nightly_summary`: the
    report's text lives beside the CLI), also inside the guarded part."""
    started = datetime.now()
    outcome = NightlyOutcome(EXIT_PUBLISHED, [f"== 夜间发布 {started:%Y-%m-%d %H:%M:%S}，--today {today} =="])
    lines = outcome.lines
    try:
        workbooks, out, db = _paths(workbooks, out, db, office)
        _nightly_paths(out, backups, log)
        with publish_lock(out):
            leftovers = clean_leftovers(out)
            if leftovers:
                lines.append(f"清理上次中断留下的临时文件 {len(leftovers)} 个")
            stored = read_state(out)
            since = date.fromisoformat(stored["today"]) if isinstance(stored.get("today"), str) else None
            try:
                saved = backup_registry(db, backups, today, keep)
            except sqlite3.Error as exc:  # the registry itself (a truncated or damaged file)
                raise PublishError(registry_error(exc, db)) from exc
            except BackupFailed as exc:
                raise PublishError(f"{exc}；为免在没有备份时更改登记库，本次未发布，原网站保持不变") from exc
            if saved:
                lines.append(f"登记库已备份：{saved}")
            t = time.perf_counter()
            outcome.result = result = _publish(workbooks, out, today, db, config(), False, office)
            lines += summary(result, db, today, since, time.perf_counter() - t)
    except PublishBusy as exc:
        lines.append(f"未执行：{exc}")
        outcome.code = EXIT_LOCKED
    except Terminated:  # SIGTERM (the CLI's stop_on_sigterm): every finally has run, the workers are gone
        lines.append(STOPPED)
        outcome.code = EXIT_NOTHING
    except KeyboardInterrupt:  # Ctrl+C in an interactive run: logged like a stop
        lines.append(INTERRUPTED)
        outcome.code = EXIT_NOTHING
    except (PublishError, RegistryBusy) as exc:
        lines.append(f"未能发布：{exc}")
        outcome.code = EXIT_NOTHING
    except OSError as exc:
        lines.append(f"未能发布：无法使用 {exc.filename or out}（{os_reason(exc)}）；原网站保持不变")
        outcome.code = EXIT_NOTHING
    except Exception:  # a bug: say so in the log; the previous site stays served
        lines.append("未能发布：程序内部错误，原网站保持不变")
        lines += [f"    | {line}" for line in traceback.format_exc().splitlines()]  # indented: no line of it reads as the log's own
        outcome.code = EXIT_NOTHING
    lines[:] = [visible(line) for line in lines]  # one line per item: a path or message with a line break forges none
    text = "\n".join(lines) + "\n"
    if _in_site(log, out):  # refused above: the lines are only printed
        return outcome
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        lines.append(visible(f"无法写入日志 {log}：{os_reason(exc)}"))
    return outcome
