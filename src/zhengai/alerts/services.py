"""The alert lifecycle (the small spiral 监测 → 预警 → 改进).

    status change to 预警/未达标 ──▶ alert opened (or the last closed one reopened), routed, deadline set
    待处理 ─确认─▶ 已确认 ─事实·原因·措施─▶ 整改中 ─整改完成─▶ 待验证 ─数据恢复 N 次 + 人工确认─▶ 已关闭
    any active state ─申请忽略 + 质控中心批准─▶ 已忽略          已关闭 ─数据再次异常─▶ 待处理（重新打开）

An alert never closes because someone clicked: it needs the indicator back in range for
`AlertSettings.recovery_evaluations` evaluations in a row, and a person's confirmation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from zhengai.accounts.choices import Role
from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, EventKind, Severity
from zhengai.alerts.models import Alert, AlertEvent, AlertSettings, AlertValue
from zhengai.alerts.routing import Router, route
from zhengai.audit.services import audit_record
from zhengai.indicators.choices import Outcome
from zhengai.indicators.models import Indicator
from zhengai.monitoring.models import EvaluationRun, IndicatorState, StatusChange

BAD = (Outcome.WARN.value, Outcome.FAILED.value)
RED = "红色"


class AlertActionRefused(ValueError):
    """The action is not allowed in the alert's state or for this user; the message says why."""


# ------------------------------------------------------------------------------------------ helpers


def _event(
    alert: Alert,
    kind: str,
    *,
    by=None,
    note: str = "",
    before: str = "",
    data: dict | None = None,
    attachment=None,
    at: dt.datetime | None = None,
) -> AlertEvent:
    event = AlertEvent(
        alert=alert,
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        from_status=before,
        to_status=alert.status if before else "",
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )
    if attachment is not None:
        event.attachment = attachment
    event.save()
    from zhengai.alerts.notifications import notify

    notify(alert=alert, event=event)
    return event


def deadline_for(severity: str, tier: str, settings: AlertSettings, now: dt.datetime) -> dt.datetime:
    days = (
        settings.red_days
        if tier == RED
        else (settings.failed_days if severity == Severity.FAILED else settings.warn_days)
    )
    return now + dt.timedelta(days=days)


def _severity(outcome: str) -> str:
    return Severity.FAILED if outcome == Outcome.FAILED else Severity.WARN


# ------------------------------------------------------------------------------------------ from evaluations


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
    now: dt.datetime | None = None,
) -> Alert:
    """Open an alert for an entity out of range, or update the active one; a relapse reopens the last one."""
    now = now or timezone.now()
    settings = AlertSettings.current()
    rule_key = f"rule:{rule.pk}" if rule is not None else ""
    base = Alert.objects.select_for_update().filter(indicator=indicator, entity_key=entity_key, rule_key=rule_key)
    alert = base.filter(status__in=ACTIVE_STATUSES).first()
    severity = _severity(outcome)
    if alert is not None:
        changed = alert.severity != severity or alert.tier != tier
        alert.severity, alert.tier, alert.period = severity, tier, period
        alert.last_value, alert.last_outcome, alert.recovered_evaluations = value, outcome, 0
        if alert.status == AlertStatus.VERIFYING:
            # Marked done, but the data is still (or again) out of range: stays 待验证 until it recovers.
            pass
        alert.save()
        _value(alert, period, value, outcome, tier, run_id, now)
        if changed:
            _event(
                alert,
                EventKind.VALUE,
                note=f"结果变为{Outcome(outcome).label}{('（' + tier + '）') if tier else ''}",
                data={"value": value, "period": period},
                at=now,
            )
        return alert
    last_closed = base.filter(status=AlertStatus.CLOSED).order_by("-closed_at", "-id").first()
    if last_closed is not None:
        before = last_closed.status
        last_closed.status, last_closed.severity, last_closed.tier = AlertStatus.OPEN, severity, tier
        last_closed.period, last_closed.last_value, last_closed.last_outcome = period, value, outcome
        last_closed.recovered_evaluations, last_closed.reopened_count = 0, last_closed.reopened_count + 1
        last_closed.closed_at, last_closed.done_at, last_closed.escalation_level = None, None, 0
        last_closed.deadline = deadline_for(severity, tier, settings, now)
        last_closed.save()
        _value(last_closed, period, value, outcome, tier, run_id, now)
        _event(
            last_closed,
            EventKind.REOPENED,
            before=before,
            note="关闭后数据再次异常，重新打开",
            data={"value": value, "period": period},
            at=now,
        )
        return last_closed
    r = route(
        entity_kind=entity_kind, entity_key=entity_key, entity_unit_code=org_unit, indicator_owner=indicator.owner
    )
    alert = Alert.objects.create(
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
        period=period,
        opened_value=value,
        last_value=value,
        last_outcome=outcome,
        owner_unit=r.unit,
        informed_unit=r.informed,
        owner_teacher=r.teacher,
        route_note=r.note,
        deadline=deadline_for(severity, tier, settings, now),
        opened_at=now,
    )
    _value(alert, period, value, outcome, tier, run_id, now)
    _event(alert, EventKind.OPENED, note=r.note, data={"value": value, "period": period, "outcome": outcome}, at=now)
    return alert


