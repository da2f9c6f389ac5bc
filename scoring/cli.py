"""The `scoring` command: argument parsing and printing only (the work is in the library)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .excel.template import write_template
from .pipeline import collect_workbooks, missing_results, read_rows, result_counts, score_rows
from .rubric import load_rubric, scheme_ids

__all__ = ["main"]

SCHEMES = click.Choice(scheme_ids())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scoring")
def main():
    """运维服务机构能力评估：生成评估表模板、校验并批量计分。

    Capability assessments: generate workbook templates, validate and score filled workbooks.
    """


@main.command()
@click.argument("scheme", type=SCHEMES)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the blank workbook (.xlsx).")
def template(scheme: str, output: Path):
    """Write the blank workbook of SCHEME (zj-skpw, maturity, datong-filing, xuzhou-service, hosting)."""
    write_template(scheme, output)
    click.echo(f"已生成 {load_rubric(scheme).title} 评估表模板：{output}")


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
    return (f"共 {len(results)} 份：已计分 {c['scored']}，无效 {c['invalid']}，"
            f"材料不全 {c['incomplete']}，不符合申请条件 {c['ineligible']}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--scheme", type=SCHEMES, help="Require every workbook to be of this scheme.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes for large batches (default: all cores).")
def check(paths, scheme, jobs):
    """Validate workbooks (files, or folders searched for *.xlsx); one line per problem.

    Each line: file, sheet!cell, field, [code] message. Exit 0 when all are valid, 1 otherwise.
    """
    rows, missing = _read(paths, scheme, jobs)
    results = score_rows(rows) + missing_results(missing)
    for res in results:
        for e in res["errors"]:
            where = "!".join(x for x in (e["sheet"], e["cell"]) if x) or "-"
            click.echo("\t".join((res["file"], where, e["field"] or "-", f"[{e['code']}] {e['message']}")))
    bad = sum(1 for res in results if res["errors"])
    click.echo(f"检查 {len(results)} 份评估表：{bad} 份有问题", err=True)
    sys.exit(1 if bad else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the results as a JSON array to this file.")
@click.option("--scheme", type=SCHEMES, help="Require every workbook to be of this scheme.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes for large batches (default: all cores).")
def score(paths, json_out, scheme, jobs):
    """Validate and score workbooks; one result per workbook, also for invalid ones.

    Exit 0 when every workbook was scored, 1 when any was invalid, incomplete or ineligible.
    """
    rows, missing = _read(paths, scheme, jobs)
    results = score_rows(rows) + missing_results(missing)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        for res in results:
            total = "-" if res["total"] is None else f"{res['total']:.2f}"
            click.echo(f"{res['file']}\t{res['status']}\t{total}\t{res['grade'] or '-'}\t{res['org_name'] or ''}")
    click.echo(_summary(results))
    sys.exit(0 if all(res["status"] == "scored" for res in results) else 1)
