"""How each source system exports each standard table: files, sheets, columns and value formats.

One `SourceTable` per standard table says where the rows live (a SQLite table, an xlsx sheet, a CSV
file per term) and, column by column, which standard field a source column holds and how the
source writes its values (codes as Chinese labels, dates as 20240105, booleans as 是/否 …).
The demo writers use the mapping forwards (standard → source); readers.py and the direct loader
use it backwards (source → standard), as the data-center import pipeline will with saved mappings.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from zhengai.datacenter.standard import CODE_SETS

# ------------------------------------------------------------------------------------------ converters


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _to_list(values: np.ndarray) -> list:
    """Python values with None for missing (NaN, NaT, empty string)."""
    if values.dtype.kind == "f":
        out = values.tolist()
        for i in np.flatnonzero(np.isnan(values)):
            out[i] = None
        return out
    if values.dtype.kind in "OU":
        # `v != v` is NaN; written out inline because this runs for millions of cells
        return [None if v is None or v == "" or v != v else v for v in values.tolist()]
    return values.tolist()


class Conv:
    """How a source writes one kind of value. `encode`: standard → source; `decode`: source → standard."""

    sql_type = "TEXT"

    def encode(self, values: np.ndarray) -> list:
        return [v if v is None or type(v) is str else str(v) for v in _to_list(values)]

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        return pa.array(self.encode(values), type=pa.string())

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw).strip()


class Text(Conv):
    def encode_csv(self, values: np.ndarray) -> pa.Array:
        if values.dtype.kind in "OU":
            return pa.array(values, type=pa.string(), from_pandas=True)
        return super().encode_csv(values)


class Int(Conv):
    sql_type = "INTEGER"

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else int(v) for v in _to_list(values)]

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        return pa.array(self.encode(values), type=pa.int64())

    def decode(self, raw: Any) -> Any:
        return None if _is_missing(raw) else int(float(raw))


class Dec(Conv):
    sql_type = "REAL"

    def __init__(self, places: int) -> None:
        self.places = places

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else round(float(v), self.places) for v in _to_list(values)]

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        if values.dtype.kind != "f" or np.isnan(values).any():
            fmt = f"{{:.{self.places}f}}"
            return pa.array([None if v is None else fmt.format(v) for v in self.encode(values)], type=pa.string())
        scaled = np.round(values * 10**self.places).astype(np.int64)
        if self.places == 0:
            return pa.array(scaled.astype(str))
        sign = np.where(scaled < 0, "-", "")
        scaled = np.abs(scaled)
        whole = (scaled // 10**self.places).astype(str)
        frac = np.strings.zfill((scaled % 10**self.places).astype(str), self.places)
        return pa.array(np.strings.add(np.strings.add(np.strings.add(sign, whole), "."), frac))

    def decode(self, raw: Any) -> Any:
        return None if _is_missing(raw) else float(raw)


class Date(Conv):
    def __init__(self, fmt: str = "%Y-%m-%d") -> None:
        self.fmt = fmt

    def encode(self, values: np.ndarray) -> list:
        if values.dtype.kind == "M":
            text = np.datetime_as_string(values.astype("datetime64[D]"))
            if self.fmt == "%Y%m%d":
                text = np.strings.replace(text, "-", "")
            return [None if t == "NaT" else t for t in text.tolist()]
        return [None if v is None else v.strftime(self.fmt) for v in _to_list(values)]

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return dt.datetime.strptime(str(raw).strip(), self.fmt).date()


class DateTime(Conv):
    fmt = "%Y-%m-%d %H:%M:%S"

    def encode(self, values: np.ndarray) -> list:
        return self.encode_csv(values).to_pylist()

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        return pa.array(values.astype("datetime64[s]"), from_pandas=True).cast(pa.string())

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        if isinstance(raw, dt.datetime):
            return raw
        return dt.datetime.strptime(str(raw).strip(), self.fmt)


class Bool(Conv):
    def __init__(self, true: Any, false: Any, sql_type: str = "TEXT") -> None:
        self.true, self.false, self.sql_type = true, false, sql_type

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else (self.true if v else self.false) for v in _to_list(values)]

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        return pa.array([None if v is None else str(v) for v in self.encode(values)], type=pa.string())

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        value = int(raw) if isinstance(raw, float) else raw
        if str(value) == str(self.true):
            return True
        if str(value) == str(self.false):
            return False
        raise ValueError(f"无法识别的是/否取值：{raw!r}")


class Label(Conv):
    """The source writes the code's Chinese label (性别 男/女, 学籍状态 在读 …)."""

    def __init__(self, code_set: str) -> None:
        self.code_set = code_set
        self.labels = dict(CODE_SETS[code_set].codes)
        self.codes = {label: code for code, label in self.labels.items()}

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else self.labels[str(v)] for v in _to_list(values)]

    def encode_csv(self, values: np.ndarray) -> pa.Array:
        encoded = pa.array(values, type=pa.string(), from_pandas=True).dictionary_encode()
        dictionary = pa.array([self.labels[c] for c in encoded.dictionary.to_pylist()], type=pa.string())
        return dictionary.take(encoded.indices)

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        text = str(raw).strip()
        return self.codes.get(text, text)  # an unknown label stays visible to validation


