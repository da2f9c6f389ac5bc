"""The `scoring` command: argument parsing and printing only (the work is in the library)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import click

from .cli_text import install as install_chinese
from .excel.template import write_template
from .pipeline import collect_workbooks, missing_results, read_rows, result_counts, score_rows
from .rubric import load_rubric, scheme_ids, template_ids

__all__ = ["main"]

install_chinese()

SCHEMES = click.Choice(scheme_ids())
TEMPLATES = click.Choice([*template_ids(), "actions"])


class Commands(click.Group):
    """No Python traceback reaches a user: an unexpected error is said in one line (SCORING_DEBUG=1
    shows the traceback for a bug report)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except OSError as exc:  # a file that cannot be read or written: said as such, not as a bug
            if os.environ.get("SCORING_DEBUG"):
                raise
            from .files import os_reason

            where = f"无法读写 {exc.filename}" if exc.filename else "读写文件时出错"
            raise click.ClickException(f"{where}：{os_reason(exc)}") from None
        except Exception as exc:
            if os.environ.get("SCORING_DEBUG"):
                raise
            raise click.ClickException(f"程序内部错误（{type(exc).__name__}：{exc}）；设置环境变量 SCORING_DEBUG=1 后重试可看到详细信息") from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scoring")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="机构配置文件 scoring.toml（默认：当前目录或其上级目录中的 scoring.toml）。",
)
def main(config):
    """运维服务机构能力评估：生成评估表模板、校验并批量计分、维护登记库、发布网站。

    在机构工作目录（scoring init 创建，含 scoring.toml）中运行时，各目录和网站设置取自该文件；
    命令行参数优先。
    """


def _instance():
    """The instance (scoring.toml) the command runs in, read once; None outside any instance."""
    from .inputs.instance import InstanceError, find_instance

    root = click.get_current_context().find_root()
    if "instance" not in root.meta:
        try:
            root.meta["instance"] = find_instance(root.params.get("config"))
        except InstanceError as exc:
            raise click.ClickException(str(exc)) from None
    return root.meta["instance"]


def _configured(key: str, plain: str):
    """An option's default: the instance's path for `key`, else `plain` in the working folder."""

    def default() -> Path:
        inst = _instance()
        return inst.path(key) if inst else Path(plain)

    return default


@main.command(short_help="生成空白评估表模板。")
@click.argument("scheme", type=TEMPLATES)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="空白评估表的保存位置（.xlsx）。")
@click.option("--force", is_flag=True, help="覆盖已有的文件（默认不覆盖：已有的文件可能是填好的评估表）。")
def template(scheme: str, output: Path, force: bool):
    """生成 SCHEME 的空白评估表（zj-skpw、maturity、datong-filing、xuzhou-service、hosting），
    或表格 xuzhou-archive（表E.1 一企一档资料存档表：只校验，不计分），
    或 actions（操作表：年度检查、降级、撤销、证书退回、变更、注销；保存为 <评估类别>/actions.xlsx，与 actions.csv 等效）。"""
    if not force and output.is_file() and output.stat().st_size > 0:
        # a blank form written over a filled one loses the evaluator's entries
        raise click.ClickException(f"{output} 已存在，未覆盖（可能是已填写的评估表）；请换一个文件名，或加 --force 覆盖")
    if scheme == "actions":
        from .excel.actions import write_actions_template

        _save(output, write_actions_template)
        click.echo(f"已生成操作表模板：{output}（填好后保存为评估表目录中的 <评估类别>/actions.xlsx）")
        return
    _save(output, lambda path: write_template(scheme, path))
    click.echo(f"已生成 {load_rubric(scheme).title} 评估表模板：{output}")


def _save(path: Path, make) -> None:
    """A file the user named (-o, --json): made in a temporary folder by `make(path)`, then copied
    to `path`; a full disk or a file that takes no writes (/dev/full, /proc/…) is said in Chinese."""
    import tempfile

    from .files import os_reason

    with tempfile.TemporaryDirectory() as tmp:
        made = Path(tmp) / path.name
        make(made)
        data = made.read_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {path}：{os_reason(exc)}") from None


def _read(paths, scheme, jobs):
    files, missing = collect_workbooks(paths)
    show = sys.stderr.isatty() and len(files) > 20
    if show:
        with click.progressbar(length=len(files), label="读取评估表", file=sys.stderr) as bar:
            rows = read_rows(files, scheme, jobs, bar.update)
    else:
        rows = read_rows(files, scheme, jobs)
    return rows, missing


