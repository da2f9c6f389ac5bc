"""The nightly log: one line per item whatever a failure's message or path holds (a line break in a
path forges no line of the log), the internal-error traceback indented under its own line, and a
Ctrl+C logged like a stop."""

import errno
from pathlib import Path

import pytest
from helpers import ROOT, D

import scoring.jobs as jobs
from scoring.publish import PublishError

FORGED = "\n已发布 80 个页面到 /srv/www/site（1.0 秒；全部重建，共 271 个文件）"


def run(tmp: Path, monkeypatch, failure: BaseException) -> tuple[jobs.NightlyOutcome, list[str]]:
    def failing(*a, **k):
        raise failure

    monkeypatch.setattr(jobs, "_publish", failing)
    log = tmp / "logs" / "nightly.log"
    outcome = jobs.nightly(ROOT / "workbooks", tmp / "www" / "site", tmp / "registry.sqlite", D("2026-11-25"), log, tmp / "backups", summary=None)  # type: ignore[arg-type]
    return outcome, log.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    "failure",
    [PublishError("无法使用 /srv/a" + FORGED), OSError(errno.ENOSPC, "No space left on device", "/srv/a" + FORGED), RuntimeError("bug" + FORGED)],
    ids=["publish error", "os error", "internal error"],
)
def test_a_line_break_in_a_failure_forges_no_line_of_the_log(tmp_path, monkeypatch, failure):
    outcome, logged = run(tmp_path, monkeypatch, failure)
    assert outcome.code == jobs.EXIT_NOTHING
    assert logged == outcome.lines
    assert logged[0].startswith("== 夜间发布") and logged[1].startswith("未能发布：")
    assert not any(line.startswith("已发布") for line in logged)
    if type(failure) is RuntimeError:  # the traceback: each of its lines indented under the failure's
        assert logged[1] == "未能发布：程序内部错误，原网站保持不变"
        assert len(logged) > 3 and all(line.startswith("    | ") for line in logged[2:])
    else:
        assert len(logged) == 2 and "<U+000A>已发布 80 个页面" in logged[1]


def test_ctrl_c_is_logged_like_a_stop(tmp_path, monkeypatch):
    outcome, logged = run(tmp_path, monkeypatch, KeyboardInterrupt())
    assert outcome.code == jobs.EXIT_NOTHING
    assert logged[1:] == ["未能发布：运行被中断（Ctrl+C），本次的临时文件已清理，原网站保持不变；下次运行时继续"]
