"""An incremental night equals a full rebuild, byte for byte (issue 16).

Each night the publish carries the files whose inputs did not change over from the live build (hard
links) and makes the rest. Here random change sets — new workbooks, a new round, refills, every kind
of action, the date moving on — are applied night after night to the bundled samples; after each
night the same registry is rebuilt from scratch into an empty folder and the two sites compared
file for file. Damaged carry-over state (a live file gone, a manifest of another build) must cost
a rebuild of what is missing, never a wrong site.

The unit tests at the end drive `publish.carry.Carry` alone, on a live build and a new one in a tmp
folder: an unchanged key links the live file, a changed key writes a new inode, the spare's files
are kept or replaced, what the new build lacks is swept, and nothing is ever written into the live
build.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import ROOT, SCHEMES

from scoring.excel.fill import fill_template
from scoring.jobs import publish
from scoring.publish.carry import Carry, digest
from scoring.samples import credit_code, random_entry


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def full_rebuild(tmp: Path, wb: Path, day: date, name: str) -> Path:
    """The same registry published from scratch into a new folder (nothing to carry over)."""
    folder = tmp / name
    folder.mkdir()
    shutil.copy(tmp / "registry.sqlite", folder / "registry.sqlite")
    publish(wb, folder / "site", day, folder / "registry.sqlite", force=True)
    return folder / "site"


def assert_same_site(a: Path, b: Path, why: object = "") -> None:
    ta, tb = tree(a), tree(b)
    differ = sorted(k for k in ta.keys() | tb.keys() if ta.get(k) != tb.get(k))
    assert not differ, f"{len(differ)} files differ, e.g. {differ[:5]} ({why})"


def action_row(rng: random.Random, db: Path, day: date) -> str | None:
    """One plausible action on a certificate of the registry (a bad one is reported and skipped)."""
    con = sqlite3.connect(db)
    certs = con.execute("SELECT number, credit_code, scheme, grade FROM certificates WHERE replaced_by IS NULL ORDER BY number").fetchall()
    con.close()
    if not certs:
        return None
    number, code, scheme, grade = rng.choice(certs)
    kind, detail = rng.choice(
        [
            ("撤销", "存在弄虚作假行为"),
            ("年度检查合格", ""),
            ("年度检查不合格", "未按要求整改"),
            ("注销", "机构申请注销"),
            ("变更", f"名称=更名后的环保科技有限公司{rng.randrange(1000)}"),
            ("变更", f"地址=杭州市西湖区文三路{rng.randrange(1000)}号"),
            ("降级", "3A" if scheme == "zj-skpw" else grade),
            ("证书退回", number),
        ]
    )
    folder = db.parent / "workbooks" / scheme
    path = folder / "actions.csv"
    if not path.exists():
        path.write_text("date,credit_code,action,detail,document_no\n", encoding="utf-8")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f'{day.isoformat()},{code},{kind},"{detail}",浙环〔{day.year}〕{rng.randrange(1, 99)}号\n')
    return f"{kind} {number}"


def new_workbooks(rng: random.Random, wb: Path, day: date, n: int) -> str:
    """Workbooks of new organisations in an existing round of a random scheme."""
    scheme = rng.choice(SCHEMES)
    folder = rng.choice(sorted(p for p in (wb / scheme).iterdir() if (p / "round.toml").is_file()))
    new_workbooks_into(rng, scheme, folder, n, f"new-{day.isoformat()}")
    return f"{n} new in {scheme}/{folder.name}"


def new_round(rng: random.Random, wb: Path, day: date) -> str:
    """A round published today: its pages, its 公示, a new entry in the navigation."""
    scheme = rng.choice(SCHEMES)
    folder = wb / scheme / f"r{day.strftime('%Y%m%d')}-{rng.randrange(10**6)}"
    folder.mkdir()
    (folder / "round.toml").write_text(
        f'title = "{day.year}年度增补评估结果（{day.isoformat()}）"\nnotice_date = {day.isoformat()}\n', encoding="utf-8"
    )
    new_workbooks_into(rng, scheme, folder, 3, "new")
    return f"new round {scheme}/{folder.name}"


def new_workbooks_into(rng: random.Random, scheme: str, folder: Path, n: int, stem: str) -> None:
    for i in range(n):
        values, tables = random_entry(scheme, rng, rng.choice([0.6, 0.9, 1.0]))
        values.update(org_name=f"新增{rng.randrange(10**6)}环境科技有限公司", credit_code=credit_code(rng))
        fill_template(scheme, values, folder / f"{stem}-{i}.xlsx", tables)


def read_values(path: Path) -> dict:
    """The organisation's name and code as the workbook holds them (by defined name)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=False)
    found = {}
    for name in ("org_name", "credit_code"):
        if name in book.defined_names:
            sheet, cell = next(book.defined_names[name].destinations)
            found[name] = book[sheet][cell.replace("$", "")].value
    return found


