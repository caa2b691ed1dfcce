"""The lifecycle of a worklist item, written once for threshold alerts, rule alerts and student cases.

    out of range ──▶ opened (or the last closed one reopened), routed, deadline set
    待处理 ─确认─▶ 已确认 ─事实·原因·措施─▶ 整改中 ─整改完成─▶ 待验证 ─数据恢复 N 次 + 人工确认─▶ 已关闭
    any active state ─申请忽略 + 质控中心批准─▶ 已忽略          已关闭 ─数据再次异常─▶ 待处理（重新打开）
    the entity leaves (毕业, 退学, 离职, 停招 …) ──▶ 对象已不在册

An item keeps the period that triggered it; its current severity follows the data, its worst
severity stays.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from zhengai.alerts.choices import (
    ACTIVE_STATUSES,
    SEVERITY_RANK,
    TIER_RANK,
    AlertStatus,
    EventKind,
    ItemKind,
    Severity,
)
from zhengai.alerts.models import Alert, AlertEvent, AlertSettings, AlertValue
from zhengai.indicators.choices import Outcome
from zhengai.indicators.models import Indicator
from zhengai.lib import clock
from zhengai.org import entities

BAD = (Outcome.WARN.value, Outcome.FAILED.value)
RED = "红色"


def event_add(
    alert: Alert,
    kind: str,
    *,
    by=None,
    note: str = "",
    before: str = "",
    data: dict | None = None,
    attachment=None,
    shared: bool = False,
    at: dt.datetime | None = None,
) -> AlertEvent:
    """One line of the handling log; notifies whoever must hear of it."""
    event = AlertEvent(
        alert=alert,
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        from_status=before,
        to_status=alert.status if before else "",
        note=note,
        data=data or {},
        shared=shared,
        created_at=at or clock.now(),
    )
    if attachment is not None:
        event.attachment = attachment
    event.save()
    from zhengai.alerts.notifications import notify

    notify(alert=alert, event=event)
    return event


def severity_of(outcome: str) -> str:
    return Severity.FAILED if outcome == Outcome.FAILED else Severity.WARN


def worse(a: str, b: str) -> str:
    """The worse of two severities ('' = none)."""
    return a if SEVERITY_RANK.get(a, 0) >= SEVERITY_RANK.get(b, 0) else b


def worse_tier(a: str, b: str) -> str:
    return a if TIER_RANK.get(a, 0) >= TIER_RANK.get(b, 0) else b


def distance_of(value: float | None, threshold, outcome: str) -> float:
    """How far beyond the line it crossed (the standard line when 未达标, else the warning line), relative to
    that line; 0 when unknown. Capped so that one outlier does not rule the list."""
    if value is None or threshold is None:
        return 0.0
    line = (threshold.standard if outcome == "failed" else None) or threshold.warning or threshold.standard
    if line is None:
        return 0.0
    gap = abs(line.deviation(value))
    scale = max(abs(line.value), abs(line.high or 0.0))
    return min(gap / scale if scale > 1e-9 else gap, 9.99)


# How many people an item is about, roughly: a school- or major-level problem before one course or teacher,
# and those before one student (whose case is the adviser's work).
REACH = {"school": 5, "department": 5, "major": 4, "course": 3, "teacher": 3, "class": 3, "student": 1}


def priority_of(*, severity: str, tier: str, signals: int, distance: float, entity_kind: str = "student") -> int:
    """Worst first: a red tier above all, then severity, then reach (school, major … student), then tier,
    the number of signals and the distance beyond the line."""
    return (
        (100_000_000 if tier == RED else 0)
        + SEVERITY_RANK.get(severity, 0) * 10_000_000
        + REACH.get(entity_kind, 1) * 1_000_000
        + TIER_RANK.get(tier, 0) * 100_000
        + min(signals, 99) * 1_000
        + int(min(distance, 9.99) * 100)
    )


def signals_of(alert: Alert) -> int:
    """A case's open signals; for an alert, also the entity's other active alerts (a course failing on
    three indicators comes before one failing on one)."""
    if alert.kind == ItemKind.CASE:
        return alert.open_signals
    return max(alert.open_signals, alert.entity_items)


def reprioritise(alert: Alert) -> None:
    alert.priority = priority_of(
        severity=alert.severity,
        tier=alert.tier,
        signals=signals_of(alert),
        distance=alert.distance,
        entity_kind=alert.entity_kind,
    )


def entity_items_refresh(keys_by_kind: dict[str, Iterable[str]] | None = None) -> int:
    """Count each entity's active alerts (cases are one item per student already) and re-rank those whose
    count moved. Without keys: every entity with an active alert. Returns the alerts re-ranked."""
    active = Alert.objects.filter(kind=ItemKind.ALERT, status__in=ACTIVE_STATUSES)
    batches = (
        [active]
        if keys_by_kind is None
        else [
            active.filter(entity_kind=kind, entity_key__in=chunk)
            for kind, keys in keys_by_kind.items()
            for chunk in _chunks(sorted(set(keys)))
        ]
    )
    changed = []
    for qs in batches:
        rows = list(qs.only("id", "kind", "entity_kind", "entity_key", "severity", "tier", "open_signals",
                            "entity_items", "distance", "priority"))  # fmt: skip
        n = Counter((a.entity_kind, a.entity_key) for a in rows)
        for a in rows:
            count = min(n[(a.entity_kind, a.entity_key)], 999)
            if a.entity_items != count:
                a.entity_items = count
                reprioritise(a)
                changed.append(a)
    Alert.objects.bulk_update(changed, ["entity_items", "priority"], batch_size=2000)
    return len(changed)


def _chunks(values: list, size: int = 5000):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def base_days(severity: str, tier: str, settings: AlertSettings) -> int:
    if tier == RED:
        return settings.red_days
    return settings.failed_days if severity == Severity.FAILED else settings.warn_days


def deadline_for(severity: str, tier: str, settings: AlertSettings, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=base_days(severity, tier, settings))


def deadlines_spread(alerts: list[Alert], *, settings: AlertSettings, now: dt.datetime) -> None:
    """Deadlines for many items opened at once: by severity, and no more than the daily capacity of one
    person (or unit) due on one day, the worst items first. Sets `deadline` on each (unsaved)."""
    capacity = max(1, settings.daily_capacity)
    load: dict[tuple, dict[dt.date, int]] = {}
    for alert in sorted(alerts, key=lambda a: -a.priority):
        owner = (alert.owner_teacher_id, alert.owner_unit_id)
        due = deadline_for(alert.severity, alert.tier, settings, now)
        days = load.setdefault(owner, {})
        while days.get(due.date(), 0) >= capacity:
            due += dt.timedelta(days=1)
        days[due.date()] = days.get(due.date(), 0) + 1
        alert.deadline = due


def value_record(alert: Alert, period: str, value, outcome: str, tier: str, run_id, now) -> None:
    """Every value the item's indicator took since it opened (no repeat of an unchanged value)."""
    last = alert.values.order_by("-recorded_at", "-id").first()
    if last and (last.period, last.value, last.outcome, last.tier) == (period, value, outcome, tier):
        return
    AlertValue.objects.create(
        alert=alert, period=period, value=value, outcome=outcome, tier=tier, run_id=run_id, recorded_at=now
    )


