"""Every record accounted for: files with dirty quoting, through the real import.

For each generated file: records read = stored + rejected + unparsed; for a file with one record per
physical line and a header, read = lines − 1; and every reported 行号 is the physical line of the dirty
line (an editor's line number), never shifted by an earlier merge.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute

HEAD = "dept_code,dept_name,dept_kind,parent_code"


@dataclass
class Dirty:
    id: str
    lines: list[str]  # data lines (without the header); "\n" inside one means a value with a line break
    reported: set[int] = field(default_factory=set)  # physical lines that must be reported
    stored: int = 0
    newline: str = "\n"
    joins: int = 0  # records that span two physical lines

    def text(self) -> str:
        nl = self.newline
        return nl.join([HEAD, *self.lines]) + nl


def _clean(n: int, first: int = 1) -> list[str]:
    return [f"D{i:04d},部门{i},2," for i in range(first, first + n)]


def _cases() -> list[Dirty]:
    cases = []
    # An unclosed quote in the middle of a line: pyarrow joined everything to the next quote.
    lines = _clean(20)
    lines[4] = 'D0005,"教务处,2,'  # physical line 6: its fields run together
    lines[9] = 'D0010,"护理系"及其他,3,'  # a quote inside a value, closed: fine
    lines[14] = 'D0015,信息中心,5,"jwc'  # unclosed in the last field: read within the line
    cases.append(Dirty("unbalanced_quotes", lines, reported={6}, stored=19))
    # A value with a line break (as Excel writes it), then more records.
    lines = _clean(10)
    lines[3] = 'D0004,"医学\n检验系",3,'
    cases.append(Dirty("embedded_newline", lines, stored=10, joins=1))
    # The last field missing on some lines; one line cut off after two fields.
    lines = _clean(12)
    lines[2] = "D0003,部门3,2"
    lines[7] = "D0008,部门8,3"
    lines[10] = "D0011,部门11"
    cases.append(Dirty("missing_trailing_fields", lines, reported={12}, stored=11))
    # Extra delimiters: empty ones at the end are dropped, filled ones make the line no record.
    lines = _clean(10)
    lines[1] = "D0002,部门2,2,,,"
    lines[5] = "D0006,部门6,2,jwc,多余,内容"
    cases.append(Dirty("extra_delimiters", lines, reported={7}, stored=9))
    # CRLF and LF mixed, with a blank line.
    mixed = Dirty("crlf_lf_mix", [], stored=9)  # the blank line (6) is counted as unparsed, not an error
    body = [f"{line}\r" if i % 2 else line for i, line in enumerate(_clean(9))]
    body.insert(4, "")
    mixed.lines = body
    cases.append(mixed)
    return cases


CASES = _cases()


def _physical(text: str) -> int:
    return text.count("\n")


def _report_lines(run) -> set[int]:
    if not run.error_report:
        return set()
    book = load_workbook(store.root() / run.error_report, read_only=True)
    return {r[1] for r in list(book["错误明细"].iter_rows(values_only=True))[1:] if r[1] is not None}


@pytest.fixture
def source(db, data_dir):
    return SourceSystem.objects.create(code="dirty", name="导出文件", connector="files", invalid_policy="commit_valid")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_record_of_a_dirty_file_is_stored_rejected_or_reported(case: Dirty, source, tmp_path):
    path = tmp_path / f"{case.id}.csv"
    text = case.text()
    path.write_bytes(text.encode("utf-8"))
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    lines = _physical(text.replace("\r\n", "\n").replace("\r", "\n"))
    assert run.lines_total == lines
    assert run.records_read == run.records_stored + run.records_rejected + run.records_unparsed
    assert run.records_read == lines - 1 - case.joins  # one record per line, except the joined ones
    assert run.records_stored == case.stored, (run.decision, run.message)
    reported = _report_lines(run)
    assert reported == case.reported  # exactly the dirty lines, by their physical number
    assert all(n <= lines for n in reported)
    if case.id == "crlf_lf_mix":
        assert run.records_unparsed == 1 and "第 6 行是空行" in run.message
    if case.joins:
        assert "第 5–6 行是同一条记录" in run.message
    assert run.records_line.startswith(f"records: lines {lines}, read {run.records_read}, stored {case.stored}")


def test_the_cli_ends_with_the_records_line(db, data_dir, tmp_path):
    SourceSystem.objects.create(code="tushu", name="图书馆", connector="files", invalid_policy="commit_valid")
    path = tmp_path / "部门.csv"
    case = CASES[0]
    path.write_bytes(case.text().encode("gbk"))
    out = io.StringIO()
    call_command("import", "tushu", str(path), "--table", "departments", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last == "records: lines 21, read 20, stored 19, rejected 0, unparsed 1"


def test_a_utf8_file_with_gbk_lines_pasted_in_is_refused_naming_the_first_such_line(source, tmp_path):
    """A UTF-8 export (with its BOM) to which GBK lines were appended: no guess at what the bytes mean; the
    batch is refused, the message names the physical line, and nothing is stored."""
    path = tmp_path / "部门_合并.csv"
    utf8 = "".join(f"{line}\n" for line in [HEAD, *_clean(5)]).encode("utf-8")
    gbk = "".join(f"{line}\n" for line in _clean(3, first=6)).encode("gbk")
    path.write_bytes(b"\xef\xbb\xbf" + utf8 + gbk + "D0009,部门9,2,\n".encode())
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.status == "rejected"
    assert "编码混杂" in run.message and "第 7 行" in run.message  # header, 5 UTF-8 lines, then line 7 is GBK
    assert run.records_stored == 0 and store.current_version("departments") is None


@pytest.mark.slow
def test_a_million_lines_with_a_merge_near_the_end(source, tmp_path):
    """The quote left open near the end would have swallowed the last lines and shifted no number; here
    the line is reported by its own number and the rest are stored."""
    n = 1_000_000
    bad = n - 10  # data line index; its physical line is bad + 2
    path = tmp_path / "部门_百万行.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEAD + "\n")
        for i in range(n):
            fh.write(f'D{i:07d},"部门{i},2,\n' if i == bad else f"D{i:07d},部门{i},2,\n")
    # The whole batch is refused for the one bad line (so the million departments are not synced to
    # the registry): every other record is counted as rejected with the batch.
    source.invalid_policy = "reject_batch"
    source.save()
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert (run.lines_total, run.records_read) == (n + 1, n)
    assert (run.records_stored, run.records_rejected, run.records_unparsed) == (0, n - 1, 1)
    assert _report_lines(run) == {bad + 2}


@pytest.mark.parametrize("step", [1, 2, 3, 1 << 24])
def test_physical_lines_are_counted_as_an_editor_numbers_them(step):
    """CRLF, LF and a lone CR each end a line, also where a CRLF straddles two slices of the count."""
    from zhengai.datacenter.connectors.files.lines import count_lines, physical_lines

    for data in [b"", b"a", b"a\n", b"a\nb", b"a\r\nb\r\n", b"a\rb", b"a\r\n\r\nb", b"\n\n", b"x\r", b"a\r\nb\nc\rd"]:
        assert count_lines(data, step=step) == len(physical_lines(data.decode())), data


# A headerless export and one with English / pinyin headers: the same accounting, the same physical 行号.
NO_HEADER_LINES = [
    "D0001,部门1,2,",
    'D0002,"部门2,2,',  # line 2: an open quote runs its fields together
    "",  # line 3: blank
    "D0004,部门4,9,",  # line 4: no such 部门类别
    "D0005,部门5,3,",
]
ENGLISH_HEAD = "DEPT_CODE,DeptName,BMLB,SJBMDM,Status"
ENGLISH_LINES = ["D0001,部门1,2,,ok", "D0002,部门2,9,,ok", "D0003,部门3,2,,closed", "", "D0005,部门5,3,D0001,ok"]


def test_a_headerless_file_is_accounted_for_by_physical_line(source, tmp_path):
    from zhengai.datacenter.models import SourceMapping

    by_position = {"dept_code": "第1列", "dept_name": "第2列", "dept_kind": "第3列", "parent_code": "第4列"}
    SourceMapping.objects.create(source=source, table="departments", columns=by_position, header_row=0)
    path = tmp_path / "部门_无表头.csv"
    path.write_bytes("\r\n".join(NO_HEADER_LINES).encode("gbk") + b"\r\n")
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.lines_total == 5 and run.records_read == 5  # no header: every line is a record
    assert run.records_read == run.records_stored + run.records_rejected + run.records_unparsed
    assert (run.records_stored, run.records_rejected, run.records_unparsed) == (2, 1, 2), run.message
    assert _report_lines(run) == {2, 4}
    assert run.records_line == "records: lines 5, read 5, stored 2, rejected 1, unparsed 2"


def test_an_english_header_file_is_mapped_by_suggestion_and_accounted_for(source, tmp_path):
    from zhengai.datacenter.mapping import suggest
    from zhengai.datacenter.models import SourceMapping
    from zhengai.datacenter.rowfilters import parse_filters
    from zhengai.datacenter.standard import table

    columns = suggest(table("departments"), ENGLISH_HEAD.split(","))
    assert columns == {"dept_code": "DEPT_CODE", "dept_name": "DeptName", "dept_kind": "BMLB", "parent_code": "SJBMDM"}
    SourceMapping.objects.create(
        source=source, table="departments", columns=columns, filters=parse_filters("排除 Status 等于 closed")
    )
    path = tmp_path / "departments.csv"
    path.write_bytes("\n".join([ENGLISH_HEAD, *ENGLISH_LINES]).encode("utf-8") + b"\n")
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.lines_total == 6 and run.records_read == 5
    assert run.records_read == (run.records_stored + run.records_rejected + run.records_unparsed + run.records_filtered)
    assert (run.records_stored, run.records_rejected, run.records_unparsed, run.records_filtered) == (2, 1, 1, 1)
    assert _report_lines(run) == {3}  # D0002's 部门类别, on physical line 3
    assert "第 4 行" in run.message  # the filtered row, by its physical line
    assert run.records_line == "records: lines 6, read 5, stored 2, rejected 1, unparsed 1, filtered 1"
