"""One clock (DESIGN decision 16): everything that depends on "now" reads it.

Current period, deadlines, escalation, digests, the demo's timeline and the scheduler ask `now()` or
`today()`, never `timezone.now()` or `date.today()` directly, so that a test, a time-travel run of a
real worker or `zhengai demo --today` can move the whole platform to another moment.

The clock is the real time unless it is set:

- `ZHENGAI_NOW` (environment, read on every call): an ISO date or date-time such as `2027-01-10` or
  `2027-01-10T09:30`; a process started with it (a worker in a time-travel test) lives at that moment,
  and the clock runs on from it.
- `frozen(at)` (a context manager, for tests in one process): the clock stops at `at`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator

_local = threading.local()
_started = time.monotonic()
ENV = "ZHENGAI_NOW"


def _tz() -> dt.tzinfo:
    from django.utils import timezone

    return timezone.get_default_timezone()


def parse(text: str) -> dt.datetime:
    """'2027-01-10' (midnight) or '2027-01-10T09:30[:00][+08:00]' → an aware datetime in the college's zone."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"时间“{text}”格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_tz())
    return value


def now() -> dt.datetime:
    """The current moment, timezone-aware."""
    frozen_at = getattr(_local, "frozen", None)
    if frozen_at is not None:
        return frozen_at
    text = os.environ.get(ENV, "").strip()
    if text:
        # The set moment, running on from when this process started.
        return parse(text) + dt.timedelta(seconds=time.monotonic() - _started)
    from django.utils import timezone

    return timezone.now()


def today() -> dt.date:
    """Today's date in the college's time zone."""
    return now().astimezone(_tz()).date()


def is_set() -> bool:
    return getattr(_local, "frozen", None) is not None or bool(os.environ.get(ENV, "").strip())


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date | str) -> Iterator[dt.datetime]:
    """Stop the clock at `at` in this thread (tests)."""
    if isinstance(at, str):
        at = parse(at)
    elif not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(9, 0), tzinfo=_tz())
    elif at.tzinfo is None:
        at = at.replace(tzinfo=_tz())
    previous = getattr(_local, "frozen", None)
    _local.frozen = at
    try:
        yield at
    finally:
        _local.frozen = previous
