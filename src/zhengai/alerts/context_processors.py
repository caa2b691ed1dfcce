"""The bell in the top bar (`alerts/_inbox_badge.html`): how many items wait for the user, and the unread
notifications of the inbox."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from zhengai.alerts.selectors import to_handle_count, unread_count


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows it (htmx partials do not).
    return {
        "alerts_unread": SimpleLazyObject(lambda: unread_count(user)),
        "alerts_to_handle": SimpleLazyObject(lambda: to_handle_count(user, getattr(request, "scope", None))),
    }
