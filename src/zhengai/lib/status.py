"""`zhengai status`: one line per area of the platform, each starting with its name and a colon.

Each app registers the function that makes its line in `AppConfig.ready()`; the command prints them in
order. A line must be true: it is what an operator reads first. An area whose line cannot be made
says so on its line instead of stopping the others.

A demo college also registers the problems it planted, so that the worklist line can say whether
each one is on the first page of the lists of the people who must act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Planted:
    """A planted problem: the indicator that must find it and the entity it is planted on."""

    problem: str
    indicator: str
    entity_kind: str
    entity_key: str


@dataclass(frozen=True)
class Gap:
    """A planted gap of a later stage (a goal behind, a task overdue …) and whether the platform shows it."""

    area: str  # the status line that counts it, e.g. "goals"
    gap: str
    found: bool
    note: str = ""


_LINES: list[tuple[int, str, Callable[[], str]]] = []
_PLANTED: list[Callable[[], list[Planted]]] = []
_GAPS: list[Callable[[], list[Gap]]] = []


def register(name: str, fn: Callable[[], str], *, order: int) -> None:
    """`fn()` returns the text after "<name>: "."""
    if not any(n == name for _o, n, _f in _LINES):
        _LINES.append((order, name, fn))


def register_planted(fn: Callable[[], list[Planted]]) -> None:
    if fn not in _PLANTED:
        _PLANTED.append(fn)


def planted() -> list[Planted]:
    out: list[Planted] = []
    for fn in _PLANTED:
        out.extend(fn())
    return out


def register_gaps(fn: Callable[[], list[Gap]]) -> None:
    if fn not in _GAPS:
        _GAPS.append(fn)


def gaps(area: str) -> list[Gap]:
    out: list[Gap] = []
    for fn in _GAPS:
        out.extend(g for g in fn() if g.area == area)
    return out


def lines() -> list[str]:
    out = []
    for _order, name, fn in sorted(_LINES):
        try:
            out.append(f"{name}: {fn()}")
        except Exception as exc:  # one area's failure must not hide the others
            out.append(f"{name}: 无法统计（{type(exc).__name__}: {exc}）")
    return out
