"""The data standard: every standard table and code set the data center holds, declared once.

from zhengai.datacenter.standard import TABLES, CODE_SETS, table
"""

from __future__ import annotations

from zhengai.datacenter.standard.base import CodeSet, Field, FieldType, StandardTable, TableKind, TimeKind
from zhengai.datacenter.standard.codes import CODE_SETS, CODE_SETS_LIST
from zhengai.datacenter.standard.tables import TABLES_LIST

TABLES: list[StandardTable] = TABLES_LIST
TABLES_BY_NAME: dict[str, StandardTable] = {t.name: t for t in TABLES}

SOURCE_SYSTEMS: list[str] = list(dict.fromkeys(t.source_system for t in TABLES))


def table(name: str) -> StandardTable:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"没有名为“{name}”的标准数据表") from None


def _check() -> None:
    for t in TABLES:
        for f in t.fields:
            if f.code_set and f.code_set not in CODE_SETS:
                raise ValueError(f"{t.name}.{f.name} 引用了不存在的代码集 {f.code_set}")
            if f.type == FieldType.CODE and not f.code_set:
                raise ValueError(f"{t.name}.{f.name} 是代码字段但没有代码集")
            if f.references:
                ref_table, _, ref_field = f.references.partition(".")
                if ref_table not in TABLES_BY_NAME or ref_field not in TABLES_BY_NAME[ref_table].field_index:
                    raise ValueError(f"{t.name}.{f.name} 引用了不存在的字段 {f.references}")


_check()

__all__ = [
    "CODE_SETS",
    "CODE_SETS_LIST",
    "SOURCE_SYSTEMS",
    "TABLES",
    "TABLES_BY_NAME",
    "CodeSet",
    "Field",
    "FieldType",
    "StandardTable",
    "TableKind",
    "TimeKind",
    "table",
]
