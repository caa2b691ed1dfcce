"""Background work of alerts, run by `zhengai worker` (django-tasks, database backend).

`notify()` enqueues `deliveries_send_due_task` when a transaction that created deliveries commits, so
a new message goes out at once. Retries, the end of quiet hours, the daily digests and escalation
come round by themselves: they are periodic jobs of the scheduler in `zhengai worker` (see apps.py).
"now" is the platform's clock (lib/clock), as in the scheduler's rounds.
"""

from __future__ import annotations

from django_tasks import task

from zhengai.alerts.models import Delivery
from zhengai.lib import clock


@task()
def delivery_send_task(delivery_id: int) -> str:
    """Send one delivery now (e.g. a “重新发送” button); returns its status."""
    from zhengai.alerts.notifications import delivery_send

    return delivery_send(delivery=Delivery.objects.get(pk=delivery_id), now=clock.now()).status


@task()
def deliveries_send_due_task() -> dict[str, int]:
    """Send the deliveries whose time has come; returns counts (sent, failed, gave_up, cancelled)."""
    from zhengai.alerts.notifications import deliveries_send_due

    return deliveries_send_due(now=clock.now())


@task()
def digests_send_task() -> dict[str, int]:
    """Make and send the daily digests that are due."""
    from zhengai.alerts.notifications import digests_send

    return digests_send(now=clock.now())