def refill(rng: random.Random, wb: Path) -> str:
    """A workbook filled again (a correction during 公示, refused after it)."""
    path = rng.choice(sorted(p for p in wb.rglob("*.xlsx") if p.name != "actions.xlsx"))
    scheme = path.relative_to(wb).parts[0]
    values, tables = random_entry(scheme, rng, 1.0)
    values.update({k: v for k, v in read_values(path).items() if k in ("org_name", "credit_code")})
    fill_template(scheme, values, path, tables)
    return f"refill {path.relative_to(wb)}"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_random_change_sets_give_the_same_site_as_a_full_rebuild(tmp_path, seed):
    rng = random.Random(seed)
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    out, db = tmp_path / "www" / "site", tmp_path / "registry.sqlite"
    day = date(2026, 11, 25)
    first = publish(wb, out, day, db)
    assert first.carried == 0 and first.made > 0
    carried_nights = made_in_spare = 0
    for night in range(8):
        changes = []
        for _ in range(rng.randint(1, 3)):
            what = rng.choice(["workbooks", "action", "action", "action", "date", "round", "refill"])
            if what == "date":
                day += timedelta(days=rng.choice([1, 3, 9, 40]))
                changes.append(f"date {day}")
            elif what == "workbooks":
                changes.append(new_workbooks(rng, wb, day, rng.choice([1, 1, 4])))
            elif what == "action":
                changes.append(action_row(rng, db, day) or "no certificate yet")
            elif what == "round":
                changes.append(new_round(rng, wb, day))
            else:
                changes.append(refill(rng, wb))
        spare = out.parent / ".site.builds" / "spare"
        spare_folder = spare.stat().st_ino if spare.is_dir() else None
        result = publish(wb, out, day, db)
        if result.skipped:
            continue
        full = full_rebuild(tmp_path, wb, day, f"full-{night}")
        assert_same_site(out.resolve(), full.resolve(), changes)
        if result.carried:
            carried_nights += 1
            assert result.made < len(tree(full)), changes  # it carried files instead of making them all
        made_in_spare += out.resolve().stat().st_ino == spare_folder  # the build was made in the spare, renamed live
    assert carried_nights >= 2 and made_in_spare >= 2


