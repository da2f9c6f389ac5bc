"""Excel formulas generated from a rubric: the workbook's live item scores, totals and grade.

Every formula refers to inputs by their defined names, so it reads like the rule
(`=ROUND(MIN(15,MAX(0,15-MAX(0,90-transmission_rate))),2)`). The functions used exist in Excel
2010+ and LibreOffice alike. The Python scorer stays the authority; a test recalculates filled
workbooks in LibreOffice and requires the cached results to equal it.

Two details make the formulas agree with the exact scorer:
- a percent-formatted cell holds 0.935 for 93.5 %: `CELL("format")` starts with "P" there;
- binary floating point can put an exact half a hair below it (11.995 → 11.99499…), so the value
  is scaled by (1 + 1E-12) before ROUND: far below any real difference (exact values have at most
  8 decimals and lie within ±110), far above the floating-point error.
"""
from __future__ import annotations

import ast
from decimal import Decimal

from ..rubric import Item, Rubric

__all__ = ["item_formula", "expr_formula", "section_formula", "grade_formula", "FormulaError", "num", "coverage_rows", "COVERS_NAME"]


class FormulaError(ValueError):
    """A rule that has no faithful spreadsheet formula."""


def num(x) -> str:
    d = Decimal(str(x)).normalize()
    return format(d, "f")


def _value(rubric: Rubric, name: str) -> str:
    f = rubric.fields[name]
    if f.type == "pct":
        return f'IF(LEFT(CELL("format",{name}),1)="P",{name}*100,{name})'
    if f.numeric:
        return f"N({name})"
    if f.type == "date":      # a date typed as YYYY-MM-DD text is a date to the scorer too
        return f"IF(ISTEXT({name}),DATEVALUE({name}),{name})"
    return name


def _round(expr: str, top: int | None, low: int | None) -> str:
    # relative nudge: an exact half computed as 11.99499… rounds up, a negative half away from zero
    rounded = f"ROUND(({expr})*(1+1E-12),2)"
    if low is not None:
        rounded = f"MAX({num(low / 100)},{rounded})"
    if top is not None:
        rounded = f"MIN({num(top / 100)},{rounded})"
    return rounded


def _choice_terms(rubric: Rubric, name: str, points: dict) -> list[str]:
    return [f'IF({name}="{choice}",{num(p)},0)' for choice, p in points.items() if Decimal(str(p)) != 0]


def item_formula(item: Item, rubric: Rubric) -> str:
    """The formula (without '=') of one item's score, rounded and clipped like the engine."""
    p, kind = item.params, item.kind
    if kind == "per_choice":
        inputs = p["inputs"]
        per_input = inputs if isinstance(inputs, dict) else {n: p["points"] for n in inputs}
        terms = [num(p.get("base", 0))] + [t for n, pts in per_input.items() for t in _choice_terms(rubric, n, pts)]
        expr = "+".join(terms)
    elif kind == "per_count":
        terms = [f"{num(w)}*{_value(rubric, n)}" for n, w in p["weights"].items()]
        combined = f"MAX({','.join(terms)})" if p.get("combine", "sum") == "max" else "+".join(terms)
        expr = f"{num(p.get('base', 0))}+{combined}"
    elif kind in ("shortfall", "excess"):
        if p.get("counting", "linear") != "linear":
            raise FormulaError("whole-point counting")
        v = _value(rubric, p["input"])
        if kind == "shortfall":
            expr = f"{num(item.max / 100)}-{num(p['per_point'])}*MAX(0,{num(p['target'])}-{v})"
        else:
            expr = f"{num(p['per_point'])}*MAX(0,{v}-{num(p['threshold'])})"
    elif kind == "awarded":
        expr = _value(rubric, p["input"])
    elif kind == "share_of_max":
        expr = f"{num(item.max / 100)}*{_value(rubric, p['input'])}/100"
    elif kind == "ratio":
        den = _value(rubric, p["denominator"])
        expr = f"IF({den}>0,{num(item.max / 100)}*{_value(rubric, p['numerator'])}/{den},0)"
    elif kind == "checks":
        expr = "+".join(f"{num(c['points'])}*IF({expr_formula(c['test'], rubric)},1,0)" for c in p["checks"])
    else:
        raise FormulaError(f"no formula for rule kind {kind}")
    return _round(expr, item.max, item.min)


def section_formula(cells: list[str], floor: int | None) -> str:
    total = "+".join(cells) if cells else "0"
    return f"MAX({num(floor / 100)},{total})" if floor is not None else total


# --- conditions: the rubric's expression language as a spreadsheet formula ---------------------------

def expr_formula(text: str, rubric: Rubric) -> str:
    tree = ast.parse(text.strip(), mode="eval")
    return _Translate(rubric, text).visit(tree.body)


def _named(table: str) -> str:
    return f"(LEN(TRIM(INDEX({table},0,1)))>0)"      # rows with an empty name are ignored


class _Translate:
    def __init__(self, rubric: Rubric, text: str):
        self.r, self.text = rubric, text

    def fail(self, msg):
        raise FormulaError(f"{self.text!r}: {msg}")

    def visit(self, n) -> str:
        fn = getattr(self, f"v_{type(n).__name__}", None)
        if fn is None:
            self.fail(f"{type(n).__name__} has no formula")
        return fn(n)

    def _dotted(self, n) -> list[str]:
        if isinstance(n, ast.Name):
            return [n.id]
        if isinstance(n, ast.Attribute):
            return self._dotted(n.value) + [n.attr]
        self.fail("not a name")

    def _column(self, parts: list[str]) -> str:
        if len(parts) == 1:
            f = self.r.fields[parts[0]]
            return f'({parts[0]}="是")' if f.type == "bool" else _value(self.r, parts[0])
        table = self.r.tables[parts[0]]
        if parts[1:] == ["rows"]:
            return f"SUMPRODUCT({_named(parts[0])}*1)"
        k = [c.id for c in table.columns].index(parts[1]) + 1
        if parts[2] == "sum":
            return f"SUMPRODUCT({_named(parts[0])}*INDEX({parts[0]},0,{k}))"
        self.fail("a minimum is only usable as `t.col.min >= number`")

    def v_Name(self, n):
        return self._column([n.id])

    def v_Attribute(self, n):
        return self._column(self._dotted(n))

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
        if isinstance(left, ast.Attribute) and self._dotted(left)[-1] == "min":
            parts = self._dotted(left)
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
            return f"EDATE({_value(self.r, n.args[0].id)},{12 * n.args[1].value})"
        if name == "covers":
            return f"{COVERS_NAME}"       # computed on the hidden _calc sheet (see coverage_rows)
        self.fail(f"{name}() has no spreadsheet formula")


COVERS_NAME = "calc_cma_covers"
COVER_ITEMS = 40          # operated factors a workbook formula checks; the scorer checks any number


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
