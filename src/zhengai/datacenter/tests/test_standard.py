"""The data standard declaration is consistent, and covers what the platform needs."""

import pytest

from zhengai.datacenter.standard import CODE_SETS, TABLES, TABLES_BY_NAME, FieldType, StandardTable, table
from zhengai.datacenter.standard.base import Field, TableKind, TimeKind

REQUIRED_TABLES = {
    "students", "teachers", "majors", "courses", "course_offerings", "plan_courses", "grades", "attendance",
    "teaching_evaluations", "supervisor_observations", "card_transactions", "library_visits", "library_loans",
    "dorm_access", "awards", "discipline", "physical_tests", "psych_screenings", "admissions", "employment",
    "teacher_training", "enterprise_practice", "research_outputs", "school_resources", "finance",
}  # fmt: skip


def test_every_table_the_platform_needs_is_declared():
    assert REQUIRED_TABLES <= set(TABLES_BY_NAME)


def test_every_code_field_names_an_existing_code_set_and_every_reference_resolves():
    for t in TABLES:
        for f in t.fields:
            if f.type == FieldType.CODE:
                assert f.code_set in CODE_SETS, f"{t.name}.{f.name}"
            if f.references:
                ref_table, ref_field = f.references.split(".")
                assert ref_field in table(ref_table).field_index, f"{t.name}.{f.name}"


def test_primary_key_fields_are_required():
    for t in TABLES:
        for key in t.primary_key:
            assert t.field(key).required, f"{t.name}.{key} is part of the key but optional"


def test_grades_hold_make_up_exams_in_the_key():
    grades = table("grades")
    assert "exam_kind" in grades.primary_key
    assert "2" in CODE_SETS["exam_kind"].code_values  # 补考
    assert grades.kind == TableKind.EVENT and grades.time_kind == TimeKind.TERM


def test_unverified_code_sets_are_marked():
    assert CODE_SETS["school_category"].verified
    assert not CODE_SETS["gender"].verified


def test_a_broken_declaration_is_refused():
    with pytest.raises(ValueError, match="主键"):
        StandardTable("x", "X", "教务", TableKind.EVENT, TimeKind.TERM, ("nope",), (Field("a", "A", FieldType.STRING),))
    with pytest.raises(KeyError, match="没有名为"):
        table("no_such_table")