@pytest.mark.slow
def test_damaged_carry_over_state_costs_a_rebuild_never_a_wrong_site(tmp_path):
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    out, db = tmp_path / "www" / "site", tmp_path / "registry.sqlite"
    day = date(2026, 11, 25)
    publish(wb, out, day, db)
    live = out.resolve()
    manifest = tmp_path / "www" / ".site.builds" / "manifest.json"
    keys = json.loads(manifest.read_text(encoding="utf-8"))
    org_page = next(k for k in keys["files"] if k.startswith("org/"))
    theme_file = next(k for k in keys["groups"]["mkdocs"]["files"] if k.startswith("assets/"))
    (live / org_page).unlink()  # gone from the live build (a hand-made deletion)
    (live / theme_file).unlink()
    rng = random.Random(5)
    new_round(rng, wb, day + timedelta(days=1))
    result = publish(wb, out, day + timedelta(days=1), db)
    assert not result.skipped and result.carried > 0
    assert_same_site(out.resolve(), full_rebuild(tmp_path, wb, day + timedelta(days=1), "full-a"))

    # the spare (the build before, this night's folder) damaged: a file of it gone, a stray page in it
    spare = tmp_path / "www" / ".site.builds" / "spare"
    description = json.loads((spare.parent / "spare.json").read_text(encoding="utf-8"))
    gone = next(k for k in description["files"] if k.startswith("org/") and (spare / k).is_file())
    (spare / gone).unlink()
    (spare / "org" / "STRAY").mkdir()
    (spare / "org" / "STRAY" / "index.html").write_text("<h1>不应发布</h1>", encoding="utf-8")
    new_round(rng, wb, day + timedelta(days=3))
    result = publish(wb, out, day + timedelta(days=3), db)
    assert not result.skipped and result.carried > 0 and not (out.resolve() / "org" / "STRAY").exists()
    assert_same_site(out.resolve(), full_rebuild(tmp_path, wb, day + timedelta(days=3), "full-s"))

    # a manifest describing another build is not trusted: everything is made again
    keys = json.loads(manifest.read_text(encoding="utf-8"))
    keys["build"] = "some-other-build"
    manifest.write_text(json.dumps(keys), encoding="utf-8")
    new_round(rng, wb, day + timedelta(days=4))
    result = publish(wb, out, day + timedelta(days=4), db)
    assert not result.skipped and result.carried == 0
    assert_same_site(out.resolve(), full_rebuild(tmp_path, wb, day + timedelta(days=4), "full-b"))


@pytest.mark.slow
def test_carrying_over_never_writes_into_the_live_site(tmp_path):
    """Carried files share their inode with the live build: a night must leave every file of the
    site it replaces exactly as it was while it builds (readers are served it until the swap)."""
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    out, db = tmp_path / "www" / "site", tmp_path / "registry.sqlite"
    day = date(2026, 11, 25)
    publish(wb, out, day, db)
    new_round(random.Random(2), wb, day + timedelta(days=1))
    publish(wb, out, day + timedelta(days=1), db)  # the first build is now the spare, sharing inodes with the live one
    spare = tmp_path / "www" / ".site.builds" / "spare"
    assert spare.is_dir() and (spare.parent / "spare.json").is_file()
    before = tree(out.resolve())
    keep = tmp_path / "kept"
    shutil.copytree(out.resolve(), keep, copy_function=os.link)  # the live build's inodes, kept alive
    spare_folder = spare.stat().st_ino
    new_round(random.Random(3), wb, day + timedelta(days=2))
    result = publish(wb, out, day + timedelta(days=2), db)
    assert result.carried > 0 and result.made > 0 and out.resolve().stat().st_ino == spare_folder  # made in the spare
    assert tree(keep) == before


