"""Actions that must not be applied as they stand (issue 24, class 4): a decision dated before the
registry first read it (D21/D23: no notice dated in the past, no return period already over), a
撤销 whose detail says the certificate was *not* returned, and 变更 rows naming the organisation
itself or closing a merger cycle. Each refused row is a coded problem naming its file and line;
nothing of it is applied."""

import random
import shutil
from datetime import date, timedelta

import pytest
from helpers import CODES, DD, A, B, C, action_notices, cert_of, certs, ingest_on, return_state, write_round, zj_workbook

from scoring.registry import open_registry
from scoring.samples import credit_code


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


# --- D21/D23: an action read after its date ----------------------------------------------------------


def test_a_downgrade_read_after_its_date_publishes_today_and_leaves_the_full_return_period(acts):
    """The registry ran up to 2026-03-02; a 降级 dated a month before is read on 03-03. It was
    published at once with a 降级公告 dated 02-01 and a 作废公告 dated 02-17 (the return period over
    before anyone read it). Now: the decision takes effect on its date, the notice is dated the day
    it is published and the 15 days run from it; the clerk is told, naming the file and line."""
    (old,) = certs(acts.db, "2026-03-02", B).values()
    acts("2026-03-02")
    rep = acts("2026-03-03", ("2026-02-01", B, "降级", "3A", "浙环监协〔2026〕8号"))
    (p,) = problems(rep, "action_backdated")
    assert p.file == "zj-skpw/actions.csv" and "actions.csv 第 2 行" in p.message and "2026-02-01" in p.message
    assert "2026-03-03" in p.message and "至 2026-03-18" in p.message and "2026-03-02 及以前" in p.message
    assert p in rep.warnings and rep.action_problems == [] and rep.actions == [f"2026-02-01 {B} 降级 3A"]
    assert not [n for n in rep.notices if "作废公告" in n]
    (notice,) = action_notices(acts.db, "2026-03-03")
    assert notice["kind"] == "降级公告" and notice["published"] == "2026-03-03"
    assert return_state(acts.db, old["number"]) == ("2026-03-19", None)
    assert certs(acts.db, "2026-03-03", B)[old["number"]]["status"] == "已换发"  # the decision's own date stands
    assert not acts("2026-03-18").notices
    assert certs(acts.db, "2026-03-18", B)[old["number"]]["status"] == "已换发"
    rep = acts("2026-03-19")
    assert [n for n in rep.notices if "作废公告" in n] and certs(acts.db, "2026-03-19", B)[old["number"]]["status"] == "已作废"
    assert [n["published"] for n in action_notices(acts.db, "2026-03-19") if n["kind"] == "作废公告"] == ["2026-03-19"]


def test_a_revocation_read_after_its_date_is_noticed_on_the_day_read(acts):
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    acts("2026-05-11")
    rep = acts("2026-05-12", ("2026-05-08", DD, "撤销", "弄虚作假", "浙环监协〔2026〕15号"))
    assert [p.code for p in rep.problems] == ["action_backdated"]
    assert [n["published"] for n in action_notices(acts.db, "2026-05-12")] == ["2026-05-12"]
    assert return_state(acts.db, d["number"]) == ("2026-05-28", None)
    assert certs(acts.db, "2026-05-12", DD)[d["number"]]["status"] == "已撤销"


def test_an_action_of_a_day_the_registry_has_not_yet_processed_keeps_its_dates(acts):
    """Days after the last run are the registry's to catch up on (as for rounds): on time."""
    (old,) = certs(acts.db, "2026-03-01", B).values()
    acts("2026-03-01")
    rep = acts("2026-03-04", ("2026-03-02", B, "降级", "3A", "浙环监协〔2026〕8号"), ("2026-03-04", C, "注销", "", "浙环监协〔2026〕9号"))
    assert rep.problems == [] and len(rep.actions) == 2
    assert sorted(n["published"] for n in action_notices(acts.db, "2026-03-04")) == ["2026-03-02", "2026-03-04"]
    assert return_state(acts.db, old["number"]) == ("2026-03-18", None)


def test_an_action_dated_today_after_todays_run_is_on_time(acts):
    acts("2026-03-02")
    rep = acts("2026-03-02", ("2026-03-02", C, "注销", "", "浙环监协〔2026〕9号"))
    assert rep.problems == [] and [n["published"] for n in action_notices(acts.db, "2026-03-02")] == ["2026-03-02"]


