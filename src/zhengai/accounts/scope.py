"""Data scope: which majors, courses, classes, teachers, students and org units a user may see.

Every view that lists or shows master data goes through `scope_for(user)`. A user with no role
(an outsider) sees nothing. Superusers see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhengai.accounts.choices import COLLEGE_WIDE_ROLES, Role
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher


def _descendant_ids(unit_id: int) -> set[int]:
    ids = {unit_id}
    frontier = {unit_id}
    while frontier:
        frontier = set(OrgUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return ids


@dataclass(frozen=True)
class Scope:
    """What one user may see. `everything` short-circuits the filters."""

    everything: bool = False
    unit_ids: frozenset[int] = frozenset()
    major_ids: frozenset[int] = frozenset()
    course_ids: frozenset[int] = frozenset()
    class_ids: frozenset[int] = frozenset()
    teacher_ids: frozenset[int] = frozenset()
    student_ids: frozenset[int] = frozenset()
    label: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.everything and not any(
            (
                self.unit_ids,
                self.major_ids,
                self.course_ids,
                self.class_ids,
                self.teacher_ids,
                self.student_ids,
            )
        )

    def org_units(self, qs: QuerySet[OrgUnit] | None = None) -> QuerySet[OrgUnit]:
        qs = OrgUnit.objects.all() if qs is None else qs
        return qs if self.everything else qs.filter(id__in=self.unit_ids)

    def majors(self, qs: QuerySet[Major] | None = None) -> QuerySet[Major]:
        qs = Major.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(Q(id__in=self.major_ids) | Q(department_id__in=self.unit_ids))

    def courses(self, qs: QuerySet[Course] | None = None) -> QuerySet[Course]:
        qs = Course.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(
            Q(id__in=self.course_ids) | Q(department_id__in=self.unit_ids) | Q(major_id__in=self.major_ids)
        )

    def classes(self, qs: QuerySet[SchoolClass] | None = None) -> QuerySet[SchoolClass]:
        qs = SchoolClass.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(
            Q(id__in=self.class_ids) | Q(major__department_id__in=self.unit_ids) | Q(major_id__in=self.major_ids)
        )

    def teachers(self, qs: QuerySet[Teacher] | None = None) -> QuerySet[Teacher]:
        qs = Teacher.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(Q(id__in=self.teacher_ids) | Q(department_id__in=self.unit_ids))

    def students(self, qs: QuerySet[Student] | None = None) -> QuerySet[Student]:
        qs = Student.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(
            Q(id__in=self.student_ids)
            | Q(major__department_id__in=self.unit_ids)
            | Q(major_id__in=self.major_ids)
            | Q(school_class_id__in=self.class_ids)
        )


def scope_for(user) -> Scope:
    if not getattr(user, "is_authenticated", False):
        return Scope(label="未登录")
    if user.is_superuser or user.role in COLLEGE_WIDE_ROLES:
        return Scope(everything=True, label="全校")
    role = user.role
    if role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        return Scope(unit_ids=frozenset(_descendant_ids(user.org_unit_id)), label=f"{user.org_unit}")
    teacher_id = user.teacher_id
    if role == Role.MAJOR_LEADER and teacher_id:
        majors = frozenset(Major.objects.filter(leader_id=teacher_id).values_list("id", flat=True))
        return Scope(major_ids=majors, teacher_ids=frozenset({teacher_id}), label="本人负责的专业")
    if role == Role.COURSE_LEADER and teacher_id:
        courses = frozenset(Course.objects.filter(leader_id=teacher_id).values_list("id", flat=True))
        return Scope(course_ids=courses, teacher_ids=frozenset({teacher_id}), label="本人负责的课程")
    if role == Role.TEACHER and teacher_id:
        courses = frozenset(Course.objects.filter(leader_id=teacher_id).values_list("id", flat=True))
        classes = frozenset(SchoolClass.objects.filter(adviser_id=teacher_id).values_list("id", flat=True))
        return Scope(
            teacher_ids=frozenset({teacher_id}),
            course_ids=courses,
            class_ids=classes,
            label="本人及所带班级、课程",
        )
    if role == Role.STUDENT and user.student_id:
        return Scope(student_ids=frozenset({user.student_id}), label="本人")
    return Scope(label="无数据权限")
