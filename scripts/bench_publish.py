#!/usr/bin/env python3
"""Benchmark the nightly publish at scale, with its floor measured in the same run.

For each size N (organisations, made by `scripts/make_samples.py N`, plus a zj-skpw round in its
公示 that new workbooks join):
  - full publish from scratch (new registry, new output), in a child process: wall time, peak
    memory (max RSS), pages, bytes on disk, search index size;
  - two floors in the same run: a bare `mkdocs build` with the same theme of as many plain
    Markdown pages kept out of the nav, and Jinja2 alone rendering and writing the same pages;
  - the five nights of issue 16 on that site, three times each: nothing changed, 1 new workbook,
    20 new workbooks, only the date moved, one 撤销 row (each a child process).

    python scripts/bench_publish.py [--sizes 1000 10000] [--full-only 30000]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-25"


def child(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """Run a child process; wall seconds and its own peak RSS (MB) via wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed:\n{out[-3000:]}")
    return seconds, usage.ru_maxrss // 1024, out


def samples(n: int) -> Path:
    """N organisations' workbooks: from make_samples, or for a multiple of 10,000 above it derived
    from the 10,000 (make_samples fills ~5 workbooks a second here: 30,000 would take two hours)."""
    folder = ROOT / "bench-tmp" / f"samples-{n}"
    if not folder.exists():
        if n > 10000 and n % 10000 == 0:
            derive_samples(samples(10000), folder, n // 10000)
        else:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(n), "--out", str(folder)], check=True)
    return folder


CODE = re.compile(r">([0-9A-HJ-NPQRTUWXY]{18})<")
COMPANY = re.compile(r">([^<>]{4,40}?(?:有限公司|股份有限公司))<")
INFIX = ["", "江北", "江南", "城东", "城西", "滨湖", "高新", "临港", "开发区", "新城"]


def derive_copy(job: tuple[Path, Path, int]) -> None:
    """The workbook `src` as organisation copy k: every credit code replaced by another valid one of
    the same region, every company name given a district after its city (the same in every copy of
    the same workbook, so tables that name other units stay consistent)."""
    import random
    import zipfile

    from scoring.samples import credit_code

    src, dst, k = job

    def code(m: re.Match) -> str:
        new = credit_code(random.Random(f"{m[1]}-{k}"))
        return f">{m[1][:8]}{new[8:17]}" + _check(m[1][:8] + new[8:17]) + "<"

    def name(m: re.Match) -> str:
        return f">{m[1][:2]}{INFIX[k]}{m[1][2:]}<"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = COMPANY.sub(name, CODE.sub(code, data.decode("utf-8"))).encode("utf-8")
            zout.writestr(info, data)


def _check(body: str) -> str:
    from scoring.samples import CREDIT_CHARS, CREDIT_WEIGHTS

    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body, CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def derive_samples(base: Path, folder: Path, times: int) -> None:
    """`times` × the organisations of `base`: its workbooks and round files, plus copies 1..times-1."""
    from concurrent.futures import ProcessPoolExecutor

    work = folder.with_name(folder.name + ".partial")
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(base, work, copy_function=os.link)
    jobs = [(p, p.with_name(f"{p.stem}-{k}.xlsx"), k) for k in range(1, times) for p in sorted(work.rglob("*.xlsx"))]
    with ProcessPoolExecutor() as pool:
        list(pool.map(derive_copy, jobs, chunksize=64))
    os.replace(work, folder)  # only a finished set is ever used
    print(f"{folder}: {len(jobs)} workbooks derived from {base}")


