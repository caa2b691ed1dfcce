from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

_OPEN_PREFIXES = ("/static/", "/accounts/login/", "/favicon.ico", "/healthz")


class LoginRequiredMiddleware:
    """Every page needs a signed-in user, except the login page, static assets and the health check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            not request.user.is_authenticated
            and not path.startswith(_OPEN_PREFIXES)
            and not path.startswith(reverse("admin:index"))
        ):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
