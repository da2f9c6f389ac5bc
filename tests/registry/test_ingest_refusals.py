"""Actions that must not be applied as they stand (issue 24, class 4): a decision dated before the
registry first read it (D21/D23: no notice dated in the past, no return period already over), a
撤销 whose detail says the certificate was *not* returned, and 变更 rows naming the organisation
itself or closing a merger cycle. Each refused row is a coded problem naming its file and line;
nothing of it is applied."""

import shutil

import pytest
from helpers import CODES, DD, ORGS, A, B, C, cert_of, ingest_on, read_on, write_round, zj_workbook

from scoring.registry import open_registry, published_notices


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


def certs(db, today, name):
    return {c["number"]: c for c in cert_of(db, today, name)}


def action_notices(db, today):
    return [n for n in read_on(db, published_notices, today) if n["kind"] not in ("公示", "公告")]


def return_state(db, number):
    with open_registry(db, write=False) as con:
        row = con.execute("SELECT void_on, returned_on FROM certificates WHERE number=?", (number,)).fetchone()
    return row["void_on"], row["returned_on"]


def applied(db):
    with open_registry(db, write=False) as con:
        return [(r["action"], r["credit_code"], r["detail"]) for r in con.execute("SELECT * FROM actions ORDER BY id")]


def problems(rep, code):
    return [p for p in rep.problems if p.code == code]


# --- 撤销: whether the certificate came back with the decision ----------------------------------------


def test_a_revocation_saying_the_certificate_was_not_returned_is_not_a_return(acts):
    """`是否已退回：否` once counted as returned (it contains 已退回): the certificate was never void."""
    numbers = {who: next(iter(certs(acts.db, "2026-05-11", who))) for who in (A, B, C, DD)}
    rep = acts(
        "2026-05-11",
        ("2026-05-11", A, "撤销", "弄虚作假；是否已退回：否", "浙环监协〔2026〕16号"),
        ("2026-05-11", B, "撤销", "未退回", "浙环监协〔2026〕17号"),
        ("2026-05-11", C, "撤销", "是否已退回：是", "浙环监协〔2026〕18号"),
        ("2026-05-11", DD, "撤销", "已退回", "浙环监协〔2026〕19号"),
    )
    assert len(rep.actions) == 4 and rep.problems == []
    assert return_state(acts.db, numbers[A]) == ("2026-05-27", None)
    assert return_state(acts.db, numbers[B]) == ("2026-05-27", None)
    assert return_state(acts.db, numbers[C]) == ("2026-05-27", "2026-05-11")
    assert return_state(acts.db, numbers[DD]) == ("2026-05-27", "2026-05-11")
    void = [n for n in acts("2026-05-27").notices if "作废公告" in n]
    assert sorted(n.split("（")[-1].split("）")[0] for n in void) == sorted([numbers[A], numbers[B]])
    assert certs(acts.db, "2026-05-27", A)[numbers[A]]["status"] == "已作废"
    assert certs(acts.db, "2026-05-27", C)[numbers[C]]["status"] == "已撤销"


@pytest.mark.parametrize("detail", ["是否已退回：待核实", "退回情况不明", "已退回；未退回", "是否已退回：否否", "证书不退回"])
def test_a_revocation_whose_return_cannot_be_read_is_refused(acts, detail):
    rep = acts("2026-05-11", ("2026-05-11", A, "撤销", detail, "浙环监协〔2026〕16号"))
    (p,) = problems(rep, "action_invalid")
    assert "actions.csv 第 2 行" in p.message and "退回" in p.message and "已跳过" in p.message
    assert rep.actions == [] and applied(acts.db) == [] and rep.notices == []
    assert {c["status"] for c in cert_of(acts.db, "2026-05-11", A)} == {"有效"}
