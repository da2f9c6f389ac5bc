"""Pagefind that cannot write (a full disk, no inode left on --out): the publish stops in bounded
time with a Chinese message, the old site stays served."""

import subprocess
import sys

import pytest
from helpers import D

import scoring.publish.search as search
from scoring.jobs import publish
from scoring.publish import PublishError

PANIC = (
    "import sys; print(\"thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: "
    'Os { code: 28, kind: StorageFull, message: \\"No space left on device\\" }\', src/main.rs:1:1"); sys.exit(101)'
)


def fake_pagefind(monkeypatch, script: str) -> None:
    real = subprocess.Popen

    def popen(cmd, *a, **k):
        if list(cmd[1:3]) == ["-m", "pagefind"]:
            cmd = [sys.executable, "-c", script]
        return real(cmd, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", popen)


@pytest.mark.parametrize(
    "script, said", [("import time; time.sleep(30)", "搜索索引生成超时"), (PANIC, "发布目录所在磁盘已满")], ids=["stalls", "panics"]
)
def test_pagefind_that_cannot_write_is_said_plainly_and_in_bounded_time(small_world, monkeypatch, script, said):
    tmp, wb, _ = small_world
    out, db = tmp / "www" / "site", tmp / "registry.sqlite"
    publish(wb, out, D("2026-11-25"), db)
    live = out.resolve()
    fake_pagefind(monkeypatch, script)
    monkeypatch.setattr(search, "PAGEFIND_SECONDS", 2, raising=False)
    monkeypatch.setattr(search, "PAGEFIND_SECONDS_PER_PAGE", 0, raising=False)
    with pytest.raises(PublishError, match=said) as err:
        publish(wb, out, D("2026-11-25"), db, force=True)
    assert "panicked" not in str(err.value)
    assert out.resolve() == live and (out / "index.html").is_file()
