"""The unread count of the user's inbox, for the badge in the top bar (`alerts/_inbox_badge.html`)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from zhengai.alerts.selectors import unread_count


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows it (htmx partials do not).
    return {"alerts_unread": SimpleLazyObject(lambda: unread_count(user))}
