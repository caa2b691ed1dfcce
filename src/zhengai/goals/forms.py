"""Forms of the goal chain pages: they parse input; the services validate and write."""

from __future__ import annotations

from django import forms

from zhengai.goals.choices import Rollup, Verification
from zhengai.indicators.choices import Comparison
from zhengai.org.choices import LevelCode
from zhengai.org.entities import EntityKind

_SELECT = {"class": "form-select"}
_INPUT = {"class": "form-control"}


class GoalForm(forms.Form):
    title = forms.CharField(label="目标", max_length=200, widget=forms.TextInput(_INPUT))
    level = forms.ChoiceField(label="层面", choices=LevelCode.choices, widget=forms.Select(_SELECT))
    entity_kind = forms.ChoiceField(label="对象类型", choices=EntityKind.choices, widget=forms.Select(_SELECT))
    entity_key = forms.CharField(
        label="对象代码", max_length=64, initial="school", widget=forms.TextInput(_INPUT),
        help_text="学校写 school；部门写部门代码，专业写专业代码，教师写工号，学生写学号",
    )  # fmt: skip
    owner_unit = forms.ChoiceField(label="责任部门", required=False, widget=forms.Select(_SELECT))
    weight = forms.DecimalField(
        label="权重", min_value=0.01, initial=1, widget=forms.NumberInput({**_INPUT, "step": "0.1"})
    )
    rollup = forms.ChoiceField(label="汇总方式", choices=Rollup.choices, widget=forms.Select(_SELECT))
    verification = forms.ChoiceField(label="核验方式", choices=Verification.choices, widget=forms.Select(_SELECT))
    hold_periods = forms.IntegerField(label="连续达成周期数", min_value=1, max_value=10, initial=1,
                                      widget=forms.NumberInput(_INPUT))  # fmt: skip
    due_date = forms.DateField(label="完成期限", required=False, widget=forms.DateInput({**_INPUT, "type": "date"}))
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea({**_INPUT, "rows": 2}))

    def __init__(self, *args, units: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [("", "（不指定）"), *units]


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label="指标", widget=forms.Select(_SELECT))
    period = forms.CharField(label="周期", max_length=16, widget=forms.TextInput(_INPUT),
                             help_text="如 2026-2027（学年）、2026-2027-1（学期）、2026（自然年）")  # fmt: skip
    comparison = forms.ChoiceField(label="比较", choices=Comparison.choices, widget=forms.Select(_SELECT))
    value = forms.FloatField(label="目标值", widget=forms.NumberInput({**_INPUT, "step": "any"}),
                             help_text="百分比指标写小数，如 0.95")  # fmt: skip
    value_high = forms.FloatField(label="上限（介于时）", required=False,
                                  widget=forms.NumberInput({**_INPUT, "step": "any"}))  # fmt: skip

    def __init__(self, *args, indicators: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicators
