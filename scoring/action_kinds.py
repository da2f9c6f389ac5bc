"""The lifecycle actions, defined once: their kinds, what a 变更 may change, the columns of
`actions.csv` and the headings of the actions workbook.

`inputs.actions` checks each row of either file against these; `excel.actions` writes the
workbook's headings, its dropdown of kinds and its prompts from them. Neither layer may import the
other, so the definition is here, in core, below both.
"""

from __future__ import annotations

__all__ = ["ACTION_KINDS", "CHANGE_FIELDS", "COLUMNS", "COLUMN_LABELS"]

ACTION_KINDS = ("年度检查合格", "年度检查不合格", "降级", "撤销", "证书退回", "变更", "注销")
CHANGE_FIELDS = {"名称": "name", "法定代表人": "legal_rep", "地址": "address", "分立": "split", "合并": "merge"}  # 变更: word -> what changes
COLUMNS = ("date", "credit_code", "action", "detail", "document_no")  # actions.csv's header
COLUMN_LABELS = ("日期", "统一社会信用代码", "事项", "说明", "文号")  # the same columns as the actions workbook heads them
