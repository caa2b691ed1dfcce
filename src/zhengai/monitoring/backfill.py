"""补录历史: older periods loaded later, evaluated without touching the worklist.

When a college brings in the history of years before the platform (or before a source system was
connected), their measurements and outcomes belong in the history, but nothing in them is news: an
alert about 2021 opened in 2026 is noise. A backfill run is marked `backfill`; its measurements are
recorded as any run's, the current state follows the usual rule (it moves only where no later period
is judged), and the worklist does not act on it (`selectors.run_states` gives it no states, and the
alerts app skips it), so it never opens, updates or recovers an alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from zhengai.indicators.choices import Outcome, PeriodKind
from zhengai.indicators.periods import Period, periods_between
from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of
from zhengai.monitoring import history
from zhengai.monitoring.models import EvaluationRun
from zhengai.monitoring.services import (
    EvaluationRefused,
    evaluation_run_create,
    evaluation_run_execute,
    school_calendar,
)
from zhengai.org import selectors as org_selectors

OUTCOME_WORDS = dict(Outcome.choices)


def _calendar_periods() -> list[Period]:
    terms, first, last = school_calendar()
    census = org_selectors.census_days()
    return [p for kind in PeriodKind.values for p in periods_between(kind, first, last, terms=terms, census=census)]


def backfill_periods(codes: Iterable[str], *, today: dt.date | None = None) -> list[str]:
    """The period codes a backfill of `codes` computes, oldest first.

    A 学年 code stands for every period within that 学年 (its terms, the year, its 时点 and months).
    Every period must be in the calendar and have ended before the current 学年 began; otherwise
    EvaluationRefused says which and why.
    """
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        raise EvaluationRefused("补录历史需要指明周期，如 2021-2022（学年代码代表该学年内的全部周期）")
    everything = _calendar_periods()
    by_code = {p.code: p for p in everything}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise EvaluationRefused(
            f"周期不在校历中：{'、'.join(unknown)}。请先在“系统设置 › 校历”中添加这些学年，或检查周期代码的写法"
        )
    current = academic_year_of(today or clock.today())
    recent = [c for c in codes if by_code[c].end >= current.start]
    if recent:
        raise EvaluationRefused(
            f"补录只用于当前学年（{current.label}）开始前已结束的周期，{'、'.join(recent)} 不是；"
            "当前的周期请用普通计算（不加 --backfill）"
        )
    wanted: set[str] = set()
    for code in codes:
        period = by_code[code]
        if period.kind == PeriodKind.ACADEMIC_YEAR:
            wanted |= {p.code for p in everything if p.start >= period.start and p.end <= period.end}
        else:
            wanted.add(code)
    return sorted(wanted, key=lambda c: (by_code[c].start, by_code[c].end, c))


def backfill_run(
    *, periods: Iterable[str], indicator_codes: Iterable[str] = (), engine: str = "duckdb", by=None, progress=None
) -> EvaluationRun:
    """Evaluate older periods as a backfill in this process (the `zhengai evaluate --backfill` command)."""
    codes = list(periods)
    run = evaluation_run_create(
        indicator_codes=indicator_codes,
        periods=backfill_periods(codes),
        engine=engine,
        by=by,
        backfill=True,
        reason=f"补录历史：{'、'.join(codes)}",
    )
    return evaluation_run_execute(run=run, progress=progress)


def backfill_report(run: EvaluationRun) -> list[str]:
    """What a finished backfill recorded, in lines a person reads: per period, the measurements by outcome."""
    lines = []
    for period, kind, counts in history.run_summary(run.pk):
        label = PeriodKind(kind).label if kind in PeriodKind.values else kind
        parts = "，".join(f"{OUTCOME_WORDS.get(o, o)} {n:,}" for o, n in counts.items())
        lines.append(f"  {period}（{label}）：写入历史 {sum(counts.values()):,} 个监测值（{parts}）")
    if not lines:
        lines.append("  没有新的或改变了的监测值（这些周期的历史已是最新）")
    return lines
