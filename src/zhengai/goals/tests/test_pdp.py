"""Personal development plans: generated from a template for several teachers (linked, and a second run
skips them), judged from a real evaluation of imported training hours, and seen only by the person, his
supervisor, his department's head and the college-wide roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zhengai.audit.models import AuditRecord
from zhengai.datacenter.choices import RunStatus as ImportStatus
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.goals import selectors
from zhengai.goals.choices import Attainment as A
from zhengai.goals.models import Goal, Plan, Target
from zhengai.goals.services import (
    development_route,
    goalset_generate,
    pdp_comment,
    pdp_create,
    pdp_generate_from_template,
    pdp_stage_set,
    pdp_template_create,
    template_goal_add,
)
from zhengai.indicators.models import Indicator
from zhengai.indicators.services import indicators_sync_shipped
from zhengai.lib import clock
from zhengai.monitoring.services import evaluate_now
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 2, 9, 0)


def _import(source, table, path, text):
    path.write_bytes(text.encode("gbk"))  # the header names the standard fields: no mapping needed
    return import_run_execute(run=import_run_create(source=source, table=table, paths=[path]))


@pytest.fixture
def measured(cast, settings, tmp_path):
    """JS-PXXS (年度培训学时, per 学年) evaluated from imported rosters and training records:
    李娜 T002 50 学时 in 2024-2025 and 30 in 2025-2026; 王芳 T003 80 in 2025-2026; 张伟 T001 none (0)."""
    settings.ZHENGAI_REALTIME_ENABLED = False
    calendar_ensure(first_start_year=2023, last_start_year=2026)
    indicators_sync_shipped()
    source = SourceSystem.objects.create(code="rsc", name="人事系统", connector="files", expected_every_days=30)
    with clock.frozen(TODAY):
        units = _import(source, "departments", tmp_path / "部门.csv", "dept_code,dept_name,dept_kind\n"
                        "xxgc,信息工程系,3\nhlx,护理系,3\nzkzx,质量监督与控制中心,4\n")  # fmt: skip
        assert units.status == ImportStatus.COMMITTED, units.message
        teachers = _import(source, "teachers", tmp_path / "教师.csv", "staff_no,name,gender,category,dept_code,"
                           "title_level,degree,education,dual_qualified\nT001,张伟,1,1,xxgc,2,2,10,1\n"
                           "T002,李娜,2,1,xxgc,3,2,10,0\nT003,王芳,2,1,hlx,1,2,10,0\n")  # fmt: skip
        training = _import(source, "teacher_training", tmp_path / "培训.csv", "record_id,staff_no,training_kind,"
                           "title,start_date,end_date,hours\nP1,T002,2,信息化教学,2024-10-08,2024-10-10,50\n"
                           "P2,T002,3,课程思政,2025-10-05,2025-10-08,30\n"
                           "P3,T003,2,护理新技术,2025-11-01,2025-11-10,80\n")  # fmt: skip
        assert teachers.status == training.status == ImportStatus.COMMITTED, teachers.message + training.message
        run = evaluate_now(indicator_codes=["JS-PXXS"], periods=["2024-2025", "2025-2026"])
        assert run.status == "succeeded", run.message
    return training


@pytest.fixture
def template(cast):
    officer = cast.user("officer")
    plan = pdp_template_create(name="专任教师三年发展规划", entity_kind="teacher", start_year=2024, end_year=2026,
                               by=officer)  # fmt: skip
    template_goal_add(template=plan, title="年度培训学时达标", entity_kind="teacher",
                      indicator=Indicator.objects.get(code="JS-PXXS"), values={2024: 40, 2025: 48, 2026: 56},
                      by=officer)  # fmt: skip
    return plan


def test_generated_plans_stay_linked_and_a_second_run_skips_them(measured, template, cast):
    officer = cast.user("officer")
    goal = template.goals.get()
    assert sorted(goal.targets.values_list("period", "value")) == [("2024-2025", 40), ("2025-2026", 48),
                                                                   ("2026-2027", 56)]  # fmt: skip
    first = pdp_generate_from_template(template=template, filters={"department": "xxgc"}, by=officer)
    assert (first.created, first.skipped) == (2, 0)
    plans = Plan.objects.filter(template=template).order_by("entity_key")
    assert [p.entity_key for p in plans] == ["T001", "T002"]
    for plan in plans:
        copy = plan.goals.get()
        assert copy.template == goal and not copy.is_template and copy.entity_kind == "teacher"
        assert copy.entity_key == plan.entity_key and copy.targets.count() == 3
    assert plans[1].owner == cast.user("teacher") and plans[1].owner_unit == cast.dept_a
    again = pdp_generate_from_template(template=template, by=officer)  # everyone: only 王芳 is new
    assert (again.created, again.skipped) == (1, 2)
    assert {k for k, _why in again.skipped_list} == {"T001", "T002"}
    assert all("已有按此模板生成" in why for _k, why in again.skipped_list)
    keys = pdp_generate_from_template(template=template, entity_keys=["T002", "T999"], by=officer)
    assert keys.created == 0 and dict(keys.skipped_list)["T999"].startswith("没有代码为“T999”的教师")
    assert Plan.objects.filter(template=template).count() == 3
    assert AuditRecord.objects.filter(action="按模板生成个人发展规划").count() == 3
    # A filter on a field teachers do not have is refused by name.
    with pytest.raises(ValidationError, match="不能按“班级”筛选"):
        pdp_generate_from_template(template=template, filters={"班级": "RJ2301"}, by=officer)


def test_yearly_attainment_comes_from_the_evaluation(measured, template, cast):
    pdp_generate_from_template(template=template, by=cast.user("officer"))
    plans = {p.entity_key: p for p in Plan.objects.filter(template=template)}
    with clock.frozen(TODAY):
        got = selectors.pdp_statuses(plans.values())

    def years(key):
        return {y.year: (y.state, y.rows[0].result.value) for y in got[plans[key].pk].goals[0].years}

    # 李娜: 50 ≥ 40 达成; 30 < 48 未达成; 2026-2027 not evaluated: 数据不足, not a failure.
    assert years("T002") == {2024: (A.ATTAINED, 50), 2025: (A.NOT_ATTAINED, 30), 2026: (A.NO_DATA, None)}
    # 王芳: no training in 2024-2025 counts 0 学时 (the indicator fills 0): 未达成; 80 ≥ 48 达成.
    assert years("T003") == {2024: (A.NOT_ATTAINED, 0), 2025: (A.ATTAINED, 80), 2026: (A.NO_DATA, None)}
    # In March 2026 the 2025-2026 学年 is still running (its hours are still being added up): the latest
    # finished year, 2024-2025, decides whether a plan is off track.
    assert got[plans["T002"].pk].latest_year == 2024 and not got[plans["T002"].pk].off_track
    assert got[plans["T003"].pk].latest_year == 2024 and got[plans["T003"].pk].off_track
    row = got[plans["T002"].pk].goals[0].years[0].rows[0]
    assert row.as_of is not None and "人事系统" in row.source and "计算批次 #" in row.result.provenance
    # Forty days after the import the data are stale: the same years are 数据不足, never judged.
    with clock.frozen(measured.finished_at + dt.timedelta(days=40)):
        later = selectors.pdp_statuses([plans["T002"]])[plans["T002"].pk]
    assert {y.state for y in later.goals[0].years} == {A.NO_DATA} and not later.off_track


def test_template_and_personal_goals_stay_out_of_the_goal_tree(measured, template, cast):
    pdp_generate_from_template(template=template, filters={"department": "hlx"}, by=cast.user("officer"))
    with clock.frozen(TODAY):
        results = selectors.goal_attainments(period="2025-2026")
        tree = selectors.tree_for(cast.user("officer"), period="2025-2026")
    template_goal = template.goals.get()
    assert template_goal.pk not in results
    generated = Goal.objects.get(template=template_goal, entity_key="T003")
    assert results[generated.pk].result.state == A.ATTAINED  # judged from the data like any goal
    assert tree == []  # but shown on the plan's own page, not in the goal tree


def test_each_person_sees_only_what_he_may(measured, template, cast, client_for):
    officer = cast.user("officer")
    pdp_generate_from_template(template=template, by=officer)
    li = Plan.objects.get(template=template, entity_key="T002")
    wang = Plan.objects.get(template=template, entity_key="T003")
    li.supervisor = cast.user("major_leader")  # 张伟 guides 李娜
    li.save(update_fields=["supervisor"])
    with clock.frozen(TODAY):
        teacher = client_for("teacher")
        assert teacher.get("/goals/pdps/")["Location"] == f"/goals/pdps/{li.pk}/"  # his one plan opens directly
        page = teacher.get(f"/goals/pdps/{li.pk}/").content.decode()
        assert 'data-state="not_attained"' in page and 'data-state="no_data"' in page and "数据不足" in page
        assert "李娜（T002）" in page and 'id="stage-form"' not in page
        assert teacher.get(f"/goals/pdps/{wang.pk}/").status_code == 403  # another teacher's
        assert client_for("major_leader").get(f"/goals/pdps/{li.pk}/").status_code == 200  # the supervisor
        head = client_for("head_a")
        assert head.get(f"/goals/pdps/{li.pk}/").status_code == 200  # the head of 信息工程系
        assert head.get(f"/goals/pdps/{wang.pk}/").status_code == 403  # 护理系 is not his
        listed = head.get("/goals/pdps/").content.decode()
        assert f'data-plan="{li.pk}"' in listed and f'data-plan="{wang.pk}"' not in listed
        assert client_for("outsider").get(f"/goals/pdps/{li.pk}/").status_code == 403
        everything = client_for("officer").get("/goals/pdps/").content.decode()
    # 质控中心 sees all three, off track first: 王芳 and 张伟 fell short in 2024-2025 (the latest finished
    # 学年), 李娜 did not.
    order = [int(x.split('"')[0]) for x in everything.split('data-plan="')[1:]]
    assert order[-1] == li.pk and len(order) == 3 and everything.count('data-off-track="1"') == 2
    assert selectors.can_see_pdp(cast.user("committee"), li) and not selectors.can_see_pdp(cast.user("student"), li)


def test_the_supervisor_comments_and_only_he_or_the_office_moves_the_stage(measured, template, cast, client_for):
    li = pdp_create(entity_kind="teacher", entity_key="T002", start_year=2024, end_year=2026,
                    supervisor=cast.user("major_leader"), by=cast.user("officer"))  # fmt: skip
    assert development_route("teacher").note.startswith("未核实") and len(development_route().stages) == 4
    supervisor = client_for("major_leader")
    supervisor.post(f"/goals/pdps/{li.pk}/comment/", {"text": "下学年把企业实践排进暑期"})
    assert li.comments.get().text == "下学年把企业实践排进暑期" and li.comments.get().by == cast.user("major_leader")
    assert AuditRecord.objects.filter(action="填写个人发展规划意见", object_id=str(li.pk)).count() == 1
    assert supervisor.post(f"/goals/pdps/{li.pk}/stage/", {"stage": "backbone"}).status_code == 302
    li.refresh_from_db()
    assert li.stage == "backbone"
    page = supervisor.get(f"/goals/pdps/{li.pk}/").content.decode()
    assert 'class="step-item active" data-stage="backbone"' in page and "下学年把企业实践排进暑期" in page
    # The teacher himself replies but cannot move his own stage; the department head neither; an outsider
    # cannot comment.
    teacher = client_for("teacher")
    teacher.post(f"/goals/pdps/{li.pk}/comment/", {"text": "好的"})
    assert li.comments.count() == 2
    assert teacher.post(f"/goals/pdps/{li.pk}/stage/", {"stage": "master"}).status_code == 403
    assert client_for("head_a").post(f"/goals/pdps/{li.pk}/stage/", {"stage": "master"}).status_code == 403
    assert client_for("outsider").post(f"/goals/pdps/{li.pk}/comment/", {"text": "x"}).status_code == 403
    with pytest.raises(ValidationError, match="只有指导人和质控中心"):
        pdp_stage_set(plan=li, stage="master", by=cast.user("teacher"))
    with pytest.raises(ValidationError, match="不在发展路线"):
        pdp_stage_set(plan=li, stage="expert", by=cast.user("officer"))
    with pytest.raises(ValidationError, match="只有指导人、本人"):
        pdp_comment(plan=li, text="x", by=cast.user("course_leader"))
    li.refresh_from_db()
    assert li.stage == "backbone" and AuditRecord.objects.filter(action="调整发展阶段").count() == 1


def test_the_office_builds_a_template_and_generates_from_the_page(measured, cast, client_for):
    office = client_for("officer")
    office.post("/goals/pdps/templates/", {"action": "template", "name": "双师型教师发展规划", "entity_kind": "teacher",
                                           "start_year": "2025", "end_year": "2027"})  # fmt: skip
    template = Plan.objects.get(is_template=True, name="双师型教师发展规划")
    office.post("/goals/pdps/templates/", {"action": "goal", "template": template.pk, "title": "评教不低于 85 分",
                                           "indicator": "JS-PJ", "comparison": ">=", "value_2025": "85",
                                           "value_2026": "88"})  # fmt: skip
    # 评教 is per 学期: each year's value is set on both terms of that 学年.
    assert sorted(Target.objects.filter(goal__plan=template).values_list("period", flat=True)) == [
        "2025-2026-1", "2025-2026-2", "2026-2027-1", "2026-2027-2"]  # fmt: skip
    page = office.post(f"/goals/pdps/templates/{template.pk}/generate/", {"dual_qualified": "1"}).content.decode()
    assert 'data-created="1"' in page and 'data-skipped="0"' in page  # 张伟 is the only 双师型 teacher
    again = office.post(f"/goals/pdps/templates/{template.pk}/generate/", {"dual_qualified": "1"}).content.decode()
    assert 'data-created="0"' in again and 'data-skipped="1"' in again
    assert Plan.objects.get(template=template).entity_key == "T001"
    assert client_for("head_a").get("/goals/pdps/templates/").status_code == 403
    assert client_for("teacher").post(f"/goals/pdps/templates/{template.pk}/generate/").status_code == 403


def test_every_provincial_major_gets_its_tiers_goal_set(measured, cast):
    officer = cast.user("officer")
    parent = Goal.objects.create(title="省级重点专业建设", level="school")
    set_goal = template_goal_add(title="专业建设目标（省级重点）", entity_kind="major", level="major",
                                 indicator=Indicator.objects.filter(entity="major", period="academic_year").first(),
                                 values={2025: 0.9}, by=officer)  # fmt: skip
    made = goalset_generate(template_goal=set_goal, filters={"tier": "provincial"}, parent=parent, by=officer)
    assert (made.created, made.skipped) == (2, 0)
    copies = Goal.objects.filter(template=set_goal).order_by("entity_key")
    assert [g.entity_key for g in copies] == ["510203", "520201"]  # 软件技术 and 护理, not the 培育 major
    assert all(list(g.parents.all()) == [parent] and g.targets.count() == 1 for g in copies)
    assert goalset_generate(template_goal=set_goal, filters={"tier": "provincial"}, parent=parent,
                            by=officer).skipped == 2  # fmt: skip


def test_a_student_plan_is_seen_by_the_student_and_his_adviser(cast, client_for):
    plan = pdp_create(entity_kind="student", entity_key="2023010101", start_year=2024, end_year=2025,
                      by=cast.user("officer"))  # fmt: skip
    assert plan.supervisor == cast.user("teacher")  # 李娜 advises 软件2301
    assert client_for("student").get("/goals/pdps/")["Location"] == f"/goals/pdps/{plan.pk}/"
    assert client_for("teacher").get(f"/goals/pdps/{plan.pk}/").status_code == 200
    assert client_for("course_leader").get(f"/goals/pdps/{plan.pk}/").status_code == 403
    with pytest.raises(ValidationError, match="学生的个人发展规划没有发展阶段"):
        pdp_create(entity_kind="student", entity_key="2023010102", start_year=2024, end_year=2025, stage="novice",
                   by=cast.user("officer"))  # fmt: skip


def test_a_running_year_is_shown_as_running_not_failed(measured, template, cast, client_for):
    """In March 2026 李娜's 30 学时 of 2025-2026 are a figure so far: 进行中, not 未达成; 2026-2027 has not begun."""
    pdp_generate_from_template(template=template, entity_keys=["T002"], by=cast.user("officer"))
    li = Plan.objects.get(template=template, entity_key="T002")
    with clock.frozen(TODAY):
        page = client_for("officer").get(f"/goals/pdps/{li.pk}/").content.decode()
    assert 'data-year-state="running"' in page and "学年未结束" in page
    assert 'data-year-state="future"' in page and 'data-year-state="not_attained"' not in page
