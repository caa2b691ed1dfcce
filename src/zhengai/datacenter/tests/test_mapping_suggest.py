"""Header suggestions for the English and pinyin headers campus systems export."""

from __future__ import annotations

import pytest

from zhengai.datacenter.headers import SYNONYMS, initials
from zhengai.datacenter.mapping import suggest
from zhengai.datacenter.standard import TABLES_BY_NAME, table


@pytest.mark.parametrize("header", ["student_no", "StudentID", "xh", "XH", "Student No", "学号"])
def test_every_usual_spelling_of_the_student_number_is_suggested(header):
    assert suggest(table("students"), ["备注", header]) == {"student_no": header}


def test_pinyin_initials_of_the_labels_suggest_a_whole_roster():
    columns = ["XH", "xm", "Sex", "csrq", "zydm", "bjdm", "NJ", "xjzt", "qrz"]
    assert suggest(table("students"), columns) == {
        "student_no": "XH", "name": "xm", "gender": "Sex", "birth_date": "csrq", "major_code": "zydm",
        "class_code": "bjdm", "cohort": "NJ", "status": "xjzt", "full_time": "qrz",
    }  # fmt: skip


def test_english_headers_suggest_a_teacher_roster():
    got = suggest(table("teachers"), ["EmployeeID", "Name", "gender", "DeptID", "BirthYear", "HireDate"])
    assert got == {"staff_no": "EmployeeID", "name": "Name", "gender": "gender", "dept_code": "DeptID",
                   "birth_year": "BirthYear", "hire_date": "HireDate"}  # fmt: skip


def test_initials_follow_the_pinyin_of_common_characters():
    assert [initials(w) for w in ("学号", "出生日期", "交易时间", "课程名称")] == ["xh", "csrq", "jysj", "kcmc"]
    assert initials("𠀀号") is None  # a character without a known initial gives no abbreviation


def test_the_synonym_table_names_only_real_fields():
    names = {f.name for t in TABLES_BY_NAME.values() for f in t.fields}
    assert set(SYNONYMS) <= names, set(SYNONYMS) - names
