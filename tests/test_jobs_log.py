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


@pytest.mark.slow
def test_ctrl_c_in_an_interactive_nightly_is_logged_and_the_next_night_runs(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    args = [
        sys.executable,
        str(ROOT / "scripts" / "nightly-publish"),
        "--workbooks",
        str(ROOT / "workbooks"),
        "--out",
        str(tmp_path / "www" / "site"),
    ]
    args += [
        "--db",
        str(tmp_path / "r.sqlite"),
        "--today",
        "2026-11-25",
        "--log",
        str(tmp_path / "log"),
        "--backups",
        str(tmp_path / "b"),
        "--no-office",
    ]
    interactive = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731 — a terminal's Ctrl+C (a background job ignores it)
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, preexec_fn=interactive)
    end = time.monotonic() + 120
    while not list((tmp_path / "www").glob(".site.work-*")) and run.poll() is None and time.monotonic() < end:
        time.sleep(0.05)  # inside the publish: its work folder is made
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1 and "Traceback" not in err, err
    assert "运行被中断（Ctrl+C）" in out and "运行被中断（Ctrl+C）" in (tmp_path / "log").read_text(encoding="utf-8")
    assert not list((tmp_path / "www").glob(".site.work-*"))
    again = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert again.returncode == 0 and "已发布" in again.stdout
