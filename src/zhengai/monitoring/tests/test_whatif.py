"""The what-if preview: recorded values judged again under a proposed threshold, next to the one in force."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.thresholds import Line, Thresholds
from zhengai.monitoring import history
from zhengai.monitoring.selectors import replay, whatif

T1, T2 = ("2024-2025-1", dt.date(2024, 9, 1)), ("2024-2025-2", dt.date(2025, 2, 1))
# (course, department, course kind, first-exam pass rate): 信息工程系 has one weak and one middling course.
COURSES = [
    ("C1", "xxgc", "3", 0.55),
    ("C2", "xxgc", "3", 0.65),
    ("C3", "xxgc", "3", 0.75),
    ("C4", "xxgc", "3", 0.90),
    ("C5", "hlx", "1", 0.62),
    ("C6", "hlx", "1", 0.80),
]
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def measurements(periods=(T1, T2), code: str = "KC-T") -> pa.Table:
    """A few recorded measurements in the history schema (outcomes as last judged, not used by the replay)."""
    rows = [(p, s, c, org, grp, v) for p, s in periods for c, org, grp, v in COURSES]
    n = len(rows)
    return pa.table(
        {
            "run_id": [1] * n,
            "indicator": [code] * n,
            "period": [r[0] for r in rows],
            "period_kind": ["term"] * n,
            "period_start": [r[1] for r in rows],
            "entity_kind": ["course"] * n,
            "entity": [r[2] for r in rows],
            "entity_name": [f"课程{r[2]}" for r in rows],
            "org_unit": [r[3] for r in rows],
            "grp": [r[4] for r in rows],
            "value": [r[5] for r in rows],
            "outcome": ["passed"] * n,
            "tier": [""] * n,
            "deviation": [None] * n,
            "threshold_id": [None] * n,
            "batches": ["grades@v1#1"] * n,
            "evaluated_at": [dt.datetime(2025, 3, 1)] * n,
        },
        schema=history.SCHEMA,
    )


def row(group: str, since: dt.date, standard: str, warning: str, *, origin: str = "shipped") -> Threshold:
    t = Threshold(indicator=Indicator(code="KC-T"), group=group, effective_from=since, origin=origin, created_at=NOW)
    t.set_lines(Thresholds(Line.parse(standard), Line.parse(warning)))
    return t


IN_FORCE = [row("", dt.date(2000, 1, 1), ">= 0.6", ">= 0.7")]


def test_only_periods_from_the_date_on_are_replayed_and_counted_per_department():
    proposed = row("", T2[1], ">= 0.7", ">= 0.8", origin="edited")
    result = replay(measurements(), rows=IN_FORCE, proposed=proposed)
    assert result.periods == ["2024-2025-2"] and not result.illustrative
    cells = {c.org_unit: c for c in result.cells}
    assert list(cells) == ["hlx", "xxgc"]
    assert cells["xxgc"].current == {"passed": 2, "warn": 1, "failed": 1, "pending": 0, "unset": 0, "no_data": 0}
    assert cells["xxgc"].proposed == {"passed": 1, "warn": 1, "failed": 2, "pending": 0, "unset": 0, "no_data": 0}
    assert cells["hlx"].current == {"passed": 1, "warn": 1, "failed": 0, "pending": 0, "unset": 0, "no_data": 0}
    assert cells["hlx"].proposed == {"passed": 1, "warn": 0, "failed": 1, "pending": 0, "unset": 0, "no_data": 0}
    # C2 warn → failed, C3 passed → warn, C5 warn → failed
    assert (cells["xxgc"].changed, cells["hlx"].changed, result.changed) == (2, 1, 3)
    total = result.totals["2024-2025-2"]
    assert total.entities == 6 and total.proposed["failed"] == 3


def test_a_proposal_for_one_group_leaves_the_other_groups_alone():
    proposed = row("3", T1[1], ">= 0.7", ">= 0.8", origin="edited")
    result = replay(measurements(), rows=IN_FORCE, proposed=proposed)
    assert result.periods == ["2024-2025-1", "2024-2025-2"]
    for period in result.periods:
        cells = {c.org_unit: c for c in result.cells if c.period == period}
        assert cells["hlx"].changed == 0 and cells["hlx"].proposed == cells["hlx"].current
        assert cells["xxgc"].changed == 2
    assert result.changed == 4


def test_a_default_proposal_does_not_override_a_group_that_has_its_own_threshold():
    rows = [*IN_FORCE, row("1", dt.date(2000, 1, 1), ">= 0.5", ">= 0.6")]
    proposed = row("", T2[1], ">= 0.85", ">= 0.9", origin="edited")
    result = replay(measurements(), rows=rows, proposed=proposed)
    hlx = next(c for c in result.cells if c.org_unit == "hlx")
    assert hlx.current == hlx.proposed == {"passed": 2, "warn": 0, "failed": 0, "pending": 0, "unset": 0, "no_data": 0}
    xxgc = next(c for c in result.cells if c.org_unit == "xxgc")
    assert xxgc.proposed == {"passed": 1, "warn": 0, "failed": 3, "pending": 0, "unset": 0, "no_data": 0}


def test_a_date_after_every_recorded_period_replays_the_latest_one_as_an_illustration():
    proposed = row("", dt.date(2026, 9, 1), ">= 0.7", ">= 0.8", origin="edited")
    result = replay(measurements(), rows=IN_FORCE, proposed=proposed)
    assert result.illustrative and result.periods == ["2024-2025-2"]
    assert result.changed == 3


def test_no_history_means_nothing_to_preview():
    proposed = row("", T1[1], ">= 0.7", ">= 0.8", origin="edited")
    result = replay(history.empty(), rows=IN_FORCE, proposed=proposed)
    assert result.periods == [] and result.cells == [] and result.changed == 0


def test_a_value_without_data_stays_no_data():
    table = measurements(periods=(T2,))
    values = table.column("value").to_pylist()
    values[0] = None
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(values, pa.float64()))
    result = replay(table, rows=IN_FORCE, proposed=row("", T2[1], ">= 0.7", ">= 0.8", origin="edited"))
    xxgc = next(c for c in result.cells if c.org_unit == "xxgc")
    assert xxgc.current["no_data"] == xxgc.proposed["no_data"] == 1


@pytest.mark.django_db
def test_whatif_reads_the_recorded_history_and_the_thresholds_in_force():
    indicator = Indicator.objects.create(
        code="KC-T", name="课程首次考试通过率", level="course", entity="course", system="generation",
        period="term", owner="jwc", shipped=None, override={}, is_custom=True,
    )  # fmt: skip
    in_force = Threshold(indicator=indicator, group="", effective_from=dt.date(2000, 1, 1), origin="shipped")
    in_force.set_lines(Thresholds(Line.parse(">= 0.6"), Line.parse(">= 0.7")))
    in_force.save()
    assert history.history_append(run_id=1, measurements=measurements()) == 12

    result = whatif(
        indicator=indicator,
        thresholds=Thresholds(Line.parse(">= 0.7"), Line.parse(">= 0.8")),
        group="",
        effective_from=T2[1],
    )
    assert result.periods == ["2024-2025-2"]
    assert {c.org_unit: c.changed for c in result.cells} == {"hlx": 1, "xxgc": 2}
    assert Threshold.objects.count() == 1  # a preview saves nothing
