"""A corpus of bad (and nearly bad) files, built by the tests in a temporary folder; nothing binary is committed.

Each `Case` says which standard table the file is imported as, how to write it, and what must come
out: for a file that cannot be read, a Chinese message naming the file (`message`); for rows that
are wrong, the exact problems in the error report (`errors`: row, field, a piece of the reason);
for the positive controls (`ok`), that it imports, with a notice where the file was unusual.

The source `corpus` rejects a batch with any invalid row (reject_batch), so every bad file must
leave the data center exactly as it was (`fingerprint`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import xlsxwriter

from zhengai.datacenter import store
from zhengai.datacenter.models import DatasetVersion, SourceMapping, SourceSystem
from zhengai.datacenter.standard import table as standard_table

# ------------------------------------------------------------------------------------------ the source

# Source column → standard field, per table: the Chinese headers a clerk's export has.
COLUMNS: dict[str, dict[str, str]] = {
    "departments": {
        "dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "部门类别", "parent_code": "上级部门",
    },
    "teachers": {
        "staff_no": "工号", "name": "姓名", "gender": "性别", "birth_year": "出生年份", "category": "教师类别",
        "dept_code": "部门代码", "title_level": "职称级别", "degree": "学位", "education": "学历",
        "dual_qualified": "双师型", "hire_date": "入职日期",
    },
    "majors": {"major_code": "专业代码", "major_name": "专业名称", "dept_code": "系部代码", "tier": "专业类别",
               "duration": "修业年限", "enrolling": "当年招生"},
    "classes": {"class_code": "班级代码", "class_name": "班级名称", "major_code": "专业代码", "cohort": "年级"},
    "students": {"student_no": "学号", "name": "姓名", "gender": "性别", "birth_date": "出生日期",
                 "major_code": "专业代码", "class_code": "班级代码", "cohort": "年级", "status": "学籍状态",
                 "full_time": "全日制"},
    "courses": {"course_code": "课程代码", "course_name": "课程名称", "course_kind": "课程类型",
                "dept_code": "开课部门", "theory_hours": "理论学时", "practice_hours": "实践学时", "credits": "学分"},
    "grades": {"student_no": "学号", "course_code": "课程代码", "term": "学期", "exam_kind": "考试类别",
               "score": "成绩", "passed": "及格", "credits": "学分", "exam_flag": "考试情况", "exam_date": "考试日期"},
}  # fmt: skip
TEACHER_SHEET = "教师名册"


def corpus_source() -> SourceSystem:
    """The source every corpus file is imported from: files, a whole batch rejected for one bad row."""
    source = SourceSystem.objects.create(
        code="corpus", name="测试数据源", connector="files", invalid_policy="reject_batch"
    )
    for order, (name, columns) in enumerate(COLUMNS.items()):
        locator = f"*#{TEACHER_SHEET}" if name == "teachers" else "*"
        SourceMapping.objects.create(source=source, table=name, columns=columns, locator=locator, order=order)
    return source


def header(name: str) -> list[str]:
    return list(COLUMNS[name].values())


def fingerprint() -> str:
    """Every byte of the stored tables and the manifest: what a reader could ever see."""
    digest = hashlib.sha256()
    base = store.root() / "tables"
    for path in sorted(base.rglob("*")) if base.exists() else []:
        digest.update(str(path.relative_to(base)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    for row in DatasetVersion.objects.order_by("table", "version").values_list("table", "version", "files"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ writing files


def csv_text(rows: list[list[str]], *, newline: str = "\r\n") -> str:
    return "".join(",".join(r) + newline for r in rows)


def write_text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(text.encode(encoding))

    return build


def write_bytes(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


def write_xlsx(
    rows: list[list[object]],
    *,
    sheet: str = TEACHER_SHEET,
    above: list[list[object]] = (),
    merge_above: bool = True,
    formulas: dict[tuple[int, int], tuple[str, object]] | None = None,
    extra_sheets: tuple[str, ...] = (),
) -> Callable[[Path], None]:
    """An xlsx with `above` rows (titles, merged across the table) over `rows`.

    `formulas` maps (row index in `rows`, column) to (formula, saved result; "" saves none).
    """

    def build(path: Path) -> None:
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet(sheet)
        title = wb.add_format({"bold": True, "align": "center"})
        width = max((len(r) for r in rows), default=1)
        for r, row in enumerate(above):
            if merge_above and len(row) == 1:
                ws.merge_range(r, 0, r, width - 1, row[0], title)
            else:
                ws.write_row(r, 0, row)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if formulas and (r, c) in formulas:
                    formula, result = formulas[(r, c)]
                    ws.write_formula(len(above) + r, c, formula, None, result)
                elif value is not None:
                    ws.write(len(above) + r, c, value)
        for name in extra_sheets:
            wb.add_worksheet(name)
        wb.close()

    return build


def truncated(build: Callable[[Path], None], keep: float | int) -> Callable[[Path], None]:
    """The file `build` writes, cut off: `keep` bytes, or a fraction of them."""

    def cut(path: Path) -> None:
        build(path)
        data = path.read_bytes()
        n = keep if isinstance(keep, int) else int(len(data) * keep)
        path.write_bytes(data[:n])

    return cut


# ------------------------------------------------------------------------------------------ reference data


DEPARTMENTS = [
    ["xxgc", "信息工程系", "教学系部", ""],
    ["hlx", "护理系", "教学系部", ""],
    ["jwc", "教务处", "职能处室", ""],
]
ROSTERS: dict[str, list[list[str]]] = {
    "departments": DEPARTMENTS,
    "majors": [["510203", "软件技术", "xxgc", "省级重点", "3", "是"], ["520201", "护理", "hlx", "院级重点", "3", "是"]],
    "classes": [["RJ2401", "软件2401", "510203", "2024"], ["HL2401", "护理2401", "520201", "2024"]],
    "students": [
        ["2024010101", "赵一", "男", "2006-03-01", "510203", "RJ2401", "2024", "在读", "是"],
        ["2024010102", "钱二", "女", "2006-05-12", "510203", "RJ2401", "2024", "在读", "是"],
        ["2024020101", "周五", "女", "2005-11-30", "520201", "HL2401", "2024", "在读", "是"],
    ],
    "courses": [
        ["C-PRG", "程序设计基础", "专业核心课", "xxgc", "32", "32", "4"],
        ["C-NUR", "基础护理", "专业核心课", "hlx", "48", "16", "3.5"],
    ],
}
NEEDS = {
    "departments": ("departments",),
    "grades": ("departments", "majors", "classes", "students", "courses"),
}


def load_references(source: SourceSystem, folder: Path, tables: tuple[str, ...]) -> None:
    """Import small rosters first (through the pipeline), so references have something to point at."""
    from zhengai.datacenter.choices import RunStatus
    from zhengai.datacenter.services import import_run_create, import_run_execute

    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        path = folder / f"参照_{name}.csv"
        path.write_text(csv_text([header(name), *ROSTERS[name]]), encoding="utf-8")
        run = import_run_execute(run=import_run_create(source=source, table=name, paths=[path]))
        assert run.status == RunStatus.COMMITTED, (name, run.message, run.decision)


# ------------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Problem:
    """One row of the error report that must be there: row, field and a piece of the reason."""

    row: int
    field: str  # "出生年份（birth_year）", "整行", "主键（工号）"
    reason: str
    value: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    table: str
    file: str
    build: Callable[[Path], None]
    message: str = ""  # whole-file problem: a piece of run.message
    errors: tuple[Problem, ...] = ()  # row problems: exactly these, in the error report
    ok: bool = False  # positive control: imports
    notice: str = ""  # a piece of run.message for the positive controls
    check: Callable[[], None] | None = None  # more assertions on what was imported
    needs: tuple[str, ...] = ()
    slow: bool = False
    extra: dict = field(default_factory=dict)


T_HEAD = header("teachers")
T1 = ["T001", "王芳", "女", "1980", "校内专任教师", "", "副高级", "硕士", "研究生", "是", "2010-09-01"]
T2 = ["T002", "李强", "男", "1975", "1", "", "2", "1", "10", "否", "2005-07-15"]
T3 = ["T003", "张敏", "女", "1988", "校外兼职教师", "", "中级", "学士", "大学本科", "否", ""]
TEACHERS = [T1, T2, T3]


def teachers_csv(*rows: list[str], encoding: str = "utf-8", head: list[str] = T_HEAD) -> Callable[[Path], None]:
    return write_text(csv_text([head, *rows]), encoding)


def with_value(row: list[str], column: str, value: str) -> list[str]:
    out = list(row)
    out[T_HEAD.index(column)] = value
    return out


def stored(name: str) -> list[dict]:
    return store.read_table(standard_table(name)).to_pylist()


def _stored_teacher(staff_no: str) -> dict:
    rows = [r for r in stored("teachers") if r["staff_no"] == staff_no]
    assert rows, f"没有入库教师 {staff_no}"
    return rows[0]


def expect_rows(name: str, n: int) -> None:
    assert len(stored(name)) == n, (name, len(stored(name)), n)


def expect_course(code: str, **values) -> None:
    rows = [r for r in stored("courses") if r["course_code"] == code]
    assert rows, f"没有入库课程 {code}"
    for key, value in values.items():
        assert rows[0][key] == value, (key, rows[0][key], value)


def expect_teacher(staff_no: str, **values) -> Callable[[], None]:
    def check() -> None:
        row = _stored_teacher(staff_no)
        for key, value in values.items():
            assert row[key] == value, (key, row[key], value)

    return check


BIG5_TEXT = csv_text([
    ["工號", "姓名", "性別", "出生年份", "教師類別", "部門代碼", "職稱級別", "學位", "學歷", "雙師型", "入職日期"],
    ["T001", "王芳", "女", "1980", "校內專任教師", "", "副高級", "碩士", "研究生", "是", "2010-09-01"],
    ["T002", "陳強", "男", "1975", "校外兼職教師", "", "中級", "學士", "大學本科", "否", ""],
])  # fmt: skip
SJIS_TEXT = csv_text([
    ["職員番号", "氏名", "性別", "生年", "教員区分", "部門コード", "職階", "学位", "学歴", "実務家教員", "採用日"],
    ["T001", "山田花子", "女", "1980", "専任教員", "", "准教授", "修士", "大学院", "はい", "2010-09-01"],
])  # fmt: skip
DEPT_HEAD = header("departments")


def _big_departments(path: Path, rows: int = 1_000_000, bad_row: int = 999_990) -> None:
    """A million departments as CSV (fast, with pyarrow); line `bad_row` has an unknown 部门类别."""
    codes = pc.binary_join_element_wise("D", pc.utf8_lpad(pc.cast(pa.array(np.arange(rows)), pa.string()), 7, "0"), "")
    kinds = np.array(["教学系部", "职能处室", "3", "2"])[np.arange(rows) % 4].astype(object)
    kinds[bad_row - 2] = "系部?"
    data = pa.table(
        {
            "部门代码": codes,
            "部门名称": pc.binary_join_element_wise("部门", pc.cast(pa.array(np.arange(rows)), pa.string()), ""),
            "部门类别": pa.array(kinds, pa.string()),
            "上级部门": pa.nulls(rows, pa.string()),
        }
    )
    pv.write_csv(data, path, write_options=pv.WriteOptions(quoting_style="none"))


def _xlsx_renamed_as_csv(path: Path) -> None:
    write_xlsx([T_HEAD, T1])(path.with_suffix(".tmp.xlsx"))
    path.write_bytes(path.with_suffix(".tmp.xlsx").read_bytes())


def _docx_as_xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")


OLE2_JUNK = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40
BINARY_JUNK = bytes(np.random.default_rng(7).integers(0, 256, 6000, dtype=np.uint8))
GRADE_HEAD = header("grades")
GRADE = ["2024010101", "C-PRG", "2024-2025-1", "正常考试", "86", "是", "4", "正常", "2025-01-10"]


def _grade(**changes: str) -> list[str]:
    row = list(GRADE)
    fields = list(COLUMNS["grades"])
    for name, value in changes.items():
        row[fields.index(name)] = value
    return row


CASES: list[Case] = [
    # ---------------------------------------------------------------- encodings
    Case("big5", "teachers", "教师_big5.csv", write_text(BIG5_TEXT, "big5"),
         message="无法识别编码：既不是 UTF-8 也不是 GBK/GB18030（按 GBK 读出来是乱码，可能是繁体 Big5"),
    Case("shift_jis", "teachers", "教师_sjis.csv", write_text(SJIS_TEXT, "shift_jis"),
         message="无法识别编码：既不是 UTF-8 也不是 GBK/GB18030"),
    Case("mixed_utf8_then_gbk", "departments", "部门_混合1.csv",
         write_bytes(csv_text([DEPT_HEAD, *DEPARTMENTS[:2]]).encode() + csv_text(DEPARTMENTS[2:]).encode("gbk")),
         message="编码混杂：前 3 行是 UTF-8 编码，第 4 行不是"),
    Case("mixed_gbk_then_utf8", "departments", "部门_混合2.csv",
         write_bytes(csv_text([DEPT_HEAD, *DEPARTMENTS, ["zkzx", "质控中心", "质控机构", ""]]).encode("gbk")
                     + csv_text([["jcb", "公共基础部", "教学系部", ""]]).encode()),
         message="编码混杂：大部分行是 GBK 编码，第 6 行却是 UTF-8 编码"),
    Case("utf8_bom_ok", "departments", "部门_bom.csv", write_text(csv_text([DEPT_HEAD, *DEPARTMENTS]), "utf-8-sig"),
         ok=True, notice="编码：UTF-8（带 BOM）", check=lambda: expect_rows("departments", 3)),
    Case("gbk_ok", "departments", "部门_gbk.csv", write_text(csv_text([DEPT_HEAD, *DEPARTMENTS]), "gbk"),
         ok=True, notice="编码：GBK/GB18030"),
    Case("utf16_bom_ok", "departments", "部门_utf16.csv", write_text(csv_text([DEPT_HEAD, *DEPARTMENTS]), "utf-16"),
         ok=True, notice="编码：UTF-16"),
    Case("utf16_tab_text_ok", "departments", "部门_unicode文本.txt",
         write_text("".join("\t".join(r) + "\r\n" for r in [DEPT_HEAD, *DEPARTMENTS]), "utf-16"),
         ok=True, notice="编码：UTF-16"),
    Case("utf16_without_bom", "departments", "部门_utf16le.csv",
         write_text(csv_text([DEPT_HEAD, *DEPARTMENTS]), "utf-16-le"),
         message="看起来是 UTF-16 编码，但开头没有 BOM 标记"),
    # ---------------------------------------------------------------- what is not a CSV / xlsx at all
    Case("xls_renamed_xlsx", "teachers", "教师.xlsx", write_bytes(OLE2_JUNK),
         message="不是 xlsx 工作簿：它实际上是 Excel 97-2003 工作簿（.xls）或 Word 文档等旧版 Office 文件"),
    Case("xls_renamed_csv", "teachers", "教师_xls.csv", write_bytes(OLE2_JUNK),
         message="不是 CSV 文本文件：它实际上是Excel 97-2003 工作簿（.xls）或 Word 文档（.doc）等旧版 Office 文件"),
    Case("binary_junk_csv", "teachers", "教师_乱码.csv", write_bytes(BINARY_JUNK),
         message="不是 CSV 文本文件（含有二进制内容）"),
    Case("xlsx_renamed_csv", "teachers", "教师_实为xlsx.csv", _xlsx_renamed_as_csv,
         message="实际上是xlsx、docx 等压缩格式的文件"),
    Case("docx_renamed_xlsx", "teachers", "教师_实为docx.xlsx", _docx_as_xlsx,
         message="不是 Excel 工作簿，而是Word 文档"),
    Case("csv_renamed_xlsx", "teachers", "教师_实为csv.xlsx", teachers_csv(*TEACHERS),
         message="不是 xlsx 工作簿，而是文本文件（可能是 CSV）"),
    Case("truncated_xlsx", "teachers", "教师_截断.xlsx", truncated(write_xlsx([T_HEAD, *TEACHERS]), 0.5),
         message="已损坏或不完整"),
    # ---------------------------------------------------------------- empty files
    Case("empty_0_bytes", "departments", "部门_空.csv", write_bytes(b""), message="是空的，没有任何内容"),
    Case("whitespace_only", "departments", "部门_空白.csv", write_bytes(b" \r\n\t\r\n   \r\n"),
         message="是空的，没有任何内容"),
    Case("header_only", "departments", "部门_只有表头.csv", write_text(csv_text([DEPT_HEAD]), "gbk"),
         message="只有表头，没有数据行"),
    Case("blank_lines_after_header", "departments", "部门_空行.csv",
         write_text(csv_text([DEPT_HEAD]) + "\r\n\r\n,,,\r\n\r\n"),
         message="表头（第 1 行）之后只有空行，没有数据行"),
    Case("header_only_xlsx", "teachers", "教师_只有表头.xlsx", write_xlsx([T_HEAD]), message="只有表头，没有数据行"),
    Case("empty_sheet_xlsx", "teachers", "教师_空表.xlsx", write_xlsx([]), message="是空的，没有任何内容"),
    Case("empty_xlsx_0_bytes", "teachers", "教师_0字节.xlsx", write_bytes(b""), message="是空的（0 字节）"),
    Case("wrong_sheet", "teachers", "教师_工作表名.xlsx",
         write_xlsx([T_HEAD, *TEACHERS], sheet="Sheet1", extra_sheets=("说明",)),
         message="中没有工作表“教师名册”（现有：Sheet1、说明）"),
    # ---------------------------------------------------------------- headers
    Case("missing_column", "teachers", "教师_缺列.csv",
         teachers_csv(*(r[:-3] + r[-2:] for r in TEACHERS), head=T_HEAD[:-3] + T_HEAD[-2:]),
         message="缺少列：学历（表头在第 1 行）"),
    Case("duplicated_column", "teachers", "教师_重复列.csv",
         teachers_csv(*([*r, r[1]] for r in TEACHERS), head=[*T_HEAD, "姓名"]),
         message="第 1 行表头中列“姓名”出现了两次（第 2 列和第 12 列）"),
    Case("wrong_file_for_table", "teachers", "教师_其实是部门.csv", write_text(csv_text([DEPT_HEAD, *DEPARTMENTS])),
         message="缺少列：工号、姓名、性别"),
    Case("extra_columns_ok", "teachers", "教师_多列.csv",
         teachers_csv(*([*r, "", "138"] for r in TEACHERS), head=[*T_HEAD, "备注", "手机号"]),
         ok=True, notice="有未映射的列，已忽略：备注、手机号"),
    Case("csv_title_row_ok", "teachers", "教师_标题行.csv",
         write_text(csv_text([["2024年教职工名册", *[""] * 10], T_HEAD, *TEACHERS]), "gbk"),
         ok=True, notice="表头在第 2 行（前面的 1 行是标题或合并表头，已跳过）",
         check=expect_teacher("T002", birth_year=1975, hire_date=dt.date(2005, 7, 15))),
    Case("xlsx_merged_header_ok", "teachers", "教师_合并表头.xlsx",
         write_xlsx([T_HEAD, *TEACHERS], above=[["2024年教职工名册"], ["基本信息", "", "", "", "任职信息"]],
                    merge_above=True),
         ok=True, notice="表头在第 3 行（前面的 2 行是标题或合并表头，已跳过）",
         check=expect_teacher("T003", name="张敏", category="3")),
    # ---------------------------------------------------------------- values
    Case("text_in_integer", "teachers", "教师_年份文字.csv",
         teachers_csv(T1, with_value(T2, "出生年份", "一九七五"), T3),
         errors=(Problem(3, "出生年份（birth_year）", "不是整数", "一九七五"),)),
    Case("text_in_decimal", "courses", "课程_学分文字.csv",
         write_text(csv_text([header("courses"), ROSTERS["courses"][0], ["C-DB", "数据库应用", "2", "xxgc", "32", "16",
                                                                          "三学分"]])),
         errors=(Problem(3, "学分（credits）", "不是数值", "三学分"),), needs=NEEDS["departments"]),
    Case("impossible_dates", "teachers", "教师_日期.csv",
         teachers_csv(with_value(T1, "入职日期", "2024-13-45"), with_value(T2, "入职日期", "2023年2月30日"),
                      with_value(T3, "入职日期", "2024-02-30")),
         errors=(Problem(2, "入职日期（hire_date）", "日期不存在", "2024-13-45"),
                 Problem(3, "入职日期（hire_date）", "日期不存在", "2023年2月30日"),
                 Problem(4, "入职日期（hire_date）", "日期不存在", "2024-02-30"))),
    Case("not_a_date", "teachers", "教师_日期文字.csv", teachers_csv(T1, with_value(T2, "入职日期", "去年九月"), T3),
         errors=(Problem(3, "入职日期（hire_date）", "不是有效日期（应为 2024-09-01 这样的格式）", "去年九月"),)),
    Case("excel_serial_dates_ok", "teachers", "教师_日期序号.xlsx",
         write_xlsx([T_HEAD, with_value(T1, "入职日期", 45536), with_value(T2, "入职日期", "45537"), T3]),
         ok=True, check=lambda: [expect_teacher("T001", hire_date=dt.date(2024, 9, 1))(),
                                 expect_teacher("T002", hire_date=dt.date(2024, 9, 2))()]),
    Case("excel_serial_csv_ok", "teachers", "教师_日期序号.csv", teachers_csv(with_value(T1, "入职日期", "45536"), T2),
         ok=True, check=expect_teacher("T001", hire_date=dt.date(2024, 9, 1))),
    Case("excel_serial_out_of_range", "teachers", "教师_日期序号超界.xlsx",
         write_xlsx([T_HEAD, with_value(T1, "入职日期", 99999), T2]),
         errors=(Problem(2, "入职日期（hire_date）", "是 Excel 日期序号，但超出范围", "99999"),)),
    Case("datetime_in_date_field", "teachers", "教师_日期带时间.csv",
         teachers_csv(with_value(T1, "入职日期", "2010-09-01 00:00:00"),
                      with_value(T2, "入职日期", "2005-07-15 08:30:00")),
         errors=(Problem(3, "入职日期（hire_date）", "该字段是日期，不应包含时间", "2005-07-15 08:30:00"),)),
    Case("fullwidth_then_range_checked", "teachers", "教师_全角.csv",
         teachers_csv(with_value(with_value(T1, "工号", "Ｔ００４"), "出生年份", "１２３４"),
                      with_value(T2, "出生年份", "　１９８５　")),
         errors=(Problem(2, "出生年份（birth_year）", "超出允许范围（1940—2010）", "1234"),)),
    Case("fullwidth_ok", "teachers", "教师_全角数字.csv",
         teachers_csv(with_value(with_value(T1, "工号", "Ｔ００４"), "出生年份", "１９８０"),
                      with_value(T2, "出生年份", "　１９８５　")),
         ok=True, check=lambda: [expect_teacher("T004", birth_year=1980)(), expect_teacher("T002", birth_year=1985)()]),
    Case("fullwidth_123_ok", "courses", "课程_全角.csv",
         write_text(csv_text([header("courses"), ["Ｃ－ＤＢ", "数据库应用", "2", "xxgc", "１２３", "１６", "２．５"]])),
         ok=True, needs=NEEDS["departments"],
         check=lambda: expect_course("C-DB", theory_hours=123, practice_hours=16, credits=2.5)),
    Case("negative_number", "courses", "课程_负学时.csv",
         write_text(csv_text([header("courses"), ["C-DB", "数据库应用", "2", "xxgc", "-4", "16", "2"]])),
         errors=(Problem(2, "理论学时（theory_hours）", "超出允许范围（0—400学时）", "-4"),),
         needs=NEEDS["departments"]),
    Case("out_of_range", "teachers", "教师_年份超界.csv", teachers_csv(with_value(T1, "出生年份", "1900"), T2),
         errors=(Problem(2, "出生年份（birth_year）", "超出允许范围（1940—2010）", "1900"),)),
    Case("too_long", "teachers", "教师_姓名过长.csv", teachers_csv(T1, with_value(T2, "姓名", "李" * 40)),
         errors=(Problem(3, "姓名（name）", "超过 32 个字符"),)),
    Case("required_blank", "teachers", "教师_缺姓名.csv", teachers_csv(T1, with_value(T2, "姓名", "  "), T3),
         errors=(Problem(3, "姓名（name）", "必填字段为空"),)),
    Case("boolean_maybe", "teachers", "教师_双师型.csv", teachers_csv(T1, T2, with_value(T3, "双师型", "也许")),
         errors=(Problem(4, "双师型（dual_qualified）", "应为“是”或“否”", "也许"),)),
    Case("unknown_code", "teachers", "教师_类别.csv", teachers_csv(with_value(T1, "教师类别", "外聘"), T2),
         errors=(Problem(2, "教师类别（category）", "不在代码集“教师类别”中", "外聘"),)),
    Case("huge_integer", "teachers", "教师_超大数.csv",
         teachers_csv(with_value(T1, "出生年份", "99999999999999999999"), T2),
         errors=(Problem(2, "出生年份（birth_year）", "不是整数"),)),
    # ---------------------------------------------------------------- keys and references
    Case("duplicate_key_two_rows", "teachers", "教师_重复工号.csv",
         teachers_csv(T1, T2, with_value(T3, "工号", "T001")),
         errors=(Problem(2, "主键（工号）", "主键（工号）重复：共 2 行相同（第 2、4 行）", "T001"),
                 Problem(4, "主键（工号）", "主键（工号）重复：共 2 行相同（第 2、4 行）", "T001"))),
    Case("duplicate_key_three_rows", "teachers", "教师_三行重复.csv",
         teachers_csv(T1, with_value(T2, "工号", "T001"), T3, with_value(T3, "工号", "T001")),
         errors=tuple(Problem(r, "主键（工号）", "共 3 行相同（第 2、3、5 行）", "T001") for r in (2, 3, 5))),
    Case("dangling_department", "teachers", "教师_部门不存在.csv",
         teachers_csv(with_value(T1, "部门代码", "hlx"), with_value(T2, "部门代码", "nope")),
         errors=(Problem(3, "部门代码（dept_code）", "引用的部门不存在", "nope"),), needs=NEEDS["departments"]),
    Case("dangling_student", "grades", "成绩_学号不存在.csv",
         write_text(csv_text([GRADE_HEAD, GRADE, _grade(student_no="2099999999")])),
         errors=(Problem(3, "学号（student_no）", "引用的学生不存在", "2099999999"),), needs=NEEDS["grades"]),
    Case("grades_ok", "grades", "成绩.csv",
         write_text(csv_text([GRADE_HEAD, GRADE, _grade(course_code="C-NUR", score="59", passed="否")]), "gbk"),
         ok=True, needs=NEEDS["grades"]),
    Case("grade_text_score", "grades", "成绩_文字.csv",
         write_text(csv_text([GRADE_HEAD, GRADE, _grade(course_code="C-NUR", score="优秀")])),
         errors=(Problem(3, "成绩（score）", "不是数值", "优秀"),), needs=NEEDS["grades"]),
    # ---------------------------------------------------------------- broken rows
    Case("truncated_csv", "teachers", "教师_截断.csv",
         truncated(teachers_csv(*TEACHERS), len(csv_text([T_HEAD, T1, T2]).encode()) + len("T003,张敏,女".encode())),
         errors=(Problem(4, "整行", "该行只有 3 列，表头有 11 列（该行不完整：文件可能被截断"),)),
    Case("truncated_mid_character", "teachers", "教师_截断半字.csv",
         truncated(teachers_csv(*TEACHERS), len(csv_text([T_HEAD, T1, T2]).encode()) + len("T003,张".encode()) - 1),
         errors=(Problem(4, "整行", "文件在这一行中途结束（最后一个字符不完整）"),)),
    Case("truncated_gbk_mid_character", "teachers", "教师_截断半字_gbk.csv",
         truncated(teachers_csv(*TEACHERS, encoding="gbk"),
                   len(csv_text([T_HEAD, T1, T2]).encode("gbk")) + len("T003,张".encode("gbk")) - 1),
         errors=(Problem(4, "整行", "文件在这一行中途结束（最后一个字符不完整）"),)),
    Case("unquoted_comma", "teachers", "教师_多逗号.csv", teachers_csv(T1, with_value(T2, "姓名", "李,强"), T3),
         errors=(Problem(3, "整行", "该行有 12 列，表头只有 11 列（内容中可能有未加引号的逗号"),)),
    # ---------------------------------------------------------------- xlsx formulas
    Case("formula_cached_ok", "teachers", "教师_公式.xlsx",
         write_xlsx([T_HEAD, T1, T2], formulas={(1, 1): ('="王"&"芳"', "王芳"), (2, 3): ("=1970+5", 1975)}),
         ok=True, check=lambda: [expect_teacher("T001", name="王芳")(), expect_teacher("T002", birth_year=1975)()]),
    Case("formula_without_result", "teachers", "教师_公式无结果.xlsx",
         write_xlsx([T_HEAD, T1, T2], formulas={(2, 1): ('="李"&"强"', "")}),
         errors=(Problem(3, "姓名（name）", "单元格 B3 是公式单元格，文件里没有保存公式的计算结果"),)),
    # ---------------------------------------------------------------- a million rows, one bad
    Case("million_rows_one_bad", "departments", "部门_百万行.csv", _big_departments,
         errors=(Problem(999_990, "部门类别（dept_kind）", "不在代码集“部门类别”中", "系部?"),), slow=True),
]  # fmt: skip

__all__ = ["CASES", "Case", "Problem", "corpus_source", "fingerprint", "load_references"]
