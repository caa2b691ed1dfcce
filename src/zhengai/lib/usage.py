"""What already refers to a span of dates, asked before a calendar year is removed.

The calendar lives in `org`, at the bottom of the layers; what is recorded for its periods (measurements,
alerts …) lives above it. An upper app registers a function in `AppConfig.ready()` that says, in Chinese,
what it holds for the days from `start` to `end` (empty when nothing); `org` asks them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_CHECKS: list[Callable[[dt.date, dt.date], str]] = []


def register(fn: Callable[[dt.date, dt.date], str]) -> None:
    if fn not in _CHECKS:
        _CHECKS.append(fn)


def uses_between(start: dt.date, end: dt.date) -> list[str]:
    """What the registered apps hold for periods within the days, one phrase each (如“监测值 120 个”)."""
    return [text for fn in _CHECKS if (text := fn(start, end))]
