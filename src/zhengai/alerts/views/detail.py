"""预警详情: the indicator's history for the entity, the values since opening, the handling log and
the handling forms; each action posts to its own address and comes back to the page."""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.accounts.choices import Role
from zhengai.alerts import forms, privacy, selectors, services
from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus
from zhengai.alerts.models import Alert
from zhengai.alerts.views.access import alert_or_404, may_act
from zhengai.alerts.views.presentation import badges
from zhengai.indicators.choices import EntityKind
from zhengai.indicators.declarations import LEVELS, SYSTEMS
from zhengai.lib import clock
from zhengai.monitoring.selectors import org_unit_names, period_label


def _entity_url(alert: Alert) -> str | None:
    try:
        return reverse("monitoring:entity", args=[alert.entity_kind, alert.entity_key])
    except NoReverseMatch:
        return None


def _forms(request: HttpRequest, alert: Alert, bound: dict[str, object]) -> dict[str, object]:
    """The handling forms this user may use on this alert now (a bound one keeps what was typed)."""
    user = request.user
    out: dict[str, object] = {}
    if not may_act(user, alert):
        if not user.is_read_only and user.can_read_audit_log:
            out["comment"] = bound.get("comment") or forms.CommentForm()
        return out
    status = alert.status
    active = status in ACTIVE_STATUSES
    if status == AlertStatus.OPEN:
        out["acknowledge"] = bound.get("acknowledge") or forms.NoteForm(prefix="ack")
    if active:
        out["fca"] = bound.get("fca") or forms.FCAForm(
            initial={"fact": alert.fact, "cause": alert.cause, "action": alert.action}
        )
    if status in (AlertStatus.ACKNOWLEDGED, AlertStatus.IN_PROGRESS):
        out["done"] = bound.get("done") or forms.NoteForm(prefix="done")
    if status == AlertStatus.VERIFYING:
        out["close"] = bound.get("close") or forms.NoteForm(prefix="close")
    out["comment"] = bound.get("comment") or forms.CommentForm()
    if active and alert.is_case:
        out["plan"] = bound.get("plan") or forms.PlanForm(initial={"plan": alert.support_plan})
        out["follow_up"] = bound.get("follow_up") or forms.FollowUpForm()
    if active:
        out["assign"] = bound.get("assign") or forms.AssignForm(users=selectors.assignable_users(alert))
        if not alert.ignore_requested_by_id:
            out["ignore"] = bound.get("ignore") or forms.IgnoreRequestForm()
        elif selectors.is_quality_office(user):
            out["decide"] = bound.get("decide") or forms.IgnoreDecisionForm()
    return out


def _page(request: HttpRequest, alert: Alert, bound: dict[str, object] | None = None) -> HttpResponse:
    now = clock.now()
    names = org_unit_names()
    needed = selectors.recovery_needed()
    events = alert.events.select_related("actor")
    if request.user.role == Role.STUDENT:
        # Handling notes are internal by default: a student sees only what was shared with him.
        events = events.filter(Q(shared=True) | Q(actor=None))
    events = list(events)
    for event in events:
        event.filename = os.path.basename(event.attachment.name) if event.attachment else ""
    action_forms = _forms(request, alert, bound or {})
    shown, withheld = (
        privacy.visible_signals(alert.signals.select_related("indicator"), request.user, alert)
        if alert.is_case
        else ([], {})
    )
    context = {
        "alert": alert,
        "indicator": alert.indicator,
        "unit": selectors.unit_of(alert),
        "entity_url": _entity_url(alert),
        "entity_kind_label": EntityKind(alert.entity_kind).label if alert.entity_kind in EntityKind.values else "",
        "department": names.get(alert.org_unit_code, alert.org_unit_code),
        "level_label": LEVELS.get(alert.indicator.level, alert.indicator.level) if alert.indicator_id else "学生",
        "system_label": SYSTEMS.get(alert.indicator.system, alert.indicator.system) if alert.indicator_id else "",
        "period_label": period_label(alert.indicator.period if alert.indicator_id else "term", alert.period),
        "signals": shown,
        "withheld": withheld,
        "overdue": alert.is_active and alert.deadline < now,
        "now": now,
        "chart": selectors.history_chart(alert) if alert.indicator_id else {},
        "values": list(alert.values.all()),
        "events": events,
        "forms": action_forms,
        "can_act": may_act(request.user, alert),
        "recovery_needed": needed,
        "recovered": min(alert.recovered_evaluations, needed),
        "can_read_unit": alert.owner_unit is not None
        and selectors.can_read_unit(request.user, request.scope, alert.owner_unit),
        **badges(),
    }
    return render(request, "alerts/detail.html", context)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, alert_or_404(request, pk))


