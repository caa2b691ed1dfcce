"""Forms of the standard-chain pages: catalogue and entity-table filters, the threshold and
definition editors, and starting an evaluation run."""

from __future__ import annotations

import re
from typing import Any

import yaml
from django import forms
from django.utils import timezone

from zhengai.datacenter.standard import CODE_SETS, TABLES_BY_NAME
from zhengai.indicators.choices import Outcome
from zhengai.indicators.declarations import ENTITY_ROSTER, LEVELS, SYSTEMS
from zhengai.indicators.declarations import Indicator as Declaration
from zhengai.indicators.thresholds import Line, Thresholds, Tier
from zhengai.monitoring.selectors import ENTITY_SORTS


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-control")


class CatalogueFilterForm(forms.Form):
    level = forms.ChoiceField(label="层面", required=False, widget=forms.HiddenInput)
    system = forms.ChoiceField(label="五纵系统", required=False)
    dimension = forms.ChoiceField(label="维度", required=False)
    q = forms.CharField(label="搜索", required=False, max_length=64)

    def __init__(self, data: Any = None, *, dimensions: list[str] = ()) -> None:
        super().__init__(data)
        self.fields["level"].choices = [("", "全部"), *LEVELS.items()]
        self.fields["system"].choices = [("", "全部系统"), *SYSTEMS.items()]
        self.fields["dimension"].choices = [("", "全部维度"), *((d, d) for d in dimensions)]
        self.fields["q"].widget.attrs.update(placeholder="代码、名称或质控点", type="search")
        _style(self)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"level": "", "system": "", "dimension": "", "q": ""}
        return {k: self.cleaned_data.get(k) or "" for k in ("level", "system", "dimension", "q")}


