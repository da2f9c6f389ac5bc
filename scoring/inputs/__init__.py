"""Collect inputs: what the workbooks folder holds, before anything is read or recorded.

    workbooks/
      calendar.toml                 working-day overrides for years chinesecalendar does not know
      <scheme>/actions.csv          lifecycle actions (年度检查, 降级, 撤销, 证书退回, 变更, 注销)
      <scheme>/actions.xlsx         the same in the actions workbook (`scoring template actions`)
      <scheme>/<round>/round.toml   a round (批次): title, notice_date, issue_date, withheld
      <scheme>/<round>/*.xlsx       filled workbooks
      <scheme>/<round>/applications.csv   applications in progress (dates each stage was reached)

`collect_inputs` parses the small text files and lists the workbooks with their content hashes;
it never opens a workbook (the pipeline reads them) and never touches the registry. Every problem
is a coded `Problem`; one bad round, row or file never stops the others.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..rubric import load_rubric, scheme_ids
from ..workdays import Calendar, NoWorkday, UnknownYear, load_calendar, parse_calendar
from .actions import ACTION_KINDS, CHANGE_FIELDS, Action, read_actions
from .applications import FILE_NAME as APPLICATIONS
from .applications import Application, read_applications
from .files import read_small_file, shown_name, walk, workbook_kind
from .rounds import RoundError, RoundInPreparation, RoundSpec, load_round

__all__ = [
    "Inputs",
    "SchemeInputs",
    "RoundInputs",
    "WorkbookFile",
    "collect_inputs",
    "load_calendar_or_default",
    "Action",
    "Application",
    "PreparingRound",
    "RoundSpec",
    "ACTION_KINDS",
    "CHANGE_FIELDS",
    "MAX_WORKBOOK_BYTES",
]

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # the reader's own limit, checked before hashing


@dataclass(frozen=True)
class WorkbookFile:
    path: Path
    rel: str  # relative to the workbooks folder: how reports and the registry name it
    sha256: str


@dataclass
class RoundInputs:
    spec: RoundSpec
    files: list[WorkbookFile] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)


@dataclass
class PreparingRound:
    """A round whose round.toml has no notice_date yet: only its applications are read."""

    key: str
    title: str
    applications: list[Application] = field(default_factory=list)
    workbooks: int = 0  # workbooks already in the folder (not scored or recorded until notice_date is set)


@dataclass
class SchemeInputs:
    scheme: str
    actions: list[Action] = field(default_factory=list)
    rounds: list[RoundInputs] = field(default_factory=list)
    preparing: list[PreparingRound] = field(default_factory=list)


@dataclass
class Inputs:
    folder: Path
    calendar: Calendar
    schemes: list[SchemeInputs] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # absolute path -> (stat signature, SHA-256) of every workbook hashed or found unchanged: the
    # cache `collect_inputs` may be given next time
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)

    def files(self) -> list[WorkbookFile]:
        return [f for s in self.schemes for r in s.rounds for f in r.files]


def load_calendar_or_default(folder: Path) -> tuple[Calendar, list[Problem]]:
    """The folder's calendar.toml; a broken one is reported and the official calendar used alone."""
    path = Path(folder) / "calendar.toml"
    if not path.exists() and not path.is_symlink():
        return load_calendar(None), []
    if _outside(path, os.path.realpath(folder)):
        return load_calendar(None), [Problem.of("calendar_invalid", str(path), detail=f"{path}: {LINK_OUTSIDE}")]
    try:
        return parse_calendar(read_small_file(path).decode("utf-8-sig"), str(path)), []
    except UnicodeDecodeError:
        detail = f"{path}: 不是 UTF-8 编码"
    except ValueError as exc:  # InputFileError included
        detail = str(exc)
    return load_calendar(None), [Problem.of("calendar_invalid", str(path), detail=detail)]


