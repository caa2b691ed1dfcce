"""A tiny college for evaluation and alert tests: one indicator (新生报到率) over an admissions table
written straight into a test's own data center. Shared by the monitoring and alerts tests."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from zhengai.datacenter import store
from zhengai.datacenter.standard import TABLES_BY_NAME

REPORT_RATE = {
    "code": "T-BDL",
    "name": "新生报到率",
    "level": "major",
    "entity": "major",
    "system": "generation",
    "unit": "%",
    "direction": "higher",
    "period": "academic_year",
    "owner": "zjc",
    "formula": "报到数 ÷ 录取数",
    "value": "reported / admitted",
    "parts": {
        "admitted": {"from": "admissions", "by": "major_code", "value": "sum(admitted)"},
        "reported": {"from": "admissions", "by": "major_code", "value": "sum(reported)"},
    },
    "thresholds": [{"from": "2019-01-01", "standard": ">= 0.8", "warning": ">= 0.85"}],
}

# (academic year, major, admitted, reported): 电子商务 reports 82–83 % every year, 护理 94–95 %.
ADMISSIONS = [
    (2023, "530701", 100, 83),
    (2023, "520201", 200, 190),
    (2024, "530701", 100, 82),
    (2024, "520201", 200, 188),
    (2025, "530701", 100, 82),
    (2025, "520201", 200, 189),
]


def admissions_with(year: int, major: str, reported: int) -> list[tuple]:
    """ADMISSIONS with one major's reported count changed in one year."""
    return [r if (r[0], r[1]) != (year, major) else (year, major, r[2], reported) for r in ADMISSIONS]


def publish_admissions(rows: list[tuple] = ADMISSIONS) -> None:
    """A new version of the admissions table in the current data center (the test's own DATA_DIR)."""
    spec = TABLES_BY_NAME["admissions"]
    data = {f.name: [] for f in spec.fields}
    for year, major, admitted, reported in rows:
        for key, value in zip(
            ("academic_year", "major_code", "province", "plan", "admitted", "reported"),
            (year, major, "61", admitted + 5, admitted, reported),
            strict=True,
        ):
            data[key].append(value)
    data["_run"] = [1] * len(rows)
    data["_snapshot"] = [dt.date(2025, 10, 1)] * len(rows)
    table = pa.table(data, schema=store.arrow_schema(spec))
    base = store.current_version("admissions")
    path = store.write_file(spec, 1 + (base.version if base else 0), 0, table)
    store.publish(table="admissions", files=[path], row_count=table.num_rows, run_id=None, based_on=base)


def ecommerce_major(cast):
    """电子商务 (530701) in the master data: an enrolling major of the cast's first department, so that
    its report rate concerns a current member (alerts open only for current members)."""
    from zhengai.org.choices import MajorTier
    from zhengai.org.models import Major

    return Major.objects.get_or_create(
        code="530701", defaults={"name": "电子商务", "tier": MajorTier.COLLEGE, "department": cast.dept_a}
    )[0]
