"""数据标准（数据字典）: every standard table and code set, read from the one declaration in code."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengai.datacenter import standard


@dataclass(frozen=True)
class FieldRow:
    """One field of a standard table, as the dictionary page shows it."""

    name: str
    label: str
    type_label: str
    required: bool
    primary_key: bool
    time_field: bool
    code_set: str | None
    code_set_label: str
    references: str | None  # "table.field"
    references_table: str
    constraints: str
    unit: str
    description: str


def _label(value) -> str:
    return str(getattr(value, "label", value))


def _constraints(field) -> str:
    parts = []
    max_length = getattr(field, "max_length", None)
    if max_length:
        parts.append(f"≤{max_length}字")
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    if low is not None and high is not None:
        parts.append(f"{low:g}–{high:g}")
    elif low is not None:
        parts.append(f"≥{low:g}")
    elif high is not None:
        parts.append(f"≤{high:g}")
    return "，".join(parts)


def _field_rows(table) -> list[FieldRow]:
    time_field = getattr(table, "time_field", None)
    rows = []
    for field in table.fields:
        code_set = standard.CODE_SETS.get(field.code_set) if field.code_set else None
        references = getattr(field, "references", None)
        rows.append(
            FieldRow(
                name=field.name,
                label=field.label,
                type_label=_label(field.type),
                required=field.required,
                primary_key=field.name in table.primary_key,
                time_field=field.name == time_field,
                code_set=field.code_set,
                code_set_label=code_set.label if code_set else "",
                references=references,
                references_table=references.partition(".")[0] if references else "",
                constraints=_constraints(field),
                unit=field.unit,
                description=field.description,
            )
        )
    return rows


@require_GET
def dictionary(request: HttpRequest) -> HttpResponse:
    """数据标准（数据字典）: every standard table and code set, read from the one declaration in code."""
    groups: dict[str, list[dict]] = {}
    used_by: dict[str, list] = {}
    for table in standard.TABLES:
        groups.setdefault(table.source_system, []).append(
            {"table": table, "time_label": _label(table.time_kind), "fields": _field_rows(table)}
        )
        for field in table.fields:
            if field.code_set and table not in used_by.setdefault(field.code_set, []):
                used_by[field.code_set].append(table)
    code_sets = [
        {"code_set": code_set, "used_by": used_by.get(name, [])} for name, code_set in standard.CODE_SETS.items()
    ]
    context = {
        "groups": list(groups.items()),
        "code_sets": code_sets,
        "table_count": len(standard.TABLES),
        "field_count": sum(len(t.fields) for t in standard.TABLES),
        "code_set_count": len(code_sets),
        "unverified_count": sum(1 for cs in standard.CODE_SETS.values() if not cs.verified),
        "level": "",
    }
    return render(request, "datacenter/dictionary.html", context)
