"""Entity registry sync: after a roster batch, bring the app database's master data in line with it.

Rosters in the data center are the truth; the app database keeps the rows views and permissions
need (majors, courses, classes, teachers, students, org units). Rows are matched on their natural
key and updated in bulk; nothing is deleted, so a student who leaves keeps their record (and the
status the roster last gave them).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from zhengai.datacenter import store
from zhengai.datacenter.standard import table as standard_table
from zhengai.org import choices
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher

CATEGORY = {
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
STATUS = {
    "01": choices.StudentStatus.ENROLLED,
    "02": choices.StudentStatus.SUSPENDED,
    "03": choices.StudentStatus.WITHDRAWN,
    "04": choices.StudentStatus.TRANSFERRED,
    "05": choices.StudentStatus.GRADUATED,
    "06": choices.StudentStatus.SUSPENDED,
}
ORG_KIND = {
    "1": choices.OrgUnitKind.COMMITTEE,
    "2": choices.OrgUnitKind.OFFICE,
    "3": choices.OrgUnitKind.DEPARTMENT,
    "4": choices.OrgUnitKind.QUALITY,
    "5": choices.OrgUnitKind.SUPPORT,
}

ROSTER_TABLES = ("departments", "teachers", "majors", "courses", "classes", "students")


def _rows(name: str) -> list[dict]:
    return store.read_table(standard_table(name)).to_pylist()


def _upsert(model, key: str, rows: list[dict], build: Callable[[dict], dict], fields: list[str]) -> int:
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    create, update = [], []
    for row in rows:
        values = build(row)
        obj = existing.get(values[key])
        if obj is None:
            create.append(model(**values))
        elif any(getattr(obj, f) != values[f] for f in fields):
            for f in fields:
                setattr(obj, f, values[f])
            update.append(obj)
    model.objects.bulk_create(create, batch_size=2000)
    if update:
        model.objects.bulk_update(update, fields, batch_size=2000)
    return len(create) + len(update)


@transaction.atomic
def registry_sync(*, tables: tuple[str, ...] = ROSTER_TABLES) -> dict[str, int]:
    """Update the app database from the current roster snapshots. Returns rows touched per table."""
    touched: dict[str, int] = {}
    if "departments" in tables:
        rows = _rows("departments")
        touched["departments"] = _upsert(
            OrgUnit, "code", rows,
            lambda r: {"code": r["dept_code"], "name": r["dept_name"], "kind": ORG_KIND.get(r["dept_kind"], "office")},
            ["name", "kind"],
        )  # fmt: skip
        units = {u.code: u for u in OrgUnit.objects.all()}
        for row in rows:
            unit, parent = units[row["dept_code"]], units.get(row["parent_code"] or "")
            if unit.parent_id != (parent.pk if parent else None):
                unit.parent = parent
                unit.save(update_fields=["parent"])
    units = {u.code: u.pk for u in OrgUnit.objects.all()}
    if "teachers" in tables:
        touched["teachers"] = _upsert(Teacher, "staff_no", _rows("teachers"), lambda r: {
            "staff_no": r["staff_no"], "name": r["name"], "gender": r["gender"], "birth_year": r["birth_year"],
            "category": CATEGORY[r["category"]], "title": TITLE[r["title_level"]], "degree": DEGREE[r["degree"]],
            "is_dual_qualified": bool(r["dual_qualified"]), "department_id": units.get(r["dept_code"] or ""),
            "stage": STAGE.get(r["stage"] or "", ""), "employer": r["employer"] or "", "active": True,
        }, ["name", "gender", "birth_year", "category", "title", "degree", "is_dual_qualified", "department_id",
            "stage", "employer", "active"])  # fmt: skip
    teachers = dict(Teacher.objects.values_list("staff_no", "pk"))
    if "majors" in tables:
        touched["majors"] = _upsert(Major, "code", _rows("majors"), lambda r: {
            "code": r["major_code"], "name": r["major_name"], "tier": TIER[r["tier"]],
            "department_id": units[r["dept_code"]], "leader_id": teachers.get(r["leader_staff_no"] or ""),
            "duration_years": r["duration"], "established_year": r["established_year"], "active": bool(r["enrolling"]),
        }, ["name", "tier", "department_id", "leader_id", "duration_years", "established_year", "active"])  # fmt: skip
    majors = dict(Major.objects.values_list("code", "pk"))
    if "courses" in tables:
        touched["courses"] = _upsert(Course, "code", _rows("courses"), lambda r: {
            "code": r["course_code"], "name": r["course_name"], "kind": COURSE_KIND[r["course_kind"]],
            "department_id": units[r["dept_code"]], "major_id": majors.get(r["major_code"] or ""),
            "theory_hours": r["theory_hours"], "practice_hours": r["practice_hours"],
            "credits": Decimal(str(r["credits"])).quantize(Decimal("0.1")),
            "leader_id": teachers.get(r["leader_staff_no"] or ""), "active": True,
        }, ["name", "kind", "department_id", "major_id", "theory_hours", "practice_hours", "credits",
            "leader_id", "active"])  # fmt: skip
    if "classes" in tables:
        touched["classes"] = _upsert(SchoolClass, "code", _rows("classes"), lambda r: {
            "code": r["class_code"], "name": r["class_name"], "major_id": majors[r["major_code"]],
            "cohort": r["cohort"], "adviser_id": teachers.get(r["adviser_staff_no"] or ""),
        }, ["name", "major_id", "cohort", "adviser_id"])  # fmt: skip
    classes = dict(SchoolClass.objects.values_list("code", "pk"))
    if "students" in tables:
        touched["students"] = _upsert(Student, "student_no", _rows("students"), lambda r: {
            "student_no": r["student_no"], "name": r["name"], "gender": r["gender"], "birth_date": r["birth_date"],
            "major_id": majors[r["major_code"]], "school_class_id": classes[r["class_code"]],
            "cohort": r["cohort"], "status": STATUS[r["status"]], "status_changed": r["status_date"],
        }, ["name", "gender", "birth_date", "major_id", "school_class_id", "cohort", "status",
            "status_changed"])  # fmt: skip
    return touched
