"""The indicator engines on a tiny data center written by the test: exact values, on DuckDB and on Spark.

No app database: the tables are Parquet files under the test's own DATA_DIR (set by the root
conftest), handed to the engines as `Version` objects; declarations are YAML text in the tests.

The college (two academic years, 2023-2024 and 2024-2025, with the usual terms):

  majors M1 M2 M3; courses C1 C2 (M1), C3 (M2), C4 (M3)
  teachers T1 T2 T4 校内专任 ('1'), T3 校外兼课 ('2')
  students: two roster snapshots; only the newer one (2025-03-01) counts:
      S1 S2 (M1, 在读), S7 (M1, 休学), S3 S6 (M2, 在读), S4 (M3, 在读)
    the older one (2024-09-30) also lists S5 (M1), who has left since
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import textwrap

import pyarrow as pa
import pytest

from zhengai.datacenter import store
from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.indicators.compiler import Context, compile_indicator
from zhengai.indicators.declarations import LEVELS, load_file
from zhengai.indicators.engines import open_engine
from zhengai.indicators.periods import academic_year_period, calendar_year_period, default_terms, term_period

HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None

TERMS = default_terms(2023, 2024)
AY23, AY24 = academic_year_period(2023), academic_year_period(2024)
ACADEMIC_YEARS = [AY23, AY24]
TERM_PERIODS = [term_period(t) for t in TERMS]

OLD, NEW = dt.date(2024, 9, 30), dt.date(2025, 3, 1)


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# ------------------------------------------------------------------------------------------ the data


def _students(snapshot: dt.date) -> list[dict]:
    rows = [
        {"student_no": "S1", "major_code": "M1", "cohort": 2023, "status": "01"},
        {"student_no": "S2", "major_code": "M1", "cohort": 2023, "status": "01"},
        {"student_no": "S3", "major_code": "M2", "cohort": 2023, "status": "01"},
        {"student_no": "S4", "major_code": "M3", "cohort": 2024, "status": "01"},
    ]
    if snapshot == OLD:
        return [*rows, {"student_no": "S5", "major_code": "M1", "cohort": 2022, "status": "01"}]
    return [
        *rows,
        {"student_no": "S6", "major_code": "M2", "cohort": 2024, "status": "01"},
        {"student_no": "S7", "major_code": "M1", "cohort": 2024, "status": "02"},
    ]


TABLES: dict[str, dict] = {
    # snapshot tables: {snapshot date: rows}; event tables: rows
    "students": {OLD: _students(OLD), NEW: _students(NEW)},
    "teachers": {
        NEW: [
            {"staff_no": "T1", "category": "1"},
            {"staff_no": "T2", "category": "1"},
            {"staff_no": "T3", "category": "2"},
            {"staff_no": "T4", "category": "1"},
        ]
    },
    "courses": {
        NEW: [
            {"course_code": "C1", "major_code": "M1"},
            {"course_code": "C2", "major_code": "M1"},
            {"course_code": "C3", "major_code": "M2"},
            {"course_code": "C4", "major_code": "M3"},
        ]
    },
    "course_offerings": {
        NEW: [
            {"offering_id": "O1", "term": "2024-2025-1", "course_code": "C1", "staff_no": "T1"},
            {"offering_id": "O2", "term": "2024-2025-2", "course_code": "C2", "staff_no": "T1"},
            {"offering_id": "O3", "term": "2024-2025-2", "course_code": "C2", "staff_no": "T3"},
            {"offering_id": "O4", "term": "2024-2025-1", "course_code": "C3", "staff_no": "T2"},
            {"offering_id": "O5", "term": "2023-2024-1", "course_code": "C1", "staff_no": "T4"},
            {"offering_id": "O6", "term": "2023-2024-2", "course_code": "C3", "staff_no": "T3"},
        ]
    },
    "grades": [
        {"student_no": "S1", "course_code": "C1", "term": "2023-2024-1", "exam_kind": "1", "passed": False},
        {"student_no": "S1", "course_code": "C1", "term": "2023-2024-2", "exam_kind": "2", "passed": True},
        {"student_no": "S2", "course_code": "C1", "term": "2023-2024-1", "exam_kind": "1", "passed": True},
        {"student_no": "S1", "course_code": "C2", "term": "2024-2025-1", "exam_kind": "1", "passed": False},
        {"student_no": "S1", "course_code": "C2", "term": "2024-2025-2", "exam_kind": "2", "passed": False},
        {"student_no": "S2", "course_code": "C3", "term": "2024-2025-1", "exam_kind": "1", "passed": False},
        {"student_no": "S3", "course_code": "C3", "term": "2024-2025-1", "exam_kind": "1", "passed": True},
        {"student_no": "S5", "course_code": "C1", "term": "2024-2025-1", "exam_kind": "1", "passed": False},
        {"student_no": "S4", "course_code": "C4", "term": "2024-2025-2", "exam_kind": "1", "passed": False},
    ],
    "discipline": [
        {"record_id": "D0", "student_no": "S3", "decided_on": dt.date(2023, 8, 31)},  # 2022-2023
        {"record_id": "D1", "student_no": "S1", "decided_on": dt.date(2023, 9, 1)},  # first day of 2023-2024
        {"record_id": "D2", "student_no": "S1", "decided_on": dt.date(2024, 8, 31)},  # last day of 2023-2024
        {"record_id": "D3", "student_no": "S2", "decided_on": dt.date(2024, 9, 1)},  # first day of 2024-2025
        {"record_id": "D4", "student_no": "S2", "decided_on": dt.date(2025, 8, 31)},  # last day of 2024-2025
        {"record_id": "D5", "student_no": "S3", "decided_on": dt.date(2025, 9, 1)},  # 2025-2026
    ],
    # attendance has a field named `period` (the 节次 of the session), like the period column
    "attendance": [
        {"student_no": "S1", "term": "2024-2025-1", "session_date": dt.date(2024, 9, 3), "period": 1, "hours": 2},
        {"student_no": "S1", "term": "2024-2025-1", "session_date": dt.date(2024, 9, 4), "period": 3, "hours": 2},
        {"student_no": "S2", "term": "2024-2025-1", "session_date": dt.date(2024, 9, 4), "period": 3, "hours": 2},
        {"student_no": "S2", "term": "2023-2024-1", "session_date": dt.date(2023, 10, 9), "period": 1, "hours": 1},
    ],
    "library_visits": [
        {"visit_id": "V1", "student_no": "S1", "visit_time": _ts("2023-09-01T00:00:00")},
        {"visit_id": "V2", "student_no": "S1", "visit_time": _ts("2024-08-31T23:59:59")},
        {"visit_id": "V3", "student_no": "S2", "visit_time": _ts("2024-09-01T00:00:00")},
        {"visit_id": "V4", "student_no": "S2", "visit_time": _ts("2025-08-31T23:30:00")},
        {"visit_id": "V5", "student_no": "S3", "visit_time": _ts("2025-09-01T00:10:00")},
        {"visit_id": "V6", "student_no": "S3", "visit_time": _ts("2023-08-31T23:59:59")},
    ],
    "research_outputs": [
        {"output_id": "R1", "staff_no": "T1", "year": 2022},
        {"output_id": "R2", "staff_no": "T1", "year": 2024},
        {"output_id": "R3", "staff_no": "T1", "year": 2025},
        {"output_id": "R4", "staff_no": "T2", "year": 2025},
        {"output_id": "R5", "staff_no": "T3", "year": 2023},
    ],
    "employment": {
        dt.date(2025, 12, 31): [
            {"student_no": "G1", "graduation_year": 2024, "major_code": "M1", "destination": "10"},
            {"student_no": "G2", "graduation_year": 2024, "major_code": "M1", "destination": "70"},
            {"student_no": "G3", "graduation_year": 2025, "major_code": "M1", "destination": "11"},
            {"student_no": "G4", "graduation_year": 2025, "major_code": "M2", "destination": "20"},
            {"student_no": "G5", "graduation_year": 2025, "major_code": "M2", "destination": "70"},
            {"student_no": "G6", "graduation_year": 2025, "major_code": "M2", "destination": "40"},
            {"student_no": "G7", "graduation_year": 2026, "major_code": "M1", "destination": "10"},
        ]
    },
    "card_transactions": [
        # S1: canteen days 09-02, 09-03 (twice), 09-06, 09-12: gaps 0, 2, 5; the supermarket on 09-10 is no meal
        {"txn_id": "K01", "student_no": "S1", "txn_time": _ts("2024-09-02T08:00:00"), "merchant_kind": "01"},
        {"txn_id": "K02", "student_no": "S1", "txn_time": _ts("2024-09-03T12:00:00"), "merchant_kind": "01"},
        {"txn_id": "K03", "student_no": "S1", "txn_time": _ts("2024-09-03T18:00:00"), "merchant_kind": "01"},
        {"txn_id": "K04", "student_no": "S1", "txn_time": _ts("2024-09-06T12:00:00"), "merchant_kind": "01"},
        {"txn_id": "K05", "student_no": "S1", "txn_time": _ts("2024-09-10T12:00:00"), "merchant_kind": "02"},
        {"txn_id": "K06", "student_no": "S1", "txn_time": _ts("2024-09-12T12:00:00"), "merchant_kind": "01"},
        # S2: a month between two meals: capped at 7
        {"txn_id": "K07", "student_no": "S2", "txn_time": _ts("2024-09-02T12:00:00"), "merchant_kind": "01"},
        {"txn_id": "K08", "student_no": "S2", "txn_time": _ts("2024-10-02T12:00:00"), "merchant_kind": "01"},
        # S3: one meal in each term, on either side of midnight at the term boundary
        {"txn_id": "K09", "student_no": "S3", "txn_time": _ts("2025-01-31T23:30:00"), "merchant_kind": "01"},
        {"txn_id": "K10", "student_no": "S3", "txn_time": _ts("2025-02-01T00:10:00"), "merchant_kind": "01"},
        # S4: only the supermarket
        {"txn_id": "K11", "student_no": "S4", "txn_time": _ts("2024-09-05T12:00:00"), "merchant_kind": "02"},
    ],
}


def _write(name: str, content: dict | list) -> store.Version:
    """Write a standard table the way imports do (typed per the standard, plus _run and _snapshot)."""
    spec = TABLES_BY_NAME[name]
    schema = store.arrow_schema(spec)
    batches = content.items() if isinstance(content, dict) else [(None, content)]
    files, count = [], 0
    for n, (snapshot, rows) in enumerate(batches, start=1):
        run_id = n
        data = {
            f.name: [snapshot if f.name == "_snapshot" else run_id if f.name == "_run" else r.get(f.name) for r in rows]
            for f in schema
        }
        files.append(store.write_file(spec, run_id, n, pa.table(data, schema=schema)))
        count += len(rows)
    return store.Version(name, 1, tuple(files), count, len(files))


@pytest.fixture
def versions():
    return {name: _write(name, content) for name, content in TABLES.items()}


ENGINES = [
    "duckdb",
    pytest.param(
        "spark",
        marks=pytest.mark.skipif(not HAVE_PYSPARK, reason="PySpark is not installed (pip install -e '.[spark]')"),
    ),
]


@pytest.fixture(params=ENGINES)
def engine(request, versions):
    with open_engine(request.param, versions) as eng:
        yield eng


# ------------------------------------------------------------------------------------------ helpers


def declare(measure: str, *, entity: str, period: str = "academic_year") -> str:
    """A whole declaration (YAML text) around a measure."""
    header = f"""\
