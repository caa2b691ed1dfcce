"""Presentation helpers of the data center: freshness badges, run status colours, schedules.

Any page that shows a figure can say how current it is::

    {% load datacenter_ui %}
    {% freshness_badge "students" "grades" %}   → 数据截至 2025-03-01 · 导入时间 2025-03-02 08:10
    {% freshness_badge "students" source=True %}  → … with the delivering source system named
"""

from __future__ import annotations

from django import template

from zhengai.datacenter import selectors
from zhengai.datacenter.choices import RUN_STATUS_COLOURS, ConnectorKind, InvalidPolicy
from zhengai.datacenter.standard import TABLES_BY_NAME

register = template.Library()

_POLICY_SHORT = {InvalidPolicy.REJECT_BATCH: "整批拒收", InvalidPolicy.COMMIT_VALID: "只入有效行"}
_CONNECTOR_SHORT = {ConnectorKind.FILES: "文件", ConnectorKind.SQL: "数据库", ConnectorKind.PUSH: "接口推送"}


@register.inclusion_tag("datacenter/_freshness.html")
def freshness_badge(*tables: str, source: bool = False) -> dict:
    """The freshness of a figure computed from these standard tables (the stalest one decides)."""
    return {"freshness": selectors.freshness_for_tables(list(tables)), "source": source}


@register.filter
def table_label(name: str) -> str:
    """A standard table's Chinese name (the code name if it is unknown)."""
    table = TABLES_BY_NAME.get(name)
    return table.label if table else name


@register.filter
def run_colour(status: str) -> str:
    return RUN_STATUS_COLOURS.get(status, "secondary")


@register.filter
def policy_short(policy: str) -> str:
    return _POLICY_SHORT.get(policy, policy)


@register.filter
def connector_short(kind: str) -> str:
    return _CONNECTOR_SHORT.get(kind, kind)


@register.filter
def schedule_text(minutes: int | None) -> str:
    """How often a source is synchronised: 0 means by hand."""
    if not minutes:
        return "手工导入"
    if minutes % 1440 == 0:
        days = minutes // 1440
        return "每天" if days == 1 else f"每 {days} 天"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "每小时" if hours == 1 else f"每 {hours} 小时"
    return f"每 {minutes} 分钟"


@register.filter
def percent(share: float | None, digits: int = 1) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.{digits}f}%"


@register.filter
def duration(run) -> str:
    """How long a run took (or has been running)."""
    if not run.started_at or not run.finished_at:
        return ""
    seconds = max(0, int((run.finished_at - run.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分"