def _summary(results) -> str:
    c = result_counts(results)
    return f"共 {len(results)} 份：已计分 {c['scored']}，无效 {c['invalid']}，材料不全 {c['incomplete']}，不符合申请条件 {c['ineligible']}"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--scheme", type=SCHEMES, help="要求每份评估表都属于该评估类别。")
@click.option("--jobs", type=click.IntRange(1, 64), help="批量读取时的进程数（默认：全部 CPU 核）。")
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="为每份有问题的评估表在此目录生成批注副本（原文件不变）。",
)
@click.option("--today", help="评分日期（YYYY-MM-DD；默认：北京时间今天）：评估表中的日期不得晚于此日。")
def check(paths, scheme, jobs, annotate_dir, today):
    """校验评估表（文件，或目录下的全部 .xlsx），每个问题一行。

    每行：文件、工作表!单元格、字段、[问题代码] 说明。全部有效时退出码为 0，否则为 1。
    加 --annotate 时，另为每份有问题的评估表生成副本：问题单元格标色并加批注，首页列出全部问题。
    """
    rows, missing = _read(paths, scheme, jobs)
    results = score_rows(rows, _today(today)) + missing_results(missing)
    for res in results:
        for e in res.errors:
            click.echo(e.line(res.file))
        if annotate_dir and res.errors:
            from .excel.annotate import READ_REFUSED, annotate
            from .fields import visible

            refused = next((e for e in res.errors if e.code in READ_REFUSED), None)
            if refused:  # never opened by openpyxl: a zip bomb the reader stopped took it 69 s and 3.6 GB
                click.echo(visible(f"未生成批注副本（读取时已拒绝：{refused.message}）：{res.file}"), err=True)
                continue
            marked = annotate(res.file, [e.as_json() for e in res.errors], annotate_dir, _labels(res.scheme))
            click.echo(f"已生成批注副本：{marked}" if marked else f"无法生成批注副本（文件无法打开）：{res.file}", err=True)
    bad = sum(1 for res in results if res.errors)
    click.echo(f"检查 {len(results)} 份评估表：{bad} 份有问题", err=True)
    sys.exit(1 if bad else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="将结果以 JSON 数组写入此文件。")
@click.option("--scheme", type=SCHEMES, help="要求每份评估表都属于该评估类别。")
@click.option("--jobs", type=click.IntRange(1, 64), help="批量读取时的进程数（默认：全部 CPU 核）。")
@click.option("--today", help="评分日期（YYYY-MM-DD；默认：北京时间今天）：评估表中的日期不得晚于此日。")
def score(paths, json_out, scheme, jobs, today):
    """校验并计分；每份评估表一个结果（无效的也有）。

    全部已计分时退出码为 0；有无效、材料不全或不符合申请条件的为 1。
    """
    rows, missing = _read(paths, scheme, jobs)
    results = score_rows(rows, _today(today)) + missing_results(missing)
    if json_out:
        text = json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=1)
        _save(json_out, lambda path: path.write_text(text, encoding="utf-8"))
    else:
        for res in results:
            total = "-" if res.total is None else f"{res.total:.2f}"
            click.echo(f"{res.file}\t{res.status}\t{total}\t{res.grade or '-'}\t{res.org_name or ''}")
    click.echo(_summary(results))
    sys.exit(0 if all(res.status == "scored" for res in results) else 1)


# --- registry -------------------------------------------------------------------------------------

CHINA = timezone(timedelta(hours=8))  # Beijing time, no daylight saving


def _labels(scheme: str | None) -> dict[str, str]:
    """field or table id -> the form's item name, for the annotated copy's 问题清单."""
    if scheme not in scheme_ids():
        return {}
    from .rubric import load_rubric

    r = load_rubric(scheme)
    return {**{f: x.label for f, x in r.fields.items()}, **{t: x.label for t, x in r.tables.items()}}


def _site_config():
    """The site's settings: the package's mkdocs.yml with the instance's title, site_url and issuer."""
    from .publish import load_site_config

    return load_site_config(instance=_instance())


def _today(value: str | None):
    if value is None:  # the date in China, whatever the server's clock zone (a 02:15 cron is 18:15 UTC)
        return datetime.now(CHINA).date()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"应为 YYYY-MM-DD，实际为 {value!r}", param_hint="--today") from None
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise click.BadParameter(f"应在 2000-01-01 到 2099-12-31 之间，实际为 {value}", param_hint="--today")
    return day