def items_open_many(
    items: list[Alert], *, now: dt.datetime, refetch, notes: list[str], data: list[dict]
) -> list[Alert]:
    """Store many new items at once with one OPENED event each (`notes`, `data` in the same order), then
    notify in one batch. `refetch()` reads the items back on a backend that returns no keys from a bulk
    insert. Deadlines are spread first."""
    from zhengai.alerts.notifications import batched, notify

    deadlines_spread(items, settings=AlertSettings.current(), now=now)
    Alert.objects.bulk_create(items, batch_size=1000)
    if any(a.pk is None for a in items):
        items = refetch(items)
    events = AlertEvent.objects.bulk_create(
        [
            AlertEvent(alert=a, kind=EventKind.OPENED, note=note, created_at=now, data=d)
            for a, note, d in zip(items, notes, data, strict=True)
        ],
        batch_size=2000,
    )
    with batched():
        for item, event in zip(items, events, strict=True):
            notify(alert=item, event=event)
    return items


@transaction.atomic
def alert_raise(
    *,
    indicator: Indicator,
    entity_kind: str,
    entity_key: str,
    entity_name: str,
    org_unit: str,
    period: str,
    value: float | None,
    outcome: str,
    tier: str = "",
    run_id: int | None = None,
    rule=None,
    distance: float = 0.0,
    unverified: bool = False,
    now: dt.datetime | None = None,
) -> Alert:
    """Open an alert for an entity out of range, or update the active one; a relapse reopens the last one.

    The period is the one that triggered the alert and stays; the current severity follows the data.
    """
    now = now or clock.now()
    settings = AlertSettings.current()
    rule_key = f"rule:{rule.pk}" if rule is not None else ""
    base = Alert.objects.select_for_update().filter(indicator=indicator, entity_key=entity_key, rule_key=rule_key)
    alert = base.filter(status__in=ACTIVE_STATUSES).first()
    severity = severity_of(outcome)
    if alert is not None:
        changed = alert.severity != severity or alert.tier != tier
        alert.severity, alert.tier, alert.distance = severity, tier, distance
        alert.worst_severity, alert.worst_tier = (
            worse(alert.worst_severity, severity),
            worse_tier(alert.worst_tier, tier),
        )
        alert.last_value, alert.last_outcome, alert.recovered_evaluations = value, outcome, 0
        reprioritise(alert)
        alert.save()
        value_record(alert, period, value, outcome, tier, run_id, now)
        if changed:
            event_add(
                alert,
                EventKind.VALUE,
                note=f"{period} 结果变为{Outcome(outcome).label}{('（' + tier + '）') if tier else ''}",
                data={"value": value, "period": period},
                at=now,
            )
        return alert
    last_closed = base.filter(status=AlertStatus.CLOSED).order_by("-closed_at", "-id").first()
    if last_closed is not None:
        before = last_closed.status
        a = last_closed
        a.status, a.severity, a.tier, a.distance = AlertStatus.OPEN, severity, tier, distance
        a.worst_severity, a.worst_tier = worse(a.worst_severity, severity), worse_tier(a.worst_tier, tier)
        a.period, a.last_value, a.last_outcome, a.opened_value = period, value, outcome, value
        a.recovered_evaluations, a.reopened_count = 0, a.reopened_count + 1
        a.closed_at, a.done_at, a.escalation_level = None, None, 0
        a.deadline = deadline_for(severity, tier, settings, now)
        reprioritise(a)
        a.save()
        value_record(a, period, value, outcome, tier, run_id, now)
        event_add(
            a,
            EventKind.REOPENED,
            before=before,
            note=f"关闭后 {period} 数据再次异常，重新打开",
            data={"value": value, "period": period},
            at=now,
        )
        return a
    r = entities.route(
        entity_kind=entity_kind, entity_key=entity_key, entity_unit_code=org_unit, indicator_owner=indicator.owner
    )
    alert = Alert(
        indicator=indicator,
        rule=rule,
        rule_key=rule_key,
        entity_kind=entity_kind,
        entity_key=entity_key,
        entity_name=entity_name,
        org_unit_code=org_unit or (r.unit.code if r.unit else ""),
        status=AlertStatus.OPEN,
        severity=severity,
        tier=tier,
        worst_severity=severity,
        worst_tier=tier,
        period=period,
        opened_value=value,
        last_value=value,
        last_outcome=outcome,
        distance=distance,
        unverified=unverified,
        owner_unit=r.unit,
        informed_unit=r.informed,
        owner_teacher=r.teacher,
        route_note=r.note,
        deadline=deadline_for(severity, tier, settings, now),
        opened_at=now,
    )
    reprioritise(alert)
    alert.save()
    value_record(alert, period, value, outcome, tier, run_id, now)
    event_add(alert, EventKind.OPENED, note=r.note, data={"value": value, "period": period, "outcome": outcome}, at=now)
    return alert


