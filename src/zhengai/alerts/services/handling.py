"""Handling worklist items: acknowledge, 事实-原因-措施, support plans, done, close, ignore, bulk actions,
escalation of overdue items, and the college's alert settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from zhengai.accounts.choices import Role
from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, EventKind, PolicyMode
from zhengai.alerts.models import Alert, AlertEvent, AlertPolicy, AlertSettings
from zhengai.alerts.services.lifecycle import entity_items_refresh, event_add
from zhengai.audit.services import audit_record
from zhengai.indicators.choices import Outcome
from zhengai.indicators.models import Indicator
from zhengai.lib import clock


class AlertActionRefused(ValueError):
    """The action is not allowed in the alert's state or for this user; the message says why."""


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
    alert.status, alert.acknowledged_at = AlertStatus.ACKNOWLEDGED, clock.now()
    alert.save(update_fields=["status", "acknowledged_at", "updated_at"])
    event_add(alert, EventKind.ACKNOWLEDGED, by=by, before=before, note=note)
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
        alert.acknowledged_at = clock.now()
    if alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        alert.status = AlertStatus.IN_PROGRESS
    alert.save()
    event_add(
        alert,
        EventKind.FCA,
        by=by,
        before=before if alert.status != before else "",
        data={"before": old, "after": {"fact": fact, "cause": cause, "action": action}},
    )
    # The audit log shows these to people: keys in the words they use.
    audit_record(
        actor=by,
        action="预警：填写事实-原因-措施",
        obj=alert,
        before={"事实": old["fact"], "原因": old["cause"], "措施": old["action"]},
        after={"事实": fact, "原因": cause, "措施": action},
    )
    return alert


@transaction.atomic
def alert_mark_done(*, alert: Alert, by, note: str = "") -> Alert:
    """The owner says the work is done: 待验证, until the data shows it."""
    before = _require(by, alert, [AlertStatus.ACKNOWLEDGED, AlertStatus.IN_PROGRESS], "标记整改完成")
    if not (alert.fact and alert.cause and alert.action):
        raise AlertActionRefused("请先填写事实、原因、措施，再标记整改完成")
    alert.status, alert.done_at = AlertStatus.VERIFYING, clock.now()
    alert.save(update_fields=["status", "done_at", "updated_at"])
    event_add(alert, EventKind.DONE, by=by, before=before, note=note)
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, by, note: str = "") -> Alert:
    """Close after recovery: the indicator back in range for N evaluations, and a person confirms."""
    before = _require(by, alert, [AlertStatus.VERIFYING], "关闭")
    needed = AlertSettings.current().recovery_evaluations
    if alert.is_case and alert.open_signals:
        raise AlertActionRefused(f"还有 {alert.open_signals} 个信号未恢复正常；全部恢复后学生预警自动关闭")
    if not alert.is_case and alert.recovered_evaluations < needed:
        raise AlertActionRefused(
            f"数据尚未恢复：需要连续 {needed} 次计算在正常范围，目前 {alert.recovered_evaluations} 次"
            f"（最新结果：{Outcome(alert.last_outcome).label}）"
        )
    alert.status, alert.closed_at = AlertStatus.CLOSED, clock.now()
    alert.save(update_fields=["status", "closed_at", "updated_at"])
    entity_items_refresh({alert.entity_kind: [alert.entity_key]})
    event_add(alert, EventKind.CLOSED, by=by, before=before, note=note)
    audit_record(
        actor=by, action="预警：关闭", obj=alert, before={"status": before}, after={"status": alert.status}, note=note
    )
    return alert


@transaction.atomic
def alert_comment(*, alert: Alert, by, note: str, attachment=None, shared: bool = False) -> AlertEvent:
    """A note or attachment in the handling log: internal unless `shared` with the student or teacher concerned."""
    if not can_handle(by, alert) and not getattr(by, "can_read_audit_log", False):
        raise AlertActionRefused("您不能在该预警下留言")
    if not note.strip() and attachment is None:
        raise AlertActionRefused("请填写内容或选择附件")
    kind = EventKind.ATTACHMENT if attachment is not None else EventKind.COMMENT
    return event_add(alert, kind, by=by, note=note.strip(), attachment=attachment, shared=shared)


@transaction.atomic
def case_plan_set(*, alert: Alert, by, plan: str, shared: bool = False) -> Alert:
    """The 一人一策 support plan of a student case; audited. Setting it starts the support (整改中)."""
    before = _require(by, alert, ACTIVE_STATUSES, "制定帮扶计划")
    if not alert.is_case:
        raise AlertActionRefused("只有学生预警有帮扶计划")
    if not plan.strip():
        raise AlertActionRefused("请填写帮扶计划")
    old = alert.support_plan
    alert.support_plan = plan.strip()
    if alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        alert.status = AlertStatus.IN_PROGRESS
        alert.acknowledged_at = alert.acknowledged_at or clock.now()
    alert.save()
    event_add(alert, EventKind.PLAN, by=by, before=before if alert.status != before else "", note=plan.strip(),
              shared=shared)  # fmt: skip
    audit_record(
        actor=by, action="学生预警：帮扶计划", obj=alert, before={"plan": old}, after={"plan": alert.support_plan}
    )
    return alert