TODAY = click.option("--today", help="按此日期计算公示期和证书状态（YYYY-MM-DD；默认：北京时间今天）。")
DB = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_configured("db", "registry.sqlite"),
    help="登记库（SQLite 文件；默认取 scoring.toml 中的设置，没有时为当前目录的 registry.sqlite）。",
)


@main.group()
def registry():
    """登记库：批次、结果、公示公告、证书与备案，保留全部历史。"""


def _open(db: Path, write: bool):
    from .registry import RegistryBusy, open_registry

    if not write and not db.exists():
        raise click.ClickException(f"登记库 {db} 不存在；请先运行 scoring registry ingest")
    try:
        return open_registry(db, write=write)
    except RegistryBusy as exc:
        raise click.ClickException(str(exc)) from None


def print_report(rep) -> None:
    from .cli_report import report_lines

    for line in report_lines(rep):
        click.echo(line)


@registry.command()
@click.option(
    "--workbooks",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=_configured("workbooks", "workbooks"),
    help="评估表目录：<类别>/<批次>/round.toml 和 *.xlsx，<类别>/actions.csv（默认取 scoring.toml 中的设置，没有时为 workbooks）。",
)
@TODAY
@DB
def ingest(workbooks, today, db):
    """按评估表目录更新登记库（重复运行不会重复记录）。"""
    from .jobs import ingest as run_ingest
    from .registry import RegistryBusy, RegistryDateError, RegistryTampered

    try:
        with _open(db, True) as con:
            print_report(run_ingest(con, workbooks, _today(today)))
    except (RegistryBusy, RegistryDateError, RegistryTampered) as exc:
        raise click.ClickException(str(exc)) from None


@registry.command("certificates")
@click.option("--scheme", type=SCHEMES, help="只列出该评估类别的证书或备案。")
@click.option("--due", is_flag=True, help="只列出即将到期、应申请复审的证书。")
@TODAY
@DB
def list_certificates(scheme, due, today, db):
    """列出证书与备案及其在 --today 当日的状态。"""
    from .registry import certificates, renewals_due

    with _open(db, False) as con:
        rows = renewals_due(con, _today(today)) if due else certificates(con, _today(today), scheme)
    rows = [c for c in rows if not scheme or c["scheme"] == scheme]
    if not rows:
        click.echo(f"截至 {_today(today)}，没有需要申请复审的证书" if due else "登记库中还没有证书或备案", err=True)
    for c in rows:
        extra = f"\t应于 {c['renewal_due']} 起申请复审" if due else ""
        click.echo(
            f"{c['number']}\t{c['scheme']}\t{c['grade']}\t{c['status']}\t{c['issued']}\t{c['expires'] or '-'}\t"
            f"{c['org_name']}\t{c['credit_code']}{extra}"
        )


@registry.command()
@click.argument("who")
@TODAY
@DB
def show(who, today, db):
    """显示一个机构的全部公开记录（WHO：统一社会信用代码，或名称中的一段文字）。"""
    from .fields import visible  # what a registry of an older version recorded, shown one line each
    from .registry import find_organisations, organisation_history

    with _open(db, False) as con:
        found = find_organisations(con, who)
        if len(found) > 1:
            lines = "\n".join(f"  {c}\t{visible(n)}" for c, n in found[:50])
            raise click.ClickException(f"有 {len(found)} 个机构的名称含“{who}”，请用统一社会信用代码查询：\n{lines}")
        code = found[0][0] if found else who.strip().upper()
        h = organisation_history(con, code, _today(today))
    if h is None:
        raise click.ClickException(f"登记库中没有统一社会信用代码或名称为“{who}”的机构")
    click.echo(visible(f"{h['name']}（{h['credit_code']}）"))
    for n in h["names"]:
        click.echo(visible(f"  名称/地址 自 {n['valid_from']}：{n['name']}；{n['address'] or '-'}"))
    for e in h["events"]:
        if e["what"] == "result":
            total = "-" if e["total"] is None else f"{e['total']:.2f}"
            click.echo(f"  {e['date']} 评估结果 {e['scheme']}/{e['round']}：{total} 分，{e['grade'] or '-'}（{e['status']}）")
        elif e["what"] == "certificate":
            click.echo(f"  {e['date']} 证书 {e['number']} {e['grade']}，有效期至 {e['expires'] or '-'}，现为{e['status']}")
        else:
            click.echo(visible(f"  {e['date']} {e['action']} {e['detail']} {e['document_no']}".rstrip()))