class YearLabel(Conv):
    """学年 written as 2024-2025; the standard keeps the start year."""

    sql_type = "TEXT"

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else f"{int(v)}-{int(v) + 1}" for v in _to_list(values)]

    def decode(self, raw: Any) -> Any:
        return None if _is_missing(raw) else int(str(raw).strip()[:4])


class YearOfMonth(Conv):
    """出生年月 written as 1980-05; the standard keeps the year."""

    def decode(self, raw: Any) -> Any:
        return None if _is_missing(raw) else int(str(raw).strip()[:4])


class MinSec(Conv):
    """耐力跑 written as 4'05" (minutes and seconds); the standard keeps seconds."""

    def encode(self, values: np.ndarray) -> list:
        return [None if v is None else f"{int(v) // 60}'{int(v) % 60:02d}\"" for v in _to_list(values)]

    def decode(self, raw: Any) -> Any:
        if _is_missing(raw):
            return None
        minutes, _, rest = str(raw).strip().partition("'")
        return float(int(minutes) * 60 + int(rest.rstrip('"')))


TEXT, INT = Text(), Int()
D0, D1, D2 = Dec(0), Dec(1), Dec(2)
DATE, YMD, DATETIME = Date(), Date("%Y%m%d"), DateTime()
YES_NO, HAS_NOT, ONE_ZERO = Bool("是", "否"), Bool("有", "无"), Bool(1, 0, "INTEGER")
YEAR_LABEL, YEAR_OF_MONTH, MIN_SEC = YearLabel(), YearOfMonth(), MinSec()

# ------------------------------------------------------------------------------------------ mapping


@dataclass(frozen=True)
class Column:
    header: str  # the source column
    field: str | None = None  # the standard field it holds; None: kept in the source only
    conv: Conv = TEXT
    extra: str | None = None  # demo writer: a generated column that fills this source column
    when: tuple[str, str] | None = None  # only when another source column holds this value


@dataclass(frozen=True)
class SourceTable:
    table: str  # standard table
    system: str
    file: str  # may hold {term}: one file per term
    fmt: str  # sqlite | xlsx | csv
    columns: tuple[Column, ...]
    part: str = ""  # SQLite table or xlsx sheet
    encoding: str = "utf-8"
    newline: str = "\n"

    @property
    def per_term(self) -> bool:
        return "{term}" in self.file

    @property
    def headers(self) -> list[str]:
        return list(dict.fromkeys(c.header for c in self.columns))

    @property
    def mapped(self) -> list[Column]:
        return [c for c in self.columns if c.field]


