"""Input problems as values: one small record per problem, with a stable code.

Readers and validators collect these and never raise on bad user input. Tests assert the code;
the Chinese message is for the clerk who has to fix the workbook.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Problem", "CODES"]

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
}


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

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("file")
        return d

    def line(self) -> str:
        """One line for `scoring check`: file, sheet, cell, field, message."""
        where = "!".join(p for p in (self.sheet, self.cell) if p)
        return "\t".join((self.file, where or "-", self.field or "-", f"[{self.code}] {self.message}"))