@registry.command("verify")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), help="同时核对该已发布网站的开放数据与登记库是否一致。")
@DB
def verify_registry(site, db):
    """校验登记库是否被绕过本系统改动：保护触发器、审计日志校验链、内容校验值；
    加 --site 时还核对已发布网站的开放数据与登记库在发布当日的内容是否一致。

    全部通过时退出码为 0，否则为 1（每个问题一行）。
    """
    try:
        problems = _verify(db, site)
    except sqlite3.Error as exc:  # a full disk or a damaged file: said, not a traceback
        from .jobs import registry_error

        raise click.ClickException(registry_error(exc, db).rsplit("；", 1)[0]) from None
    for line in problems:
        click.echo(line)
    click.echo("登记库校验通过" if not problems else f"登记库校验未通过：{len(problems)} 个问题", err=True)
    sys.exit(1 if problems else 0)


def _verify(db: Path, site: Path | None) -> list[str]:
    """The registry's problems, and with `site` the published open data's differences."""
    import tempfile

    from .publish.layout import read_state
    from .registry import export_open_data, verify

    with _open(db, False) as con:
        problems = [p.message for p in verify(con, str(db))]
        if site is not None:
            built = read_state(Path(site).absolute()).get("today")
            if not built:
                problems.append(f"{site}：找不到发布记录（不是 scoring publish 发布的网站）")
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    for path in export_open_data(con, date.fromisoformat(built), Path(tmp)):
                        published = Path(site) / "data" / path.name
                        if not published.is_file() or published.read_bytes() != path.read_bytes():
                            problems.append(f"{published}：与登记库在 {built} 的内容不一致")
    return problems


@registry.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="开放数据文件的输出目录。")
@TODAY
@DB
def export(out, today, db):
    """导出开放数据（证书、结果、公告）为 CSV 和 JSON。"""
    from .registry import export_open_data

    if any(part.startswith(".") and part.endswith(".builds") for part in Path(out).resolve().parts):
        # a published build: its files are shared with the next night's build (carried by hard link)
        raise click.ClickException(f"{out} 在已发布的网站之内，不能写入（网站的开放数据由 scoring publish 生成）；请换一个目录")
    with _open(db, False) as con:
        for path in export_open_data(con, _today(today), out):
            click.echo(str(path))


# --- publish --------------------------------------------------------------------------------------

OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=_configured("out", "public"),
    help="静态网站的输出位置（默认取 scoring.toml 中的设置，没有时为 public；整体替换：新网站完整生成之前，原网站保持不变；只会替换本系统以前发布的网站或空目录）。",
)


def _office_default():
    """The instance's office folder; outside an instance publish writes no office files unless asked."""
    inst = _instance()
    return inst.path("office") if inst else None


OFFICE = click.option(
    "--office",
    type=click.Path(file_okay=False, path_type=Path),
    default=_office_default,
    help="办公文件目录：证书 PDF、评估报告、通知书、工作台（不公开；默认取 scoring.toml 中的设置；不在机构工作目录中时不生成，除非指定此项）。",
)
NO_OFFICE = click.option("--no-office", is_flag=True, help="本次不生成办公文件（如基准测试、只预览网站）。")
OFFICE_DIR = click.option(
    "--office",
    type=click.Path(file_okay=False, path_type=Path),
    default=_configured("office", "office"),
    help="办公文件目录（默认取 scoring.toml 中的设置，没有时为 office）。",
)


@main.command()
@click.option(
    "--workbooks",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=_configured("workbooks", "workbooks"),
    help="评估表目录（<类别>/<批次>/round.toml 和 *.xlsx、actions.csv、calendar.toml；默认取 scoring.toml 中的设置，没有时为 workbooks）。",
)
@OUT
@TODAY
@DB
@OFFICE
@NO_OFFICE
def publish(workbooks, out, today, db, office, no_office):
    """主任务：读取评估表、更新登记库、生成静态网站到 --out。

    网站已发布时退出码为 0（个别评估表的问题会列出，但不影响发布）；无法发布时为 1。
    """
    from .jobs import publish as run_publish
    from .publish import PublishError
    from .registry import RegistryBusy
    from .workers import Terminated, stop_on_sigterm

    try:
        with stop_on_sigterm():  # a stop (cron, systemd, kill) runs every clean-up and ends the workers
            result = run_publish(workbooks, out, _today(today), db, _site_config(), office=None if no_office else office)
    except (PublishError, RegistryBusy) as exc:
        raise click.ClickException(str(exc)) from None
    except Terminated:
        raise click.ClickException("发布被终止（收到 SIGTERM），本次的临时文件已清理，原网站保持不变") from None
    from .cli_report import publish_lines

    for line in publish_lines(result, out):
        click.echo(line)


