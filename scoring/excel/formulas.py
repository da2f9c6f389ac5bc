"""Excel formulas of a workbook's live cells: item scores, section totals, the grade, the CMA helper.

Item formulas come from the rule kinds themselves (`scoring.rules`: each kind's numpy code and
formula side by side); the expression language's spreadsheet backend is `scoring.formula`. The
Python scorer stays the authority; a test recalculates filled workbooks in LibreOffice and requires
the cached results to equal it.
"""

from __future__ import annotations

from ..formula import COVERS_NAME, FormulaError, expr_formula, num
from ..rubric import Rubric
from ..rules import item_formula

__all__ = ["item_formula", "expr_formula", "section_formula", "grade_formula", "FormulaError", "num", "coverage_rows", "COVERS_NAME"]


def section_formula(cells: list[str], floor: int | None) -> str:
    total = "+".join(cells) if cells else "0"
    return f"MAX({num(floor / 100)},{total})" if floor is not None else total


COVER_ITEMS = 40  # operated factors a workbook formula checks; the scorer checks any number


def _factor_list(name: str) -> str:
    """A factor list as "|a|b|c|": separators unified, spaces dropped (SEARCH ignores case)."""
    t = f'SUBSTITUTE(SUBSTITUTE({name}," ",""),"　","")'
    for sep in ("、", "，", ",", "；", ";", "CHAR(10)"):
        t = f'SUBSTITUTE({t},{sep if sep.startswith("CHAR") else chr(34) + sep + chr(34)},"|")'
    return f'"|"&{t}&"|"'


def coverage_rows(cma: str, operated: str) -> list[str]:
    """Formulas of the hidden helper: row k is TRUE when the k-th operated factor is covered."""
    rows = []
    for k in range(1, COVER_ITEMS + 1):
        item = f'TRIM(MID(SUBSTITUTE({_factor_list(operated)},"|",REPT(" ",200)),{k}*200+1,200))'
        rows.append(f'OR({item}="",ISNUMBER(SEARCH("|"&{item}&"|",{_factor_list(cma)})))')
    return rows


def grade_formula(rubric: Rubric, total: str) -> str:
    """The grade from the total and the conditions, as the engine decides it."""
    g = rubric.grades
    if g.kind == "conditions":
        tests = [expr_formula(c.test, rubric) for c in rubric.conditions if c.effect == "outcome"]
        return f'IF(AND({",".join(tests)}),"{g.pass_label}","{g.fail_label}")'
    label = f'"{g.otherwise}"'
    for b in reversed(g.bands):
        label = f'IF({total}{b.op}{num(b.value / 100)},"{b.label}",{label})'
    vetoes = [f"NOT({expr_formula(c.test, rubric)})" for c in rubric.conditions if c.effect == "veto"]
    if rubric.zero_if:
        vetoes.append(expr_formula(rubric.zero_if.test, rubric))
    if vetoes:
        label = f'IF(OR({",".join(vetoes)}),"{g.veto_grade}",{label})'
    return label
