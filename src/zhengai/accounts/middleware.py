from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.defaults import permission_denied

from zhengai.accounts.scope import scope_for

# The data center API authenticates every request itself (a source's push token) or is public
# (its OpenAPI document); a redirect to the login page would only confuse the calling system.
_OPEN_PREFIXES = ("/static/", "/accounts/login/", "/favicon.ico", "/healthz", "/api/datacenter/")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class LoginRequiredMiddleware:
    """Every page needs a signed-in user, except the login page, static assets and the health check.

    It also puts the user's data scope on the request as `request.scope` (computed on first use),
    so that views of apps below accounts (org, audit) filter through it without importing accounts,
    and it refuses every change (any POST, PUT, PATCH, DELETE) from a read-only user (复核专家),
    whatever page a future version adds, except signing out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        user = request.user
        if (
            not user.is_authenticated
            and not path.startswith(_OPEN_PREFIXES)
            and not path.startswith(reverse("admin:index"))
        ):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if (
            user.is_authenticated
            and getattr(user, "is_read_only", False)
            and request.method not in _SAFE_METHODS
            and path != reverse("accounts:logout")
        ):
            return permission_denied(request, PermissionDenied("复核专家为只读账号，不能修改任何数据"))
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))
        return self.get_response(request)
