"""Declarations → Ibis expressions: one expression per indicator, covering every period at once.

Every compiled indicator is a table of (period, entity, value). Rows of a standard table are placed
in periods by the table's time semantics (a term column, a date, a year, or — for rosters — every
period), joined to a small period table, filtered, grouped by period and entity and aggregated.
The same expression runs on every engine (engines/*.py); nothing here writes SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.standard import TABLES_BY_NAME, FieldType
from zhengai.indicators.declarations import SCHOOL_KEY, Indicator, Part, Placement
from zhengai.indicators.expr import compile_expr
from zhengai.indicators.periods import Period, TermSpan, window_bounds

EARLIEST = dt.date(1990, 1, 1)
PERIOD_COLUMNS = ("period", "p_start", "p_end", "p_year", "p_end_year")


class Context:
    """What a compiled expression is built against: an engine's tables and the periods in question."""

    def __init__(
        self, engine, periods: Iterable[Period], terms: Iterable[TermSpan], *, data_start: dt.date | None = None
    ):
        self.engine = engine
        # The first day the data center covers, when known: a period whose trailing window (years:N)
        # reaches before it is not judged, it would count missing data as zero (see complete_periods).
        self.data_start = data_start
        self.periods = sorted(periods)
        self.terms = sorted(terms, key=lambda t: t.start)
        self._frames: dict[tuple, ir.Table] = {}
        self._coverage: dict[tuple, dt.date | None] = {}
        self._empty: dict[str, bool] = {}

    def table(self, name: str) -> ir.Table:
        return self.engine.table(name)

    # -------------------------------------------------------------------------- period frames

    def frame(self, kind: str, window: str) -> ir.Table:
        """A small table: one row per period (or per period × term for kind 'term')."""
        key = (kind, window)
        if key not in self._frames:
            rows: dict[str, list] = {c: [] for c in (*PERIOD_COLUMNS, "w_start", "w_end", "w_from", "w_to", "w_term")}
            for p in self.periods:
                w_start, w_end = window_bounds(p, window, EARLIEST)
                years = (
                    (1900, p.year)
                    if window == "all"
                    else (
                        (p.year - int(window.split(":")[1]) + 1, p.year)
                        if window.startswith("years:")
                        else (p.year, p.year)
                    )
                )
                terms = [t.code for t in self.terms if w_start <= t.start <= w_end] if kind == "term" else [""]
                for term in terms:
                    for c, v in zip(PERIOD_COLUMNS, (p.code, p.start, p.end, p.year, p.end_year), strict=True):
                        rows[c].append(v)
                    rows["w_start"].append(w_start)
                    rows["w_end"].append(w_end)
                    rows["w_from"].append(years[0])
                    rows["w_to"].append(years[1])
                    rows["w_term"].append(term)
            schema = pa.schema(
                [
                    ("period", pa.string()),
                    ("p_start", pa.date32()),
                    ("p_end", pa.date32()),
                    ("p_year", pa.int64()),
                    ("p_end_year", pa.int64()),
                    ("w_start", pa.date32()),
                    ("w_end", pa.date32()),
                    ("w_from", pa.int64()),
                    ("w_to", pa.int64()),
                    ("w_term", pa.string()),
                ]
            )
            self._frames[key] = self.engine.memtable(pa.table(rows, schema=schema))
        return self._frames[key]

    def coverage_start(self, table_name: str, placement: Placement) -> dt.date | None:
        """The first day a table's data covers: its earliest record, widened to the start of that term,
        academic year or calendar year (None for an empty table or one without a time field)."""
        spec = TABLES_BY_NAME[table_name]
        field_name = placement.field or spec.time_field
        if field_name is None:
            return None
        key = (table_name, field_name, placement.match)
        if key not in self._coverage:
            t = self.table(table_name)
            first = self.engine.execute(t.aggregate(first=t[field_name].min())).column("first")[0].as_py()
            self._coverage[key] = _floor(first, spec, field_name, placement.match)
        return self._coverage[key]

    def is_empty(self, table_name: str) -> bool:
        """The table has no rows at all (never imported, or emptied): its parts know nothing, not zero."""
        if table_name not in self._empty:
            t = self.table(table_name)
            self._empty[table_name] = self.engine.execute(t.aggregate(n=t.count())).column("n")[0].as_py() == 0
        return self._empty[table_name]

    def complete_periods(self, indicator: Indicator) -> list[str] | None:
        """The periods the data of every part covers, or None when it covers every period.

        A period that begins before a table's first record, or whose trailing window (years:N) reaches
        before it, would count the missing data as zero: it gets no measurement (无数据).
        """
        checks = []
        for part in (*indicator.parts, *filter(None, [indicator.population])):
            floor = self.coverage_start(part.table, part.placement)
            if self.data_start and part.placement.window.startswith("years:"):
                floor = max(floor, self.data_start) if floor else self.data_start
            if floor is not None:
                checks.append((part.placement.window, floor))
        if not checks:
            return None

        def first_day(p: Period, window: str) -> dt.date:
            return window_bounds(p, window, EARLIEST)[0] if window.startswith("years:") else p.start

        complete = [p.code for p in self.periods if all(first_day(p, w) >= floor for w, floor in checks)]
        if len(complete) == len(self.periods):
            return None
        return complete or [""]

    def place(self, t: ir.Table, table_name: str, placement: Placement) -> ir.Table:
        """`t` with the period columns added: each row once for every period it belongs to."""
        spec = TABLES_BY_NAME[table_name]
        # A field named like a period column (attendance.period, the 节次) is kept under another
        # name, so that the period columns added here are the ones grouped by.
        own = [c for c in t.columns if c in PERIOD_COLUMNS]
        if own:
            t = t.rename({_own(c): c for c in own})
        field_name = placement.field or spec.time_field
        if field_name is None:
            f = self.frame("plain", "period")
            return t.cross_join(f.select(*PERIOD_COLUMNS))
        ftype = spec.field(field_name).type
        if field_name == "term" or (ftype in (FieldType.STRING, FieldType.CODE)):
            f = self.frame("term", placement.window)
            joined = t.join(f, t[field_name] == f.w_term)
        elif ftype in (FieldType.DATE, FieldType.DATETIME):
            f = self.frame("plain", placement.window)
            day = t[field_name].date() if ftype == FieldType.DATETIME else t[field_name]
            joined = t.join(f, [day >= f.w_start, day <= f.w_end])
        elif ftype == FieldType.INTEGER:
            f = self.frame("plain", placement.window)
            year = t[field_name]
            if placement.match == "end_year":
                year = year - 1  # compare in start years
            joined = t.join(f, [year >= f.w_from, year <= f.w_to])
        else:
            raise ValueError(f"{table_name}.{field_name} 不能用来划分周期")
        return joined.drop("w_start", "w_end", "w_from", "w_to", "w_term")


