"""The building blocks of the data standard: code sets, fields and standard tables.

The declaration is the one place that says what the data center holds. Import validation, the
data dictionary page, the demo generator and the national export all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CODE = "code"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    FieldType.STRING: "文本",
    FieldType.INTEGER: "整数",
    FieldType.DECIMAL: "数值",
    FieldType.DATE: "日期",
    FieldType.DATETIME: "日期时间",
    FieldType.BOOLEAN: "是/否",
    FieldType.CODE: "代码",
}


class TableKind(StrEnum):
    """How a batch lands.

    A snapshot replaces the roster as of a date; events append, de-duplicated on the key.
    """

    SNAPSHOT = "snapshot"
    EVENT = "event"

    @property
    def label(self) -> str:
        return {"snapshot": "快照表（按时点保存）", "event": "事件表（追加、按主键去重）"}[self.value]


class TimeKind(StrEnum):
    """The time semantics of a table's figures.

    standards.md d.3: 时点 / 学年 / 自然年; plus 学期 and 发生时间 for teaching and event data.
    """

    POINT = "point"
    ACADEMIC_YEAR = "academic_year"
    CALENDAR_YEAR = "calendar_year"
    TERM = "term"
    EVENT_TIME = "event_time"

    @property
    def label(self) -> str:
        return {
            "point": "时点",
            "academic_year": "学年（9月1日—次年8月31日）",
            "calendar_year": "自然年（1月1日—12月31日）",
            "term": "学期",
            "event_time": "发生时间",
        }[self.value]


@dataclass(frozen=True)
class CodeSet:
    name: str
    label: str
    codes: tuple[tuple[str, str], ...]
    source: str
    verified: bool = False
    note: str = ""

    def label_of(self, code: str) -> str | None:
        return dict(self.codes).get(code)

    @property
    def code_values(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.codes)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    required: bool = False
    code_set: str | None = None
    description: str = ""
    unit: str = ""
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    references: str | None = None  # "table.field" that must exist (e.g. a grade's student)

    @property
    def type_label(self) -> str:
        return self.type.label


@dataclass(frozen=True)
class StandardTable:
    name: str
    label: str
    source_system: str
    kind: TableKind
    time_kind: TimeKind
    primary_key: tuple[str, ...]
    fields: tuple[Field, ...]
    description: str = ""
    time_field: str | None = None  # the field that places a row in time (term code, year, timestamp)
    entity: str | None = None  # the 五横 level whose entities the rows describe
    national_table: str = ""  # the state-data platform table it feeds, where known
    field_index: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {f.name: f for f in self.fields}
        if len(index) != len(self.fields):
            raise ValueError(f"标准表 {self.name} 有重复字段")
        missing = [key for key in self.primary_key if key not in index]
        if missing:
            raise ValueError(f"标准表 {self.name} 的主键字段不存在：{missing}")
        if self.time_field and self.time_field not in index:
            raise ValueError(f"标准表 {self.name} 的时间字段 {self.time_field} 不存在")
        object.__setattr__(self, "field_index", index)

    def field(self, name: str) -> Field:
        return self.field_index[name]

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]
