"""Period arithmetic for the academic calendar. Pure functions: values in, values out.

学年 runs from 1 September to 31 August; 第一学期 from September, 第二学期 from the spring.
自然年 is the calendar year. 时点 figures refer to one census day a year (configurable).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class AcademicYearSpan:
    start_year: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}学年"

    @property
    def code(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def academic_year_of(day: dt.date) -> AcademicYearSpan:
    """The 学年 a date belongs to: 2024-09-01 … 2025-08-31 is 2024-2025学年."""
    return AcademicYearSpan(day.year if day.month >= 9 else day.year - 1)


def term_code(start_year: int, kind: int) -> str:
    if kind not in (1, 2):
        raise ValueError(f"学期只能是 1 或 2，收到 {kind}")
    return f"{start_year}-{start_year + 1}-{kind}"


def proposed_terms(start_year: int) -> list[tuple[int, dt.date, dt.date]]:
    """The college's rule for the two 学期 of a 学年, as (kind, start, end): 第一学期 1 September to
    31 January, 第二学期 1 February to 31 August. Together they cover the 学年 without a gap, so every
    day falls in one term (the winter and summer breaks belong to the term before them)."""
    return [
        (1, dt.date(start_year, 9, 1), dt.date(start_year + 1, 1, 31)),
        (2, dt.date(start_year + 1, 2, 1), dt.date(start_year + 1, 8, 31)),
    ]


def parse_term_code(code: str) -> tuple[int, int]:
    """'2024-2025-1' → (2024, 1). Raises ValueError with a Chinese message on a malformed code."""
    parts = code.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"学期代码“{code}”格式应为 YYYY-YYYY-N，例如 2024-2025-1")
    first, second, kind = (int(p) for p in parts)
    if second != first + 1 or kind not in (1, 2):
        raise ValueError(f"学期代码“{code}”无效：两个年份应相连，学期为 1 或 2")
    return first, kind


def term_of(day: dt.date) -> tuple[int, int]:
    """(start_year, kind) of the term a date falls in. Autumn term: Sep–Jan; spring term: Feb–Aug."""
    year = academic_year_of(day)
    if day.month >= 9 or day.month == 1:
        return year.start_year, 1
    return year.start_year, 2


def census_date(start_year: int, census_day: str) -> dt.date:
    """The 时点 date of a 学年, e.g. census_day '09-30' gives 30 September of the start year."""
    try:
        month, day = (int(p) for p in census_day.split("-"))
        candidate = dt.date(start_year, month, day)
    except ValueError as exc:
        raise ValueError(f"时点日期“{census_day}”应为 MM-DD 格式") from exc
    # A census day in Jan–Aug belongs to the second calendar year of the 学年.
    return candidate if month >= 9 else dt.date(start_year + 1, month, day)


def natural_year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