def test_an_action_whose_certificate_changed_since_its_date_is_refused_and_the_night_goes_on(acts):
    """A 撤销 dated before a 变更 that was applied since: the certificate it names is already
    exchanged. This ended an ended certificate — an IntegrityError that stopped every night."""
    acts("2026-03-02", ("2026-03-02", A, "变更", "地址=杭州市某路2号", "浙环监协〔2026〕20号"))
    rep = acts(
        "2026-03-03",
        ("2026-03-01", A, "撤销", "", "浙环监协〔2026〕21号"),
        ("2026-03-01", A, "降级", "4A", "浙环监协〔2026〕22号"),
        ("2026-03-01", A, "注销", "", "浙环监协〔2026〕23号"),
        ("2026-03-03", C, "注销", "", "浙环监协〔2026〕24号"),
    )
    refused = problems(rep, "action_not_applied")
    assert len(refused) == 3 and all("2026-03-02 已换发" in p.message and "不能再按 2026-03-01 执行" in p.message for p in refused)
    assert [f"第 {n} 行" in p.message for n, p in zip((3, 4, 5), refused)] == [True, True, True]
    assert rep.actions == [f"2026-03-03 {C} 注销"]  # the other rows of the night are applied
    assert sorted(c["status"] for c in cert_of(acts.db, "2026-03-03", A)) == ["已换发", "有效"]
    assert ("撤销", CODES[A], "") not in applied(acts.db)


def test_a_return_recorded_after_the_certificate_was_voided_does_not_undo_it(acts):
    """D21: 'If none is recorded by the deadline, a 作废公告 is published … A later return does not
    undo it.' A return dated within the period but first read after the 作废公告 turned the
    certificate back to 已撤销 while the 作废公告 stayed published."""
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    acts("2026-05-11", ("2026-05-11", DD, "撤销", "", "浙环监协〔2026〕15号"))
    assert [n for n in acts("2026-05-27").notices if "作废公告" in n]
    rep = acts("2026-05-28", ("2026-05-20", DD, "证书退回", d["number"], ""))
    assert rep.actions == [f"2026-05-20 {DD} 证书退回 {d['number']}（逾期，已公告作废）"]
    (p,) = problems(rep, "action_backdated")
    assert "2026-05-27 公告作废" in p.message and "第 3 行" in p.message
    assert certs(acts.db, "2026-05-28", DD)[d["number"]]["status"] == "已作废"
    assert return_state(acts.db, d["number"]) == ("2026-05-27", "2026-05-28")


def test_a_return_read_after_its_date_but_before_the_void_counts(acts):
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    acts("2026-05-11", ("2026-05-11", DD, "撤销", "", "浙环监协〔2026〕15号"))
    acts("2026-05-21")
    rep = acts("2026-05-22", ("2026-05-20", DD, "证书退回", d["number"], ""))
    assert rep.problems == [] and rep.actions == [f"2026-05-20 {DD} 证书退回 {d['number']}"]
    assert not acts("2026-05-27").notices and certs(acts.db, "2026-05-27", DD)[d["number"]]["status"] == "已撤销"


# --- 变更: 分立/合并 name another organisation, and mergers never go round ------------------------------


@pytest.mark.parametrize("detail", [f"合并={CODES[A]}", f"分立={CODES[A].lower()}", f"名称=杭州甲新环保科技有限公司；合并={CODES[A]}"])
def test_a_split_or_merger_naming_the_organisation_itself_is_refused(acts, detail):
    rep = acts("2026-07-01", ("2026-07-01", A, "变更", detail, "浙环监协〔2026〕30号"))
    (p,) = problems(rep, "action_invalid")
    assert "actions.csv 第 2 行" in p.message and "本机构自己" in p.message and CODES[A] in p.message
    assert rep.actions == [] and rep.certificates == [] and applied(acts.db) == [] and action_notices(acts.db, "2026-07-01") == []


def test_a_change_giving_one_field_twice_is_refused(acts):
    rep = acts("2026-07-01", ("2026-07-01", A, "变更", "名称=甲；名称=乙", "浙环监协〔2026〕30号"))
    (p,) = problems(rep, "action_invalid")
    assert "第 2 行" in p.message and "“名称”填写了两次" in p.message and applied(acts.db) == []