@main.command()
@click.option(
    "--workbooks",
    type=click.Path(file_okay=False, path_type=Path),
    default=_configured("workbooks", "workbooks"),
    help="评估表目录（默认取 scoring.toml 中的设置，没有时为 workbooks）。",
)
@OUT
@TODAY
@DB
@click.option(
    "--log",
    type=click.Path(path_type=Path),  # a folder of that name is reported in the run's output, the night still runs
    default=lambda: _configured("logs", "logs")() / "nightly-publish.log",
    help="运行摘要追加到此日志文件（运行失败时也写；默认为 scoring.toml 中 logs 目录下的 nightly-publish.log）。",
)
@click.option(
    "--backups",
    type=click.Path(path_type=Path),  # a file of that name is reported in the log, like any backup that cannot be written
    default=lambda: (_instance().root / "backups") if _instance() else Path("backups"),
    help="登记库每日备份的目录（默认为机构目录或当前目录下的 backups）。",
)
@click.option("--keep", type=click.IntRange(1, 3650), default=30, show_default=True, help="保留的每日备份份数。")
@OFFICE
@NO_OFFICE
def nightly(workbooks, out, today, db, log, backups, keep, office, no_office):
    """夜间自动发布（供 cron 调用）：加锁、清理中断留下的文件、备份登记库、发布、写日志。

    退出码 0：已发布或无需更新；1：未能发布（原网站保持不变）；2：用法错误；3：另一个发布正在运行。
    """
    from .cli_report import nightly_summary
    from .jobs import EXIT_NOTHING, STOPPED
    from .jobs import nightly as run_nightly
    from .workers import Terminated, stop_on_sigterm

    try:
        with stop_on_sigterm():  # a stop (cron, systemd, kill) runs every clean-up, ends the workers and is logged
            outcome = run_nightly(
                workbooks, out, db, _today(today), log, backups, keep, _site_config, None if no_office else office, summary=nightly_summary
            )
    except Terminated:  # after the job, before its handler was removed
        click.echo(STOPPED)
        sys.exit(EXIT_NOTHING)
    click.echo("\n".join(outcome.lines))
    sys.exit(outcome.code)


# --- the office -----------------------------------------------------------------------------------


@main.group()
def office():
    """办公文件（不公开）：证书 PDF、评估报告、通知书、异议答复、工作台与待办事项。

    scoring publish 每次运行时已自动更新；这里的命令用于单独重新生成或查看待办。
    """


WORKBOOKS_IN = click.option(
    "--workbooks",
    type=click.Path(file_okay=False, path_type=Path),
    default=_configured("workbooks", "workbooks"),
    help="评估表目录（读取各批次的 applications.csv 与 calendar.toml；默认取 scoring.toml 中的设置）。",
)


def _office_run(db, workbooks, today, office, kinds, number=None, force=False):
    from .inputs import collect_inputs
    from .office import build_office

    day = _today(today)
    with _open(db, False) as con:
        rep = build_office(con, collect_inputs(workbooks), day, _site_config(), Path(office), number, kinds, force)
    for p in rep.problems:
        click.echo(f"问题：{p}", err=True)
    return rep


@office.command("certificates")
@click.option("--number", help="只生成此编号的证书（或备案）。")
@DB
@WORKBOOKS_IN
@TODAY
@OFFICE_DIR
def office_certificates(number, db, workbooks, today, office):
    """重新生成证书与备案的打印文件（PDF，A4 横向，含核验二维码和盖章位置）。

    文件在 office/证书/<评估类别>/<编号>.pdf；二维码指向 scoring.toml 中 site_url 的核验页面。
    同样的登记内容和日期生成的 PDF 逐字节相同。
    """
    rep = _office_run(db, workbooks, today, office, ("certificates",), number, force=True)
    if number and not rep.made:
        raise click.ClickException(f"登记库中没有编号为 {number} 的证书或备案")
    for path in rep.made:
        click.echo(f"{Path(office) / path}.pdf")
    sys.exit(1 if rep.problems else 0)


