"""The data center's line of `zhengai status`."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from zhengai.datacenter.choices import FreshnessState
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.selectors.feeds import current_row_counts, feeds
from zhengai.lib import clock


def status_line() -> str:
    """`<S> sources, <F> feeds (…), <rows> rows in <T> standard tables, last import …`."""
    now = clock.now()
    all_feeds = feeds(now=now)
    states = Counter(f.freshness.state for f in all_feeds)
    counts = current_row_counts()
    last = ImportRun.objects.exclude(finished_at=None).order_by("-finished_at").first()
    when = timezone.localtime(last.finished_at).strftime("%Y-%m-%d %H:%M") if last else "从未导入"
    parts = ", ".join(
        f"{label} {states.get(state, 0)}"
        for state, label in (
            (FreshnessState.FRESH, "fresh"),
            (FreshnessState.STALE, "stale"),
            (FreshnessState.FAILING, "failing"),
            (FreshnessState.NONE, "no data"),
        )
    )
    return (
        f"sources {SourceSystem.objects.count()}, feeds {len(all_feeds)} ({parts}), "
        f"rows {sum(counts.values()):,} in {sum(1 for v in counts.values() if v)} standard tables, last import {when}"
    )
