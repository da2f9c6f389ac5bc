#!/usr/bin/env python3
"""Benchmark the nightly publish at scale, with its floor measured in the same run.

For each size N (organisations, made by `scripts/make_samples.py N`):
  - full publish from scratch (new registry, new output), in a child process: wall time, peak
    memory (max RSS), pages, search index size;
  - a no-change re-run (same inputs, same --today);
  - the floor: a bare `mkdocs build` with the same theme of the same number of plain Markdown
    pages kept out of the nav (jieba installed, as for us), in a child process.

    python scripts/bench_publish.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
    folder = ROOT / "bench-tmp" / f"samples-{n}"
    if not folder.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(n), "--out", str(folder)], check=True)
    return folder


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


def publish_command(src: Path, work: Path) -> list[str]:
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
        TODAY,
        "--db",
        str(work / "registry.sqlite"),
        "--no-office",  # the site alone (the office's PDFs are made once per document, not per night)
    ]


def run_size(n: int) -> dict:
    src = samples(n)
    work = ROOT / "bench-tmp" / f"publish-{n}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    cmd = publish_command(src, work)
    full, rss, out = child(cmd, work)
    pages = int(next(x for x in out.splitlines() if x.startswith("已发布")).split("已发布 ")[1].split(" ")[0])
    index = sum(f.stat().st_size for f in (work / "site" / "pagefind").rglob("*") if f.is_file())  # Pagefind's whole index
    again, rss2, out2 = child(cmd, work)
    assert "没有变化" in out2, out2[-500:]
    fs, frss, findex = floor(pages, ROOT / "bench-tmp" / f"floor-{n}")
    workbooks = sum(1 for _ in src.rglob("*.xlsx"))
    return {
        "orgs": n,
        "workbooks": workbooks,
        "pages": pages,
        "full_s": full,
        "full_rss_mb": rss,
        "rerun_s": again,
        "index_mb": index / 1e6,
        "index_mb_per_1000": index / 1e6 / (n / 1000),
        "floor_s": fs,
        "floor_rss_mb": frss,
        "floor_index_mb": findex / 1e6,
        "timing": next(x for x in out.splitlines() if x.startswith("已发布")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []
    for n in args.sizes:
        r = run_size(n)
        rows.append(r)
        print(f"\n{n} organisations ({r['workbooks']} workbooks, {r['pages']} pages): {r['timing']}")
        print(
            f"  full publish      {r['full_s']:6.1f} s, peak {r['full_rss_mb']} MB, search index {r['index_mb']:.2f} MB "
            f"({r['index_mb_per_1000']:.2f} MB per 1,000 organisations)"
        )
        print(f"  no-change re-run  {r['rerun_s']:6.1f} s")
        print(
            f"  floor: bare mkdocs build of {r['pages']} plain pages out of nav: {r['floor_s']:.1f} s, peak {r['floor_rss_mb']} MB, "
            f"index {r['floor_index_mb']:.2f} MB → ratio {r['full_s'] / r['floor_s']:.2f}"
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(
            f"\ngrowth {a['orgs']} → {b['orgs']} organisations (×{b['orgs'] / a['orgs']:.0f}): time ×{b['full_s'] / a['full_s']:.1f}, "
            f"per page {1000 * a['full_s'] / a['pages']:.1f} → {1000 * b['full_s'] / b['pages']:.1f} ms"
        )
    print("\n" + json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
