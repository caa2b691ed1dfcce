"""`zhengai demo` loads the master data and the demo accounts, and a second run replaces the first."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from zhengai.accounts.choices import Role
from zhengai.accounts.models import User
from zhengai.demo.loader import SYSTEMS
from zhengai.demo.models import DemoBuild
from zhengai.demo.writers import MANIFEST
from zhengai.org import choices
from zhengai.org.models import Course, Major, SchoolClass, Student, Teacher

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ACCOUNTS = ("admin", "zhikong", "xinxi", "xibu", "yixue", "jiaoyu", "jidian", "jiaoshi", "xuesheng", "zhuanjia")


def run_demo(out, *extra) -> str:
    stdout = StringIO()
    call_command("demo", "--students", "300", "--out", str(out), *extra, stdout=stdout)
    return stdout.getvalue()


def master_counts() -> dict[str, int]:
    return {
        "teachers": Teacher.objects.count(),
        "majors": Major.objects.count(),
        "courses": Course.objects.count(),
        "classes": SchoolClass.objects.count(),
        "students": Student.objects.count(),
    }


def test_demo_loads_master_data_matching_the_exports(tmp_path):
    output = run_demo(tmp_path)
    rows = json.loads((tmp_path / MANIFEST).read_text("utf-8"))["row_counts"]
    assert master_counts() == {k: rows[k] for k in ("teachers", "majors", "courses", "classes", "students")}
    assert "演示学院已就绪" in output and "峰值内存" in output and "入库用时" in output
    nursing = Major.objects.get(code="520201")
    assert nursing.tier == choices.MajorTier.PROVINCIAL and nursing.department.code == "hlx"
    assert nursing.leader.category == choices.TeacherCategory.FULL_TIME
    assert set(Teacher.objects.values_list("category", flat=True)) == set(choices.TeacherCategory.values)
    assert Student.objects.filter(status=choices.StudentStatus.GRADUATED).exists()
    assert Course.objects.filter(kind=choices.CourseKind.PUBLIC, department__code="jcb").count() >= 10


def test_demo_accounts_authenticate_with_their_roles_and_links(tmp_path):
    run_demo(tmp_path)
    users = {u: authenticate(username=u, password="zhengai-demo") for u in ACCOUNTS}
    assert all(users.values())
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["zhikong"].role == Role.QUALITY_OFFICE and users["zhikong"].org_unit.code == "zkzx"
    assert users["xinxi"].role == Role.IT_CENTER and users["xinxi"].org_unit.code == "xxzx"
    assert users["xibu"].role == Role.DEPARTMENT_HEAD and users["xibu"].org_unit.code == "hlx"
    assert users["zhuanjia"].role == Role.REVIEWER and users["zhuanjia"].is_read_only
    teacher = users["jiaoshi"].teacher
    assert users["jiaoshi"].role == Role.TEACHER
    assert teacher.department.code == "hlx" and teacher.category == choices.TeacherCategory.FULL_TIME
    assert teacher.led_courses.exists()
    student = users["xuesheng"].student
    assert users["xuesheng"].role == Role.STUDENT and student.status == choices.StudentStatus.ENROLLED
    assert student.school_class.adviser == teacher
    assert all(u.display_name for u in users.values())


def test_running_the_demo_again_replaces_instead_of_duplicating(tmp_path):
    run_demo(tmp_path)
    first = master_counts()
    jiaoshi = User.objects.get(username="jiaoshi").teacher.staff_no
    run_demo(tmp_path)
    assert master_counts() == first
    assert User.objects.filter(username__in=ACCOUNTS).count() == len(ACCOUNTS) == User.objects.count()
    assert User.objects.get(username="jiaoshi").teacher.staff_no == jiaoshi
    assert DemoBuild.objects.count() == 2


def test_demo_refuses_to_overwrite_master_data_it_did_not_write(tmp_path):
    Teacher.objects.create(
        staff_no="T0001", name="真实教师", gender="1", category="full_time", title="senior", degree="master"
    )
    with pytest.raises(CommandError, match="不是由演示数据生成"):
        run_demo(tmp_path)
    assert Teacher.objects.filter(staff_no="T0001").exists()
    run_demo(tmp_path, "--replace-existing")
    assert not Teacher.objects.filter(staff_no="T0001").exists()


def test_exports_only_leaves_the_database_alone(tmp_path):
    output = run_demo(tmp_path, "--exports-only")
    assert (tmp_path / MANIFEST).exists()
    assert master_counts() == dict.fromkeys(("teachers", "majors", "courses", "classes", "students"), 0)
    assert not User.objects.exists() and "已跳过" in output


@pytest.mark.parametrize("students", ["99", "50001"])
def test_sizes_outside_the_range_are_refused_in_chinese(tmp_path, students):
    with pytest.raises(CommandError, match="在校生人数应在 100 到 50000 之间"):
        call_command("demo", "--students", students, "--out", str(tmp_path), stdout=StringIO())
    assert not any(tmp_path.iterdir())


def test_demo_lands_through_the_data_center_and_every_source_is_green_but_the_planted_refusal(tmp_path):
    from zhengai.datacenter.choices import ConnectorKind, RunStatus
    from zhengai.datacenter.models import DatasetVersion, ImportRun
    from zhengai.datacenter.selectors import sources_overview
    from zhengai.datacenter.standard import TABLES

    run_demo(tmp_path)
    # Every standard table is a committed batch of the data center, read through a real connector.
    runs = ImportRun.objects.all()
    assert {r.table for r in runs} == {t.name for t in TABLES}
    # The one refused batch is planted by the goal chain: the 体测 sheet re-exported with a renamed column
    # (GROUND_TRUTH, 目标链 3).
    refused = runs.filter(status=RunStatus.REJECTED)
    assert [(r.source.code, r.table) for r in refused] == [("xuegong", "physical_tests")]
    assert {r.status for r in runs.exclude(pk__in=refused)} == {RunStatus.COMMITTED}
    # …and the first evaluation's measurement history is a dataset of the data center too.
    assert set(DatasetVersion.objects.values_list("table", flat=True)) == {t.name for t in TABLES} | {
        "indicator_measurements"
    }
    connectors = {r.table: r.source.connector for r in runs}
    assert connectors["grades"] == ConnectorKind.SQL and connectors["card_transactions"] == ConnectorKind.FILES
    assert any("GBK" in r.message for r in runs.filter(table="card_transactions"))
    # The data quality page's verdict: every feed green but the planted refusal.
    overview = sources_overview()
    assert len(overview) == len(SYSTEMS) == 11
    unhealthy = [(feed.source.code, feed.table.name) for row in overview for feed in row.feeds if not feed.healthy]
    assert unhealthy == [("xuegong", "physical_tests")]


def test_freshness_is_the_datas_own_date_and_the_cockpit_says_it(tmp_path, client):
    """数据截至 is how far the data reaches (up to yesterday), not the import time; the 在读 count says it too."""
    import datetime as dt

    from django.urls import reverse

    from zhengai.datacenter.selectors import table_freshness
    from zhengai.lib import clock

    run_demo(tmp_path)
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    attendance = table_freshness("attendance")
    assert attendance.data.day < today and attendance.label == f"数据截至 {attendance.data.day.isoformat()}"
    assert attendance.as_of.date() >= today - dt.timedelta(days=1)  # imported now, whatever the data's date
    roster = table_freshness("students")
    assert roster.data.day == yesterday and roster.source_name == "学生工作管理系统"
    client.force_login(User.objects.get(username="zhikong"))
    page = client.get(reverse("home")).content.decode()
    counter = page[page.index("在读学生") :]
    counter = counter[: counter.index("</a>")]
    assert f"数据截至 {yesterday.isoformat()}" in counter
    assert "来源 学生工作管理系统" in counter and "导入时间" in counter
