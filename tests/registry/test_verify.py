"""Tamper evidence (`registry/verify.py`): direct edits of the registry, or of the published open
data, are detected and nothing is published."""

import os
import shutil
import subprocess
import sys

import pytest
from helpers import ORGS, ROOT, D

from scoring.jobs import publish
from scoring.publish import PublishError

A, B, C, DD = ORGS  # 5A, 4A, 3A, 2A


TAMPERING = {
    "rename a holder": ["DROP TRIGGER certificates_particulars", "UPDATE certificates SET org_name='冒名有限公司' WHERE rowid=1"],
    "silent revocation": ["UPDATE certificates SET ended_on='2026-11-20', ended_status='已撤销' WHERE rowid=2"],
    "change a total": ["DROP TRIGGER results_frozen", "UPDATE results SET total=9999 WHERE rowid=1"],
    "fake certificate": [
        "INSERT INTO certificates (number, scheme, kind, credit_code, grade, org_name, issued, year, seq) "
        "SELECT 'ZJSK-2026-0999', scheme, kind, credit_code, '5A', org_name, issued, year, 999 FROM certificates WHERE rowid=1"
    ],
    "drop a trigger": ["DROP TRIGGER notices_frozen"],
    "edit the audit log": [
        "DROP TRIGGER audit_append_only",
        "UPDATE audit SET change='recorded ' WHERE id=3",
        "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END",
    ],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tamper")
    publish(ROOT / "workbooks", tmp / "public", D("2026-11-25"), tmp / "registry.sqlite")
    return tmp


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scoring", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_an_untouched_registry_verifies(published):
    res = cli("registry", "verify", "--db", published / "registry.sqlite", "--site", published / "public")
    assert res.returncode == 0 and "校验通过" in res.stderr


# two cases in the fast tier (a trigger dropped to rename a holder, the audit log edited); all six in the full run
FAST_CASES = ("rename a holder", "edit the audit log")


@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in FAST_CASES else pytest.mark.slow) for c in TAMPERING])
def test_direct_edits_are_detected_and_nothing_is_published(published, tmp_path, case):
    import sqlite3

    shutil.copy(published / "registry.sqlite", tmp_path / "registry.sqlite")
    shutil.copytree(published / ".public.builds", tmp_path / ".public.builds", symlinks=True)
    (tmp_path / "public").symlink_to(os.readlink(published / "public"))
    con = sqlite3.connect(tmp_path / "registry.sqlite")
    for sql in TAMPERING[case]:
        con.execute(sql)
    con.commit()
    con.close()
    before = (tmp_path / "public" / "data" / "certificates.json").read_bytes()
    with pytest.raises(PublishError, match="登记库|审计日志|触发器"):
        publish(ROOT / "workbooks", tmp_path / "public", D("2026-11-26"), tmp_path / "registry.sqlite")
    assert (tmp_path / "public" / "data" / "certificates.json").read_bytes() == before
    # the registry update alone refuses too: it must never checkpoint the edited content
    res = cli("registry", "ingest", "--workbooks", ROOT / "workbooks", "--today", "2026-11-26", "--db", tmp_path / "registry.sqlite")
    assert res.returncode == 1 and "错误：" in res.stderr and "Traceback" not in res.stderr
    res = cli("registry", "verify", "--db", tmp_path / "registry.sqlite")
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_published_open_data_is_compared_with_the_registry(published, tmp_path):
    shutil.copytree(published / ".public.builds", tmp_path / ".public.builds", symlinks=True)
    (tmp_path / "public").symlink_to(os.readlink(published / "public"))
    data = tmp_path / "public" / "data" / "certificates.json"
    data.write_text(data.read_text(encoding="utf-8").replace("有效", "已撤销", 1), encoding="utf-8")
    res = cli("registry", "verify", "--db", published / "registry.sqlite", "--site", tmp_path / "public")
    assert res.returncode == 1 and "certificates.json" in res.stdout