def _value(alert: Alert, period: str, value, outcome: str, tier: str, run_id, now) -> None:
    last = alert.values.order_by("-recorded_at", "-id").first()
    if last and (last.period, last.value, last.outcome, last.tier) == (period, value, outcome, tier):
        return
    AlertValue.objects.create(
        alert=alert, period=period, value=value, outcome=outcome, tier=tier, run_id=run_id, recorded_at=now
    )


def _recent_bad_history(run: EvaluationRun) -> list[SimpleNamespace]:
    """Out-of-range measurements this run recorded, latest per indicator and entity, within the recent
    academic years (`AlertSettings.alert_years`, counted back from the newest period the run measured)."""
    from zhengai.datacenter import store
    from zhengai.monitoring import history

    years = max(1, AlertSettings.current().alert_years)
    con = store.connect()
    try:
        rows = con.sql(
            f"""
            WITH h AS (SELECT * FROM {history.scan_sql()} WHERE run_id = {int(run.pk)}),
                 newest AS (SELECT indicator, max(period_start) AS m FROM h GROUP BY indicator),
                 cut AS (SELECT indicator, make_date(CAST(year(m) - (CASE WHEN month(m) < 9 THEN 1 ELSE 0 END)
                                                          - {years - 1} AS BIGINT), 9, 1) AS since
                         FROM newest)
            SELECT h.indicator, h.entity, h.entity_kind, h.entity_name, h.org_unit, h.period, h.value, h.outcome,
                   h.tier
            FROM h JOIN cut USING (indicator)
            WHERE h.outcome IN ('warn', 'failed') AND h.period_start >= cut.since
            QUALIFY row_number() OVER (PARTITION BY h.indicator, h.entity ORDER BY h.period_start DESC) = 1
            """
        ).fetchall()
    finally:
        con.close()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={r[0] for r in rows})}
    return [
        SimpleNamespace(
            indicator=indicators[code],
            indicator_id=indicators[code].pk,
            entity_key=entity,
            entity_kind=kind,
            entity_name=name or "",
            org_unit=org or "",
            period=period,
            value=None if value is None or value != value else value,
            outcome=outcome,
            tier=tier or "",
        )
        for code, entity, kind, name, org, period, value, outcome, tier in rows
        if code in indicators
    ]


