"""Live scores in the workbooks equal the Python scorer: fill templates with random valid entries
and official boundaries, recalculate them in LibreOffice headless, compare the cached results."""

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import AREAS, PERFECT_ZJ, SCHEMES
from openpyxl import load_workbook

from scoring.excel.fill import fill_template
from scoring.excel.template import write_template
from scoring.pipeline import score_paths
from scoring.rubric import load_rubric
from scoring.samples import random_entry

PER_SCHEME = 30
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed (.ci/run installs it)")]

ZJ_BOUNDARIES = [
    {"transmission_rate": 80},
    {"transmission_rate": 79.99},
    {"transmission_rate": 88.6},
    {"ledger_entry_rate": 99.99},
    {"ledger_entry_rate": 99.97},
    {"transmission_rate": 97.005},
    {"transmission_rate": 97},
    {"transmission_rate": 99.999},
    {"tech_staff_college": 5},
    {"basic_2": "否"},
    {"mat_app_05": "否"},
    {"check_water": "不适用"},
    {"ops_start_date": "2024-03-16", "application_date": "2026-03-15"},
    {"ops_start_date": "2024-02-29", "application_date": "2026-02-28"},
    {"transmission_rate": 0.935, "_percent": "transmission_rate"},
    {"commend_province": 1, "commend_city": 2, "innovations": 3},
    {"st_ops_mgmt": "有未张贴", "st_manual": "无", "sys_training": "否"},
]


def boundary_entries(scheme: str, rng: random.Random):
    if scheme == "zj-skpw":
        for extra in ZJ_BOUNDARIES:
            values, _ = random_entry(scheme, rng, 1.0)
            values.update(PERFECT_ZJ)
            values.update({f"mat_app_{i:02d}": "是" for i in range(1, 13)})
            values["ops_start_date"] = values["application_date"].replace(year=2018)
            values["founded_date"] = values["ops_start_date"].replace(year=2010)
            values.update(extra)
            yield values, {"service_areas": AREAS}
    elif scheme == "maturity":
        for pct in (70, 69.98, 95, 94.98, 33.335, 100, 0):
            values, _ = random_entry(scheme, rng, 1.0)
            values.update({k: pct for k in values if k.startswith("pct_")})
            values["veto_compliance"] = "是"
            yield values, {}
    elif scheme == "hosting":
        for off, extra, fraud in (
            (0, 0, "否"),
            (10, 0, "否"),
            (30, 0, "否"),
            (29.5, 0, "否"),
            (40.5, 0, "否"),
            (0, 2, "否"),
            (0, 0, "是"),
            (60, 5, "否"),
        ):
            values, _ = random_entry(scheme, rng, 1.0)
            rest = off
            for k in sorted(k for k in values if k.startswith("pts_")):
                take = min(values[k], rest)
                values[k] -= take
                rest -= take
            values.update({f"extra_{i}": (extra if i == 1 else 0) for i in range(1, 6)}, fraud=fraud)
            yield values, {}
    elif scheme == "xuzhou-service":
        for adjust, done, total in ((5, 10, 10), (-100, 0, 7), (0, 1, 3), (0, 2, 3), (-12.345, 5, 9), (99, 9, 9)):
            values, _ = random_entry(scheme, rng, 1.0)
            values.update(other_adjust=adjust, other_note="说明" if adjust else "", tasks_completed=done, tasks_contracted=total)
            yield values, {}
    elif scheme == "datong-filing":
        cases = [
            dict(water_staff=0, water_points=0, water_instruments=0),
            dict(lab="无", lab_cma_factors=""),
            dict(operated_factors="氨氮、总磷", lab_cma_factors="氨氮,总磷；COD"),
            dict(operated_factors="ph值", lab_cma_factors="PH值"),
            dict(operated_factors="", lab_cma_factors=""),
        ]
        for extra in cases:
            values, tables = random_entry(scheme, rng, 1.0)
            values.update(extra)
            yield values, tables


CROSS_CHECK = {  # a part larger than its whole: an input error the form implies
    "zj-skpw": lambda v: v.update(tech_staff_college=v["tech_staff"] + 1),
    "datong-filing": lambda v: v.update(qa_staff_3y=v["qa_staff"] + 1),
    "xuzhou-service": lambda v: v.update(senior_titles=v["pro_staff"] + 1),
}


def state_entries(scheme: str, rng: random.Random):
    """(case, values, tables, expected out_total/out_grade text): a blank template, an entry out of
    range, a failed cross-check, and (datong) the contract's 是 where the form prints 有."""
    rubric = load_rubric(scheme)
    yield "blank", None, None, "待填写"
    values, tables = random_entry(scheme, rng, 1.0)
    score_field = next(f for f, x in rubric.fields.items() if x.numeric and x.required and x.stage == "score")
    yield "range", {**values, score_field: -1}, tables, "有错误，见标记"
    half = dict(values)
    half.pop(score_field)
    yield "half", half, tables, "待填写"
    if scheme in CROSS_CHECK:
        wrong = dict(values)
        CROSS_CHECK[scheme](wrong)
        yield "cross", wrong, tables, "有错误，见标记"
    if scheme == "datong-filing":
        yes = {**values, **{f: {"有": "是", "无": "否"}[values[f]] for f in ("office", "integrity_pledge", "spares", "quality_system", "ledger")}}
        yield "yes", yes, tables, None  # None: the same outcome as the scorer


