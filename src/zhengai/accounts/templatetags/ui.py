"""Small presentation helpers shared by every page template."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """An icon from the vendored Tabler sprite, e.g. {% icon "search" %}."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        static("zhengai/icons.svg"),
        name,
    )


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template: {{ counts|get_item:major.pk }}."""
    if mapping is None:
        return None
    return mapping.get(key)
