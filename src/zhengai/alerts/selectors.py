"""Reads of the alert pages, always within what the user may see.

Who sees which alerts:

| user                         | alerts                                                              |
| ---------------------------- | ------------------------------------------------------------------- |
| superuser, college-wide role | every alert                                                         |
| department head              | his units' alerts (accountable, informed, or the entity's department) |
| teacher, leaders             | those where he is the accountable person, or the assignee          |
| student                      | only those about himself, read-only                                 |
| no role                      | none                                                                |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from zhengai.accounts.choices import COLLEGE_WIDE_ROLES, Role
from zhengai.alerts import privacy
from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, Severity, Tier
from zhengai.alerts.models import Alert, AlertSettings, AlertSignal, Notification
from zhengai.indicators.choices import OUTCOME_COLORS, EntityKind
from zhengai.indicators.declarations import LEVELS, SYSTEMS
from zhengai.indicators.selectors import threshold_in_force
from zhengai.lib import clock
from zhengai.monitoring import history
from zhengai.monitoring.models import IndicatorState
from zhengai.monitoring.templatetags.monitoring_ui import scale
from zhengai.org import entities
from zhengai.org.models import OrgUnit

TIER_COLOURS = {Tier.BLUE: "blue", Tier.YELLOW: "yellow", Tier.ORANGE: "orange", Tier.RED: "red"}
ACTIVE = [s.value for s in ACTIVE_STATUSES]
NO_TIER = "none"  # the tier filter's value for items with no tier

# ------------------------------------------------------------------------------------------ scope


def sees_everything(user) -> bool:
    return bool(user.is_superuser or user.role in COLLEGE_WIDE_ROLES)


def _unit_codes(unit_ids: Iterable[int]) -> list[str]:
    return list(OrgUnit.objects.filter(id__in=list(unit_ids)).values_list("code", flat=True))


def _units_q(unit_ids: Iterable[int]) -> Q:
    ids = sorted(unit_ids)
    return Q(owner_unit_id__in=ids) | Q(informed_unit_id__in=ids) | Q(org_unit_code__in=_unit_codes(ids))


def visible_alerts(user, scope) -> QuerySet[Alert]:
    """Every alert the user may open (`scope` is the user's data scope, `request.scope`), less what only
    the audience of a sensitive category may see (`privacy`)."""
    if not getattr(user, "is_authenticated", False):
        return Alert.objects.none()
    return privacy.filter_visible(_visible_alerts(user, scope), user)


def _visible_alerts(user, scope) -> QuerySet[Alert]:
    alerts = Alert.objects.all()
    if not getattr(user, "is_authenticated", False):
        return alerts.none()
    if sees_everything(user):
        return alerts
    if user.role == Role.STUDENT:
        student = user.student if user.student_id else None
        if student is None:
            return alerts.none()
        return alerts.filter(entity_kind=EntityKind.STUDENT, entity_key=student.student_no)
    if user.role == Role.NONE:
        return alerts.none()
    q = Q(assignee_id=user.pk)
    if user.teacher_id:
        q |= Q(owner_teacher_id=user.teacher_id)
    if user.role == Role.DEPARTMENT_HEAD and scope.unit_ids:
        q |= _units_q(scope.unit_ids)
    return alerts.filter(q)


def unit_and_descendants(unit: OrgUnit) -> set[int]:
    ids, frontier = {unit.pk}, {unit.pk}
    while frontier:
        frontier = set(OrgUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return ids


def unit_alerts(unit: OrgUnit) -> QuerySet[Alert]:
    """A unit's alerts (and its sub-units'): accountable, informed, or about an entity of the unit."""
    return Alert.objects.filter(_units_q(unit_and_descendants(unit)))


def can_read_unit(user, scope, unit: OrgUnit) -> bool:
    return sees_everything(user) or (user.role == Role.DEPARTMENT_HEAD and unit.pk in scope.unit_ids)


def is_quality_office(user) -> bool:
    return bool(user.is_superuser or user.role == Role.QUALITY_OFFICE)


# ------------------------------------------------------------------------------------------ the list

SORTS = {
    "priority": "最要紧在前",
    "-opened_at": "最新发出",
    "opened_at": "最早发出",
    "deadline": "处理时限最近",
    "-deadline": "处理时限最远",
    "severity": "最严重在前",
    "status": "按状态",
    "indicator": "按指标",
    "entity": "按对象",
}


def _severity_rank():
    return Case(
        When(severity=Severity.FAILED, tier=Tier.RED, then=Value(0)),
        When(severity=Severity.FAILED, then=Value(1)),
        When(tier=Tier.RED, then=Value(1)),
        When(tier=Tier.ORANGE, then=Value(2)),
        When(tier=Tier.YELLOW, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


def _status_rank():
    order = [s.value for s in AlertStatus]
    return Case(*(When(status=s, then=Value(n)) for n, s in enumerate(order)), output_field=IntegerField())


def filter_alerts(alerts: QuerySet[Alert], filters: dict, *, now: dt.datetime | None = None) -> QuerySet[Alert]:
    """The list's filters (already cleaned by the filter form) and its order."""
    now = now or clock.now()
    status = filters.get("status") or ""
    if status == "active":
        alerts = alerts.filter(status__in=ACTIVE)
    elif status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    if filters.get("item"):
        alerts = alerts.filter(kind=filters["item"])
    if filters.get("recovered") == "yes":
        alerts = alerts.filter(Q(kind="alert", recovered_evaluations__gt=0) | Q(kind="case", open_signals=0))
    elif filters.get("recovered") == "no":
        alerts = alerts.filter(Q(kind="alert", recovered_evaluations=0) | Q(kind="case", open_signals__gt=0))
    if filters.get("klass"):
        students = entities.members("student", on=now.date()).filter(school_class__code=filters["klass"])
        alerts = alerts.filter(
            Q(entity_kind="class", entity_key=filters["klass"])
            | Q(entity_kind="student", entity_key__in=students.values_list("student_no", flat=True))
        )
    if filters.get("major"):
        students = entities.members("student", on=now.date()).filter(major__code=filters["major"])
        alerts = alerts.filter(
            Q(entity_kind="major", entity_key=filters["major"])
            | Q(entity_kind="student", entity_key__in=students.values_list("student_no", flat=True))
        )
    if filters.get("unverified"):
        alerts = alerts.filter(unverified=True)
    if filters.get("tier"):
        alerts = alerts.filter(tier="" if filters["tier"] == NO_TIER else filters["tier"])
    if filters.get("rule"):
        alerts = alerts.filter(rule_key=filters["rule"])
    for name, column in (
        ("severity", "severity"),
        ("level", "indicator__level"),
        ("system", "indicator__system"),
        ("kind", "entity_kind"),
    ):
        if filters.get(name):
            alerts = alerts.filter(**{column: filters[name]})
    if filters.get("indicator"):
        code = filters["indicator"]
        alerts = alerts.filter(Q(indicator__code=code) | Q(signals__indicator__code=code)).distinct()
    if filters.get("unit"):
        alerts = alerts.filter(Q(owner_unit__code=filters["unit"]) | Q(org_unit_code=filters["unit"]))
    if filters.get("overdue"):
        alerts = alerts.filter(status__in=ACTIVE, deadline__lt=now)
    if filters.get("mine_only") and filters.get("user") is not None:
        user = filters["user"]
        mine = Q(assignee_id=user.pk)
        if user.teacher_id:
            mine |= Q(owner_teacher_id=user.teacher_id)
        alerts = alerts.filter(mine)
    q = (filters.get("q") or "").strip()
    if q:
        alerts = alerts.filter(
            Q(entity_name__icontains=q) | Q(entity_key__icontains=q) | Q(indicator__name__icontains=q)
        )
    sort = filters.get("sort") or "priority"
    if sort == "priority":
        alerts = worst_first(alerts, now=now)
    elif sort == "severity":
        alerts = alerts.order_by(_severity_rank(), "deadline", "-id")
    elif sort == "status":
        alerts = alerts.order_by(_status_rank(), "deadline", "-id")
    elif sort == "indicator":
        alerts = alerts.order_by("indicator__order", "indicator__code", "entity_key", "-id")
    elif sort == "entity":
        alerts = alerts.order_by("entity_kind", "entity_name", "entity_key", "-id")
    elif sort in SORTS:
        alerts = alerts.order_by(sort, "-id")
    return alerts.select_related("indicator", "owner_unit", "owner_teacher", "assignee")


