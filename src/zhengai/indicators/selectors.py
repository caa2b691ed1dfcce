"""Reads of the catalogue: effective declarations and the threshold that applies to a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from zhengai.indicators.declarations import Indicator as Declaration
from zhengai.indicators.models import Indicator, Threshold


def catalogue(
    *, codes: Iterable[str] | None = None, enabled_only: bool = True
) -> dict[str, tuple[Indicator, Declaration]]:
    """Indicator rows with their effective declarations, by code, in catalogue order."""
    qs = Indicator.objects.all()
    if enabled_only:
        qs = qs.filter(enabled=True)
    if codes:
        qs = qs.filter(code__in=list(codes))
    return {row.code: (row, row.declaration()) for row in qs}


@dataclass(frozen=True)
class ThresholdBook:
    """All threshold rows of some indicators, to pick the one in force for a group on a date."""

    rows: dict[int, list[Threshold]]

    @classmethod
    def load(cls, indicator_ids: Iterable[int]) -> ThresholdBook:
        rows: dict[int, list[Threshold]] = {}
        for t in Threshold.objects.filter(indicator_id__in=list(indicator_ids)).order_by("effective_from", "id"):
            rows.setdefault(t.indicator_id, []).append(t)
        return cls(rows)

    def pick(self, indicator_id: int, group: str, on: dt.date) -> Threshold | None:
        return threshold_in_force(self.rows.get(indicator_id, []), group, on)


def threshold_in_force(rows: list[Threshold], group: str, on: dt.date) -> Threshold | None:
    """The row for `group` (else the default row) with the latest effective date on or before `on`.

    On the same date a college's own setting beats the shipped one, and a later entry beats an earlier one.
    """

    def best(candidates: list[Threshold]) -> Threshold | None:
        live = [t for t in candidates if t.effective_from <= on]
        if not live:
            return None
        return max(live, key=lambda t: (t.effective_from, t.origin == "edited", t.created_at, t.pk or 0))

    return best([t for t in rows if group and t.group == group]) or best([t for t in rows if not t.group])
