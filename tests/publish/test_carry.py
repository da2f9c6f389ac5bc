"""An incremental night equals a full rebuild, byte for byte (issue 16).

Each night the publish carries the files whose inputs did not change over from the live build (hard
links) and makes the rest. Here random change sets — new workbooks, a new round, refills, every kind
of action, the date moving on — are applied night after night to the bundled samples; after each
night the same registry is rebuilt from scratch into an empty folder and the two sites compared
file for file. Damaged carry-over state (a live file gone, a manifest of another build) must cost
a rebuild of what is missing, never a wrong site.
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
    from scoring.publish.site import index_bundles

    site = tmp_path / "site"
    pages = {"org/A1/index.html": "甲机构", "org/B2/index.html": "乙机构", "关于 我们/index.html": "丙页面", "notices/x-1/index.html": "丁公告"}
    for rel, text in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(f'<html lang="zh"><body><main data-pagefind-body><h1>{text}</h1></main></body></html>', encoding="utf-8")
    index_bundles(site, tmp_path, [("orgs-0", ["org/A1/index.html"]), ("main", ["关于 我们/index.html", "notices/x-1/index.html"])])
    for name, count in (("orgs-0", 1), ("main", 2)):
        entry = json.loads((site / "pagefind" / name / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert sum(lang["page_count"] for lang in entry["languages"].values()) == count, (name, entry)
