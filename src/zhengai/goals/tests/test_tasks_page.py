"""年度工作任务: key points decomposed to departments and people, each within its scope, overdue first."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.goals.choices import TaskKind
from zhengai.goals.models import Task
from zhengai.lib import clock

pytestmark = pytest.mark.django_db


def _point(client, title, unit, due):
    return client.post("/goals/tasks/new/", {"year": "2026", "title": title, "unit": unit, "due_date": due})


def test_a_key_point_is_decomposed_to_a_department_and_then_to_a_person(cast, client_for):
    from zhengai.audit.models import AuditRecord

    with clock.frozen(dt.datetime(2026, 11, 20, 9)):
        office = client_for("officer")
        assert _point(office, "完成人才培养方案修订", "xxgc", "2026-10-31").status_code == 302
        _point(office, "落实教师培训计划", "hlx", "2026-12-31")
        point = Task.objects.get(title="完成人才培养方案修订")
        assert point.kind == TaskKind.KEY_POINT and point.year == 2026
        office.post("/goals/tasks/new/", {"parent": point.pk, "title": "修订本系方案", "unit": "xxgc",
                                          "due_date": "2026-10-31"})  # fmt: skip
        office.post("/goals/tasks/new/", {"parent": point.pk, "title": "护理系修订方案", "unit": "hlx",
                                          "due_date": "2026-10-31"})  # fmt: skip
        dept = Task.objects.get(title="修订本系方案")
        assert dept.kind == TaskKind.UNIT and dept.parent == point and dept.owner_unit == cast.dept_a
        office.get("/goals/tasks/?year=2026")  # read the office's messages (one test client signs in as each)
        head = client_for("head_a")
        page = head.get("/goals/tasks/?year=2026").content.decode()
        # his unit's task, under its key point, overdue (due 10-31, today 11-20) and first; not 护理系's
        assert "修订本系方案" in page and "护理系修订方案" not in page and "落实教师培训计划" not in page
        assert "逾期 20 天" in page and page.index("完成人才培养方案修订") < page.index("修订本系方案")
        assert "李娜" in page  # a teacher of his department, to be given the task
        new = {
            "parent": dept.pk,
            "title": "软件技术专业方案",
            "owner": "teacher",
            "unit": "xxgc",
            "due_date": "2026-10-20",
        }
        assert head.post("/goals/tasks/new/", new).status_code == 302
        person = Task.objects.get(title="软件技术专业方案")
        assert person.kind == TaskKind.PERSON and person.owner.username == "teacher" and person.parent == dept
        # a head may not add tasks to another unit's task, nor key points
        other = Task.objects.get(title="护理系修订方案")
        refused = head.post("/goals/tasks/new/", {"parent": other.pk, "title": "越权", "unit": "hlx"})
        assert refused.status_code == 403
        assert _point(head, "越权要点", "xxgc", "2026-12-01").status_code == 403
        # the teacher sees his own task with its context, and nothing of 护理系
        head.get("/goals/tasks/?year=2026")
        mine = client_for("teacher").get("/goals/tasks/?year=2026").content.decode()
    assert "软件技术专业方案" in mine and "完成人才培养方案修订" in mine and "护理系修订方案" not in mine
    assert not Task.objects.filter(title__in=["越权", "越权要点"]).exists()
    assert AuditRecord.objects.filter(action="新建任务").count() == 5
    assert client_for("outsider").get("/goals/tasks/?year=2026").content.decode().count('class="zg-task"') == 0


def test_a_person_task_must_go_to_someone_of_the_unit(cast, client_for):
    with clock.frozen(dt.datetime(2026, 11, 20, 9)):
        office = client_for("officer")
        _point(office, "要点", "xxgc", "2026-12-31")
        point = Task.objects.get(title="要点")
        office.post("/goals/tasks/new/", {"parent": point.pk, "title": "部门任务", "unit": "xxgc"})
        dept = Task.objects.get(title="部门任务")
        # 王芳 teaches in 护理系: not a person of 信息工程系
        response = office.post("/goals/tasks/new/", {"parent": dept.pk, "title": "个人任务", "owner": "course_leader",
                                                     "unit": "xxgc"}, follow=True)  # fmt: skip
    assert "不是信息工程系的人员" in response.content.decode()
    assert not Task.objects.filter(title="个人任务").exists()