class EntityFilterForm(forms.Form):
    """The entity table of an indicator page: period, outcome, department, order."""

    period = forms.ChoiceField(label="周期", required=False)
    outcome = forms.ChoiceField(label="结果", required=False)
    org_unit = forms.ChoiceField(label="部门", required=False)
    sort = forms.ChoiceField(label="排序", required=False, choices=list(ENTITY_SORTS.items()))

    def __init__(self, data: Any = None, *, periods: list[tuple[str, str]], departments: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["period"].choices = periods
        self.fields["outcome"].choices = [("", "全部结果"), *Outcome.choices]
        self.fields["org_unit"].choices = [("", "全部部门"), *departments]
        _style(self)

    def value(self, name: str) -> str:
        """A field's cleaned value; a value that is not a choice (any more) counts as not chosen."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""


_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*%")


def _ratio(text: str) -> str:
    """'>= 60%' → '>= 0.6': a rate's threshold may be typed as a percentage."""
    return _PERCENT.sub(lambda m: f"{float(m.group(1)) / 100:g}", text)


def group_choices(decl: Declaration | None) -> list[tuple[str, str]]:
    """全部 plus the codes of the indicator's threshold group (e.g. 专业类别: 省级重点 …)."""
    out = [("", "全部（默认）")]
    if decl is None or not decl.threshold_group:
        return out
    roster, _key = ENTITY_ROSTER[decl.entity]
    table = TABLES_BY_NAME["school_resources" if decl.entity == "school" else roster]
    fld = table.field_index.get(decl.threshold_group)
    if fld is not None and fld.code_set and fld.code_set in CODE_SETS:
        out += [(code, f"{label}（{code}）") for code, label in CODE_SETS[fld.code_set].codes]
    return out


class ThresholdForm(forms.Form):
    group = forms.ChoiceField(label="适用分组", required=False)
    effective_from = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="自该日期开始的周期按新阈值判定，此前的周期保持原结果",
        error_messages={"required": "请填写生效日期", "invalid": "生效日期应为 YYYY-MM-DD"},
    )
    standard = forms.CharField(label="标准值", required=False, max_length=40, help_text="不满足即“未达标”")
    warning = forms.CharField(
        label="预警值", required=False, max_length=40, help_text="满足标准值但不满足预警值即“预警”"
    )
    target = forms.CharField(label="目标值", required=False, max_length=40, help_text="努力方向，用于计算偏差")
    tiers = forms.CharField(
        label="分级（可选）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一级：名称 | 颜色 | 条件，如“红色 | red | >= 6”；后面的一级优先",
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    LINES = ("standard", "warning", "target")

    def __init__(self, data: Any = None, *, decl: Declaration | None, initial: dict | None = None) -> None:
        super().__init__(data, initial=initial)
        self.decl = decl
        self.fields["group"].choices = group_choices(decl)
        if len(self.fields["group"].choices) == 1:
            self.fields["group"].widget = forms.HiddenInput()
        self.is_percent = bool(decl and decl.is_percent)
        examples = "如 >= 60% 或 >= 0.6" if self.is_percent else "如 >= 0.6、<= 18、between 16, 18"
        for name in self.LINES:
            self.fields[name].widget.attrs["placeholder"] = examples
        self.fields["note"].widget.attrs["placeholder"] = "依据的文件或调整原因"
        _style(self)

    def _line(self, name: str) -> Line | None:
        text = (self.cleaned_data.get(name) or "").strip()
        try:
            return Line.parse(_ratio(text) if self.is_percent else text)
        except ValueError as exc:
            raise forms.ValidationError(f"{self.fields[name].label}：{exc}") from None

    def clean_standard(self) -> Line | None:
        return self._line("standard")

    def clean_warning(self) -> Line | None:
        return self._line("warning")

    def clean_target(self) -> Line | None:
        return self._line("target")

    def clean_tiers(self) -> tuple[Tier, ...]:
        out = []
        for n, raw in enumerate((self.cleaned_data.get("tiers") or "").splitlines(), start=1):
            if not raw.strip():
                continue
            parts = [p.strip() for p in raw.split("|")]
            if len(parts) == 2:
                label, colour, when = parts[0], "", parts[1]
            elif len(parts) == 3:
                label, colour, when = parts
            else:
                raise forms.ValidationError(f"分级第 {n} 行应写成“名称 | 颜色 | 条件”，如“红色 | red | >= 6”")
            if not label:
                raise forms.ValidationError(f"分级第 {n} 行缺少名称")
            try:
                line = Line.parse(_ratio(when) if self.is_percent else when)
            except ValueError as exc:
                raise forms.ValidationError(f"分级第 {n} 行：{exc}") from None
            if line is None:
                raise forms.ValidationError(f"分级第 {n} 行缺少条件")
            out.append(Tier(label, colour, line))
        return tuple(out)

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and data.get("standard") is None and data.get("warning") is None and not data.get("tiers"):
            raise forms.ValidationError("至少要设定标准值或预警值")
        return data

    def thresholds(self) -> Thresholds:
        d = self.cleaned_data
        return Thresholds(d.get("standard"), d.get("warning"), d.get("target"), d.get("tiers") or ())


def threshold_initial(row, *, today=None) -> dict:
    """The editor starts from the thresholds in force (as text), dated today."""
    initial = {"effective_from": today or timezone.localdate(), "group": row.group if row else ""}
    if row is not None:
        for name in ThresholdForm.LINES:
            line = getattr(row, name)
            initial[name] = line.as_text() if line else ""
        initial["tiers"] = "\n".join(
            f"{t['label']} | {t.get('color', '')} | " + Line(t["op"], t["value"], t.get("high")).as_text()
            for t in row.tiers
        )
    return initial


class DefinitionForm(forms.Form):
    definition = forms.CharField(
        label="指标定义（YAML）",
        widget=forms.Textarea(attrs={"rows": 26, "spellcheck": "false"}),
        error_messages={"required": "定义不能为空"},
    )
    note = forms.CharField(label="修改说明", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["definition"].widget.attrs["class"] += " font-monospace zg-yaml"
        self.fields["note"].widget.attrs["placeholder"] = "为什么修改，依据什么"

    def clean_definition(self) -> dict:
        text = self.cleaned_data["definition"]
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise forms.ValidationError(f"YAML 格式错误{('（' + where + '）') if where else ''}：{problem}") from None
        if not isinstance(data, dict):
            raise forms.ValidationError("定义应为“字段: 值”的映射，每行一个字段")
        return data


def definition_text(raw: dict) -> str:
    """The editable part of a definition as YAML: all but the code (fixed) and the thresholds (own editor)."""
    shown = {k: v for k, v in raw.items() if k not in ("code", "thresholds")}
    return yaml.safe_dump(shown, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def measure_text(raw: dict) -> str:
    """The measure of a definition (value and parts, population, or function) as YAML."""
    keys = ("value", "parts", "population", "function", "sources", "threshold_group", "precision")
    shown = {k: raw[k] for k in keys if raw.get(k) not in (None, "", [], {})}
    return yaml.safe_dump(shown, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


class RunForm(forms.Form):
    indicator = forms.ChoiceField(label="指标", required=False)
    period = forms.ChoiceField(label="周期", required=False)

    def __init__(self, data: Any = None, *, indicators: list[tuple[str, str]], periods: list) -> None:
        super().__init__(data)
        self.fields["indicator"].choices = [("", "全部启用的指标"), *indicators]
        self.fields["period"].choices = [("", "已开始的全部周期"), *periods]
        _style(self)
