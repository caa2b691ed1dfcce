"""站内通知 and 通知设置: the user's own messages and how he wants to hear about alerts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengai.alerts import forms, selectors
from zhengai.alerts.models import Notification, NotificationPreference
from zhengai.alerts.services import notification_preference_update, notifications_mark_read
from zhengai.lib.web import is_htmx, paginate


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, selectors.inbox(request.user, unread_only=unread_only))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": selectors.unread_count(request.user),
        "list_url": reverse("alerts:inbox"),
    }
    template = "alerts/_inbox_table.html" if is_htmx(request) else "alerts/inbox.html"
    return render(request, template, context)


def _mark_read(rows) -> int:
    return notifications_mark_read(notifications=rows)


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification reads it and goes to its alert (a notice: to its page on this site)."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if not request.user.is_read_only:
        _mark_read(Notification.objects.filter(pk=note.pk))
    if note.alert_id is None:
        safe = note.link.startswith("/") and not note.link.startswith("//")
        return redirect(note.link if safe else "alerts:inbox")
    return redirect("alerts:detail", pk=note.alert_id)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    _mark_read(Notification.objects.filter(pk=note.pk))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("alerts:inbox")
    return redirect(target)


@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    n = _mark_read(Notification.objects.filter(user=request.user))
    messages.success(request, f"已将 {n} 条通知标为已读" if n else "没有未读通知")
    return redirect("alerts:inbox")


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref = NotificationPreference.for_user(request.user)
    form = forms.PreferenceForm(request.POST if request.method == "POST" else None, instance=pref)
    if request.method == "POST" and form.is_valid():
        notification_preference_update(user=request.user, changes=form.cleaned_data)
        messages.success(request, "通知设置已保存")
        return redirect("alerts:preferences")
    return render(request, "alerts/preferences.html", {"form": form, "email": request.user.email})