FLOOR_BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
build(load_config(sys.argv[1]))
"""


def floor(pages: int, work: Path) -> tuple[float, int, int]:
    docs = work / "docs"
    if work.exists():
        shutil.rmtree(work)
    (docs / "p").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n\n一个页面。\n", encoding="utf-8")
    for i in range(pages - 1):
        (docs / "p" / f"{i:05d}.md").write_text(f"# 机构 {i}\n\n统一社会信用代码 91330100{i:010d}，运维服务能力评估结果。\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(
        "site_name: floor\nuse_directory_urls: true\ntheme:\n  name: material\n  language: zh\n  font: false\n"
        "nav:\n  - 首页: index.md\nplugins:\n  - search:\n      separator: '[\\s\\u200b\\-]'\n"
        f"docs_dir: {docs}\nsite_dir: {work / 'site'}\nvalidation:\n  nav:\n    omitted_files: ignore\n",
        encoding="utf-8",
    )
    seconds, rss, _ = child([sys.executable, "-c", FLOOR_BUILD, str(work / "mkdocs.yml")], work)
    index = (work / "site" / "search" / "search_index.json").stat().st_size
    return seconds, rss, index


def publish_command(src: Path, work: Path, today: str = TODAY) -> list[str]:
    """`scoring publish` of the samples in `src` into `work/site`, registry `work/registry.sqlite`."""
    return [
        sys.executable,
        "-m",
        "scoring",
        "publish",
        "--workbooks",
        str(src),
        "--out",
        str(work / "site"),
        "--today",
        today,
        "--db",
        str(work / "registry.sqlite"),
        "--no-office",  # the site alone (the office's PDFs are made once per document, not per night)
    ]


JINJA_FLOOR = """
import sys, time
from datetime import date
from pathlib import Path
from scoring.inputs import collect_inputs
from scoring.publish.pages import gather_pages
from scoring.publish.config import load_site_config
from scoring.publish.render import environment
from scoring.registry import cached_qr_codes, open_registry, public_view

db, wb, out, today = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), date.fromisoformat(sys.argv[4])
config = load_site_config()
with open_registry(db, write=False) as con:
    view, cached = public_view(con, today), cached_qr_codes(con)
pages, _ = gather_pages(view, collect_inputs(wb).calendar, config.site_url, config.issuer, config.schemes, cached)
env = environment(config)
start = time.perf_counter()
for page in pages:  # every page's HTML by our templates alone, written to a file: no theme, no MkDocs
    path = out / page.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(env.get_template(page.template).render(**page.context), encoding="utf-8")
print(f"jinja {time.perf_counter() - start:.3f} {len(pages)}")
"""


def jinja_floor(work: Path, src: Path) -> float:
    target = work / "jinja-floor"
    if target.exists():
        shutil.rmtree(target)
    _, _, out = child([sys.executable, "-c", JINJA_FLOOR, str(work / "registry.sqlite"), str(src), str(target), TODAY], work)
    line = next(x for x in out.splitlines() if x.startswith("jinja "))
    shutil.rmtree(target)
    return float(line.split()[1])


def disk_bytes(site: Path) -> int:
    """Bytes of every file of the built site (as served: apparent sizes)."""
    return sum(f.stat().st_size for f in site.resolve().rglob("*") if f.is_file())


def published_line(out: str) -> str:
    return next((x for x in out.splitlines() if x.startswith(("已发布", "网站内容没有变化"))), "")


def run_size(n: int, nights: bool) -> dict:
    src = samples(n)
    work = ROOT / "bench-tmp" / f"publish-{n}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    wb = work / "workbooks"
    shutil.copytree(src, wb, copy_function=os.link)  # the samples, shared by hard links; nights add files
    if nights:
        open_round(wb, n)
    cmd = publish_command(wb, work)
    full, rss, out = child(cmd, work)
    pages = int(published_line(out).split("已发布 ")[1].split(" ")[0])
    index = sum(f.stat().st_size for f in (work / "site" / "pagefind").rglob("*") if f.is_file())  # Pagefind's whole index
    row = {
        "orgs": n,
        "workbooks": sum(1 for _ in wb.rglob("*.xlsx")),
        "pages": pages,
        "full_s": full,
        "full_rss_mb": rss,
        "site_mb": disk_bytes(work / "site") / 1e6,
        "index_mb": index / 1e6,
        "timing": published_line(out),
    }
    row["jinja_floor_s"] = jinja_floor(work, wb)
    row["floor_s"], row["floor_rss_mb"], _ = floor(pages, ROOT / "bench-tmp" / f"floor-{n}")
    shutil.rmtree(ROOT / "bench-tmp" / f"floor-{n}")
    if nights:
        row["nights"] = run_nights(work, wb, n)
    return row


OPEN = "2026-bench"  # a zj-skpw round in its 公示 on TODAY: new workbooks join it


def open_round(wb: Path, n: int) -> None:
    folder = wb / "zj-skpw" / OPEN
    folder.mkdir()
    (folder / "round.toml").write_text('title = "2026年度第二批运维服务能力评估结果"\nnotice_date = 2026-11-24\n', encoding="utf-8")
    new_workbooks(folder, 10, "base")


def new_workbooks(folder: Path, count: int, tag: str) -> None:
    """Workbooks of new organisations, filled as make_samples fills zj-skpw's."""
    import random

    from scoring.excel.fill import fill_template
    from scoring.samples import complete_application, credit_code, random_entry

    rng = random.Random(f"bench-{tag}")
    for i in range(count):
        values, tables = random_entry("zj-skpw", rng, rng.choice([0.6, 0.8, 1.0]))
        values.update(org_name=f"杭州新申请{tag}{i}号环保科技有限公司", credit_code=credit_code(rng))
        complete_application(values, 2026)
        fill_template("zj-skpw", values, folder / f"new-{tag}-{i:02d}.xlsx", tables)


