"""Faults of the disks under the nightly (issue 24, Deliver 3): `--out`, the registry and the backups
on a small tmpfs filled up (bytes or inodes). Each: a clear Chinese message, exit 1, the old site
still served, nothing lost, and the next night (after space is freed) completes. Skipped where
mounting is not allowed (a container without CAP_SYS_ADMIN)."""

import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow

NIGHTLY = ROOT / "scripts" / "nightly-publish"


@contextmanager
def tmpfs(folder: Path, size: str = "64m", inodes: int = 5000):
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},nr_inodes={inodes}", "tmpfs", str(folder)], capture_output=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here (no CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill_bytes(folder: Path) -> Path:
    """Write into `folder` until its disk is full; the filler is returned (remove it to free the space)."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0")
        except OSError:
            pass
    return filler


def fill_inodes(folder: Path) -> Path:
    """Create empty files in `folder` until no inode is left; the folder holding them is returned."""
    fillers = folder / f"fillers-{uuid.uuid4().hex}"
    fillers.mkdir()
    i = 0
    try:
        while True:
            (fillers / str(i)).touch()
            i += 1
    except OSError:
        pass
    return fillers


def nightly(tmp: Path, today: str, **where) -> subprocess.CompletedProcess:
    args = [sys.executable, str(NIGHTLY), "--workbooks", str(tmp / "wb"), "--out", str(tmp / "www" / "site")]
    args += ["--db", str(tmp / "db" / "registry.sqlite"), "--today", today]
    args += ["--log", str(tmp / "logs" / "nightly.log"), "--backups", str(tmp / "backups"), "--no-office"]
    return subprocess.run(args, capture_output=True, text=True, timeout=400, cwd=tmp)


def log_of(tmp: Path) -> str:
    return (tmp / "logs" / "nightly.log").read_text(encoding="utf-8")


def served(tmp: Path) -> dict[str, bytes]:
    site = tmp / "www" / "site"
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def counts(db: Path) -> dict[str, int]:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """One night published from the workbooks without the xuzhou-service scheme (the test then adds
    it: the next night has results to record and pages to write)."""
    base = tmp_path_factory.mktemp("published")
    shutil.copytree(ROOT / "workbooks", base / "wb", ignore=shutil.ignore_patterns("xuzhou-service"))
    for name in ("www", "db", "backups", "logs"):
        (base / name).mkdir()
    run = nightly(base, "2026-11-25")
    assert run.returncode == 0, run.stdout + run.stderr
    return base


def instance(published: Path, tmp: Path, mounted: str, **fs):
    @contextmanager
    def made():
        (tmp / "wb").parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(published / "wb", tmp / "wb")
        shutil.copytree(ROOT / "workbooks" / "xuzhou-service", tmp / "wb" / "xuzhou-service")
        for name in ("www", "db", "backups", "logs"):
            if name != mounted:
                shutil.copytree(published / name, tmp / name, symlinks=True)
        with tmpfs(tmp / mounted, **fs):
            shutil.copytree(published / mounted, tmp / mounted, symlinks=True, dirs_exist_ok=True)
            yield tmp / mounted

    return made()


def assert_next_night_completes(tmp: Path, before: dict[str, bytes], spare) -> None:
    """Space freed: the next night records the new scheme and publishes it."""
    spare()
    after = nightly(tmp, "2026-11-26")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "已发布" in after.stdout and "新结果 0" not in after.stdout
    pages = served(tmp)
    assert any("xuzhou-service" in p for p in pages) and not any("xuzhou-service" in p for p in before)
    assert not list((tmp / "www").glob(".site.work-*"))


def assert_old_site_whole(tmp: Path, before: dict[str, bytes], run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr and "程序内部错误" not in run.stdout
    assert served(tmp) == before
    assert not list((tmp / "www").glob(".site.work-*"))


def test_out_on_a_full_disk(published, tmp_path):
    with instance(published, tmp_path, "www") as www:
        before = served(tmp_path)
        filler = fill_bytes(www)
        run = nightly(tmp_path, "2026-11-26")
        assert_old_site_whole(tmp_path, before, run)
        assert "磁盘已满" in run.stdout and "原网站保持不变" in run.stdout and "No space" not in run.stdout
        assert "磁盘已满" in log_of(tmp_path)
        assert_next_night_completes(tmp_path, before, filler.unlink)


def test_out_without_an_inode_left(published, tmp_path):
    with instance(published, tmp_path, "www", inodes=2000) as www:
        before = served(tmp_path)
        fillers = fill_inodes(www)
        start = time.monotonic()
        run = nightly(tmp_path, "2026-11-26")
        assert time.monotonic() - start < 300
        assert_old_site_whole(tmp_path, before, run)
        assert "磁盘已满" in run.stdout and "原网站保持不变" in run.stdout and "panicked" not in run.stdout
        assert_next_night_completes(tmp_path, before, lambda: shutil.rmtree(fillers))


def test_pagefind_without_an_inode_left_is_stopped_and_said_in_chinese(tmp_path, monkeypatch):
    """Pagefind writing into a disk with no inode left stalled (8.5 min at 0 % CPU) or printed a raw
    Rust panic: it is bounded by a time limit and said in Chinese."""
    from scoring.publish import PublishError, search

    monkeypatch.setattr(search, "PAGEFIND_SECONDS", 20)
    with tmpfs(tmp_path / "disk", size="8m", inodes=200) as disk:
        site = disk / "site"
        (site / "a").mkdir(parents=True)
        (site / "a" / "index.html").write_text(
            "<html><head><title>甲</title></head><body data-pagefind-body><h1>徐州恒信生态环境服务有限公司</h1></body></html>",
            encoding="utf-8",
        )
        fillers = fill_inodes(disk)
        start = time.monotonic()
        with pytest.raises(PublishError) as raised:
            search.index_bundles(site, tmp_path, [("main", ["a/index.html"])])
        assert time.monotonic() - start < 60
        message = str(raised.value)
        assert message.startswith("搜索索引生成") and "panicked" not in message and ("inode" in message or "磁盘" in message)
        shutil.rmtree(fillers)


def test_registry_on_a_full_disk(published, tmp_path):
    with instance(published, tmp_path, "db", size="2m") as db_disk:
        before = served(tmp_path)
        recorded = counts(db_disk / "registry.sqlite")
        filler = fill_bytes(db_disk)
        run = nightly(tmp_path, "2026-11-26")
        assert_old_site_whole(tmp_path, before, run)
        assert "磁盘已满，登记库无法写入（本次的更改均未保存）" in run.stdout and "原网站保持不变" in run.stdout
        assert counts(db_disk / "registry.sqlite") == recorded  # the transaction rolled back
        assert_next_night_completes(tmp_path, before, filler.unlink)


def test_backups_on_a_full_disk(published, tmp_path):
    with instance(published, tmp_path, "backups", size="2m") as backups:
        before = served(tmp_path)
        recorded = counts(tmp_path / "db" / "registry.sqlite")
        filler = fill_bytes(backups)
        run = nightly(tmp_path, "2026-11-26")
        assert_old_site_whole(tmp_path, before, run)
        assert "无法写入登记库备份" in run.stdout and "磁盘已满" in run.stdout and "No space" not in run.stdout
        assert counts(tmp_path / "db" / "registry.sqlite") == recorded
        assert [p.name for p in backups.iterdir()] == [filler.name]  # no partial copy left
        assert_next_night_completes(tmp_path, before, filler.unlink)
        assert (backups / "registry-2026-11-26.sqlite").is_file()
