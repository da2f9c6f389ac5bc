"""The bundled sample workbooks are generated from the templates and cover every outcome."""

import subprocess
import sys
from collections import Counter

from helpers import ROOT

from scoring.excel.reader import read_raw
from scoring.pipeline import score_paths

WORKBOOKS = ROOT / "workbooks"


def test_samples_do_not_drift_from_the_generator(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path)], check=True, capture_output=True)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    bundled = sorted(p.relative_to(WORKBOOKS) for p in WORKBOOKS.rglob("*") if p.is_file() and p.parent != WORKBOOKS)
    assert fresh == bundled
    for rel in fresh:
        if rel.suffix == ".xlsx":
            a, b = read_raw(tmp_path / rel), read_raw(WORKBOOKS / rel)
            assert (a.cells, a.blocks, a.names) == (b.cells, b.blocks, b.names), rel
        else:
            assert (tmp_path / rel).read_text(encoding="utf-8") == (WORKBOOKS / rel).read_text(encoding="utf-8")


def test_samples_cover_grades_vetoes_and_invalid_workbooks():
    results = [r.as_json() for r in score_paths([WORKBOOKS])]
    per_scheme = Counter(r["scheme"] for r in results)
    assert all(n >= 8 for n in per_scheme.values()) and len(per_scheme) == 5
    for scheme in per_scheme:
        mine = [r for r in results if r["scheme"] == scheme]
        assert sum(r["status"] == "invalid" for r in mine) == 1, scheme
        assert len({r["grade"] for r in mine if r["status"] == "scored"}) >= 2 or scheme == "xuzhou-service"
        if scheme in ("zj-skpw", "maturity", "hosting"):
            assert any(r["veto"] for r in mine), scheme
    zj = {r["status"] for r in results if r["scheme"] == "zj-skpw"}
    assert zj == {"scored", "invalid", "incomplete", "ineligible"}
    assert all(len(r["credit_code"]) == 18 for r in results if r["status"] == "scored")
