"""One small demo college, generated once per test session and shared read-only by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengai.demo import services
from zhengai.demo.readers import read_table

SMALL = 600  # big enough for deciles and a few classes per cohort, small enough to build in seconds


@pytest.fixture(scope="session")
def small_build(tmp_path_factory) -> services.ExportBuild:
    out = tmp_path_factory.mktemp("demo600")
    return services.demo_exports_build(students=SMALL, seed=services.DEFAULT_SEED, out_dir=out)


@pytest.fixture(scope="session")
def exports(small_build) -> Path:
    return small_build.result.out_dir


@pytest.fixture(scope="session")
def tables(exports):
    """Every standard table read back from the exports through the source mappings (cached)."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            cache[name] = read_table(exports, name)
        return cache[name]

    return get