def test_a_merger_cycle_is_refused_and_nothing_of_it_applied(acts):
    """A merged into B; B merging into A (directly, or round C) would make each the other's successor."""
    rep = acts("2026-07-01", ("2026-07-01", A, "变更", f"合并={CODES[B]}", "浙环监协〔2026〕31号"))
    assert len(rep.actions) == 1
    before = certs(acts.db, "2026-07-02", B)
    rep = acts(
        "2026-07-02",
        ("2026-07-02", B, "变更", f"合并={CODES[A]}", "浙环监协〔2026〕32号"),
        ("2026-07-02", B, "变更", f"合并={CODES[C]}", "浙环监协〔2026〕33号"),
        ("2026-07-02", C, "变更", f"名称=温州丙新运维有限公司；合并={CODES[A]}", "浙环监协〔2026〕34号"),
    )
    refused = problems(rep, "action_not_applied")
    assert [("第 3 行" in p.message, "第 5 行" in p.message) for p in refused] == [(True, False), (False, True)]
    assert all("循环" in p.message for p in refused)
    assert CODES[A] in refused[0].message and CODES[B] in refused[0].message
    assert rep.actions == [f"2026-07-02 {B} 变更 合并={CODES[C]}"]  # B into C: no cycle yet
    assert len(certs(acts.db, "2026-07-02", B)) == len(before) + 1
    assert [c["org_name"] for c in cert_of(acts.db, "2026-07-02", C) if c["status"] == "有效"] == [C]  # no new name
    assert [d for (_, code, d) in applied(acts.db) if code == CODES[C]] == []


def test_a_decision_first_read_when_its_return_period_is_over_starts_it_on_the_day_read(acts):
    """The registry's last run was on 03-01; a 撤销 of 03-02 is first read on 03-20 (no run in
    between): its return period would have ended on 03-17 and the certificate been voided at once."""
    (d,) = certs(acts.db, "2026-03-01", DD).values()
    acts("2026-03-01")
    rep = acts("2026-03-20", ("2026-03-02", DD, "撤销", "", "浙环监协〔2026〕15号"))
    (p,) = problems(rep, "action_backdated")
    assert "至 2026-03-17" in p.message and "在读到本行前已过" in p.message and "至 2026-04-04" in p.message
    assert not [n for n in rep.notices if "作废公告" in n] and [n["published"] for n in action_notices(acts.db, "2026-03-20")] == ["2026-03-20"]
    assert return_state(acts.db, d["number"]) == ("2026-04-05", None)
    assert certs(acts.db, "2026-03-20", DD)[d["number"]]["status"] == "已撤销"


def test_a_return_read_in_a_second_run_of_the_day_of_the_void_does_not_undo_it(acts):
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    acts("2026-05-11", ("2026-05-11", DD, "撤销", "", "浙环监协〔2026〕15号"))
    assert [n for n in acts("2026-05-27").notices if "作废公告" in n]
    rep = acts("2026-05-27", ("2026-05-26", DD, "证书退回", d["number"], ""))
    assert [p.code for p in rep.problems] == ["action_backdated"] and "逾期" in rep.actions[0]
    assert certs(acts.db, "2026-05-27", DD)[d["number"]]["status"] == "已作废"


# --- 第十六条: only a revocation that took effect bars a new application ---------------------------------


def test_a_revocation_that_was_refused_bars_no_application(acts):
    """A 撤销 row for an organisation without a certificate is refused (nothing to revoke), yet it
    made the organisation's next workbook 'ineligible' for a year as if its grade had been revoked."""
    newcomer = "湖州戊环保科技有限公司"
    code = credit_code(random.Random(newcomer))  # as zj_workbook gives it
    rep = acts("2026-03-02", ("2026-03-02", code, "撤销", "弄虚作假", "浙环监协〔2026〕9号"), ("2026-03-02", B, "撤销", "", "浙环监协〔2026〕10号"))
    assert len(problems(rep, "action_not_applied")) == 1 and len(rep.actions) == 1
    r2 = acts.db.parent / "workbooks" / "zj-skpw" / "2026-1"
    write_round(r2, "2026年度第一批运维服务能力评估结果", "2026-05-11")
    for name in (newcomer, B):
        zj_workbook(r2 / f"{name}.xlsx", name, "4A", application="2026-04-01")
    acts("2026-05-11")
    with open_registry(acts.db, write=False) as con:
        status = {r["org_name"]: r["status"] for r in con.execute("SELECT org_name, status FROM results WHERE recorded_on='2026-05-11'")}
    assert status == {newcomer: "scored", B: "ineligible"}  # B's grade was revoked on 03-02: barred until 2027-03-02


