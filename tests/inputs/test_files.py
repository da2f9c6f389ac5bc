"""The workbooks folder's files (`inputs/files.py`, `inputs.collect_inputs`): pipes, links, huge, sparse and duplicate files never hang or stop a run."""

import os
import shutil
import signal

from helpers import A, B, codes, ingest_on


def test_pipes_named_like_inputs_never_hang(small_world):
    tmp, wb, r1 = small_world
    (r1 / "round.toml").unlink()
    os.mkfifo(r1 / "round.toml")
    os.mkfifo(wb / "zj-skpw" / "actions.csv")
    os.mkfifo(wb / "calendar.toml")
    signal.alarm(30)  # a hang fails the test instead of the suite
    try:
        rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-12")
    finally:
        signal.alarm(0)
    assert codes(rep) == ["actions_unreadable", "calendar_invalid", "round_invalid"]
    assert all("不是普通文件" in p.message for p in rep.problems)


def test_unreadable_workbooks_never_stop_the_others(small_world):
    tmp, wb, r1 = small_world
    (r1 / "mem.xlsx").symlink_to("/proc/self/mem")
    with open(r1 / "sparse.xlsx", "wb") as fh:
        fh.truncate(6 << 30)  # 6 GB, sparse: never read
    (r1 / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    shutil.copy(r1 / f"{A}.xlsx", r1 / "UPPER.XLSX")
    (r1 / "forged\n  [新证书] ZJSK-2099-0001.xlsx").write_bytes(b"")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-12")
    problems = {p.file: p.code for p in rep.problems}
    # a link out of the workbooks folder is never followed (before: read, failing with EIO)
    assert problems["zj-skpw/2026-1/mem.xlsx"] == "link_outside" and problems["zj-skpw/2026-1/sparse.xlsx"] == "too_large"
    assert problems["zj-skpw/2026-1/old.xls"] == "not_xlsx"
    assert any("\\x0a" in f and c == "file_unreadable" for f, c in problems.items()) and not any("\n" in f for f in problems)
    assert "zj-skpw/2026-1/UPPER.XLSX" in problems and problems["zj-skpw/2026-1/UPPER.XLSX"] == "duplicate_workbook"
    assert problems[f"zj-skpw/2026-1/{A}.xlsx"] == "duplicate_workbook"  # D24: both copies of A are held
    assert len(rep.new_results) == 1 and B in rep.new_results[0]
    (r1 / "UPPER.XLSX").unlink()
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-12")
    assert len(rep.new_results) == 1 and A in rep.new_results[0]