- code: T-{entity.upper()}
  name: 测试指标
  level: {entity if entity in LEVELS else "school"}
  entity: {entity}
  system: generation
  direction: higher
  period: {period}
  owner: jwc
  formula: 测试公式
"""
    return header + textwrap.indent(textwrap.dedent(measure).strip() + "\n", "  ")


def run(engine, yaml_text: str, periods) -> dict[tuple[str, str], float | None]:
    [indicator] = load_file("test.yaml", yaml_text)
    out = engine.execute(compile_indicator(Context(engine, periods, TERMS), indicator))
    assert out.column_names == ["period", "entity", "value"]
    values = {}
    for row in out.to_pylist():
        key = (row["period"], row["entity"])
        assert key not in values, f"{key} twice"
        values[key] = None if row["value"] is None else round(row["value"], 9)
    return values


# ------------------------------------------------------------------------------------------ tests


def test_ratio_of_two_parts_with_fill(engine):
    """First-exam pass rate per course and term: a course where nobody passed has no `passed` row;
    fill 0 makes its rate 0, not empty. A term with only make-up exams has no graded course."""
    text = declare(
        """
        value: passed / graded
        parts:
          graded: {from: grades, where: exam_kind == '1', by: course_code, value: count()}
          passed: {from: grades, where: exam_kind == '1' and passed, by: course_code, value: count(), fill: 0}
        """,
        entity="course",
        period="term",
    )
    assert run(engine, text, TERM_PERIODS) == {
        ("2023-2024-1", "C1"): 0.5,
        ("2024-2025-1", "C1"): 0.0,
        ("2024-2025-1", "C2"): 0.0,
        ("2024-2025-1", "C3"): 0.5,
        ("2024-2025-2", "C4"): 0.0,
    }


def test_term_placed_part_in_academic_years(engine):
    """Student-teacher ratio: teachers counted over the terms of each academic year, through
    look-ups of courses and teachers; a major without teachers divides by zero and has no value."""
    text = declare(
        """
        value: students / (full_time + 0.5 * external)
        parts:
          students: {from: students, where: status == '01', by: major_code, value: count()}
          full_time:
            from: course_offerings
            join: {courses: course_code, teachers: staff_no}
            where: teachers.category == '1'
            by: courses.major_code
            value: count_distinct(staff_no)
            fill: 0
          external:
            from: course_offerings
            join: {courses: course_code, teachers: staff_no}
            where: teachers.category in ('2', '3')
            by: courses.major_code
            value: count_distinct(staff_no)
            fill: 0
        """,
        entity="major",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {
        ("2023-2024", "M1"): 2.0,  # T4 in 2023-2024-1
        ("2023-2024", "M2"): 4.0,  # only T3 (external, counts half)
        ("2023-2024", "M3"): None,
        ("2024-2025", "M1"): round(2 / 1.5, 9),  # T1 in both terms (once), T3 external
        ("2024-2025", "M2"): 2.0,
        ("2024-2025", "M3"): None,
    }


@pytest.mark.parametrize(
    "table, field",
    [("discipline", "decided_on"), ("library_visits", "visit_time")],
    ids=["date", "datetime"],
)
def test_date_placed_event_part(engine, table, field):
    """Events are placed by their date (the day of a datetime) within the period, both ends included."""
    text = declare(
        f"""
        value: events
        parts:
          events: {{from: {table}, value: count()}}
        """,
        entity="school",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {("2023-2024", "school"): 2.0, ("2024-2025", "school"): 2.0}
    # by student as well: each student's records fall in one year
    text = declare(
        f"""
        value: events
        parts:
          events: {{from: {table}, by: student_no, value: count(), period: {{field: {field}}}}}
        """,
        entity="student",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {("2023-2024", "S1"): 2.0, ("2024-2025", "S2"): 2.0}


@pytest.mark.parametrize(
    "match, expected",
    [
        # graduates of 2024 belong to 2023-2024 (the year ends in 2024)
        ("end_year", {("2023-2024", "M1"): 0.5, ("2024-2025", "M1"): 1.0, ("2024-2025", "M2"): round(2 / 3, 9)}),
        # the start year: graduates of 2024 count in 2024-2025
        ("start_year", {("2024-2025", "M1"): 0.5}),
    ],
)
def test_integer_year_part(engine, match, expected):
    """Employment rate: graduation_year is an integer year, matched to the period's end or start year."""
    text = declare(
        f"""
        value: employed / graduates
        parts:
          graduates: {{from: employment, by: major_code, value: count(), period: {{match: {match}}}}}
          employed:
            from: employment
            where: destination not in ('70', '80')
            by: major_code
            value: count()
            fill: 0
            period: {{match: {match}}}
        """,
        entity="major",
    )
    assert run(engine, text, ACADEMIC_YEARS) == expected


