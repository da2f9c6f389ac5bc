"""A rubric as data: its YAML parsed into frozen dataclasses, checked as it goes.

Everything that needs only the rubric itself is checked here (field types, sections adding up,
every expression compiling against the rubric's own fields, every field placed on a sheet). Whether
an item's rule parameters fit the rule kind it names is the loader's check (`scoring.rubric`),
which is above the rule kinds (`scoring.rules`): the data does not import its interpreter.

A broken rubric is a programming error, not user input: it raises RubricError naming the file
and the place in it. Decisions (D-numbers) are named settings; any string "@Dn" in a rule
parameter or expression is replaced by that decision's value at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .expr import expression_names

__all__ = [
    "RubricError",
    "Field",
    "TableColumn",
    "Table",
    "Check",
    "Gate",
    "Item",
    "Section",
    "Condition",
    "Band",
    "Grades",
    "Decision",
    "CertificateRules",
    "Lifecycle",
    "Stage",
    "ReportWording",
    "OfficeSettings",
    "Rubric",
    "read_rubric",
    "score_sheet_inputs",
    "field_placements",
    "expression_names",
]

FIELD_TYPES = {"text", "credit_code", "int", "num", "pct", "pts", "bool", "date", "enum"}
CONDITION_EFFECTS = {"veto", "eligibility", "outcome"}
ROLES = ("address", "legal_rep", "application_date")  # particulars the registry keeps
BOOL_CHOICES = ("是", "否")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class RubricError(ValueError):
    """The rubric file itself is wrong (raised at load, names the file and place)."""


@dataclass(frozen=True)
class Decision:
    id: str
    value: Any
    title: str
    text: str


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    required: bool = False
    public: bool = False
    choices: tuple[str, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    step: Decimal | None = None
    max_length: int = 500
    default: Any = None
    hint: str = ""
    stage: str = "score"  # identity | gate | score: which fields a gated-out result still needs

    @property
    def accepted(self) -> tuple[str, ...]:
        """What a bool/enum cell may hold: its choices, and for a bool printed 有/无 also the
        contract's 是/否 (outside programs fill bools with 是/否 whatever the form prints)."""
        if self.type == "bool" and self.choices != BOOL_CHOICES:
            return self.choices + BOOL_CHOICES
        return self.choices

    @property
    def yes_words(self) -> tuple[str, ...]:
        """A bool's words for true: 是, and the form's own word (有) where it prints one."""
        return tuple(dict.fromkeys((self.choices[0], BOOL_CHOICES[0])))

    @property
    def numeric(self) -> bool:
        return self.type in {"int", "num", "pct", "pts"}


@dataclass(frozen=True)
class TableColumn:
    id: str
    type: str
    label: str
    max: Decimal | None = None
    max_length: int = 500


@dataclass(frozen=True)
class Table:
    id: str
    label: str
    rows: int
    columns: tuple[TableColumn, ...]
    listed: bool = False  # the rows themselves are kept with the result (D22's operated units)
    unique: str | None = None  # a column no two rows may share (a unit's credit code)


@dataclass(frozen=True)
class Check:
    """A cross-field check; failing it is an input error on `field`."""

    code: str
    test: str
    field: str
    message: str


@dataclass(frozen=True)
class Gate:
    """A precondition for scoring (zj-skpw 材料不全, two-year rule); failing sets `status`."""

    code: str
    status: str
    test: str
    reason: str
    list_false: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    group: str
    max: int  # centi-points
    min: int | None  # centi-points; None = no floor
    wording: str
    kind: str
    params: dict
    inputs: tuple[str, ...]  # scalar fields the rule reads, in the order the workbook shows them
    bonus: bool = False
    points: str = ""  # what the 分值 column prints, as the official form does (a bonus item has no 分值)

    @property
    def points_text(self) -> str:
        return self.points or ("" if self.bonus else f"{self.max / 100:g}")