@transaction.atomic
def alert_count_recovery(
    *, alert: Alert, period: str, value, outcome: str, tier: str = "", run_id=None, now: dt.datetime, note: str = ""
) -> Alert:
    """One evaluation back in range: counted towards closing; the first one is logged."""
    alert.recovered_evaluations += 1
    alert.last_value, alert.last_outcome = value, outcome
    alert.save(update_fields=["recovered_evaluations", "last_value", "last_outcome", "updated_at"])
    value_record(alert, period, value, outcome, tier, run_id, now)
    if alert.recovered_evaluations == 1:
        shown = "—" if value is None else f"{value:.4g}"
        event_add(alert, EventKind.RECOVERED, note=note or f"{period} 监测值 {shown}，已回到正常范围", at=now)
    return alert


@transaction.atomic
def alert_lapse(*, alert: Alert, why: str, now: dt.datetime) -> Alert:
    """The entity is no longer a current member (graduated, left, retired, no longer enrolling): the item
    ends by itself and stays in the entity's history."""
    before = alert.status
    alert.status, alert.closed_at = AlertStatus.LAPSED, now
    alert.save(update_fields=["status", "closed_at", "updated_at"])
    event_add(alert, EventKind.LAPSED, before=before, note=f"对象已{why}，不再需要处理", at=now)
    return alert
