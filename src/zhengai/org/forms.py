"""Forms of the org pages: list filters (GET) and the architecture-cell edit (POST)."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.org import choices, selectors
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
