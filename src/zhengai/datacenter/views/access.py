"""Who may do what in the data center.

The dictionary is open to everyone who signs in. The other pages are for the college-wide roles
(质量保证委员会, 质控中心, 信息中心, 复核专家 read-only); only 信息中心 and 质控中心 upload files, start
syncs, retry runs or edit mappings.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from zhengai.accounts.choices import COLLEGE_WIDE_ROLES, Role

OPERATOR_ROLES = frozenset({Role.IT_CENTER, Role.QUALITY_OFFICE})


def can_read(user) -> bool:
    return bool(user.is_superuser or user.role in COLLEGE_WIDE_ROLES)


def can_operate(user) -> bool:
    """Upload files, start syncs, retry runs and edit mappings."""
    return bool(not user.is_read_only and (user.is_superuser or user.role in OPERATOR_ROLES))


def readers_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_read(request.user):
            raise PermissionDenied("数据中心仅对质量保证委员会、质控中心、信息中心和复核专家开放")
        return view(request, *args, **kwargs)

    return wrapped


def require_operator(user) -> None:
    if not can_operate(user):
        raise PermissionDenied("只有信息中心和质控中心可以导入数据、修改字段映射")
