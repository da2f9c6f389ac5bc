"""The output folder's layout: everything beside `--out`, and the one module that names it.

    <out>                       a symbolic link to the live build, replaced in one rename (`swap_in`)
    .<out>.lock                 held for a whole publish, manual or nightly (`publish_lock`)
    .<out>.builds/<build>/      the live build (a folder named by time, pid and a random part)
    .<out>.builds/spare/        the build the last swap replaced: the next build is made in it
    .<out>.builds/spare.json    the spare's description (its manifest, naming it "spare")
    .<out>.builds/manifest.json every file of the live build with its key (`carry`)
    .<out>.builds/state.json    the last publish's state digest, day and page count
    .<out>.work-*/              a publish's work folder (docs, the build in progress)
    .<out>.link-<pid>           the new link before it is renamed over <out>

A run killed at any point leaves work folders, half-made links or builds no link names:
`clean_leftovers` removes them under the lock before the next run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..files import LockUnusable, exclusive_lock, os_reason, write_atomic
from .outcome import PublishBusy, PublishError

__all__ = [
    "builds_folder",
    "live_build",
    "is_our_output",
    "publish_lock",
    "new_work_folder",
    "clean_leftovers",
    "swap_in",
    "read_state",
    "write_state",
    "read_manifest",
    "save_manifest",
    "take_spare",
    "retire",
]

MANIFEST = "manifest.json"
STATE = "state.json"
SPARE = "spare"  # the previous build, reused as the next one's folder; described by spare.json
SPARE_DESCRIPTION = f"{SPARE}.json"


def builds_folder(out: Path) -> Path:
    """Where the builds of `out` live, beside it: `.<out>.builds/` (the live one, the spare, the
    state, the manifest)."""
    return out.parent / f".{out.name}.builds"


def live_build(out: Path) -> Path | None:
    """The folder `out` links to (the live build), None when `out` is not a link."""
    return (out.parent / os.readlink(out)).resolve() if out.is_symlink() else None


def is_our_output(out: Path) -> bool:
    """Only what `swap_in` made may be replaced: a link into `.<out>.builds/`, an empty folder, or nothing."""
    live = live_build(out)
    if live is not None:
        return live.parent == builds_folder(out).resolve()
    if out.is_dir():
        return not any(out.iterdir())
    return not out.exists()


@contextmanager
def publish_lock(out: Path) -> Iterator[None]:
    """One publish of `out` at a time; a second one is refused at once."""
    _public_folder(out.parent)
    with ExitStack() as held:
        try:
            held.enter_context(
                exclusive_lock(out.parent / f".{out.name}.lock", lambda: PublishBusy(f"另一个发布（如夜间发布）正在更新 {out}，本次未执行"))
            )
        except LockUnusable as exc:  # e.g. a folder of that name
            raise PublishError(f"{exc}；原网站保持不变") from None
        yield


def new_work_folder(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    except OSError as exc:
        raise PublishError(f"无法在 {out.parent} 中建立发布目录：{os_reason(exc)}；原网站保持不变") from exc


def clean_leftovers(out: Path) -> list[str]:
    """Work folders, half-made links and old builds of a run that was killed. Only called while
    holding the publish lock, so none of them belongs to a live run."""
    removed = []
    for p in out.parent.glob(f".{out.name}.work-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    for p in out.parent.glob(f".{out.name}.link-*"):
        p.unlink()
        removed.append(p.name)
    builds = builds_folder(out)
    live = live_build(out)
    if builds.is_dir():
        for p in builds.iterdir():
            if _spare_is_kept(builds, p):
                continue
            if p.is_dir() and p.resolve() != live:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
            elif p.name.endswith(".tmp") or p.name == SPARE_DESCRIPTION:  # a write cut short; a spare's description without it
                p.unlink()
                removed.append(p.name)
    return removed


def swap_in(new: Path, out: Path) -> tuple[str, Path | None]:
    """Make `out` point at the new build in one atomic rename. Returns the new build's folder name
    (the manifest names it) and the previous build's folder (for `retire`: kept as the spare or
    removed), if there was one."""
    out = Path(out)
    builds = builds_folder(out)
    _public_folder(builds)
    _chmod_public(builds)  # the web server goes through it to the live build
    make_public(new)
    # unique even for two builds in one second of one process (the live one must never be hit)
    target = builds / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(4)}"
    os.replace(new, target)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, out.parent), link)
    old_target = live_build(out)
    if old_target is None and out.exists():  # an empty folder (is_our_output refuses any other): moved aside, then removed
        aside = builds / f"previous-{os.getpid()}"
        os.replace(out, aside)
        old_target = aside
    os.replace(link, out)  # the atomic step
    if old_target == target.resolve():
        old_target = None
    return target.name, old_target


def read_state(out: Path) -> dict:
    """The last publish's state digest, day and page count; {} when there is none or it is unreadable
    (a damaged state file only costs one full rebuild)."""
    try:
        data = json.loads((builds_folder(out) / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a file nested deep is as unreadable as a damaged one
        return {}
    return data if isinstance(data, dict) else {}


def write_state(out: Path, state: dict) -> None:
    """Written atomically: a kill leaves the old file or the new one, never an empty one."""
    write_atomic(builds_folder(out) / STATE, json.dumps(state))


def read_manifest(out: Path) -> dict | None:
    """The manifest of the live build's files and keys; None when missing or unreadable."""
    try:
        found = json.loads((builds_folder(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a file nested deep is as unreadable as a damaged one
        return None
    return found if isinstance(found, dict) else None


def save_manifest(out: Path, manifest: dict) -> None:
    """Written atomically after the swap; it names the build it describes."""
    write_atomic(builds_folder(out) / MANIFEST, _compact(manifest))


def take_spare(out: Path, site: Path) -> dict | None:
    """The spare build moved to `site` when it is there and described; its description (the
    manifest it had when it was live), else None and nothing moved."""
    builds = builds_folder(out)
    description = builds / SPARE_DESCRIPTION
    try:
        spare = json.loads(description.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a file nested deep is as unreadable as a damaged one
        return None
    if not (isinstance(spare, dict) and spare.get("build") == SPARE and (builds / SPARE).is_dir()):
        return None
    description.unlink()  # from here on the folder is this build's, whatever happens
    os.replace(builds / SPARE, site)
    return spare


def retire(old_build: Path | None, out: Path, description: dict | None) -> None:
    """The build the swap replaced: kept as the spare when its manifest describes it (the next build
    is made in it), else removed."""
    if old_build is None or not old_build.exists():
        return
    builds = builds_folder(out)
    if not description or description.get("build") != old_build.name or old_build.parent != builds:
        shutil.rmtree(old_build, ignore_errors=True)
        return
    spare = builds / SPARE
    if spare.exists():  # a spare no run adopted (a --force run): replaced
        shutil.rmtree(spare, ignore_errors=True)
    os.replace(old_build, spare)
    write_atomic(builds / SPARE_DESCRIPTION, _compact({**description, "build": SPARE}))


def make_public(root: Path) -> None:
    """Every folder of a build 0755, every file 0644, whatever the umask the run had (cron's may be
    077: a site the web server cannot read). Only what differs is changed: a file carried over is
    the live build's, already readable."""
    _chmod_public(root)
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                    want = FOLDER_MODE
                elif entry.is_file(follow_symlinks=False):
                    want = FILE_MODE
                else:
                    continue
                if stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) != want:
                    os.chmod(entry.path, want)


FILE_MODE, FOLDER_MODE = 0o644, 0o755


def _chmod_public(folder: Path) -> None:
    if stat.S_IMODE(folder.stat().st_mode) != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)


def _public_folder(folder: Path) -> None:
    """`folder` and its missing parents made; those made here readable by the web server (folders
    that were there are left as they are)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for p in missing:
        _chmod_public(p)


def _spare_is_kept(builds: Path, path: Path) -> bool:
    """`path` is the described spare build (clean_leftovers keeps it), or its description."""
    if path.name == SPARE:
        return (builds / SPARE_DESCRIPTION).is_file()
    return path.name == SPARE_DESCRIPTION and (builds / SPARE).is_dir()


def _compact(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
