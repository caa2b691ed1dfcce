"""What a message about an alert says, whatever the channel: title, the facts, a link to its page."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zhengai.alerts.channels.base import Message
from zhengai.alerts.choices import EventKind, Severity
from zhengai.alerts.models import Alert, AlertEvent
from zhengai.indicators.choices import EntityKind
from zhengai.indicators.models import Threshold
from zhengai.monitoring.models import IndicatorState
from zhengai.monitoring.templatetags.monitoring_ui import format_value, threshold_summary

# Events that end the trouble: shown green.
GOOD_NEWS = {EventKind.RECOVERED, EventKind.CLOSED, EventKind.IGNORED}


def base_url() -> str:
    return settings.ZHENGAI_BASE_URL.rstrip("/")


def alert_url(alert: Alert) -> str:
    try:
        path = reverse("alerts:detail", args=[alert.pk])
    except NoReverseMatch:
        path = f"/alerts/{alert.pk}/"
    return base_url() + path


def _threshold(alert: Alert) -> Threshold | None:
    state = (
        IndicatorState.objects.filter(indicator_id=alert.indicator_id, entity_key=alert.entity_key)
        .select_related("threshold")
        .first()
    )
    if state is not None and state.threshold_id:
        return state.threshold
    return (
        Threshold.objects.filter(indicator_id=alert.indicator_id, group="", effective_from__lte=timezone.localdate())
        .order_by("-effective_from", "-id")
        .first()
    )


def _value_text(alert: Alert, unit: str) -> str:
    text = format_value(alert.last_value, unit)
    if alert.opened_value is not None and alert.opened_value != alert.last_value:
        text += f"（发出时 {format_value(alert.opened_value, unit)}）"
    return text


def alert_message(alert: Alert, event: AlertEvent, *, title: str) -> Message:
    indicator = alert.indicator
    unit = str(indicator.raw.get("unit") or "") if indicator is not None else ""
    fields: list[tuple[str, str]] = [
        ("指标", f"{indicator.name}（{indicator.code}）" if indicator is not None else alert.subject),
        ("对象", f"{alert.entity_name or alert.entity_key}（{EntityKind(alert.entity_kind).label}）"),
        ("周期", alert.period),
    ]
    if indicator is not None:
        fields.append(("监测值", _value_text(alert, unit)))
    if alert.is_case:
        names = "、".join(s.indicator.name for s in alert.signals.filter(recovered_at__isnull=True)[:8])
        fields.append(("信号", names or "—"))
    elif alert.rule_id:
        fields.append(("规则", alert.rule.name))
    else:
        lines = threshold_summary(_threshold(alert), unit)
        if lines:
            fields.append(("阈值", "，".join(f"{label} {line}" for label, line in lines)))
    fields.append(("状态", alert.get_status_display()))
    fields.append(("责任部门", alert.owner_unit.name if alert.owner_unit_id else "未确定"))
    if alert.owner_teacher_id:
        fields.append(("责任人", alert.owner_teacher.name))
    fields.append(("处理时限", timezone.localtime(alert.deadline).strftime("%Y-%m-%d %H:%M")))
    if event.kind in GOOD_NEWS:
        level = "ok"
    else:
        level = "failed" if alert.severity == Severity.FAILED or alert.tier == "红色" else "warn"
    return Message(
        title=title,
        event=event.get_kind_display(),
        level=level,
        fields=tuple(fields),
        url=alert_url(alert),
        note=event.note,
    )
