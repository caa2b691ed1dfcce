"""Who may do what on the standard-chain pages.

Everyone with a data scope reads the catalogue and the measurements of his own entities. Only the
quality office (质控中心) and superusers change thresholds and definitions; the evaluation runs are
for the college-wide roles, and the quality office and the IT center start them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from zhengai.accounts.choices import COLLEGE_WIDE_ROLES, Role
from zhengai.monitoring.selectors import EntityScope, entity_scope

RUN_ROLES = frozenset({Role.QUALITY_OFFICE, Role.IT_CENTER})


def can_edit(user) -> bool:
    """Set thresholds, edit definitions, enable or disable indicators."""
    return bool(not user.is_read_only and (user.is_superuser or user.role == Role.QUALITY_OFFICE))


def can_read_runs(user) -> bool:
    return bool(user.is_superuser or user.role in COLLEGE_WIDE_ROLES)


def can_start_runs(user) -> bool:
    return bool(not user.is_read_only and (user.is_superuser or user.role in RUN_ROLES))


def editors_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_edit(request.user):
            raise PermissionDenied("只有质控中心可以修改指标的阈值和定义")
        return view(request, *args, **kwargs)

    return wrapped


def run_readers_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_read_runs(request.user):
            raise PermissionDenied("计算批次仅对质量保证委员会、质控中心、信息中心和复核专家开放")
        return view(request, *args, **kwargs)

    return wrapped


def measurement_scope(request: HttpRequest, *, or_404: bool = False) -> EntityScope:
    """The user's measurement scope, computed once per request."""
    scope = getattr(request, "_measurement_scope", None)
    if scope is None:
        scope = entity_scope(request.scope)
        request._measurement_scope = scope
    if or_404 and scope.is_empty:
        raise Http404("没有找到该记录，或不在您的数据范围内")
    return scope
