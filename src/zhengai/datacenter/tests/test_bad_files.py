"""Every file of the bad-file corpus, imported through the real pipeline.

A rejected file must be rejected with a Chinese message that names the file (and, for problems in
rows, the row and the field, in the xlsx error report), and must leave the data center byte for
byte as it was. The positive controls must import.
"""

from __future__ import annotations

import time

import pytest
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.tests.corpus import CASES, Case, corpus_source, fingerprint, load_references


@pytest.fixture
def source(db, data_dir):
    return corpus_source()


def _report_rows(run) -> list[tuple]:
    assert run.error_report, f"没有错误报告：{run.message} {run.decision}"
    book = load_workbook(store.root() / run.error_report, read_only=True)
    rows = list(book["错误明细"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "行号", "字段", "值", "原因")
    return [r for r in rows[1:] if r[1] is not None]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_file(case: Case, source, tmp_path):
    if case.needs:
        load_references(source, tmp_path / "参照", case.needs)
    folder = tmp_path / "上传"
    folder.mkdir()
    path = folder / case.file
    case.build(path)
    before = fingerprint()
    started = time.perf_counter()
    run = import_run_execute(run=import_run_create(source=source, table=case.table, paths=[path]))
    elapsed = time.perf_counter() - started
    if case.ok:
        assert run.status == RunStatus.COMMITTED, f"{run.status}: {run.message} {run.decision}"
        assert run.rows_invalid == 0
        assert case.notice in run.message, run.message
        if case.check:
            case.check()
        return
    assert run.status == RunStatus.REJECTED, f"{run.status}: {run.message} {run.decision}"
    assert fingerprint() == before, "被拒收的批次改动了数据中心"
    if case.message:
        assert case.message in run.message, run.message
        assert case.file in run.message, run.message
    if case.errors:
        assert "整批拒收" in run.decision, run.decision
        found = _report_rows(run)
        for file, *_ in found:
            assert file.startswith(case.file), file
        assert {(r[1], r[2]) for r in found} == {(p.row, p.field) for p in case.errors}, found
        for problem in case.errors:
            matching = [r for r in found if (r[1], r[2]) == (problem.row, problem.field)]
            assert any(problem.reason in r[4] for r in matching), (problem, matching)
            if problem.value is not None:
                assert any(r[3] == problem.value for r in matching), (problem, matching)
    if case.slow:
        assert elapsed < 20, f"{case.id} 用了 {elapsed:.1f} 秒"


def test_the_corpus_is_big_enough():
    rejected = [c for c in CASES if not c.ok]
    assert len(rejected) >= 30 and len({c.id for c in CASES}) == len(CASES)
