"""Forms of the alert pages: the list's filters and bulk action, the handling actions of one alert,
the notification preferences and the college's alert settings."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.alerts.choices import AlertStatus, ItemKind, PolicyMode, Severity
from zhengai.alerts.models import AlertSettings, NotificationPreference
from zhengai.alerts.selectors import SORTS
from zhengai.indicators.declarations import LEVELS, SYSTEMS
from zhengai.org.models import OrgUnit

# Attachments are evidence (photos, scanned forms, spreadsheets), not archives.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# ------------------------------------------------------------------------------------------ the list


class AlertFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=64)
    status = forms.ChoiceField(label="状态", required=False)
    severity = forms.ChoiceField(label="严重程度", required=False)
    tier = forms.ChoiceField(label="等级", required=False)
    level = forms.ChoiceField(label="层面", required=False)
    system = forms.ChoiceField(label="五纵系统", required=False)
    indicator = forms.ChoiceField(label="指标", required=False)
    unit = forms.ChoiceField(label="责任部门", required=False)
    item = forms.ChoiceField(label="类别", required=False)
    recovered = forms.ChoiceField(
        label="数据恢复", required=False, choices=[("", "全部"), ("no", "仍异常"), ("yes", "已恢复正常")]
    )
    unverified = forms.BooleanField(label="只看阈值未核实", required=False)
    klass = forms.CharField(label="班级", required=False, max_length=32, widget=forms.HiddenInput)
    rule = forms.CharField(label="规则", required=False, max_length=32, widget=forms.HiddenInput)
    major = forms.CharField(label="专业", required=False, max_length=32, widget=forms.HiddenInput)
    overdue = forms.BooleanField(label="只看超期", required=False)
    mine_only = forms.BooleanField(label="只看我负责的", required=False)
    sort = forms.ChoiceField(label="排序", required=False, choices=list(SORTS.items()), widget=forms.HiddenInput)

    DEFAULTS = {"status": "active", "sort": "priority"}

    def __init__(
        self,
        data: Any = None,
        *,
        indicators: list[tuple[str, str]] = (),
        tiers: list[tuple[str, str]] = (),
        units: list[tuple[str, str]] | None = None,
        personal: bool = False,
    ) -> None:
        data = {**self.DEFAULTS, **(data.dict() if hasattr(data, "dict") else dict(data or {}))}
        super().__init__(data)
        self.fields["status"].choices = [("active", "未关闭"), ("all", "全部状态"), *AlertStatus.choices]
        self.fields["severity"].choices = [("", "全部"), *Severity.choices]
        self.fields["item"].choices = [("", "预警事项与学生预警"), *ItemKind.choices]
        self.fields["tier"].choices = [("", "全部等级"), *tiers]
        self.fields["level"].choices = [("", "全部层面"), *LEVELS.items()]
        self.fields["system"].choices = [("", "全部系统"), *SYSTEMS.items()]
        self.fields["indicator"].choices = [("", "全部指标"), *indicators]
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = [("", "全部部门"), *units]
        if not personal:
            del self.fields["mine_only"]
        self.fields["q"].widget.attrs.update(placeholder="对象名称、代码或指标", type="search")
        _style(self)

    def filters(self) -> dict[str, Any]:
        """The cleaned filters; a value that is not a choice (any more) counts as not chosen."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        out = {name: cleaned.get(name) or "" for name in self.fields}
        out["status"] = out["status"] or "active"
        out["sort"] = out["sort"] or "priority"
        if out["status"] == "all":
            out["status"] = ""
        return out

    def is_filtered(self) -> bool:
        f = self.filters()
        return any(v for k, v in f.items() if k not in ("status", "sort")) or f["status"] != "active"


class BulkActionForm(forms.Form):
    ACTIONS = [("acknowledge", "确认"), ("done", "标记整改完成"), ("close", "关闭"), ("ignore", "申请忽略")]

    action = forms.ChoiceField(label="批量操作", choices=ACTIONS)
    note = forms.CharField(label="说明", required=False, max_length=500)
    target = forms.ChoiceField(
        label="范围", choices=[("ticked", "勾选的事项"), ("filter", "符合当前筛选的全部事项")], required=False
    )
    ids = forms.TypedMultipleChoiceField(
        label="预警", coerce=int, required=False, error_messages={"required": "请先勾选预警事项"}
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, ids: list[int] = ()) -> None:
        super().__init__(data)
        self.fields["ids"].choices = [(i, i) for i in ids]
        self.fields["ids"].error_messages["invalid_choice"] = "所选预警不在您的范围内或已不存在"
        self.fields["note"].widget.attrs.update(placeholder="一条说明，写入每一项的处理记录")
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("target") != "filter" and not data.get("ids"):
            raise forms.ValidationError("请先勾选预警事项，或选择“符合当前筛选的全部事项”")
        if data.get("action") == "ignore" and not (data.get("note") or "").strip():
            raise forms.ValidationError("批量申请忽略必须写明理由")
        return data


