#!/usr/bin/env python3
"""Write sample workbooks filled from the templates by defined name (they never drift from them).

    python scripts/make_samples.py [--out workbooks]        the bundled samples (10 per scheme)
    python scripts/make_samples.py N [--out DIR]            N organisations for benchmarks

The bundled samples are chosen from seeded random entries to cover each scheme's outcomes: every
grade, a one-vote veto, an invalid workbook, and for zj-skpw 材料不全 and 不符合申请条件.
With N, N distinct organisations are spread over the five schemes and several rounds (a third of
the zj-skpw ones assessed twice), plus a few actions. Deterministic: the same N, the same files.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.excel.fill import fill_template  # noqa: E402
from scoring.pipeline import score_rows  # noqa: E402
from scoring.rubric import load_rubric  # noqa: E402
from scoring.samples import CITIES, KINDS, WORDS, complete_application, credit_code, random_entry  # noqa: E402
from scoring.validate import parse_workbook, raw_from_values  # noqa: E402

ROUNDS = {
    "zj-skpw": ("2026-1", 'title = "2026年度第一批浙江省刷卡排污总量自动控制系统运维服务能力评估结果"\nnotice_date = 2026-11-02\n'),
    "maturity": ("2026-1", 'title = "2026年度环境保护设施运营组织服务成熟度评价结果"\nnotice_date = 2026-10-20\n'),
    "datong-filing": ("2026-q4", 'title = "2026年第四季度大同市社会化运营机构备案结果"\nnotice_date = 2026-11-09\n'),
    "xuzhou-service": ("2026", 'title = "2026年度徐州市第三方环保服务机构服务考核评价结果"\nnotice_date = 2026-09-15\n'),
    "hosting": ("2026", 'title = "2026年度生态环境综合托管服务绩效评价结果"\nnotice_date = 2026-10-12\n'),
}
# A round in preparation (no notice_date yet) with applications in progress: the office dashboard's
# demo (office/index.html, `scoring office due`). The dates sit around 国庆 2026 and late November.
PREPARING = (
    "zj-skpw",
    "2027-1",
    '# A round in preparation: no notice_date yet. Its applications (applications.csv) are tracked on\n# the office dashboard (office/index.html, `scoring office due`); nothing here is scored or\n# published until notice_date is set.\ntitle = "2027年度第一批浙江省刷卡排污总量自动控制系统运维服务能力评估结果"\n',
    "统一社会信用代码,单位名称,机构申请,协会受理,材料预审,现场评估,综合评议,报告审核,公示公告,发放证书,终止,备注\n91330200FLL7DRUXW7,温州清源环境工程有限公司,2026-11-02,,,,,,,,,\n91310115CALT7TPALH,台州蓝海环保科技有限公司,2026-11-16,,,,,,,,,\n91330600XH04HE7Q9Y,绍兴正源运维服务有限公司,2026-10-09,2026-10-20,2026-10-30,,,,,,,评估组长：待定\n91330300QJ3M3PA1BB,金华绿洲环境监测技术有限公司,2026-09-14,2026-09-24,2026-10-12,2026-11-10,2026-11-20,,,,,\n913301004TTWG548JC,杭州碧源智能科技股份有限公司,2026-09-28,2026-10-09,2026-10-21,,,,,,,国庆假期后受理\n91330500AR3F0MRN2Y,湖州安信环保科技有限公司,2026-10-15,,,,,,,,2026-10-28,不予受理：申请材料不全\n",
)

# What makes a sample invalid: an entry a clerk could plausibly get wrong.
INVALID = {
    "zj-skpw": {"tech_staff_college": 999},
    "maturity": {"pct_5_6": 120},
    "datong-filing": {"credit_code": "91140200MA0KXXXXX0"},
    "xuzhou-service": {"other_adjust": 3, "other_note": None},
    "hosting": {"pts_daily_3": 6.3},
}


# The evaluators' 评估意见 (note_<item>) on the items an organisation lost points on: what the
# 评估报告 in office/ quotes as the reason.
NOTES = (
    "现场查阅台账与记录，{what}未完全达到评分标准的要求，已当场告知机构。",
    "抽查运维项目现场，{what}与评分标准存在差距，机构表示将限期整改。",
    "核对申请材料与现场情况，{what}部分内容缺失，按评分标准扣分。",
)


def add_notes(scheme: str, values: dict, tables: dict) -> None:
    r = load_rubric(scheme)
    if not r.item_notes:
        return
    res = score_rows([parse_workbook(raw_from_values(scheme, values, tables))])[0]
    if res.status != "scored":
        return
    for n, it in enumerate(r.items):
        got = res.items.get(it.id)
        if got is not None and not it.bonus and got < it.max / 100:
            values[f"note_{it.id}"] = NOTES[n % len(NOTES)].format(what=f"“{it.group or it.section}”一项")


def outcome(scheme: str, res: dict) -> str:
    if res["status"] != "scored":
        return res["status"]
    if res["veto"]:
        return "veto"
    if scheme == "xuzhou-service":
        return "ineligible" if not res["eligible"] else ("high" if res["total"] >= 85 else "low")
    return res["grade"]


def choose(scheme: str, wanted: int) -> list[tuple[dict, dict]]:
    """Seeded candidates grouped by outcome, picked round-robin so every outcome appears."""
    rng = random.Random(f"samples-{scheme}")
    by_outcome: dict[str, list] = {}
    for _ in range(600):
        quality = rng.choice([0.2, 0.45, 0.6, 0.75, 0.85, 0.95, 1.0])
        values, tables = random_entry(scheme, rng, quality)
        res = score_rows([parse_workbook(raw_from_values(scheme, values, tables))])[0].as_json()
        if res["status"] != "invalid":
            by_outcome.setdefault(outcome(scheme, res), []).append((values, tables))
    picked = []
    while len(picked) < wanted - 1 and any(by_outcome.values()):
        for key in sorted(by_outcome):
            if by_outcome[key] and len(picked) < wanted - 1:
                picked.append(by_outcome[key].pop(0))
    values, tables = random_entry(scheme, rng, 0.9)
    values.update(INVALID[scheme])
    picked.append(({k: v for k, v in values.items() if v is not None}, tables))
    return picked


# Organisations of a large sample: (scheme, share) and the rounds of each scheme.
SHARES = [("zj-skpw", 0.40), ("maturity", 0.15), ("datong-filing", 0.20), ("xuzhou-service", 0.10), ("hosting", 0.15)]
BIG_ROUNDS = {
    "zj-skpw": [("2025-1", "2025年度第一批运维服务能力评估结果", "2025-09-26"), ("2026-1", "2026年度第一批运维服务能力评估结果", "2026-11-02")],
    "maturity": [("2026-1", "2026年度服务成熟度评价结果", "2026-10-20")],
    "datong-filing": [
        ("2025-q4", "2025年第四季度社会化运营机构备案结果", "2025-11-10"),
        ("2026-q4", "2026年第四季度社会化运营机构备案结果", "2026-11-09"),
    ],
    "xuzhou-service": [("2026", "2026年度第三方环保服务机构服务考核评价结果", "2026-09-15")],
    "hosting": [("2025", "2025年度托管服务绩效评价结果", "2025-10-13"), ("2026", "2026年度托管服务绩效评价结果", "2026-10-12")],
}
MORE_WORDS = [
    "东方",
    "金桥",
    "海天",
    "宏达",
    "景明",
    "汇智",
    "锦程",
    "天成",
    "凯瑞",
    "同创",
    "远航",
    "新源",
    "中科",
    "华信",
    "恒通",
    "银河",
    "星辰",
    "宇通",
    "佳禾",
    "润泽",
]


def _fill_one(job):
    scheme, values, tables, path = job
    fill_template(scheme, values, path, tables)


def make_many(n: int, out: Path) -> None:
    rng = random.Random(f"orgs-{n}")
    names, codes, jobs = set(), set(), []
    for scheme, share in SHARES:
        rounds = BIG_ROUNDS[scheme]
        for folder, title, notice in rounds:
            (out / scheme / folder).mkdir(parents=True, exist_ok=True)
            (out / scheme / folder / "round.toml").write_text(f'title = "{title}"\nnotice_date = {notice}\n', encoding="utf-8")
        for i in range(round(n * share)):
            while True:
                name = rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(MORE_WORDS) + rng.choice(KINDS)
                code = credit_code(rng)
                if name not in names and code not in codes:
                    break
            names.add(name)
            codes.add(code)
            picked = rounds if (scheme == "zj-skpw" and rng.random() < 1 / 3) else [rng.choice(rounds)]
            for folder, _, notice in picked:
                values, tables = random_entry(scheme, rng, rng.choice([0.4, 0.6, 0.8, 0.9, 1.0]))
                values.update(org_name=name, credit_code=code)
                if scheme == "zj-skpw":
                    complete_application(values, int(notice[:4]))
                jobs.append((scheme, values, tables, out / scheme / folder / f"{i:05d}.xlsx"))
    with ProcessPoolExecutor() as pool:
        list(pool.map(_fill_one, jobs, chunksize=32))
    print(f"{out}: {len(names)} organisations, {len(jobs)} workbooks")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", help="make N organisations for benchmarks instead of the bundled samples")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--per-scheme", type=int, default=10)
    args = ap.parse_args()
    if args.n:
        out = args.out or Path(__file__).resolve().parents[1] / "bench-tmp" / f"samples-{args.n}"
        if out.exists():
            shutil.rmtree(out)
        make_many(args.n, out)
        return
    args.out = args.out or Path(__file__).resolve().parents[1] / "workbooks"
    for scheme, (round_id, toml) in ROUNDS.items():
        folder = args.out / scheme / round_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / "round.toml").write_text(toml, encoding="utf-8")
        names = set()
        for values, tables in choose(scheme, args.per_scheme):
            name = values["org_name"]
            while name in names:
                name += "（二）"
            names.add(name)
            values["org_name"] = name
            add_notes(scheme, values, tables)
            fill_template(scheme, values, folder / f"{name}.xlsx", tables)
        print(f"{folder}: {len(names)} workbooks")
    scheme, round_id, toml, apps = PREPARING
    folder = args.out / scheme / round_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "round.toml").write_text(toml, encoding="utf-8")
    (folder / "applications.csv").write_text(apps, encoding="utf-8-sig")  # with a BOM, as Excel saves CSV


if __name__ == "__main__":
    main()
