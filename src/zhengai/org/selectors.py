"""Reads of the architecture, org units and master data that pages need.

Every master-data read takes the user's data scope and never returns rows outside it. The scope is
built by `zhengai.accounts.scope.scope_for` (accounts sits above org, so org only names the shape
it needs: `DataScope`). Views get it as `request.scope`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengai.lib import usage
from zhengai.org import choices
from zhengai.org.models import (
    AcademicYear,
    ArchitectureCell,
    ArchitectureRow,
    Course,
    Level,
    Major,
    OrgUnit,
    OrgUnitSystem,
    SchoolClass,
    Student,
    System,
    Teacher,
    Term,
)


class DataScope(Protocol):
    """What one user may see; implemented by `zhengai.accounts.scope.Scope`."""

    everything: bool
    label: str

    @property
    def is_empty(self) -> bool: ...

    def org_units(self, qs: QuerySet[OrgUnit] | None = None) -> QuerySet[OrgUnit]: ...
    def majors(self, qs: QuerySet[Major] | None = None) -> QuerySet[Major]: ...
    def courses(self, qs: QuerySet[Course] | None = None) -> QuerySet[Course]: ...
    def classes(self, qs: QuerySet[SchoolClass] | None = None) -> QuerySet[SchoolClass]: ...
    def teachers(self, qs: QuerySet[Teacher] | None = None) -> QuerySet[Teacher]: ...
    def students(self, qs: QuerySet[Student] | None = None) -> QuerySet[Student]: ...


# --- 五纵五横 matrix -------------------------------------------------------------------------


def merge_spans(keys: Sequence[Hashable | None]) -> list[int]:
    """Row spans for a column whose equal neighbours are merged, as in the plan's Table 1.

    The first row of a run gets the run's length, the rows it covers get 0. `None` never merges
    (the data-platform row has no chain, and its empty chain cell stands alone).
    """
    spans = [1] * len(keys)
    start = 0
    for i in range(1, len(keys) + 1):
        if i < len(keys) and keys[i] is not None and keys[i] == keys[start]:
            spans[i] = 0
            continue
        spans[start] = i - start
        start = i
    return spans


@dataclass
class MatrixRow:
    row: ArchitectureRow
    cells: list[ArchitectureCell | None]
    group_span: int
    chain_span: int


@dataclass
class Matrix:
    levels: list[Level]
    rows: list[MatrixRow]


def architecture_matrix() -> Matrix:
    levels = list(Level.objects.order_by("order"))
    cells_qs = ArchitectureCell.objects.select_related("level").prefetch_related("items")
    rows = list(
        ArchitectureRow.objects.select_related("system", "chain")
        .prefetch_related(Prefetch("cells", queryset=cells_qs))
        .order_by("order")
    )
    group_spans = merge_spans([r.group_label for r in rows])
    chain_spans = merge_spans([r.chain_id for r in rows])
    matrix_rows = []
    for row, group_span, chain_span in zip(rows, group_spans, chain_spans, strict=True):
        by_level = {cell.level_id: cell for cell in row.cells.all()}
        matrix_rows.append(
            MatrixRow(
                row=row,
                cells=[by_level.get(level.pk) for level in levels],
                group_span=group_span,
                chain_span=chain_span,
            )
        )
    return Matrix(levels=levels, rows=matrix_rows)


def architecture_cell(pk: int) -> ArchitectureCell:
    return ArchitectureCell.objects.select_related("row", "level").prefetch_related("items").get(pk=pk)


# --- Org units (图1) ---------------------------------------------------------------------------


@dataclass
class UnitNode:
    unit: OrgUnit
    depth: int
    roles: list[OrgUnitSystem]
    # One entry per system (in system order): the unit's role in that system, or None.
    marks: list[OrgUnitSystem | None] = field(default_factory=list)

    @property
    def indent(self) -> range:
        return range(self.depth)


def org_unit_tree(scope: DataScope) -> tuple[list[System], list[UnitNode]]:
    """The units in scope as a depth-first tree; a unit whose parent is out of scope becomes a root."""
    systems = list(System.objects.order_by("order"))
    roles_qs = OrgUnitSystem.objects.select_related("system").order_by("-primary", "system__order")
    units = list(
        scope.org_units(OrgUnit.objects.all())
        .prefetch_related(Prefetch("system_roles", queryset=roles_qs))
        .order_by("order", "code")
    )
    ids = {u.pk for u in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)

    nodes: list[UnitNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            roles = list(unit.system_roles.all())
            by_system = {role.system_id: role for role in roles}
            nodes.append(UnitNode(unit=unit, depth=depth, roles=roles, marks=[by_system.get(s.pk) for s in systems]))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return systems, nodes


# --- Overview (驾驶舱) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    org_units: int
    majors: int
    courses: int
    classes: int
    teachers: int
    students: int


def overview(scope: DataScope) -> Overview:
    return Overview(
        org_units=scope.org_units().count(),
        majors=scope.majors().count(),
        courses=scope.courses().count(),
        classes=scope.classes().count(),
        teachers=scope.teachers().filter(active=True).count(),
        students=scope.students().filter(status=choices.StudentStatus.ENROLLED).count(),
    )


def enrolled_students_by_major(scope: DataScope) -> list[dict]:
    """[{"name": 专业名, "count": 在读人数}], largest first."""
    rows = (
        scope.students()
        .filter(status=choices.StudentStatus.ENROLLED)
        .values("major_id", "major__name")
        .annotate(n=Count("id"))
        .order_by("-n", "major__name")
    )
    return [{"name": r["major__name"], "count": r["n"]} for r in rows]


def active_teachers_by_title(scope: DataScope) -> list[dict]:
    """[{"code": …, "name": 职称, "count": 人数}] in title order, titles with nobody left out."""
    counts = dict(
        scope.teachers().filter(active=True).values_list("title").annotate(n=Count("id")).values_list("title", "n")
    )
    return [
        {"code": code, "name": label, "count": counts[code]}
        for code, label in choices.TeacherTitle.choices
        if counts.get(code)
    ]


# --- Master-data lists -------------------------------------------------------------------------


def _contains(q: str, *fields: str) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": q})
    return condition


def majors_search(
    *, scope: DataScope, q: str = "", department: OrgUnit | None = None, tier: str = ""
) -> QuerySet[Major]:
    qs = scope.majors(Major.objects.select_related("department", "leader"))
    if q:
        qs = qs.filter(_contains(q, "name", "code"))
    if department:
        qs = qs.filter(department=department)
    if tier:
        qs = qs.filter(tier=tier)
    return qs.order_by("department__order", "code")


def courses_search(
    *, scope: DataScope, q: str = "", kind: str = "", department: OrgUnit | None = None
) -> QuerySet[Course]:
    qs = scope.courses(Course.objects.select_related("department", "major", "leader"))
    if q:
        qs = qs.filter(_contains(q, "name", "code"))
    if kind:
        qs = qs.filter(kind=kind)
    if department:
        qs = qs.filter(department=department)
    return qs.order_by("code")


def classes_search(
    *, scope: DataScope, q: str = "", major: Major | None = None, cohort: int | None = None
) -> QuerySet[SchoolClass]:
    qs = scope.classes(SchoolClass.objects.select_related("major", "adviser"))
    if q:
        qs = qs.filter(_contains(q, "name", "code"))
    if major:
        qs = qs.filter(major=major)
    if cohort:
        qs = qs.filter(cohort=cohort)
    return qs.order_by("-cohort", "code")


def teachers_search(
    *,
    scope: DataScope,
    q: str = "",
    category: str = "",
    title: str = "",
    department: OrgUnit | None = None,
    dual: bool | None = None,
) -> QuerySet[Teacher]:
    qs = scope.teachers(Teacher.objects.select_related("department"))
    if q:
        qs = qs.filter(_contains(q, "name", "staff_no"))
    if category:
        qs = qs.filter(category=category)
    if title:
        qs = qs.filter(title=title)
    if department:
        qs = qs.filter(department=department)
    if dual is not None:
        qs = qs.filter(is_dual_qualified=dual)
    return qs.order_by("staff_no")


def students_search(
    *,
    scope: DataScope,
    q: str = "",
    major: Major | None = None,
    cohort: int | None = None,
    status: str = "",
) -> QuerySet[Student]:
    """Students in scope, by student number. Filters use indexed columns; `q` scans name and number."""
    qs = scope.students(Student.objects.select_related("major", "school_class"))
    if q:
        qs = qs.filter(_contains(q, "name", "student_no"))
    if major:
        qs = qs.filter(major=major)
    if cohort:
        qs = qs.filter(cohort=cohort)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("student_no")


# Student counts are added to one page of rows after paging: counting inside the paged query
# would group every student of the college before the first row is shown.


def with_enrolled_counts(majors: Sequence[Major]) -> list[Major]:
    """Set `.enrolled` (在读 students) on each major of a page, in one query."""
    majors = list(majors)
    counts = dict(
        Student.objects.filter(major__in=majors, status=choices.StudentStatus.ENROLLED)
        .values_list("major_id")
        .annotate(n=Count("id"))
        .values_list("major_id", "n")
    )
    for major in majors:
        major.enrolled = counts.get(major.pk, 0)
    return majors


def with_class_sizes(classes: Sequence[SchoolClass]) -> list[SchoolClass]:
    """Set `.size` (all students on the roll) on each class of a page, in one query."""
    classes = list(classes)
    counts = dict(
        Student.objects.filter(school_class__in=classes)
        .values_list("school_class_id")
        .annotate(n=Count("id"))
        .values_list("school_class_id", "n")
    )
    for school_class in classes:
        school_class.size = counts.get(school_class.pk, 0)
    return classes


# --- Filter options (only values the user can see) ---------------------------------------------


def department_options(scope: DataScope, *, through: str) -> QuerySet[OrgUnit]:
    """Org units that own at least one visible row of `through` ("majors", "courses", "teachers")."""
    visible = {"majors": scope.majors, "courses": scope.courses, "teachers": scope.teachers}[through]()
    if scope.everything:
        return OrgUnit.objects.filter(**{f"{through}__isnull": False}).distinct().order_by("order", "code")
    return OrgUnit.objects.filter(id__in=visible.values("department_id")).order_by("order", "code")


def major_options(scope: DataScope, *, through: str) -> QuerySet[Major]:
    """Majors of visible classes or students (a class adviser sees students, not whole majors)."""
    if scope.everything:
        return Major.objects.order_by("code")
    visible = {"classes": scope.classes, "students": scope.students}[through]()
    return Major.objects.filter(id__in=visible.values("major_id")).order_by("code")


def cohort_options(scope: DataScope) -> list[int]:
    return sorted(
        set(scope.classes().values_list("cohort", flat=True))
        | set(scope.students().order_by().values_list("cohort", flat=True).distinct()),
        reverse=True,
    )


# --- Detail pages ------------------------------------------------------------------------------


def major_detail(*, scope: DataScope, pk: int) -> Major:
    """Raises Major.DoesNotExist outside the scope."""
    return scope.majors(Major.objects.select_related("department", "leader")).get(pk=pk)


def major_profile(*, scope: DataScope, major: Major) -> dict:
    students = scope.students().filter(major=major)
    by_cohort = list(
        students.filter(status=choices.StudentStatus.ENROLLED)
        .values("cohort")
        .annotate(n=Count("id"))
        .order_by("-cohort")
    )
    by_status = dict(students.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "classes": with_class_sizes(classes_search(scope=scope, major=major)),
        "courses": scope.courses(major.courses.select_related("leader")).order_by("code"),
        "by_cohort": by_cohort,
        "by_status": [
            {"code": code, "label": label, "count": by_status[code]}
            for code, label in choices.StudentStatus.choices
            if by_status.get(code)
        ],
    }


def course_detail(*, scope: DataScope, pk: int) -> Course:
    return scope.courses(Course.objects.select_related("department", "major", "leader")).get(pk=pk)


def class_detail(*, scope: DataScope, pk: int) -> SchoolClass:
    return scope.classes(SchoolClass.objects.select_related("major", "adviser")).get(pk=pk)


def class_roster(*, scope: DataScope, school_class: SchoolClass) -> QuerySet[Student]:
    return scope.students(school_class.students.all()).order_by("student_no")


def teacher_detail(*, scope: DataScope, pk: int) -> Teacher:
    return scope.teachers(Teacher.objects.select_related("department")).get(pk=pk)


def teacher_profile(*, scope: DataScope, teacher: Teacher) -> dict:
    return {
        "majors": scope.majors(teacher.led_majors.all()).order_by("code"),
        "courses": scope.courses(teacher.led_courses.all()).order_by("code"),
        "classes": scope.classes(teacher.advised_classes.select_related("major")).order_by("-cohort", "code"),
    }


def student_detail(*, scope: DataScope, pk: int) -> Student:
    return scope.students(Student.objects.select_related("major", "school_class", "major__department")).get(pk=pk)


def visible_pks(qs: QuerySet, pks: Sequence[int | None]) -> set[int]:
    """Which of these primary keys the scoped queryset shows (for deciding what to link)."""
    wanted = [pk for pk in pks if pk]
    return set(qs.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()


# --- Calendar ----------------------------------------------------------------------------------


def academic_calendar() -> list[AcademicYear]:
    terms = Term.objects.order_by("start")
    return list(AcademicYear.objects.prefetch_related(Prefetch("terms", queryset=terms)).order_by("-start_year"))


def current_term(today: dt.date) -> Term | None:
    return Term.objects.filter(start__lte=today, end__gte=today).first()


def census_days() -> dict[int, dt.date]:
    """Each 学年's 统计日 (academic start year → day): the date its 时点 figures refer to."""
    return dict(AcademicYear.objects.values_list("start_year", "census_day"))


def academic_year(pk: int) -> AcademicYear:
    return AcademicYear.objects.prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("kind"))).get(pk=pk)


def calendar_year_uses(year: AcademicYear) -> list[str]:
    """What is already recorded for the periods of a 学年 (measurements …), one phrase each."""
    return usage.uses_between(year.start, year.end)