@pytest.mark.parametrize(
    "window, expected",
    [
        ("period", {("2023-2024", "school"): 2.0, ("2024-2025", "school"): 2.0}),
        ("all", {("2023-2024", "school"): 3.0, ("2024-2025", "school"): 5.0}),
        ("years:2", {("2023-2024", "school"): 3.0, ("2024-2025", "school"): 4.0}),
        ("years:1", {("2023-2024", "school"): 2.0, ("2024-2025", "school"): 2.0}),
    ],
)
def test_window_on_dates(engine, window, expected):
    """period: the year itself; all: everything up to its end; years:N: the N years ending with it."""
    text = declare(
        f"""
        value: records
        parts:
          records: {{from: discipline, value: count(), period: {{window: '{window}'}}}}
        """,
        entity="school",
    )
    assert run(engine, text, ACADEMIC_YEARS) == expected


@pytest.mark.parametrize(
    "window, expected",
    [
        ("period", {("2024", "T1"): 1.0, ("2025", "T1"): 1.0, ("2025", "T2"): 1.0}),
        (
            "all",
            {("2024", "T1"): 2.0, ("2024", "T3"): 1.0, ("2025", "T1"): 3.0, ("2025", "T2"): 1.0, ("2025", "T3"): 1.0},
        ),
        ("years:2", {("2024", "T1"): 1.0, ("2024", "T3"): 1.0, ("2025", "T1"): 2.0, ("2025", "T2"): 1.0}),
    ],
)
def test_window_on_integer_years(engine, window, expected):
    """Research outputs per teacher and calendar year, over a window of years."""
    text = declare(
        f"""
        value: outputs
        parts:
          outputs: {{from: research_outputs, by: staff_no, value: count(), period: {{window: '{window}'}}}}
        """,
        entity="teacher",
        period="calendar_year",
    )
    assert run(engine, text, [calendar_year_period(2024), calendar_year_period(2025)]) == expected


