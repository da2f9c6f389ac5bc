import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `from helpers import …`, `from reference_scorer import …`
pytest.register_assert_rewrite("helpers")

# SCHEMES stays importable from conftest for older tests
from helpers import CODES, ORGS, SCHEMES, A, B, write_round, zj_workbook  # noqa: E402, F401

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
