"""Reads of the audit log, shaped for people: before/after as lists with what was removed or added."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet

from zhengai.audit.models import AuditRecord

# Labels of the keys services put in before/after.
_KEY_LABELS = {"items": "条目", "value": "值", "status": "状态", "note": "说明"}


def object_type_label(object_type: str) -> str:
    """`org.architecturecell` → 架构单元格 (the model's verbose name), or the raw type if unknown."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def object_type_options() -> list[tuple[str, str]]:
    types = AuditRecord.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    return [(t, object_type_label(t)) for t in types]


def audit_records(*, object_type: str = "") -> QuerySet[AuditRecord]:
    qs = AuditRecord.objects.select_related("actor").order_by("-at", "-id")
    return qs.filter(object_type=object_type) if object_type else qs


def object_history(objects) -> QuerySet[AuditRecord]:
    """The audit records of these objects (one model or several), newest first."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for obj in objects:
        query |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return AuditRecord.objects.filter(query).select_related("actor").order_by("-at", "-id")


@dataclass(frozen=True)
class ChangedValue:
    """One key of a before/after pair. Lists are shown item by item, marked removed / added."""

    key: str
    label: str
    before: list[tuple[str, str]]  # (text, "removed" | "kept")
    after: list[tuple[str, str]]  # (text, "added" | "kept")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def describe_change(before: dict | None, after: dict | None) -> list[ChangedValue]:
    """Pure: the keys of before/after in order, each with its items marked."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    changes = []
    for key in keys:
        old, new = _as_list(before.get(key)), _as_list(after.get(key))
        changes.append(
            ChangedValue(
                key=key,
                label=_KEY_LABELS.get(key, key),
                before=[(text, "kept" if text in new else "removed") for text in old],
                after=[(text, "kept" if text in old else "added") for text in new],
            )
        )
    return changes