def test_search_bundles_index_exactly_their_pages_whatever_their_paths(tmp_path):
    """Pagefind reads a bundle's pages by a glob of their paths, or from linked copies when a path
    is not plain (an instance's own page named in Chinese): each bundle holds its pages and no other."""
    from scoring.publish.search import index_bundles

    site = tmp_path / "site"
    pages = {"org/A1/index.html": "甲机构", "org/B2/index.html": "乙机构", "关于 我们/index.html": "丙页面", "notices/x-1/index.html": "丁公告"}
    for rel, text in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(f'<html lang="zh"><body><main data-pagefind-body><h1>{text}</h1></main></body></html>', encoding="utf-8")
    index_bundles(site, tmp_path, [("orgs-0", ["org/A1/index.html"]), ("main", ["关于 我们/index.html", "notices/x-1/index.html"])])
    for name, count in (("orgs-0", 1), ("main", 2)):
        entry = json.loads((site / "pagefind" / name / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert sum(lang["page_count"] for lang in entry["languages"].values()) == count, (name, entry)


# --- Carry on its own ---------------------------------------------------------------------------------


def live_build(tmp: Path, files: dict[str, str]) -> tuple[Path, dict]:
    """A live build holding `files` (path -> text) and its manifest, each file keyed by its text."""
    live = tmp / "live"
    for rel, text in files.items():
        (live / rel).parent.mkdir(parents=True, exist_ok=True)
        (live / rel).write_text(text, encoding="utf-8")
    return live, {"build": "live", "files": {rel: digest(text) for rel, text in files.items()}, "groups": {}}


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_ino, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def never(rel: str):
    def make():
        raise AssertionError(f"{rel} was made again although its key is unchanged")

    return make


def test_an_unchanged_key_links_the_live_file_and_a_changed_one_writes_a_new_inode(tmp_path):
    live, manifest = live_build(tmp_path, {"index.html": "首页", "org/a/index.html": "甲", "org/b/index.html": "乙"})
    before = snapshot(live)
    carry = Carry(previous=live, old=manifest)
    site = tmp_path / "new"
    carry.put(site, "index.html", digest("首页"), never("index.html"))
    carry.put(site, "org/a/index.html", digest("甲（新名称）"), lambda: "甲（新名称）")
    carry.put(site, "org/c/index.html", digest("丙"), lambda: "丙")  # new: the live build never had it
    assert (site / "index.html").stat().st_ino == (live / "index.html").stat().st_ino  # a hard link
    assert (live / "index.html").stat().st_nlink == 2
    assert (site / "org/a/index.html").stat().st_ino != (live / "org/a/index.html").stat().st_ino
    assert (site / "org/a/index.html").read_text(encoding="utf-8") == "甲（新名称）"
    assert carry.linked == 1 and carry.written == {"org/a/index.html", "org/c/index.html"}
    assert carry.files == {"index.html": digest("首页"), "org/a/index.html": digest("甲（新名称）"), "org/c/index.html": digest("丙")}
    assert carry.manifest("new") == {"build": "new", "files": carry.files, "groups": {}}
    assert not carry.superset()  # org/b is gone: every link of the new build must be checked
    assert snapshot(live) == before  # nothing written into the live build


def test_a_file_without_a_key_is_made_and_keyed_by_its_bytes(tmp_path):
    live, manifest = live_build(tmp_path, {"feed.xml": "<feed/>"})
    carry = Carry(previous=live, old=manifest)
    site = tmp_path / "new"
    carry.put(site, "feed.xml", None, lambda: "<feed/>")  # made to learn its key, then linked: same bytes
    carry.put(site, "data.json", None, lambda: b"{}")
    assert carry.files == {"feed.xml": digest("<feed/>"), "data.json": digest(b"{}")}
    assert (site / "feed.xml").stat().st_ino == (live / "feed.xml").stat().st_ino and carry.written == {"data.json"}


def test_without_a_live_build_or_with_its_file_gone_everything_is_made(tmp_path):
    carry = Carry()
    carry.put(tmp_path / "a", "index.html", "k", lambda: "首页")
    assert (tmp_path / "a" / "index.html").read_text(encoding="utf-8") == "首页" and carry.linked == 0
    live, manifest = live_build(tmp_path, {"index.html": "首页"})
    (live / "index.html").unlink()  # the manifest says unchanged, the file is gone: made again
    carry = Carry(previous=live, old=manifest)
    carry.put(tmp_path / "b", "index.html", digest("首页"), lambda: "首页")
    assert (tmp_path / "b" / "index.html").read_text(encoding="utf-8") == "首页" and carry.written == {"index.html"}


def test_made_in_the_spare_unchanged_files_stay_changed_ones_are_replaced_and_the_rest_swept(tmp_path):
    live, manifest = live_build(tmp_path, {"index.html": "首页 2", "org/a/index.html": "甲", "org/b/index.html": "乙"})
    site = tmp_path / "spare"  # the build before the live one, as adopt_spare hands it over
    spare_files = {"index.html": "首页 1", "org/a/index.html": "甲", "org/old/index.html": "旧", "theme/x.css": "x"}
    for rel, text in spare_files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    os.unlink(site / "org/a/index.html")
    os.link(live / "org/a/index.html", site / "org/a/index.html")  # carried into the live build from the spare: one inode
    spare = {"build": "spare", "files": {rel: digest(text) for rel, text in spare_files.items()}, "groups": {}}
    before = snapshot(live)
    kept_inode = (site / "org/a/index.html").stat().st_ino
    carry = Carry(previous=live, old=manifest, spare=spare, present=set(spare_files))
    carry.put(site, "org/a/index.html", digest("甲"), never("org/a/index.html"))  # unchanged since the spare: stays
    carry.put(site, "index.html", digest("首页 2"), never("index.html"))  # changed since the spare, as live: linked
    carry.put(site, "org/b/index.html", digest("乙（更正）"), lambda: "乙（更正）")  # changed: written
    carry.sweep(site, keep_under="theme/")
    assert (site / "org/a/index.html").stat().st_ino == kept_inode
    assert (site / "index.html").stat().st_ino == (live / "index.html").stat().st_ino
    assert (site / "org/b/index.html").read_text(encoding="utf-8") == "乙（更正）"
    assert not (site / "org/old").exists()  # swept, and its emptied folder with it
    assert (site / "theme/x.css").exists()  # under keep_under: a group still to be made
    carry.sweep(site)
    assert not (site / "theme").exists()
    assert carry.linked == 2 and carry.written == {"org/b/index.html"}
    assert snapshot(live) == before


def test_a_changed_file_that_shares_its_inode_with_the_live_build_is_replaced_never_written_into(tmp_path):
    live, manifest = live_build(tmp_path, {"org/a/index.html": "甲"})
    site = tmp_path / "spare"
    (site / "org/a").mkdir(parents=True)
    os.link(live / "org/a/index.html", site / "org/a/index.html")
    carry = Carry(previous=live, old=manifest, spare={"files": {"org/a/index.html": digest("甲")}}, present={"org/a/index.html"})
    carry.put(site, "org/a/index.html", digest("甲（撤销）"), lambda: "甲（撤销）")
    assert (live / "org/a/index.html").read_text(encoding="utf-8") == "甲" and (live / "org/a/index.html").stat().st_nlink == 1
    assert (site / "org/a/index.html").read_text(encoding="utf-8") == "甲（撤销）"


def test_a_group_is_carried_whole_or_not_at_all(tmp_path):
    live, manifest = live_build(tmp_path, {"assets/a.js": "a", "assets/b.css": "b"})
    manifest["groups"] = {"mkdocs": {"key": "k1", "files": ["assets/a.js", "assets/b.css"]}}
    carry = Carry(previous=live, old=manifest)
    assert carry.link_group(tmp_path / "one", "mkdocs", "k2") is None  # another key: the tool makes it
    assert carry.link_group(tmp_path / "one", "mkdocs", "k1") == manifest["groups"]["mkdocs"]
    assert (tmp_path / "one" / "assets/b.css").stat().st_ino == (live / "assets/b.css").stat().st_ino and carry.linked == 2
    assert carry.listing() == {"assets/a.js", "assets/b.css"}
    (live / "assets/b.css").unlink()  # a file of the group gone: nothing of it is carried
    carry = Carry(previous=live, old=manifest)
    assert carry.link_group(tmp_path / "two", "mkdocs", "k1") is None
    assert not (tmp_path / "two" / "assets/a.js").exists() and carry.linked == 0
    carry.record_group("mkdocs", "k3", ["assets/b.css", "assets/a.js"], extra=1)
    assert carry.groups["mkdocs"] == {"key": "k3", "files": ["assets/a.js", "assets/b.css"], "extra": 1}
    assert carry.written == {"assets/a.js", "assets/b.css"}


def test_superset_ignores_the_search_index_but_not_pages():
    old = {"files": {"index.html": "1"}, "groups": {"search-main": {"key": "s", "files": ["pagefind/x.pf"]}}}
    carry = Carry(previous=Path("/nonexistent"), old=old, files={"index.html": "2"})
    assert carry.superset()  # the new build has every page the live one had; search files are replaced whole
    assert not Carry(previous=Path("/nonexistent"), old=old, files={}).superset()
    assert not Carry(files={"index.html": "1"}).superset()  # no live build: nothing to compare with


def test_digest_parts_cannot_run_together():
    assert digest("ab", "c") != digest("a", "bc") and digest("x") == digest(b"x") and len(digest("x")) == 40