def _done(request: HttpRequest, alert: Alert, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("alerts:detail", args=[alert.pk]) + "#log")


def _acknowledge(request, alert):
    form = forms.NoteForm(request.POST, prefix="ack")
    if not form.is_valid():
        return form, None
    services.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"])
    return form, "已确认该预警"


def _fca(request, alert):
    form = forms.FCAForm(request.POST)
    if not form.is_valid():
        return form, None
    services.alert_record_fca(alert=alert, by=request.user, **form.cleaned_data)
    return form, "已保存事实-原因-措施"


def _mark_done(request, alert):
    form = forms.NoteForm(request.POST, prefix="done")
    if not form.is_valid():
        return form, None
    services.alert_mark_done(alert=alert, by=request.user, note=form.cleaned_data["note"])
    return form, "已标记整改完成，待数据恢复后验证关闭"


def _close(request, alert):
    form = forms.NoteForm(request.POST, prefix="close")
    if not form.is_valid():
        return form, None
    services.alert_close(alert=alert, by=request.user, note=form.cleaned_data["note"])
    return form, "预警已关闭"


def _comment(request, alert):
    form = forms.CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    attachment = form.cleaned_data["attachment"]
    services.alert_comment(
        alert=alert,
        by=request.user,
        note=form.cleaned_data["note"],
        attachment=attachment,
        shared=form.cleaned_data.get("shared", False),
    )
    return form, "已上传附件" if attachment is not None else "已留言"


def _assign(request, alert):
    form = forms.AssignForm(request.POST, users=selectors.assignable_users(alert))
    if not form.is_valid():
        return form, None
    to = form.cleaned_data["to"]
    services.alert_assign(alert=alert, by=request.user, to=to, note=form.cleaned_data["note"])
    return form, f"已指派给 {to}"


def _request_ignore(request, alert):
    form = forms.IgnoreRequestForm(request.POST)
    if not form.is_valid():
        return form, None
    services.alert_request_ignore(alert=alert, by=request.user, reason=form.cleaned_data["reason"])
    return form, "已提交忽略申请，待质控中心审批"


def _decide_ignore(request, alert):
    form = forms.IgnoreDecisionForm(request.POST)
    if not form.is_valid():
        return form, None
    approve = form.cleaned_data["decision"] == "approve"
    services.alert_decide_ignore(alert=alert, by=request.user, approve=approve, note=form.cleaned_data["note"])
    return form, "已批准忽略，预警不再跟踪" if approve else "已驳回忽略申请"


def _plan(request, alert):
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        return form, None
    services.case_plan_set(alert=alert, by=request.user, **form.cleaned_data)
    return form, "已保存帮扶计划"


def _follow_up(request, alert):
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        return form, None
    services.case_follow_up(alert=alert, by=request.user, **form.cleaned_data)
    return form, "已记录帮扶跟进"


ACTIONS = {
    "plan": _plan,
    "follow_up": _follow_up,
    "acknowledge": _acknowledge,
    "fca": _fca,
    "done": _mark_done,
    "close": _close,
    "comment": _comment,
    "assign": _assign,
    "ignore": _request_ignore,
    "decide": _decide_ignore,
}


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One handling action. A form error re-renders the page with what was typed; a refusal of the
    service (wrong state, data not recovered, not accountable) comes back as a message."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("没有这种操作")
    alert = alert_or_404(request, pk)
    if request.user.is_read_only:
        raise PermissionDenied("复核专家为只读账号，不能修改任何数据")
    try:
        form, text = handler(request, alert)
    except services.AlertActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("alerts:detail", args=[alert.pk]) + f"#form-{action}")
    if text is None:
        messages.error(request, "提交的内容有误，请按提示修改后重试")
        return _page(request, alert, {action: form})
    return _done(request, alert, text)


@require_GET
def attachment(request: HttpRequest, pk: int, event_id: int) -> FileResponse:
    """An attachment of the handling log, for those who may open the alert."""
    alert = alert_or_404(request, pk)
    event = get_object_or_404(alert.events, pk=event_id)
    if not event.attachment:
        raise Http404("该记录没有附件")
    try:
        handle = event.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404("附件文件已不存在") from exc
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(event.attachment.name))