@transaction.atomic
def alerts_open_many(*, changes: list[StatusChange], run_id: int | None, now: dt.datetime) -> int:
    """Open alerts for entities with no alert yet, many at once (the first evaluation opens thousands)."""
    if not changes:
        return 0
    from zhengai.alerts.notifications import notify

    settings = AlertSettings.current()
    keys_by_kind: dict[str, set[str]] = {}
    for ch in changes:
        keys_by_kind.setdefault(ch.entity_kind, set()).add(ch.entity_key)
    router = Router(keys_by_kind)
    alerts = []
    for ch in changes:
        r = router.route(
            entity_kind=ch.entity_kind,
            entity_key=ch.entity_key,
            entity_unit_code=ch.org_unit,
            indicator_owner=ch.indicator.owner,
        )
        severity = _severity(ch.outcome)
        alerts.append(
            Alert(
                indicator=ch.indicator,
                rule_key="",
                entity_kind=ch.entity_kind,
                entity_key=ch.entity_key,
                entity_name=ch.entity_name,
                org_unit_code=ch.org_unit or (r.unit.code if r.unit else ""),
                status=AlertStatus.OPEN,
                severity=severity,
                tier=ch.tier,
                period=ch.period,
                opened_value=ch.value,
                last_value=ch.value,
                last_outcome=ch.outcome,
                owner_unit=r.unit,
                informed_unit=r.informed,
                owner_teacher=r.teacher,
                route_note=r.note,
                deadline=deadline_for(severity, ch.tier, settings, now),
                opened_at=now,
            )
        )
    Alert.objects.bulk_create(alerts, batch_size=1000)
    if any(a.pk is None for a in alerts):  # a backend that does not return keys from a bulk insert
        by_key = {(a.indicator_id, a.entity_key): a for a in Alert.objects.filter(opened_at=now, rule_key="")}
        alerts = [by_key[(a.indicator_id, a.entity_key)] for a in alerts]
    AlertValue.objects.bulk_create(
        [
            AlertValue(
                alert=a,
                period=a.period,
                value=a.last_value,
                outcome=a.last_outcome,
                tier=a.tier,
                run_id=run_id,
                recorded_at=now,
            )
            for a in alerts
        ],
        batch_size=2000,
    )
    events = AlertEvent.objects.bulk_create(
        [
            AlertEvent(
                alert=a,
                kind=EventKind.OPENED,
                note=a.route_note,
                created_at=now,
                data={"value": a.last_value, "period": a.period, "outcome": a.last_outcome},
            )
            for a in alerts
        ],
        batch_size=2000,
    )
    from zhengai.alerts.notifications import batched

    with batched():
        for alert, event in zip(alerts, events, strict=True):
            notify(alert=alert, event=event)
    return len(alerts)


