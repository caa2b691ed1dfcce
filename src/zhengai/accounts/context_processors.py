from __future__ import annotations

from zhengai.accounts.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_sections": navigation_for(user, request.path)}
