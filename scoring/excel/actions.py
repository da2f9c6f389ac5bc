"""The actions workbook (`scoring template actions`): actions.csv's columns for clerks who live in
Excel, with a dropdown of the action kinds, date and credit-code checks and Chinese prompts.

Saved as `workbooks/<scheme>/actions.xlsx`, it is read exactly like `actions.csv` (both may exist;
a row in both counts once). Validation in Excel only helps: the registry checks every row again.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from ..action_kinds import ACTION_KINDS, COLUMN_LABELS

__all__ = ["write_actions_template", "ACTIONS_WORKBOOK", "ROWS"]

ACTIONS_WORKBOOK = "actions.xlsx"
ROWS = 1000
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="E8EEF5")
INPUT = PatternFill("solid", fgColor="FFF9E5")

PROMPTS = tuple(  # each column's input prompt: (its heading, what to write)
    zip(
        COLUMN_LABELS,
        (
            "决定或事项发生的日期，如 2026-11-20。",
            "18 位，以证书上的为准（字母大写）。",
            "从下拉列表选择：" + "、".join(ACTION_KINDS) + "。",
            "降级：填新的等级（如 3A）；证书退回：填退回的证书编号；变更：字段=新值（名称、法定代表人、地址，分立/合并填另一机构的统一社会信用代码），多项用分号分隔；撤销时证书已一并交回可填“已退回”。",
            "决定文件的文号，如 浙环监协〔2026〕31号。",
        ),
        strict=True,
    )
)

GUIDE = [
    "操作表填写说明",
    "",
    "1. 每行一项操作，自第 2 行起填写；已执行的行不要删除或修改（登记库已记录，改动后会被当作新的一行）。",
    "2. 事项：" + "、".join(ACTION_KINDS) + "。",
    "3. 降级：在“说明”中填写新的等级；当日换发低一级证书，原证书须在 15 日内退回（第十七条、D21）。",
    "4. 撤销：当日取消等级；原证书须在 15 日内退回，逾期由系统于次日发布作废公告。",
    "5. 证书退回：在“说明”中填写退回的证书编号。",
    "6. 变更：在“说明”中填写“名称=新名称；地址=新地址”等；法定代表人不公开。",
    "7. 本表保存为评估表目录中 <评估类别>/actions.xlsx（与 actions.csv 等效，两者可同时存在）。",
    "8. 每行在发布时都会再次校验；有误的行会在发布报告中列出并跳过，不会被猜测执行。",
]


def write_actions_template(out: Path | str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "操作表"
    widths = (13, 24, 14, 60, 30)
    for col, (label, w) in enumerate(zip(COLUMN_LABELS, widths), start=1):
        c = ws.cell(1, col, label)
        c.font, c.fill, c.border = Font(name="宋体", bold=True), HEAD, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[c.column_letter].width = w
    for row in range(2, ROWS + 2):
        for col in range(1, 6):
            c = ws.cell(row, col)
            c.fill, c.border, c.protection = INPUT, BORDER, Protection(locked=False)
            c.font = Font(name="宋体")
            c.number_format = "yyyy-mm-dd" if col == 1 else "@"
    last = ROWS + 1
    rules = [
        DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2099,12,31)"),
        DataValidation(type="custom", formula1="AND(LEN(B2)=18,EXACT(B2,UPPER(B2)))"),
        DataValidation(type="list", formula1='"' + ",".join(ACTION_KINDS) + '"'),
        DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500"),
        DataValidation(type="textLength", operator="lessThanOrEqual", formula1="100"),
    ]
    errors = (
        "应填写 2000—2099 年的日期，如 2026-11-20。",
        "统一社会信用代码应为 18 位，字母大写。",
        "请从下拉列表中选择。",
        "说明不超过 500 字。",
        "文号不超过 100 字。",
    )
    for col, (dv, (title, prompt), error) in enumerate(zip(rules, PROMPTS, errors), start=1):
        letter = ws.cell(1, col).column_letter
        dv.allow_blank = True
        dv.showInputMessage = dv.showErrorMessage = True
        dv.promptTitle, dv.prompt = title, prompt
        dv.errorTitle, dv.error = "填写内容不符合要求", error
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.protection.sheet = True  # headings are protected; the input cells are not
    ws.protection.formatCells = False
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 110
    for i, line in enumerate(GUIDE, start=1):
        c = guide.cell(i, 1, line)
        c.font = Font(name="宋体", bold=(i == 1), size=14 if i == 1 else 11)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(out)
    return out
