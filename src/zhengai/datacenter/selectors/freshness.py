"""Freshness: how current a standard table is, from its last good batch and its source's update period.

`freshness_of` decides (pure: last good batch, period, latest run, "now" → state); the others read
the runs. A good batch is a committed or unchanged run that was not a dry run: either way the data
center was confirmed to hold what the source had at that moment.

What a page shows as "数据截至" is the data's own as-of date (selectors.as_of: the newest record's
date, or the census day of the latest year of a 时点 table), never the import time; the import
time is shown beside it as 导入时间. The state (green / orange / red) stays a verdict on delivery:
did the source deliver within its update period, did the latest batch land.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from zhengai.datacenter.choices import FRESHNESS_COLOURS, FreshnessState, RunStatus
from zhengai.datacenter.models import ImportRun, SourceMapping
from zhengai.datacenter.selectors.as_of import DataAsOf, data_as_of
from zhengai.datacenter.standard import TABLES_BY_NAME

GOOD_STATUSES = (RunStatus.COMMITTED, RunStatus.UNCHANGED)
# A held roster batch means the data center did not take the latest data either: it needs a person.
FAILING_STATUSES = (RunStatus.REJECTED, RunStatus.FAILED, RunStatus.HELD)
DEFAULT_PERIOD_DAYS = 30


_SEVERITY = {FreshnessState.FRESH: 0, FreshnessState.FAILING: 1, FreshnessState.STALE: 2, FreshnessState.NONE: 3}


@dataclass(frozen=True)
class Freshness:
    """How current some data is: its last good batch, that batch's age and the expected period."""

    state: FreshnessState
    as_of: dt.datetime | None  # when the last good batch finished (the import time)
    age_days: int | None  # age of that import
    period_days: int | None
    run_id: int | None = None
    note: str = ""  # why the state is what it is, for a tooltip
    data: DataAsOf | None = None  # how far the data itself reaches
    source_name: str = ""  # the source system that delivered the last good batch

    @property
    def colour(self) -> str:
        return FRESHNESS_COLOURS[self.state]

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def healthy(self) -> bool:
        return self.state == FreshnessState.FRESH

    @property
    def age_text(self) -> str:
        if self.age_days is None:
            return ""
        return "今天" if self.age_days == 0 else f"{self.age_days} 天前"

    @property
    def data_text(self) -> str:
        return self.data.text if self.data is not None else ""

    @property
    def imported_text(self) -> str:
        """导入时间: when the last good batch landed."""
        return f"{timezone.localtime(self.as_of):%Y-%m-%d %H:%M}" if self.as_of is not None else ""

    @property
    def short_label(self) -> str:
        if self.as_of is None:
            return "暂无数据"
        return f"截至 {self.data_text}" if self.data_text else self.age_text

    @property
    def label(self) -> str:
        if self.as_of is None:
            return "暂无数据"
        if self.data_text:
            return f"数据截至 {self.data_text}"
        return f"导入时间 {self.imported_text}（{self.age_text}）"  # the data does not say how far it reaches

    @property
    def title(self) -> str:
        parts = [self.state.label]
        if self.data_text:
            parts.append(f"数据截至 {self.data_text}")
        if self.as_of is not None:
            parts.append(f"导入时间 {self.imported_text}")
        if self.source_name:
            parts.append(f"来源 {self.source_name}")
        if self.period_days:
            parts.append(f"应每 {self.period_days} 天更新")
        if self.run_id:
            parts.append(f"最近成功批次 #{self.run_id}")
        if self.note:
            parts.append(self.note)
        return "；".join(parts)


def freshness_of(
    *,
    last_good_at: dt.datetime | None,
    period_days: int | None,
    now: dt.datetime,
    last_run_status: str | None = None,
    run_id: int | None = None,
    note: str = "",
    data: DataAsOf | None = None,
    source_name: str = "",
) -> Freshness:
    """Pure: stale when the last good batch is older than the period, failing when the latest run failed.

    `data` (how far the data reaches) is carried for display; it does not decide the state, since
    a source may rightly deliver old records (a yearly survey, sampled weeks) on time.
    """
    if last_good_at is None:
        return Freshness(FreshnessState.NONE, None, None, period_days, None, note or "还没有成功入库的批次")
    age = (timezone.localdate(now) - timezone.localtime(last_good_at).date()).days
    age = max(age, 0)
    if period_days and age > period_days:
        state = FreshnessState.STALE
    elif last_run_status in FAILING_STATUSES:
        state = FreshnessState.FAILING
        note = note or f"最近一次批次{RunStatus(last_run_status).label}"
    else:
        state = FreshnessState.FRESH
    return Freshness(state, last_good_at, age, period_days, run_id, note, data, source_name)


def worst(items: Iterable[Freshness]) -> Freshness:
    """Pure: a figure drawn from several tables is as current as the stalest of them."""
    items = list(items)
    if not items:
        return Freshness(FreshnessState.NONE, None, None, None, note="没有对应的标准数据表")
    return max(items, key=lambda f: (_SEVERITY[f.state], f.age_days if f.age_days is not None else 10**6))


def latest_runs(**filters) -> tuple[ImportRun | None, ImportRun | None]:
    """(last good run, last finished run) among real (not dry) runs matching the filters."""
    real = ImportRun.objects.filter(dry_run=False, finished_at__isnull=False, **filters).select_related("source")
    good = real.filter(status__in=GOOD_STATUSES).order_by("-finished_at", "-id").first()
    last = real.filter(status__in=RunStatus.finished()).order_by("-finished_at", "-id").first()
    return good, last


def table_freshness(table: str, *, now: dt.datetime | None = None) -> Freshness:
    """Freshness of one standard table, whichever source delivered it."""
    now = now or timezone.now()
    good, last = latest_runs(table=table)
    if good is not None:
        period = good.source.expected_every_days
    else:
        periods = SourceMapping.objects.filter(table=table).values_list("source__expected_every_days", flat=True)
        period = min(periods, default=DEFAULT_PERIOD_DAYS)
    label = TABLES_BY_NAME[table].label if table in TABLES_BY_NAME else table
    return freshness_of(
        last_good_at=good.finished_at if good else None,
        period_days=period,
        now=now,
        last_run_status=last.status if last else None,
        run_id=good.pk if good else None,
        note="" if good else f"“{label}”表还没有成功入库的批次",
        data=data_as_of(table) if good else None,
        source_name=good.source.name if good else "",
    )


def freshness_for_tables(tables: list[str], *, now: dt.datetime | None = None) -> Freshness:
    """Freshness of a figure computed from these standard tables: that of the stalest one.

    The note names the table that decides it, so a tooltip can say which source to chase.
    """
    now = now or timezone.now()
    by_table = {t: table_freshness(t, now=now) for t in dict.fromkeys(tables)}
    result = worst(by_table.values())
    if len(by_table) > 1 and result.as_of is not None:
        stalest = next(t for t, f in by_table.items() if f is result)
        label = TABLES_BY_NAME[stalest].label if stalest in TABLES_BY_NAME else stalest
        note = f"取决于“{label}”表" + (f"；{result.note}" if result.note else "")
        result = dataclasses.replace(result, note=note)
    return result
