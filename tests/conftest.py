import random
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `from helpers import …`, `from reference_scorer import …`
pytest.register_assert_rewrite("helpers")

# SCHEMES stays importable from conftest for older tests
from helpers import CODES, ORGS, SCHEMES, A, B, ingest_on, write_round, zj_workbook  # noqa: E402, F401

from scoring.excel.fill import fill_template  # noqa: E402
from scoring.samples import random_entry  # noqa: E402


@pytest.fixture
def fill(tmp_path):
    """fill(scheme, overrides=None, seed=0, name=None, quality=0.9) -> path of a filled workbook."""
    counter = iter(range(10**6))

    def _fill(scheme, overrides=None, seed=0, name=None, quality=0.9, tables=None, drop=()):
        values, tabs = random_entry(scheme, random.Random(seed), quality)
        values.update(overrides or {})
        for f in drop:
            values.pop(f, None)
        if tables is not None:
            tabs = tables
        path = tmp_path / scheme / (name or f"{next(counter)}.xlsx")
        return fill_template(scheme, values, path, tabs)

    return _fill


@pytest.fixture
def world(tmp_path):
    """A zj-skpw round of the four ORGS (公示 from 2025-09-26, 温州丙 withheld) -> (tmp, workbooks, registry)."""
    wb = tmp_path / "workbooks"
    r1 = wb / "zj-skpw" / "2025-1"
    write_round(r1, "2025年度第一批运维服务能力评估结果", "2025-09-26", withheld=[CODES["温州丙运维服务有限公司"]])
    for name, grade in ORGS.items():
        zj_workbook(r1 / f"{name}.xlsx", name, grade)
    return tmp_path, wb, tmp_path / "registry.sqlite"


@pytest.fixture
def small_world(tmp_path):
    """A zj-skpw round of A and B (公示 from 2026-10-12) -> (tmp, workbooks, round folder); the registry is tmp/registry.sqlite."""
    wb = tmp_path / "workbooks"
    r1 = wb / "zj-skpw" / "2026-1"
    write_round(r1, "2026年度第一批", "2026-10-12")
    for name in (A, B):
        zj_workbook(r1 / f"{name}.xlsx", name, ORGS[name], application="2026-09-01")
    return tmp_path, wb, r1


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """The four ORGS' zj-skpw certificates, issued on the 公告 day 2025-10-10 (A 5A, B 4A, C 3A, DD 2A)."""
    tmp = tmp_path_factory.mktemp("issued")
    r1 = tmp / "workbooks" / "zj-skpw" / "2025-1"
    write_round(r1, "2025年度第一批运维服务能力评估结果", "2025-09-26")
    for name, grade in ORGS.items():
        zj_workbook(r1 / f"{name}.xlsx", name, grade)
    rep = ingest_on(tmp / "registry.sqlite", tmp / "workbooks", "2025-10-10")
    assert len(rep.certificates) == 4
    return tmp


@pytest.fixture
def acts(issued, tmp_path):
    """acts(today, *rows) -> Report: the rows (date, org or credit code, action, detail, document_no)
    written to actions.csv (appended to those of earlier calls) and recorded on `today`, in a copy of
    the issued registry."""
    shutil.copytree(issued / "workbooks", tmp_path / "workbooks")
    shutil.copy(issued / "registry.sqlite", tmp_path / "registry.sqlite")
    lines = ["date,credit_code,action,detail,document_no"]

    def run(today: str, *rows: tuple[str, str, str, str, str]):
        lines.extend(",".join([d, CODES.get(who, who), kind, detail, doc]) for d, who, kind, detail, doc in rows)
        (tmp_path / "workbooks" / "zj-skpw" / "actions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ingest_on(tmp_path / "registry.sqlite", tmp_path / "workbooks", today)

    run.db = tmp_path / "registry.sqlite"
    return run
