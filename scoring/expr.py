"""A tiny, safe, vectorised expression language for rubric conditions and cross-checks.

Rubrics write tests such as ``"100 * vehicles >= devices_water + devices_gas"`` or
``"check_water != '未通过' and lab != '无'"``. They are parsed with Python's ``ast`` module,
checked against the rubric's fields (an unknown field or enum value fails at load), and turned
into a closure that evaluates the test over whole numpy columns at once.

Numbers are exact: numeric columns hold int64 micro-units (value × 10**6), literals are scaled
the same way, and only integer coefficients may multiply a column, so every comparison is exact.
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import numpy as np

__all__ = [
    "MICRO",
    "ExprVisitor",
    "parse_expr",
    "compile_expr",
    "expression_names",
    "covers_arguments",
    "split_factors",
    "uncovered_factors",
    "add_years",
]

MICRO = 10**6
EPOCH = date(1970, 1, 1).toordinal()

# kinds of values an expression node yields
NUM, BOOL, ENUM, DATE, TEXT, STR, INT = "num", "bool", "enum", "date", "text", "str", "int"

_CMP = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


class Node:
    __slots__ = ("kind", "fn", "choices", "literal")

    def __init__(self, kind, fn=None, choices=(), literal=None):
        self.kind, self.fn, self.choices, self.literal = kind, fn, choices, literal


def column_kind(rubric, name: str) -> tuple[str, tuple]:
    """The kind of a column name: a field id or a derived table aggregate like `t.col.sum`."""
    if name in rubric.fields:
        f = rubric.fields[name]
        if f.numeric:
            return NUM, ()
        return {"bool": (BOOL, ()), "enum": (ENUM, f.choices), "date": (DATE, ()), "text": (TEXT, ()), "credit_code": (TEXT, ())}[f.type]
    parts = name.split(".")
    if parts[0] in rubric.tables:
        table = rubric.tables[parts[0]]
        if parts[1:] == ["rows"]:
            return NUM, ()
        numeric = {c.id for c in table.columns if c.type == "int"}
        if len(parts) == 3 and parts[1] in numeric and parts[2] in {"sum", "min", "max"}:
            return NUM, ()
    raise ValueError(f"unknown column {name!r}")


def compile_expr(text: str, rubric) -> Callable[[dict], np.ndarray]:
    """Compile a boolean test; the result takes a mapping name -> column and returns a bool array."""
    key = (id(rubric), text)
    node = _CACHE.get(key)
    if node is None:
        node = _CACHE[key] = _compile(text, rubric)
    if node.kind != BOOL:
        raise ValueError(f"{text!r} is not a yes/no test")
    return node.fn


_CACHE: dict[tuple[int, str], Node] = {}


def parse_expr(text: str) -> ast.expr:
    """The expression's syntax tree (Python syntax, checked by each backend against the rubric)."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"cannot parse {text!r}: {exc.msg}") from None


class ExprVisitor:
    """The walk every backend shares: dispatch on the node type, dotted names, one error type.
    The numpy backend (below) and the spreadsheet-formula backend (`scoring.formula`) subclass it."""

    def __init__(self, rubric, text: str):
        self.rubric, self.text = rubric, text

    def fail(self, msg):
        raise ValueError(f"{self.text!r}: {msg}")

    def visit(self, n):
        method = getattr(self, f"v_{type(n).__name__}", None)
        if method is None:
            self.fail(f"{type(n).__name__} is not allowed")
        return method(n)

    def dotted(self, n) -> list[str]:
        """`t.col.sum` -> ["t", "col", "sum"]; only names may be used."""
        if isinstance(n, ast.Name):
            return [n.id]
        if isinstance(n, ast.Attribute):
            return self.dotted(n.value) + [n.attr]
        self.fail("only field names may be used")
        return []

    def run(self):
        return self.visit(parse_expr(self.text))


FUNCTIONS = {"add_years", "covers"}


