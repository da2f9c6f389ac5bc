"""No hidden quadratic: every registry query a publish runs either runs once or finds its rows
through an index. Each statement is traced during real publishes (samples, a second round, every
kind of action, the office), then asked for its plan: a statement run for many rows (more than
ten times in one publish), or a correlated subquery, must not SCAN a table that grows with the
registry. Whole-table reads run once a publish (the tamper digest, a scheme's applied actions) are
linear and allowed; so is reading the newest rows by rowid (`ORDER BY id DESC LIMIT n`)."""

import re
import shutil
import sqlite3
from collections import Counter
from datetime import date

import pytest
from helpers import ROOT

from scoring.jobs import publish
from scoring.publish import load_site_config
from scoring.registry import certificates, db, open_registry

pytestmark = pytest.mark.slow  # four publishes traced and every statement planned: the scale guard, run in full only

GROWING = {"organisations", "org_details", "results", "certificates", "actions", "notices", "audit", "draws", "qr_cache"}
LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+\b")


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    wb = tmp / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    runs: list[list[str]] = []  # the statements of each publish
    real = db.connect

    def traced_connect(path):
        con = real(path)
        con.set_trace_callback(runs[-1].append)
        return con

    def run(*args, **kw):
        runs.append([])
        publish(*args, **kw)

    db.connect = traced_connect
    try:
        run(wb, tmp / "public", date(2026, 11, 25), tmp / "r.sqlite", load_site_config(), office=None)
        with open_registry(tmp / "r.sqlite", write=False) as con:
            zj = [c for c in certificates(con, date(2026, 11, 25)) if c["scheme"] == "zj-skpw"]
        (wb / "zj-skpw" / "actions.csv").write_text(
            "date,credit_code,action,detail,document_no\n"
            f"2026-11-26,{zj[0]['credit_code']},年度检查合格,,\n"
            f"2026-11-26,{zj[1]['credit_code']},撤销,,浙环监协〔2026〕1号\n"
            f"2026-11-26,{zj[2]['credit_code']},变更,名称=新名称有限公司,\n"
            f"2026-11-26,{zj[3]['credit_code']},注销,,\n",
            encoding="utf-8",
        )
        run(wb, tmp / "public", date(2026, 11, 26), tmp / "r.sqlite", load_site_config(), office=tmp / "office")
        run(wb, tmp / "public", date(2026, 12, 14), tmp / "r.sqlite", load_site_config(), office=tmp / "office")  # 作废 after D21
    finally:
        db.connect = real
    return tmp / "r.sqlite", runs


def shape(sql: str) -> str:
    return " ".join(LITERAL.sub("?", sql).split())


def test_no_statement_scans_a_growing_table_per_row(traced):
    path, runs = traced

    def is_read(sql: str) -> bool:
        return sql.lstrip().upper().startswith(("SELECT", "WITH")) and "sqlite_master" not in sql

    most = Counter()  # a statement's most executions in one publish
    example = {}
    for statements in runs:
        counted = Counter(shape(s) for s in statements if is_read(s))
        for k, n in counted.items():
            most[k] = max(most[k], n)
        example.update({shape(s): s for s in statements if is_read(s)})
    assert len(example) > 40 and max(most.values()) > 100  # the trace saw the per-row lookups
    con = sqlite3.connect(path)
    bad = []
    for key, sql in example.items():
        plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql)]
        aliases = {a: t for t, a in re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)", key, re.I)}
        scans = [d for d in plan if d.startswith("SCAN ") and aliases.get(d.split()[1], d.split()[1]) in GROWING and "USING" not in d]
        newest = re.search(r"ORDER BY (id|rowid) DESC LIMIT", key) and " WHERE " not in key
        correlated = any("CORRELATED" in d for d in plan)
        if scans and not newest and (most[key] > 10 or correlated):
            bad.append(f"{most[key]}× {key[:160]} → {scans}")
    assert bad == []
