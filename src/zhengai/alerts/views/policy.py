"""预警设置: the college's alert policy (deadlines, recovery, escalation), kept by the quality office."""

from __future__ import annotations

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from zhengai.alerts import forms
from zhengai.alerts.models import AlertSettings
from zhengai.alerts.services import alert_settings_update
from zhengai.alerts.views.access import quality_office_only

FIELDS = forms.AlertSettingsForm.Meta.fields


@require_http_methods(["GET", "POST"])
@quality_office_only
def alert_settings(request: HttpRequest) -> HttpResponse:
    current = AlertSettings.current()
    before = model_to_dict(current, fields=FIELDS)
    form = forms.AlertSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        after = {name: form.cleaned_data[name] for name in FIELDS}
        if after == before:
            messages.info(request, "设置没有变化")
            return redirect("alerts:settings")
        alert_settings_update(changes=after, by=request.user)
        messages.success(request, "预警设置已保存；新的处理时限对此后发出的预警生效")
        return redirect("alerts:settings")
    return render(request, "alerts/settings.html", {"form": form, "settings_row": current})
