"""The site's search: Pagefind's index in bundles merged in the browser, each made again only when
one of its pages changed."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from .carry import Carry, digest, walk_files
from .mkdocs_build import Hubs
from .outcome import PublishError

__all__ = ["SEARCH_CHUNK", "index_bundles", "search_index"]

# a path a glob can name as it is (no glob syntax, no separator of alternatives)
PLAIN_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def index_bundles(site: Path, work: Path, todo: list[tuple[str, list[str]]]) -> None:
    """Pagefind's index of each bundle's pages into site/pagefind/<name> (Chinese segmentation:
    pagefind_extended), two bundles at a time (one per core). Pagefind reads the pages a glob names
    when their paths are plain (ours are), else copies linked into a folder of their own."""
    import subprocess
    import sys

    running: list[tuple[str, subprocess.Popen]] = []

    def finish(name: str, proc: subprocess.Popen) -> None:
        limit = PAGEFIND_SECONDS + PAGEFIND_SECONDS_PER_PAGE * len(dict(todo)[name])
        try:
            out, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:  # Pagefind stalls when it cannot write (no inode left): never wait for ever
            proc.kill()
            proc.communicate()
            raise PublishError(f"搜索索引生成超时（pagefind {name}，{limit:.0f} 秒未完成；发布目录所在磁盘的空间或 inode 可能已用完）") from None
        if proc.returncode != 0 or not (site / "pagefind" / name / "pagefind.js").is_file():
            raise PublishError(f"搜索索引生成失败（pagefind {name}）：{_pagefind_failure(out)}")

    try:
        for name, pages in todo:
            pattern = "{" + ",".join(pages) + "}"
            if all(PLAIN_PATH.fullmatch(rel) for rel in pages) and len(pattern) < 100_000:  # one argument stays under Linux's 128 KB
                read = ["--site", str(site), "--glob", pattern]
            else:
                stage = work / f"pagefind-{name}"
                for rel in pages:
                    (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.link(site / rel, stage / rel)
                read = ["--site", str(stage)]
            cmd = [sys.executable, "-m", "pagefind", *read, "--output-path", str(site / "pagefind" / name), "--quiet"]
            running.append((name, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
            if len(running) >= (os.cpu_count() or 1):
                finish(*running.pop(0))
        while running:
            finish(*running.pop(0))
    finally:
        for _, proc in running:
            proc.kill()
            proc.wait()


# how long one bundle's Pagefind may take: far more than it needs (about a second per hundred pages)
PAGEFIND_SECONDS, PAGEFIND_SECONDS_PER_PAGE = 120, 0.2


def _pagefind_failure(out: str) -> str:
    """Pagefind's output said in Chinese when the cause is known (a Rust panic's text is no message)."""
    text = out.lower()
    if "os error 28" in text or "no space left" in text or "storagefull" in text:
        return "发布目录所在磁盘已满（空间或 inode 已用完）"
    if "os error 122" in text or "quota exceeded" in text:
        return "超出磁盘配额"
    if "os error 13" in text or "permission denied" in text:
        return "没有写入发布目录的权限"
    return out.strip()[-500:]


# Organisation pages per search bundle. Pagefind cannot update an index, so the index is made of
# bundles merged in the browser: the hub pages' (pagefind/main/) and one per thousand organisations
# in registration order (pagefind/orgs-<n>/; new organisations fill the last). A night re-indexes
# only the bundles whose pages changed.
SEARCH_CHUNK = 1000


def search_index(carry: Carry, site: Path, work: Path, hubs: Hubs, searched: list[tuple[str, str, int]]) -> None:
    """Pagefind's bundles, each carried over when no page it reads has changed; the list of the
    organisations' bundles in pagefind/bundles.json (the search page merges them)."""
    hub_pages = sorted(rel for rel in carry.groups["mkdocs"]["files"] if rel.endswith(".html"))
    bundles = {"main": (digest(hubs.key), hub_pages)}
    chunks: dict[int, list[tuple[str, str]]] = {}
    for rel, key, order in searched:
        chunks.setdefault(order // SEARCH_CHUNK, []).append((rel, key))
    for n, chunk in sorted(chunks.items()):  # keyed by their pages alone: a hub page changing leaves them be
        bundles[f"orgs-{n}"] = (digest(*(f"{rel} {key}" for rel, key in chunk)), [rel for rel, _ in chunk])
    todo = []
    for name, (key, pages) in bundles.items():
        if carry.link_group(site, f"search:{name}", key) is None:
            shutil.rmtree(site / "pagefind" / name, ignore_errors=True)  # Pagefind writes into its folder: never into the spare's files
            todo.append((name, pages))
    index_bundles(site, work, todo)
    for name, _ in todo:
        carry.record_group(f"search:{name}", bundles[name][0], walk_files(site, f"pagefind/{name}"))
    merged = json.dumps([f"{name}/" for name in bundles if name != "main"])
    carry.put(site, "pagefind/bundles.json", None, lambda: merged)
