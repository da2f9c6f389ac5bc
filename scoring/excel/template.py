"""Write a scheme's blank workbook from its rubric.

Every input cell gets a workbook-scoped defined name equal to its field id, a data validation
with a Chinese prompt and error alert, and is unlocked; everything else is a locked label. A very
hidden `_meta` sheet carries the scheme id and template version (it survives openpyxl round trips).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..expr import covers_arguments
from ..rubric import Field, Item, Rubric, Section, expression_names, load_rubric, score_sheet_inputs
from .checks import BLANK_ANY, TO_FILL, WRONG, status_wrapped, write_checks, wrong_test
from .formulas import COVERS_NAME, coverage_rows, expr_formula, grade_formula, item_formula, num, section_formula

__all__ = ["write_template", "build_template", "META_SHEET", "META_SCHEME", "META_VERSION"]

META_SHEET = "_meta"
META_SCHEME = "template_scheme"
META_VERSION = "template_version"

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
HEAD_FILL = PatternFill("solid", fgColor="E8EEF5")
RESULT_FILL = PatternFill("solid", fgColor="E6F4EA")
MISSING_FILL = PatternFill("solid", fgColor="FDE2E1")
WRONG_FONT = Font(name="宋体", color="C00000", bold=True)
WRONG_FILL = PatternFill("solid", fgColor="FFC7CE")  # a wrong entry: stronger than an empty one, red bold text
TITLE_FONT = Font(name="宋体", size=14, bold=True)
BOLD = Font(name="宋体", bold=True)
BODY = Font(name="宋体", size=11)
HINT = Font(name="宋体", size=9, color="666666")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)

FORM_WIDTHS = (7, 52, 30, 36)
SCORE_WIDTHS = (11, 13, 58, 7, 14, 24, 9)
TABLE_WIDTHS = (7, 34)  # 序号, the row's name; then 13 per number, 24 per credit code

TYPE_HINTS = {
    "bool": "请从下拉列表选择“是”或“否”。",
    "int": "请填写整数（无则填 0）。",
    "num": "请填写数字。",
    "pct": "请填写百分比数值，如 93.5 表示 93.5%。",
    "date": "请填写日期，如 2026-03-15。",
    "text": "请填写文字。",
    "credit_code": "请填写 18 位统一社会信用代码（单元格为文本格式）。",
}


def write_template(scheme: str, out: Path | str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_template(load_rubric(scheme)).save(out)
    return out


def build_template(rubric: Rubric) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    shown = score_sheet_inputs(rubric)
    for spec in rubric.sheets:
        ws = wb.create_sheet(spec["name"])
        writer = _SheetWriter(wb, ws, rubric)
        layout = spec.get("layout", "form")
        if layout == "form":
            writer.form(spec)
        elif layout == "score":
            writer.score(spec, shown)
        elif layout == "table":
            writer.table(spec)
        elif layout == "text":
            writer.text_sheet(spec)
        elif layout == "letter":
            writer.letter(spec)
        elif layout == "checklist":
            writer.checklist(spec)
        else:
            raise ValueError(f"{rubric.path}: unknown layout {layout!r}")
        writer.finish(spec)
    guide = _SheetWriter(wb, wb.create_sheet("填表说明"), rubric)
    guide.guide()
    guide.finish()
    covered = next(filter(None, (covers_arguments(c.test) for c in rubric.conditions)), None)
    if covered:
        _write_coverage(wb, *covered)
    write_checks(wb, rubric, _name)
    _write_meta(wb, rubric)
    wb.active = 0
    return wb


def _condition_label(rubric: Rubric, condition) -> str:
    """A condition as a clerk reads it: the label of the field it tests (never the field id)."""
    f = rubric.fields.get(condition.test.strip())
    text = f.label if f else condition.reason.split("：", 1)[-1]
    text = text.replace('"', "“")
    return text if len(text) <= 40 else text[:39] + "…"


def band_formula(field_id: str, bands: list[str]) -> str:
    """maturity: which 6.1 band (0%~20% … 80%~100%) the entered percentage falls in."""
    v = f'IF(LEFT(CELL("format",{field_id}),1)="P",{field_id}*100,{field_id})'
    out = f'"{bands[-1]}"'
    for i in range(len(bands) - 2, -1, -1):
        out = f'IF({v}<={20 * (i + 1)},"{bands[i]}",{out})'
    return f'IF({field_id}="","",{out})'


def _write_coverage(wb: Workbook, cma: str, operated: str) -> None:
    """A hidden helper sheet: is each operated factor covered by the lab's CMA factors?"""
    ws = wb.create_sheet("_calc")
    rows = coverage_rows(cma, operated)
    for k, f in enumerate(rows, 1):
        ws.cell(k, 1, "=" + f)
    ws.cell(len(rows) + 1, 1, f"=COUNTIF(A1:A{len(rows)},FALSE)=0")
    _name(wb, COVERS_NAME, ws, f"A{len(rows) + 1}")
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _write_meta(wb: Workbook, rubric: Rubric) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws["A1"], ws["B1"] = "scheme", rubric.scheme
    ws["A2"], ws["B2"] = "template_version", rubric.template_version
    ws["A3"], ws["B3"] = "title", rubric.title
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    _name(wb, META_SCHEME, ws, "B1")
    _name(wb, META_VERSION, ws, "B2")


