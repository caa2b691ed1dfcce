"""One vocabulary of entities (DESIGN decision 10).

What the entity kinds are, their keys and labels, who is a current member on a date, and who is
accountable for each. Indicators, monitoring, alerts and every later app ask this module; none keeps
its own list of kinds, labels, key columns or accountability rules.

| kind       | key          | current member on a date                  | accountable unit / person        |
| ---------- | ------------ | ----------------------------------------- | -------------------------------- |
| school     | `school`     | always                                    | the indicator's owner unit / —   |
| department | unit code    | always                                    | the department / its head        |
| major      | major code   | enrolling (在招)                           | its department / major leader    |
| course     | course code  | offered (在用)                             | its department / course leader   |
| class      | class code   | has a student 在读 on the date             | its major's department / adviser |
| teacher    | staff number | 在职                                       | the teacher's department / self  |
| student    | student no.  | 在读 on the date (status history)          | the student's department / adviser |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from zhengai.org.choices import StudentStatus
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher

SCHOOL_KEY = "school"


class EntityKind(models.TextChoices):
    SCHOOL = "school", "学校"
    DEPARTMENT = "department", "系部"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    CLASS = "class", "班级"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    model: type[models.Model] | None
    key_field: str  # the master-data field holding the entity key
    roster: tuple[str | None, str | None]  # the data center's standard table and key column
    unit_field: str  # path from the record to its department's code
    person_field: str  # path from the record to the accountable teacher's id ('' = none)
    person_label: str  # who that person is, as users say it
    member_label: str  # what a current member is called (在读, 在职 …)
    detail_url: str  # URL name of the master-data page ('' = none)
    level: str  # the 五横 level whose pages show this kind


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("school", "学校", None, "", (None, None), "", "", "", "", "", "school"),
        Kind(
            "department", "系部", OrgUnit, "code", ("departments", "dept_code"), "code", "", "部门负责人", "", "",
            "school",
        ),
        Kind(
            "major", "专业", Major, "code", ("majors", "major_code"), "department__code", "leader_id",
            "专业带头人", "在招", "org:major_detail", "major",
        ),
        Kind(
            "course", "课程", Course, "code", ("courses", "course_code"), "department__code", "leader_id",
            "课程负责人", "在用", "org:course_detail", "course",
        ),
        Kind(
            "class", "班级", SchoolClass, "code", ("classes", "class_code"), "major__department__code", "adviser_id",
            "班主任（辅导员）", "有在读学生", "org:class_detail", "student",
        ),
        Kind(
            "teacher", "教师", Teacher, "staff_no", ("teachers", "staff_no"), "department__code", "id",
            "教师本人", "在职", "org:teacher_detail", "teacher",
        ),
        Kind(
            "student", "学生", Student, "student_no", ("students", "student_no"), "major__department__code",
            "school_class__adviser_id", "班主任（辅导员）", "在读", "org:student_detail", "student",
        ),
    )
}  # fmt: skip


def kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"未知的对象类型“{code}”，应为 {'/'.join(KINDS)} 之一") from None


def label(code: str) -> str:
    return KINDS[code].label if code in KINDS else code


def _chunks(values: list[str], size: int = 5000):
    for i in range(0, len(values), size):
        yield values[i : i + size]


# ------------------------------------------------------------------------------------------ current members


def _student_current(on: dt.date) -> models.Q:
    """在读 on `on`: enrolled by then, and not yet left (a leaver's status changed after the date)."""
    left_later = ~models.Q(status=StudentStatus.ENROLLED) & models.Q(status_changed__gt=on)
    started = models.Q(cohort__lte=on.year if on.month >= 9 else on.year - 1)
    return started & (models.Q(status=StudentStatus.ENROLLED) | left_later)


def members(code: str, *, on: dt.date) -> models.QuerySet:
    """The master-data records of the kind's current members on `on`."""
    k = kind(code)
    if k.model is None:
        raise ValueError("学校只有一个对象")
    qs = k.model.objects.all()
    if code == "student":
        return qs.filter(_student_current(on))
    if code == "class":
        return qs.filter(pk__in=Student.objects.filter(_student_current(on)).values("school_class_id"))
    if code in ("major", "course", "teacher"):
        return qs.filter(active=True)
    return qs


def current_keys(code: str, keys: Iterable[str] | None = None, *, on: dt.date) -> set[str]:
    """Which of `keys` (default: all) are current members of kind `code` on `on`."""
    if code in ("school", "department") or code not in KINDS:
        return set(keys or ([SCHOOL_KEY] if code == "school" else []))
    k = KINDS[code]
    qs = members(code, on=on)
    if keys is None:
        return set(qs.values_list(k.key_field, flat=True))
    out: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        out.update(qs.filter(**{f"{k.key_field}__in": chunk}).values_list(k.key_field, flat=True))
    return out


def member_count(code: str, *, on: dt.date) -> int:
    return members(code, on=on).count()


def membership(code: str, keys: Iterable[str], *, on: dt.date) -> dict[str, str]:
    """Key → what the entity is on `on`: the member label (在读 …) or why it is not one (毕业, 退学 …)."""
    keys = sorted(set(keys))
    k = KINDS.get(code)
    if k is None or k.model is None:
        return {key: "" for key in keys}
    current = current_keys(code, keys, on=on)
    out = {key: k.member_label for key in current}
    rest = [key for key in keys if key not in current]
    if code == "student":
        labels = dict(StudentStatus.choices)
        for chunk in _chunks(rest):
            for key, status in Student.objects.filter(student_no__in=chunk).values_list("student_no", "status"):
                out[key] = "未入学" if status == StudentStatus.ENROLLED else labels.get(status, status)
    else:
        gone = {"major": "停招", "course": "停用", "class": "无在读学生", "teacher": "离职"}.get(code, "非当前对象")
        out.update({key: gone for key in rest})
    for key in keys:
        out.setdefault(key, "未登记")
    return out


# ------------------------------------------------------------------------------------------ accountability


@dataclass(frozen=True)
class Route:
    unit: OrgUnit | None
    informed: OrgUnit | None
    teacher: Teacher | None
    note: str


class Accountability:
    """Who must act for many entities at once: a handful of queries however many there are.

    The unit is the entity's department (for the school: the indicator's owner unit); the person is
    the kind's accountable teacher. The indicator's owner unit is kept as the informed unit.
    """

    def __init__(self, keys_by_kind: dict[str, Iterable[str]]):
        self.units = {u.code: u for u in OrgUnit.objects.all()}
        self.person: dict[tuple[str, str], int | None] = {}
        self.unit_of: dict[tuple[str, str], str] = {}
        for code, keys in keys_by_kind.items():
            k = KINDS.get(code)
            if k is None or k.model is None or not k.person_field:
                continue
            for chunk in _chunks(sorted(set(keys))):
                rows = k.model.objects.filter(**{f"{k.key_field}__in": chunk}).values_list(
                    k.key_field, k.person_field, k.unit_field
                )
                for key, person, unit in rows:
                    self.person[(code, key)] = person
                    self.unit_of[(code, key)] = unit or ""
        ids = {p for p in self.person.values() if p}
        self.teachers = {t.pk: t for t in Teacher.objects.filter(pk__in=ids)} if ids else {}

    def route(
        self, *, entity_kind: str, entity_key: str, entity_unit_code: str = "", indicator_owner: str = ""
    ) -> Route:
        informed = self.units.get(indicator_owner)
        unit_code = entity_unit_code or self.unit_of.get((entity_kind, entity_key), "")
        if entity_kind == "department":
            unit_code = entity_key
        unit = self.units.get(unit_code) if entity_kind != "school" else informed
        teacher = self.teachers.get(self.person.get((entity_kind, entity_key)) or 0)
        basis = "指标责任部门" if entity_kind == "school" else "对象所属部门"
        parts = [f"责任部门：{unit.name if unit else '未找到'}（{basis}）"]
        k = KINDS.get(entity_kind)
        if k and k.person_field:
            parts.append(f"责任人：{teacher.name if teacher else '未登记'}（{k.person_label}）")
        return Route(unit or informed, informed, teacher, "；".join(parts))


def route(*, entity_kind: str, entity_key: str, entity_unit_code: str = "", indicator_owner: str = "") -> Route:
    """`Accountability.route` for one entity."""
    return Accountability({entity_kind: [entity_key]}).route(
        entity_kind=entity_kind,
        entity_key=entity_key,
        entity_unit_code=entity_unit_code,
        indicator_owner=indicator_owner,
    )


# ------------------------------------------------------------------------------------------ records


def record(code: str, key: str, qs: models.QuerySet | None = None) -> models.Model | None:
    """The master-data record of an entity (within `qs`, e.g. a user's data scope, when given)."""
    k = KINDS.get(code)
    if k is None or k.model is None:
        return None
    return (qs if qs is not None else k.model.objects.all()).filter(**{k.key_field: key}).first()


def classes_of(student_keys: Iterable[str]) -> dict[str, str]:
    """Student number → class code."""
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(set(student_keys))):
        out.update(Student.objects.filter(student_no__in=chunk).values_list("student_no", "school_class__code"))
    return out


def class_sizes(class_codes: Iterable[str], *, on: dt.date) -> dict[str, tuple[str, int]]:
    """Class code → (class name, current students on `on`)."""
    codes = sorted(set(class_codes))
    names = dict(SchoolClass.objects.filter(code__in=codes).values_list("code", "name"))
    sizes = dict.fromkeys(codes, 0)
    current = Student.objects.filter(_student_current(on), school_class__code__in=codes)
    for code, n in current.values_list("school_class__code").annotate(n=models.Count("id")).order_by():
        sizes[code] = n
    return {code: (names.get(code, code), sizes[code]) for code in codes}


def placement(student_keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Student number → (class code, major code)."""
    out: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(sorted(set(student_keys))):
        rows = Student.objects.filter(student_no__in=chunk).values_list(
            "student_no", "school_class__code", "major__code"
        )
        out.update({key: (cls, major) for key, cls, major in rows})
    return out


def major_names() -> dict[str, str]:
    return dict(Major.objects.values_list("code", "name"))
