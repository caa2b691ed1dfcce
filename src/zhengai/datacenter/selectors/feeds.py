"""Feeds: each source delivering each standard table (one mapping), with freshness and rejected rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.selectors.as_of import data_as_of
from zhengai.datacenter.selectors.freshness import (
    FAILING_STATUSES,
    Freshness,
    FreshnessState,
    freshness_of,
    latest_runs,
    worst,
)
from zhengai.datacenter.standard import TABLES_BY_NAME, StandardTable

RECENT_RUNS = 10  # the rejected-row rate is taken over this many latest runs


@dataclass
class Feed:
    """One source delivering one standard table (one mapping), with its state."""

    source: SourceSystem
    mapping: SourceMapping
    table: StandardTable
    freshness: Freshness
    last_good: ImportRun | None
    last_run: ImportRun | None
    recent: list[ImportRun]  # the latest real runs, newest first
    current_rows: int | None  # rows in the table's current version

    @property
    def failing(self) -> bool:
        return self.last_run is not None and self.last_run.status in FAILING_STATUSES

    @property
    def healthy(self) -> bool:
        """Green on the quality page: a good batch within the period and the latest run not failed."""
        return self.freshness.state == FreshnessState.FRESH

    @property
    def problem(self) -> str:
        f = self.freshness
        if f.state == FreshnessState.NONE:
            return "从未成功入库"
        if f.state == FreshnessState.STALE:
            return f"已 {f.age_days} 天未更新（应每 {f.period_days} 天）"
        if self.failing:
            return f"最近一次批次{self.last_run.get_status_display()}"
        return ""

    @property
    def rows_total(self) -> int:
        return sum(r.rows_total for r in self.recent)

    @property
    def rows_invalid(self) -> int:
        return sum(r.rows_invalid for r in self.recent)

    @property
    def rejected_rate(self) -> float | None:
        """Invalid rows over all rows of the recent runs (None when they delivered no rows)."""
        total = self.rows_total
        return self.rows_invalid / total if total else None


def _feed(mapping: SourceMapping, *, now: dt.datetime, versions: dict[str, int], recent_n: int) -> Feed:
    source = mapping.source
    good, last = latest_runs(source=source, table=mapping.table)
    recent = list(
        ImportRun.objects.filter(
            source=source, table=mapping.table, dry_run=False, status__in=RunStatus.finished()
        ).order_by("-finished_at", "-id")[:recent_n]
    )
    freshness = freshness_of(
        last_good_at=good.finished_at if good else None,
        period_days=source.expected_every_days,
        now=now,
        last_run_status=last.status if last else None,
        run_id=good.pk if good else None,
        data=data_as_of(mapping.table) if good else None,
        source_name=source.name,
    )
    return Feed(
        source=source,
        mapping=mapping,
        table=TABLES_BY_NAME[mapping.table],
        freshness=freshness,
        last_good=good,
        last_run=last,
        recent=recent,
        current_rows=versions.get(mapping.table),
    )


def current_row_counts() -> dict[str, int]:
    """Rows in the current version of every table that has one."""
    counts: dict[str, int] = {}
    for table, row_count in DatasetVersion.objects.order_by("table", "-version").values_list("table", "row_count"):
        counts.setdefault(table, row_count)
    return counts


def feeds(
    *, source: SourceSystem | None = None, now: dt.datetime | None = None, recent_n: int = RECENT_RUNS
) -> list[Feed]:
    """Every mapping (source → standard table) with its freshness, latest runs and rejected-row rate."""
    now = now or timezone.now()
    versions = current_row_counts()
    mappings = SourceMapping.objects.select_related("source", "source__owner_unit").order_by(
        "source__code", "order", "table"
    )
    if source is not None:
        mappings = mappings.filter(source=source)
    return [_feed(m, now=now, versions=versions, recent_n=recent_n) for m in mappings if m.table in TABLES_BY_NAME]


@dataclass
class SourceRow:
    source: SourceSystem
    feeds: list[Feed] = field(default_factory=list)

    @property
    def freshness(self) -> Freshness:
        if not self.feeds:
            return Freshness(FreshnessState.NONE, None, None, self.source.expected_every_days, note="尚未配置字段映射")
        return worst(f.freshness for f in self.feeds)

    @property
    def last_good(self) -> ImportRun | None:
        runs = [f.last_good for f in self.feeds if f.last_good is not None]
        return max(runs, key=lambda r: r.finished_at, default=None)

    @property
    def healthy(self) -> bool:
        return bool(self.feeds) and all(f.healthy for f in self.feeds)

    @property
    def problems(self) -> list[str]:
        return [f"{f.table.label}：{f.problem}" for f in self.feeds if f.problem]


def sources_overview(*, now: dt.datetime | None = None) -> list[SourceRow]:
    rows = {s.pk: SourceRow(s) for s in SourceSystem.objects.select_related("owner_unit").order_by("code")}
    for feed in feeds(now=now):
        rows[feed.source.pk].feeds.append(feed)
    return list(rows.values())
