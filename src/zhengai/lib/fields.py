"""Model fields shared by apps."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OrderedJSONField(models.TextField):
    """JSON kept as text, so the order of mapping keys survives every database.

    PostgreSQL's jsonb (Django's JSONField there) reorders keys; an indicator's parts and look-up joins
    are mappings whose order means something (the first part gives the entities; a join may use the
    one before it), so declarations are stored with this field instead.
    """

    description = "JSON（保持键的顺序）"

    def from_db_value(self, value: Any, expression, connection) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    def value_to_string(self, obj) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""
