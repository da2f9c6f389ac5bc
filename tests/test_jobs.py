"""The publish job and the nightly (`jobs.py`, `scripts/nightly-publish`): unattended, reproducible,
cheap when nothing changed. Faults — a run killed at named points (the swap included), a full
database, a read-only one, an output folder that is not ours, a second run — leave the old site
served whole and the registry consistent and verifiable, and the next run completes and cleans up."""

import errno
import fcntl
import filecmp
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from helpers import ROOT, D

from scoring.jobs import publish
from scoring.publish import PublishError
from scoring.publish.check import check_site
from scoring.publish.layout import publish_lock
from scoring.registry import open_registry, verify

NIGHTLY = ROOT / "scripts" / "nightly-publish"


def nightly(tmp, today="2026-11-25", workbooks=None, **kw):
    args = [
        sys.executable,
        str(NIGHTLY),
        "--workbooks",
        str(workbooks or ROOT / "workbooks"),
        "--out",
        str(tmp / "www" / "site"),
        "--db",
        str(tmp / "registry.sqlite"),
        "--today",
        today,
        "--log",
        str(tmp / "logs" / "nightly.log"),
        "--backups",
        str(tmp / "backups"),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp, **kw)


def served_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("index.html"))


def test_unattended_runs_summary_backup_and_cheap_rerun(tmp_path):
    first = nightly(tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "新结果 45" in out and "新证书/备案 9" in out and "[评估表问题]" in out and "已发布" in out
    site = tmp_path / "www" / "site"
    assert (site / "index.html").exists() and site.is_symlink()
    second = nightly(tmp_path, today="2026-11-26")
    assert second.returncode == 0 and "网站内容没有变化" in second.stdout
    # taken before each night's changes; the first night has no registry yet
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["registry-2026-11-26.sqlite"]
    assert (tmp_path / "logs" / "nightly.log").read_text(encoding="utf-8").count("== 夜间发布") == 2
    # the date moves a status: the build is redone (a certificate's renewal is due three years on)
    third = nightly(tmp_path, today="2029-08-20")
    assert third.returncode == 0 and "已发布" in third.stdout and "即将到期" in third.stdout


def test_same_inputs_and_today_give_a_byte_identical_site(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        publish(ROOT / "workbooks", d / "site", date(2026, 11, 25), d / "registry.sqlite")
    cmp = filecmp.dircmp(a / "site", b / "site")

    def differences(c):
        found = c.left_only + c.right_only + c.diff_files + c.funny_files
        for sub in c.subdirs.values():
            found += differences(sub)
        return found

    assert differences(cmp) == []
    for p in (a / "site").rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (b / "site" / p.relative_to(a / "site")).read_bytes(), p


def test_a_second_run_is_refused_cleanly(tmp_path):
    (tmp_path / "www").mkdir()
    with open(tmp_path / "www" / ".site.lock", "a+") as lock:  # one lock for every publish of www/site
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        run = nightly(tmp_path)
    assert run.returncode == 3 and "另一个发布（如夜间发布）正在更新" in run.stdout and "Traceback" not in run.stdout + run.stderr


@pytest.mark.slow
def test_sigkill_at_random_points_never_breaks_the_served_site(tmp_path):
    assert nightly(tmp_path).returncode == 0
    site = tmp_path / "www" / "site"
    pages = served_pages(site)
    state = tmp_path / "www" / ".site.builds" / "state.json"
    rng = random.Random(20261125)
    for attempt in range(6):
        state.unlink(missing_ok=True)  # force a full rebuild each time
        proc = subprocess.Popen(
            [
                sys.executable,
                str(NIGHTLY),
                "--workbooks",
                str(ROOT / "workbooks"),
                "--out",
                str(site),
                "--db",
                str(tmp_path / "registry.sqlite"),
                "--today",
                "2026-11-25",
                "--log",
                str(tmp_path / "logs" / "n.log"),
                "--backups",
                str(tmp_path / "backups"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        time.sleep(rng.uniform(0.05, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # whatever the moment, the site served is a complete build
        assert (site / "index.html").is_file(), attempt
        assert served_pages(site) == pages, attempt
        check_site(site.resolve(), pages)
        con = sqlite3.connect(tmp_path / "registry.sqlite")
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] in (0, 9)
        con.close()
    after = nightly(tmp_path)
    assert after.returncode == 0 and served_pages(site) == pages
    leftovers = [p for p in (tmp_path / "www").iterdir() if ".work-" in p.name or ".link-" in p.name]
    assert leftovers == []


def test_unwritable_output_is_reported_and_nothing_else_breaks(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "file").write_text("not a folder")
    run = subprocess.run(
        [
            sys.executable,
            str(NIGHTLY),
            "--workbooks",
            str(ROOT / "workbooks"),
            "--out",
            str(tmp_path / "www" / "file" / "site"),
            "--db",
            str(tmp_path / "r.sqlite"),
            "--today",
            "2026-11-25",
            "--log",
            str(tmp_path / "n.log"),
            "--backups",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr + run.stdout
    assert "file" in run.stdout + run.stderr


def test_a_full_disk_keeps_the_old_site(tmp_path, monkeypatch):
    publish(ROOT / "workbooks", tmp_path / "site", date(2026, 11, 25), tmp_path / "r.sqlite")
    before = served_pages(tmp_path / "site")
    (tmp_path / ".site.builds" / "state.json").unlink()
    import scoring.jobs as site_module

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "site"))

    monkeypatch.setattr(site_module, "swap_in", full)
    with pytest.raises(PublishError, match="写入发布目录失败：磁盘已满") as raised:
        publish(ROOT / "workbooks", tmp_path / "site", date(2026, 11, 25), tmp_path / "r.sqlite")
    assert "No space" not in str(raised.value)
    assert served_pages(tmp_path / "site") == before
    assert not list(tmp_path.glob(".site.work-*"))


def test_workbooks_that_would_hang_or_explode_the_reader_are_stopped(tmp_path):
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    folder = wb / "hosting" / "2026"
    src = next(folder.glob("*.xlsx"))
    os.mkfifo(folder / "pipe.xlsx")  # would block open() forever
    bomb = folder / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/sheet2"):
                rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1000, 700000))
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")  # a huge sheet, ~25 MB inflated
            zout.writestr(item, data)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(2000))
    start = time.perf_counter()
    run = nightly(tmp_path, workbooks=wb)
    assert run.returncode == 0 and time.perf_counter() - start < 120
    out = run.stdout
    for name in ("pipe.xlsx", "bomb.xlsx", "broken.xlsx"):
        assert name in out
    assert "不是普通文件" in out and "过大" in out and "新结果 45" in out


def test_unchanged_workbooks_are_not_read_again_to_be_hashed(tmp_path, monkeypatch):
    """A workbook whose size, times and inode are as the last run saw them keeps its hash; one
    rewritten — even to the same size with its modification time set back — is hashed again."""
    import scoring.inputs as inputs

    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    publish(wb, tmp_path / "site", date(2026, 11, 25), tmp_path / "r.sqlite")
    hashed: list[str] = []
    real = inputs._sha256
    monkeypatch.setattr(inputs, "_sha256", lambda p: hashed.append(p.name) or real(p))
    publish(wb, tmp_path / "site", date(2026, 11, 25), tmp_path / "r.sqlite")
    assert hashed == []
    victim = sorted((wb / "hosting" / "2026").glob("*.xlsx"))[0]
    other = sorted((wb / "hosting" / "2026").glob("*.xlsx"))[1]
    before = victim.stat()
    data = bytearray(victim.read_bytes())
    data[-30] ^= 1  # one bit inside the zip's directory: same size, different content
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = publish(wb, tmp_path / "site", date(2026, 11, 25), tmp_path / "r.sqlite")
    assert hashed == [victim.name] and other.name not in hashed
    # the new hash reaches the registry as a changed workbook; its round's 公示 is over, so the
    # change is refused and the published result stands (it reads and scores as before)
    assert [(p.code, p.file) for p in result.report.problems if victim.name in p.file] == [("result_final", f"hosting/2026/{victim.name}")]
    assert result.report.new_results == [] and result.report.replaced_results == []


def test_an_out_that_is_not_our_output_is_never_touched(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (tmp_path / "link").symlink_to(elsewhere)
    for out in (precious, tmp_path / "link", ROOT / "workbooks"):
        with pytest.raises(PublishError, match="不是本系统以前发布的网站|不能是评估表目录"):
            publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert (precious / "keep.txt").read_text() == "mine" and (elsewhere / "keep.txt").read_text() == "mine"
    assert (tmp_path / "link").is_symlink() and (ROOT / "workbooks" / "zj-skpw").is_dir()


def test_a_second_publish_is_refused_and_leftovers_are_cleaned(tmp_path):
    out = tmp_path / "public"
    (tmp_path / ".public.work-killed").mkdir()  # what a killed run leaves
    (tmp_path / ".public.work-killed" / "big").write_bytes(b"x" * 1000)
    with publish_lock(out), pytest.raises(PublishError, match="另一个发布"):
        publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert (tmp_path / ".public.work-killed").exists()  # not touched while another run holds the lock
    publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert not list(tmp_path.glob(".public.work-*")) and (out / "index.html").is_file()
    # an empty state file (a write cut short by older versions) only costs a rebuild
    state = tmp_path / ".public.builds" / "state.json"
    state.write_text("")
    result = publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert not result.skipped and json.loads(state.read_text())["pages"] == result.pages


def test_a_read_only_or_full_registry_is_said_plainly(tmp_path):
    import sqlite3

    from scoring.jobs import registry_error

    publish(ROOT / "workbooks", tmp_path / "public", D("2026-11-25"), tmp_path / "registry.sqlite")
    assert "磁盘已满" in registry_error(sqlite3.OperationalError("database or disk is full"), tmp_path / "r.sqlite")
    db = tmp_path / "registry.sqlite"
    uri = f"file:{db}?mode=ro"
    ro = sqlite3.connect(uri, uri=True)
    with pytest.raises(sqlite3.OperationalError) as err:
        ro.execute("INSERT INTO meta VALUES ('x', 'y')")
    ro.close()
    assert "只读" in registry_error(err.value, db)


DRIVER = """
import os, signal, sys
from datetime import date
from pathlib import Path
import scoring.jobs as jobs, scoring.registry.ingest as ingest
module, name, n, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
target = {"jobs": jobs, "ingest": ingest, "os": os}[module]
real, calls = getattr(target, name), [0]
def wrapped(*a, **k):
    calls[0] += 1
    if calls[0] == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*a, **k)
setattr(target, name, wrapped)
(tmp / "www" / ".site.builds" / "state.json").unlink(missing_ok=True)   # a full rebuild each time
jobs.publish(Path(sys.argv[5]), tmp / "www" / "site", date(2026, 11, 25), tmp / sys.argv[6])
"""


KILL_POINTS = [
    ("jobs", "collect_inputs", 1),  # before anything is read
    ("jobs", "score_files", 1),
    ("ingest", "audit", 1),  # inside the registry's transaction (of a registry filled from scratch)
    ("ingest", "audit", 25),
    ("ingest", "issue", 3),
    ("jobs", "export_open_data", 1),
    ("jobs", "render", 1),
    ("jobs", "build_hubs", 1),
    ("jobs", "check_site", 1),
    ("os", "replace", 1),  # swap: the new build moved beside the live one
    ("os", "replace", 2),  # swap: the link renamed over --out (the atomic step)
    ("os", "replace", 3),  # the state file written after the swap
    ("os", "replace", 4),  # the manifest of carried-over files written after it
    ("os", "replace", 5),  # the build replaced kept as the spare (the next night is made in it)
    ("os", "replace", 6),  # the spare's description
    ("jobs", "clean_leftovers", 1),
]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    assert nightly(tmp).returncode == 0
    return tmp


# two kill points in the fast tier (inside the registry's transaction, and the atomic rename of the swap); all of them in the full run
FAST_KILL_POINTS = {("ingest", "audit", 25), ("os", "replace", 2)}


@pytest.mark.parametrize("module, name, n", [pytest.param(*k, marks=() if k in FAST_KILL_POINTS else pytest.mark.slow) for k in KILL_POINTS])
def test_a_kill_at_any_point_leaves_the_site_whole_and_the_next_run_completes(baseline, module, name, n):
    site = baseline / "www" / "site"
    pages = served_pages(site)
    db = f"fresh-{name}-{n}.sqlite" if module == "ingest" else "registry.sqlite"  # a registry with something to record
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, module, name, str(n), str(baseline), str(ROOT / "workbooks"), db], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == -9, run.stderr[-2000:]  # it really died there
    assert served_pages(site) == pages
    check_site(site.resolve(), pages)
    con = sqlite3.connect(baseline / db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with open_registry(baseline / db, write=False) as con:
        assert verify(con) == []  # a kill is not mistaken for tampering
        if module == "ingest":  # the transaction left nothing behind
            assert con.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0
    # the next run of either command completes and removes what the killed one left
    if module == "ingest":
        publish(ROOT / "workbooks", site, date(2026, 11, 25), baseline / db, force=True)
        with open_registry(baseline / db, write=False) as con:
            assert verify(con) == [] and con.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 9
    elif n % 2:
        assert nightly(baseline).returncode == 0
    else:
        publish(ROOT / "workbooks", site, date(2026, 11, 25), baseline / "registry.sqlite", force=True)
    assert served_pages(site) == pages
    leftovers = [p.name for p in (baseline / "www").iterdir() if ".work-" in p.name or ".link-" in p.name]
    builds = baseline / "www" / ".site.builds"
    kept = sorted(p.name for p in builds.iterdir() if not p.is_dir())
    folders = sorted(p.name for p in builds.iterdir() if p.is_dir())
    assert leftovers == [] and kept in (["manifest.json", "state.json"], ["manifest.json", "spare.json", "state.json"])
    assert sorted(folders) == sorted([site.resolve().name, "spare"] if "spare.json" in kept else [site.resolve().name])


def test_a_full_database_is_said_plainly_and_changes_nothing(tmp_path, monkeypatch):
    import scoring.registry.db as db

    publish(ROOT / "workbooks", tmp_path / "public", date(2026, 11, 2), tmp_path / "registry.sqlite")
    before = (tmp_path / "public" / "data" / "certificates.json").read_bytes()
    real = db.connect

    def full(path):  # the database cannot grow by a single page: SQLite's "database or disk is full"
        con = real(path)
        (pages,) = con.execute("PRAGMA page_count").fetchone()
        con.execute(f"PRAGMA max_page_count = {pages}")
        return con

    monkeypatch.setattr(db, "connect", full)
    with pytest.raises(PublishError, match="磁盘已满") as err:
        publish(ROOT / "workbooks", tmp_path / "public", date(2026, 11, 25), tmp_path / "registry.sqlite")
    assert "rollback" not in str(err.value)
    assert (tmp_path / "public" / "data" / "certificates.json").read_bytes() == before
    monkeypatch.setattr(db, "connect", real)
    with open_registry(tmp_path / "registry.sqlite", write=False) as con:
        assert verify(con) == [] and con.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 0
    publish(ROOT / "workbooks", tmp_path / "public", date(2026, 11, 25), tmp_path / "registry.sqlite")
    assert (tmp_path / "public" / "data" / "certificates.json").read_bytes() != before


def test_a_read_only_database_is_said_plainly(tmp_path, monkeypatch):
    import scoring.registry.db as db

    publish(ROOT / "workbooks", tmp_path / "public", date(2026, 11, 2), tmp_path / "registry.sqlite")

    def read_only(path):  # as a registry on a read-only mount (root ignores file modes)
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        con.row_factory = sqlite3.Row
        return con

    monkeypatch.setattr(db, "connect", read_only)
    with pytest.raises(PublishError, match="只读"):
        publish(ROOT / "workbooks", tmp_path / "public", date(2026, 11, 25), tmp_path / "registry.sqlite")


def test_an_office_folder_on_a_full_disk_is_said_in_chinese(tmp_path, monkeypatch):
    import scoring.jobs as jobs_module

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "office" / "x.pdf"))

    monkeypatch.setattr(jobs_module, "build_office", full)
    report = jobs_module.make_office(None, None, date(2026, 11, 25), None, tmp_path / "office")
    assert report.problems == [f"无法写入办公文件目录：磁盘已满（{tmp_path / 'office' / 'x.pdf'}）"]
