"""Field builders and source-system labels shared by the standard table declarations."""

from __future__ import annotations

from zhengai.datacenter.standard.base import Field, FieldType

T = FieldType


def s(name: str, label: str, *, required: bool = False, max_length: int = 64, **kw) -> Field:
    return Field(name, label, T.STRING, required=required, max_length=max_length, **kw)


def i(name: str, label: str, *, required: bool = False, min_value: float | None = 0, **kw) -> Field:
    return Field(name, label, T.INTEGER, required=required, min_value=min_value, **kw)


def d(name: str, label: str, *, required: bool = False, min_value: float | None = 0, **kw) -> Field:
    return Field(name, label, T.DECIMAL, required=required, min_value=min_value, **kw)


def c(name: str, label: str, code_set: str, *, required: bool = True, **kw) -> Field:
    return Field(name, label, T.CODE, required=required, code_set=code_set, **kw)


def day(name: str, label: str, *, required: bool = False, **kw) -> Field:
    return Field(name, label, T.DATE, required=required, **kw)


def ts(name: str, label: str, *, required: bool = True, **kw) -> Field:
    return Field(name, label, T.DATETIME, required=required, **kw)


def b(name: str, label: str, *, required: bool = False, **kw) -> Field:
    return Field(name, label, T.BOOLEAN, required=required, **kw)


def term(required: bool = True) -> Field:
    return s("term", "学期", required=required, max_length=11, description="学期代码，如 2024-2025-1")


def year(name: str = "academic_year", label: str = "学年") -> Field:
    return i(
        name,
        label,
        required=True,
        min_value=2000,
        max_value=2100,
        description="学年起始年，如 2024 表示 2024-2025学年",
    )


def student_ref(required: bool = True) -> Field:
    return s("student_no", "学号", required=required, max_length=20, references="students.student_no")


def teacher_ref(name: str = "staff_no", label: str = "工号", required: bool = True) -> Field:
    return s(name, label, required=required, max_length=20, references="teachers.staff_no")


def course_ref(required: bool = True) -> Field:
    return s("course_code", "课程代码", required=required, max_length=20, references="courses.course_code")


def major_ref(required: bool = True) -> Field:
    return s("major_code", "专业代码", required=required, max_length=12, references="majors.major_code")


def dept_ref(name: str = "dept_code", label: str = "部门代码", required: bool = True) -> Field:
    return s(name, label, required=required, max_length=16, references="departments.dept_code")


JW, XG, RS, CW, YKT, TS, ZJ, XL, HQ, ZC, ZX = (
    "教务",
    "学工",
    "人事",
    "财务",
    "一卡通",
    "图书",
    "招生就业",
    "心理健康",
    "后勤",
    "资产",
    "在线教学",
)
