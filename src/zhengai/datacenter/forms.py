"""Forms of the data-center pages: file upload, the runs filter and the mapping editor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms

from zhengai.datacenter.choices import ConnectorKind, InvalidPolicy, RunStatus
from zhengai.datacenter.connectors.files.header import NO_HEADER
from zhengai.datacenter.fieldops import HELP, UPLOADED, OperationError, format_operation, parse_operation
from zhengai.datacenter.mapping import TRANSFORMS, MappingSpec, label_code
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.rowfilters import FilterError, format_filters, parse_filters
from zhengai.datacenter.services import FILE_KINDS
from zhengai.datacenter.standard import CODE_SETS, Field, FieldType, StandardTable
from zhengai.datacenter.standard import table as standard_table

ACCEPT = ",".join(sorted(FILE_KINDS))
_FORMAT_NAMES = {".csv": "CSV", ".txt": "CSV", ".xlsx": "xlsx", ".parquet": "Parquet", ".json": "JSON"}
FORMATS = "、".join(dict.fromkeys(_FORMAT_NAMES.get(ext, ext.lstrip(".")) for ext in FILE_KINDS))
SAMPLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")  # what the editor can read a header from


def unsupported(name: str) -> str:
    return f"文件“{name}”的格式不受支持（支持 {FORMATS}）"


SAMPLE_MAX_BYTES = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; each must be a format the connectors read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if not uploads:
            raise forms.ValidationError("请至少选择一个文件")
        cleaned = [super(MultipleFileField, self).clean(d, initial) for d in uploads]
        for upload in cleaned:
            if Path(upload.name).suffix.lower() not in FILE_KINDS:
                raise forms.ValidationError(unsupported(upload.name))
        return cleaned


def table_label(name: str) -> str:
    try:
        t = standard_table(name)
    except KeyError:
        return name
    return f"{t.label}（{t.name}）"


class UploadForm(forms.Form):
    table = forms.ChoiceField(label="标准数据表")
    files = MultipleFileField(
        label="数据文件",
        help_text="CSV（UTF-8 或 GBK）、xlsx 或 Parquet，可一次选多个",
        error_messages={"empty": "上传的文件是空的，没有任何内容"},
    )
    dry_run = forms.BooleanField(label="试运行", required=False, help_text="只校验并给出错误报告，不写入数据中心")
    confirm_removal = forms.BooleanField(
        label="确认：允许本批使大量现有记录消失",
        required=False,
        help_text="名单（快照）表的新批次若使大量现有学生、教师等从名单中消失，不勾选时批次会停在“待确认”",
    )
    snapshot_date = forms.DateField(
        label="快照时点",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text="名册类（快照）表的数据时点；不填则取导入当天",
    )

    def __init__(self, *args: Any, source: SourceSystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [(m.table, table_label(m.table)) for m in source.mappings.all()]
        self.fields["table"].widget.attrs["class"] = "form-select"
        self.fields["dry_run"].widget.attrs["class"] = "form-check-input"
        self.fields["confirm_removal"].widget.attrs["class"] = "form-check-input"


class RunFilterForm(forms.Form):
    """Filters of the runs list. An invalid value is ignored rather than reported."""

    source = forms.ModelChoiceField(
        label="数据源", queryset=SourceSystem.objects.order_by("code"), to_field_name="code", required=False,
        empty_label="全部数据源",
    )  # fmt: skip
    table = forms.ChoiceField(label="标准数据表", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *RunStatus.choices])

    def __init__(self, *args: Any, tables: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [("", "全部标准表"), *tables]
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "")}


class SampleForm(forms.Form):
    sample = forms.FileField(
        label="样例文件",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ",".join(SAMPLE_SUFFIXES)}),
        help_text="源系统导出的文件，前几十行即可；用来读取列名并预览",
        error_messages={"empty": "样例文件是空的，没有任何内容", "required": "请选择样例文件"},
    )

    def clean_sample(self):
        upload = self.cleaned_data["sample"]
        if Path(upload.name).suffix.lower() not in SAMPLE_SUFFIXES:
            raise forms.ValidationError(f"文件“{upload.name}”的格式不受支持（样例支持 CSV、xlsx、Parquet）")
        if upload.size > SAMPLE_MAX_BYTES:
            raise forms.ValidationError("样例文件请控制在 20 MB 以内（取源文件的前几十行即可）")
        return upload


@dataclass
class FieldRow:
    """One standard field in the mapping editor, with its inputs."""

    field: Field
    primary_key: bool
    column: forms.BoundField
    transform: forms.BoundField
    fixed: forms.BoundField
    value_map: forms.BoundField | None
    operation: forms.BoundField
    condition: forms.BoundField
    suggested: bool
    code_hint: str


SAMPLE_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def parse_value_map(text: str, field: Field) -> dict[str, str]:
    """'源值=代码' per line → {源值: 代码}; the code must be in the field's code set."""
    pairs: dict[str, str] = {}
    code_set = CODE_SETS.get(field.code_set) if field.code_set else None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        left, sep, right = line.replace("＝", "=").partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise forms.ValidationError(f"第 {number} 行“{line}”应写成“源值=代码”")
        if code_set is not None:  # a code may be written as its label: 在籍=在读 → 01
            right = label_code(field.code_set, right)
        if code_set is not None and right not in code_set.code_values:
            raise forms.ValidationError(f"第 {number} 行：“{right}”不是代码集“{code_set.label}”中的代码")
        pairs[left] = right
    return pairs


