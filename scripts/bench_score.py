#!/usr/bin/env python3
"""Benchmark the scoring core against baselines measured in the same run.

1. read + validate + score N filled workbooks (all five schemes) with `score_paths`, against
   loading the same files with openpyxl (`load_workbook`, the reference reader's first step).
2. the engine alone (`score_batch`) on R rows of zj-skpw, against a per-row Python loop
   (tests/reference_scorer.py, an independent per-organisation implementation of schemes.md).

    python scripts/bench_score.py [--workbooks 1000] [--rows 100000] [--dir bench-tmp]

Generated workbooks are kept in --dir and reused when the count matches.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from scoring.engine import score_batch  # noqa: E402
from scoring.excel.fill import fill_template  # noqa: E402
from scoring.pipeline import collect_workbooks, read_rows, score_rows  # noqa: E402
from scoring.rubric import load_rubric  # noqa: E402
from scoring.samples import random_entry  # noqa: E402
from scoring.validate import Batch, build_batch, parse_workbook, raw_from_values  # noqa: E402

SCHEMES = ["zj-skpw", "maturity", "datong-filing", "xuzhou-service", "hosting"]


def _make(args):
    i, folder = args
    scheme = SCHEMES[i % len(SCHEMES)]
    values, tables = random_entry(scheme, random.Random(i))
    fill_template(scheme, values, Path(folder) / scheme / f"{i:05d}.xlsx", tables)


def ensure_workbooks(folder: Path, n: int) -> list[Path]:
    files = sorted(folder.rglob("*.xlsx")) if folder.exists() else []
    if len(files) != n:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        t = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(_make, [(i, str(folder)) for i in range(n)], chunksize=16))
        print(f"generated {n} workbooks in {time.perf_counter() - t:.1f} s")
        files = sorted(folder.rglob("*.xlsx"))
    return files


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def openpyxl_load_all(files):
    for f in files:
        load_workbook(f)


def bench_workbooks(files):
    def ours(jobs):
        return lambda: score_rows(read_rows(collect_workbooks(files)[0], jobs=jobs))

    t1, m1, res = best_of(ours(1))
    t2, m2, _ = best_of(ours(os.cpu_count()))
    tb, mb, _ = best_of(lambda: openpyxl_load_all(files), repeat=1)
    scored = sum(r["status"] == "scored" for r in res)
    return {"n": len(files), "scored": scored, "ours_1proc": t1, "ours_all": t2, "openpyxl_1proc": tb}


def bench_engine(rows: int, distinct: int = 2000):
    rubric = load_rubric("zj-skpw")
    rng = random.Random(1)
    entries = [random_entry("zj-skpw", rng) for _ in range(distinct)]
    parsed = [parse_workbook(raw_from_values("zj-skpw", v, t)) for v, t in entries]
    small = build_batch(rubric, parsed)
    reps = -(-rows // distinct)
    cols = {k: np.tile(v, reps)[:rows] for k, v in small.cols.items()}
    present = {k: np.tile(v, reps)[:rows] for k, v in small.present.items()}
    big = Batch(rubric, (parsed * reps)[:rows], cols, present)
    te, me, scores = best_of(lambda: score_batch(big), repeat=5)

    from reference_scorer import zj_skpw as reference_row

    loop_entries = (entries * reps)[:rows]

    def loop():
        return [reference_row(v, t["service_areas"]) for v, t in loop_entries]

    tl, ml, ref = best_of(loop, repeat=1)
    # the two must agree before their times mean anything
    for i in range(0, rows, max(1, rows // 500)):
        if ref[i]["status"] == "scored" and not parsed[i % distinct].problems and parsed[i % distinct].missing_score_fields == []:
            assert int(scores.total[i]) == int(ref[i]["total"] * 100), i
    return {"rows": rows, "engine": te, "loop": tl}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workbooks", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=ROOT / "bench-tmp" / "score")
    args = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    )
    files = ensure_workbooks(args.dir, args.workbooks)
    w = bench_workbooks(files)
    print(f"\nread+validate+score {w['n']} workbooks ({w['scored']} scored):")
    print(f"  ours, 1 process          {w['ours_1proc']:7.2f} s  ({1000 * w['ours_1proc'] / w['n']:.2f} ms/workbook)")
    print(f"  ours, {os.cpu_count()} processes        {w['ours_all']:7.2f} s")
    print(f"  openpyxl load, 1 process {w['openpyxl_1proc']:7.2f} s  (baseline)")
    print(
        f"  speed-up, 1 process vs 1 process: {w['openpyxl_1proc'] / w['ours_1proc']:.1f}x; "
        f"all cores vs baseline: {w['openpyxl_1proc'] / w['ours_all']:.1f}x"
    )
    e = bench_engine(args.rows)
    print(f"\nengine alone, zj-skpw, {e['rows']} rows:")
    print(f"  score_batch              {e['engine']:7.3f} s")
    print(f"  per-row Python loop      {e['loop']:7.2f} s  (baseline)")
    print(f"  speed-up: {e['loop'] / e['engine']:.0f}x")


if __name__ == "__main__":
    main()
