"""The direct loader: master data from the export files into the app database.

It reads jiaowu.sqlite (专业, 课程), renshi.xlsx (教职工) and xuegong.xlsx (班级, 学生名册) back through
the source mappings, maps the standard codes to the app's choices, and replaces the previous demo
master data in one transaction. It stands in for the data-center import pipeline until that exists.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from zhengai.demo.models import DemoBuild
from zhengai.demo.readers import read_table
from zhengai.org import choices
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher
from zhengai.org.services import calendar_ensure, org_units_load_default

BATCH = 2000
CALENDAR = (2021, 2025)

TEACHER_CATEGORY = {
    "1": choices.TeacherCategory.FULL_TIME,
    "2": choices.TeacherCategory.EXTERNAL_PART_TIME,
    "3": choices.TeacherCategory.EXTERNAL_ADJUNCT,
    "4": choices.TeacherCategory.INTERNAL_PART_TIME,
}
TITLE = {
    "1": choices.TeacherTitle.SENIOR,
    "2": choices.TeacherTitle.ASSOCIATE,
    "3": choices.TeacherTitle.INTERMEDIATE,
    "4": choices.TeacherTitle.JUNIOR,
    "9": choices.TeacherTitle.NONE,
}
DEGREE = {
    "1": choices.Degree.DOCTOR,
    "2": choices.Degree.MASTER,
    "3": choices.Degree.BACHELOR,
    "9": choices.Degree.NONE,
}
STAGE = {
    "1": choices.TeacherStage.NOVICE,
    "2": choices.TeacherStage.BACKBONE,
    "3": choices.TeacherStage.LEADER,
    "4": choices.TeacherStage.MASTER,
}
TIER = {"1": choices.MajorTier.PROVINCIAL, "2": choices.MajorTier.COLLEGE, "3": choices.MajorTier.CULTIVATING}
COURSE_KIND = {
    "1": choices.CourseKind.PUBLIC,
    "2": choices.CourseKind.FOUNDATION,
    "3": choices.CourseKind.CORE,
    "4": choices.CourseKind.ELECTIVE,
}
STUDENT_STATUS = {
    "01": choices.StudentStatus.ENROLLED,
    "02": choices.StudentStatus.SUSPENDED,
    "03": choices.StudentStatus.WITHDRAWN,
    "04": choices.StudentStatus.TRANSFERRED,
    "05": choices.StudentStatus.GRADUATED,
    "06": choices.StudentStatus.SUSPENDED,  # 保留学籍: the app has no own status for it
}
MASTER_MODELS = (Student, SchoolClass, Course, Major, Teacher)


class DemoLoadRefused(Exception):
    """The database holds master data that no demo build wrote."""


def _rows(table: dict) -> list[dict]:
    names = list(table)
    return [dict(zip(names, values, strict=True)) for values in zip(*table.values(), strict=True)]


def has_foreign_master_data() -> bool:
    return not DemoBuild.objects.exists() and any(m.objects.exists() for m in MASTER_MODELS)


def master_data_delete() -> None:
    for model in MASTER_MODELS:
        model.objects.all().delete()


@transaction.atomic
def load_master_data(*, out_dir: Path, seed: int, students: int, replace_foreign: bool = False) -> dict[str, int]:
    """Replace the demo master data with what the export files in `out_dir` hold. Returns row counts."""
    if has_foreign_master_data() and not replace_foreign:
        raise DemoLoadRefused(
            "数据库中已有不是由演示数据生成的主数据（教师、专业、课程、班级或学生）。"
            "为避免覆盖真实数据，已停止；确需替换时请加 --replace-existing。"
        )
    out_dir = Path(out_dir)
    teachers = _rows(read_table(out_dir, "teachers"))
    majors = _rows(read_table(out_dir, "majors"))
    courses = _rows(read_table(out_dir, "courses"))
    classes = _rows(read_table(out_dir, "classes"))
    roster = _rows(read_table(out_dir, "students"))

    org_units_load_default()
    calendar_ensure(first_start_year=CALENDAR[0], last_start_year=CALENDAR[1])
    master_data_delete()
    units = {u.code: u for u in OrgUnit.objects.all()}

    teacher_objs = [
        Teacher(
            staff_no=r["staff_no"],
            name=r["name"],
            gender=r["gender"],
            birth_year=r["birth_year"],
            category=TEACHER_CATEGORY[r["category"]],
            title=TITLE[r["title_level"]],
            degree=DEGREE[r["degree"]],
            is_dual_qualified=bool(r["dual_qualified"]),
            department=units.get(r["dept_code"]) if r["dept_code"] else None,
            stage=STAGE.get(r["stage"] or "", ""),
            employer=r["employer"] or "",
            active=True,
        )
        for r in teachers
    ]
    Teacher.objects.bulk_create(teacher_objs, batch_size=BATCH)
    by_staff = {t.staff_no: t for t in teacher_objs}

    major_objs = [
        Major(
            code=r["major_code"],
            name=r["major_name"],
            tier=TIER[r["tier"]],
            department=units[r["dept_code"]],
            leader=by_staff.get(r["leader_staff_no"]),
            duration_years=r["duration"],
            established_year=r["established_year"],
            active=bool(r["enrolling"]),
        )
        for r in majors
    ]
    Major.objects.bulk_create(major_objs, batch_size=BATCH)
    by_major = {m.code: m for m in major_objs}

    Course.objects.bulk_create(
        (
            Course(
                code=r["course_code"],
                name=r["course_name"],
                kind=COURSE_KIND[r["course_kind"]],
                department=units[r["dept_code"]],
                major=by_major.get(r["major_code"]),
                theory_hours=r["theory_hours"],
                practice_hours=r["practice_hours"],
                credits=Decimal(str(r["credits"])),
                leader=by_staff.get(r["leader_staff_no"]),
            )
            for r in courses
        ),
        batch_size=BATCH,
    )

    class_objs = [
        SchoolClass(
            code=r["class_code"],
            name=r["class_name"],
            major=by_major[r["major_code"]],
            cohort=r["cohort"],
            adviser=by_staff.get(r["adviser_staff_no"]),
        )
        for r in classes
    ]
    SchoolClass.objects.bulk_create(class_objs, batch_size=BATCH)
    by_class = {c.code: c for c in class_objs}

    Student.objects.bulk_create(
        (
            Student(
                student_no=r["student_no"],
                name=r["name"],
                gender=r["gender"],
                birth_date=r["birth_date"],
                major=by_major[r["major_code"]],
                school_class=by_class[r["class_code"]],
                cohort=r["cohort"],
                status=STUDENT_STATUS[r["status"]],
                status_changed=r["status_date"],
            )
            for r in roster
        ),
        batch_size=BATCH,
    )
    counts = {
        "teachers": len(teacher_objs),
        "majors": len(major_objs),
        "courses": len(courses),
        "classes": len(class_objs),
        "students": len(roster),
    }
    DemoBuild.objects.create(seed=seed, students=students, out_dir=str(out_dir), row_counts=counts)
    return counts
