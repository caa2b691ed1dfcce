"""The exports are deterministic and match the data standard once mapped back to standard fields."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections import Counter

import pytest

from zhengai.datacenter.standard import CODE_SETS, TABLES, FieldType, table
from zhengai.demo import services
from zhengai.demo.sources import SOURCES
from zhengai.demo.tests.conftest import SMALL
from zhengai.demo.writers import GROUND_TRUTH, MANIFEST, sha256_of

TYPES = {
    FieldType.STRING: str,
    FieldType.CODE: str,
    FieldType.INTEGER: int,
    FieldType.DECIMAL: (int, float),
    FieldType.DATE: dt.date,
    FieldType.DATETIME: dt.datetime,
    FieldType.BOOLEAN: bool,
}


def _manifest(out_dir) -> dict:
    return json.loads((out_dir / MANIFEST).read_text("utf-8"))


@pytest.mark.slow
def test_same_seed_and_today_write_byte_identical_files(exports, timeline, tmp_path):
    again = services.demo_exports_build(
        students=SMALL, seed=services.DEFAULT_SEED, out_dir=tmp_path, today=timeline.today
    )
    first, second = _manifest(exports), again.manifest
    assert first == second
    for entry in first["files"]:
        assert sha256_of(exports / entry["file"]) == sha256_of(tmp_path / entry["file"]) == entry["sha256"]
    assert (exports / MANIFEST).read_bytes() == (tmp_path / MANIFEST).read_bytes()


@pytest.mark.slow
def test_another_today_shifts_the_calendar(tmp_path):
    """Built on 15 March 2027 instead of 1 December 2026: the same three academic years, one more term
    begun, its first-attempt grades of the autumn in, and every planted problem moved to match."""
    a = services.demo_exports_build(students=300, seed=7, out_dir=tmp_path / "a", today=dt.date(2026, 12, 1))
    b = services.demo_exports_build(students=300, seed=7, out_dir=tmp_path / "b", today=dt.date(2027, 3, 15))
    assert a.manifest["today"] == "2026-12-01" and b.manifest["today"] == "2027-03-15"
    assert a.manifest["terms"] == ["2024-2025-1", "2024-2025-2", "2025-2026-1", "2025-2026-2", "2026-2027-1"]
    assert b.manifest["terms"] == [*a.manifest["terms"], "2026-2027-2"]
    periods = {p["id"]: p["latest_period"] for p in a.ground_truth["problems"]}
    later = {p["id"]: p["latest_period"] for p in b.ground_truth["problems"]}
    assert periods["course_low_pass_rate"] == "2025-2026-2" and later["course_low_pass_rate"] == "2026-2027-1"
    assert periods["major_student_teacher_ratio"] == later["major_student_teacher_ratio"] == "2026-2027"
    c = services.demo_exports_build(students=300, seed=7, out_dir=tmp_path / "c", today=dt.date(2027, 12, 1))
    assert c.manifest["terms"][0] == "2025-2026-1" and c.ground_truth["window"]["to"] == "2027-11-30"
    shifted = {p["id"]: p["latest_period"] for p in c.ground_truth["problems"]}
    assert shifted["major_student_teacher_ratio"] == "2027-2028" and shifted["major_low_employment"] == "2026-2027"
    for build, moment in ((a, "2026-12-01T08:00:00Z"), (b, "2027-03-15T08:00:00Z")):
        with zipfile.ZipFile(build.result.out_dir / "renshi.xlsx") as z:
            assert moment in z.read("docProps/core.xml").decode()


@pytest.mark.slow
def test_another_seed_writes_other_data(exports, timeline, tmp_path):
    other = services.demo_exports_build(
        students=SMALL, seed=services.DEFAULT_SEED + 1, out_dir=tmp_path, today=timeline.today
    )
    ours = {e["file"]: e["sha256"] for e in _manifest(exports)["files"]}
    theirs = {e["file"]: e["sha256"] for e in other.manifest["files"]}
    assert ours.keys() == theirs.keys()
    assert all(ours[name] != theirs[name] for name in ours)


def test_manifest_lists_every_file_with_size_and_hash_and_no_timestamps(exports):
    manifest = _manifest(exports)
    on_disk = {p.name for p in exports.iterdir()} - {MANIFEST}
    assert {e["file"] for e in manifest["files"]} == on_disk
    assert GROUND_TRUTH in on_disk and not any(name.endswith(".tmp") for name in on_disk)
    for entry in manifest["files"]:
        assert entry["bytes"] == (exports / entry["file"]).stat().st_size
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    assert manifest["seed"] == services.DEFAULT_SEED and manifest["students"] == SMALL
    text = (exports / MANIFEST).read_text("utf-8")
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text)
    assert not re.search(r"time|created|generated_at", text)


def test_xlsx_files_carry_fixed_dates_only(exports, timeline):
    moment = timeline.export_moment.isoformat() + "Z"
    for path in exports.glob("*.xlsx"):
        with zipfile.ZipFile(path) as z:
            assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode()
        assert re.findall(r"<dcterms:\w+ [^>]*>([^<]+)<", core) == [moment] * 2
        assert dt.datetime.fromtimestamp(path.stat().st_mtime).date() <= timeline.today  # the export moment


def test_gbk_exports_decode_as_gbk_and_are_not_utf8(exports, timeline):
    from zhengai.demo.generator.campus import sampled_terms

    gbk = [s for s in SOURCES if s.encoding == "gbk"]
    assert {s.system for s in gbk} == {"一卡通", "后勤"}
    for src in gbk:
        files = list(exports.glob(src.file.replace("{term}", "*")))
        assert len(files) == len(sampled_terms(timeline)) >= 4  # one per term with a sampled day before today
        for path in files:
            data = path.read_bytes()
            text = data.decode("gbk")
            assert re.search(r"[\u4e00-\u9fff]", text)
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert data.count(b"\r\n") == data.count(b"\n")  # Windows line ends
    for src in SOURCES:
        if src.encoding == "utf-8-sig":
            assert (exports / src.file).read_bytes().startswith(b"\xef\xbb\xbf")
        elif src.fmt == "csv" and src.encoding == "utf-8":
            data = (exports / src.file).read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")


def test_every_standard_table_is_exported_in_source_form():
    assert {s.table for s in SOURCES} == {t.name for t in TABLES}
    for src in SOURCES:
        fields = {c.field for c in src.mapped}
        standard = table(src.table)
        assert fields <= set(standard.field_index), src.table
        assert {f.name for f in standard.fields if f.required} <= fields, src.table
        # a source speaks its own language: no source column is named like the standard field
        assert not any(c.header == c.field for c in src.columns), src.table


@pytest.mark.slow
def test_exports_hold_valid_rows_for_every_standard_table(tables):
    """Read back through the mappings, every table has rows that satisfy the standard."""
    for t in TABLES:
        data = tables(t.name)
        n = len(next(iter(data.values())))
        assert n > 0, f"{t.name} 没有数据"
        for f in t.fields:
            if f.name not in data:
                continue
            values = [v for v in data[f.name] if v is not None]
            if f.required:
                assert len(values) == n, f"{t.name}.{f.name} 必填但有空值"
            for v in values:
                assert isinstance(v, TYPES[f.type]), f"{t.name}.{f.name} 类型不符：{v!r}"
            if f.code_set:
                unknown = set(values) - CODE_SETS[f.code_set].code_values
                assert not unknown, f"{t.name}.{f.name} 有代码集外的值 {sorted(unknown)[:5]}"
            if f.max_length and f.type == FieldType.STRING:
                assert all(len(v) <= f.max_length for v in values), f"{t.name}.{f.name} 超长"
            if f.min_value is not None and f.type in (FieldType.INTEGER, FieldType.DECIMAL):
                assert min(values) >= f.min_value, f"{t.name}.{f.name} 小于 {f.min_value}"
            if f.max_value is not None and f.type in (FieldType.INTEGER, FieldType.DECIMAL):
                assert max(values) <= f.max_value, f"{t.name}.{f.name} 大于 {f.max_value}"
            if f.references:
                ref_table, ref_field = f.references.split(".")
                known = set(tables(ref_table)[ref_field])
                missing = set(values) - known
                assert not missing, f"{t.name}.{f.name} 引用不存在：{sorted(missing)[:5]}"
        keys = Counter(zip(*(data[k] for k in t.primary_key), strict=True))
        assert max(keys.values()) == 1, f"{t.name} 主键重复"


def test_exports_have_believable_volumes(small_build):
    from zhengai.demo.generator.school import finance_years, resource_years

    tl = small_build.college.timeline
    rows = small_build.manifest["row_counts"]
    students_in_school = SMALL
    assert rows["students"] > students_in_school  # graduates and leavers stay on the roster
    assert 10 <= rows["grades"] / students_in_school / 3 <= 40  # per student per year, make-ups included
    assert rows["card_transactions"] > rows["dorm_access"] * 0.5
    assert rows["school_resources"] == len(resource_years(tl))
    assert rows["finance"] == len(finance_years(tl)) * len(CODE_SETS["finance_item"].codes)
