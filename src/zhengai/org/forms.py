"""Forms of the org pages: list filters (GET), the architecture-cell edit and the calendar editor (POST)."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.org import choices, selectors, services
from zhengai.org.selectors import DataScope

_ALL = [("", "全部")]


class ListFilterForm(forms.Form):
    """Search box plus filters. An invalid filter value is ignored rather than reported."""

    q = forms.CharField(label="搜索", required=False, max_length=64)
    search_placeholder = "名称或代码"

    def __init__(self, data: Any = None, *, scope: DataScope) -> None:
        super().__init__(data)
        self.scope = scope
        self.fields["q"].widget.attrs.update(
            {"placeholder": self.search_placeholder, "class": "form-control", "type": "search"}
        )
        self.setup_options()
        for name, form_field in self.fields.items():
            if name != "q":
                form_field.widget.attrs.setdefault("class", "form-select")

    def setup_options(self) -> None:
        """Fill the option lists from what the user's scope shows."""

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {key: value for key, value in cleaned.items() if value not in (None, "")}

    @property
    def active_count(self) -> int:
        return len([k for k in self.filters() if k != "q"])


class MajorFilterForm(ListFilterForm):
    department = forms.ModelChoiceField(label="所属系部", queryset=None, required=False, empty_label="全部系部")
    tier = forms.ChoiceField(label="专业类别", choices=_ALL + choices.MajorTier.choices, required=False)
    search_placeholder = "专业名称或代码"

    def setup_options(self) -> None:
        self.fields["department"].queryset = selectors.department_options(self.scope, through="majors")


class CourseFilterForm(ListFilterForm):
    kind = forms.ChoiceField(label="课程类型", choices=_ALL + choices.CourseKind.choices, required=False)
    department = forms.ModelChoiceField(label="开课部门", queryset=None, required=False, empty_label="全部部门")
    search_placeholder = "课程名称或代码"

    def setup_options(self) -> None:
        self.fields["department"].queryset = selectors.department_options(self.scope, through="courses")


class ClassFilterForm(ListFilterForm):
    major = forms.ModelChoiceField(label="专业", queryset=None, required=False, empty_label="全部专业")
    cohort = forms.TypedChoiceField(label="年级", coerce=int, required=False, empty_value=None)
    search_placeholder = "班级名称或代码"

    def setup_options(self) -> None:
        self.fields["major"].queryset = selectors.major_options(self.scope, through="classes")
        self.fields["cohort"].choices = [("", "全部年级")] + [
            (year, f"{year}级") for year in selectors.cohort_options(self.scope)
        ]


class TeacherFilterForm(ListFilterForm):
    department = forms.ModelChoiceField(label="所属部门", queryset=None, required=False, empty_label="全部部门")
    category = forms.ChoiceField(label="教师类别", choices=_ALL + choices.TeacherCategory.choices, required=False)
    title = forms.ChoiceField(label="职称", choices=_ALL + choices.TeacherTitle.choices, required=False)
    dual = forms.TypedChoiceField(
        label="双师型",
        choices=[("", "全部"), ("1", "是"), ("0", "否")],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=None,
    )
    search_placeholder = "姓名或工号"

    def setup_options(self) -> None:
        self.fields["department"].queryset = selectors.department_options(self.scope, through="teachers")


class StudentFilterForm(ListFilterForm):
    major = forms.ModelChoiceField(label="专业", queryset=None, required=False, empty_label="全部专业")
    cohort = forms.TypedChoiceField(label="年级", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label="学籍状态", choices=_ALL + choices.StudentStatus.choices, required=False)
    search_placeholder = "姓名或学号"

    def setup_options(self) -> None:
        self.fields["major"].queryset = selectors.major_options(self.scope, through="students")
        self.fields["cohort"].choices = [("", "全部年级")] + [
            (year, f"{year}级") for year in selectors.cohort_options(self.scope)
        ]


class ArchitectureCellForm(forms.Form):
    items = forms.CharField(
        label="条目",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
        help_text="每行一条，按顺序编号。",
    )
    note = forms.CharField(
        label="修改说明",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如：按2024年新办法修订"}),
    )

    def item_list(self) -> list[str]:
        return self.cleaned_data["items"].splitlines()


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _weeks_input() -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": 30})


class AcademicYearForm(forms.Form):
    """A 学年's 统计日 and its two terms. The dates are judged by the calendar services, not here."""

    start_year = forms.IntegerField(
        label="起始年",
        min_value=2000,
        max_value=2099,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text="2024 即 2024-2025学年（9月1日至次年8月31日）",
    )
    census_day = forms.DateField(label="统计日", widget=_date_input(), help_text="时点数据（在校生数等）所指的那一天")
    term1_start = forms.DateField(label="第一学期开始", widget=_date_input())
    term1_end = forms.DateField(label="第一学期结束", widget=_date_input())
    term1_weeks = forms.IntegerField(label="第一学期教学周数", widget=_weeks_input())
    term2_start = forms.DateField(label="第二学期开始", widget=_date_input())
    term2_end = forms.DateField(label="第二学期结束", widget=_date_input())
    term2_weeks = forms.IntegerField(label="第二学期教学周数", widget=_weeks_input())
    note = forms.CharField(
        label="修改说明",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如：按学校校历文件调整"}),
    )

    def __init__(self, *args: Any, fixed_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_year is not None:  # editing a year, or adding one of the two next to the calendar
            self.fields["start_year"].widget = forms.HiddenInput()
            self.fields["start_year"].initial = fixed_year
        self.fixed_year = fixed_year

    def clean_start_year(self) -> int:
        year = self.cleaned_data["start_year"]
        if self.fixed_year is not None and year != self.fixed_year:
            raise forms.ValidationError("学年不能在此更改")
        return year

    def term_dates(self) -> list[services.TermDates]:
        d = self.cleaned_data
        return [
            services.TermDates(kind, d[f"term{kind}_start"], d[f"term{kind}_end"], d[f"term{kind}_weeks"])
            for kind in (1, 2)
        ]

    @staticmethod
    def initial_from(proposal: services.YearProposal) -> dict[str, Any]:
        out: dict[str, Any] = {"start_year": proposal.start_year, "census_day": proposal.census_day}
        for t in proposal.terms:
            out |= {f"term{t.kind}_start": t.start, f"term{t.kind}_end": t.end, f"term{t.kind}_weeks": t.teaching_weeks}
        return out

    @staticmethod
    def initial_for(year) -> dict[str, Any]:
        out: dict[str, Any] = {"start_year": year.start_year, "census_day": year.census_day}
        for t in year.terms.all():
            out |= {f"term{t.kind}_start": t.start, f"term{t.kind}_end": t.end, f"term{t.kind}_weeks": t.teaching_weeks}
        return out