def alerts_after_run(*, run: EvaluationRun, now: dt.datetime | None = None) -> dict[str, int]:
    """Open, update, count recovery of and reopen alerts from one finished evaluation run."""
    now = now or timezone.now()
    counts = {"opened": 0, "updated": 0, "recovered": 0}
    changes = list(StatusChange.objects.filter(run=run, outcome__in=BAD).select_related("indicator"))
    # Recent periods this run found out of range that are not the entity's latest (a course that failed
    # last year and passed this term) open an alert too, which then counts the recovery below.
    earlier = _recent_bad_history(run)
    keys = sorted({ch.entity_key for ch in changes} | {e.entity_key for e in earlier})
    known: set[tuple[int, str]] = set()
    ignored: set[tuple[int, str]] = set()
    for i in range(0, len(keys), 5000):
        for ind, key, status in Alert.objects.filter(rule_key="", entity_key__in=keys[i : i + 5000]).values_list(
            "indicator_id", "entity_key", "status"
        ):
            (ignored if status == AlertStatus.IGNORED else known).add((ind, key))
    fresh = [ch for ch in changes if (ch.indicator_id, ch.entity_key) not in known]
    seen = {(ch.indicator_id, ch.entity_key) for ch in changes}
    blocked = known | ignored | seen
    fresh += [e for e in earlier if (e.indicator_id, e.entity_key) not in blocked]
    counts["opened"] += alerts_open_many(changes=fresh, run_id=run.pk, now=now)
    for ch in changes:
        if (ch.indicator_id, ch.entity_key) not in known:
            continue
        alert_raise(
            indicator=ch.indicator,
            entity_kind=ch.entity_kind,
            entity_key=ch.entity_key,
            entity_name=ch.entity_name,
            org_unit=ch.org_unit,
            period=ch.period,
            value=ch.value,
            outcome=ch.outcome,
            tier=ch.tier,
            run_id=run.pk,
            now=now,
        )
        counts["updated"] += 1
    # Every active threshold alert whose indicator this run evaluated: its value now, and recovery.
    evaluated = run.indicator_codes or None
    active = Alert.objects.filter(status__in=ACTIVE_STATUSES, rule_key="").select_related("indicator")
    if evaluated:
        active = active.filter(indicator__code__in=evaluated)
    if run.entities:  # a real-time run measured only the entities of its batch
        keys = sorted({k for values in run.entities.values() for k in values})
        active = active.filter(entity_key__in=keys)
    states = {
        (s.indicator_id, s.entity_key): s
        for s in IndicatorState.objects.filter(
            indicator_id__in=active.values("indicator_id"), entity_key__in=active.values("entity_key")
        )
    }
    whole_run = not run.periods and not run.since
    for alert in active:
        state = states.get((alert.indicator_id, alert.entity_key))
        # An evaluation of this entity: its state was written by this run, or the run covered every
        # period and found it unchanged.
        if state is None or not (state.run_id == run.pk or whole_run) or state.outcome in BAD:
            continue
        with transaction.atomic():
            alert.recovered_evaluations += 1
            alert.last_value, alert.last_outcome, alert.period = state.value, state.outcome, state.period
            alert.save(update_fields=["recovered_evaluations", "last_value", "last_outcome", "period", "updated_at"])
            _value(alert, state.period, state.value, state.outcome, state.tier, run.pk, now)
            if alert.recovered_evaluations == 1:
                _event(
                    alert,
                    EventKind.RECOVERED,
                    note=f"{state.period} 监测值 {_fmt(state.value)}，已回到正常范围",
                    at=now,
                )
        counts["recovered"] += 1
    return counts


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.4g}"


# ------------------------------------------------------------------------------------------ handling


def can_handle(user, alert: Alert) -> bool:
    """The accountable person, the head of the accountable unit, the quality office, a superuser."""
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        return True
    if alert.owner_teacher_id and getattr(user, "teacher_id", None) == alert.owner_teacher_id:
        return True
    if alert.assignee_id == user.pk:
        return True
    return bool(user.role == Role.DEPARTMENT_HEAD and alert.owner_unit_id and user.org_unit_id == alert.owner_unit_id)


def _require(user, alert: Alert, allowed: Iterable[str], action: str) -> str:
    if not can_handle(user, alert):
        raise AlertActionRefused(f"您不是该预警的责任人、责任部门负责人或质控中心，不能{action}")
    if alert.status not in allowed:
        raise AlertActionRefused(f"预警当前为“{alert.get_status_display()}”，不能{action}")
    return alert.status


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by, note: str = "") -> Alert:
    before = _require(by, alert, [AlertStatus.OPEN], "确认")
    alert.status, alert.acknowledged_at = AlertStatus.ACKNOWLEDGED, timezone.now()
    alert.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _event(alert, EventKind.ACKNOWLEDGED, by=by, before=before, note=note)
    return alert


@transaction.atomic
def alert_record_fca(*, alert: Alert, by, fact: str, cause: str, action: str) -> Alert:
    """事实-原因-措施. Recording the measures starts the improvement (已确认 → 整改中)."""
    before = _require(
        by,
        alert,
        [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.IN_PROGRESS, AlertStatus.VERIFYING],
        "填写事实-原因-措施",
    )
    fact, cause, action = fact.strip(), cause.strip(), action.strip()
    if not (fact and cause and action):
        raise AlertActionRefused("事实、原因、措施三项都要填写")
    old = {"fact": alert.fact, "cause": alert.cause, "action": alert.action}
    alert.fact, alert.cause, alert.action = fact, cause, action
    if alert.status == AlertStatus.OPEN:
        alert.acknowledged_at = timezone.now()
    if alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        alert.status = AlertStatus.IN_PROGRESS
    alert.save()
    _event(
        alert,
        EventKind.FCA,
        by=by,
        before=before if alert.status != before else "",
        data={"before": old, "after": {"fact": fact, "cause": cause, "action": action}},
    )
    audit_record(
        actor=by,
        action="预警：填写事实-原因-措施",
        obj=alert,
        before=old,
        after={"fact": fact, "cause": cause, "action": action},
    )
    return alert