@dataclass(frozen=True)
class Section:
    name: str
    max: int | None  # centi-points
    floor: int | None = None
    bonus: bool = False


@dataclass(frozen=True)
class Condition:
    code: str
    test: str
    effect: str
    reason: str


@dataclass(frozen=True)
class Band:
    label: str
    op: str  # ">=" or ">"
    value: int  # centi-points
    text: str = ""


@dataclass(frozen=True)
class Grades:
    kind: str  # bands | conditions | none
    bands: tuple[Band, ...] = ()
    otherwise: str | None = None
    veto_grade: str | None = None
    otherwise_text: str = ""  # the official wording of the lowest grade, where the text states one
    pass_label: str | None = None
    fail_label: str | None = None


@dataclass(frozen=True)
class CertificateRules:
    """What a scheme issues for a passing result (`lifecycle.certificate`)."""

    kind: str  # certificate (graded, may be downgraded) | filing (备案)
    number: str  # its number, formatted with {year} and {seq}
    passing_grades: tuple[str, ...]  # the grades that get one, highest first
    issuer: str = ""  # who issues it, unless the instance's scoring.toml names the issuer
    validity_years: int | None = None  # None: valid until ended by an action
    renewal_months: int | None = None  # 即将到期: the renewal is due this many months before expiry


@dataclass(frozen=True)
class Lifecycle:
    """What happens to a scheme's results after scoring (`lifecycle:`); each rule is off when absent."""

    certificate: CertificateRules | None = None
    notice_working_days: int | None = None  # 公示期 in working days (D12); None: no 公示
    spot_check_percent: int | None = None  # 抽查: the share of certificates drawn each year
    revocation_bar_years: int | None = None  # after 撤销 no application for this many years
    return_days: int | None = None  # D21: a 降级/撤销 certificate is returned within these calendar days

    @property
    def issuer(self) -> str:
        """Who issues the scheme's certificates (its rubric's word); "" when it issues none."""
        return self.certificate.issuer if self.certificate else ""


@dataclass(frozen=True)
class Stage:
    """One stage of the application procedure (`office.stages`), e.g. zj-skpw 第九条's 协会受理."""

    name: str
    days: int | None = None  # working days it may take from the stage before (D12); None: no time limit


@dataclass(frozen=True)
class ReportWording:
    """The 评估报告's / 结果告知书's own words (`office.report`)."""

    title: str  # default: the scheme's title + 结果告知书
    headings: tuple[str, ...] = ("一、概况", "二、评估", "三、结论", "四、附表")
    conditions_table: str = ""
    score_table: str = ""
    signatures: tuple[str, ...] = ("评估组长", "审核人")


@dataclass(frozen=True)
class OfficeSettings:
    """The issuing body's documents for a scheme (`office:`): wording that differs by scheme."""

    certificate_title: str  # default: the scheme's title
    report: ReportWording
    cite: str = ""  # the text a letter cites, 《…》; default: the first part of the rubric's source
    decision_basis: str = ""  # the articles a 降级/撤销 decision cites
    stages: tuple[Stage, ...] = ()  # the application procedure, in order; () when none is tracked


