"""Evaluation runs over a small data center built in the test: idempotent, versioned thresholds, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengai.audit.models import AuditRecord
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.services import indicator_create
from zhengai.indicators.thresholds import Line, Thresholds
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.history import history_read
from zhengai.monitoring.models import IndicatorState, StatusChange
from zhengai.monitoring.services import evaluate_now, threshold_change
from zhengai.monitoring.tests.college import ADMISSIONS, REPORT_RATE, publish_admissions
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def college(cast):
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    publish_admissions(ADMISSIONS)
    return indicator_create(raw=REPORT_RATE, by=cast.user("officer"))


def _outcomes(code: str, entity: str) -> dict[str, str]:
    table = history_read(indicators=[code], entities=[entity])
    return dict(zip(table.column("period").to_pylist(), table.column("outcome").to_pylist(), strict=True))


def test_a_run_records_history_state_and_changes_and_a_rerun_changes_nothing(college):
    first = evaluate_now(indicator_codes=["T-BDL"])
    assert first.status == RunStatus.SUCCEEDED, first.message
    assert first.measurements_count == 6 and first.history_rows == 6
    assert _outcomes("T-BDL", "530701") == {"2023-2024": "warn", "2024-2025": "warn", "2025-2026": "warn"}
    state = IndicatorState.objects.get(indicator=college, entity_key="530701")
    assert (state.period, state.outcome, round(state.value, 2)) == ("2025-2026", "warn", 0.82)
    assert "admissions@v1" in state.batches
    assert StatusChange.objects.filter(entity_key="530701", outcome="warn").count() == 1
    assert not StatusChange.objects.filter(entity_key="520201").exists()  # starts 达标: nothing changed

    again = evaluate_now(indicator_codes=["T-BDL"])
    assert (again.history_rows, again.states_changed, again.status_changes) == (0, 0, 0)
    assert StatusChange.objects.count() == 1


def test_a_new_threshold_rejudges_only_the_periods_from_its_date(college, cast):
    evaluate_now(indicator_codes=["T-BDL"])
    officer = cast.user("officer")
    stricter = Thresholds(standard=Line(">=", 0.9), warning=Line(">=", 0.93))
    row, run = threshold_change(
        indicator=college,
        group="",
        effective_from=dt.date(2025, 9, 1),
        thresholds=stricter,
        by=officer,
        note="省厅 2025 年起报到率要求提高",
    )
    assert run.status == RunStatus.SUCCEEDED and run.since == dt.date(2025, 9, 1)
    # Before the date: the old outcomes stay; from it: judged by the new line.
    assert _outcomes("T-BDL", "530701") == {"2023-2024": "warn", "2024-2025": "warn", "2025-2026": "failed"}
    assert _outcomes("T-BDL", "520201") == {"2023-2024": "passed", "2024-2025": "passed", "2025-2026": "passed"}
    old = history_read(indicators=["T-BDL"], periods=["2024-2025"])
    assert set(old.column("threshold_id").to_pylist()) == {
        Threshold.objects.get(indicator=college, origin="edited", effective_from=dt.date(2019, 1, 1)).pk
    }
    assert set(history_read(indicators=["T-BDL"], periods=["2025-2026"]).column("threshold_id").to_pylist()) == {row.pk}
    change = StatusChange.objects.get(entity_key="530701", outcome="failed")
    assert (change.previous_outcome, change.period) == ("warn", "2025-2026")
    audit = AuditRecord.objects.filter(action="设定阈值").latest("id")
    assert audit.actor == officer and audit.after["standard"] == ">= 0.9" and audit.before["standard"] == ">= 0.8"
    assert audit.note == "省厅 2025 年起报到率要求提高"


def test_an_earlier_period_evaluated_later_does_not_move_the_current_state(college):
    evaluate_now(indicator_codes=["T-BDL"])
    state = IndicatorState.objects.get(indicator=college, entity_key="530701")
    evaluate_now(indicator_codes=["T-BDL"], periods=["2023-2024"])
    state.refresh_from_db()
    assert state.period == "2025-2026"


def test_a_corrected_batch_moves_the_state_and_records_the_recovery(college):
    evaluate_now(indicator_codes=["T-BDL"])
    corrected = [r if (r[0], r[1]) != (2025, "530701") else (2025, "530701", 100, 91) for r in ADMISSIONS]
    publish_admissions(corrected)
    run = evaluate_now(indicator_codes=["T-BDL"])
    assert run.history_rows == 1 and run.status_changes == 1
    change = StatusChange.objects.filter(entity_key="530701").latest("id")
    assert (change.previous_outcome, change.outcome) == ("warn", "passed")
    state = IndicatorState.objects.get(indicator=college, entity_key="530701")
    assert "admissions@v2" in state.batches


def test_an_unknown_indicator_fails_the_run_with_a_message(college):
    run = evaluate_now(indicator_codes=["NO-SUCH"])
    assert run.status == RunStatus.FAILED and "NO-SUCH" in run.message


def test_a_second_run_reuses_compiled_queries_with_a_fresh_engine_and_gives_the_same_results(college):
    from zhengai.indicators import compiled

    compiled.clear()
    first = evaluate_now(indicator_codes=["T-BDL"])
    assert len(compiled._COMPILED) == 1
    before = history_read(indicators=["T-BDL"]).select(["period", "entity", "value", "outcome"]).to_pylist()
    publish_admissions([r if (r[0], r[1]) != (2025, "530701") else (2025, "530701", 100, 91) for r in ADMISSIONS])
    second = evaluate_now(indicator_codes=["T-BDL"])  # same compiled query, a new engine: frames and views made again
    assert second.status == RunStatus.SUCCEEDED and len(compiled._COMPILED) == 1
    after = {(r["period"], r["entity"]): r["value"] for r in history_read(indicators=["T-BDL"]).to_pylist()}
    assert after[("2025-2026", "530701")] == pytest.approx(0.91)
    assert {(r["period"], r["entity"]) for r in before} == set(after) and first.status == RunStatus.SUCCEEDED


def test_a_period_before_every_threshold_is_unset_never_a_pass(cast):
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    publish_admissions(ADMISSIONS)
    later = {**REPORT_RATE, "code": "T-BDL2", "thresholds": [{"from": "2024-09-01", "standard": ">= 0.8"}]}
    indicator_create(raw=later, by=cast.user("officer"))
    run = evaluate_now(indicator_codes=["T-BDL2"])
    assert run.status == RunStatus.SUCCEEDED, run.message
    # 2023-2024 began before the threshold: 未设标准 whatever the value, for both majors.
    assert _outcomes("T-BDL2", "530701") == {"2023-2024": "unset", "2024-2025": "passed", "2025-2026": "passed"}
    assert _outcomes("T-BDL2", "520201")["2023-2024"] == "unset"
    # The quality office says the same standard held before: from 2023-09-01, 2023-2024 is judged too.
    ind = Indicator.objects.get(code="T-BDL2")
    _row, rerun = threshold_change(
        indicator=ind, group="", effective_from=dt.date(2023, 9, 1), thresholds=Thresholds(standard=Line(">=", 0.8)),
        by=cast.user("officer"), note="2023 年起按同一标准判定",
    )  # fmt: skip
    assert rerun.status == RunStatus.SUCCEEDED and rerun.since == dt.date(2023, 9, 1)
    assert _outcomes("T-BDL2", "530701") == {"2023-2024": "passed", "2024-2025": "passed", "2025-2026": "passed"}
    assert _outcomes("T-BDL2", "520201")["2023-2024"] == "passed"  # 83 of 100 and 190 of 200 reported ≥ 80 %


# 报到人数 accrues over the year: 530701 has 40 of its 150 by December.
REPORTED = {
    **REPORT_RATE,
    "code": "T-BDRS",
    "name": "报到人数",
    "unit": "人",
    "cumulative": True,
    "value": "reported",
    "parts": {"reported": {"from": "admissions", "by": "major_code", "value": "sum(reported)"}},
    "thresholds": [{"from": "2019-01-01", "standard": ">= 60", "warning": ">= 80"}],
}
REPORTED_ROWS = [
    (2024, "530701", 100, 50),
    (2025, "530701", 100, 82),
    (2026, "530701", 100, 40),
    (2026, "520201", 200, 300),
]


def test_a_cumulative_value_short_of_its_line_in_the_running_year_is_pending(cast):
    from zhengai.lib import clock

    calendar_ensure(first_start_year=2024, last_start_year=2026)
    publish_admissions(REPORTED_ROWS)
    indicator_create(raw=REPORTED, by=cast.user("officer"))
    with clock.frozen(dt.datetime(2026, 12, 2, 9, 0)):
        run = evaluate_now(indicator_codes=["T-BDRS"])
    assert run.status == RunStatus.SUCCEEDED, run.message
    # The finished years are judged; the running one is 周期未结束 while short, judged once past the line.
    assert _outcomes("T-BDRS", "530701") == {"2024-2025": "failed", "2025-2026": "passed", "2026-2027": "pending"}
    assert _outcomes("T-BDRS", "520201") == {"2026-2027": "passed"}
    # The current state stays on the last judged year.
    state = IndicatorState.objects.get(indicator__code="T-BDRS", entity_key="530701")
    assert (state.period, state.outcome) == ("2025-2026", "passed")
    # Once the year has ended the same value is judged and becomes the current state.
    with clock.frozen(dt.datetime(2027, 9, 2, 9, 0)):
        evaluate_now(indicator_codes=["T-BDRS"])
    assert _outcomes("T-BDRS", "530701")["2026-2027"] == "failed"
    state.refresh_from_db()
    assert (state.period, state.outcome) == ("2026-2027", "failed")


def _publish(table: str, rows: list[dict], snapshot: dt.date) -> None:
    """A version of a standard table written as an import would (typed, with _run and _snapshot)."""
    import pyarrow as pa

    from zhengai.datacenter import store
    from zhengai.datacenter.standard import TABLES_BY_NAME

    spec = TABLES_BY_NAME[table]
    schema = store.arrow_schema(spec)
    data = {
        f.name: [snapshot if f.name == "_snapshot" else 1 if f.name == "_run" else r.get(f.name) for r in rows]
        for f in schema
    }
    base = store.current_version(table)
    path = store.write_file(spec, 1 + (base.version if base else 0), 0, pa.table(data, schema=schema))
    store.publish(table=table, files=[path], row_count=len(rows), run_id=None, based_on=base)


def test_with_no_grades_imported_no_grade_indicator_judges_anyone():
    """A roster but no grades: the failure indicators are 无数据 for every student, never 达标 (a missing
    table is not zero failures)."""
    from zhengai.indicators.declarations import columns_read, shipped_catalogue

    calendar_ensure(first_start_year=2024, last_start_year=2025)
    students = [
        {"student_no": f"S{i}", "name": f"学生{i}", "major_code": "530701", "class_code": "C1", "cohort": 2024,
         "status": "01"}
        for i in range(3)
    ]  # fmt: skip
    _publish("students", students, dt.date(2025, 3, 1))
    grade_indicators = sorted(
        code for code, d in shipped_catalogue().items() if "grades" in columns_read(d) and d.entity == "student"
    )
    assert {"XS-GK", "XS-GKXF", "XS-PJCJ"} <= set(grade_indicators)
    run = evaluate_now(indicator_codes=grade_indicators)
    assert run.status == RunStatus.SUCCEEDED, run.message
    measured = history_read(indicators=grade_indicators)
    outcomes = set(measured.column("outcome").to_pylist())
    assert outcomes <= {"no_data"}, outcomes
    # Those whose population is the roster measure every student, as 无数据; one whose population is
    # read from the grades themselves (XS-SJGK) has nobody to measure.
    on_roster = {
        code for code in grade_indicators if getattr(shipped_catalogue()[code].population, "table", "") == "students"
    }
    assert {"XS-GK", "XS-GKXF"} <= on_roster
    assert set(measured.column("indicator").to_pylist()) >= on_roster
    states = IndicatorState.objects.filter(indicator__code__in=grade_indicators)
    assert states.exists() and set(states.values_list("outcome", flat=True)) == {"no_data"}


def test_a_period_outside_the_calendar_fails_the_run_and_says_so(college):
    run = evaluate_now(indicator_codes=["T-BDL"], periods=["2030-2031"])
    assert run.status == RunStatus.FAILED
    assert "周期不在校历中：2030-2031" in run.message and "2023-2024 至 2025-2026 学年" in run.message
    assert "Traceback" not in run.message
    # A real-time run names the periods of every kind its batch touches: a term is in the calendar too.
    assert evaluate_now(indicator_codes=["T-BDL"], periods=["2024-2025-1", "2024-2025"]).status == RunStatus.SUCCEEDED
    assert evaluate_now(indicator_codes=["T-BDL"], periods=["2024-2025"]).status == RunStatus.SUCCEEDED
