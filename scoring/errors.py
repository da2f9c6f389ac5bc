"""Problems as values: one small record per problem, with a stable code (frictionless-py's style).

Readers, validators, the input collector and the registry collect these and never raise on bad
user input. Tests assert the code; the Chinese message is for the clerk who has to fix the input.
Codes of the folders' own files (round.toml, actions.csv, calendar.toml) and of the registry's
lifecycle rules have a message template in MESSAGES; `Problem.of(code, …, **params)` fills it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Problem", "CODES", "MESSAGES", "ROUND_CODES", "ACTION_CODES", "REFUSAL_CODES", "WARNING_CODES", "FOLDER_CODES"]

# Stable problem codes (documented in the README). Keep them; add new ones at the end.
CODES = {
    "file_unreadable": "文件无法读取",
    "not_xlsx": "不是 Excel 工作簿（.xlsx）",
    "encrypted": "工作簿设置了打开密码",
    "not_template": "不是本系统生成的评估模板",
    "wrong_scheme": "模板所属评估类别不符",
    "template_version": "模板版本不受支持",
    "sheet_missing": "工作表被删除",
    "sheet_renamed": "工作表被重命名",
    "name_missing": "缺少已定义名称",
    "formula_in_input": "填写单元格中含有公式",
    "required": "必填项未填写",
    "wrong_type": "填写内容类型不符",
    "out_of_range": "数值超出范围",
    "bad_step": "分值不符合评分步长",
    "bad_choice": "不是可选项之一",
    "bad_date": "日期无法识别",
    "credit_code": "统一社会信用代码有误",
    "too_long": "文字过长",
    "cross_check": "数据前后不一致",
    "too_large": "文件过大",
    # the workbooks folder's own files and the registry's rules
    "calendar_invalid": "工作日历文件有误",
    "round_missing": "批次目录缺少 round.toml",
    "round_invalid": "round.toml 有误",
    "unknown_year": "工作日历缺少年份",
    "round_frozen": "已公布批次的设置不能更改",
    "actions_unreadable": "操作表无法读取",
    "action_invalid": "操作表中的行有误",
    "action_not_applied": "操作无法执行",
    "result_final": "已公布的结果不能更改",
    "duplicate_workbook": "同一机构在同一批次有多份评估表",
    "result_late": "公示期结束后加入的评估表",
    "registry_tampered": "登记库校验未通过",
    "date_after_scoring": "日期晚于评分日期",
    "name_twice": "同一统一社会信用代码在不同评估类别中名称不同",
    "applications_unreadable": "申请进度表无法读取",
    "application_invalid": "申请进度表中的行有误",
    "cell_unreadable": "单元格内容已损坏",
    "bad_character": "含有不可显示或不允许的字符",
    "workbook_misplaced": "评估表不在批次目录中",
    "link_outside": "链接指向目录之外",
    "action_backdated": "操作日期早于登记库读到它的日期",
}

# Message templates of the codes whose message is made from parameters alone.
MESSAGES = {
    "calendar_invalid": "{detail}；暂按 chinesecalendar 的官方安排计算工作日",
    "round_missing": "{round}: 缺少 round.toml，本目录未处理",
    "round_invalid": "{round}: {detail}；本批次暂不更新、不发布",
    "unknown_year": "{round}: {detail}；本批次暂不更新、不发布",
    "round_frozen": "{round}: 批次已于 {date} 公布，{fields} 不能再更改，仍按原设置处理；只有 withheld 可以调整",
    "actions_unreadable": "{detail}",
    "action_invalid": "{where}：{detail}，已跳过",
    "action_not_applied": "{where}：{detail}，未执行",
    "result_final": "{file}: {detail}，{org_name} 的结果不能再更改，仍以已公布的结果为准",
    "duplicate_workbook": "{file}: 与 {other} 是同一机构（{credit_code}）在同一批次的评估表；每个机构每批次只能有一份评估表，"
    "在只剩一份之前本文件不予记录，请删除多余的文件",
    "registry_tampered": "{file}：{detail}",
    "result_late": "{file}: {org_name} 的评估表在本批次{detail}后才加入，不予记录（未经公示的结果不能发证）；请为其建立新的批次",
    "applications_unreadable": "{detail}",
    "application_invalid": "{where}：{detail}，已跳过",
    "action_backdated": "{where}：日期 {date} 早于登记库读到本行的 {today}，{why}；{outcome}",
    "name_twice": "{file}: 提示（已照常记录）：统一社会信用代码 {credit_code} 在“{scheme}”中名称为“{org_name}”，"
    "在“{other_scheme}”的 {other} 中为“{other_name}”；请核对是否同一机构、名称是否已变更",
}

# Codes by what they are about (the publish report groups them so).
ROUND_CODES = frozenset(
    {"calendar_invalid", "round_missing", "round_invalid", "unknown_year", "round_frozen", "applications_unreadable", "application_invalid"}
)
ACTION_CODES = frozenset({"actions_unreadable", "action_invalid", "action_not_applied"})
REFUSAL_CODES = frozenset({"result_final", "duplicate_workbook", "result_late"})
WARNING_CODES = frozenset({"name_twice", "action_backdated"})  # recorded as usual; said so the clerk can look
FOLDER_CODES = ROUND_CODES | ACTION_CODES | REFUSAL_CODES | WARNING_CODES  # every code that is not a workbook's own error


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    @classmethod
    def of(cls, code: str, file: str = "", sheet: str = "", cell: str = "", field: str = "", **params) -> Problem:
        """A problem whose message is its code's template filled with `params` (and `file`)."""
        return cls(code, MESSAGES[code].format(file=file, **params), file, sheet, cell, field)

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("file")
        return d

    def line(self, file: str | None = None) -> str:
        """One line for `scoring check`: file, sheet, cell, field, message."""
        from .fields import visible  # one line, whatever a message quotes (a sheet's name, a cell's value)

        where = "!".join(p for p in (self.sheet, self.cell) if p)
        parts = (file if file is not None else self.file, where or "-", self.field or "-", f"[{self.code}] {self.message}")
        return "\t".join(visible(p) for p in parts)
