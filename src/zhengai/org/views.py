"""Pages of the 五纵五横 architecture, org units, master data and calendar.

Views parse input, call selectors (reads, always within the user's scope) or services (writes),
and render. Lists work with and without htmx: an htmx request gets only the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of
from zhengai.lib.web import is_htmx, paginate
from zhengai.org import forms, selectors, services
from zhengai.org.models import AcademicYear, ArchitectureCell, Course, Major, SchoolClass, Student, Teacher

# --- Master-data lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    title: str
    form_class: type[forms.ListFilterForm]
    search: Callable
    level: str  # the 五横 level this list belongs to, for the level switcher
    decorate: Callable | None = None  # adds figures to the rows of one page


_LISTS = {
    "majors": ListPage(
        "专业",
        forms.MajorFilterForm,
        selectors.majors_search,
        "major",
        decorate=selectors.with_enrolled_counts,
    ),
    "courses": ListPage("课程", forms.CourseFilterForm, selectors.courses_search, "course"),
    "classes": ListPage(
        "班级",
        forms.ClassFilterForm,
        selectors.classes_search,
        "student",
        decorate=selectors.with_class_sizes,
    ),
    "teachers": ListPage("教师", forms.TeacherFilterForm, selectors.teachers_search, "teacher"),
    "students": ListPage("学生", forms.StudentFilterForm, selectors.students_search, "student"),
}


def _list(request: HttpRequest, name: str) -> HttpResponse:
    spec = _LISTS[name]
    table_template = f"org/_{name}_table.html"
    scope = request.scope
    form = spec.form_class(request.GET, scope=scope)
    page = paginate(request, spec.search(scope=scope, **form.filters()))
    if spec.decorate:
        page.object_list = spec.decorate(page.object_list)
    context = {
        "spec": spec,
        "form": form,
        "page": page,
        "scope": scope,
        "table_template": table_template,
        "list_url": reverse(f"org:{name}"),
        "level": spec.level,
    }
    template = table_template if is_htmx(request) else "org/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def majors(request: HttpRequest) -> HttpResponse:
    return _list(request, "majors")


@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    return _list(request, "courses")


@require_GET
def classes(request: HttpRequest) -> HttpResponse:
    return _list(request, "classes")


@require_GET
def teachers(request: HttpRequest) -> HttpResponse:
    return _list(request, "teachers")


@require_GET
def students(request: HttpRequest) -> HttpResponse:
    return _list(request, "students")


# --- Details: 404 outside the user's scope ------------------------------------------------------


def _get_or_404(getter: Callable, *, scope, pk: int):
    try:
        return getter(scope=scope, pk=pk)
    except (Major.DoesNotExist, Course.DoesNotExist, SchoolClass.DoesNotExist, Teacher.DoesNotExist,
            Student.DoesNotExist) as exc:  # fmt: skip
        raise Http404("没有找到该记录，或不在您的数据范围内") from exc


@require_GET
def major_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    major = _get_or_404(selectors.major_detail, scope=scope, pk=pk)
    context = {
        "major": major,
        "level": "major",
        "leader_visible": bool(selectors.visible_pks(scope.teachers(), [major.leader_id])),
        **selectors.major_profile(scope=scope, major=major),
    }
    return render(request, "org/major_detail.html", context)


@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    course = _get_or_404(selectors.course_detail, scope=scope, pk=pk)
    context = {
        "course": course,
        "level": "course",
        "leader_visible": bool(selectors.visible_pks(scope.teachers(), [course.leader_id])),
        "major_visible": bool(selectors.visible_pks(scope.majors(), [course.major_id])),
    }
    return render(request, "org/course_detail.html", context)


@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    school_class = _get_or_404(selectors.class_detail, scope=scope, pk=pk)
    context = {
        "school_class": school_class,
        "level": "student",
        "students": selectors.class_roster(scope=scope, school_class=school_class),
        "adviser_visible": bool(selectors.visible_pks(scope.teachers(), [school_class.adviser_id])),
        "major_visible": bool(selectors.visible_pks(scope.majors(), [school_class.major_id])),
    }
    return render(request, "org/class_detail.html", context)


@require_GET
def teacher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    teacher = _get_or_404(selectors.teacher_detail, scope=scope, pk=pk)
    context = {
        "teacher": teacher,
        "level": "teacher",
        **selectors.teacher_profile(scope=scope, teacher=teacher),
    }
    return render(request, "org/teacher_detail.html", context)


@require_GET
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    student = _get_or_404(selectors.student_detail, scope=scope, pk=pk)
    context = {
        "student": student,
        "level": "student",
        "major_visible": bool(selectors.visible_pks(scope.majors(), [student.major_id])),
        "class_visible": bool(selectors.visible_pks(scope.classes(), [student.school_class_id])),
    }
    return render(request, "org/student_detail.html", context)


# --- 五纵五横 matrix ---------------------------------------------------------------------------


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    context = {
        "matrix": selectors.architecture_matrix(),
        "can_edit": request.user.can_edit_architecture,
        "level": "school",
    }
    return render(request, "org/matrix.html", context)


def _cell_or_404(pk: int) -> ArchitectureCell:
    try:
        return selectors.architecture_cell(pk)
    except ArchitectureCell.DoesNotExist as exc:
        raise Http404("没有这个单元格") from exc


@require_GET
def matrix_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """One cell as shown in the matrix (htmx swaps it back in after an edit or a cancel)."""
    cell = _cell_or_404(pk)
    return render(request, "org/_matrix_cell.html", {"cell": cell, "can_edit": request.user.can_edit_architecture})


@require_http_methods(["GET", "POST"])
def matrix_cell_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.can_edit_architecture:
        raise PermissionDenied("只有质控中心可以修改五纵五横架构")
    cell = _cell_or_404(pk)
    if request.method == "POST":
        form = forms.ArchitectureCellForm(request.POST)
        if form.is_valid():
            try:
                services.architecture_cell_update(
                    cell=cell, items=form.item_list(), by=request.user, note=form.cleaned_data["note"]
                )
            except ValueError as exc:
                form.add_error("items", str(exc))
            else:
                if is_htmx(request):
                    cell = selectors.architecture_cell(pk)
                    context = {"cell": cell, "can_edit": True, "saved": True}
                    return render(request, "org/_matrix_cell.html", context)
                messages.success(request, f"已保存“{cell.row} × {cell.level}”。")
                return redirect(f"{reverse('org:matrix')}#cell-{cell.pk}")
    else:
        form = forms.ArchitectureCellForm(initial={"items": "\n".join(cell.item_texts())})
    template = "org/_matrix_cell_form.html" if is_htmx(request) else "org/matrix_cell_edit.html"
    return render(request, template, {"cell": cell, "form": form, "level": "school"})


# --- Org units and calendar -------------------------------------------------------------------


@require_GET
def units(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    systems, nodes = selectors.org_unit_tree(scope)
    context = {
        "systems": systems,
        "nodes": nodes,
        "scope": scope,
        "can_load_defaults": request.user.can_edit_architecture,
    }
    return render(request, "org/units.html", context)


@require_http_methods(["POST"])
def units_load_default(request: HttpRequest) -> HttpResponse:
    """Load the plan's org units (图1) into a new installation; the quality office only."""
    if not request.user.can_edit_architecture:
        raise PermissionDenied("只有质控中心可以载入默认部门")
    count = services.org_units_load_default()
    messages.success(request, f"已载入实施方案中的 {count} 个部门及其五纵归属。")
    return redirect("org:units")


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    today = timezone.localdate()
    years = [] if scope.is_empty else selectors.academic_calendar()
    can_edit = request.user.can_edit_calendar
    context = {
        "years": years,
        "current_term": None if scope.is_empty else selectors.current_term(today),
        "today": today,
        "scope": scope,
        "can_edit": can_edit,
        "addable": [(y, f"{y}-{y + 1}学年") for y in services.academic_year_addable()] if can_edit else [],
        "ends": {years[0].pk, years[-1].pk} if years else set(),
    }
    return render(request, "org/calendar.html", context)