def format_value_map(pairs: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in pairs.items())


class MappingForm(forms.Form):
    """Which source column holds each standard field, with transforms, fixed values and code maps."""

    header_row = forms.IntegerField(label="表头所在行", min_value=1, max_value=50, initial=1)
    no_header = forms.BooleanField(
        label="文件没有表头", required=False, help_text="第一行就是数据：按列位置对应（第1列、第2列…）"
    )
    pattern = forms.CharField(label="文件名模式", required=False, max_length=200)
    sheet = forms.CharField(label="工作表", required=False, max_length=50)
    filters = forms.CharField(
        label="行筛选", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "每行一条，如：排除 学籍状态 属于 毕业,退学"}),
        help_text=(
            "只取或排除某些行：只取|排除 源列 等于|属于|介于|匹配 值（介于写 16~30，匹配写正则）；"
            "未取的行计入“筛选掉”"
        ),
    )  # fmt: skip
    lookup_file = forms.FileField(
        label="对照表文件", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        help_text="两列（源值、标准值），第一行是表头；字段运算写“查表 源列 在 对照表”时使用，随映射保存",
    )  # fmt: skip
    lookup_token = forms.CharField(required=False, widget=forms.HiddenInput)
    sample = forms.CharField(required=False, widget=forms.HiddenInput)
    sample_name = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        table: StandardTable,
        source: SourceSystem,
        columns: list[str],
        missing_columns: list[str] = (),
        suggested: set[str] = frozenset(),
        sheets: list[str] = (),
        examples: dict[str, str] | None = None,
        lookup_table: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lookup_table = lookup_table or {}
        self.table, self.source, self.suggested = table, source, set(suggested)
        self.is_sql = source.connector == ConnectorKind.SQL
        examples = examples or {}
        options = [("", "—（不导入）")] + [(c, f"{c}（如 {examples[c]}）" if c in examples else c) for c in columns]
        options += [(c, f"{c}（样例中没有此列）") for c in missing_columns if c not in columns]
        transforms = [("", "不转换")] + [(key, label) for key, (label, _) in TRANSFORMS.items()]
        for f in table.fields:
            self.fields[f"col_{f.name}"] = forms.ChoiceField(label=f"{f.label}的源列", required=False, choices=options)
            self.fields[f"tf_{f.name}"] = forms.ChoiceField(label=f"{f.label}的值转换", required=False,
                                                            choices=transforms)  # fmt: skip
            self.fields[f"fix_{f.name}"] = forms.CharField(label=f"{f.label}的固定值", required=False, max_length=200)
            self.fields[f"op_{f.name}"] = forms.CharField(
                label=f"{f.label}的运算", required=False, max_length=300,
                widget=forms.TextInput(attrs={"placeholder": "或运算：拼接 A+B、查表 A 在 对照表…", "title": HELP}),
            )  # fmt: skip
            self.fields[f"cond_{f.name}"] = forms.CharField(
                label=f"{f.label}的取值条件", required=False, max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "只在 源列=值 的行取", "title": "如：读者类型=学生"}),
            )  # fmt: skip
            if f.type in (FieldType.CODE, FieldType.STRING):
                self.fields[f"vm_{f.name}"] = forms.CharField(
                    label=f"{f.label}的值对应", required=False, max_length=4000,
                    widget=forms.Textarea(attrs={
                        "rows": 2, "placeholder": "源值=代码，每行一条" if f.code_set else "源值=标准值，每行一条"}),
                )  # fmt: skip
        if self.is_sql:
            self.fields["pattern"].label = "数据库表名"
            self.fields["pattern"].required = True
            del self.fields["sheet"]
        self.sheets = list(sheets)
        for name, f in self.fields.items():
            widget = f.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs["class"] = "form-control form-control-sm"
            widget.attrs.setdefault("aria-label", f.label or name)

    # ---------------------------------------------------------------- rendering

    def field_rows(self) -> list[FieldRow]:
        rows = []
        for f in self.table.fields:
            hint = ""
            if f.code_set:
                codes = CODE_SETS[f.code_set].codes
                hint = "；".join(f"{code} {label}" for code, label in codes[:8]) + ("…" if len(codes) > 8 else "")
            rows.append(
                FieldRow(
                    field=f,
                    primary_key=f.name in self.table.primary_key,
                    column=self[f"col_{f.name}"],
                    transform=self[f"tf_{f.name}"],
                    fixed=self[f"fix_{f.name}"],
                    value_map=self[f"vm_{f.name}"] if f"vm_{f.name}" in self.fields else None,
                    operation=self[f"op_{f.name}"],
                    condition=self[f"cond_{f.name}"],
                    suggested=f.name in self.suggested,
                    code_hint=hint,
                )
            )
        return rows

    # ---------------------------------------------------------------- cleaning

    def clean_sample(self) -> str:
        token = self.cleaned_data.get("sample", "")
        if token and not SAMPLE_TOKEN.match(token):
            raise forms.ValidationError("样例文件标识无效，请重新上传样例")
        return token

    def clean_filters(self) -> list[dict[str, Any]]:
        try:
            return parse_filters(self.cleaned_data.get("filters") or "")
        except FilterError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.value_maps: dict[str, dict[str, str]] = {}
        self.operations: dict[str, dict[str, Any]] = {}
        self.conditions: dict[str, list[str]] = {}
        for f in self.table.fields:
            column, fixed = cleaned.get(f"col_{f.name}"), (cleaned.get(f"fix_{f.name}") or "").strip()
            if column and fixed:
                self.add_error(f"fix_{f.name}", "已选了源列，固定值请留空（两者只能用一个）")
            if fixed and f.code_set and label_code(f.code_set, fixed) not in CODE_SETS[f.code_set].code_values:
                self.add_error(f"fix_{f.name}", f"“{fixed}”不是代码集“{CODE_SETS[f.code_set].label}”中的代码或名称")
            self._clean_operation(f, cleaned, column=column, fixed=fixed)
            self._clean_condition(f, cleaned)
            if f"vm_{f.name}" in self.fields:
                try:
                    pairs = parse_value_map(cleaned.get(f"vm_{f.name}") or "", f)
                except forms.ValidationError as exc:
                    self.add_error(f"vm_{f.name}", exc)
                else:
                    if pairs:
                        self.value_maps[f.name] = pairs
        values = self.mapping_values() if not self.errors else {}
        if not self.errors and not values["columns"] and not values["operations"]:
            raise forms.ValidationError("请至少为一个字段选择源列")
        return cleaned

    def _clean_operation(self, f: Field, cleaned: dict[str, Any], *, column: str, fixed: str) -> None:
        text = (cleaned.get(f"op_{f.name}") or "").strip()
        if not text:
            return
        if column or fixed:
            self.add_error(f"op_{f.name}", "已选了源列或固定值，运算请留空（只能用一种）")
            return
        try:
            operation = parse_operation(text, f)
        except OperationError as exc:
            self.add_error(f"op_{f.name}", str(exc))
            return
        if operation.get("source") == UPLOADED and not self.lookup_table:
            self.add_error(f"op_{f.name}", "要“在 对照表”查，请先在上方上传对照表文件（两列：源值、标准值）")
            return
        self.operations[f.name] = operation

    def _clean_condition(self, f: Field, cleaned: dict[str, Any]) -> None:
        text = (cleaned.get(f"cond_{f.name}") or "").strip()
        if not text:
            return
        column, sep, value = text.replace("＝", "=").partition("=")
        if not sep or not column.strip() or not value.strip():
            self.add_error(f"cond_{f.name}", f"“{text}”应写成“源列=取值”，如“读者类型=学生”")
            return
        self.conditions[f.name] = [column.strip(), value.strip()]

    def mapping_values(self) -> dict[str, Any]:
        """What the SourceMapping row will hold."""
        data = self.cleaned_data
        columns, transforms, fixed = {}, {}, {}
        for f in self.table.fields:
            if data.get(f"col_{f.name}"):
                columns[f.name] = data[f"col_{f.name}"]
            if data.get(f"tf_{f.name}"):
                transforms[f.name] = data[f"tf_{f.name}"]
            if (data.get(f"fix_{f.name}") or "").strip():
                fixed[f.name] = data[f"fix_{f.name}"].strip()
        locator = (data.get("pattern") or "").strip()
        if not self.is_sql and (data.get("sheet") or "").strip():
            locator = f"{locator or '*'}#{data['sheet'].strip()}"
        return {
            "columns": columns,
            "value_maps": getattr(self, "value_maps", {}),
            "transforms": transforms,
            "fixed_values": fixed,
            "header_row": NO_HEADER if data.get("no_header") else (data.get("header_row") or 1),
            "locator": locator,
            "filters": data.get("filters") or [],
            "operations": getattr(self, "operations", {}),
            "conditions": getattr(self, "conditions", {}),
            "lookup_table": self.lookup_table,
        }

    def spec(self) -> MappingSpec:
        values = self.mapping_values()
        return MappingSpec(
            self.table,
            columns=values["columns"],
            value_maps=values["value_maps"],
            transforms=values["transforms"],
            fixed_values=values["fixed_values"],
            filters=values["filters"],
            operations=values["operations"],
            conditions=values["conditions"],
            lookup_table=self.lookup_table.get("pairs", {}),
        )

    def check_complete(self) -> bool:
        """Before saving: every required field needs a source column or a fixed value."""
        values = self.mapping_values()
        for f in self.table.fields:
            if f.required and not any(f.name in values[k] for k in ("columns", "fixed_values", "operations")):
                self.add_error(f"col_{f.name}", f"“{f.label}”是必填字段，请选择源列或填写固定值")
        return not self.errors