# ------------------------------------------------------------------------------------------ one alert


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.update(placeholder="说明（可选）", **{"aria-label": "说明"})
        _style(self)


class FCAForm(forms.Form):
    fact = forms.CharField(label="事实", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.CharField(label="原因", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.CharField(label="措施", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, hint in (
            ("fact", "发生了什么：监测值、涉及的对象和范围"),
            ("cause", "为什么会这样：查到的主要原因"),
            ("action", "准备怎么改：具体措施、负责人和完成时间"),
        ):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}"
            self.fields[name].widget.attrs["placeholder"] = hint
        _style(self)


class CommentForm(forms.Form):
    note = forms.CharField(label="留言", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label="附件", required=False, help_text="不超过 10 MB")
    shared = forms.BooleanField(label="对象本人可见", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["placeholder"] = "处理进展、说明或佐证材料的说明"
        _style(self)

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f is not None and f.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(
                f"附件不能超过 10 MB，所选文件“{f.name}”为 {_megabytes(f.size)}。请压缩或拆分后再上传。"
            )
        return f

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("note") or "").strip() and cleaned.get("attachment") is None:
            raise forms.ValidationError("请填写留言或选择附件")
        return cleaned


class PlanForm(forms.Form):
    plan = forms.CharField(label="帮扶计划", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    shared = forms.BooleanField(label="学生本人可见", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].widget.attrs.update(placeholder="目标、措施、责任人与时间节点（一人一策）")
        _style(self)


class FollowUpForm(forms.Form):
    note = forms.CharField(label="跟进情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    shared = forms.BooleanField(label="学生本人可见", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(label="指派给", queryset=None, empty_label="请选择", to_field_name="pk")
    note = forms.CharField(label="说明", required=False, max_length=500)

    def __init__(self, *args, users=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = users
        self.fields["to"].label_from_instance = lambda u: f"{u}（{u.role_label}）"
        self.fields["to"].error_messages["invalid_choice"] = "只能指派给责任部门的人员"
        _style(self)


class IgnoreRequestForm(forms.Form):
    reason = forms.CharField(label="忽略理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "申请忽略必须写明理由"
        self.fields["reason"].widget.attrs["placeholder"] = "例如：数据口径原因、已另行处理"
        _style(self)


class IgnoreDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准忽略"), ("reject", "驳回")])
    note = forms.CharField(label="审批意见", required=False, max_length=1000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


# ------------------------------------------------------------------------------------------ settings


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "daily_digest", "digest_time", "quiet_start", "quiet_end"]
        widgets = {
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "email": "预警发出、升级、待验证和关闭时发送邮件（站内通知始终保留）",
            "daily_digest": "每天在设定的时间汇总成一封邮件，不再逐条发送",
            "quiet_start": "免打扰时段内不发邮件，结束后补发",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError("免打扰的开始和结束时间要同时填写，或同时留空")
        if start is not None and start == end:
            raise forms.ValidationError("免打扰的开始和结束时间不能相同")
        return cleaned


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = [
            "warn_days",
            "failed_days",
            "red_days",
            "escalate_after_days",
            "recovery_evaluations",
            "quality_unit",
            "daily_capacity",
            "case_min_signals",
            "class_case_share",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in (
            "warn_days",
            "failed_days",
            "red_days",
            "escalate_after_days",
            "recovery_evaluations",
            "daily_capacity",
            "case_min_signals",
            "class_case_share",
        ):
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs.update(min=1, max=365)
            self.fields[name].validators.append(_at_least_one)
        units = list(OrgUnit.objects.order_by("code").values_list("code", "name"))
        self.fields["quality_unit"] = forms.ChoiceField(
            label="质控中心（接收二级升级和忽略申请的部门）", choices=[(c, f"{n}（{c}）") for c, n in units]
        )
        _style(self)


def _at_least_one(value: int) -> None:
    if value is not None and value < 1:
        raise forms.ValidationError("至少为 1")


class PolicyForm(forms.Form):
    indicator = forms.CharField(max_length=32, widget=forms.HiddenInput)
    mode = forms.ChoiceField(label="处理方式", choices=PolicyMode.choices)
    note = forms.CharField(label="说明", required=False, max_length=200)
