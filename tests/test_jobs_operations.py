"""Operations around the publish and the nightly: a stop (SIGTERM) or a kill while worker processes
run leaves no process behind and no lock held, so the next night runs."""

import fcntl
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, D

from scoring.jobs import publish

SCORING = [sys.executable, "-m", "scoring"]


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group_gone(pgid: int, within: float = 15.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def lock_is_free(path: Path) -> bool:
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def wait_for(predicate, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


HOLDER = """
import multiprocessing, os, signal, sys, time
from pathlib import Path
from scoring.files import exclusive_lock
from scoring.workers import worker_pool
lock, how = Path(sys.argv[1]), sys.argv[2]
with exclusive_lock(lock, RuntimeError):
    if how == "fork":  # any forked child, not only our pools
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,))
        child.start()
        pids = [child.pid]
    else:
        held = worker_pool(2)
        pool = held.__enter__()
        futures = [pool.submit(time.sleep, 60) for _ in range(2)]
        while not all(f.running() for f in futures):
            time.sleep(0.05)
        pids = [p.pid for p in pool._processes.values()]
    print(" ".join(map(str, pids)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # killed while holding the lock, its workers running
"""


@pytest.mark.parametrize("how", ["fork", "pool"])
def test_a_process_killed_with_workers_running_leaves_the_lock_free(tmp_path, how):
    lock = tmp_path / ".site.lock"
    with open(tmp_path / "out", "w") as out:  # a file: a worker left running would keep a pipe open
        returncode = subprocess.run([sys.executable, "-c", HOLDER, str(lock), how], stdout=out, stderr=out, timeout=60).returncode
    printed = (tmp_path / "out").read_text()
    assert returncode == -9, printed[-2000:]
    workers = [int(p) for p in printed.split()]
    try:
        # the flock was the parent's; a forked child kept a copy of it and with it the lock (a child
        # not yet scheduled lets go of it as soon as it runs)
        assert wait_for(lambda: lock_is_free(lock), 5)
        if how == "pool":  # the pool's workers die with their parent
            assert wait_for(lambda: not any(alive(p) for p in workers), 10)
    finally:
        kill_all(workers)


def run_args(command: str, tmp: Path, *extra: str) -> list[str]:
    args = [*SCORING, command, "--workbooks", str(ROOT / "workbooks"), "--out", str(tmp / "www" / "site"), "--db", str(tmp / "registry.sqlite")]
    args += ["--today", "2026-11-25", *extra]
    if command == "nightly":
        args += ["--log", str(tmp / "logs" / "nightly.log"), "--backups", str(tmp / "backups")]
    return args


def stop_in_office_stage(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Start `args` in a session of its own, SIGTERM it once its office PDF workers run, wait for it."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, start_new_session=True)
    try:
        assert wait_for(lambda: len(children(proc.pid)) >= 2 or proc.poll() is not None, 120), "the office's workers never started"
        assert proc.poll() is None, proc.communicate()
        time.sleep(1)  # inside the PDFs
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)  # the workers hold no pipe open: the output ends
        assert group_gone(proc.pid), "a process of the run is left"
        return subprocess.CompletedProcess(args, proc.returncode, out, err)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_sigterm_during_the_office_pdfs_stops_the_nightly_cleanly_and_the_next_night_runs(tmp_path):
    stopped = stop_in_office_stage(run_args("nightly", tmp_path, "--office", str(tmp_path / "office")), tmp_path)
    assert stopped.returncode == 1, stopped.stderr[-2000:]
    assert "运行被终止（收到 SIGTERM）" in stopped.stdout and "Traceback" not in stopped.stdout + stopped.stderr
    assert "运行被终止（收到 SIGTERM）" in (tmp_path / "logs" / "nightly.log").read_text(encoding="utf-8")
    www = tmp_path / "www"
    assert [p.name for p in www.iterdir() if ".work-" in p.name or ".link-" in p.name] == []  # its finally ran
    assert lock_is_free(www / ".site.lock") and lock_is_free(tmp_path / "registry.sqlite.lock")
    after = subprocess.run(run_args("nightly", tmp_path, "--no-office"), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert after.returncode == 0, after.stdout[-2000:] + after.stderr[-2000:]
    assert (www / "site" / "index.html").is_file()


@pytest.mark.slow
def test_sigterm_during_the_office_pdfs_stops_a_publish_cleanly(tmp_path):
    stopped = stop_in_office_stage(run_args("publish", tmp_path, "--office", str(tmp_path / "office")), tmp_path)
    assert stopped.returncode == 1 and "发布被终止（收到 SIGTERM）" in stopped.stderr, stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stdout + stopped.stderr
    www = tmp_path / "www"
    assert [p.name for p in www.iterdir() if ".work-" in p.name or ".link-" in p.name] == []
    assert lock_is_free(www / ".site.lock") and lock_is_free(tmp_path / "registry.sqlite.lock")
    after = subprocess.run(run_args("publish", tmp_path, "--no-office"), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert after.returncode == 0, after.stderr[-2000:]


def nightly_in_process(tmp: Path, wb: Path, today: str = "2026-11-25", **paths):
    from scoring.cli_report import nightly_summary
    from scoring.jobs import nightly

    given = {"log": tmp / "logs" / "nightly.log", "backups": tmp / "backups", **paths}
    return nightly(wb, tmp / "www" / "site", tmp / "registry.sqlite", D(today), given["log"], given["backups"], summary=nightly_summary)


@pytest.mark.parametrize(
    "where, said",
    [
        ({"backups": "www/site/backups"}, "备份目录"),  # the full registry, private entries included, served
        ({"backups": "www/.site.builds/backups"}, "备份目录"),  # swept as a leftover build
        ({"log": "www/site/nightly.log"}, "日志文件"),
        ({"log": "www/site"}, "日志文件"),
    ],
    ids=["backups-in-site", "backups-in-builds", "log-in-site", "log-is-site"],
)
def test_backups_and_the_log_inside_the_site_are_refused(small_world, where, said):
    tmp, wb, _ = small_world
    publish(wb, tmp / "www" / "site", D("2026-11-24"), tmp / "registry.sqlite")
    site = (tmp / "www" / "site").resolve()
    before = sorted(str(p.relative_to(site)) for p in site.rglob("*"))
    outcome = nightly_in_process(tmp, wb, **{k: tmp / v for k, v in where.items()})
    assert outcome.code == 1 and any(said in line and "不能放在发布目录" in line for line in outcome.lines), outcome.lines
    assert (tmp / "www" / "site").resolve() == site and sorted(str(p.relative_to(site)) for p in site.rglob("*")) == before
    assert not (tmp / "www" / ".site.builds" / "backups").exists()
    if "log" in where:  # the log is not written into the site; the lines are still printed
        assert not (site / "nightly.log").exists()


def test_a_run_refused_for_a_backwards_date_keeps_that_nights_backup(small_world):
    tmp, wb, _ = small_world
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        assert nightly_in_process(tmp, wb, day).code == 0
    backup = tmp / "backups" / "registry-2026-11-26.sqlite"  # the registry as the night of the 26th found it
    genuine = backup.read_bytes()
    refused = nightly_in_process(tmp, wb, "2026-11-26")
    assert refused.code == 1 and any("不能再按更早的日期" in line for line in refused.lines), refused.lines
    assert backup.read_bytes() == genuine
    assert sorted(p.name for p in (tmp / "backups").iterdir()) == ["registry-2026-11-26.sqlite", "registry-2026-11-27.sqlite"]


def test_a_truncated_registry_is_said_plainly_before_anything_is_backed_up(small_world):
    tmp, wb, _ = small_world
    assert nightly_in_process(tmp, wb, "2026-11-24").code == 0
    site = (tmp / "www" / "site").resolve()
    db = tmp / "registry.sqlite"
    os.truncate(db, db.stat().st_size // 2)
    outcome = nightly_in_process(tmp, wb)
    text = "\n".join(outcome.lines)
    assert outcome.code == 1 and "登记库文件已损坏" in text and "Traceback" not in text, text
    assert (tmp / "www" / "site").resolve() == site and not (tmp / "backups").exists()


def test_a_leftover_partial_backup_is_replaced(small_world):
    tmp, wb, _ = small_world
    assert nightly_in_process(tmp, wb, "2026-11-24").code == 0
    (tmp / "backups").mkdir()
    (tmp / "backups" / "registry-2026-11-25.partial").write_bytes(b"what a full disk left" * 100)
    outcome = nightly_in_process(tmp, wb)
    assert outcome.code == 0, outcome.lines
    assert sorted(p.name for p in (tmp / "backups").iterdir()) == ["registry-2026-11-25.sqlite"]
    con = sqlite3.connect(tmp / "backups" / "registry-2026-11-25.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_full_backups_disk_is_said_plainly_and_nothing_is_changed(small_world, monkeypatch):
    import scoring.registry.bookkeeping as bookkeeping

    tmp, wb, _ = small_world
    assert nightly_in_process(tmp, wb, "2026-11-24").code == 0
    before = (tmp / "registry.sqlite").read_bytes()
    real = sqlite3.connect

    def connect(path, *a, **k):  # the backups disk cannot take a single page
        con = real(path, *a, **k)
        if str(path).endswith(".partial"):
            con.execute("PRAGMA max_page_count = 1")
        return con

    monkeypatch.setattr(bookkeeping.sqlite3, "connect", connect)
    outcome = nightly_in_process(tmp, wb)
    text = "\n".join(outcome.lines)
    assert outcome.code == 1 and "无法写入登记库备份" in text and "磁盘已满" in text and "Traceback" not in text, text
    assert list((tmp / "backups").iterdir()) == []  # what it had written is removed
    assert (tmp / "registry.sqlite").read_bytes() == before  # no change without a backup


# SIGTERM sent at a named point of the nightly (the first call of a stage, or inside the registry's
# transaction): the run stops cleanly wherever it is
STAGE_DRIVER = """
import os, signal, sys
import scoring.jobs as jobs, scoring.registry.ingest as ingest
from scoring.cli import main
module, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = {"jobs": jobs, "ingest": ingest}[module]
real, calls = getattr(target, name), [0]
def wrapped(*a, **k):
    calls[0] += 1
    if calls[0] == n:
        os.kill(os.getpid(), signal.SIGTERM)
    return real(*a, **k)
setattr(target, name, wrapped)
main(sys.argv[4:])
"""

STAGES = [
    ("jobs", "collect_inputs", 1),
    ("ingest", "audit", 25),  # inside the registry's transaction (of a registry filled from scratch)
    ("jobs", "export_open_data", 1),
    ("jobs", "render", 1),
    ("jobs", "build_hubs", 1),
    ("jobs", "search_index", 1),
    ("jobs", "check_site", 1),
]
FAST_STAGES = {("ingest", "audit", 25), ("jobs", "render", 1)}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stopped")
    first = subprocess.run(run_args("nightly", tmp, "--no-office"), capture_output=True, text=True, timeout=300, cwd=tmp)
    assert first.returncode == 0, first.stderr
    return tmp


def pages_of(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("index.html"))


@pytest.mark.parametrize("module, name, n", [pytest.param(*k, marks=() if k in FAST_STAGES else pytest.mark.slow) for k in STAGES])
def test_sigterm_at_any_stage_stops_cleanly_and_the_next_night_runs(served, module, name, n):
    from scoring.publish.check import check_site

    tmp = served
    site = tmp / "www" / "site"
    pages = pages_of(site)
    (tmp / "www" / ".site.builds" / "state.json").unlink(missing_ok=True)  # a full rebuild each time
    args = run_args("nightly", tmp, "--no-office")
    if module == "ingest":  # a registry with something to record
        args[args.index("--db") + 1] = str(tmp / f"fresh-{name}-{n}.sqlite")
    stopped = subprocess.run(
        [sys.executable, "-c", STAGE_DRIVER, module, name, str(n), *args[3:]], capture_output=True, text=True, timeout=300, cwd=tmp
    )
    assert stopped.returncode == 1 and "运行被终止（收到 SIGTERM）" in stopped.stdout, stopped.stdout[-2000:] + stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stdout + stopped.stderr
    assert pages_of(site) == pages
    check_site(site.resolve(), pages)
    www = tmp / "www"
    assert [p.name for p in www.iterdir() if ".work-" in p.name or ".link-" in p.name] == []
    assert lock_is_free(www / ".site.lock")
    if module == "ingest":  # the transaction was rolled back
        con = sqlite3.connect(args[args.index("--db") + 1])
        assert con.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0
        con.close()
    after = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp)
    assert after.returncode == 0, after.stdout[-2000:] + after.stderr[-2000:]
    assert pages_of(site) == pages


def test_sigterm_during_the_swap_lets_it_finish_and_the_new_site_is_published(served):
    tmp = served
    site = tmp / "www" / "site"
    pages, live = pages_of(site), site.resolve()
    (tmp / "www" / ".site.builds" / "state.json").unlink(missing_ok=True)
    args = run_args("nightly", tmp, "--no-office")
    done = subprocess.run(
        [sys.executable, "-c", STAGE_DRIVER, "jobs", "swap_in", "1", *args[3:]], capture_output=True, text=True, timeout=300, cwd=tmp
    )
    assert done.returncode == 0 and "已发布" in done.stdout and "Traceback" not in done.stdout + done.stderr, done.stdout[-2000:]
    assert site.resolve() != live and pages_of(site) == pages  # the new build, whole, with its state and manifest
    assert sorted(p.name for p in (tmp / "www" / ".site.builds").iterdir() if p.is_file()) == ["manifest.json", "spare.json", "state.json"]
    assert lock_is_free(tmp / "www" / ".site.lock")


def test_two_instances_given_the_same_out_never_replace_each_others_site(small_world, tmp_path_factory):
    from scoring.publish import PublishError

    tmp, wb, _ = small_world
    out = tmp / "www" / "site"
    publish(wb, out, D("2026-11-25"), tmp / "registry.sqlite")
    live = out.resolve()
    other = tmp_path_factory.mktemp("other")  # another instance: its own workbooks and registry
    (other / "workbooks").mkdir()
    shutil.copytree(ROOT / "workbooks" / "hosting", other / "workbooks" / "hosting")
    with pytest.raises(PublishError, match="另一个登记库发布的网站"):
        publish(other / "workbooks", out, D("2026-11-25"), other / "registry.sqlite")
    assert out.resolve() == live
    # its own registry, restored from a backup or copied to a new server, still publishes there
    shutil.copy(tmp / "registry.sqlite", other / "copy.sqlite")
    assert publish(wb, out, D("2026-11-26"), other / "copy.sqlite", force=True).pages > 0