def worst_first(alerts: QuerySet[Alert], *, now: dt.datetime) -> QuerySet[Alert]:
    """The default order of every list: open items before ended ones, then severity, tier, number of
    signals and distance from the line (`priority`), overdue before the rest, the nearest deadline first."""
    active = Case(When(status__in=ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    overdue = Case(When(deadline__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField())
    return alerts.order_by(active, "-priority", overdue, "deadline", "id")


def indicator_choices(alerts: QuerySet[Alert]) -> list[tuple[str, str]]:
    """The indicators that have alerts in the user's scope."""
    rows = set(
        alerts.order_by().exclude(indicator=None).values_list("indicator__code", "indicator__name", "indicator__order")
    )
    rows |= set(
        AlertSignal.objects.filter(alert__in=alerts.order_by().filter(kind="case").values("pk"))
        .values_list("indicator__code", "indicator__name", "indicator__order")
        .distinct()
    )
    return [(code, f"{name}") for code, name, _o in sorted(rows, key=lambda r: (r[2], r[0]))]


def unit_choices(alerts: QuerySet[Alert]) -> list[tuple[str, str]]:
    rows = alerts.order_by().exclude(owner_unit=None).values_list("owner_unit__code", "owner_unit__name").distinct()
    return sorted(set(rows), key=lambda r: r[0])


def tier_choices(alerts: QuerySet[Alert]) -> list[tuple[str, str]]:
    present = set(alerts.order_by().exclude(tier="").values_list("tier", flat=True).distinct())
    known = [(t.value, f"学业预警·{t.label}") for t in reversed(Tier) if t.value in present]
    # Other vocabularies (处分, 体测, 心理 …) are named with their indicator, never mixed with the colours.
    other = present - set(Tier.values)
    named: dict[str, set[str]] = {}
    for tier, name in alerts.order_by().filter(tier__in=other).values_list("tier", "indicator__name").distinct():
        named.setdefault(tier, set()).add(name or "学生预警")
    untiered = [(NO_TIER, "未分级")] if alerts.order_by().filter(tier="").exists() else []
    return known + sorted((t, f"{'、'.join(sorted(names))}·{t}") for t, names in named.items()) + untiered


# ------------------------------------------------------------------------------------------ overview


@dataclass
class UnitRow:
    unit: OrgUnit | None
    active: int = 0
    overdue: int = 0
    closed_30: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    close_seconds: list[float] = field(default_factory=list)

    @property
    def mean_ack(self) -> float | None:
        return sum(self.ack_seconds) / len(self.ack_seconds) if self.ack_seconds else None

    @property
    def mean_close(self) -> float | None:
        return sum(self.close_seconds) / len(self.close_seconds) if self.close_seconds else None


@dataclass
class Overview:
    heatmap: dict
    units: list[UnitRow]
    total: UnitRow
    by_severity: list[tuple[str, str, str, int]]  # (value, label, badge, count)
    by_tier: list[tuple[str, str, int]]  # (tier, colour, count)
    by_status: list[tuple[str, str, str, int]]


def overview(alerts: QuerySet[Alert], *, now: dt.datetime | None = None) -> Overview:
    now = now or clock.now()
    active = alerts.filter(status__in=ACTIVE)
    cells = {
        (r["indicator__system"], r["indicator__level"]): r["n"]
        for r in active.order_by().values("indicator__system", "indicator__level").annotate(n=Count("id"))
    }
    systems, levels = list(SYSTEMS), list(LEVELS)
    heatmap = {
        "systems": [SYSTEMS[s] for s in systems],
        "system_codes": systems,
        "levels": [LEVELS[v] for v in levels],
        "level_codes": levels,
        # [level index, system index, count]: ECharts' heatmap reads x, y, value.
        "cells": [[x, y, cells.get((s, v), 0)] for y, s in enumerate(systems) for x, v in enumerate(levels)],
        "max": max(cells.values(), default=0),
    }

    units: dict[int | None, UnitRow] = {}
    total = UnitRow(unit=None)
    since = now - dt.timedelta(days=30)
    rows = alerts.order_by().values_list(
        "owner_unit_id", "status", "deadline", "opened_at", "acknowledged_at", "closed_at"
    )
    for unit_id, status, deadline, opened, acknowledged, closed in rows.iterator(chunk_size=2000):
        row = units.setdefault(unit_id, UnitRow(unit=None))
        for target in (row, total):
            if status in ACTIVE:
                target.active += 1
                if deadline and deadline < now:
                    target.overdue += 1
            if status == AlertStatus.CLOSED and closed and closed >= since:
                target.closed_30 += 1
            if acknowledged and opened:
                target.ack_seconds.append((acknowledged - opened).total_seconds())
            if status == AlertStatus.CLOSED and closed and opened:
                target.close_seconds.append((closed - opened).total_seconds())
    named = OrgUnit.objects.in_bulk([u for u in units if u is not None])
    for unit_id, row in units.items():
        row.unit = named.get(unit_id)
    ordered = sorted(units.values(), key=lambda r: (-r.active, -r.overdue, r.unit is None, getattr(r.unit, "code", "")))

    def counted(column: str) -> dict[str, int]:
        return dict(active.order_by().values(column).annotate(n=Count("id")).values_list(column, "n"))

    severity = counted("severity")
    tiers = counted("tier")
    status = dict(alerts.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    return Overview(
        heatmap=heatmap,
        units=ordered,
        total=total,
        by_severity=[(s.value, s.label, s.badge, severity.get(s.value, 0)) for s in Severity],
        # Every open item is counted once, so the tiers add up to the total: the academic colours, other
        # vocabularies (处分、体测、心理 …) together, and items with no tier.
        by_tier=[(t.value, TIER_COLOURS[t], tiers.get(t.value, 0)) for t in reversed(Tier)]
        + (
            [("其他等级", "secondary", other)]
            if (other := sum(n for k, n in tiers.items() if k and k not in Tier.values))
            else []
        )
        + ([("", "secondary", tiers[""])] if tiers.get("") else []),
        by_status=[(s.value, s.label, s.badge, status.get(s.value, 0)) for s in AlertStatus],
    )


# ------------------------------------------------------------------------------------------ one alert

LINE_NAMES = {"standard": "标准值", "warning": "预警值"}
LINE_COLOURS = {"standard": OUTCOME_COLORS["failed"], "warning": OUTCOME_COLORS["warn"]}


def unit_of(alert: Alert) -> str:
    return str(alert.indicator.raw.get("unit") or "") if alert.indicator_id else ""


def history_chart(alert: Alert) -> dict:
    """The indicator's recorded values for the alert's entity, with the standard and warning lines."""
    unit = unit_of(alert)
    table = history.history_read(indicators=[alert.indicator.code], entities=[alert.entity_key], order="period_start")
    periods = table.column("period").to_pylist()
    values = [scale(v, unit) for v in table.column("value").to_pylist()]
    outcomes = table.column("outcome").to_pylist()
    state = IndicatorState.objects.filter(indicator=alert.indicator, entity_key=alert.entity_key).first()
    threshold = state.threshold if state is not None and state.threshold_id else None
    if threshold is None:
        threshold = threshold_in_force(list(alert.indicator.threshold_rows.all()), "", timezone.localdate())
    lines = []
    if threshold is not None:
        for name in ("standard", "warning"):
            line = getattr(threshold, name)
            if line is None:
                continue
            for value in (line.value, line.high) if line.high is not None else (line.value,):
                lines.append({"name": LINE_NAMES[name], "value": scale(value, unit), "color": LINE_COLOURS[name]})
    return {
        "unit": unit,
        "periods": periods,
        "values": values,
        "outcomes": outcomes,
        "colors": OUTCOME_COLORS,
        "lines": lines,
        "opened_period": alert.values.order_by("recorded_at", "id").values_list("period", flat=True).first() or "",
    }


def assignable_users(alert: Alert) -> QuerySet:
    """People of the accountable unit (by account or as a teacher of it) who can be given the alert."""
    User = get_user_model()
    if alert.owner_unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(org_unit_id=alert.owner_unit_id) | Q(teacher__department_id=alert.owner_unit_id))
        .exclude(role__in=[Role.STUDENT, Role.NONE, Role.REVIEWER])
        .order_by("display_name", "username")
    )


def recovery_needed() -> int:
    return AlertSettings.current().recovery_evaluations


# ------------------------------------------------------------------------------------------ inbox


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def to_handle_count(user, scope=None) -> int:
    """Items waiting for this person (the bell): those he is accountable for or assigned that are not yet
    acknowledged or are overdue; for a department head also his units' escalated items; for the quality
    office the items escalated to it and the requests to ignore."""
    if not getattr(user, "is_authenticated", False) or user.role in (Role.STUDENT, Role.NONE) or user.is_read_only:
        return 0
    now = clock.now()
    waiting = Q(status=AlertStatus.OPEN) | Q(deadline__lt=now)
    q = Q(assignee_id=user.pk)
    if user.teacher_id:
        q |= Q(owner_teacher_id=user.teacher_id)
    q &= waiting
    if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        units = scope.unit_ids if scope is not None else unit_and_descendants(user.org_unit)
        q |= Q(owner_unit_id__in=sorted(units), escalation_level__gte=1)
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        q |= Q(escalation_level__gte=2) | Q(ignore_requested_by__isnull=False)
    return privacy.filter_visible(Alert.objects.filter(q, status__in=ACTIVE), user).count()


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.select_related("alert", "alert__indicator", "event").order_by(
        Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-created_at",
        "-id",
    )


# ------------------------------------------------------------------------------------------ handling on time


@dataclass(frozen=True)
class UnitHandling:
    """A unit's alerts due in a date range: how many were counted and how many acknowledged by their deadline."""

    counted: int = 0  # deadline passed, or acknowledged already
    on_time: int = 0  # acknowledged at or before the deadline
    pending: int = 0  # not acknowledged and the deadline still ahead: not counted yet


def handling_by_unit(
    *, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict[int, UnitHandling]:
    """Per accountable unit (owner_unit id): its alerts whose deadline falls in [start, end), and how many were
    acknowledged in time. An alert whose entity left the college (对象已不在册) is not counted."""
    now = now or clock.now()
    rows = (
        Alert.objects.filter(deadline__gte=start, deadline__lt=end, owner_unit_id__isnull=False)
        .exclude(status=AlertStatus.LAPSED)
        .order_by()
        .values_list("owner_unit_id", "deadline", "acknowledged_at")
    )
    counts: dict[int, list[int]] = {}
    for unit_id, deadline, acknowledged in rows.iterator(chunk_size=2000):
        c = counts.setdefault(unit_id, [0, 0, 0])
        if acknowledged is not None and acknowledged <= deadline:
            c[0], c[1] = c[0] + 1, c[1] + 1
        elif acknowledged is not None or deadline <= now:
            c[0] += 1
        else:
            c[2] += 1
    return {unit_id: UnitHandling(*c) for unit_id, c in counts.items()}