def collect_inputs(folder: Path, hashed: dict[str, tuple[str, str]] | None = None) -> Inputs:
    """Every scheme's rounds, actions and workbooks (with their SHA-256) under `folder`. `hashed`:
    hashes taken before (Inputs.hashes of an earlier run): a file whose size, times and inode are
    unchanged keeps its hash without being read."""
    folder = Path(folder)
    root = os.path.realpath(folder)
    cal, problems = load_calendar_or_default(folder)
    inputs = Inputs(folder, cal, problems=problems)
    hashed = hashed or {}
    _misplaced(folder, folder, inputs.problems)
    known = set(scheme_ids())
    for other in sorted(d for d in folder.iterdir() if d.is_dir() and not d.is_symlink() and d.name not in known and not d.name.startswith(".")):
        _misplaced(folder, other, inputs.problems, deep=True)  # a scheme folder's name mistyped: none of it is read
    for scheme in scheme_ids():
        scheme_dir = folder / scheme
        if not scheme_dir.is_dir():
            continue
        if _outside(scheme_dir, root):
            inputs.problems.append(Problem("link_outside", f"{LINK_OUTSIDE}，本评估类别未处理", scheme))
            continue
        _misplaced(folder, scheme_dir, inputs.problems)
        rubric = load_rubric(scheme)
        grades = tuple(b.label for b in rubric.grades.bands)
        actions: list[Action] = []
        for name in ("actions.csv", "actions.xlsx"):  # a row in both files (moved to the workbook) counts once
            if _outside(scheme_dir / name, root):
                inputs.problems.append(Problem.of("actions_unreadable", str(scheme_dir / name), detail=f"{scheme_dir / name}: {LINK_OUTSIDE}"))
                continue
            found_actions, action_problems = read_actions(scheme_dir / name, scheme, grades)
            known = {a.row_hash for a in actions}
            actions += [a for a in found_actions if a.row_hash not in known]
            inputs.problems += action_problems
        found = SchemeInputs(scheme, actions)
        for round_dir in sorted(d for d in scheme_dir.iterdir() if d.is_dir()):
            where = f"{scheme}/{round_dir.name}"
            if _outside(round_dir, root):
                inputs.problems.append(Problem("link_outside", f"{LINK_OUTSIDE}，本批次未处理", where))
                continue
            if not (round_dir / "round.toml").exists():
                inputs.problems.append(Problem.of("round_missing", str(round_dir), round=where))
                continue
            for sub in sorted(d for d in round_dir.iterdir() if d.is_dir() and not d.is_symlink()):
                _misplaced(folder, sub, inputs.problems, deep=True)
            if _outside(round_dir / "round.toml", root):
                inputs.problems.append(Problem.of("round_invalid", str(round_dir / "round.toml"), round=where, detail=f"round.toml {LINK_OUTSIDE}"))
                continue
            apps: list[Application] = []
            if _outside(round_dir / APPLICATIONS, root):
                linked = round_dir / APPLICATIONS
                inputs.problems.append(Problem.of("applications_unreadable", str(linked), detail=f"{linked}: {LINK_OUTSIDE}"))
            else:
                apps, app_problems = read_applications(round_dir / APPLICATIONS, rubric, round_dir.name)
                inputs.problems += app_problems
            try:
                spec = load_round(round_dir, scheme, cal)
            except RoundInPreparation as prep:
                count = sum(1 for f in round_dir.iterdir() if workbook_kind(f.name) == "xlsx")
                found.preparing.append(PreparingRound(round_dir.name, prep.title, apps, count))
                continue
            except (RoundError, NoWorkday) as exc:
                inputs.problems.append(Problem.of("round_invalid", str(round_dir / "round.toml"), round=where, detail=str(exc)))
                continue
            except UnknownYear as exc:
                inputs.problems.append(Problem.of("unknown_year", str(round_dir / "round.toml"), round=where, detail=str(exc)))
                continue
            found.rounds.append(RoundInputs(spec, _workbook_files(folder, round_dir, inputs.problems, hashed, inputs.hashes), apps))
        inputs.schemes.append(found)
    return inputs


