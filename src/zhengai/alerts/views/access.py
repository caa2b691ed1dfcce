"""Who may open and act on what, on the alert pages.

Reading goes through `selectors.visible_alerts`; an alert outside it is a 404, as for any record
outside the user's data scope. Acting is decided by `services.can_handle` (the accountable person,
the head of the accountable unit, the quality office); a read-only account (复核专家) acts on nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from zhengai.accounts.choices import Role
from zhengai.alerts import selectors
from zhengai.alerts.models import Alert
from zhengai.alerts.services import can_handle


def alert_or_404(request: HttpRequest, pk: int) -> Alert:
    alert = (
        selectors.visible_alerts(request.user, request.scope)
        .select_related("indicator", "owner_unit", "informed_unit", "owner_teacher", "assignee", "ignore_requested_by")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404("没有找到该预警，或不在您的数据范围内")
    return alert


def may_act(user, alert: Alert) -> bool:
    return bool(not user.is_read_only and can_handle(user, alert))


def may_bulk(user) -> bool:
    """Whether the list offers checkboxes: anyone who may be accountable for an alert."""
    if user.is_read_only:
        return False
    return bool(user.is_superuser or user.role not in (Role.STUDENT, Role.NONE))


def college_wide_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.sees_everything(request.user):
            raise PermissionDenied("预警总览仅对质量保证委员会、质控中心、信息中心和复核专家开放")
        return view(request, *args, **kwargs)

    return wrapped


def quality_office_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.is_quality_office(request.user) or request.user.is_read_only:
            raise PermissionDenied("只有质控中心可以修改预警设置")
        return view(request, *args, **kwargs)

    return wrapped