def _floor(first, spec, field_name: str, match: str) -> dt.date | None:
    from zhengai.datacenter.standard import TimeKind
    from zhengai.lib.periods import academic_year_of, parse_term_code

    if first is None:
        return None
    if isinstance(first, dt.datetime):
        first = first.date()
    if isinstance(first, dt.date):
        return academic_year_of(first).start
    if isinstance(first, str):
        try:
            year, kind = parse_term_code(first)
        except ValueError:
            return None
        return dt.date(year, 9, 1) if kind == 1 else dt.date(year + 1, 2, 1)
    year = int(first) - (1 if match == "end_year" else 0)
    return dt.date(year, 1, 1) if spec.time_kind == TimeKind.CALENDAR_YEAR else dt.date(year, 9, 1)


def _col(name: str) -> str:
    return name.replace(".", "__")


def _own(col: str) -> str:
    return f"_own_{col}"


def _column(columns: Iterable[str], name: str) -> str:
    """The column of a (dotted) field name once the table is placed in periods (see Context.place)."""
    col = _col(name)
    return _own(col) if _own(col) in columns else col


def _resolver(t: ir.Table):
    columns = set(t.columns)

    def resolve(name: str) -> Any:
        col = _column(columns, name)
        if col not in columns:
            raise KeyError(name)
        return t[col]

    return resolve


def compile_part(ctx: Context, part: Part, *, entity: str) -> ir.Table:
    """(period, entity, value) for one part."""
    t = ctx.table(part.table)
    for other, left, key in part.joins:
        look = ctx.table(other)
        look = look.select(**{f"{other}__{c}": look[c] for c in look.columns})
        t = t.left_join(look, t[_col(left)] == look[f"{other}__{key}"])
    t = ctx.place(t, part.table, part.placement)
    if part.where:
        t = t.filter(compile_expr(part.where, _resolver(t), table=t))
    if part.pre_by:
        keys = [*PERIOD_COLUMNS, *(_column(t.columns, k) for k in part.pre_by)]
        resolve = _resolver(t)
        t = t.group_by(keys).aggregate(
            **{name: compile_expr(text, resolve, table=t, aggregate=True) for name, text in part.pre_compute}
        )
    if entity == "school" or not part.by:
        t = t.mutate(entity=ibis.literal(SCHOOL_KEY))
    else:
        t = t.mutate(entity=t[_column(t.columns, part.by)].cast("string"))
    t = t.filter(t.entity.notnull())
    value = compile_expr(part.value, _resolver(t), table=t, aggregate=True)
    return t.group_by(["period", "entity"]).aggregate(value=value.cast("float64"))


def compile_indicator(ctx: Context, indicator: Indicator, *, entities: Iterable[str] | None = None) -> ir.Table:
    """The whole indicator as one expression: (period string, entity string, value float64)."""
    if indicator.function:
        from zhengai.indicators.functions import get

        out = get(indicator.function)(ctx, indicator)
        if entities is not None:
            out = out.filter(out.entity.cast("string").isin(list(entities)))
        return out.select(
            period=out.period.cast("string"), entity=out.entity.cast("string"), value=out.value.cast("float64")
        )
    compiled = [(p, compile_part(ctx, p, entity=indicator.entity)) for p in indicator.parts]
    if indicator.population is not None:
        pop = compile_part(ctx, indicator.population, entity=indicator.entity)
        base = pop.select("period", "entity")
        joins = compiled
    else:
        first_part, first = compiled[0]
        base = first.select("period", "entity", **{first_part.name: first.value})
        joins = compiled[1:]
        if first_part.fill is not None:
            base = base.mutate(**{first_part.name: base[first_part.name].fill_null(first_part.fill)})
    for i, (part, r) in enumerate(joins):
        r = r.select(**{f"_p{i}": r.period, f"_e{i}": r.entity, part.name: r.value})
        base = base.left_join(r, [base.period == r[f"_p{i}"], base.entity == r[f"_e{i}"]]).drop(f"_p{i}", f"_e{i}")
        # `fill` says what no row means when the table has data; a table with no rows at all says nothing.
        if part.fill is not None and not ctx.is_empty(part.table):
            base = base.mutate(**{part.name: base[part.name].fill_null(part.fill)})
    value = compile_expr(indicator.value, _resolver(base))
    out = base.select("period", "entity", value=value.cast("float64"))
    complete = ctx.complete_periods(indicator)
    if complete is not None:
        out = out.filter(out.period.isin(complete))
    if entities is not None:
        out = out.filter(out.entity.isin(list(entities)))
    return out
