"""Inbox notifications and email: no repeat while the state is unchanged, quiet hours, the daily
digest, retries of a failed email. Email goes through Django's locmem backend (mail.outbox), or a
real SMTP connection to a closed port for the failure."""

from __future__ import annotations

import datetime as dt
import socket
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from zhengai.alerts.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference
from zhengai.alerts.notifications import (
    deliveries_send_due,
    digests_send,
    notify,
    quiet_until,
    retry_at,
)
from zhengai.alerts.services import alert_raise, alerts_escalate_overdue
from zhengai.indicators.services import indicator_create
from zhengai.monitoring.tests.college import REPORT_RATE, ecommerce_major

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE = "https://zhengai.example.edu.cn"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 10, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ZHENGAI_BASE_URL = BASE


@pytest.fixture
def indicator(cast):
    ecommerce_major(cast)
    return indicator_create(raw=REPORT_RATE, by=cast.user("officer"))


@pytest.fixture
def leader(cast):
    """张伟, leader of 软件技术: the accountable person of its alerts."""
    user = cast.user("major_leader")
    user.email = "zhangwei@college.edu.cn"
    user.save()
    return user


@pytest.fixture
def head(cast):
    """何主任, head of 信息工程系: hears when an alert of the department opens."""
    user = cast.user("head_a")
    user.email = "he@college.edu.cn"
    user.save()
    return user


@pytest.fixture
def more_indicators(cast):
    """Two more indicators of the same shape, so that one major can have several alerts."""
    return [
        indicator_create(raw={**REPORT_RATE, "code": code, "name": name}, by=cast.user("officer"))
        for code, name in (("T-JHWC", "招生计划完成率"), ("T-DKL", "到课率"))
    ]


def _raise(indicator, now, *, major="510203", name="软件技术", value=0.82, outcome="warn"):
    return alert_raise(
        indicator=indicator,
        entity_kind="major",
        entity_key=major,
        entity_name=name,
        org_unit="xxgc",
        period="2025-2026",
        value=value,
        outcome=outcome,
        now=now,
    )


# ------------------------------------------------------------------------------------------ pure rules


def test_quiet_hours_end_the_same_day_or_the_next_when_they_wrap_midnight():
    night, morning = dt.time(22, 0), dt.time(7, 0)
    assert quiet_until(at(8, 23, 30), night, morning) == at(9, 7)
    assert quiet_until(at(9, 6, 59), night, morning) == at(9, 7)
    assert quiet_until(at(9, 7, 0), night, morning) is None
    assert quiet_until(at(8, 21, 59), night, morning) is None
    lunch = (dt.time(12, 0), dt.time(14, 0))
    assert quiet_until(at(8, 12, 30), *lunch) == at(8, 14)
    assert quiet_until(at(8, 14, 0), *lunch) is None
    assert quiet_until(at(8, 3), None, None) is None
    assert quiet_until(at(8, 3), night, night) is None


def test_retries_wait_longer_each_time_and_stop_after_five_attempts():
    now = at(8, 10)
    waits = [retry_at(n, now) - now for n in range(1, 5)]
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2)]
    assert retry_at(5, now) is None


# ------------------------------------------------------------------------------------------ inbox and email


@pytest.mark.django_db
def test_an_opened_alert_reaches_the_inbox_and_the_email_of_its_recipients(indicator, leader, head):
    alert = _raise(indicator, at(8, 10))

    inbox = Notification.objects.filter(alert=alert)
    assert set(inbox.values_list("user__username", flat=True)) == {"major_leader", "head_a"}
    assert inbox.get(user=leader).title == "【预警】新生报到率：软件技术（发出预警）"
    deliveries = Delivery.objects.filter(channel_kind="email")
    assert set(deliveries.values_list("target", flat=True)) == {"zhangwei@college.edu.cn", "he@college.edu.cn"}
    assert mail.outbox == []  # nothing leaves before the transaction commits and the sender runs

    assert deliveries_send_due(now=at(8, 10))["sent"] == 2

    sent = {m.to[0]: m for m in mail.outbox}
    message = sent["zhangwei@college.edu.cn"]
    assert message.subject == "[诊改平台] 【预警】新生报到率：软件技术（发出预警）"
    body = message.body.split("\n")
    assert "指标：新生报到率（T-BDL）" in body
    assert "监测值：82.0%" in body
    assert "阈值：标准 ≥ 80%，预警 ≥ 85%" in body
    assert "处理时限：2025-10-22 10:00" in body
    assert f"查看预警详情：{BASE}/alerts/{alert.pk}/" in body
    assert all(d.status == DeliveryStatus.SENT and d.sent_at == at(8, 10) for d in deliveries)


@pytest.mark.django_db
def test_no_email_without_an_address_or_when_the_user_turned_email_off(indicator, cast, leader):
    NotificationPreference.objects.create(user=leader, email=False)  # head_a has no address
    alert = _raise(indicator, at(8, 10))
    assert Notification.objects.filter(alert=alert).count() == 2  # the inbox still has both
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_the_same_alert_state_is_notified_only_once(indicator, leader, head, cast):
    channel = Channel.objects.create(kind="wecom", name="质控群", webhook_url="http://127.0.0.1:9/hook")
    alert = _raise(indicator, at(8, 10))
    opened = alert.events.get(kind="opened")
    before = (Notification.objects.count(), Delivery.objects.count())
    assert before == (2, 3)  # two inbox rows, two emails, one robot message

    assert notify(alert=alert, event=opened) == []
    _raise(indicator, at(8, 11))  # the same value and outcome again: nothing new happened
    assert (Notification.objects.count(), Delivery.objects.count()) == before

    # A new state (overdue → escalated to the department head) is news again.
    assert alerts_escalate_overdue(now=at(23, 10)) == 1
    escalated = Notification.objects.filter(alert=alert, event__kind="escalated")
    assert set(escalated.values_list("user__username", flat=True)) == {"major_leader", "head_a"}
    assert Delivery.objects.filter(channel=channel, state_key__endswith=":escalated").count() == 1