def mapping_initial(mapping: SourceMapping | None, *, table: StandardTable, columns: list[str] | None,
                    suggestion: dict[str, str]) -> tuple[dict[str, Any], set[str]]:  # fmt: skip
    """Initial values of the editor: the saved mapping where the sample has its column, else the suggestion.

    Returns the initial dict and the fields whose column comes from the suggestion.
    """
    initial: dict[str, Any] = {"header_row": 1}
    suggested: set[str] = set()
    if mapping is not None:
        pattern, _, sheet = (mapping.locator or "").partition("#")
        initial.update(header_row=mapping.header_row or 1, no_header=mapping.header_row == NO_HEADER,
                       pattern=pattern, sheet=sheet,
                       filters=format_filters(mapping.filters or []))  # fmt: skip
    saved = mapping.columns if mapping else {}
    for f in table.fields:
        column = saved.get(f.name)
        if column and (columns is None or column in columns):
            initial[f"col_{f.name}"] = column
        elif f.name in suggestion and not (mapping and f.name in (mapping.fixed_values or {})):
            initial[f"col_{f.name}"] = suggestion[f.name]
            suggested.add(f.name)
        if mapping is not None:
            if f.name in (mapping.transforms or {}):
                initial[f"tf_{f.name}"] = mapping.transforms[f.name]
            if f.name in (mapping.fixed_values or {}):
                initial[f"fix_{f.name}"] = mapping.fixed_values[f.name]
            if f.name in (mapping.value_maps or {}):
                initial[f"vm_{f.name}"] = format_value_map(mapping.value_maps[f.name])
            if f.name in (mapping.operations or {}):
                initial[f"op_{f.name}"] = format_operation(mapping.operations[f.name])
            if f.name in (mapping.conditions or {}):
                initial[f"cond_{f.name}"] = "=".join(mapping.conditions[f.name])
    return initial, suggested


