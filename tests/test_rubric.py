import pytest
from helpers import SCHEMES

from scoring.rubric import RUBRIC_DIR, RubricError, load_rubric, parse_rubric, scheme_ids


def test_all_five_schemes_load_with_their_totals():
    assert scheme_ids() == sorted(SCHEMES)
    totals = {s: load_rubric(s).total_max for s in SCHEMES}
    assert totals == {"zj-skpw": 11000, "maturity": 10000, "datong-filing": 0, "xuzhou-service": 10000, "hosting": 10000}


def test_zj_skpw_sections_match_the_official_table():
    r = load_rubric("zj-skpw")
    assert [(s.name, s.max) for s in r.sections] == [("运营能力", 2100), ("运维质量", 4900), ("日常运营", 3000), ("加分项", 1000)]
    assert len(r.items) == 32


def test_decisions_are_named_settings_used_by_rules():
    r = load_rubric("zj-skpw")
    assert r.decisions["D4"].value == ">="
    edu = r.item("staff_education").params["checks"][0]["test"]
    assert edu == "tech_staff > 0 and 2 * tech_staff_college >= tech_staff"  # @D4 resolved, D18
    assert r.item("transmission").params["counting"] == "linear"  # @D2
    assert load_rubric("maturity").grades.bands[-1].op == ">="  # D14
    assert load_rubric("xuzhou-service").total_clip == (0, 10000)  # D9


def test_private_fields_are_not_public():
    r = load_rubric("zj-skpw")
    for f in ("legal_rep", "legal_rep_phone", "contact_person", "contact_phone", "phone", "fax", "email"):
        assert not r.fields[f].public
    assert {"org_name", "credit_code", "reg_address"} <= set(r.public_fields)


@pytest.mark.parametrize(
    "change, message",
    [
        (("rule: {kind: awarded, input: pts_archives}", "rule: {kind: nonsense, input: pts_archives}"), "unknown rule kind"),
        (('test: "100 * controllers_spare >= 3 * controllers_total"', 'test: "100 * controlers_spare >= 3"'), "unknown column"),
        (('- {label: 4A, op: ">=", value: 80', '- {label: 4A, op: "=>", value: 80'), "op must be"),
        (("max: 15\n    wording: 每家", "max: 16\n    wording: 每家"), "items add up to"),
        (("@D4 tech_staff", "@D99 tech_staff"), "undefined decision D99"),
        (("rule: {kind: awarded, input: pts_archives}", "rule: {kind: awarded, input: pts_archives, cap: 3}"), "does not take cap"),
        (("  return_days: 15 ", "  retrun_days: 15 "), "lifecycle: unknown key 'retrun_days'"),
        (("    renewal_months: 3 ", "    renewal_months: three "), "lifecycle.certificate.renewal_months: must be a whole number"),
        (("    kind: certificate\n", "    kind: licence\n"), "lifecycle.certificate.kind: must be certificate or filing"),
        (("    signatures: [评估组长, 报告审核专家]", "    signature: [评估组长, 报告审核专家]"), "office.report: unknown key 'signature'"),
        (("    - {name: 协会受理, days: 15}", "    - {name: 协会受理, days: 15, owner: 协会}"), "office.stages[1]: unknown key 'owner'"),
        (("    - {name: 协会受理, days: 15}", "    - {days: 15}"), "office.stages[1]: each stage has a name"),
    ],
)
def test_a_broken_rubric_fails_loudly_naming_its_file(tmp_path, change, message):
    text = (RUBRIC_DIR / "zj-skpw.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "zj-skpw.yaml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RubricError) as err:
        parse_rubric(broken)
    assert str(broken) in str(err.value) and message in str(err.value)


def test_no_message_a_clerk_reads_shows_a_field_id():
    import re

    from scoring.rubric import scheme_ids

    for scheme in scheme_ids():
        r = load_rubric(scheme)
        texts = [c.message for c in r.checks] + [g.reason for g in r.gates] + [c.reason for c in r.conditions]
        for text in texts:
            shown = re.sub(r"\{[\w.]+\}", "", text)  # placeholders are filled with values
            assert not re.search(r"[a-z]+_[a-z_]+", shown), (scheme, text)


def test_lifecycle_and_office_settings_are_typed_with_the_defaults_of_the_text():
    from scoring.rubric import CertificateRules, Lifecycle, ReportWording, Stage

    zj = load_rubric("zj-skpw")
    assert zj.lifecycle == Lifecycle(
        certificate=CertificateRules("certificate", "ZJSK-{year}-{seq:04d}", ("5A", "4A", "3A", "2A"), "浙江省环境监测协会", 3, 3),
        notice_working_days=5,  # @D12
        revocation_bar_years=1,
        return_days=15,
    )
    assert zj.office.stages[:2] == (Stage("机构申请"), Stage("协会受理", 15))
    # a scheme that says nothing gets what the documents fall back on: its own title, no stages
    form = load_rubric("xuzhou-archive")
    assert form.lifecycle == Lifecycle() and form.lifecycle.issuer == ""
    assert form.office.certificate_title == form.title and form.office.stages == () and form.office.cite == ""
    assert form.office.report == ReportWording(
        f"{form.title}结果告知书", ("一、概况", "二、评估", "三、结论", "四、附表"), "", "", ("评估组长", "审核人")
    )