@transaction.atomic
def alert_mark_done(*, alert: Alert, by, note: str = "") -> Alert:
    """The owner says the work is done: 待验证, until the data shows it."""
    before = _require(by, alert, [AlertStatus.ACKNOWLEDGED, AlertStatus.IN_PROGRESS], "标记整改完成")
    if not (alert.fact and alert.cause and alert.action):
        raise AlertActionRefused("请先填写事实、原因、措施，再标记整改完成")
    alert.status, alert.done_at = AlertStatus.VERIFYING, timezone.now()
    alert.save(update_fields=["status", "done_at", "updated_at"])
    _event(alert, EventKind.DONE, by=by, before=before, note=note)
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, by, note: str = "") -> Alert:
    """Close after recovery: the indicator back in range for N evaluations, and a person confirms."""
    before = _require(by, alert, [AlertStatus.VERIFYING], "关闭")
    needed = AlertSettings.current().recovery_evaluations
    if alert.recovered_evaluations < needed:
        raise AlertActionRefused(
            f"数据尚未恢复：需要连续 {needed} 次计算在正常范围，目前 {alert.recovered_evaluations} 次"
            f"（最新结果：{Outcome(alert.last_outcome).label}）"
        )
    alert.status, alert.closed_at = AlertStatus.CLOSED, timezone.now()
    alert.save(update_fields=["status", "closed_at", "updated_at"])
    _event(alert, EventKind.CLOSED, by=by, before=before, note=note)
    audit_record(
        actor=by, action="预警：关闭", obj=alert, before={"status": before}, after={"status": alert.status}, note=note
    )
    return alert


@transaction.atomic
def alert_comment(*, alert: Alert, by, note: str, attachment=None) -> AlertEvent:
    if not can_handle(by, alert) and not getattr(by, "can_read_audit_log", False):
        raise AlertActionRefused("您不能在该预警下留言")
    if not note.strip() and attachment is None:
        raise AlertActionRefused("请填写内容或选择附件")
    kind = EventKind.ATTACHMENT if attachment is not None else EventKind.COMMENT
    return _event(alert, kind, by=by, note=note.strip(), attachment=attachment)


@transaction.atomic
def alert_assign(*, alert: Alert, by, to, note: str = "") -> Alert:
    _require(by, alert, ACTIVE_STATUSES, "指派")
    alert.assignee = to
    alert.save(update_fields=["assignee", "updated_at"])
    _event(alert, EventKind.ASSIGNED, by=by, note=note or f"指派给 {to}", data={"user": to.pk})
    return alert


@transaction.atomic
def alert_request_ignore(*, alert: Alert, by, reason: str) -> Alert:
    _require(by, alert, ACTIVE_STATUSES, "申请忽略")
    if not reason.strip():
        raise AlertActionRefused("申请忽略必须写明理由")
    alert.ignore_reason, alert.ignore_requested_by = reason.strip(), by
    alert.save(update_fields=["ignore_reason", "ignore_requested_by", "updated_at"])
    _event(alert, EventKind.IGNORE_REQUESTED, by=by, note=reason.strip())
    return alert


