"""Request helpers shared by the page views of every app (no models, no business rules)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def is_htmx(request: HttpRequest) -> bool:
    """An htmx swap. A history restore is not one: it needs the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def paginate(request: HttpRequest, rows, per_page: int = PAGE_SIZE) -> Page:
    """One page of rows. The paginator counts once; a bad page number falls back to a valid page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))
