"""Background work of alerts, run by `zhengai worker` (django-tasks, database backend).

`notify()` enqueues `deliveries_send_due_task` when a transaction that created deliveries commits.
django-tasks has no clock, so retries, the end of quiet hours and the daily digests need a round
that comes back by itself: run `zhengai alerts_deliver --loop` beside the worker, or
`zhengai alerts_deliver` from cron every minute.
"""

from __future__ import annotations

from django_tasks import task

from zhengai.alerts.models import Delivery


@task()
def delivery_send_task(delivery_id: int) -> str:
    """Send one delivery now (e.g. a “重新发送” button); returns its status."""
    from zhengai.alerts.notifications import delivery_send

    return delivery_send(delivery=Delivery.objects.get(pk=delivery_id)).status


@task()
def deliveries_send_due_task() -> dict[str, int]:
    """Send the deliveries whose time has come; returns counts (sent, failed, gave_up, cancelled)."""
    from zhengai.alerts.notifications import deliveries_send_due

    return deliveries_send_due()


@task()
def digests_send_task() -> dict[str, int]:
    """Make and send the daily digests that are due."""
    from zhengai.alerts.notifications import digests_send

    return digests_send()
