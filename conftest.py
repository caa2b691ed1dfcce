"""Shared test fixtures: a small fixed college and one user per role.

The cast (built in code, visible here):

  信息工程系 (dept A)                          护理系 (dept B)
    软件技术 (leader 张伟)                        护理 (leader 王芳)
      软件2301 (adviser 李娜): 赵一 钱二 孙三       护理2301: 周五 吴六
    计算机网络技术
      网络2401: 李四
    courses: 程序设计基础 (李娜), 数据库应用      courses: 基础护理 (王芳)
  质量监督与控制中心 (quality office, parent of 督导办公室)

Users (password PASSWORD): officer (质控中心), committee, it, reviewer (复核专家),
head_a (head of dept A), major_leader (张伟), course_leader (王芳), teacher (李娜), student (赵一),
outsider (no role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from zhengai.accounts.choices import Role
from zhengai.org import choices
from zhengai.org.models import (
    Course,
    Major,
    OrgUnit,
    OrgUnitSystem,
    SchoolClass,
    Student,
    System,
    Teacher,
)
from zhengai.org.services import architecture_load_default, calendar_ensure

# The browser harness (Playwright fixtures `browser` and `tab`) for the tests marked `browser`.
pytest_plugins = ["zhengai.lib.pytest_browser"]

PASSWORD = "zhengai-test-pw-1"


@dataclass
class Cast:
    dept_a: OrgUnit
    dept_b: OrgUnit
    quality: OrgUnit
    inspection: OrgUnit
    software: Major
    network: Major
    nursing: Major
    programming: Course
    database: Course
    basic_nursing: Course
    soft2301: SchoolClass
    net2401: SchoolClass
    nurse2301: SchoolClass
    zhang: Teacher
    li: Teacher
    wang: Teacher
    students_a: list[Student]
    students_b: list[Student]
    users: dict[str, object]

    def user(self, key: str):
        return self.users[key]


def _teacher(staff_no: str, name: str, dept: OrgUnit, **kw) -> Teacher:
    defaults = {
        "gender": choices.Gender.FEMALE,
        "category": choices.TeacherCategory.FULL_TIME,
        "title": choices.TeacherTitle.INTERMEDIATE,
        "degree": choices.Degree.MASTER,
    }
    return Teacher.objects.create(staff_no=staff_no, name=name, department=dept, **{**defaults, **kw})


def _student(no: str, name: str, school_class: SchoolClass, **kw) -> Student:
    defaults = {"gender": choices.Gender.MALE, "status": choices.StudentStatus.ENROLLED}
    return Student.objects.create(
        student_no=no,
        name=name,
        major=school_class.major,
        school_class=school_class,
        cohort=school_class.cohort,
        **{**defaults, **kw},
    )


def build_cast(django_user_model) -> Cast:
    architecture_load_default()  # the migration loads it; a transactional test's flush removes it
    calendar_ensure(first_start_year=2023, last_start_year=2024)
    quality = OrgUnit.objects.create(code="zkzx", name="质量监督与控制中心", short_name="质控中心", kind="quality")
    inspection = OrgUnit.objects.create(code="ddb", name="督导办公室", kind="quality", parent=quality)
    dept_a = OrgUnit.objects.create(code="xxgc", name="信息工程系", short_name="信息系", kind="department")
    dept_b = OrgUnit.objects.create(code="hlx", name="护理系", kind="department")
    systems = {s.code: s for s in System.objects.all()}
    OrgUnitSystem.objects.create(
        org_unit=quality, system=systems["supervision"], primary=True, responsibility="监测预警与诊改督查"
    )
    for dept in (dept_a, dept_b):
        OrgUnitSystem.objects.create(
            org_unit=dept, system=systems["generation"], primary=True, responsibility="人才培养实施"
        )

    zhang = _teacher("T001", "张伟", dept_a, title=choices.TeacherTitle.ASSOCIATE, is_dual_qualified=True)
    li = _teacher("T002", "李娜", dept_a)
    wang = _teacher("T003", "王芳", dept_b, title=choices.TeacherTitle.SENIOR)

    software = Major.objects.create(
        code="510203", name="软件技术", tier=choices.MajorTier.PROVINCIAL, department=dept_a, leader=zhang
    )
    network = Major.objects.create(
        code="510202", name="计算机网络技术", tier=choices.MajorTier.CULTIVATING, department=dept_a
    )
    nursing = Major.objects.create(
        code="520201", name="护理", tier=choices.MajorTier.PROVINCIAL, department=dept_b, leader=wang
    )
    programming = Course.objects.create(
        code="C-PRG", name="程序设计基础", kind=choices.CourseKind.CORE, department=dept_a, major=software,
        leader=li,
    )  # fmt: skip
    database = Course.objects.create(
        code="C-DB", name="数据库应用", kind=choices.CourseKind.FOUNDATION, department=dept_a, major=network
    )
    basic_nursing = Course.objects.create(
        code="C-NUR",
        name="基础护理",
        kind=choices.CourseKind.CORE,
        department=dept_b,
        major=nursing,
        leader=wang,
    )
    soft2301 = SchoolClass.objects.create(code="RJ2301", name="软件2301", major=software, cohort=2023, adviser=li)
    net2401 = SchoolClass.objects.create(code="WL2401", name="网络2401", major=network, cohort=2024)
    nurse2301 = SchoolClass.objects.create(code="HL2301", name="护理2301", major=nursing, cohort=2023)
    students_a = [
        _student("2023010101", "赵一", soft2301, birth_date=dt.date(2005, 3, 1)),
        _student("2023010102", "钱二", soft2301, gender=choices.Gender.FEMALE),
        _student("2023010103", "孙三", soft2301, status=choices.StudentStatus.SUSPENDED),
        _student("2024010201", "李四", net2401),
    ]
    students_b = [
        _student("2023020101", "周五", nurse2301, gender=choices.Gender.FEMALE),
        _student("2023020102", "吴六", nurse2301, gender=choices.Gender.FEMALE),
    ]

    def user(username: str, role: str, **kw):
        return django_user_model.objects.create_user(
            username, password=PASSWORD, role=role, display_name=kw.pop("display_name", username), **kw
        )

    users = {
        "officer": user("officer", Role.QUALITY_OFFICE, display_name="陈质控", org_unit=quality),
        "committee": user("committee", Role.COMMITTEE, display_name="刘院长"),
        "it": user("it", Role.IT_CENTER, display_name="黄信息"),
        "reviewer": user("reviewer", Role.REVIEWER, display_name="郑专家"),
        "head_a": user("head_a", Role.DEPARTMENT_HEAD, display_name="何主任", org_unit=dept_a),
        "major_leader": user("major_leader", Role.MAJOR_LEADER, display_name="张伟", teacher=zhang),
        "course_leader": user("course_leader", Role.COURSE_LEADER, display_name="王芳", teacher=wang),
        "teacher": user("teacher", Role.TEACHER, display_name="李娜", teacher=li),
        "student": user("student", Role.STUDENT, display_name="赵一", student=students_a[0]),
        "outsider": user("outsider", Role.NONE, display_name="访客"),
    }
    return Cast(
        dept_a=dept_a, dept_b=dept_b, quality=quality, inspection=inspection,
        software=software, network=network, nursing=nursing,
        programming=programming, database=database, basic_nursing=basic_nursing,
        soft2301=soft2301, net2401=net2401, nurse2301=nurse2301,
        zhang=zhang, li=li, wang=wang,
        students_a=students_a, students_b=students_b, users=users,
    )  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists():
    """`zhengai serve` creates the static folder; tests serve assets through the finders the same way."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _private_data_dir(settings, tmp_path_factory):
    """Every test writes its data center, exports and runs under its own temporary folder,
    never into the developer's var/ (where the demo college lives)."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    settings.ZHENGAI_EXPORT_DIR = settings.DATA_DIR / "exports"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cast's users are created for every test; the default hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db, django_user_model) -> Cast:
    return build_cast(django_user_model)


@pytest.fixture
def client_for(client, cast):
    """client_for("head_a") → the test client signed in as that member of the cast."""

    def sign_in(key: str):
        client.force_login(cast.user(key))
        return client

    return sign_in


@pytest.fixture
def password() -> str:
    """The password of every user in the cast."""
    return PASSWORD