LINK_OUTSIDE = "是指向评估表目录之外的链接，未读取；请把文件或目录本身（而不是链接）放在评估表目录中"
MISPLACED = "不在批次目录中，未处理：评估表应直接放在 workbooks/<评估类别>/<批次>/ 中，与该批次的 round.toml 在同一目录"
MAX_MISPLACED = 1000  # reported per folder; a folder of more says how many more


def _outside(path: Path, root: str) -> bool:
    """`path` (or a link on its way) leads out of the folder whose real path is `root`."""
    real = os.path.realpath(path)
    return real != root and not real.startswith(root.rstrip(os.sep) + os.sep)


def _misplaced(folder: Path, where: Path, problems: list[Problem], deep: bool = False) -> None:
    """Workbooks where none is read (the workbooks folder itself, a scheme folder, a round's
    sub-folders with `deep`): each named, never read. Links are not followed."""
    found: list[str] = []
    if deep:
        for dirpath, _, filenames in walk(where):  # no link to a folder followed
            found += [os.path.join(dirpath, n) for n in sorted(filenames) if workbook_kind(n) == "xlsx"]
            if len(found) > MAX_MISPLACED:
                break
    else:
        found = [str(f) for f in sorted(where.iterdir()) if workbook_kind(f.name) == "xlsx" and not f.is_dir()]
    for f in found[:MAX_MISPLACED]:
        problems.append(Problem("workbook_misplaced", MISPLACED, shown_name(os.path.relpath(f, folder))))
    if len(found) > MAX_MISPLACED:
        problems.append(Problem("workbook_misplaced", f"{MISPLACED}（另有更多文件未列出）", shown_name(os.path.relpath(where, folder))))


def _workbook_files(
    folder: Path, round_dir: Path, problems: list[Problem], hashed: dict[str, tuple[str, str]], hashes: dict[str, tuple[str, str]]
) -> list[WorkbookFile]:
    """The round's workbooks with their SHA-256 (from `hashed` when the file's stat is unchanged;
    every one found is put in `hashes`); files that cannot be workbooks are reported, never opened."""
    out = []
    root = os.path.realpath(folder)
    for f in sorted(round_dir.iterdir()):
        kind = workbook_kind(f.name)
        if kind is None:
            continue
        rel = str(f.relative_to(folder))
        if not rel.isprintable():  # a newline in a name could forge report lines
            problems.append(Problem("file_unreadable", "文件名含有换行等控制字符，已跳过；请重命名该文件", shown_name(rel)))
            continue
        if kind == "other":
            problems.append(Problem("not_xlsx", f"不是 .xlsx 工作簿（{f.suffix}），已跳过；请在 Excel 或 WPS 中“另存为” .xlsx 格式", rel))
            continue
        try:
            st = f.stat()
        except OSError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            # a pipe or device named .xlsx would block a reader forever
            problems.append(Problem("file_unreadable", "不是普通文件（可能是管道、设备或失效的链接），已跳过", rel))
            continue
        # a link to a workbook elsewhere would be read and published (the round folder is inside: a
        # file that is no link is too, and costs no realpath)
        if f.is_symlink() and _outside(f, root):
            problems.append(Problem("link_outside", LINK_OUTSIDE, rel))
            continue
        if st.st_size > MAX_WORKBOOK_BYTES:
            problems.append(
                Problem("too_large", f"文件大小 {st.st_size // (1024 * 1024)} MB，超过 {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB 的上限，已跳过", rel)
            )
            continue
        # ctime cannot be set back by a program (mtime can): an edit always changes the signature
        signature = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"
        path = os.path.abspath(f)
        cached = hashed.get(path)
        if cached and cached[0] == signature:
            digest = cached[1]
        else:
            try:
                digest = _sha256(f)
            except OSError as exc:
                problems.append(Problem("file_unreadable", f"无法读取文件（{exc.strerror or exc}），已跳过", rel))
                continue
        hashes[path] = (signature, digest)
        out.append(WorkbookFile(f, rel, digest))
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