@transaction.atomic
def case_follow_up(*, alert: Alert, by, note: str, shared: bool = False) -> AlertEvent:
    """One follow-up of the support plan (谈话、辅导、家校联系 …)."""
    _require(by, alert, ACTIVE_STATUSES, "记录帮扶跟进")
    if not note.strip():
        raise AlertActionRefused("请填写跟进情况")
    return event_add(alert, EventKind.FOLLOW_UP, by=by, note=note.strip(), shared=shared)


@transaction.atomic
def alert_assign(*, alert: Alert, by, to, note: str = "") -> Alert:
    _require(by, alert, ACTIVE_STATUSES, "指派")
    alert.assignee = to
    alert.save(update_fields=["assignee", "updated_at"])
    event_add(alert, EventKind.ASSIGNED, by=by, note=note or f"指派给 {to}", data={"user": to.pk})
    return alert


@transaction.atomic
def alert_request_ignore(*, alert: Alert, by, reason: str) -> Alert:
    _require(by, alert, ACTIVE_STATUSES, "申请忽略")
    if not reason.strip():
        raise AlertActionRefused("申请忽略必须写明理由")
    alert.ignore_reason, alert.ignore_requested_by = reason.strip(), by
    alert.save(update_fields=["ignore_reason", "ignore_requested_by", "updated_at"])
    event_add(alert, EventKind.IGNORE_REQUESTED, by=by, note=reason.strip())
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
        alert.status, alert.closed_at = AlertStatus.IGNORED, clock.now()
        alert.save(update_fields=["status", "closed_at", "updated_at"])
        entity_items_refresh({alert.entity_kind: [alert.entity_key]})
        event_add(alert, EventKind.IGNORED, by=by, before=before, note=note or alert.ignore_reason)
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
        event_add(alert, EventKind.IGNORE_REJECTED, by=by, note=note)
    return alert


def _request_ignore(*, alert: Alert, by, note: str) -> Alert:
    return alert_request_ignore(alert=alert, by=by, reason=note)


ACTIONS = {
    "acknowledge": alert_acknowledge,
    "done": alert_mark_done,
    "close": alert_close,
    "ignore": _request_ignore,
}
BULK_LABELS = {"acknowledge": "确认", "done": "标记整改完成", "close": "关闭", "ignore": "申请忽略"}


def alerts_bulk(*, alerts: Iterable[Alert], action: str, by, note: str = "") -> tuple[int, list[str]]:
    """One action and one note for many items (a selection, or everything matching a filter); each is
    done or refused on its own, with the reason."""
    fn = ACTIONS.get(action)
    if fn is None:
        raise AlertActionRefused(f"不支持的批量操作 {action}")
    if action == "ignore" and not note.strip():
        raise AlertActionRefused("批量申请忽略必须写明理由")
    done, refused = 0, []
    for alert in alerts:
        try:
            fn(alert=alert, by=by, note=note)
            done += 1
        except AlertActionRefused as exc:
            refused.append(f"{alert}：{exc}")
    return done, refused


# ------------------------------------------------------------------------------------------ deadlines


@transaction.atomic
def alert_policy_set(*, indicator: Indicator, mode: str, by, note: str = "") -> AlertPolicy:
    """What a signal of the indicator does (预警 / 汇总 / 仅监测); audited with before and after."""
    if mode not in PolicyMode.values:
        raise AlertActionRefused(f"处理方式应为 {'、'.join(PolicyMode.labels)} 之一")
    if mode == PolicyMode.CASE and indicator.entity != "student":
        raise AlertActionRefused("只有学生指标可以汇总为学生预警")
    from zhengai.alerts.services.evaluation import default_mode

    policy = AlertPolicy.objects.filter(indicator=indicator).first()
    before = policy.mode if policy else default_mode(indicator)
    if policy is None:
        policy = AlertPolicy(indicator=indicator)
    policy.mode, policy.note, policy.updated_by = mode, note, by
    policy.save()
    audit_record(
        actor=by,
        action="修改指标预警方式",
        obj=indicator,
        before={"处理方式": PolicyMode(before).label},
        after={"处理方式": PolicyMode(mode).label},
        note=note,
    )
    return policy


def alerts_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Overdue alerts go up one level: to the unit head, then to the quality office."""
    now = now or clock.now()
    settings = AlertSettings.current()
    count = 0
    for alert in Alert.objects.filter(status__in=ACTIVE_STATUSES, deadline__lt=now, escalation_level__lt=2):
        with transaction.atomic():
            alert.escalation_level += 1
            alert.deadline = now + dt.timedelta(days=settings.escalate_after_days)
            alert.save(update_fields=["escalation_level", "deadline", "updated_at"])
            to = "部门负责人" if alert.escalation_level == 1 else "质控中心"
            event_add(
                alert,
                EventKind.ESCALATED,
                note=f"超过处理时限，升级至{to}",
                data={"level": alert.escalation_level},
                at=now,
            )
        count += 1
    return count


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

    def named(values: dict) -> dict:
        return {str(AlertSettings._meta.get_field(k).verbose_name): v for k, v in values.items()}

    audit_record(actor=by, action="修改预警设置", obj=current, before=named(before), after=named(changes))
    return current


def notifications_mark_read(*, notifications, now: dt.datetime | None = None) -> int:
    """Mark notifications read (those still unread); returns how many."""
    return notifications.filter(read_at__isnull=True).update(read_at=now or clock.now())


@transaction.atomic
def notification_preference_update(*, user, changes: dict):
    from zhengai.alerts.models import NotificationPreference

    pref = NotificationPreference.for_user(user)
    for name, value in changes.items():
        setattr(pref, name, value)
    pref.save()
    return pref
