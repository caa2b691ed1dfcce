"""Pages of monitoring and early warning (监测预警): my alerts, a unit's alerts, the overview, one
alert with its handling, the inbox and the notification and alert settings.

Views parse input, read through `alerts.selectors` (always within what the user may see) and act
through `alerts.services`; a table answers an htmx request with only the part it swaps.
"""

from zhengai.alerts.views.detail import act, attachment, detail
from zhengai.alerts.views.inbox import inbox, inbox_read_all, notification_open, notification_read, preferences
from zhengai.alerts.views.lists import bulk, mine, unit
from zhengai.alerts.views.overview import overview
from zhengai.alerts.views.policies import policies
from zhengai.alerts.views.policy import alert_settings
from zhengai.alerts.views.summary import summary

__all__ = [
    "act",
    "alert_settings",
    "attachment",
    "bulk",
    "detail",
    "inbox",
    "inbox_read_all",
    "mine",
    "notification_open",
    "notification_read",
    "overview",
    "policies",
    "preferences",
    "summary",
    "unit",
]
