"""Hostile workbooks folders for collect_inputs: workbooks put where none is read are named, links
out of the workbooks folder are never followed; the other inputs are collected as usual."""

import os

from helpers import ORGS, A, B, write_round, zj_workbook

from scoring.inputs import collect_inputs


def _world(tmp_path):
    wb = tmp_path / "instance" / "workbooks"
    r1 = wb / "zj-skpw" / "2026-1"
    write_round(r1, "2026年度第一批", "2026-10-12")
    zj_workbook(r1 / f"{A}.xlsx", A, ORGS[A])
    return wb, r1


def test_workbooks_outside_a_round_folder_are_named_not_ignored(tmp_path):
    # before: a workbook directly in the scheme folder, or in a sub-folder of a round, was skipped
    # without a word (the clerk thought it published)
    wb, r1 = _world(tmp_path)
    zj_workbook(wb / "zj-skpw" / f"{B}.xlsx", B, ORGS[B])
    zj_workbook(r1 / "补充" / f"{B}.xlsx", B, ORGS[B])
    zj_workbook(r1 / "补充" / "更深" / "x.xlsx", B, ORGS[B])
    zj_workbook(wb / "y.xlsx", B, ORGS[B])
    write_round(wb / "zj_skpw" / "2026-1", "类别目录名写错", "2026-10-12")
    zj_workbook(wb / "zj_skpw" / "2026-1" / "z.xlsx", B, ORGS[B])
    (wb / ".git").mkdir()  # hidden folders are not looked into
    zj_workbook(wb / ".git" / "h.xlsx", B, ORGS[B])
    (wb / "zj-skpw" / "~$lock.xlsx").write_bytes(b"")  # Excel's lock file: not a workbook
    inputs = collect_inputs(wb)
    misplaced = sorted(p.file for p in inputs.problems if p.code == "workbook_misplaced")
    assert misplaced == sorted(
        ["y.xlsx", "zj_skpw/2026-1/z.xlsx", f"zj-skpw/{B}.xlsx", f"zj-skpw/2026-1/补充/{B}.xlsx", "zj-skpw/2026-1/补充/更深/x.xlsx"]
    )
    assert {p.code for p in inputs.problems} == {"workbook_misplaced"}
    assert all("批次目录" in p.message for p in inputs.problems)
    assert [f.rel for f in inputs.files()] == [f"zj-skpw/2026-1/{A}.xlsx"]  # the round's own, as before


def test_a_link_to_a_workbook_outside_the_workbooks_folder_is_not_read(tmp_path):
    # before: the linked workbook (anywhere on the machine) was hashed, read and published
    wb, r1 = _world(tmp_path)
    outside = zj_workbook(tmp_path / "elsewhere" / f"{B}.xlsx", B, ORGS[B])
    os.symlink(outside, r1 / f"{B}.xlsx")
    inputs = collect_inputs(wb)
    [problem] = inputs.problems
    assert (problem.code, problem.file) == ("link_outside", f"zj-skpw/2026-1/{B}.xlsx")
    assert "链接" in problem.message
    assert [f.rel for f in inputs.files()] == [f"zj-skpw/2026-1/{A}.xlsx"]


def test_a_link_inside_the_workbooks_folder_is_read(tmp_path):
    wb, r1 = _world(tmp_path)
    keep = zj_workbook(wb / "zj-skpw" / "2026-2" / f"{B}.xlsx", B, ORGS[B])
    write_round(keep.parent, "第二批", "2026-10-12")
    os.symlink(os.path.relpath(keep, r1), r1 / f"{B}.xlsx")
    inputs = collect_inputs(wb)
    assert inputs.problems == []
    assert sorted(f.rel for f in inputs.files()) == sorted([f"zj-skpw/2026-1/{A}.xlsx", f"zj-skpw/2026-1/{B}.xlsx", f"zj-skpw/2026-2/{B}.xlsx"])


def test_linked_folders_and_text_files_out_of_the_workbooks_folder_are_not_read(tmp_path):
    wb, r1 = _world(tmp_path)
    other = tmp_path / "other"
    write_round(other / "round", "外部批次", "2026-10-12")
    zj_workbook(other / "round" / f"{B}.xlsx", B, ORGS[B])
    os.symlink(other / "round", wb / "zj-skpw" / "2026-9")  # a round folder
    os.symlink(other / "round", wb / "maturity")  # a scheme folder
    (other / "actions.csv").write_text("date,credit_code,action,detail,document_no\n", encoding="utf-8")
    os.symlink(other / "actions.csv", wb / "zj-skpw" / "actions.csv")
    r3 = wb / "zj-skpw" / "2026-3"
    r3.mkdir()
    os.symlink(other / "round" / "round.toml", r3 / "round.toml")
    (other / "calendar.toml").write_text("", encoding="utf-8")
    os.symlink(other / "calendar.toml", wb / "calendar.toml")
    inputs = collect_inputs(wb)
    got = sorted((p.code, os.path.basename(p.file)) for p in inputs.problems)
    assert got == [
        ("actions_unreadable", "actions.csv"),
        ("calendar_invalid", "calendar.toml"),
        ("link_outside", "2026-9"),
        ("link_outside", "maturity"),
        ("round_invalid", "round.toml"),
    ]
    assert all("链接" in p.message for p in inputs.problems)
    assert [f.rel for f in inputs.files()] == [f"zj-skpw/2026-1/{A}.xlsx"]


def chain(top, depth=1500):
    """`depth` nested folders `a` under `top` (a path of about 3,000 characters, within PATH_MAX);
    their paths, deepest last."""
    paths = [str(top)]
    for _ in range(depth):
        paths.append(os.path.join(paths[-1], "a"))
        os.mkdir(paths[-1])
    return paths[1:]


def unchain(paths):
    """Remove what `chain` made, deepest first (shutil.rmtree, pytest's clean-up included, recurses)."""
    for path in reversed(paths):
        os.rmdir(path)


def test_a_round_with_thousands_of_nested_folders_is_collected(tmp_path):
    # os.walk recursed once per folder: RecursionError out of collect_inputs
    wb, r1 = _world(tmp_path)
    (r1 / "补充").mkdir()
    made = chain(r1 / "补充")
    zj_workbook(r1 / "补充" / f"{B}.xlsx", B, ORGS[B])
    try:
        inputs = collect_inputs(wb)
    finally:
        unchain(made[1:])
    assert [(p.code, p.file) for p in inputs.problems] == [("workbook_misplaced", f"zj-skpw/2026-1/补充/{B}.xlsx")]
    assert [f.rel for f in inputs.files()] == [f"zj-skpw/2026-1/{A}.xlsx"]