def _name(wb: Workbook, name: str, ws, ref: str) -> None:
    start, _, end = ref.partition(":")
    absolute = "$" + "$".join(_split_ref(start)) + (":$" + "$".join(_split_ref(end)) if end else "")
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{absolute}")


def _split_ref(ref: str) -> tuple[str, str]:
    col = "".join(ch for ch in ref if ch.isalpha())
    return col, ref[len(col) :]


def _validation(f: Field) -> DataValidation:
    kw = {}
    if f.type in ("bool", "enum"):
        kw = {"type": "list", "formula1": '"' + ",".join(f.choices) + '"'}
        error = f"请从下拉列表中选择：{'、'.join(f.choices)}。"
    elif f.type == "int":
        kw = {"type": "whole", "operator": "between", "formula1": str(f.min), "formula2": str(f.max)}
        error = f"应为 {f.min} 到 {f.max} 之间的整数。"
    elif f.type in ("num", "pct", "pts"):
        hi = f.max if f.max is not None else 10**12
        kw = {"type": "decimal", "operator": "between", "formula1": str(f.min), "formula2": str(hi)}
        error = f"应为 {f.min} 到 {hi} 之间的数值。"
        if f.type == "pts":
            error = f"应为 0 到 {f.max} 之间、以 {f.step} 分为步长的分值。"
    elif f.type == "date":
        kw = {
            "type": "date",
            "operator": "between",
            "formula1": str(date(1950, 1, 1).toordinal() - date(1899, 12, 30).toordinal()),
            "formula2": str(date(2100, 12, 31).toordinal() - date(1899, 12, 30).toordinal()),
        }
        error = "应为 1950 年至 2100 年之间的日期，如 2026-03-15。"
    elif f.type == "credit_code":
        kw = {"type": "textLength", "operator": "equal", "formula1": "18"}
        error = "统一社会信用代码应为 18 位。"
    else:
        kw = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(f.max_length)}
        error = f"不超过 {f.max_length} 个字。"
    prompt = f.hint or TYPE_HINTS.get(f.type, "")
    if f.type == "bool" and not f.hint:
        prompt = f"请从下拉列表选择“{f.choices[0]}”或“{f.choices[1]}”。"
    if f.type == "pts":
        prompt = f"评估人员评定的分值：0–{f.max} 分，步长 {f.step} 分。" + (f.hint or "")
    if f.type in ("int", "num", "pct") and f.max is not None and f.type != "pct":
        prompt += f"范围 {f.min}–{f.max}。"
    if f.required:
        prompt = "必填。" + prompt
    dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop", **kw)
    dv.promptTitle = _clip(f.label, 32)
    dv.prompt = _clip(prompt, 250)
    dv.errorTitle = "填写内容不符合要求"
    dv.error = _clip(f"“{f.label}”{error}", 250)
    return dv


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class _SheetWriter:
    def __init__(self, wb, ws, rubric: Rubric):
        self.wb, self.ws, self.rubric = wb, ws, rubric
        self.row = 1
        self.validations: list[DataValidation] = []
        self.inputs: list[tuple[str, Field]] = []
        self.ncols = 4
        self.note_first = False

    # building blocks ----------------------------------------------------------------------------
    def title(self, text: str, ncols: int, widths) -> None:
        self.ncols = ncols
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
        c = self.ws.cell(1, 1, text)
        c.font, c.alignment = TITLE_FONT, CENTER
        self.ws.row_dimensions[1].height = 36
        self.row = 2

    def header(self, labels) -> None:
        for i, label in enumerate(labels, 1):
            c = self.ws.cell(self.row, i, label)
            c.font, c.alignment, c.border, c.fill = BOLD, CENTER, BORDER, HEAD_FILL
        self.ws.print_title_rows = f"{self.row}:{self.row}"
        self.row += 1

    def label(self, col: int, text, font=BODY, align=WRAP):
        c = self.ws.cell(self.row, col, text)
        c.font, c.alignment, c.border = font, align, BORDER
        return c

    def input(self, col: int, field_id: str, row: int | None = None):
        f = self.rubric.fields[field_id]
        row = row or self.row
        c = self.ws.cell(row, col)
        c.fill, c.border, c.protection, c.font = INPUT_FILL, BORDER, UNLOCKED, BODY
        c.alignment = WRAP if f.type == "text" else CENTER
        c.number_format = {"date": "yyyy-mm-dd", "text": "@", "credit_code": "@"}.get(f.type, "General")
        dv = _validation(f)
        dv.add(c.coordinate)
        self.validations.append(dv)
        self.inputs.append((c.coordinate, f))
        _name(self.wb, field_id, self.ws, c.coordinate)
        return c

    def merged_text(self, text: str, bold=False, fill=None) -> None:
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=self.ncols)
        c = self.ws.cell(self.row, 1, text)
        c.font = BOLD if bold else BODY
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if fill:
            c.fill = fill
        lines = sum(1 + len(line) // 60 for line in text.split("\n"))
        self.ws.row_dimensions[self.row].height = max(20, 15 * lines)
        self.row += 1

    def field_row(self, row_spec: dict, auto_no: int) -> None:
        f = self.rubric.fields[row_spec["field"]]
        self.label(1, row_spec.get("seq", auto_no), align=CENTER)
        self.label(2, row_spec.get("label", f.label))
        if "note" in row_spec and self.note_first and self.ncols >= 4:
            self.input(3, row_spec["note"])
            self.input(4, f.id)
        else:
            self.input(3, f.id)
            if self.ncols >= 4:
                if "note" in row_spec:
                    self.input(4, row_spec["note"])
                else:
                    self.label(4, f.hint, font=HINT)
        self.ws.row_dimensions[self.row].height = max(20, 15 * (1 + len(f.label) // 24))
        self.row += 1

    # layouts --------------------------------------------------------------------------------------
    def form(self, spec: dict) -> None:
        self.note_first = bool(spec.get("note_first"))  # 评估意见 before 是否符合, as the official form prints
        header = spec.get("header", ["序号", "项目", "填写内容"])
        ncols = max(4, len(header))
        self.title(spec["title"], ncols, FORM_WIDTHS)
        if spec.get("subtitle"):  # e.g. the 备案号 line the official form prints under its title
            self.merged_text(spec["subtitle"])
        self.header(list(header) + ["填写说明"] * (ncols - len(header)))
        n = 0
        for row in spec.get("rows", []):
            if "heading" in row:
                self.merged_text(row["heading"], bold=True, fill=HEAD_FILL)
            elif "field" in row:
                n += 1
                self.field_row(row, n)
            elif "text" in row:
                self.merged_text(row["text"])
        if spec.get("results") == "conditions":
            self.conditions_block()

    def score(self, spec: dict, shown: dict) -> None:
        bands = self.rubric.bands_display
        self.title(spec["title"], 8 if bands else 7, SCORE_WIDTHS + ((11,) if bands else ()))
        self.header(spec["header"] + (["6.1 评分档"] if bands else []))
        for row in spec.get("before", []):
            self._score_input_row(row["field"], no=row.get("seq", ""))
        numbered = bool(spec.get("numbered"))  # 表G.1: 序号 1… per 考核指标, the 细则 after it
        for no, section in enumerate(self.rubric.sections, 1):
            self._score_section(no, section, shown, numbered)
        for row in spec.get("after", []):
            self._score_input_row(row["field"])
        if spec.get("total_row"):  # the form's last numbered row: 总分 合计100分
            self._total_row(spec["total_row"])
        self.results_block()

    def _score_section(self, no: int, section: Section, shown: dict, numbered: bool) -> None:
        """A section's item rows (each followed by its input rows), its name merged down the left."""
        first = self.row
        items = [it for it in self.rubric.items if it.section == section.name]
        head = section.name + (f"（{section.max // 100}分）" if section.max else "")
        if section.bonus and len(items) == 1 and items[0].points:
            head = f"{section.name}（{items[0].points}）"
        for it in items:
            inline = it.kind in ("awarded", "share_of_max") and len(shown[it.id]) == 1
            self._item_row(it, shown[it.id], inline, head if numbered else None)
            if not inline:
                for name in shown[it.id]:
                    self._score_input_row(name)
        if self.row > first:
            merged: list[tuple[int, int | str]] = [(1, no), (2, head)] if numbered else [(1, head)]
            for col, label in merged:
                for r in range(first, self.row):
                    self.ws.cell(r, col).border = BORDER
                self.ws.merge_cells(start_row=first, start_column=col, end_row=self.row - 1, end_column=col)
                c = self.ws.cell(first, col, label)
                c.font, c.alignment = BOLD, CENTER

    def _item_row(self, it: Item, inputs: tuple[str, ...], inline: bool, numbered_head: str | None) -> None:
        """One item: its group and wording, points, the input (when it has one of its own), the
        evaluators' note, its live score and, where the scheme shows one, its 评分档.
        `numbered_head`: the section's heading on a numbered form (表G.1), which prints the group
        before the wording; None on the others, which give the group a column of its own."""
        bands = self.rubric.bands_display
        text = it.wording
        if numbered_head is not None:
            own = it.group and it.group not in (it.section, numbered_head)
            text = f"{it.group}：{it.wording}" if own else it.wording
            self.label(3, text)
        else:
            self.label(2, it.group, align=CENTER)
            self.label(3, it.wording)
        self.label(4, it.max / 100 if it.max and not it.bonus else it.points, align=CENTER)
        if inline:
            self.input(5, inputs[0])
        else:
            self.label(5, "")
        if self.rubric.item_notes:
            self._note(6, it.id)
        else:
            self.label(6, "")
        self.formula(7, item_formula(it, self.rubric), f"out_{it.id}")
        if bands:
            self.formula(8, band_formula(inputs[0], bands["bands"]) if it.kind == "share_of_max" else '""', font=HINT)
        self.ws.row_dimensions[self.row].height = max(30, 15 * (1 + len(text) // 30))
        self.row += 1

    def _total_row(self, text: str) -> None:
        self.label(1, len(self.rubric.sections) + 1, font=BOLD, align=CENTER)
        self.label(2, "总分", font=BOLD, align=CENTER)
        self.label(3, text)
        self.label(4, self.rubric.total_max / 100, align=CENTER)
        for col in (5, 6):
            self.label(col, "")
        self.formula(7, "out_total")
        self.row += 1

    def formula(self, col: int, formula: str, name: str | None = None, font=BOLD):
        c = self.ws.cell(self.row, col, "=" + formula)
        c.font, c.alignment, c.border, c.fill = font, CENTER, BORDER, RESULT_FILL
        if name:
            _name(self.wb, name, self.ws, c.coordinate)
        return c

    def results_row(self, label: str, formula: str, name: str | None = None, maximum="") -> None:
        self.label(1, "")
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=3)
        self.ws.cell(self.row, 1, label).font = BOLD
        self.ws.cell(self.row, 1).alignment = WRAP
        self.label(4, maximum, font=BOLD, align=CENTER)
        self.ws.merge_cells(start_row=self.row, start_column=5, end_row=self.row, end_column=6)
        self.label(5, "")
        self.formula(7, formula, name)
        self.row += 1

    def results_block(self) -> None:
        """Section totals, total, grade and status, live (formulas generated from the rubric)."""
        r = self.rubric
        self.merged_text("计算结果（随填写自动计算；以系统计分结果为准）", bold=True, fill=HEAD_FILL)
        section_cells = []
        sums = []
        for sec in r.sections:
            cells = [f"out_{it.id}" for it in r.items if it.section == sec.name]
            sums.append(section_formula(cells, sec.floor))
            self.results_row(f"{sec.name}得分", f'IF(OR({BLANK_ANY}>0,{WRONG}>0),"",{sums[-1]})', maximum=sec.max / 100 if sec.max else "")
            section_cells.append(f"G{self.row - 1}")
        total = "+".join(f"({x})" for x in sums)  # from the items: the section cells may be blank
        lo, hi = r.total_clip
        if lo is not None:
            total = f"MAX({num(lo / 100)},{total})"
        if hi is not None:
            total = f"MIN({num(hi / 100)},{total})"
        if r.zero_if:
            total = f"IF({expr_formula(r.zero_if.test, r)},0,{total})"
        gates = [(g, expr_formula(g.test, r)) for g in r.gates]
        gated = [(f"IFERROR(NOT(AND({','.join(t for _, t in gates)})),TRUE)", '""')] if gates else []
        self.results_row("总分", status_wrapped(total, gated), "out_total", r.total_max / 100)
        total_ref = f"G{self.row - 1}"
        if r.grades.kind != "none":
            outcome = {"incomplete": '"材料不全"', "ineligible": '"不符合申请条件"'}
            self.results_row(
                "评估结果",
                status_wrapped(grade_formula(r, total_ref), [(f"IFERROR(NOT({test}),TRUE)", outcome[g.status]) for g, test in gates]),
                "out_grade",
            )
        notes = []
        for c in r.conditions:
            if c.effect in ("veto", "eligibility"):
                what = "一票否决" if c.effect == "veto" else "不满足基本要求"
                notes.append(f'IF({expr_formula(c.test, r)},"","{what}：{_condition_label(r, c)}；")')
        if r.total_clip != (None, None):
            if lo is not None and hi is not None:
                bound = f"限定在 {num(lo / 100)}–{num(hi / 100)} 分"
            else:
                bound = f"不低于 {num(lo / 100)} 分" if lo is not None else f"不高于 {num((hi or 0) / 100)} 分"
            notes.append(f'IF({total_ref}<>({"+".join(section_cells)}),"总分按{bound}计；","")')
        if notes:  # only beside a total: a blank or wrong workbook has nothing to explain yet
            self.results_row("说明", f'IF(ISNUMBER({total_ref}),{"&".join(notes)},"")')

    def conditions_block(self) -> None:
        """For schemes decided by conditions (备案): each condition live, then the outcome."""
        r = self.rubric
        self.merged_text("备案条件核对（随填写自动计算；以系统核验结果为准）", bold=True, fill=HEAD_FILL)
        for n, c in enumerate(r.conditions, 1):
            text = c.reason.split("（")[0].replace("{", "").replace("}", "")
            self.label(1, n, font=HINT, align=CENTER)
            self.label(2, text)
            inputs = [name for name in expression_names(c.test) if name in r.fields]
            verdict = f'IF({expr_formula(c.test, r)},"符合","不符合")'
            if inputs:
                verdict = f'IF(OR({",".join(f"LEN(TRIM({name}))=0" for name in inputs)}),"{TO_FILL}",{verdict})'
            self.formula(3, verdict)
            self.label(4, "")
            self.row += 1
        self.label(1, "")
        self.label(2, "备案结论", font=BOLD)
        self.formula(3, status_wrapped(grade_formula(r, "")), "out_grade")
        self.label(4, "")
        self.row += 1

    def _note(self, col: int, item_id: str) -> None:
        c = self.ws.cell(self.row, col)
        c.fill, c.border, c.protection, c.font, c.alignment = INPUT_FILL, BORDER, UNLOCKED, BODY, WRAP
        c.number_format = "@"
        dv = DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1="1000", allow_blank=True, showInputMessage=True, showErrorMessage=True
        )
        dv.promptTitle, dv.prompt = "评估意见", "评估专家对本项的评估意见（不计分）。"
        dv.errorTitle, dv.error = "填写内容不符合要求", "评估意见不超过 1000 个字。"
        dv.add(c.coordinate)
        self.validations.append(dv)
        _name(self.wb, f"note_{item_id}", self.ws, c.coordinate)

    def _score_input_row(self, field_id: str, no="") -> None:
        f = self.rubric.fields[field_id]
        self.label(1, no, align=CENTER)
        self.label(2, "")
        self.label(3, "　" + f.label)
        self.label(4, "")
        self.input(5, field_id)
        self.label(6, f.hint, font=HINT)
        self.label(7, "")
        self.ws.row_dimensions[self.row].height = max(20, 15 * (1 + len(f.label) // 34))
        self.row += 1

    def table(self, spec: dict) -> None:
        t = self.rubric.tables[spec["table"]]
        widths = [TABLE_WIDTHS[0], TABLE_WIDTHS[1]] + [24 if c.type == "credit_code" else 13 for c in t.columns[1:]]
        self.title(spec["title"], len(t.columns) + 1, widths)
        self.header(spec["header"])
        first = self.row
        for i in range(t.rows):
            self.label(1, i + 1, align=CENTER)
            for j, col in enumerate(t.columns, 2):
                c = self.ws.cell(self.row, j)
                c.fill, c.border, c.protection, c.font = INPUT_FILL, BORDER, UNLOCKED, BODY
                c.number_format = "General" if col.type == "int" else "@"
            self.row += 1
        last = self.row - 1
        for j, col in enumerate(t.columns, 2):
            letter = get_column_letter(j)
            if col.type == "text":
                kw = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(col.max_length)}
                err = f"不超过 {col.max_length} 个字。"
                prompt = spec.get("hint", "请填写区域名称。") if j == 2 else f"请填写{col.label}。"
            elif col.type == "credit_code":
                kw = {"type": "textLength", "operator": "equal", "formula1": "18"}
                err = "应为 18 位。"
                prompt = TYPE_HINTS["credit_code"]
            else:
                kw = {"type": "whole", "operator": "between", "formula1": "0", "formula2": str(col.max)}
                err = f"应为 0 到 {col.max} 之间的整数。"
                prompt = f"请填写{col.label}（整数，无则填 0）。"
            dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True, **kw)
            dv.promptTitle, dv.prompt = col.label, _clip(prompt, 250)
            dv.errorTitle, dv.error = "填写内容不符合要求", f"“{col.label}”{err}"
            dv.add(f"{letter}{first}:{letter}{last}")
            self.validations.append(dv)
        _name(self.wb, t.id, self.ws, f"B{first}:{get_column_letter(len(t.columns) + 1)}{last}")
        self.label(1, "总计", font=BOLD, align=CENTER)
        self.label(2, "")
        for j, col in enumerate(t.columns[1:], 3):
            letter = get_column_letter(j)
            self.label(j, f"=SUM({letter}{first}:{letter}{last})" if col.type == "int" else "", font=BOLD, align=CENTER)
        self.row += 1
        if spec.get("hint"):
            self.merged_text(spec["hint"])

    def _highlight(self, ref: str, f: Field) -> None:
        """Mark empty required cells and entries a dropdown or range would have refused (pasted)."""
        cf = self.ws.conditional_formatting
        if f.required and f.default is None:
            cf.add(ref, FormulaRule(formula=[f"LEN(TRIM({ref}))=0"], fill=MISSING_FILL))
        wrong = wrong_test(f, ref)
        if wrong:
            cf.add(ref, FormulaRule(formula=[f"AND(LEN(TRIM({ref}))>0,{wrong})"], font=WRONG_FONT, fill=WRONG_FILL))

    def guide(self) -> None:
        """填表说明: how to fill the workbook, the official rules quoted, the decisions explained."""
        r = self.rubric
        self.title(f"{r.title} 填表说明", 2, (24, 86))
        lines = [
            ("依据", r.source),
            (
                "填写",
                "浅黄色单元格为填写单元格，其余为说明文字（已保护）。选择题请用下拉列表；数字、日期单元格有范围检查，"
                "填写错误会提示。空着的必填项显示为浅红色。",
            ),
            ("计算结果", "得分、小计、总分和等级由公式随填写自动计算，仅供参考；以系统计分结果为准。"),
            ("提交", "请勿删除、重命名工作表，勿剪切或移动填写单元格（系统按单元格的“名称”读取数据）。"),
            ("日期", "表中任何日期都不得晚于评分日期（系统处理评估表的日期），否则按填写错误退回。"),
            ("一机构一表", "同一机构在同一批次只能提交一份评估表（D24）；同一统一社会信用代码有两份以上的，在只剩一份之前都不予登记。"),
            ("结果不再更改", "本批次公示期结束（不公示的方案：结果公布）后加入或修改的评估表不予登记，须另建新的批次（D23）。"),
        ]
        for head, text in lines:
            self._guide_row(head, text, bold_head=True)
        if r.items:
            self.merged_text("评分规则（原文）", bold=True, fill=HEAD_FILL)
            for it in r.items:
                self._guide_row(
                    f"{it.section}·{it.group}（{it.points_text}{'' if it.points else ' 分'}）" if it.points_text else f"{it.section}·{it.group}",
                    it.wording,
                )
        g = r.grades
        if g.kind == "bands":
            self.merged_text("等级划分（原文）", bold=True, fill=HEAD_FILL)
            for b in g.bands:
                self._guide_row(b.label, b.text)
            if g.otherwise_text:
                self._guide_row(g.otherwise or "", g.otherwise_text)
        for c in r.conditions:
            if c.effect == "veto":
                self._guide_row("一票否决", c.reason.split("：", 1)[-1])
        if r.decisions:
            self.merged_text("对文件中不明确之处的处理", bold=True, fill=HEAD_FILL)
            for d in r.decisions.values():
                self._guide_row(f"{d.id} {d.title}", d.text)

    def _guide_row(self, head: str, text: str, bold_head: bool = False) -> None:
        self.label(1, head, font=BOLD if bold_head else BODY, align=WRAP)
        self.label(2, text)
        lines = max(1 + len(head) // 11, 1 + len(text) // 42)  # both columns wrap
        self.ws.row_dimensions[self.row].height = max(20, 15 * lines)
        self.row += 1

    def checklist(self, spec: dict) -> None:
        """A table form: category | no. | name | then one input per column (e.g. 表E.1)."""
        header = spec["header"]
        self.title(spec["title"], len(header), (16, 7, 40) + (9, 22) * ((len(header) - 3) // 2))
        for before in spec.get("before", []):
            fid = before["field"]
            f = self.rubric.fields[fid]
            self.label(1, f.label, font=BOLD)
            self.ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row, end_column=3)
            self.label(2, "")
            self.input(2, fid)
            self.row += 1
        self.header(header)
        first, current = self.row, None
        for row in spec["rows"]:
            if row["category"] != current:
                if current is not None and self.row - 1 > first:
                    self.ws.merge_cells(start_row=first, start_column=1, end_row=self.row - 1, end_column=1)
                current, first = row["category"], self.row
                self.label(1, current, align=CENTER)
            else:
                self.label(1, "")
            self.label(2, row["seq"], align=CENTER)
            self.label(3, row["label"])
            for col, fid in enumerate(row["fields"], 4):
                self.input(col, fid)
            self.ws.row_dimensions[self.row].height = max(22, 15 * (1 + len(row["label"]) // 22))
            self.row += 1
        if self.row - 1 > first:
            self.ws.merge_cells(start_row=first, start_column=1, end_row=self.row - 1, end_column=1)
        if spec.get("text"):
            self.merged_text(spec["text"])

    def letter(self, spec: dict) -> None:
        """A printable page of the official text; {field} shows the applicant's own entry."""
        self.title(spec["title"], 4, (16, 30, 30, 30))
        self.row = 3
        for line in spec["lines"]:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=4)
            parts = re.split(r"\{(\w+)\}", line)
            if len(parts) == 1:
                value = line
            else:  # live text: ="申请单位："&org_name&"（盖章）"
                pieces = []
                for i, part in enumerate(parts):
                    if i % 2:
                        f = self.rubric.fields[part]
                        ref = f'TEXT({part},"yyyy年m月d日")' if f.type == "date" else part
                        pieces.append(f'IF({part}="","＿＿＿＿＿＿",{ref})')
                    elif part:
                        pieces.append('"' + part.replace('"', '""') + '"')
                value = "=" + "&".join(pieces)
            c = self.ws.cell(self.row, 1, value)
            c.font = Font(name="宋体", size=12)
            c.alignment = Alignment(wrap_text=True, vertical="center")
            self.ws.row_dimensions[self.row].height = max(24, 18 * (1 + len(line) // 36))
            self.row += 1

    def text_sheet(self, spec: dict) -> None:
        self.title(spec["title"], 2, (16, 90))
        for line in spec["text"].strip().split("\n"):
            head, _, body = line.partition("：")
            self.label(1, head, font=BOLD, align=CENTER)
            self.label(2, body)
            self.ws.row_dimensions[self.row].height = max(30, 15 * (1 + len(body) // 44))
            self.row += 1

    def finish(self, spec: dict | None = None) -> None:
        ws = self.ws
        if spec and spec.get("signature"):
            self.row += 1
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=self.ncols)
            c = self.ws.cell(self.row, 1, spec["signature"])
            c.font, c.alignment = BOLD, Alignment(vertical="center")
            self.ws.row_dimensions[self.row].height = 42
            self.row += 1
        for dv in self.validations:
            ws.add_data_validation(dv)
        for ref, f in self.inputs:
            self._highlight(ref, f)
        ws.print_area = f"A1:{get_column_letter(self.ncols)}{max(self.row - 1, 1)}"
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = int((spec or {}).get("pages_tall", 0))  # 0: as many pages as it takes
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.freeze_panes = None