# --- random nights of actions, on time, late and refused -----------------------------------------------


@pytest.mark.parametrize("seed", [0, 2, 3, 7])  # 40 seeds pass; these four each failed on the old code
def test_random_nights_of_actions_never_stop_the_night_nor_date_a_notice_in_the_past(issued, tmp_path, seed):
    """Seeded: rows of every kind dated on the night, days or weeks before it, or just after, for the
    four organisations and one without a certificate; nights one to seventeen days apart (the old code
    ended an ended certificate or dated notices before they were published in each of these seeds).
    Every night completes; a notice first published on a night is dated after the days already
    processed; a return period starts only when it can still be kept."""
    rng = random.Random(seed)
    shutil.copytree(issued / "workbooks", tmp_path / "workbooks")
    db = tmp_path / "registry.sqlite"
    shutil.copy(issued / "registry.sqlite", db)
    codes = [*CODES.values(), credit_code(random.Random("nobody"))]
    lines, day = ["date,credit_code,action,detail,document_no"], date(2025, 10, 10)
    for _ in range(25):
        day += timedelta(days=rng.choice([0, 1, 1, 2, 5, 17]))
        with open_registry(db, write=False) as con:
            numbers = [n for (n,) in con.execute("SELECT number FROM certificates")]
            noticed = {n for (n,) in con.execute("SELECT id FROM notices")}
            voids = {n for (n,) in con.execute("SELECT number FROM certificates WHERE void_on IS NOT NULL")}
            (last,) = con.execute("SELECT value FROM meta WHERE key='latest_run'").fetchone()
        for _ in range(rng.randint(0, 3)):
            d = day - timedelta(days=rng.choice([0, 0, 1, 3, 20, 40])) + timedelta(days=rng.choice([0, 0, 0, 2]))
            kind = rng.choice(["年度检查合格", "年度检查不合格", "降级", "撤销", "证书退回", "变更", "注销"])
            detail = {
                "降级": rng.choice(["4A", "3A", "2A"]),
                "证书退回": rng.choice(numbers),
                "变更": rng.choice([f"合并={rng.choice(codes)}", f"分立={rng.choice(codes)}", "名称=新名称有限公司", "地址=某路"]),
                "撤销": rng.choice(["", "已退回", "未退回"]),
            }.get(kind, "")
            lines.append(",".join([d.isoformat(), rng.choice(codes), kind, detail, f"浙环监协〔2026〕{rng.randint(1, 99)}号"]))
        (tmp_path / "workbooks" / "zj-skpw" / "actions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        ingest_on(db, tmp_path / "workbooks", day.isoformat())
        with open_registry(db, write=False) as con:
            new = [(n["id"], n["published"]) for n in con.execute("SELECT id, published FROM notices") if n["id"] not in noticed]
            voided = [(c["number"], c["void_on"]) for c in con.execute("SELECT number, void_on FROM certificates WHERE void_on IS NOT NULL")]
        assert all(published > last or published == day.isoformat() for _, published in new), (day, last, new)
        assert all(void_on > day.isoformat() for number, void_on in voided if number not in voids), (day, voided)


def test_a_split_or_merger_recorded_twice_is_refused_the_second_time(acts):
    other = credit_code(random.Random("分立"))
    rep = acts(
        "2026-07-01",
        ("2026-07-01", B, "变更", f"分立={other}", "浙环监协〔2026〕30号"),
        ("2026-07-01", C, "变更", f"合并={CODES[DD]}", "浙环监协〔2026〕31号"),
    )
    assert len(rep.actions) == 2
    rep = acts(
        "2026-07-08",
        ("2026-07-08", B, "变更", f"分立={other.lower()}", "浙环监协〔2026〕35号"),
        ("2026-07-08", C, "变更", f"地址=温州市某路9号；合并={CODES[DD]}", ""),
        ("2026-07-08", B, "变更", f"分立={credit_code(random.Random('另一家'))}", "浙环监协〔2026〕36号"),  # another split: applied
    )
    refused = problems(rep, "action_not_applied")
    assert len(refused) == 2 and "已于 2026-07-01 记录（浙环监协〔2026〕30号）" in refused[0].message and "第 4 行" in refused[0].message
    assert "第 5 行" in refused[1].message and f"合并={CODES[DD]}" in refused[1].message
    assert len(rep.actions) == 1 and len(rep.certificates) == 1
