"""An overdue task of the work schedule reminds its unit, then 质控中心 — by the scheduler alone.

The time-travel test runs a real `zhengai worker` at set moments (ZHENGAI_NOW): nothing is called by hand;
the notices reach the inbox and go out as email through Django's file backend.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.alerts.models import Delivery, DeliveryStatus, Notification
from zhengai.goals.choices import GoalStatus, TaskKind
from zhengai.goals.models import Task
from zhengai.goals.services import tasks_escalate_overdue
from zhengai.lib import clock
from zhengai.scheduler.tests.worker_process import (  # noqa: F401 (shared_database is a fixture)
    shared_database,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

DUE = dt.date(2026, 12, 20)  # 制定分专业建设规划 of 2026-2027, at 信息系
T1 = clock.parse("2026-12-22T09:00")  # two days late: the unit is told
T2 = clock.parse("2026-12-28T09:00")  # eight days late: past the 7 grace days, 质控中心 too
EMAILS = {"head_a": "he@college.edu.cn", "officer": "chen@college.edu.cn", "teacher": "li@college.edu.cn"}


def _schedule(cast) -> tuple[Task, Task, Task]:
    for key, address in EMAILS.items():
        user = cast.user(key)
        user.email = address
        user.save(update_fields=["email"])
    late = Task.objects.create(title="制定分专业建设规划（信息系）", kind=TaskKind.SCHEDULE, year=2026, schedule_row=5,
                               owner_unit=cast.dept_a, due_date=DUE, responsible_text="四系")  # fmt: skip
    done = Task.objects.create(title="制定分专业建设规划（护理系）", kind=TaskKind.SCHEDULE, year=2026, schedule_row=5,
                               owner_unit=cast.dept_b, due_date=DUE, status=GoalStatus.DONE)  # fmt: skip
    undated = Task.objects.create(title="复核现场安排", kind=TaskKind.SCHEDULE, year=2026, schedule_row=35,
                                  owner_unit=cast.dept_a, due_text="时间待定")  # fmt: skip
    return late, done, undated


def _told(task: Task, level: int) -> set[str]:
    rows = Notification.objects.filter(alert=None, state_key=f"task:{task.pk}:overdue:{level}")
    return set(rows.values_list("user__username", flat=True))


@pytest.mark.django_db
def test_an_overdue_task_reminds_its_unit_then_the_quality_office(cast):
    late, done, undated = _schedule(cast)
    assert tasks_escalate_overdue(now=clock.parse("2026-12-20T18:00")) == 0  # due today: not yet late
    assert tasks_escalate_overdue(now=T1) == 1
    assert _told(late, 1) == {"head_a"}
    assert tasks_escalate_overdue(now=T1 + dt.timedelta(days=1)) == 0  # the unit's grace days run
    assert tasks_escalate_overdue(now=T2) == 1
    assert _told(late, 2) == {"head_a", "officer"}
    assert tasks_escalate_overdue(now=T2 + dt.timedelta(days=30)) == 0  # 质控中心 is the top
    # Done on time or without a date: never overdue.
    assert not Notification.objects.filter(state_key__startswith=f"task:{done.pk}:").exists()
    assert not Notification.objects.filter(state_key__startswith=f"task:{undated.pk}:").exists()
    note = Notification.objects.get(user=cast.user("head_a"), state_key=f"task:{late.pk}:overdue:1")
    assert note.title == "【任务逾期】制定分专业建设规划（信息系）（信息工程系）"
    assert "已逾期 2 天" in note.body and note.link == "/goals/schedule/?year=2026"


@pytest.mark.django_db
def test_opening_a_task_notice_goes_to_the_schedule(cast, client_for):
    _schedule(cast)
    tasks_escalate_overdue(now=T1)
    note = Notification.objects.get(user=cast.user("head_a"))
    client = client_for("head_a")
    assert "【任务逾期】制定分专业建设规划" in client.get("/alerts/inbox/").content.decode()
    opened = client.get(f"/alerts/inbox/{note.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/goals/schedule/?year=2026"
    note.refresh_from_db()
    assert note.read_at is not None


def _sent(username: str, task: Task, level: int):
    def check():
        return Delivery.objects.filter(
            user__username=username, notification__state_key=f"task:{task.pk}:overdue:{level}",
            status=DeliveryStatus.SENT,
        ).first()  # fmt: skip

    return check


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_reminds_and_escalates_an_overdue_task(shared_database, cast, tmp_path):  # noqa: F811
    late, _done, _undated = _schedule(cast)
    mail_dir = tmp_path / "mail"
    log = tmp_path / "worker.log"
    env = worker_env(
        shared_database, tmp_path / "data", ZHENGAI_LOG_LEVEL="INFO",
        ZHENGAI_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", ZHENGAI_EMAIL_FILE_PATH=str(mail_dir),
    )  # fmt: skip
    worker = start_worker({**env, "ZHENGAI_NOW": T1.isoformat()}, log)
    try:
        wait_for(_sent("head_a", late, 1), timeout=90, what="逾期提醒邮件（部门负责人）", process=worker, log=log)
    finally:
        assert stop_worker(worker) == 0
    late.refresh_from_db()
    assert late.escalation_level == 1 and _told(late, 2) == set()

    worker = start_worker({**env, "ZHENGAI_NOW": T2.isoformat()}, log)
    try:
        wait_for(_sent("officer", late, 2), timeout=90, what="逾期升级邮件（质控中心）", process=worker, log=log)
    finally:
        assert stop_worker(worker) == 0
    late.refresh_from_db()
    assert late.escalation_level == 2
    mails = [p.read_text("utf-8", errors="replace") for p in sorted(mail_dir.iterdir())]
    recipients = [line.removeprefix("To: ") for text in mails for line in text.splitlines() if line.startswith("To: ")]
    assert EMAILS["head_a"] in recipients and EMAILS["officer"] in recipients
