"""Benchmarks behind `zhengai bench NAME`: a small registry, timers, peak memory and a plain table.

An app registers its benchmarks in its own ``bench.py`` module (the `bench` command imports every
installed app's ``bench`` module, as the admin does with ``admin.py``)::

    from zhengai.lib.bench import register

    @register("evaluate", "指标计算：…")
    def evaluate(ctx): ...

A benchmark gets a `Context`: a scratch folder of its own, the row count asked for and a writer for
its report. The command runs it in a separate process against a throw-away SQLite database and
data folder, so a benchmark never touches the user's data.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


@dataclass
class Context:
    workdir: Path  # a scratch folder that belongs to this run only
    rows: int  # how many rows the benchmark's main data set has
    options: dict[str, Any] = field(default_factory=dict)
    out: TextIO = field(default_factory=lambda: sys.stdout)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    run: Callable[[Context], Any]
    arguments: Callable[[Any], None] | None = None  # adds its own options to an argparse parser


_REGISTRY: dict[str, Benchmark] = {}


def register(
    name: str, help: str, *, arguments: Callable[[Any], None] | None = None
) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
    def wrap(fn: Callable[[Context], Any]) -> Callable[[Context], Any]:
        _REGISTRY[name] = Benchmark(name, help, fn, arguments)
        return fn

    return wrap


def get(name: str) -> Benchmark:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = "、".join(sorted(_REGISTRY)) or "（没有）"
        raise KeyError(f"没有名为“{name}”的基准测试。现有：{known}") from None


def benchmarks() -> list[Benchmark]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


# ------------------------------------------------------------------------------------------ measuring


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


_HIGHEST = [0]


def highest_memory_bytes() -> int:
    """The highest resident memory this process has had, across the windows `measure` opened."""
    return max(_HIGHEST[0], peak_memory_bytes())


def reset_peak_memory() -> bool:
    """Start a new peak-memory window (Linux: clear_refs 5 resets VmHWM). False where unsupported."""
    _HIGHEST[0] = max(_HIGHEST[0], peak_memory_bytes())
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_memory_bytes() -> int:
    """The process's peak resident memory since the last reset (or since it started)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024


def current_memory_bytes() -> int:
    kib = _status_kib("VmRSS")
    return (kib or 0) * 1024


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_bytes: int = 0
    start_bytes: int = 0

    @property
    def peak_extra_bytes(self) -> int:
        return max(0, self.peak_bytes - self.start_bytes)


@contextmanager
def measure() -> Iterator[Measurement]:
    """Wall time and peak resident memory of the block."""
    result = Measurement()
    reset_peak_memory()
    result.start_bytes = current_memory_bytes()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        result.peak_bytes = peak_memory_bytes()
        _HIGHEST[0] = max(_HIGHEST[0], result.peak_bytes)


# ------------------------------------------------------------------------------------------ output


def rate(rows: int, seconds: float) -> str:
    """Rows per second as people read it: 1,234,567."""
    return f"{rows / seconds:,.0f}" if seconds > 0 else "∞"


def mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table whose columns line up with Chinese text too (wide characters count twice)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            parts.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def environment() -> str:
    """One line about the machine, so that figures can be compared across runs."""
    import platform

    cpus = os.cpu_count() or 0
    return f"Python {platform.python_version()}，{platform.machine()}，{cpus} 个 CPU 核"
