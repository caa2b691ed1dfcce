"""Badge colours for org codes, so templates never hard-code a status colour."""

from __future__ import annotations

from django import template

from zhengai.org import choices

register = template.Library()


@register.filter
def system_colour(code: str) -> str:
    return choices.SYSTEM_COLOURS.get(code, "secondary")


@register.filter
def tier_colour(code: str) -> str:
    return choices.MAJOR_TIER_COLOURS.get(code, "secondary")


@register.filter
def status_colour(code: str) -> str:
    return choices.STUDENT_STATUS_COLOURS.get(code, "secondary")


@register.filter
def unit_kind_colour(code: str) -> str:
    return choices.ORG_UNIT_KIND_COLOURS.get(code, "secondary")