def expression_names(text: str) -> list[str]:
    """Plain names an expression mentions (table aggregates such as `t.col.sum` excluded)."""
    try:
        tree = parse_expr(text)
    except ValueError:
        return []
    attr_bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in attr_bases and n.id not in FUNCTIONS]


def covers_arguments(text: str) -> tuple[str, str] | None:
    """The two field names of a `covers(cma, operated)` call in a test, if it has one."""
    for n in ast.walk(parse_expr(text)):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id == "covers"
            and len(n.args) == 2
            and all(isinstance(a, ast.Name) for a in n.args)
        ):
            return n.args[0].id, n.args[1].id  # type: ignore[attr-defined]
    return None


def _compile(text: str, rubric) -> Node:
    return _Compiler(rubric, text).run()


class _Compiler(ExprVisitor):
    """The numpy backend: a test becomes a closure over whole columns."""

    # names -------------------------------------------------------------------------------------
    def v_Name(self, n):
        return self._column(n.id)

    def v_Attribute(self, n):
        return self._column(".".join(self.dotted(n)))

    def _column(self, name):
        try:
            kind, choices = column_kind(self.rubric, name)
        except ValueError as exc:
            self.fail(str(exc))
        return Node(kind, lambda cols, name=name: cols[name], choices)

    # literals ----------------------------------------------------------------------------------
    def v_Constant(self, n):
        v = n.value
        if isinstance(v, bool) or v is None:
            self.fail("use 是/否 fields, not True/False/None")
        if isinstance(v, int):
            return Node(INT, lambda cols, v=v: v * MICRO, literal=v)
        if isinstance(v, float):
            micro = Decimal(repr(v)) * MICRO
            if micro != micro.to_integral_value():
                self.fail(f"{v} has more than 6 decimals")
            return Node(NUM, lambda cols, m=int(micro): m, literal=v)
        if isinstance(v, str):
            return Node(STR, literal=v)
        self.fail(f"literal {v!r} is not allowed")

    # arithmetic --------------------------------------------------------------------------------
    def v_BinOp(self, n):
        a, b = self.visit(n.left), self.visit(n.right)
        if isinstance(n.op, (ast.Add, ast.Sub)):
            self._numeric(a, b)
            op = np.add if isinstance(n.op, ast.Add) else np.subtract
            return Node(NUM, lambda cols: op(a.fn(cols), b.fn(cols)))
        if isinstance(n.op, ast.Mult):
            # integer literal times a numeric column keeps everything in exact micro-units
            if a.kind == INT and b.kind in (NUM, INT):
                a, b = b, a
            if b.kind != INT or a.kind not in (NUM, INT):
                self.fail("only an integer number may multiply a field")
            k = b.literal
            return Node(NUM, lambda cols: a.fn(cols) * k)
        self.fail(f"{type(n.op).__name__} is not allowed")

    def v_UnaryOp(self, n):
        v = self.visit(n.operand)
        if isinstance(n.op, ast.Not):
            if v.kind != BOOL:
                self.fail("`not` needs a yes/no test")
            return Node(BOOL, lambda cols: ~v.fn(cols))
        if isinstance(n.op, ast.USub) and v.kind in (INT, NUM):
            if v.kind == INT:
                return Node(INT, lambda cols, x=-v.literal: x * MICRO, literal=-v.literal)
            return Node(NUM, lambda cols: -v.fn(cols))
        self.fail("unsupported unary operator")

    def _numeric(self, *nodes):
        for x in nodes:
            if x.kind not in (NUM, INT):
                self.fail("arithmetic needs numbers")

    # logic -------------------------------------------------------------------------------------
    def v_BoolOp(self, n):
        parts = [self.visit(v) for v in n.values]
        if any(p.kind != BOOL for p in parts):
            self.fail("and/or need yes/no tests")
        op = np.logical_and if isinstance(n.op, ast.And) else np.logical_or

        def fn(cols):
            out = parts[0].fn(cols)
            for p in parts[1:]:
                out = op(out, p.fn(cols))
            return out

        return Node(BOOL, fn)

    def v_Compare(self, n):
        left = self.visit(n.left)
        tests = []
        for op, right_n in zip(n.ops, n.comparators):
            right = self.visit(right_n)
            tests.append(self._compare(left, type(op), right))
            left = right

        def fn(cols):
            out = tests[0](cols)
            for t in tests[1:]:
                out = out & t(cols)
            return out

        return Node(BOOL, fn)

    def _compare(self, a: Node, op, b: Node):
        if op not in _CMP:
            self.fail("unsupported comparison")
        cmp = _CMP[op]
        if a.kind == STR:
            a, b = b, a
            op = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}.get(op, op)
            cmp = _CMP[op]
        if b.kind == STR:
            if op not in (ast.Eq, ast.NotEq):
                self.fail("text can only be compared with == or !=")
            if a.kind == ENUM:
                if b.literal not in a.choices:
                    self.fail(f"{b.literal!r} is not one of {a.choices}")
                code = a.choices.index(b.literal)
                return lambda cols: cmp(a.fn(cols), code)
            if a.kind == TEXT:
                return lambda cols: cmp(a.fn(cols), b.literal)
            self.fail("a text literal needs an enum or text field")
        if a.kind in (NUM, INT) and b.kind in (NUM, INT):
            return lambda cols: cmp(a.fn(cols), b.fn(cols))
        if a.kind == DATE and b.kind == DATE:
            return lambda cols: cmp(a.fn(cols), b.fn(cols))
        self.fail(f"cannot compare {a.kind} with {b.kind}")

    # functions ---------------------------------------------------------------------------------
    def v_Call(self, n):
        if not isinstance(n.func, ast.Name) or n.keywords:
            self.fail("unsupported call")
        args = [self.visit(a) for a in n.args]
        if n.func.id == "add_years" and len(args) == 2 and args[0].kind == DATE and args[1].kind == INT:
            years = args[1].literal
            return Node(DATE, lambda cols: add_years(args[0].fn(cols), years))
        if n.func.id == "covers" and len(args) == 2 and all(a.kind == TEXT for a in args):
            return Node(BOOL, lambda cols: _covers(args[0].fn(cols), args[1].fn(cols)))
        self.fail(f"unknown function {n.func.id}() or wrong arguments")


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Days since 1970 shifted by whole calendar years; 29 Feb becomes 28 Feb (D11)."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month = m - y.astype("datetime64[M]")  # months since January
    day = d - m.astype("datetime64[D]")  # days since the 1st
    target_month = (y + np.timedelta64(years, "Y")).astype("datetime64[M]") + month
    month_len = (target_month + np.timedelta64(1, "M")).astype("datetime64[D]") - target_month.astype("datetime64[D]")
    day = np.minimum(day, month_len - np.timedelta64(1, "D"))
    return (target_month.astype("datetime64[D]") + day).astype("int64")


def _factor_items(text: str) -> list[str]:
    """监测因子 as written: separators 、 , ， ; ； and line breaks (NFKC), blanks dropped."""
    norm = unicodedata.normalize("NFKC", text or "")
    for sep in ("、", ",", ";", "\n"):
        norm = norm.replace(sep, "|")
    return [p.strip() for p in norm.split("|") if p.strip()]


def split_factors(text: str) -> list[str]:
    """The factors of a list, compared case-insensitively."""
    return [f.casefold() for f in _factor_items(text)]


def uncovered_factors(cma: str, operated: str) -> list[str]:
    """Operated factors (as written) that the CMA list does not cover."""
    have = set(split_factors(cma))
    return [f for f in _factor_items(operated) if f.casefold() not in have]


def _covers(cma: np.ndarray, operated: np.ndarray) -> np.ndarray:
    # Set containment over free text has no numpy form; this is input preparation per row.
    return np.fromiter((not uncovered_factors(c, o) for c, o in zip(cma, operated)), dtype=bool, count=len(cma))