@dataclass(frozen=True)
class Rubric:
    scheme: str
    title: str
    short_title: str
    source: str
    template_version: int
    compatible_versions: tuple[int, ...]
    decisions: dict[str, Decision]
    fields: dict[str, Field]
    tables: dict[str, Table]
    checks: tuple[Check, ...]
    gates: tuple[Gate, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    conditions: tuple[Condition, ...]
    grades: Grades
    total_clip: tuple[int | None, int | None]
    zero_if: Condition | None
    item_notes: bool
    sheets: tuple[dict, ...]
    lifecycle: Lifecycle
    office: OfficeSettings  # the issuing body's documents: report wording, application stages
    bands_display: dict
    roles: dict = field(default_factory=dict)  # role (address, legal_rep, application_date) -> field id
    path: Path = field(compare=False, default=Path())
    kind: str = "assessment"  # assessment | form (a printed/checked form that is not scored)

    @property
    def total_max(self) -> int:
        return sum(s.max or 0 for s in self.sections)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def public_fields(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields.values() if f.public)


def read_rubric(path: Path) -> Rubric:
    """Parse a rubric file into its dataclasses (its rules' parameters unchecked: see `scoring.rubric`)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return _build(raw, path)
    except RubricError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RubricError(f"{path}: {type(exc).__name__}: {exc}") from exc


def _fail(path: Path, where: str, msg: str) -> NoReturn:
    raise RubricError(f"{path}: {where}: {msg}")


def _centi(value, path: Path, where: str) -> int:
    d = Decimal(str(value)) * 100
    if d != d.to_integral_value():
        _fail(path, where, f"{value} is not on the 0.01 grid")
    return int(d)


def _resolve(obj, decisions: dict[str, Decision], path: Path, where: str):
    """Replace '@Dn' strings (whole value or inside an expression) by the decision's value."""
    if isinstance(obj, str):
        whole = re.fullmatch(r"@(D\d+)", obj)
        if whole:
            if whole[1] not in decisions:
                _fail(path, where, f"refers to undefined decision {whole[1]}")
            return decisions[whole[1]].value

        def sub(m):
            if m[1] not in decisions:
                _fail(path, where, f"refers to undefined decision {m[1]}")
            return str(decisions[m[1]].value)

        return re.sub(r"@(D\d+)", sub, obj)
    if isinstance(obj, dict):
        return {k: _resolve(v, decisions, path, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve(v, decisions, path, f"{where}[{i}]") for i, v in enumerate(obj)]
    return obj


def _build(raw: dict, path: Path) -> Rubric:
    for key in ("scheme", "title", "template_version", "fields", "grades", "sheets"):
        if key not in raw:
            _fail(path, "top level", f"missing key {key!r}")
    if raw["scheme"] != path.stem:
        _fail(path, "scheme", f"{raw['scheme']!r} does not match the file name")

    decisions = {did: Decision(did, d["value"], d["title"], d["text"]) for did, d in (raw.get("decisions") or {}).items()}
    raw = {k: (v if k == "decisions" else _resolve(v, decisions, path, k)) for k, v in raw.items()}

    fields = {fid: _field(fid, f, path) for fid, f in raw["fields"].items()}
    for must in ("org_name", "credit_code"):
        if must not in fields:
            _fail(path, "fields", f"every scheme needs {must}")
    tables = _tables(raw.get("tables") or {}, fields, path)
    checks = _checks(raw.get("checks") or [], fields, path)
    gates = _gates(raw.get("gates") or [], path)
    sections = _sections(raw.get("sections") or [], path)
    items = _items(raw.get("items") or [], sections, fields, path)
    conditions = _conditions(raw.get("conditions") or [], path)
    grades = _grades(raw["grades"], path)
    total_clip, zero_if = _total(raw.get("total") or {}, path)
    lifecycle = _lifecycle(raw.get("lifecycle"), path)
    office = _office(raw.get("office"), raw["title"], path)

    rubric = Rubric(
        scheme=raw["scheme"],
        title=raw["title"],
        short_title=raw.get("short_title", raw["title"]),
        source=raw.get("source", ""),
        template_version=int(raw["template_version"]),
        compatible_versions=tuple(raw.get("compatible_versions", [raw["template_version"]])),
        decisions=decisions,
        fields=fields,
        tables=tables,
        checks=checks,
        gates=gates,
        sections=sections,
        items=items,
        conditions=conditions,
        grades=grades,
        total_clip=total_clip,
        zero_if=zero_if,
        item_notes=bool(raw.get("item_notes", False)),
        sheets=tuple(raw["sheets"]),
        lifecycle=lifecycle,
        bands_display=raw.get("bands_display") or {},
        roles=dict(raw.get("roles") or {}),
        path=path,
        kind=raw.get("kind", "assessment"),
        office=office,
    )
    _check_whole(rubric, path)
    return rubric


def _field(fid: str, f: dict, path: Path) -> Field:
    where = f"fields.{fid}"
    if not ID_PATTERN.match(fid):
        _fail(path, where, "field ids are lower-case ASCII with underscores")
    ftype: Any = f.get("type")
    if ftype not in FIELD_TYPES:
        _fail(path, where, f"unknown type {ftype!r}")
    choices = tuple(f.get("choices", BOOL_CHOICES if ftype == "bool" else ()))
    if ftype == "bool" and len(choices) != 2:
        _fail(path, where, "a bool has two choices: the word for true, then for false (是/否, 有/无)")
    if ftype == "enum" and not choices:
        _fail(path, where, "enum needs choices")
    lo = f.get("min", 0 if ftype in {"int", "num", "pct", "pts"} else None)
    hi = f.get("max", 100 if ftype == "pct" else None)
    if ftype == "pts" and (hi is None or "step" not in f):
        _fail(path, where, "pts needs max and step")
    field = Field(
        id=fid,
        type=ftype,
        label=str(f.get("label") or _fail(path, where, "needs a label")),
        required=bool(f.get("required", False)),
        public=bool(f.get("public", False)),
        choices=choices,
        min=None if lo is None else Decimal(str(lo)),
        max=None if hi is None else Decimal(str(hi)),
        step=Decimal(str(f["step"])) if "step" in f else None,
        max_length=int(f.get("max_length", 500)),
        default=f.get("default"),
        hint=str(f.get("hint", "")),
        stage=f.get("stage", "score"),
    )
    if field.stage not in {"identity", "gate", "score"}:
        _fail(path, where, f"unknown stage {field.stage!r}")
    return field


def _tables(raw: dict, fields: dict[str, Field], path: Path) -> dict[str, Table]:
    tables = {}
    for tid, t in raw.items():
        cols = tuple(
            TableColumn(c["id"], c["type"], c["label"], Decimal(str(c["max"])) if "max" in c else None, int(c.get("max_length", 500)))
            for c in t["columns"]
        )
        if cols[0].type != "text":
            _fail(path, f"tables.{tid}", "the first column is the row name (text)")
        if any(c.type not in ("text", "int", "credit_code") for c in cols):
            _fail(path, f"tables.{tid}", "table columns are text, int or credit_code")
        unique = t.get("unique")
        if unique is not None and unique not in {c.id for c in cols}:
            _fail(path, f"tables.{tid}.unique", f"no column {unique!r}")
        tables[tid] = Table(tid, t["label"], int(t["rows"]), cols, bool(t.get("listed")), unique)
        if tid in fields:
            _fail(path, f"tables.{tid}", "table id clashes with a field id")
    return tables


def _checks(raw: list, fields: dict[str, Field], path: Path) -> tuple[Check, ...]:
    checks = tuple(Check(c["code"], c["test"], c["field"], c["message"]) for c in raw)
    for c in checks:
        if c.field not in fields:
            _fail(path, f"checks.{c.code}", f"unknown field {c.field!r}")
    return checks


def _gates(raw: list, path: Path) -> tuple[Gate, ...]:
    gates = tuple(Gate(g["code"], g["status"], g["test"], g["reason"], tuple(g.get("list_false", ()))) for g in raw)
    for g in gates:
        if g.status not in {"incomplete", "ineligible"}:
            _fail(path, f"gates.{g.code}", f"status must be incomplete or ineligible, not {g.status!r}")
    return gates


def _sections(raw: list, path: Path) -> tuple[Section, ...]:
    return tuple(
        Section(
            s["name"],
            None if s.get("max") is None else _centi(s["max"], path, f"sections.{s['name']}"),
            None if s.get("floor") is None else _centi(s["floor"], path, f"sections.{s['name']}.floor"),
            bool(s.get("bonus", False)),
        )
        for s in raw
    )


def _items(raw: list, sections: tuple[Section, ...], fields: dict[str, Field], path: Path) -> tuple[Item, ...]:
    section_names = {s.name for s in sections}
    items = tuple(_item(i, it, section_names, fields, path) for i, it in enumerate(raw))
    for s in sections:
        declared = sum(it.max for it in items if it.section == s.name)
        if s.max is not None and declared != s.max:
            _fail(path, f"sections.{s.name}", f"items add up to {declared / 100}, section max is {s.max / 100}")
    return items


def _item(i: int, it: dict, section_names: set[str], fields: dict[str, Field], path: Path) -> Item:
    """One item; its rule's parameters are checked against the rule kind by the loader."""
    where = f"items[{i}] ({it.get('id')})"
    rule = dict(it["rule"])
    kind = rule.pop("kind")
    if it["section"] not in section_names:
        _fail(path, where, f"unknown section {it['section']!r}")
    lo = it.get("min", 0)
    inputs = _rule_inputs(rule, fields)
    for name in inputs:
        if name not in fields:
            _fail(path, where, f"unknown input field {name!r}")
    return Item(
        id=it["id"],
        section=it["section"],
        group=str(it.get("group", "")),
        max=_centi(it["max"], path, where),
        min=None if lo is None else _centi(lo, path, where),
        wording=it["wording"],
        kind=kind,
        params=rule,
        inputs=inputs,
        bonus=bool(it.get("bonus", False)),
        points=str(it.get("points", "")),
    )


def _conditions(raw: list, path: Path) -> tuple[Condition, ...]:
    conditions = tuple(Condition(c["code"], str(c["test"]), c["effect"], c["reason"]) for c in raw)
    for cond in conditions:
        if cond.effect not in CONDITION_EFFECTS:
            _fail(path, f"conditions.{cond.code}", f"unknown effect {cond.effect!r}")
    return conditions


def _grades(g: dict, path: Path) -> Grades:
    if g["kind"] == "bands":
        bands = tuple(Band(b["label"], b["op"], _centi(b["value"], path, "grades"), b.get("text", "")) for b in g["bands"])
        for b in bands:
            if b.op not in {">=", ">"}:
                _fail(path, f"grades.{b.label}", f"op must be >= or >, not {b.op!r}")
        if [b.value for b in bands] != sorted((b.value for b in bands), reverse=True):
            _fail(path, "grades", "bands must be listed from the highest down")
        return Grades("bands", bands, g["otherwise"], g.get("veto_grade"), otherwise_text=g.get("otherwise_text", ""))
    if g["kind"] == "conditions":
        return Grades("conditions", pass_label=g["pass"], fail_label=g["fail"])
    if g["kind"] == "none":
        return Grades("none")
    _fail(path, "grades", f"unknown kind {g['kind']!r}")


def _total(total: dict, path: Path) -> tuple[tuple[int | None, int | None], Condition | None]:
    """The total's clip (min, max in centi-points) and its zero_if condition."""
    clip = total.get("clip") or [None, None]
    clipped = tuple(None if v is None else _centi(v, path, "total.clip") for v in clip)
    zero_if = None
    if "zero_if" in total:
        z = total["zero_if"]
        zero_if = Condition(z["code"], str(z["test"]), "zero", z["reason"])
    return (clipped[0], clipped[1]), zero_if


def _settings(raw: Any, cls: type, path: Path, where: str) -> dict:
    """A block of settings: a mapping (or nothing) whose keys are the fields of `cls`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _fail(path, where, f"must be a mapping, not {raw!r}")
    known = [f.name for f in dataclass_fields(cls)]
    unknown = [k for k in raw if k not in known]
    if unknown:
        _fail(path, where, f"unknown key {unknown[0]!r}; known: {', '.join(known)}")
    return raw


def _whole(raw: dict, key: str, path: Path, where: str) -> int | None:
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        _fail(path, f"{where}.{key}", f"must be a whole number, not {value!r}")
    return value


def _text(raw: dict, key: str, default: str, path: Path, where: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        _fail(path, f"{where}.{key}", f"must be text, not {value!r}")
    return value


def _texts(raw: dict, key: str, default: tuple[str, ...], path: Path, where: str) -> tuple[str, ...]:
    value = raw.get(key, default)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        _fail(path, f"{where}.{key}", f"must be a list of texts, not {value!r}")
    return tuple(value)


def _lifecycle(raw: Any, path: Path) -> Lifecycle:
    raw = _settings(raw, Lifecycle, path, "lifecycle")
    cert = raw.get("certificate")
    return Lifecycle(
        certificate=None if cert is None else _certificate(cert, path),
        **{k: _whole(raw, k, path, "lifecycle") for k in ("notice_working_days", "spot_check_percent", "revocation_bar_years", "return_days")},
    )


def _certificate(raw: Any, path: Path) -> CertificateRules:
    where = "lifecycle.certificate"
    raw = _settings(raw, CertificateRules, path, where)
    missing = [k for k in ("kind", "number", "passing_grades") if k not in raw]
    if missing:
        _fail(path, where, f"needs {', '.join(missing)}")
    if raw["kind"] not in ("certificate", "filing"):
        _fail(path, f"{where}.kind", f"must be certificate or filing, not {raw['kind']!r}")
    return CertificateRules(
        kind=raw["kind"],
        number=_text(raw, "number", "", path, where),
        passing_grades=_texts(raw, "passing_grades", (), path, where),
        issuer=_text(raw, "issuer", "", path, where),
        validity_years=_whole(raw, "validity_years", path, where),
        renewal_months=_whole(raw, "renewal_months", path, where),
    )


def _office(raw: Any, title: str, path: Path) -> OfficeSettings:
    raw = _settings(raw, OfficeSettings, path, "office")
    stages = raw.get("stages") or []
    if not isinstance(stages, list):
        _fail(path, "office.stages", "a list of stages, each with a name and optionally days")
    return OfficeSettings(
        certificate_title=_text(raw, "certificate_title", title, path, "office"),
        report=_report(raw.get("report"), title, path),
        cite=_text(raw, "cite", "", path, "office"),
        decision_basis=_text(raw, "decision_basis", "", path, "office"),
        stages=tuple(_stage(i, st, path) for i, st in enumerate(stages)),
    )


def _report(raw: Any, title: str, path: Path) -> ReportWording:
    where = "office.report"
    raw = _settings(raw, ReportWording, path, where)
    return ReportWording(
        title=_text(raw, "title", f"{title}结果告知书", path, where),
        headings=_texts(raw, "headings", ReportWording.headings, path, where),
        conditions_table=_text(raw, "conditions_table", "", path, where),
        score_table=_text(raw, "score_table", "", path, where),
        signatures=_texts(raw, "signatures", ReportWording.signatures, path, where),
    )


def _stage(i: int, st: Any, path: Path) -> Stage:
    where = f"office.stages[{i}]"
    if not isinstance(st, dict) or not st.get("name") or not isinstance(st.get("days", 0), int):
        _fail(path, where, "each stage has a name and optionally days (working days, D12)")
    st = _settings(st, Stage, path, where)
    return Stage(_text(st, "name", "", path, where), st.get("days"))


def _check_whole(rubric: Rubric, path: Path) -> None:
    """What needs the whole rubric: roles, kind, every expression, the sheets."""
    for role, fid in rubric.roles.items():
        if role not in ROLES or fid not in rubric.fields:
            _fail(path, f"roles.{role}", f"roles are {', '.join(ROLES)}, each naming a field")
    if rubric.kind not in ("assessment", "form"):
        _fail(path, "kind", f"must be assessment or form, not {rubric.kind!r}")
    # Compile every expression now so a typo fails at load, not at scoring time.
    from .expr import compile_expr

    for text, where in _expressions(rubric):
        try:
            compile_expr(text, rubric)
        except ValueError as exc:
            _fail(path, where, str(exc))
    _check_sheets(rubric, path)


def _rule_inputs(rule: dict, fields: dict) -> tuple[str, ...]:
    names: list[str] = []
    for key in ("input", "numerator", "denominator"):
        if key in rule:
            names.append(rule[key])
    names.extend(rule.get("inputs", ()))
    names.extend(rule.get("weights", ()))
    for chk in rule.get("checks", ()):
        names.extend(n for n in expression_names(chk["test"]) if n in fields)
    return tuple(dict.fromkeys(names))


def _sheet_rows_fields(sheet: dict) -> list[str]:
    """Fields a sheet's own rows place (form rows, notes, before/after rows, checklist columns)."""
    out: list[str] = []
    for row in sheet.get("rows", []) + sheet.get("before", []) + sheet.get("after", []):
        out.extend(row[k] for k in ("field", "note") if k in row)
        out.extend(row.get("fields", ()))
    return out


def field_placements(r: Rubric) -> list[tuple[str, str]]:
    """(field id, sheet name) for every input cell the template writes, in sheet order;
    a field placed twice appears twice."""
    shown = score_sheet_inputs(r)
    out: list = []
    for s in r.sheets:
        out.extend((f, s["name"]) for f in _sheet_rows_fields(s))
        if s.get("layout") == "score":
            out.extend((f, s["name"]) for names in shown.values() for f in names)
    return out


def score_sheet_inputs(r: Rubric) -> dict[str, tuple[str, ...]]:
    """Which input fields a score sheet shows under each item: those no form sheet already has."""
    on_forms = {f for s in r.sheets for f in _sheet_rows_fields(s)}
    shown: dict[str, tuple[str, ...]] = {}
    for it in r.items:
        mine = tuple(n for n in it.inputs if n not in on_forms)
        on_forms.update(mine)
        shown[it.id] = mine
    return shown


def _expressions(r: Rubric):
    for c in r.checks:
        yield c.test, f"checks.{c.code}"
    for g in r.gates:
        yield g.test, f"gates.{g.code}"
    for cond in r.conditions:
        yield cond.test, f"conditions.{cond.code}"
    if r.zero_if:
        yield r.zero_if.test, "total.zero_if"
    for it in r.items:
        for j, chk in enumerate(it.params.get("checks", [])):
            yield chk["test"], f"items.{it.id}.checks[{j}]"


def _check_sheets(r: Rubric, path: Path) -> None:
    placed = [f for f, _ in field_placements(r)]
    for s in r.sheets:
        if len(s["name"]) > 31 or re.search(r"[\[\]:*?/\\]", s["name"]):
            _fail(path, f"sheets.{s['name']}", "not a valid Excel sheet name")
        for line in s.get("lines", []):
            for name in re.findall(r"\{(\w+)\}", line):
                if name not in r.fields:
                    _fail(path, f"sheets.{s['name']}", f"unknown field {name!r} in a letter line")
        if s.get("layout") == "table" and s["table"] not in r.tables:
            _fail(path, f"sheets.{s['name']}", f"unknown table {s['table']!r}")
    unknown = [f for f in placed if f not in r.fields]
    if unknown:
        _fail(path, "sheets", f"unknown fields {unknown}")
    dupes = sorted({f for f in placed if placed.count(f) > 1})
    if dupes:
        _fail(path, "sheets", f"fields placed twice: {dupes}")
    missing = [f for f in r.fields if f not in placed]
    if missing:
        _fail(path, "sheets", f"fields not placed on any sheet: {missing}")
