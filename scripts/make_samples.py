#!/usr/bin/env python3
"""Write the bundled sample workbooks: workbooks/<scheme>/<round>/*.xlsx plus round.toml.

Every sample is a template filled by defined name (so samples never drift from the templates),
chosen from seeded random entries to cover each scheme's outcomes: every grade, a one-vote veto,
an invalid workbook, and for zj-skpw 材料不全 and 不符合申请条件. Deterministic: the same run
gives the same entries.

    python scripts/make_samples.py [--out workbooks]
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.excel.fill import fill_template  # noqa: E402
from scoring.pipeline import score_rows  # noqa: E402
from scoring.samples import random_entry  # noqa: E402
from scoring.validate import parse_workbook, raw_from_values  # noqa: E402

ROUNDS = {
    "zj-skpw": ("2026-1", 'title = "2026年度第一批浙江省刷卡排污总量自动控制系统运维服务能力评估结果"\n'
                          'notice_date = 2026-11-02\n'),
    "maturity": ("2026-1", 'title = "2026年度环境保护设施运营组织服务成熟度评价结果"\nnotice_date = 2026-10-20\n'),
    "datong-filing": ("2026-q4", 'title = "2026年第四季度大同市社会化运营机构备案结果"\nnotice_date = 2026-11-09\n'),
    "xuzhou-service": ("2026", 'title = "2026年度徐州市第三方环保服务机构服务考核评价结果"\nnotice_date = 2026-09-15\n'),
    "hosting": ("2026", 'title = "2026年度生态环境综合托管服务绩效评价结果"\nnotice_date = 2026-10-12\n'),
}
# What makes a sample invalid: an entry a clerk could plausibly get wrong.
INVALID = {
    "zj-skpw": {"tech_staff_college": 999},
    "maturity": {"pct_5_6": 120},
    "datong-filing": {"credit_code": "91140200MA0KXXXXX0"},
    "xuzhou-service": {"other_adjust": 3, "other_note": None},
    "hosting": {"pts_daily_3": 6.3},
}


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
        res = score_rows([parse_workbook(raw_from_values(scheme, values, tables))])[0]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "workbooks")
    ap.add_argument("--per-scheme", type=int, default=10)
    args = ap.parse_args()
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
            fill_template(scheme, values, folder / f"{name}.xlsx", tables)
        print(f"{folder}: {len(names)} workbooks")


if __name__ == "__main__":
    main()