class SourceForm(forms.Form):
    """A source's settings page. Parses only; `source_create` / `source_update` validate and save.

    The password field is never filled back in: it shows 已保存（留空则不变） when one is stored.
    """

    name = forms.CharField(label="名称", max_length=64, help_text="如 教务系统")
    code = forms.CharField(
        label="代码", max_length=32, help_text="小写字母开头，只含小写字母、数字、- 和 _；建好后不能修改"
    )
    connector = forms.ChoiceField(label="接入方式", choices=ConnectorKind.choices)
    unit_code = forms.ChoiceField(label="责任部门", required=False)
    schedule_minutes = forms.IntegerField(label="同步周期（分钟）", min_value=0, initial=0,
                                          help_text="数据库方式自动同步的间隔；0 表示只手工同步或导入")  # fmt: skip
    expected_every_days = forms.IntegerField(label="应更新周期（天）", min_value=0, initial=30,
                                             help_text="超过该天数没有成功批次即标为过期")  # fmt: skip
    invalid_policy = forms.ChoiceField(label="无效行处理", choices=InvalidPolicy.choices)
    active = forms.BooleanField(label="启用", required=False, initial=True)
    url = forms.CharField(label="数据库地址", required=False, max_length=500,
                          help_text="SQLAlchemy 地址，如 postgresql://用户名@主机:5432/库名、sqlite:////路径/库.sqlite；"
                                    "写在地址里的密码会移到加密保存的密码中")  # fmt: skip
    password = forms.CharField(
        label="密码", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    clear_password = forms.BooleanField(label="清除密码", required=False)
    password_env = forms.CharField(label="或：连接时从环境变量读取密码", required=False, max_length=64,
                                   help_text="填变量名，如 JIAOWU_DB_PASSWORD；数据库中不保存密码")  # fmt: skip

    def __init__(self, *args: Any, source: SourceSystem | None = None, **kwargs: Any) -> None:
        from zhengai.datacenter import secrets
        from zhengai.org.models import OrgUnit

        self.source = source
        if source is not None:
            kwargs.setdefault("initial", {
                "name": source.name, "code": source.code, "connector": source.connector,
                "unit_code": source.owner_unit.code if source.owner_unit_id else "",
                "schedule_minutes": source.schedule_minutes, "expected_every_days": source.expected_every_days,
                "invalid_policy": source.invalid_policy, "active": source.active,
                "url": secrets.mask((source.config or {}).get("url", "")),
                "password_env": secrets.env_reference(source),
            })  # fmt: skip
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.order_by("code").values_list("code", "name")
        self.fields["unit_code"].choices = [("", "（未指定）")] + [(c, f"{n}（{c}）") for c, n in units]
        self.password_state = secrets.password_state(source) if source is not None else "未设置"
        if source is not None:
            del self.fields["code"]
            self.fields["connector"].disabled = True
            if self.password_state == "已设置":
                self.fields["password"].widget.attrs["placeholder"] = "已保存（留空则不变）"
        for name, f in self.fields.items():
            widget = f.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
            widget.attrs.setdefault("data-field", name)

    def service_fields(self) -> dict:
        """The cleaned values as keyword arguments of `source_create` / `source_update`."""
        data = self.cleaned_data
        fields = {
            "name": data["name"], "unit_code": data["unit_code"] or "",
            "schedule_minutes": data["schedule_minutes"], "expected_every_days": data["expected_every_days"],
            "invalid_policy": data["invalid_policy"], "active": data["active"],
        }  # fmt: skip
        connector = self.source.connector if self.source else data.get("connector")
        if connector == ConnectorKind.SQL:
            url = data["url"].strip()
            if self.source is not None and url == self.initial.get("url"):
                url = None  # the masked URL shown back: unchanged
            fields.update(url=url, password=data["password"] or None, password_env=data["password_env"].strip() or None,
                          clear_password=data["clear_password"])  # fmt: skip
            if self.source is not None and self.initial.get("password_env") and not fields["password_env"]:
                if not fields["password"]:  # the reference was emptied and nothing given instead
                    fields["clear_password"] = True
        return fields
