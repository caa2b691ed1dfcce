"""Explicit extension points between layers: a lower app announces, an upper app listens.

Data flows one way (sources → data center → indicators → monitoring → alerts …), so a lower app
never imports an upper one. Where a lower app's event must start work above it (a committed batch
re-evaluates indicators; a finished evaluation opens alerts), the lower app fires a named hook and
the upper app connects a service to it in its AppConfig.ready(). The hook only wires; the work is
in the connected service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)


class Hook:
    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.doc = doc
        self._receivers: list[Callable[..., Any]] = []
        self._paused = 0

    def connect(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if fn not in self._receivers:
            self._receivers.append(fn)
        return fn

    def disconnect(self, fn: Callable[..., Any]) -> None:
        if fn in self._receivers:
            self._receivers.remove(fn)

    @property
    def receivers(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._receivers)

    def fire(self, **kwargs: Any) -> None:
        if self._paused:
            return
        for fn in list(self._receivers):
            fn(**kwargs)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the hook quiet within the block (a bulk load followed by one full evaluation)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1


BATCH_COMMITTED = Hook("datacenter.batch_committed", "一个采集批次已提交（kwargs: run）")
EVALUATION_FINISHED = Hook("monitoring.evaluation_finished", "一次指标计算已完成（kwargs: run）")
