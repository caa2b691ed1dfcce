"""Send through Django's email backend (SMTP in production; locmem in tests, console in development)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from zhengai.alerts.channels.base import DeliveryError


def send(*, target: str, secret: str, body: dict, timeout: float, now=None) -> None:
    message = EmailMessage(
        subject=body["subject"],
        body=body["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[target],
        connection=get_connection(timeout=timeout),
    )
    try:
        sent = message.send()
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors; a bad address is a ValueError
        raise DeliveryError(f"邮件发送失败：{exc}") from exc
    if not sent:
        raise DeliveryError("邮件服务器没有接收这封邮件")
