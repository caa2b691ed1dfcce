from __future__ import annotations

from typing import Any

from django.db import models

from zhengai.audit.models import AuditRecord


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model,
    before: dict | None,
    after: dict | None,
    note: str = "",
) -> AuditRecord:
    """Write one audit row. Called by the service that makes the change, inside its transaction."""
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        before=before,
        after=after,
        note=note,
    )
