"""Build the demo college: exports, ground truth, master data and demo accounts."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

from zhengai.accounts.choices import Role
from zhengai.accounts.models import User
from zhengai.demo import ground_truth, writers
from zhengai.demo.generator import College, generate
from zhengai.lib import clock
from zhengai.org import choices
from zhengai.org.models import OrgUnit, Student, Teacher

MIN_STUDENTS, MAX_STUDENTS = 100, 50_000
DEFAULT_SEED = 20181212
DEMO_PASSWORD = "zhengai-demo"


class DemoSizeError(ValueError):
    pass


@dataclass
class ExportBuild:
    college: College
    result: writers.ExportResult
    manifest: dict
    ground_truth: dict
    seconds: float


def demo_size_check(students: int) -> None:
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise DemoSizeError(f"在校生人数应在 {MIN_STUDENTS} 到 {MAX_STUDENTS} 之间，收到 {students}")


def demo_exports_build(*, students: int, seed: int, out_dir: Path, today: dt.date | None = None) -> ExportBuild:
    """Generate the college as it stands on `today` (default: the clock's today) and write every
    source-system export, ground_truth.json and manifest.json."""
    demo_size_check(students)
    started = time.perf_counter()
    college = generate(students, seed, today or clock.today())
    result = writers.write_exports(college, Path(out_dir))
    truth = ground_truth.build_ground_truth(college)
    writers.write_json(Path(out_dir) / writers.GROUND_TRUTH, truth)
    manifest = writers.write_manifest(result, college)
    return ExportBuild(college, result, manifest, truth, time.perf_counter() - started)


ACCOUNTS = (
    # username, role, org unit code, display name
    ("admin", Role.NONE, None, "系统管理员"),
    ("zhikong", Role.QUALITY_OFFICE, "zkzx", "质控中心 王老师"),
    ("xinxi", Role.IT_CENTER, "xxzx", "信息中心 李老师"),
    ("xibu", Role.DEPARTMENT_HEAD, "hlx", "护理系 张主任"),
    # the heads of the other teaching departments, who sign their departments' 目标责任书
    ("yixue", Role.DEPARTMENT_HEAD, "yxx", "医学系 陈主任"),
    ("jiaoyu", Role.DEPARTMENT_HEAD, "jyx", "教育系 刘主任"),
    ("jidian", Role.DEPARTMENT_HEAD, "jdx", "机电与汽车工程系 周主任"),
    ("jiaoshi", Role.TEACHER, "hlx", ""),
    ("xuesheng", Role.STUDENT, "hlx", ""),
    ("zhuanjia", Role.REVIEWER, None, "复核专家 赵教授"),
)


def demo_teacher_pick() -> Teacher | None:
    """A 护理系 full-time teacher who advises a class in school and leads a course."""
    return (
        Teacher.objects.filter(
            department__code="hlx",
            category=choices.TeacherCategory.FULL_TIME,
            advised_classes__students__status=choices.StudentStatus.ENROLLED,
            led_courses__isnull=False,
        )
        .order_by("-advised_classes__cohort", "staff_no")
        .first()
    )


@transaction.atomic
def demo_accounts_ensure() -> list[User]:
    """The demo accounts, all with the password `zhengai-demo` (hashed once)."""
    password = make_password(DEMO_PASSWORD)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[a[2] for a in ACCOUNTS if a[2]])}
    teacher = demo_teacher_pick()
    student = (
        Student.objects.filter(school_class__adviser=teacher, status=choices.StudentStatus.ENROLLED)
        .select_related("school_class")
        .order_by("student_no")
        .first()
        if teacher
        else None
    )
    # the links are one-to-one: free them before handing them to the demo accounts
    User.objects.exclude(username="jiaoshi").filter(teacher=teacher).update(teacher=None)
    User.objects.exclude(username="xuesheng").filter(student=student).update(student=None)
    users = []
    for username, role, unit, display in ACCOUNTS:
        defaults = {
            "password": password,
            "role": role,
            "org_unit": units.get(unit) if unit else None,
            "display_name": display,
            "is_active": True,
            "is_staff": username == "admin",
            "is_superuser": username == "admin",
            "teacher": None,
            "student": None,
        }
        if username == "jiaoshi" and teacher:
            defaults.update(teacher=teacher, display_name=f"护理系 {teacher.name}老师")
        if username == "xuesheng" and student:
            defaults.update(student=student, display_name=f"{student.name}（{student.school_class.name}）")
        user, _ = User.objects.update_or_create(username=username, defaults=defaults)
        users.append(user)
    return users