@office.command("documents")
@DB
@WORKBOOKS_IN
@TODAY
@OFFICE_DIR
@click.option("--force", is_flag=True, help="全部重新生成（默认只生成内容有变化的文件）。")
def office_documents(db, workbooks, today, office, force):
    """生成全部办公文件：证书、评估报告（结果告知书）、通知书、异议答复和工作台 index.html。

    只重新生成内容有变化的文件（office/.manifest.json 记录每个文件的内容摘要）；
    用浏览器打开 office/index.html 查看申请进度、待办事项和全部文件。
    """
    from .office import ALL_KINDS

    rep = _office_run(db, workbooks, today, office, ALL_KINDS, force=force)
    click.echo(f"已生成或更新 {len(rep.made)} 份，未变 {rep.kept} 份；工作台：{Path(office) / 'index.html'}")
    sys.exit(1 if rep.problems else 0)


@office.command("due")
@DB
@WORKBOOKS_IN
@TODAY
@click.option("--quiet", is_flag=True, help="没有逾期或即将到期的事项时不输出任何内容（供 cron 邮件使用）。")
def office_due(db, workbooks, today, quiet):
    """列出逾期和 3 个工作日内到期的事项：申请各阶段时限（工作日，D12）、降级/撤销后的证书退回（D21）。

    有逾期事项时退出码为 1，否则为 0。
    """
    from .cli_report import due_line
    from .inputs import collect_inputs
    from .office import due_items

    day = _today(today)
    with _open(db, False) as con:
        items = [d for d in due_items(con, collect_inputs(workbooks), day) if d.urgent]
    if items:
        click.echo(f"{day} 待办 {len(items)} 项：")
        for d in items:
            click.echo(f"  {due_line(d)}")
    elif not quiet:
        click.echo(f"{day} 没有逾期或 3 个工作日内到期的事项")
    sys.exit(1 if any(d.state == "逾期" for d in items) else 0)


# --- the instance ---------------------------------------------------------------------------------


@main.command(short_help="创建一个机构的工作目录（scoring.toml、评估表目录、使用说明）。")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--scheme", "schemes", multiple=True, type=SCHEMES, help="本机构开展的评估类别（可重复；默认：全部）。")
@click.option("--title", default="", help="网站名称。")
@click.option("--issuer", default="", help="发证单位名称。")
@click.option("--site-url", default="", help="网站正式地址，如 https://pingjia.example.org/ 。")
def init(folder, schemes, title, issuer, site_url):
    """在 FOLDER 中创建机构工作目录：scoring.toml、每个评估类别一个示例批次、工作日历模板、使用说明。

    已有 scoring.toml 时不覆盖。之后在 FOLDER 中运行的命令都读取该配置。
    """
    from .inputs.instance import InstanceError, init_instance

    try:
        written = init_instance(folder, list(schemes) or list(scheme_ids()), title, issuer, site_url, _today(None))
    except InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"已创建 {path}")
    click.echo(
        f"\n下一步：\n  1. 编辑 {folder / 'scoring.toml'}：网站名称、site_url、发证单位及联系方式\n"
        f"  2. cd {folder}\n  3. scoring template <类别> -o 评估表.xlsx，填好后放入 workbooks/<类别>/<批次>/\n"
        "  4. scoring publish，然后 scoring serve 预览；每晚发布见 README 的“部署”"
    )


@main.command(short_help="在本机预览已发布的网站。")
@OUT
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口。")
def serve(out, port):
    """在 http://127.0.0.1:PORT/ 提供 --out 中已发布的网站（仅本机可访问，Ctrl+C 结束）。"""
    import functools
    import http.server

    if not (out / "index.html").is_file():
        raise click.ClickException(f"{out} 中还没有网站；请先运行 scoring publish")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def send_error(self, code, message=None, explain=None):
            page = out / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()  # the site's own Chinese 404, as a web server would serve it
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    # the symlink, not its target: each request follows it to the build swapped in last
    handler = functools.partial(Handler, directory=str(out.absolute()))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        click.echo(f"网站预览：http://127.0.0.1:{port}/ （Ctrl+C 结束）")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            click.echo("已停止")
