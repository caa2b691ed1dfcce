"""Reads about one entity, one run or some entity keys: current states, series and measurements with provenance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from zhengai.indicators.choices import OUTCOME_SEVERITY
from zhengai.monitoring import history
from zhengai.monitoring.models import IndicatorState
from zhengai.org import entities

if TYPE_CHECKING:
    from zhengai.monitoring.selectors import EntityScope


def entity_states(kind: str, key: str, scope: EntityScope) -> list[IndicatorState]:
    """The states of one entity's indicators that the user may see, worst outcome first."""
    states = IndicatorState.objects.filter(scope.q(), entity_kind=kind, entity_key=key).select_related(
        "indicator", "threshold"
    )
    return sorted(
        states,
        key=lambda s: (-OUTCOME_SEVERITY.get(s.outcome, 0), s.indicator.order, s.indicator.code),
    )


def entity_series(kind: str, key: str, codes: Iterable[str]) -> dict[str, list[tuple[str, float | None, str]]]:
    """Each indicator's (period, value, outcome) over time for one entity, for the sparklines."""
    codes = list(codes)
    if not codes:
        return {}
    table = history.history_read(indicators=codes, entities=[key], order="indicator, period_start")
    out: dict[str, list] = defaultdict(list)
    for rec in table.select(["indicator", "entity_kind", "period", "value", "outcome"]).to_pylist():
        if rec["entity_kind"] == kind:
            value = rec["value"]
            value = None if value is None or value != value else value
            out[rec["indicator"]].append((rec["period"], value, rec["outcome"]))
    return dict(out)


def entity_record(kind: str, key: str, scope) -> object | None:
    """The master-data record of an entity if the user's data scope includes it."""
    k = entities.KINDS.get(kind)
    if k is None or k.model is None or kind == "department":
        return None
    getter = {
        "major": scope.majors,
        "course": scope.courses,
        "class": scope.classes,
        "teacher": scope.teachers,
        "student": scope.students,
    }[kind]
    return entities.record(kind, key, getter(k.model.objects.all()))


def run_states(run) -> QuerySet[IndicatorState]:
    """The current states (latest judged period per indicator and entity) that a finished run judged.

    Those of the run's indicators and, for a real-time run, of its entities. A run over only some
    periods (a backfill, a real-time batch) judged only the states it wrote: an older period loaded
    later does not move the current state, so it never opens or recovers anything.
    """
    qs = IndicatorState.objects.select_related("indicator", "threshold")
    if run.backfill:  # older history loaded later: recorded, never acted upon
        return qs.none()
    if run.indicator_codes:
        qs = qs.filter(indicator__code__in=run.indicator_codes)
    if run.entities:
        qs = qs.filter(entity_key__in=sorted({k for values in run.entities.values() for k in values}))
    if run.periods or run.since:
        qs = qs.filter(run=run)
    return qs


def states_for(*, indicator_ids: Iterable[int], entity_keys: Iterable[str]) -> QuerySet[IndicatorState]:
    """The current states of some indicators for some entities."""
    return IndicatorState.objects.filter(
        indicator_id__in=sorted(set(indicator_ids)), entity_key__in=sorted(set(entity_keys))
    )


def measurement_rows(*, codes: Iterable[str], entity_kind: str, entity_keys: Iterable[str]) -> list[dict]:
    """The latest measurement per indicator, period and entity, with its provenance (run, batches, time).

    Each row: indicator, period, period_start, entity, value (None for 无数据), outcome, run_id, batches,
    evaluated_at. Ordered by indicator, period start, entity.
    """
    codes, keys = list(codes), list(entity_keys)
    if not codes or not keys:
        return []
    table = history.history_read(indicators=codes, entities=keys, order="indicator, period_start, entity")
    fields = ["indicator", "period", "period_start", "entity_kind", "entity", "value", "outcome", "run_id",
              "batches", "evaluated_at"]  # fmt: skip
    rows = []
    for rec in table.select(fields).to_pylist():
        if rec.pop("entity_kind") != entity_kind:
            continue
        value = rec["value"]
        rec["value"] = None if value is None or value != value else value
        rows.append(rec)
    return rows
