"""The spreadsheet-formula language: how a rubric value, a rounding and a test are written as an
Excel/LibreOffice formula. The rule kinds (`scoring.rules`) write their formulas with these
helpers; `scoring.excel.formulas` assembles them into a workbook's live cells.

Every formula refers to inputs by their defined names, so it reads like the rule
(`=ROUND(MIN(15,MAX(0,15-MAX(0,90-transmission_rate))),2)`). The functions used exist in Excel
2010+ and LibreOffice alike.

Two details make the formulas agree with the exact scorer:
- a percent-formatted cell holds 0.935 for 93.5 %: `CELL("format")` starts with "P" there;
- binary floating point can put an exact half a hair below it (11.995 → 11.99499…), so the value
  is scaled by (1 + 1E-12) before ROUND: far below any real difference (exact values have at most
  8 decimals and lie within ±110), far above the floating-point error.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import TYPE_CHECKING

from .expr import ExprVisitor

if TYPE_CHECKING:
    from .rubric_data import Rubric

__all__ = ["FormulaError", "num", "value_of", "rounded", "choice_terms", "expr_formula", "COVERS_NAME"]

COVERS_NAME = "calc_cma_covers"  # the hidden helper cell that says whether the CMA list covers every factor


class FormulaError(ValueError):
    """A rule that has no faithful spreadsheet formula."""


def num(x) -> str:
    d = Decimal(str(x)).normalize()
    return format(d, "f")


def value_of(rubric: Rubric, name: str) -> str:
    f = rubric.fields[name]
    if f.type == "pct":
        return f'IF(LEFT(CELL("format",{name}),1)="P",{name}*100,{name})'
    if f.numeric:
        return f"N({name})"
    if f.type == "date":  # a date typed as YYYY-MM-DD text is a date to the scorer too
        return f"IF(ISTEXT({name}),DATEVALUE({name}),{name})"
    return name


def rounded(expr: str, top: int | None, low: int | None) -> str:
    # relative nudge: an exact half computed as 11.99499… rounds up, a negative half away from zero
    out = f"ROUND(({expr})*(1+1E-12),2)"
    if low is not None:
        out = f"MAX({num(low / 100)},{out})"
    if top is not None:
        out = f"MIN({num(top / 100)},{out})"
    return out


def choice_terms(rubric: Rubric, name: str, points: dict) -> list[str]:
    f = rubric.fields[name]
    out = []
    for choice, p in points.items():
        if Decimal(str(p)) == 0:
            continue
        words = [choice]
        if f.type == "bool":  # 有/无 forms also take the contract's 是/否
            words = list(f.yes_words) if choice == f.choices[0] else list(dict.fromkeys((f.choices[1], "否")))
        out.append(f"IF({_any_of(name, words)},{num(p)},0)")
    return out


# --- the expression language as a spreadsheet formula ---------------------------------------------


def expr_formula(text: str, rubric: Rubric) -> str:
    return _Translate(rubric, text).run()


def _named(table: str) -> str:
    return f"(LEN(TRIM(INDEX({table},0,1)))>0)"  # rows with an empty name are ignored


class _Translate(ExprVisitor):
    """The spreadsheet backend of the expression language (the numpy one is `expr._Compiler`)."""

    @property
    def r(self) -> Rubric:
        return self.rubric

    def fail(self, msg):
        raise FormulaError(f"{self.text!r}: {msg}")

    def _column(self, parts: list[str]) -> str:
        if len(parts) == 1:
            f = self.r.fields[parts[0]]
            return _is_yes(parts[0], f) if f.type == "bool" else value_of(self.r, parts[0])
        table = self.r.tables[parts[0]]
        if parts[1:] == ["rows"]:
            return f"SUMPRODUCT({_named(parts[0])}*1)"
        k = [c.id for c in table.columns].index(parts[1]) + 1
        if parts[2] == "sum":
            return f"SUMPRODUCT({_named(parts[0])}*INDEX({parts[0]},0,{k}))"
        self.fail("a minimum is only usable as `t.col.min >= number`")
        return ""

    def v_Name(self, n):
        return self._column([n.id])

    def v_Attribute(self, n):
        return self._column(self.dotted(n))

    def v_Constant(self, n):
        if isinstance(n.value, str):
            return f'"{n.value}"'
        return num(n.value)

    def v_BinOp(self, n):
        op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}.get(type(n.op))
        if op is None:
            self.fail("operator")
        return f"({self.visit(n.left)}{op}{self.visit(n.right)})"

    def v_UnaryOp(self, n):
        if isinstance(n.op, ast.Not):
            return f"NOT({self.visit(n.operand)})"
        if isinstance(n.op, ast.USub):
            return f"(-{self.visit(n.operand)})"
        self.fail("unary operator")

    def v_BoolOp(self, n):
        return f"{'AND' if isinstance(n.op, ast.And) else 'OR'}({','.join(self.visit(v) for v in n.values)})"

    def v_Compare(self, n):
        parts, left = [], n.left
        for op, right in zip(n.ops, n.comparators):
            parts.append(self._compare(left, op, right))
            left = right
        return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"

    def _compare(self, left, op, right) -> str:
        sym = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}[type(op)]
        if isinstance(left, ast.Attribute) and self.dotted(left)[-1] == "min":
            parts = self.dotted(left)
            if sym not in (">=", ">") or not isinstance(right, ast.Constant):
                self.fail("min only with >= or > a number")
            k = [c.id for c in self.r.tables[parts[0]].columns].index(parts[1]) + 1
            worse = "<" if sym == ">=" else "<="
            # every named row satisfies it (vacuously true without rows)
            return f"SUMPRODUCT({_named(parts[0])}*(INDEX({parts[0]},0,{k}){worse}{num(right.value)}))=0"
        a, b = self.visit(left), self.visit(right)
        # enum/text names compare as text; bool names already became tests
        if isinstance(left, ast.Name) and self.r.fields.get(left.id) and self.r.fields[left.id].type in ("enum", "text"):
            a = left.id
        if isinstance(right, ast.Name) and self.r.fields.get(right.id) and self.r.fields[right.id].type in ("enum", "text"):
            b = right.id
        return f"({a}{sym}{b})"

    def v_Call(self, n):
        name = n.func.id if isinstance(n.func, ast.Name) else ""
        if name == "add_years":
            return f"EDATE({value_of(self.r, n.args[0].id)},{12 * n.args[1].value})"
        if name == "covers":
            return f"{COVERS_NAME}"  # computed on the hidden _calc sheet (see coverage_rows)
        self.fail(f"{name}() has no spreadsheet formula")


def _is_yes(name: str, f) -> str:
    """A bool cell as a test: 是 (or the form's own 有) is true."""
    return _any_of(name, f.yes_words)


def _any_of(name: str, words) -> str:
    """The cell holds one of `words` (one word: a plain comparison, as the formulas always had)."""
    tests = [f'{name}="{w}"' for w in words]
    return f"({tests[0]})" if len(tests) == 1 else f"OR({','.join(tests)})"
