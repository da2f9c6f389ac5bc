"""Faults: a run killed at named points (the swap included), a full database, a read-only one.
Whatever happens, the old site stays served whole, the registry stays consistent and verifiable,
and the next run of either command completes and cleans up."""

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_nightly import nightly, served_pages

from scoring.jobs import publish
from scoring.publish import PublishError
from scoring.publish.site import check_site
from scoring.registry import open_registry, verify

ROOT = Path(__file__).resolve().parents[1]

# A run that SIGKILLs itself on the n-th call of a function the publish goes through.
DRIVER = """
import os, signal, sys
from datetime import date
from pathlib import Path
import scoring.jobs as jobs, scoring.registry.ingest as ingest, scoring.publish.site as site
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


@pytest.mark.parametrize("module, name, n", KILL_POINTS)
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
