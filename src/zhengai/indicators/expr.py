"""The small expression language of measures, compiled to Ibis.

Expressions are Python syntax, parsed with `ast` and never executed: only the node kinds and the
functions listed here are accepted. Names are columns of the part's table, ``table.field`` for a
joined look-up table, the period variables, or (in an indicator's ``value``) the names of its parts.

Row functions:  year month day date days if_else coalesce isnull notnull abs round float int
                substr least greatest
Aggregates:     count() count(x) count_distinct(x) count_if(cond) sum mean min max std any all
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

PERIOD_VARIABLES = {
    "period_start": "p_start",
    "period_end": "p_end",
    "period_year": "p_year",
    "period_end_year": "p_end_year",
}
AGGREGATES = {"count", "count_distinct", "count_if", "sum", "mean", "min", "max", "std", "any", "all"}
ROW_FUNCTIONS = {
    "year",
    "month",
    "day",
    "date",
    "days",
    "if_else",
    "coalesce",
    "isnull",
    "notnull",
    "abs",
    "round",
    "float",
    "int",
    "substr",
    "least",
    "greatest",
}

Resolver = Callable[[str], Any]


class ExprError(ValueError):
    pass


def parse(text: str) -> ast.Expression:
    try:
        return ast.parse(str(text).strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"表达式“{text}”写法有误（第 {exc.offset} 个字符附近）") from None


def names(text: str) -> set[str]:
    """Plain and dotted names an expression refers to (functions excluded)."""
    tree = parse(text)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            out.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and not _is_function_name(tree, node):
            out.add(node.id)
    dotted_heads = {n.split(".")[0] for n in out if "." in n}
    return {n for n in out if n not in dotted_heads or "." in n}


def _is_function_name(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


_ALLOWED_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Attribute, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Call, ast.Tuple, ast.List, ast.Set, ast.Load, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)  # fmt: skip


def check_syntax(text: str, *, aggregate: bool) -> None:
    """Refuse what the compiler would refuse, before any data is read: node kinds and function names."""
    for node in ast.walk(parse(text)):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExprError(f"表达式“{text}”：不支持 {type(node).__name__} 写法")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExprError(f"表达式“{text}”：只能调用内置函数")
            fn = node.func.id
            if fn in AGGREGATES and not aggregate:
                raise ExprError(f"表达式“{text}”：{fn}() 是聚合函数，只能用在 value / compute 里")
            if fn not in AGGREGATES and fn not in ROW_FUNCTIONS:
                raise ExprError(f"表达式“{text}”：不认识的函数 {fn}()")


def uses_aggregate(text: str) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in AGGREGATES
        for n in ast.walk(parse(text))
    )


def compile_expr(text: str, resolve: Resolver, *, table: ir.Table | None = None, aggregate: bool = False) -> Any:
    """An Ibis expression for `text`; `resolve` maps a (dotted) name to a column or value."""
    return _Compiler(text, resolve, table, aggregate).visit(parse(text).body)


def _num(x: Any) -> Any:
    if isinstance(x, ir.BooleanValue):
        return x.cast("int64")
    return x


class _Compiler:
    def __init__(self, text: str, resolve: Resolver, table: ir.Table | None, aggregate: bool):
        self.text, self.resolve, self.table, self.aggregate = text, resolve, table, aggregate
        self.in_aggregate = False

    def error(self, message: str) -> ExprError:
        return ExprError(f"表达式“{self.text}”：{message}")

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise self.error(f"不支持 {type(node).__name__} 写法")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool) or node.value is None or isinstance(node.value, (int, float, str)):
            return ibis.literal(node.value) if node.value is not None else ibis.null()
        raise self.error(f"不支持常量 {node.value!r}")

    def _name(self, name: str) -> Any:
        if name in PERIOD_VARIABLES:
            name = PERIOD_VARIABLES[name]
        try:
            return self.resolve(name)
        except KeyError:
            raise self.error(f"没有名为 {name} 的字段或部分") from None

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in ("True", "False"):
            return ibis.literal(node.id == "True")
        return self._name(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if not isinstance(node.value, ast.Name):
            raise self.error("只支持 表名.字段 的写法")
        return self._name(f"{node.value.id}.{node.attr}")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = _num(self.visit(node.left)), _num(self.visit(node.right))
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            # x / 0 is NULL (no value), the same on every engine.
            return left.cast("float64") / _nullif_zero(right)
        if op is ast.FloorDiv:
            return (left / _nullif_zero(right)).floor()
        if op is ast.Mod:
            return left % right
        raise self.error("只支持 + - * / // %")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return ~operand
        if isinstance(node.op, ast.USub):
            return -_num(operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.error("不支持的一元运算")

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out

    def visit_Compare(self, node: ast.Compare) -> Any:
        out = None
        left = self.visit(node.left)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(comp, (ast.Tuple, ast.List, ast.Set)):
                    raise self.error("in 后面应是常量列表，如 ('1', '2')")
                values = [self.visit_Constant(e).op().value if isinstance(e, ast.Constant) else None for e in comp.elts]
                if any(v is None for v in values):
                    raise self.error("in 的列表里只能写常量")
                term = left.isin(values) if isinstance(op, ast.In) else ~left.isin(values)
                right = None
            else:
                right = self.visit(comp)
                term = {
                    ast.Eq: lambda a, b: a == b,
                    ast.NotEq: lambda a, b: a != b,
                    ast.Lt: lambda a, b: a < b,
                    ast.LtE: lambda a, b: a <= b,
                    ast.Gt: lambda a, b: a > b,
                    ast.GtE: lambda a, b: a >= b,
                }[type(op)](left, right)
            out = term if out is None else (out & term)
            if right is not None:
                left = right
        return out

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return ibis.ifelse(self.visit(node.test), self.visit(node.body), self.visit(node.orelse))

    def visit_Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self.error("只能调用内置函数")
        fn = node.func.id
        if node.keywords:
            raise self.error(f"{fn}() 不接受关键字参数")
        if fn in AGGREGATES:
            if not self.aggregate:
                raise self.error(f"{fn}() 是聚合函数，只能用在 value / compute 里")
            if self.in_aggregate:
                raise self.error(f"{fn}() 不能嵌套在另一个聚合函数里")
            self.in_aggregate = True
            try:
                args = [self.visit(a) for a in node.args]
            finally:
                self.in_aggregate = False
            return self._aggregate(fn, args)
        if fn not in ROW_FUNCTIONS:
            raise self.error(f"不认识的函数 {fn}()")
        if fn == "date":
            if len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
                try:
                    return ibis.literal(dt.date.fromisoformat(node.args[0].value))
                except (TypeError, ValueError):
                    raise self.error("date() 的参数应为 'YYYY-MM-DD'") from None
            args = [self.visit(a) for a in node.args]
            if len(args) == 1:
                return args[0].date() if isinstance(args[0], ir.TimestampValue) else args[0]
            if len(args) == 3:
                return ibis.date(*args)
            raise self.error("date() 接受一个日期（时间）或 年, 月, 日 三个参数")
        args = [self.visit(a) for a in node.args]
        return self._row(fn, args)

    def _row(self, fn: str, args: list[Any]) -> Any:
        need = {
            "year": 1,
            "month": 1,
            "day": 1,
            "days": 2,
            "if_else": 3,
            "isnull": 1,
            "notnull": 1,
            "abs": 1,
            "float": 1,
            "int": 1,
            "substr": 3,
        }
        if fn in need and len(args) != need[fn]:
            raise self.error(f"{fn}() 需要 {need[fn]} 个参数")
        if fn == "year":
            return args[0].year()
        if fn == "month":
            return args[0].month()
        if fn == "day":
            return args[0].day()
        if fn == "days":
            a, b = (x.date() if isinstance(x, ir.TimestampValue) else x for x in args)
            return b.delta(a, unit="day")
        if fn == "if_else":
            return ibis.ifelse(args[0], args[1], args[2])
        if fn == "coalesce":
            return ibis.coalesce(*args)
        if fn == "isnull":
            return args[0].isnull()
        if fn == "notnull":
            return args[0].notnull()
        if fn == "abs":
            return _num(args[0]).abs()
        if fn == "round":
            return args[0].round(args[1].op().value if len(args) > 1 else 0)
        if fn == "float":
            return args[0].cast("float64")
        if fn == "int":
            return args[0].cast("int64")
        if fn == "substr":
            # 1-based start, like SQL.
            return args[0].substr(args[1].op().value - 1, args[2].op().value)
        if fn == "least":
            return ibis.least(*args)
        if fn == "greatest":
            return ibis.greatest(*args)
        raise self.error(f"不认识的函数 {fn}()")

    def _aggregate(self, fn: str, args: list[Any]) -> Any:
        if fn == "count":
            if not args:
                if self.table is None:
                    raise self.error("count() 在这里没有可计数的行")
                return self.table.count()
            return args[0].count()
        if len(args) != 1:
            raise self.error(f"{fn}() 需要 1 个参数")
        x = args[0]
        if fn == "count_distinct":
            return x.nunique()
        if fn == "count_if":
            return ibis.ifelse(x, 1, 0).sum()
        if fn == "any":
            return x.any()
        if fn == "all":
            return x.all()
        x = _num(x)
        if fn == "sum":
            return x.sum()
        if fn == "mean":
            return x.cast("float64").mean()
        if fn == "min":
            return x.min()
        if fn == "max":
            return x.max()
        if fn == "std":
            return x.cast("float64").std(how="sample")
        raise self.error(f"不认识的聚合函数 {fn}()")


def _nullif_zero(x: Any) -> Any:
    return x.nullif(0)


# ------------------------------------------------------------------------------------------ checking


def check_indicator(indicator) -> None:
    """Static checks that need no data: names exist, aggregates where they belong."""
    from zhengai.datacenter.standard import TABLES_BY_NAME

    part_names = {p.name for p in indicator.parts}
    if indicator.value:
        check_syntax(indicator.value, aggregate=False)
        for n in names(indicator.value):
            if n not in part_names:
                raise ValueError(f"value 引用了不存在的部分 {n}")
        if uses_aggregate(indicator.value):
            raise ValueError("value 只组合各部分，聚合写在部分的 value 里")
    for part in (*indicator.parts, *((indicator.population,) if indicator.population else ())):
        known = set(TABLES_BY_NAME[part.table].field_index)
        for other, left, _right in part.joins:
            if left not in known:
                raise ValueError(f"部分 {part.name} 的关联字段 {left} 不在 {part.table} 表（及之前的关联表）里")
            known |= {f"{other}.{f}" for f in TABLES_BY_NAME[other].field_index}
        known |= set(PERIOD_VARIABLES)
        pre_names = {k for k, _ in part.pre_compute}
        label = f"部分 {part.name}"
        for text in filter(None, [part.where, part.by]):
            check_syntax(text, aggregate=False)
            for n in names(text):
                if n not in known:
                    raise ValueError(f"{label} 引用了 {part.table} 表（及关联表）中不存在的字段 {n}")
        for _k, text in part.pre_compute:
            check_syntax(text, aggregate=True)
            for n in names(text):
                if n not in known:
                    raise ValueError(f"{label} 的 pre.compute 引用了不存在的字段 {n}")
        for n in part.pre_by:
            if n not in known:
                raise ValueError(f"{label} 的 pre.by 引用了不存在的字段 {n}")
        after = (set(part.pre_by) | pre_names | set(PERIOD_VARIABLES)) if part.pre_by else known
        if part.value:
            check_syntax(part.value, aggregate=True)
            if not uses_aggregate(part.value):
                raise ValueError(f"{label} 的 value 应是聚合，如 count()、sum(x)、mean(x)")
            for n in names(part.value):
                if n not in after:
                    raise ValueError(f"{label} 的 value 引用了不存在的字段 {n}")
        if part.by and part.pre_by and part.by not in part.pre_by:
            raise ValueError(f"{label} 的 by 应是 pre.by 中的一个字段")
