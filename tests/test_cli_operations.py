"""The commands against files that cannot be used — a lock path that is a folder, a log path that is
a folder, an output that takes no writes, a registry on a read-only disk: a clear Chinese message
and the documented exit code, never an internal error or a traceback."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCORING = [sys.executable, "-m", "scoring"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*SCORING, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def plain(done: subprocess.CompletedProcess) -> bool:
    said = done.stdout + done.stderr
    return "Traceback" not in said and "程序内部错误" not in said


def site_args(tmp: Path, wb: Path, command: str = "publish") -> list[str]:
    args = [command, "--workbooks", str(wb), "--out", str(tmp / "www" / "site"), "--db", str(tmp / "registry.sqlite"), "--today", "2026-11-25"]
    if command == "nightly":
        args += ["--backups", str(tmp / "backups"), "--log", str(tmp / "logs" / "nightly.log")]
    return args


@pytest.mark.parametrize("command", ["publish", "nightly"])
@pytest.mark.parametrize("lock", ["www/.site.lock", "registry.sqlite.lock"])
def test_a_lock_path_that_is_a_folder_is_said_plainly(small_world, command, lock):
    tmp, wb, _ = small_world
    (tmp / lock).mkdir(parents=True)
    done = run(*site_args(tmp, wb, command), cwd=tmp)
    assert done.returncode == 1 and plain(done), done.stdout + done.stderr
    assert f"无法使用锁文件 {tmp / lock}：是一个目录，不是文件" in done.stdout + done.stderr


def test_a_log_path_that_is_a_folder_does_not_stop_the_night(small_world):
    tmp, wb, _ = small_world
    (tmp / "logs" / "nightly.log").mkdir(parents=True)
    done = run(*site_args(tmp, wb, "nightly"), cwd=tmp)
    assert done.returncode == 0 and plain(done), done.stdout + done.stderr
    assert "已发布" in done.stdout and "无法写入日志" in done.stdout and "是一个目录，不是文件" in done.stdout
    assert (tmp / "www" / "site" / "index.html").is_file()


@pytest.mark.parametrize(
    "args, said",
    [
        (["template", "hosting", "-o", "/dev/full"], "无法写入 /dev/full：磁盘已满"),
        (["template", "actions", "-o", "/dev/full"], "无法写入 /dev/full：磁盘已满"),
        (["score", "{wb}", "--json", "/dev/full"], "无法写入 /dev/full：磁盘已满"),
        (["score", "{wb}", "--json", "/proc/version"], "无法写入 /proc/version："),
    ],
    ids=["template", "actions-template", "json-full", "json-proc"],
)
def test_an_output_that_takes_no_writes_is_said_plainly(small_world, args, said):
    tmp, wb, _ = small_world
    done = run(*[a.format(wb=wb) for a in args], cwd=tmp)
    assert done.returncode == 1 and plain(done) and said in done.stderr, done.stdout + done.stderr


def read_only_copy(tmp: Path, db: Path) -> Path:
    """The registry copied to a folder mounted read-only (skipped where mounting is not allowed)."""
    folder = tmp / "medium"
    folder.mkdir()
    shutil.copy(db, folder / "registry.sqlite")
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("no read-only mount here")
    return folder


def test_a_registry_copy_on_a_read_only_disk_is_read_and_never_written(small_world):
    tmp, wb, _ = small_world
    assert run(*site_args(tmp, wb), cwd=tmp).returncode == 0
    folder = read_only_copy(tmp, tmp / "registry.sqlite")
    try:
        copy = folder / "registry.sqlite"
        for args in (["registry", "verify"], ["registry", "certificates"]):
            done = run(*args, "--db", str(copy), cwd=tmp)
            assert done.returncode == 0 and plain(done), done.stdout + done.stderr
        other = tmp / "other"
        other.mkdir()
        refused = run("publish", "--workbooks", str(wb), "--out", str(other / "site"), "--db", str(copy), "--today", "2026-11-25", cwd=tmp)
        assert refused.returncode == 1 and plain(refused) and "所在磁盘只读" in refused.stderr, refused.stderr
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_backups_path_that_is_a_file_is_logged_and_nothing_is_changed(small_world):
    tmp, wb, _ = small_world
    assert run(*site_args(tmp, wb, "nightly"), cwd=tmp).returncode == 0
    (tmp / "backups").write_text("not a folder")
    before = (tmp / "registry.sqlite").read_bytes()
    args = site_args(tmp, wb, "nightly")
    args[args.index("--today") + 1] = "2026-11-26"
    done = run(*args, cwd=tmp)
    said = f"无法写入登记库备份 {tmp / 'backups'}：不是目录"
    assert done.returncode == 1 and plain(done) and said in done.stdout, done.stdout + done.stderr
    assert said in (tmp / "logs" / "nightly.log").read_text(encoding="utf-8")
    assert (tmp / "registry.sqlite").read_bytes() == before
