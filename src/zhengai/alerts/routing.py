"""Who must act on an alert: the accountable unit and person, by rules kept as data.

| entity   | unit                        | person                      |
| -------- | --------------------------- | --------------------------- |
| student  | the student's department    | the class adviser (辅导员)   |
| class    | the class's department      | the class adviser           |
| course   | the course's department     | the course leader           |
| major    | the major's department      | the major leader            |
| teacher  | the teacher's department    | the teacher                 |
| school   | the indicator's owner unit  | —                           |

The indicator's owner unit (教务处 for 课程通过率, 组织人事处 for 培训学时 …) is kept as the informed
unit: it sees the alert beside the accountable department.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher

PERSON_RULES = {
    "student": "班主任（辅导员）",
    "class": "班主任（辅导员）",
    "course": "课程负责人",
    "major": "专业带头人",
    "teacher": "教师本人",
}


@dataclass(frozen=True)
class Route:
    unit: OrgUnit | None
    informed: OrgUnit | None
    teacher: Teacher | None
    note: str


def route(*, entity_kind: str, entity_key: str, entity_unit_code: str, indicator_owner: str) -> Route:
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[c for c in (entity_unit_code, indicator_owner) if c])}
    informed = units.get(indicator_owner)
    unit = units.get(entity_unit_code) if entity_kind != "school" else informed
    teacher = _person(entity_kind, entity_key)
    basis = "指标责任部门" if entity_kind == "school" else "对象所属部门"
    parts = [f"责任部门：{unit.name if unit else '未找到'}（{basis}）"]
    if entity_kind in PERSON_RULES:
        parts.append(f"责任人：{teacher.name if teacher else '未登记'}（{PERSON_RULES[entity_kind]}）")
    return Route(unit or informed, informed, teacher, "；".join(parts))


def _person(kind: str, key: str) -> Teacher | None:
    if kind == "student":
        s = Student.objects.select_related("school_class__adviser").filter(student_no=key).first()
        return s.school_class.adviser if s and s.school_class else None
    if kind == "class":
        c = SchoolClass.objects.select_related("adviser").filter(code=key).first()
        return c.adviser if c else None
    if kind == "course":
        c = Course.objects.select_related("leader").filter(code=key).first()
        return c.leader if c else None
    if kind == "major":
        m = Major.objects.select_related("leader").filter(code=key).first()
        return m.leader if m else None
    if kind == "teacher":
        return Teacher.objects.filter(staff_no=key).first()
    return None


def _chunks(values: list[str], size: int = 5000):
    for i in range(0, len(values), size):
        yield values[i : i + size]


class Router:
    """`route` for many entities at once: a handful of queries however many alerts open together."""

    def __init__(self, keys_by_kind: dict[str, set[str]]):
        self.units = {u.code: u for u in OrgUnit.objects.all()}
        self.person: dict[tuple[str, str], int | None] = {}
        lookups = {
            "student": (Student, "student_no", "school_class__adviser_id"),
            "class": (SchoolClass, "code", "adviser_id"),
            "course": (Course, "code", "leader_id"),
            "major": (Major, "code", "leader_id"),
            "teacher": (Teacher, "staff_no", "id"),
        }
        for kind, keys in keys_by_kind.items():
            if kind not in lookups:
                continue
            model, key_field, person_field = lookups[kind]
            for chunk in _chunks(sorted(keys)):
                for key, person in model.objects.filter(**{f"{key_field}__in": chunk}).values_list(
                    key_field, person_field
                ):
                    self.person[(kind, key)] = person
        ids = {p for p in self.person.values() if p}
        self.teachers = {t.pk: t for t in Teacher.objects.filter(pk__in=ids)} if ids else {}

    def route(self, *, entity_kind: str, entity_key: str, entity_unit_code: str, indicator_owner: str) -> Route:
        informed = self.units.get(indicator_owner)
        unit = self.units.get(entity_unit_code) if entity_kind != "school" else informed
        teacher = self.teachers.get(self.person.get((entity_kind, entity_key)) or 0)
        basis = "指标责任部门" if entity_kind == "school" else "对象所属部门"
        parts = [f"责任部门：{unit.name if unit else '未找到'}（{basis}）"]
        if entity_kind in PERSON_RULES:
            parts.append(f"责任人：{teacher.name if teacher else '未登记'}（{PERSON_RULES[entity_kind]}）")
        return Route(unit or informed, informed, teacher, "；".join(parts))