@pytest.mark.django_db
def test_quiet_hours_hold_the_email_until_they_end_but_not_the_inbox(indicator, leader, head):
    NotificationPreference.objects.create(user=leader, quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0))
    alert = _raise(indicator, at(8, 23, 30))

    assert Notification.objects.filter(alert=alert, user=leader).exists()
    held = Delivery.objects.get(user=leader)
    assert held.next_attempt_at == at(9, 7)
    assert Delivery.objects.get(user=head).next_attempt_at == at(8, 23, 30)  # 何主任 has no quiet hours

    deliveries_send_due(now=at(8, 23, 31))
    assert [m.to for m in mail.outbox] == [["he@college.edu.cn"]]
    deliveries_send_due(now=at(9, 6, 59))
    assert len(mail.outbox) == 1
    deliveries_send_due(now=at(9, 7))
    assert [m.to for m in mail.outbox][1] == ["zhangwei@college.edu.cn"]


@pytest.mark.django_db
def test_the_daily_digest_sends_one_email_a_day_listing_the_held_notifications(indicator, more_indicators, leader):
    plan, attendance = more_indicators
    NotificationPreference.objects.create(user=leader, daily_digest=True, digest_time=dt.time(8, 0))
    a = _raise(indicator, at(8, 10))
    NotificationPreference.objects.filter(user=leader).update(quiet_start=dt.time(22), quiet_end=dt.time(7))
    b = _raise(plan, at(8, 23), outcome="failed", value=0.7)

    assert not Delivery.objects.filter(user=leader).exists()  # held, not sent one by one
    assert Notification.objects.filter(user=leader, digest_pending=True).count() == 2

    assert digests_send(now=at(9, 7, 30)).get("digests", 0) == 0  # before the digest time
    assert digests_send(now=at(9, 8, 5)) == {"digests": 1, "sent": 1}
    (digest,) = mail.outbox
    assert digest.to == ["zhangwei@college.edu.cn"]
    assert digest.subject == "[诊改平台] 预警每日汇总（2025-10-09，共 2 条）"
    body = digest.body.split("\n")
    assert body[2] == "1. 【预警】新生报到率：软件技术（发出预警）"
    assert body[3] == "   监测值：82.0%；处理时限：2025-10-22 10:00"
    assert body[4] == f"   {BASE}/alerts/{a.pk}/"
    assert body[6] == "2. 【未达标】招生计划完成率：软件技术（发出预警）"
    assert body[8] == f"   {BASE}/alerts/{b.pk}/"
    assert not Notification.objects.filter(digest_pending=True).exists()

    c = _raise(attendance, at(9, 9))
    assert digests_send(now=at(9, 18)).get("digests", 0) == 0  # today's digest went out already
    assert digests_send(now=at(10, 8)) == {"digests": 1, "sent": 1}
    assert mail.outbox[1].subject == "[诊改平台] 预警每日汇总（2025-10-10，共 1 条）"
    assert f"{BASE}/alerts/{c.pk}/" in mail.outbox[1].body
    assert Delivery.objects.filter(user=leader, digest_date__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_digest_due_in_quiet_hours_waits_for_their_end(indicator, leader):
    NotificationPreference.objects.create(
        user=leader, daily_digest=True, digest_time=dt.time(6, 0), quiet_start=dt.time(22), quiet_end=dt.time(7)
    )
    _raise(indicator, at(8, 10))
    assert digests_send(now=at(9, 6, 30)) == {"digests": 1}
    assert mail.outbox == []
    deliveries_send_due(now=at(9, 7))
    assert len(mail.outbox) == 1 and "共 1 条" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_failed_email_is_retried_and_its_error_kept(indicator, leader, settings):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    _raise(indicator, at(8, 10))

    assert deliveries_send_due(now=at(8, 10), timeout=2) == {"sent": 0, "failed": 1, "gave_up": 0, "cancelled": 0}
    d = Delivery.objects.get(user=leader)
    assert d.status == DeliveryStatus.FAILED and d.attempts == 1 and d.next_attempt_at == at(8, 10, 1)
    assert d.last_error.startswith("邮件发送失败")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server is back
    assert deliveries_send_due(now=at(8, 11))["sent"] == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENT and d.attempts == 2 and d.last_error == ""


@pytest.mark.django_db
def test_the_deliver_command_sends_what_is_due_and_reports_it(indicator, leader, head):
    _raise(indicator, at(8, 10))
    out = StringIO()
    call_command("alerts_deliver", stdout=out)
    assert "已发送 2 条" in out.getvalue()
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_new_deliveries_are_handed_to_the_worker_once_per_transaction(
    indicator, more_indicators, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _raise(indicator, at(8, 10))
        _raise(more_indicators[0], at(8, 10))
        assert DBTaskResult.objects.count() == 0  # not before the commit
    assert [c.__name__ for c in callbacks].count("_enqueue_send") == 1
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "zhengai.alerts.tasks.deliveries_send_due_task" and task.status == "READY"
    assert task.task.call() == {"sent": 2, "failed": 0, "gave_up": 0, "cancelled": 0}  # what the worker runs
    assert [m.to for m in mail.outbox] == [["zhangwei@college.edu.cn"]] * 2