def _calendar_editor(request: HttpRequest) -> None:
    if not request.user.can_edit_calendar:
        raise PermissionDenied("只有质控中心和信息中心可以修改校历")


def _year_form_page(request: HttpRequest, form: forms.AcademicYearForm, *, year=None, start_year=None) -> HttpResponse:
    label = str(year) if year else (f"{start_year}-{start_year + 1}学年" if start_year else "")
    context = {"form": form, "year": year, "label": label, "start_year": start_year}
    return render(request, "org/calendar_year_form.html", context)


@require_http_methods(["GET", "POST"])
def calendar_year_new(request: HttpRequest) -> HttpResponse:
    """Add a 学年: next to the calendar (its two terms proposed by the college's rule), or the first one."""
    _calendar_editor(request)
    addable = services.academic_year_addable()
    fixed = None
    if addable:
        try:
            fixed = int(request.POST.get("start_year") or request.GET.get("start_year") or addable[-1])
        except ValueError:
            fixed = addable[-1]
        if fixed not in addable:
            fixed = addable[-1]
    if request.method == "POST":
        form = forms.AcademicYearForm(request.POST, fixed_year=fixed)
        if form.is_valid():
            try:
                year = services.academic_year_create(
                    start_year=form.cleaned_data["start_year"],
                    census_day=form.cleaned_data["census_day"],
                    terms=form.term_dates(),
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"已添加{year}，其学期与统计日已进入校历，可以计算这一学年的周期了。")
                return redirect("org:calendar")
        return _year_form_page(request, form, start_year=fixed)
    start_year = fixed
    if start_year is None:  # the first year of an empty calendar: the one asked for, else the current one
        asked = request.GET.get("start_year", "")
        start_year = (
            int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2099 else academic_year_of(clock.today()).start_year
        )
    proposal = services.academic_year_proposal(start_year=start_year)
    form = forms.AcademicYearForm(initial=forms.AcademicYearForm.initial_from(proposal), fixed_year=fixed)
    return _year_form_page(request, form, start_year=start_year)


def _year(pk: int):
    try:
        return selectors.academic_year(pk)
    except AcademicYear.DoesNotExist:
        raise Http404("没有这个学年") from None


@require_http_methods(["GET", "POST"])
def calendar_year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _calendar_editor(request)
    year = _year(pk)
    if request.method == "POST":
        form = forms.AcademicYearForm(request.POST, fixed_year=year.start_year)
        if form.is_valid():
            try:
                services.academic_year_update(
                    year=year,
                    census_day=form.cleaned_data["census_day"],
                    terms=form.term_dates(),
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                uses = selectors.calendar_year_uses(year)
                text = f"已保存{year}的日期。"
                if uses:
                    text += f"该学年已有{'、'.join(uses)}：日期改动后请重新计算这一学年的周期。"
                messages.success(request, text)
                return redirect("org:calendar")
        return _year_form_page(request, form, year=year)
    form = forms.AcademicYearForm(initial=forms.AcademicYearForm.initial_for(year), fixed_year=year.start_year)
    return _year_form_page(request, form, year=year)


@require_http_methods(["POST"])
def calendar_year_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _calendar_editor(request)
    year = _year(pk)
    label = str(year)
    try:
        services.academic_year_delete(year=year, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已从校历中删除{label}。")
    return redirect("org:calendar")
