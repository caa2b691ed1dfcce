"""Display helpers shared by the alert pages: badge colours and durations in words."""

from __future__ import annotations

from zhengai.alerts.choices import AlertStatus, EventKind, Severity
from zhengai.alerts.selectors import TIER_COLOURS

# The handling log's marker colour per event.
EVENT_COLOURS = {
    EventKind.OPENED: "red",
    EventKind.REOPENED: "red",
    EventKind.RELAPSED: "red",
    EventKind.ESCALATED: "red",
    EventKind.VALUE: "secondary",
    EventKind.ROUTED: "secondary",
    EventKind.ACKNOWLEDGED: "orange",
    EventKind.FCA: "yellow",
    EventKind.STARTED: "yellow",
    EventKind.COMMENT: "azure",
    EventKind.ATTACHMENT: "azure",
    EventKind.ASSIGNED: "purple",
    EventKind.DONE: "blue",
    EventKind.RECOVERED: "green",
    EventKind.CLOSED: "green",
    EventKind.IGNORE_REQUESTED: "secondary",
    EventKind.IGNORE_REJECTED: "secondary",
    EventKind.IGNORED: "secondary",
}


def badges() -> dict[str, dict[str, str]]:
    return {
        "status_badges": {s.value: s.badge for s in AlertStatus},
        "severity_badges": {s.value: s.badge for s in Severity},
        "severity_labels": {s.value: s.label for s in Severity},
        "tier_colours": {t.value: c for t, c in TIER_COLOURS.items()},
        "event_colours": {k.value: c for k, c in EVENT_COLOURS.items()},
    }


def duration_text(seconds: float | None) -> str:
    """3.5 小时 · 2.4 天: hours under two days, days beyond."""
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 1:
        return f"{max(seconds / 60, 0):.0f} 分钟"
    if hours < 48:
        return f"{hours:.1f} 小时"
    return f"{hours / 24:.1f} 天"