def run_nights(work: Path, wb: Path, n: int, reps: int = 3) -> dict:
    """The five nights of issue 16, `reps` times each, on the site just built: wall seconds (each a
    child process), files written anew / carried over, and the stages."""
    import sqlite3

    con = sqlite3.connect(work / "registry.sqlite")
    revocable = [
        code
        for (code,) in con.execute(
            "SELECT credit_code FROM certificates WHERE scheme='zj-skpw' AND replaced_by IS NULL AND expires > ? ORDER BY number LIMIT ?",
            (TODAY, reps),
        )
    ]
    con.close()
    day = datetime.date.fromisoformat(TODAY)
    found: dict[str, list[dict]] = {}

    def night(name: str, when: datetime.date) -> None:
        seconds, rss, out = child(publish_command(wb, work, when.isoformat()), work)
        line = published_line(out)
        found.setdefault(name, []).append({"s": seconds, "rss_mb": rss, "line": line})
        print(f"  {name:<18} {seconds:6.2f} s  {line[:200]}", flush=True)

    for _ in range(reps):
        night("nothing changed", day)
    for r in range(reps):
        new_workbooks(wb / "zj-skpw" / OPEN, 1, f"one{r}")
        night("1 new workbook", day)
    for r in range(reps):
        new_workbooks(wb / "zj-skpw" / OPEN, 20, f"twenty{r}")
        night("20 new workbooks", day)
    for _ in range(reps):
        day += datetime.timedelta(days=1)
        night("date only", day)
    actions = wb / "zj-skpw" / "actions.csv"
    actions.write_text("date,credit_code,action,detail,document_no\n", encoding="utf-8")
    for r in range(reps):
        with open(actions, "a", encoding="utf-8") as fh:
            fh.write(f"{day.isoformat()},{revocable[r]},撤销,存在弄虚作假行为,浙环〔2026〕{r + 1}号\n")
        night("one 撤销", day)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="full build and the five nights")
    ap.add_argument("--full-only", type=int, nargs="*", default=[], help="sizes for a full build alone (e.g. 30000)")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    rows = []
    for n in args.sizes + args.full_only:
        print(f"\n{n} organisations", flush=True)
        r = run_size(n, nights=n in args.sizes)
        rows.append(r)
        print(f"  {r['workbooks']} workbooks, {r['pages']} pages: {r['timing']}")
        print(
            f"  full publish      {r['full_s']:6.1f} s, peak {r['full_rss_mb']} MB, site {r['site_mb']:.0f} MB, search index {r['index_mb']:.2f} MB"
        )
        print(
            f"  floors: bare mkdocs of {r['pages']} plain pages {r['floor_s']:.1f} s (peak {r['floor_rss_mb']} MB); Jinja2 alone {r['jinja_floor_s']:.1f} s"
        )
        for name, runs in r.get("nights", {}).items():
            times = sorted(x["s"] for x in runs)
            print(f"  night: {name:<18} min {times[0]:.2f} s, median {times[len(times) // 2]:.2f} s")
    print("\n" + json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
