"""The goal tree and the work schedule pages, read within each user's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.goals.choices import GoalStatus, Rollup
from zhengai.goals.models import Task
from zhengai.goals.services import goal_create
from zhengai.lib import clock
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def goals(cast):
    calendar_ensure(first_start_year=2025, last_start_year=2026)
    officer = cast.user("officer")
    school = goal_create(title="建成省级优质高职院校", level="school", rollup=Rollup.ALL_COMPLETE, by=officer)
    a = goal_create(title="信息系专业群建设", level="major", entity_kind="department", entity_key="xxgc",
                    owner_unit=cast.dept_a, parents=[school], by=officer)  # fmt: skip
    b = goal_create(title="护理系师资队伍建设", level="teacher", entity_kind="department", entity_key="hlx",
                    owner_unit=cast.dept_b, parents=[school], by=officer)  # fmt: skip
    return school, a, b


def test_the_tree_shows_each_user_the_goals_of_his_scope(goals, client_for):
    with clock.frozen(dt.datetime(2026, 11, 2, 9)):
        page = client_for("officer").get("/goals/").content.decode()
        assert page.count('class="zg-goal"') == 3 and "建成省级优质高职院校" in page
        # No target and no data: 数据不足, never 达成.
        assert page.count('data-state="no_data"') == 3 and "数据不足</span>" in page
        head = client_for("head_a").get("/goals/").content.decode()
    assert "信息系专业群建设" in head and "护理系师资队伍建设" not in head
    outsider = client_for("outsider").get("/goals/").content.decode()
    assert "信息系专业群建设" not in outsider and "还没有可以查看的目标" in outsider


def test_the_office_loads_table_2_and_overdue_rows_come_marked(cast, client_for):
    with clock.frozen(dt.datetime(2026, 12, 15, 9)):
        client = client_for("officer")
        empty = client.get("/goals/schedule/?year=2026").content.decode()
        assert "载入方案表 2" in empty
        assert client.post("/goals/schedule/load/", {"year": "2026"}).status_code == 302
        Task.objects.filter(year=2026, schedule_row=4).update(status=GoalStatus.DONE)  # 专业建设规划 done on time
        page = client.get("/goals/schedule/?year=2026").content.decode()
    assert page.count("<tr data-row=") == 40
    # 2018.11.28 moved to 2026.11.28 and not done by 12-15: 17 days overdue; row 4 is done.
    assert "逾期 17 天" in page and 'data-row="4" class="table-danger"' not in page
    assert "复核前10天" in page
    head = client_for("head_a").post("/goals/schedule/load/", {"year": "2026"})
    assert head.status_code == 403


def test_a_department_head_reports_his_units_part_and_the_row_follows(cast, client_for):
    from zhengai.audit.models import AuditRecord
    from zhengai.goals.services import schedule_load

    with clock.frozen(dt.datetime(2026, 12, 15, 9)):
        schedule_load(year=2026)
        row = Task.objects.get(year=2026, schedule_row=5, parent=None)  # 制定分专业建设规划, due 2026-12-20
        mine, other = row.children.get(owner_unit=cast.dept_a), row.children.get(owner_unit=cast.dept_b)
        head = client_for("head_a")
        page = head.get("/goals/schedule/?year=2026&mine=1").content.decode()
        assert f'data-task="{mine.pk}"' in page and f'data-task="{other.pk}"' not in page
        refused = head.post(f"/goals/tasks/{mine.pk}/update/", {"status": GoalStatus.DONE, "note": "  "})
        assert refused.status_code == 302
        mine.refresh_from_db()
        assert mine.status == GoalStatus.NOT_STARTED  # a note is required: nothing saved
        head.post(f"/goals/tasks/{mine.pk}/update/", {"status": GoalStatus.DONE, "note": "系部专业建设规划已印发"})
        assert head.post(f"/goals/tasks/{other.pk}/update/", {"status": "done", "note": "x"}).status_code == 403
    mine.refresh_from_db()
    row.refresh_from_db()
    assert mine.status == GoalStatus.DONE and mine.notes.get().text == "系部专业建设规划已印发"
    assert row.status == GoalStatus.IN_PROGRESS  # one of two units done
    with clock.frozen(dt.datetime(2026, 12, 22, 9)):  # 质控中心 records the other, two days late
        client_for("officer").post(f"/goals/tasks/{other.pk}/update/", {"status": "done", "note": "已完成"})
    other.refresh_from_db()
    row.refresh_from_db()
    assert other.status == GoalStatus.DONE_LATE and row.status == GoalStatus.DONE_LATE
    assert AuditRecord.objects.filter(action="填报任务进展").count() == 2


def test_goals_are_created_and_given_targets_in_the_app_within_each_users_unit(goals, cast, client_for):
    from zhengai.goals.models import Goal
    from zhengai.indicators.services import indicator_create
    from zhengai.monitoring.tests.college import REPORT_RATE

    indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    _school, a, _b = goals
    head = client_for("head_a")
    form = {
        "title": "软件技术专业报到率不低于 90%",
        "level": "major",
        "entity_kind": "major",
        "entity_key": "510203",
        "owner_unit": "xxgc",
        "weight": "1",
        "rollup": "leaf_only",
        "verification": "indicator",
        "hold_periods": "1",
    }
    created = head.post(f"/goals/new/?parent={a.pk}", form)
    goal = Goal.objects.get(title="软件技术专业报到率不低于 90%")
    assert created.status_code == 302 and created["Location"] == f"/goals/{goal.pk}/"
    assert list(goal.parents.all()) == [a] and goal.owner_unit == cast.dept_a
    # Not for another unit, and a wrong entity is named, nothing written.
    assert head.post("/goals/new/", {**form, "title": "护理", "owner_unit": "hlx"}).status_code == 403
    wrong = head.post("/goals/new/", {**form, "title": "不存在", "entity_key": "999999"}).content.decode()
    assert "没有代码为“999999”的专业" in wrong and not Goal.objects.filter(title="不存在").exists()
    # A target on the major's indicator; the page shows it, 数据不足 until there is a measurement.
    head.post(f"/goals/{goal.pk}/targets/", {"indicator": "T-BDL", "period": "2025-2026", "comparison": ">=",
                                             "value": "0.9"})  # fmt: skip
    assert goal.targets.get().value == 0.9
    page = head.get(f"/goals/{goal.pk}/").content.decode()
    assert 'data-period="2025-2026"' in page and "数据不足" in page and "T-BDL 新生报到率" in page
    assert client_for("outsider").get(f"/goals/{goal.pk}/").status_code == 404
    assert client_for("outsider").get("/goals/new/").status_code == 403


def test_a_goal_judged_through_its_lower_goals_shows_each_of_them_per_year(goals, cast, client_for):
    from zhengai.goals.services import goal_review

    school, _a, _b = goals
    officer = cast.user("officer")
    lower = goal_create(title="完成课程标准修订", level="course", verification="reviewer", reviewer=officer,
                        parents=[school], by=officer)  # fmt: skip
    goal_review(goal=lower, period="2025-2026", attained=False, note="尚有 3 门课程未修订", by=officer)
    page = client_for("officer").get(f"/goals/{school.pk}/").content.decode()
    # the school goal has no target of its own: its 学年 comes from its lower goal's verdict
    assert 'data-period="2025-2026"' in page and f'data-child="{lower.pk}"' in page
    assert "尚有 3 门课程未修订" not in page  # the verdict is on the lower goal's own page
    own = client_for("officer").get(f"/goals/{lower.pk}/").content.decode()
    assert "尚有 3 门课程未修订" in own and 'id="goal-reviews"' in own and "核验目标" in own
    # a department head sees the school goal, but not a lower goal outside his unit
    head = client_for("head_a").get(f"/goals/{school.pk}/").content.decode()
    assert 'data-period="2025-2026"' in head and f'data-child="{lower.pk}"' not in head
