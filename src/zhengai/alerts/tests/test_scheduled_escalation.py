"""Escalation reaches people: an overdue alert goes to the head of its unit, then to 质控中心.

The time-travel test runs nothing by hand: a real `zhengai worker` process (the scheduler inside it)
lives at a set moment through ZHENGAI_NOW, escalates and emails through Django's file backend; then a
worker restarted four days later escalates again.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.alerts.models import Alert, Delivery, DeliveryStatus, Notification
from zhengai.alerts.services import alert_raise, alerts_escalate_overdue
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.tests.college import REPORT_RATE
from zhengai.scheduler.tests.worker_process import (  # noqa: F401 (shared_database is a fixture)
    shared_database,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

T1 = clock.parse("2027-03-01T10:00")  # ten days after the alert opened: three days past its 7-day limit
T2 = T1 + dt.timedelta(days=4)  # past the 3 more days the unit head has
EMAILS = {"major_leader": "zhangwei@college.edu.cn", "head_a": "he@college.edu.cn", "officer": "chen@college.edu.cn"}


def _college(cast) -> Alert:
    for key, address in EMAILS.items():
        user = cast.user(key)
        user.email = address
        user.save(update_fields=["email"])
    indicator = indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    return alert_raise(
        indicator=indicator, entity_kind="major", entity_key="510203", entity_name="软件技术", org_unit="xxgc",
        period="2026-2027", value=0.62, outcome="failed", now=T1 - dt.timedelta(days=10),
    )  # fmt: skip


def _escalated_to(alert: Alert) -> set[str]:
    found = Notification.objects.filter(alert=alert, event__kind="escalated")
    return set(found.values_list("user__username", flat=True))


@pytest.mark.django_db
def test_escalation_notifies_the_unit_head_then_the_quality_office(cast):
    alert = _college(cast)
    assert alerts_escalate_overdue(now=T1) == 1
    assert _escalated_to(alert) == {"major_leader", "head_a"}

    assert alerts_escalate_overdue(now=T1 + dt.timedelta(days=1)) == 0  # the unit head's 3 days run
    assert alerts_escalate_overdue(now=T2) == 1
    level2 = Notification.objects.filter(alert=alert, event__kind="escalated", event__data__level=2)
    assert set(level2.values_list("user__username", flat=True)) == {"major_leader", "head_a", "officer"}
    assert alerts_escalate_overdue(now=T2 + dt.timedelta(days=30)) == 0  # 质控中心 is the top


def _sent_escalation(username: str, level: int):
    def check():
        return Delivery.objects.filter(
            user__username=username,
            notification__event__kind="escalated",
            notification__event__data__level=level,
            status=DeliveryStatus.SENT,
        ).first()

    return check


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_escalates_an_overdue_alert_and_emails_the_head_then_the_quality_office(
    shared_database,  # noqa: F811 (first: the data below goes into the database the worker opens)
    cast,
    tmp_path,
):
    alert = _college(cast)
    mail_dir = tmp_path / "mail"
    log = tmp_path / "worker.log"
    env = worker_env(
        shared_database,
        tmp_path / "data",
        ZHENGAI_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        ZHENGAI_EMAIL_FILE_PATH=str(mail_dir),
        ZHENGAI_LOG_LEVEL="INFO",
    )

    worker = start_worker({**env, "ZHENGAI_NOW": T1.isoformat()}, log)
    try:
        to_head = wait_for(
            _sent_escalation("head_a", 1), timeout=90, what="升级通知邮件（部门负责人）", process=worker, log=log
        )
    finally:
        assert stop_worker(worker) == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert "officer" not in _escalated_to(alert)
    assert to_head.target == EMAILS["head_a"] and to_head.sent_at >= T1  # sent at the worker's moment

    worker = start_worker({**env, "ZHENGAI_NOW": T2.isoformat()}, log)
    try:
        to_office = wait_for(
            _sent_escalation("officer", 2), timeout=90, what="升级通知邮件（质控中心）", process=worker, log=log
        )
    finally:
        assert stop_worker(worker) == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 2
    assert to_office.target == EMAILS["officer"] and to_office.sent_at >= T2

    mails = [path.read_text("utf-8", errors="replace") for path in sorted(mail_dir.iterdir())]
    recipients = [line.removeprefix("To: ") for text in mails for line in text.splitlines() if line.startswith("To: ")]
    assert EMAILS["head_a"] in recipients and EMAILS["officer"] in recipients
    escalation_rounds = Delivery.objects.filter(notification__event__kind="escalated", status=DeliveryStatus.SENT)
    assert escalation_rounds.count() == 5  # 张伟 and the head at level 1; both again and 质控中心 at level 2