def cached(wb, name):
    if name not in wb.defined_names:
        return "<no name>"
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """Every scheme's fills, recalculated by LibreOffice in one batch."""
    src = tmp_path_factory.mktemp("fills")
    out = tmp_path_factory.mktemp("recalculated")
    made = {}
    for scheme in SCHEMES:
        rng = random.Random(f"formulas-{scheme}")
        entries = [random_entry(scheme, rng) for _ in range(PER_SCHEME)] + list(boundary_entries(scheme, rng))
        for i, (values, tables) in enumerate(entries):
            percent = values.pop("_percent", None)
            path = fill_template(scheme, values, src / f"{scheme}-{i:03d}.xlsx", tables)
            if percent:
                wb = load_workbook(path)
                ((sheet, ref),) = wb.defined_names[percent].destinations
                wb[sheet][ref.replace("$", "")].number_format = "0.0%"
                wb.save(path)
            made[path.name] = scheme
        for case, values, tables, _ in state_entries(scheme, rng):
            name = f"state-{scheme}-{case}.xlsx"
            if values is None:
                write_template(scheme, src / name)
            else:
                fill_template(scheme, values, src / name, tables)
    subprocess.run(
        ["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), *sorted(map(str, src.glob("*.xlsx")))],
        check=True,
        capture_output=True,
        timeout=1200,
    )
    return src, out, made


@pytest.mark.parametrize("scheme", SCHEMES)
def test_live_scores_equal_the_scorer(recalculated, scheme):
    src, out, made = recalculated
    names = sorted(n for n, s in made.items() if s == scheme)
    results = {Path(r["file"]).name: r for r in (x.as_json() for x in score_paths([src / n for n in names]))}
    rubric = load_rubric(scheme)
    mismatches, outcomes = [], set()
    for name in names:
        res = results[name]
        assert res["status"] != "invalid", (name, res["errors"])
        wb = load_workbook(out / name, data_only=True)
        outcomes.add((res["status"], res["grade"], res["veto"], res.get("eligible"), res.get("clipped")))
        if res["status"] == "incomplete":
            got, want = cached(wb, "out_grade"), "材料不全"
        elif res["status"] == "ineligible":
            got, want = cached(wb, "out_grade"), "不符合申请条件"
        else:
            got, want = {}, {}
            if rubric.items:
                got["total"], want["total"] = round(cached(wb, "out_total"), 2), res["total"]
            if rubric.grades.kind != "none":
                got["grade"], want["grade"] = cached(wb, "out_grade"), res["grade"]
            if scheme == "zj-skpw":
                for item, score in res["items"].items():
                    got[item], want[item] = round(cached(wb, f"out_{item}"), 2), score
        if got != want:
            mismatches.append((name, {k: (got[k], want[k]) for k in want if got.get(k) != want[k]} if isinstance(want, dict) else (got, want)))
    assert mismatches == []
    assert len(outcomes) >= 2


@pytest.mark.parametrize("scheme", SCHEMES)
def test_live_results_say_what_is_missing_or_wrong(recalculated, scheme):
    """A blank template says 待填写 (not 材料不全 and scores), an entry error says 有错误，见标记
    instead of a total, exactly when the scorer refuses the workbook."""
    src, out, _ = recalculated
    rubric = load_rubric(scheme)
    names = ["out_total"] * bool(rubric.items) + ["out_grade"] * (rubric.grades.kind != "none")
    for case, _, _, expected in state_entries(scheme, random.Random(0)):
        name = f"state-{scheme}-{case}.xlsx"
        wb = load_workbook(out / name, data_only=True)
        (res,) = [r.as_json() for r in score_paths([src / name])]
        if expected is None:
            assert res["status"] == "scored" and cached(wb, "out_grade") == res["grade"], (case, res["errors"])
            continue
        assert res["status"] == "invalid", (case, res)
        got = {n: cached(wb, n) for n in names}
        assert got == {n: expected for n in names}, (case, got, [e["message"] for e in res["errors"]][:3])
        sections = [row[6].value for ws in wb.worksheets for row in ws.iter_rows() if len(row) > 6 and str(row[0].value or "").endswith("得分")]
        assert all(v in (None, "") for v in sections), (case, sections)  # no section scores beside it


def test_maturity_shows_the_band_of_each_percentage(recalculated):
    src, out, made = recalculated
    name = sorted(n for n, s in made.items() if s == "maturity")[0]
    wb = load_workbook(out / name, data_only=True)
    filled = load_workbook(src / name)
    ws = wb["评价表"]
    for row in ws.iter_rows(min_row=3):
        pct, band = row[4].value, row[5].value
        if isinstance(pct, (int, float)) and band:
            expected = ["0%~20%", "20%~40%", "40%~60%", "60%~80%", "80%~100%"][min(4, max(0, int((pct - 1e-9) // 20)))] if pct else "0%~20%"
            assert band == expected, (pct, band)
    assert filled
