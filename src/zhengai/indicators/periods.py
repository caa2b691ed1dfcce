"""The periods an evaluation covers, as plain values and as small tables the compiler joins.

A period has a code (2024-2025-1, 2024-2025, 2025, 2025-03, 2025-09-01 for a 时点), a start and an
end date, and the academic or calendar year it belongs to. Pure: the calendar is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from zhengai.indicators.choices import PeriodKind
from zhengai.lib.periods import AcademicYearSpan, parse_term_code


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    code: str
    kind: str
    year: int  # academic start year (学期/学年/时点) or the calendar year (自然年/月)
    end_year: int

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.ACADEMIC_YEAR:
            return f"{self.code}学年"
        if self.kind == PeriodKind.TERM:
            y, k = parse_term_code(self.code)
            return f"{y}-{y + 1}学年第{'一二'[k - 1]}学期"
        if self.kind == PeriodKind.CALENDAR_YEAR:
            return f"{self.code}年"
        if self.kind == PeriodKind.MONTH:
            return f"{self.code[:4]}年{int(self.code[5:])}月"
        return f"{self.code}（时点）"


@dataclass(frozen=True)
class TermSpan:
    code: str
    start: dt.date
    end: dt.date


def default_terms(first_year: int, last_year: int) -> list[TermSpan]:
    """Terms by the usual calendar: autumn 1 Sep – 31 Jan, spring 1 Feb – 31 Aug."""
    out = []
    for y in range(first_year, last_year + 1):
        out.append(TermSpan(f"{y}-{y + 1}-1", dt.date(y, 9, 1), dt.date(y + 1, 1, 31)))
        out.append(TermSpan(f"{y}-{y + 1}-2", dt.date(y + 1, 2, 1), dt.date(y + 1, 8, 31)))
    return out


def term_period(term: TermSpan) -> Period:
    year, _kind = parse_term_code(term.code)
    return Period(term.start, term.end, term.code, PeriodKind.TERM, year, year + 1)


def academic_year_period(start_year: int) -> Period:
    span = AcademicYearSpan(start_year)
    return Period(span.start, span.end, span.code, PeriodKind.ACADEMIC_YEAR, start_year, start_year + 1)


def calendar_year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), PeriodKind.CALENDAR_YEAR, year, year)


def month_period(year: int, month: int) -> Period:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(
        dt.date(year, month, 1), nxt - dt.timedelta(days=1), f"{year}-{month:02d}", PeriodKind.MONTH, year, year
    )


def point_period(start_year: int, census: dt.date) -> Period:
    """A 时点 period: the census day of an academic year (figures as of that day)."""
    return Period(census, census, census.isoformat(), PeriodKind.POINT, start_year, start_year + 1)


def periods_between(
    kind: str,
    first: dt.date,
    last: dt.date,
    *,
    terms: list[TermSpan] | None = None,
    census_day: str = "09-30",
    census: Mapping[int, dt.date] | None = None,
) -> list[Period]:
    """Every period of a kind that starts on or after `first` and ends on or before `last`.

    A 时点 is each year's 统计日 from `census` (academic start year → day), else `census_day` (MM-DD)."""
    from zhengai.lib.periods import academic_year_of, census_date

    y0, y1 = academic_year_of(first).start_year, academic_year_of(last).start_year
    if kind == PeriodKind.TERM:
        spans = terms if terms is not None else default_terms(y0, y1)
        out = [term_period(t) for t in spans]
    elif kind == PeriodKind.ACADEMIC_YEAR:
        out = [academic_year_period(y) for y in range(y0, y1 + 1)]
    elif kind == PeriodKind.CALENDAR_YEAR:
        out = [calendar_year_period(y) for y in range(first.year, last.year + 1)]
    elif kind == PeriodKind.MONTH:
        out = [month_period(y, m) for y in range(first.year, last.year + 1) for m in range(1, 13)]
    elif kind == PeriodKind.POINT:
        census = census or {}
        out = [point_period(y, census.get(y) or census_date(y, census_day)) for y in range(y0, y1 + 1)]
    else:
        raise ValueError(f"未知的周期类型 {kind}")
    return sorted(p for p in out if p.start >= first and p.end <= last)


def window_bounds(period: Period, window: str, earliest: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a part reads for a period: the period itself, everything up to it, or N years."""
    if window == "period":
        return period.start, period.end
    if window == "all":
        return earliest, period.end
    years = int(window.split(":")[1])
    start = dt.date(period.end.year - years, period.end.month, period.end.day) + dt.timedelta(days=1)
    return start, period.end