@transaction.atomic
def alert_decide_ignore(*, alert: Alert, by, approve: bool, note: str = "") -> Alert:
    """Only the quality office (or a superuser) approves or rejects a request to ignore."""
    if not (by.is_superuser or by.role == Role.QUALITY_OFFICE):
        raise AlertActionRefused("忽略预警须由质控中心批准")
    if alert.status not in ACTIVE_STATUSES or not alert.ignore_requested_by_id:
        raise AlertActionRefused("该预警没有待审批的忽略申请")
    before = alert.status
    if approve:
        alert.status, alert.closed_at = AlertStatus.IGNORED, timezone.now()
        alert.save(update_fields=["status", "closed_at", "updated_at"])
        _event(alert, EventKind.IGNORED, by=by, before=before, note=note or alert.ignore_reason)
        audit_record(
            actor=by,
            action="预警：批准忽略",
            obj=alert,
            before={"status": before},
            after={"status": alert.status, "reason": alert.ignore_reason},
            note=note,
        )
    else:
        alert.ignore_requested_by = None
        alert.save(update_fields=["ignore_requested_by", "updated_at"])
        _event(alert, EventKind.IGNORE_REJECTED, by=by, note=note)
    return alert


ACTIONS = {
    "acknowledge": alert_acknowledge,
    "done": alert_mark_done,
    "close": alert_close,
}


def alerts_bulk(*, alerts: Iterable[Alert], action: str, by, note: str = "") -> tuple[int, list[str]]:
    """One action and one note for many alerts; each is done or refused on its own."""
    fn = ACTIONS.get(action)
    if fn is None:
        raise AlertActionRefused(f"不支持的批量操作 {action}")
    done, refused = 0, []
    for alert in alerts:
        try:
            fn(alert=alert, by=by, note=note)
            done += 1
        except AlertActionRefused as exc:
            refused.append(f"{alert}：{exc}")
    return done, refused


# ------------------------------------------------------------------------------------------ deadlines


def alerts_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Overdue alerts go up one level: to the unit head, then to the quality office."""
    now = now or timezone.now()
    settings = AlertSettings.current()
    count = 0
    for alert in Alert.objects.filter(status__in=ACTIVE_STATUSES, deadline__lt=now, escalation_level__lt=2):
        with transaction.atomic():
            alert.escalation_level += 1
            alert.deadline = now + dt.timedelta(days=settings.escalate_after_days)
            alert.save(update_fields=["escalation_level", "deadline", "updated_at"])
            to = "部门负责人" if alert.escalation_level == 1 else "质控中心"
            _event(
                alert,
                EventKind.ESCALATED,
                note=f"超过处理时限，升级至{to}",
                data={"level": alert.escalation_level},
                at=now,
            )
        count += 1
    return count


def alerts_on_evaluation(*, run: EvaluationRun) -> dict[str, int]:
    """Hook receiver (monitoring.evaluation_finished): alerts from the run's outcomes and rules."""
    counts = alerts_after_run(run=run)
    try:
        from zhengai.alerts.rules import alert_rules_apply
    except ImportError:  # rules module not installed in this build
        return counts
    counts.update({f"rule_{k}": v for k, v in alert_rules_apply(run=run).items()})
    return counts


# ------------------------------------------------------------------------------------------ settings and inbox


@transaction.atomic
def alert_settings_update(*, changes: dict, by) -> AlertSettings:
    """Change the college's alert policy; audited with before and after."""
    current = AlertSettings.current()
    before = {name: getattr(current, name) for name in changes}
    if before == changes:
        return current
    for name, value in changes.items():
        setattr(current, name, value)
    current.save()
    audit_record(actor=by, action="修改预警设置", obj=current, before=before, after=dict(changes))
    return current


def notifications_mark_read(*, notifications, now: dt.datetime | None = None) -> int:
    """Mark notifications read (those still unread); returns how many."""
    return notifications.filter(read_at__isnull=True).update(read_at=now or timezone.now())


@transaction.atomic
def notification_preference_update(*, user, changes: dict):
    from zhengai.alerts.models import NotificationPreference

    pref = NotificationPreference.for_user(user)
    for name, value in changes.items():
        setattr(pref, name, value)
    pref.save()
    return pref