def C(header: str, field: str | None = None, conv: Conv = TEXT, **kw) -> Column:
    return Column(header, field, conv, **kw)


def X(header: str, extra: str, conv: Conv = TEXT) -> Column:
    """A source column the standard does not hold (a name next to a number, a device …)."""
    return Column(header, None, conv, extra=extra)


JW_DB, RS_XLSX, XG_XLSX = "jiaowu.sqlite", "renshi.xlsx", "xuegong.xlsx"
ZJ_XLSX, ZC_XLSX = "zhaosheng_jiuye.xlsx", "zichan_caiwu.xlsx"
CARD_CSV = "yikatong_消费流水_{term}.csv"
DORM_CSV = "houqin_门禁记录_{term}.csv"
VISIT_CSV, LOAN_CSV = "tushu_入馆记录.csv", "tushu_借阅记录.csv"
PSYCH_CSV = "xinli_心理筛查记录.csv"
ONLINE_CSV = "zaixian_在线学习记录.csv"

SOURCES: tuple[SourceTable, ...] = (
    # ------------------------------------------------------------------ 教务 (SQLite, pinyin columns)
    SourceTable("majors", "教务", JW_DB, "sqlite", (
        C("zydm", "major_code"), C("zymc", "major_name"), C("ssxbdm", "dept_code"), C("zylb", "tier"),
        C("xz", "duration", INT), C("sznf", "established_year", INT), C("zydtrgh", "leader_staff_no"),
        C("sfzs", "enrolling", ONE_ZERO),
    ), part="zy"),
    SourceTable("courses", "教务", JW_DB, "sqlite", (
        C("kcdm", "course_code"), C("kcmc", "course_name"), C("kclb", "course_kind"), C("kkbmdm", "dept_code"),
        C("sszydm", "major_code"), C("llxs", "theory_hours", INT), C("sjxs", "practice_hours", INT),
        C("xf", "credits", D1), C("kcfzrgh", "leader_staff_no"),
    ), part="kc"),
    SourceTable("plan_courses", "教务", JW_DB, "sqlite", (
        C("zydm", "major_code"), C("nj", "cohort", INT), C("kcdm", "course_code"), C("kcxz", "course_nature"),
        C("kkxq", "semester_no", INT), C("llxs", "theory_hours", INT), C("sjxs", "practice_hours", INT),
        C("xf", "credits", D1), C("sfhxkc", "is_core", ONE_ZERO),
    ), part="pyfa"),
    SourceTable("course_offerings", "教务", JW_DB, "sqlite", (
        C("jxrwh", "offering_id"), C("xnxq", "term"), C("kcdm", "course_code"), C("jsgh", "staff_no"),
        C("bjdm", "class_code"), C("jhxs", "planned_hours", INT), C("jhkcs", "sessions", INT),
        C("xkrs", "enrolled", INT), X("sksj", "_schedule"),
    ), part="jxrw"),
    SourceTable("grades", "教务", JW_DB, "sqlite", (
        C("xh", "student_no"), C("kcdm", "course_code"), C("xnxq", "term"), C("ksxz", "exam_kind"),
        C("cj", "score", D1), C("sfjg", "passed", ONE_ZERO), C("xf", "credits", D1), C("kszt", "exam_flag"),
        C("jxrwh", "offering_id"), C("ksrq", "exam_date", YMD),
    ), part="cj"),
    SourceTable("term_gpa", "教务", JW_DB, "sqlite", (
        C("xh", "student_no"), C("xnxq", "term"), C("pjxfjd", "gpa", D2), C("xdxf", "credits_attempted", D1),
        C("hdxf", "credits_earned", D1), C("bjpm", "class_rank", INT), C("bjrs", "class_size", INT),
        C("zypm", "major_rank", INT), C("zyrs", "major_size", INT),
    ), part="xqjd"),
    SourceTable("attendance", "教务", JW_DB, "sqlite", (
        C("xh", "student_no"), C("jxrwh", "offering_id"), C("kcdm", "course_code"), C("xnxq", "term"),
        C("skrq", "session_date", DATE), C("jc", "period", INT), C("kqzt", "status"), C("xs", "hours", INT),
    ), part="kq"),
    SourceTable("teaching_evaluations", "教务", JW_DB, "sqlite", (
        C("jxrwh", "offering_id"), C("xnxq", "term"), C("kcdm", "course_code"), C("jsgh", "staff_no"),
        C("cprs", "respondents", INT), C("pjdf", "score", D2),
    ), part="pj"),
    SourceTable("supervisor_observations", "教务", JW_DB, "sqlite", (
        C("tkjlh", "observation_id"), C("tkrq", "observed_on", DATE), C("xnxq", "term"),
        C("jxrwh", "offering_id"), C("kcdm", "course_code"), C("jsgh", "staff_no"),
        C("ddgh", "observer_staff_no"), C("pjdf", "score", D1), C("pjyj", "comment"),
    ), part="dd"),
    # ------------------------------------------------------------------ 人事 (xlsx, Chinese headers)
    SourceTable("departments", "人事", RS_XLSX, "xlsx", (
        C("部门代码", "dept_code"), C("部门名称", "dept_name"), C("部门类别", "dept_kind", Label("org_kind")),
        C("上级部门代码", "parent_code"),
    ), part="部门"),
    SourceTable("teachers", "人事", RS_XLSX, "xlsx", (
        C("工号", "staff_no"), C("姓名", "name"), C("性别", "gender", Label("gender")),
        C("出生年月", "birth_year", YEAR_OF_MONTH, extra="_birth_ym"),
        C("教师类别", "category", Label("teacher_category")), C("所在部门代码", "dept_code"),
        X("所在部门", "_dept_name"), X("教研室", "_section"),
        C("职称级别", "title_level", Label("title_level")), C("专业技术职务", "title_name"),
        C("最高学位", "degree", Label("degree")), C("最高学历", "education", Label("education")),
        C("双师型", "dual_qualified", YES_NO), C("发展阶段", "stage", Label("teacher_stage")),
        C("工作单位", "employer"), C("入职日期", "hire_date", DATE), C("高校教师资格证", "teaching_qualified", HAS_NOT),
    ), part="教职工"),
    SourceTable("teacher_training", "人事", RS_XLSX, "xlsx", (
        C("记录号", "record_id"), C("工号", "staff_no"), X("姓名", "_name"),
        C("培训类别", "training_kind", Label("training_kind")), C("培训项目", "title"),
        C("开始日期", "start_date", DATE), C("结束日期", "end_date", DATE), C("学时", "hours", D1),
    ), part="培训进修"),
    SourceTable("enterprise_practice", "人事", RS_XLSX, "xlsx", (
        C("记录号", "record_id"), C("工号", "staff_no"), X("姓名", "_name"), C("实践企业", "enterprise"),
        C("开始日期", "start_date", DATE), C("结束日期", "end_date", DATE), C("天数", "days", INT),
    ), part="企业实践"),
    SourceTable("research_outputs", "人事", RS_XLSX, "xlsx", (
        C("成果编号", "output_id"), C("第一完成人工号", "staff_no"), X("第一完成人", "_name"),
        C("成果类别", "kind", Label("research_kind")), C("成果级别", "grade", Label("research_grade")),
        C("成果名称", "title"), C("年度", "year", INT), C("经费（元）", "funding", D2),
    ), part="科研成果"),
    # ------------------------------------------------------------------ 学工 (xlsx)
    SourceTable("classes", "学工", XG_XLSX, "xlsx", (
        C("班级代码", "class_code"), C("班级名称", "class_name"), C("专业代码", "major_code"),
        C("年级", "cohort", INT), C("辅导员工号", "adviser_staff_no"), X("辅导员", "_adviser_name"),
    ), part="班级"),
    SourceTable("students", "学工", XG_XLSX, "xlsx", (
        C("学号", "student_no"), C("姓名", "name"), C("性别", "gender", Label("gender")),
        C("出生日期", "birth_date", DATE), C("专业代码", "major_code"), X("专业名称", "_major_name"),
        C("班级代码", "class_code"), X("班级名称", "_class_name"), C("年级", "cohort", INT),
        C("学籍状态", "status", Label("student_status")), C("学籍异动日期", "status_date", DATE),
        C("是否全日制", "full_time", YES_NO), C("家庭经济困难", "poverty", YES_NO), C("生源地", "origin_province"),
        C("校园卡号", "card_no"),
    ), part="学生名册"),
    SourceTable("awards", "学工", XG_XLSX, "xlsx", (
        C("记录号", "award_id"), C("学号", "student_no"), X("姓名", "_name"), X("班级", "_class_name"),
        C("学年", "academic_year", YEAR_LABEL), C("奖助类别", "award_kind", Label("award_kind")),
        C("奖助名称", "award_name"), C("金额（元）", "amount", D2), C("发放日期", "awarded_on", DATE),
    ), part="奖助"),
    SourceTable("discipline", "学工", XG_XLSX, "xlsx", (
        C("处分文号", "record_id"), C("学号", "student_no"), X("姓名", "_name"), C("处分日期", "decided_on", DATE),
        C("处分等级", "level", Label("discipline_level")), C("处分原因", "reason"), C("解除日期", "revoked_on", DATE),
    ), part="处分"),
    SourceTable("physical_tests", "学工", XG_XLSX, "xlsx", (
        C("学号", "student_no"), X("姓名", "_name"), C("测试学年", "academic_year", YEAR_LABEL),
        C("身高（厘米）", "height_cm", D1), C("体重（千克）", "weight_kg", D1),
        C("肺活量（毫升）", "vital_capacity", INT),
        C("耐力跑", "run_seconds", MIN_SEC), C("总分", "total_score", D1), C("等级", "grade", Label("fitness_grade")),
    ), part="体测"),
    # ------------------------------------------------------------------ 一卡通 and 后勤 (GBK CSV, CRLF)
    SourceTable("card_transactions", "一卡通", CARD_CSV, "csv", (
        C("流水号", "txn_id"), C("卡号", "card_no"), C("学工号", "student_no"), X("姓名", "_name"),
        C("交易时间", "txn_time", DATETIME), C("商户类型", "merchant_kind", Label("merchant_kind")),
        C("商户名称", "merchant_name"), C("交易金额", "amount", D2), C("卡余额", "balance", D2),
    ), encoding="gbk", newline="\r\n"),
    SourceTable("dorm_access", "后勤", DORM_CSV, "csv", (
        C("记录号", "access_id"), C("学号", "student_no"), X("姓名", "_name"), C("楼栋", "building"),
        C("通行时间", "access_time", DATETIME), C("方向", "direction", Label("access_direction")),
        X("设备", "_device"),
    ), encoding="gbk", newline="\r\n"),
    # ------------------------------------------------------------------ 图书 (UTF-8 with BOM), 心理 (UTF-8)
    SourceTable("library_visits", "图书", VISIT_CSV, "csv", (
        C("流水号", "visit_id"), C("读者证号", "reader_no"), X("读者类型", "_reader_type"),
        C("学工号", "student_no", when=("读者类型", "学生")), C("学工号", "staff_no", when=("读者类型", "教师")),
        X("姓名", "_name"), C("入馆时间", "visit_time", DATETIME), X("通道", "_gate"),
    ), encoding="utf-8-sig", newline="\r\n"),
    SourceTable("library_loans", "图书", LOAN_CSV, "csv", (
        C("借阅号", "loan_id"), C("读者证号", "reader_no"), X("读者类型", "_reader_type"),
        C("学工号", "student_no", when=("读者类型", "学生")), C("学工号", "staff_no", when=("读者类型", "教师")),
        X("姓名", "_name"), C("条码号", "barcode"), C("分类号", "clc_class"),
        C("操作", "action", Label("loan_action")), C("操作时间", "action_time", DATETIME),
    ), encoding="utf-8-sig", newline="\r\n"),
    SourceTable("psych_screenings", "心理健康", PSYCH_CSV, "csv", (
        C("测评编号", "screening_id"), C("学号", "student_no"), X("姓名", "_name"),
        C("测评日期", "screened_on", DATE), C("量表", "instrument"), C("总分", "score", D0),
        C("关注等级", "level", Label("psych_level")),
    )),
    # ------------------------------------------------------------------ 在线教学平台 (UTF-8 with BOM)
    SourceTable("online_learning", "在线教学", ONLINE_CSV, "csv", (
        C("平台", "platform"), C("课程ID", "platform_course_id"), C("课程名称", "course_name"),
        C("本校课程代码", "course_code"), C("学号", "student_no"), X("姓名", "_name"),
        C("学习日期", "study_date", DATE), C("学习时长（分钟）", "minutes", D0), C("访问次数", "clicks", INT),
        C("完成任务点", "tasks_done", INT),
    ), encoding="utf-8-sig", newline="\r\n"),
    # ------------------------------------------------------------------ 招生就业, 资产, 财务 (xlsx)
    SourceTable("admissions", "招生就业", ZJ_XLSX, "xlsx", (
        C("年度", "academic_year", INT), C("专业代码", "major_code"), X("专业名称", "_major_name"),
        C("生源省份", "province"), C("计划数", "plan", INT), C("录取数", "admitted", INT), C("报到数", "reported", INT),
    ), part="招生"),
    SourceTable("employment", "招生就业", ZJ_XLSX, "xlsx", (
        C("学号", "student_no"), X("姓名", "_name"), C("毕业年份", "graduation_year", INT),
        C("专业代码", "major_code"), C("毕业去向", "destination", Label("destination")),
        C("专业对口", "related", YES_NO), C("就业单位", "employer"), C("就业地区", "employer_region"),
        C("月起薪（元）", "starting_salary", D0), C("用人单位满意度", "employer_satisfaction", INT),
        C("调查日期", "surveyed_on", DATE),
    ), part="就业"),
    SourceTable("school_resources", "资产", ZC_XLSX, "xlsx", (
        C("学年", "academic_year", YEAR_LABEL), C("学校类别", "school_category", Label("school_category")),
        C("占地面积（平方米）", "land_area", D2), C("建筑面积（平方米）", "building_area", D2),
        C("教学及辅助、行政办公用房面积（平方米）", "teaching_admin_area", D2),
        C("学生宿舍面积（平方米）", "dorm_area", D2), C("实践场所面积（平方米）", "practice_area", D2),
        C("教学科研仪器设备资产总值（元）", "equipment_value", D2),
        C("当年新增教学科研仪器设备值（元）", "equipment_new_value", D2),
        C("图书总数（册）", "books", INT), C("当年新增图书（册）", "books_new", INT),
        C("教学用计算机（台）", "teaching_computers", INT),
        C("多媒体教室和语音实验室座位数（个）", "multimedia_seats", INT),
        C("校内实践教学工位数（个）", "practice_stations", INT),
    ), part="办学条件"),
    SourceTable("finance", "财务", ZC_XLSX, "xlsx", (
        C("年度", "year", INT), C("项目代码", "item_code"), X("项目名称", "_item_name"), C("金额（元）", "amount", D2),
    ), part="经费收支"),
)  # fmt: skip

SOURCES_BY_TABLE: dict[str, SourceTable] = {s.table: s for s in SOURCES}


def source_for(table: str) -> SourceTable:
    return SOURCES_BY_TABLE[table]


def files_of(source: SourceTable, terms: list[str]) -> list[str]:
    return [source.file.format(term=t) for t in terms] if source.per_term else [source.file]