def test_pre_grouping_and_population_with_fill(engine):
    """Courses still failed after make-up and retake, counted up to each year's end (grouped per
    student and course first); every student in the roster has a value, 0 where nothing failed;
    S5 (gone from the newest roster) is not judged though he has grades."""
    text = declare(
        """
        value: failed
        population: {from: students, where: status == '01', by: student_no}
        parts:
          failed:
            from: grades
            period: {window: all}
            pre:
              by: [student_no, course_code]
              compute: {ever_passed: max(passed), failed_first: "count_if(exam_kind == '1' and not passed)"}
            by: student_no
            value: count_if(ever_passed == 0 and failed_first > 0)
            fill: 0
        """,
        entity="student",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {
        **{("2023-2024", s): 0.0 for s in ("S1", "S2", "S3", "S4", "S6")},
        ("2024-2025", "S1"): 1.0,  # C2: failed, and failed the make-up
        ("2024-2025", "S2"): 1.0,  # C3
        ("2024-2025", "S3"): 0.0,
        ("2024-2025", "S4"): 1.0,  # C4
        ("2024-2025", "S6"): 0.0,
    }


def test_a_period_before_the_data_begins_gets_no_value_not_zero(engine):
    """Grades begin in 2023-2024: in 2022-2023 no student is counted as 0 failures (无数据, no row);
    every later period keeps its population with 0 where nothing failed."""
    text = declare(
        """
        value: failed
        population: {from: students, where: status == '01', by: student_no}
        parts:
          failed: {from: grades, by: student_no, value: "count_if(exam_kind == '1' and not passed)", fill: 0}
        """,
        entity="student",
    )
    got = run(engine, text, [academic_year_period(2022), *ACADEMIC_YEARS])
    assert {p for p, _ in got} == {"2023-2024", "2024-2025"}
    assert got[("2023-2024", "S3")] == 0.0 and got[("2024-2025", "S1")] == 1.0


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_table_never_imported_gives_no_value_not_its_fill(versions, engine_name):
    """No training records at all: every teacher is 无数据, not 0 学时 (the fill says what a missing row
    means in a table that has data)."""
    text = declare(
        """
        value: hours
        population: {from: teachers, where: category == '1', by: staff_no}
        parts:
          hours: {from: teacher_training, by: staff_no, value: sum(hours), fill: 0}
        """,
        entity="teacher",
    )
    with open_engine(engine_name, {**versions, "teacher_training": None}) as eng:
        got = run(eng, text, ACADEMIC_YEARS)
    assert {e for _p, e in got} == {"T1", "T2", "T4"} and set(got.values()) == {None}


def test_division_by_zero_gives_no_value(engine):
    text = declare(
        """
        value: records / serious
        parts:
          records: {from: discipline, value: count()}
          serious: {from: discipline, value: "count_if(level == '5')"}
        """,
        entity="school",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {("2023-2024", "school"): None, ("2024-2025", "school"): None}
    text = text.replace("records / serious", "records // serious")
    assert run(engine, text, ACADEMIC_YEARS) == {("2023-2024", "school"): None, ("2024-2025", "school"): None}


def test_latest_snapshot_roster(engine):
    """A roster table has no time field: its newest snapshot counts for every period."""
    text = declare(
        """
        value: enrolled
        parts:
          enrolled: {from: students, where: status == '01', by: major_code, value: count()}
        """,
        entity="major",
    )
    per_year = {"M1": 2.0, "M2": 2.0, "M3": 1.0}
    assert run(engine, text, ACADEMIC_YEARS) == {(p.code, m): v for p in ACADEMIC_YEARS for m, v in per_year.items()}


def test_canteen_longest_gap(engine):
    text = declare("function: canteen_longest_gap", entity="student", period="term")
    assert run(engine, text, TERM_PERIODS) == {
        ("2024-2025-1", "S1"): 5.0,
        ("2024-2025-1", "S2"): 7.0,
        ("2024-2025-1", "S3"): 0.0,
        ("2024-2025-2", "S3"): 0.0,
    }


def test_field_named_like_the_period_column(engine):
    """attendance.period (the 节次) stays a field of the table; rows are still grouped by the period."""
    text = declare(
        """
        value: hours
        parts:
          hours: {from: attendance, by: student_no, value: sum(hours)}
        """,
        entity="student",
    )
    assert run(engine, text, ACADEMIC_YEARS) == {
        ("2023-2024", "S2"): 1.0,
        ("2024-2025", "S1"): 4.0,
        ("2024-2025", "S2"): 2.0,
    }
    morning = text.replace("by: student_no,", "where: period <= 2, by: student_no,")
    assert run(engine, morning, ACADEMIC_YEARS) == {("2023-2024", "S2"): 1.0, ("2024-2025", "S1"): 2.0}
    sessions = declare(
        """
        value: sessions
        parts:
          sessions:
            from: attendance
            pre: {by: [student_no, period], compute: {hours: sum(hours)}}
            by: student_no
            value: count()
        """,
        entity="student",
    )
    assert run(engine, sessions, ACADEMIC_YEARS) == {
        ("2023-2024", "S2"): 1.0,
        ("2024-2025", "S1"): 2.0,  # 节次 1 and 3
        ("2024-2025", "S2"): 1.0,
    }


@pytest.mark.parametrize("engine_name", ENGINES)
def test_late_returns_count_only_allowed_dorm_passages_also_in_files_older_than_those_fields(versions, engine_name):
    """晚归 counts dorm gates only: a teaching-building gate or a refused swipe at 23:10 is no return to
    the dorm. A batch stored before 门禁类别 and 允许通行 joined the standard reads them as empty (= 宿舍, allowed)."""
    spec = TABLES_BY_NAME["dorm_access"]
    schema = store.arrow_schema(spec)

    def row(n: int, when: str, gate=None, allowed=None) -> dict:
        return {"access_id": f"A{n}", "student_no": "S1", "building": "1", "access_time": _ts(when),
                "direction": "1", "gate_kind": gate, "allowed": allowed, "_run": 1}  # fmt: skip

    mornings = [row(n, f"2024-09-0{n}T08:00:00") for n in range(2, 9)]  # in school 7 sampled days
    old = [*mornings[:2], row(20, "2024-09-02T23:00:00")]  # a dorm entry, before the fields existed
    new = [
        *mornings[2:],
        row(21, "2024-09-03T23:10:00", gate="1", allowed=True),  # dorm, allowed: late
        row(22, "2024-09-04T23:10:00", gate="2", allowed=True),  # 教学楼: not a return to the dorm
        row(23, "2024-09-05T23:10:00", gate="1", allowed=False),  # refused swipe
        row(24, "2024-09-06T22:40:00"),  # dorm (empty), allowed (empty): late
    ]
    old_schema = pa.schema([f for f in schema if f.name not in ("gate_kind", "allowed")])
    files = (
        store.write_file(spec, 1, 1, pa.Table.from_pylist(old, schema=old_schema)),
        store.write_file(spec, 2, 2, pa.Table.from_pylist(new, schema=schema)),
    )
    assert "gate_kind" not in store.file_columns(str(store.root() / files[0]))
    dorm = store.Version("dorm_access", 1, files, len(old) + len(new), 2)
    with open_engine(engine_name, {**versions, "dorm_access": dorm}) as eng:
        text = declare("function: student_dorm_late_return_weekly", entity="student", period="term")
        assert run(eng, text, TERM_PERIODS) == {("2024-2025-1", "S1"): 3.0}  # 3 late entries in 7 days
