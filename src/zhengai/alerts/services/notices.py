"""Notices: inbox messages (and their emails) about something other than an alert — an overdue task of
the goal chain, a self-diagnosis that is late. They share the inbox, the email channel, the user's
preferences (daily digest, quiet hours) and the delivery retries with alert notifications.

A notice is sent once per `state_key` and user: calling again with the same key changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from zhengai.alerts.channels import Message
from zhengai.alerts.channels.content import base_url
from zhengai.alerts.models import Notification
from zhengai.alerts.notifications import _email_deliveries, _send_after_commit
from zhengai.lib import clock


def notice_send(
    *,
    users: Iterable,
    title: str,
    body: str,
    link: str,
    state_key: str,
    fields: tuple[tuple[str, str], ...] = (),
    level: str = "warn",
    event: str = "提醒",
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Notify each user (inbox, then email as their preferences say); returns the notifications created."""
    if not link.startswith("/"):
        raise ValueError("提醒的链接须为站内地址（以 / 开头）")
    now = now or clock.now()
    created = []
    for user in {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}.values():
        if Notification.objects.filter(user=user, alert=None, state_key=state_key[:64]).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user, alert=None, link=link, title=title[:200], body=body, state_key=state_key[:64],
                        created_at=now,
                    )
                )  # fmt: skip
        except IntegrityError:
            continue  # a concurrent sender got there first
    message = Message(title=title, event=event, level=level, fields=fields, url=base_url() + link, note=body)
    if _email_deliveries(created, alert=None, key=state_key[:64], payload=message.as_payload, now=now):
        _send_after_commit()
    return created
