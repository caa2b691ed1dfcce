from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengai.audit import selectors
from zhengai.lib.web import is_htmx, paginate


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """审计日志: who changed what and when, with before/after. College-wide roles only."""
    if not request.user.can_read_audit_log:
        raise PermissionDenied("审计日志仅对质量保证委员会、质控中心、信息中心和复核专家开放")
    options = selectors.object_type_options()
    object_type = request.GET.get("object_type", "")
    if object_type not in dict(options):
        object_type = ""
    page = paginate(request, selectors.audit_records(object_type=object_type))
    rows = [(record, selectors.describe_change(record.before, record.after)) for record in page]
    context = {
        "page": page,
        "rows": rows,
        "options": options,
        "object_type": object_type,
        "object_type_label": selectors.object_type_label(object_type) if object_type else "",
    }
    template = "audit/_log_table.html" if is_htmx(request) else "audit/log.html"
    return render(request, template, context)
