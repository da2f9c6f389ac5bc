"""The live workbook's own validation: is anything still to fill in, is anything wrong?

A hidden sheet counts, by formula, the empty required cells and the entries the scorer would
refuse (a value not in the dropdown, a number out of range, a cross-check of the form failing).
The result cells read three names from it, so a blank template says 待填写 and a workbook with an
error says 有错误，见标记 instead of a score nobody should copy. The scorer stays the authority:
these formulas mirror its rules where a spreadsheet can (an 18-character credit code, not its
check digit).
"""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook

from ..rubric import Field, Rubric, expression_names
from .formulas import expr_formula

__all__ = ["wrong_test", "write_checks", "BLANK_FIRST", "BLANK_ANY", "WRONG", "TO_FILL", "HAS_ERRORS", "status_wrapped"]

BLANK_FIRST = "_chk_blank_first"  # empty required cells a gate or the organisation's identity needs
BLANK_ANY = "_chk_blank"  # every empty required cell
WRONG = "_chk_wrong"  # entries the scorer refuses, cross-checks failing
TO_FILL, HAS_ERRORS = "待填写", "有错误，见标记"
_SERIAL = date(1899, 12, 30).toordinal()


def wrong_test(f: Field, ref: str) -> str | None:
    """A formula true when the non-empty cell `ref` holds what the scorer would refuse."""
    if f.type in ("bool", "enum"):
        return "AND(" + ",".join(f'{ref}<>"{c}"' for c in f.accepted) + ")"
    if f.numeric:
        bad = [f"{ref}<{f.min}"] + ([f"{ref}>{f.max}"] if f.max is not None else [])  # a percent cell's 0.935 is within 0–100 too
        if f.type == "int":
            bad.append(f"{ref}<>INT({ref})")
        if f.type == "pts" and f.step:
            bad.append(f"ABS({ref}/{f.step}-ROUND({ref}/{f.step},0))>1E-9")
        return f"IF(ISNUMBER({ref}),OR({','.join(bad)}),TRUE)"
    if f.type == "date":
        lo, hi = date(1950, 1, 1).toordinal() - _SERIAL, date(2100, 12, 31).toordinal() - _SERIAL
        return f"IF(ISNUMBER({ref}),OR({ref}<{lo},{ref}>{hi}),ISERROR(DATEVALUE({ref})))"
    if f.type == "credit_code":
        return f"LEN(TRIM({ref}))<>18"
    if f.type == "text":
        return f"LEN({ref})>{f.max_length}"
    return None


def status_wrapped(value: str, gates: list[tuple[str, str]] | None = None) -> str:
    """A result cell: 待填写 while the identity or a gate's inputs are empty, 有错误，见标记 while an
    entry is wrong, then each gate's own outcome (材料不全 …) as `(test, outcome)`, then 待填写 while
    any other required cell is empty (a gated-out workbook needs no scores), then the value."""
    inner = f'IF({BLANK_ANY}>0,"{TO_FILL}",{value})'
    for test, outcome in reversed(gates or []):
        inner = f"IF({test},{outcome},{inner})"
    return f'IF({BLANK_FIRST}>0,"{TO_FILL}",IF({WRONG}>0,"{HAS_ERRORS}",{inner}))'


def write_checks(wb: Workbook, rubric: Rubric, name) -> None:
    """The hidden `_check` sheet: one row per input (empty-first, empty, wrong), then the tables
    and the cross-checks; `name(wb, id, ws, ref)` defines the three totals."""
    ws = wb.create_sheet("_check")
    row = 1
    for fid, f in rubric.fields.items():
        required = f.required and f.default is None
        blank = f"IF(LEN(TRIM({fid}))=0,1,0)" if required else "0"
        first = blank if f.stage in ("identity", "gate") else "0"
        wrong = wrong_test(f, fid)
        ws.cell(row, 1, fid)
        ws.cell(row, 2, "=" + first)
        ws.cell(row, 3, "=" + blank)
        ws.cell(row, 4, f"=IF(LEN(TRIM({fid}))>0,IF({wrong},1,0),0)" if wrong else 0)
        row += 1
    for tid, t in rubric.tables.items():
        named = f"(LEN(TRIM(INDEX({tid},0,1)))>0)"
        for k, col in enumerate(t.columns[1:], 2):
            cells = f"INDEX({tid},0,{k})"
            if col.type == "int":
                bad = f"SUMPRODUCT({named}*NOT(ISNUMBER({cells})))"
            elif col.type == "credit_code":
                bad = f"SUMPRODUCT({named}*(LEN(TRIM({cells}))<>18))"
            else:
                continue
            ws.cell(row, 1, f"{tid}.{col.id}")
            ws.cell(row, 4, "=" + bad)
            row += 1
        if t.unique:
            k = [c.id for c in t.columns].index(t.unique) + 1
            cells = f"INDEX({tid},0,{k})"
            ws.cell(row, 1, f"{tid}.{t.unique} unique")
            ws.cell(row, 4, f"=SUMPRODUCT((LEN(TRIM({cells}))>0)*(COUNTIF({cells},{cells})>1))")
            row += 1
    for chk in rubric.checks:  # judged once the required cells it reads are filled, as the scorer does
        needed = [n for n in expression_names(chk.test) if n in rubric.fields and rubric.fields[n].required]
        test = f"IF(IFERROR({expr_formula(chk.test, rubric)},FALSE),0,1)"
        if needed:
            test = f"IF(AND({','.join(f'LEN(TRIM({n}))>0' for n in needed)}),{test},0)"
        ws.cell(row, 1, chk.code)
        ws.cell(row, 4, "=" + test)
        row += 1
    last = row - 1
    for letter, total in (("B", BLANK_FIRST), ("C", BLANK_ANY), ("D", WRONG)):
        ws[f"{letter}{row}"] = f"=SUM({letter}1:{letter}{last})"
        name(wb, total, ws, f"{letter}{row}")
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
