"""Data quality: freshness of every source and table, rejected rows, row counts and field completeness."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from zhengai.datacenter import selectors
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceSystem
from zhengai.datacenter.selectors import DataAsOf, FreshnessState, freshness_of, worst
from zhengai.datacenter.selectors.as_of import as_of_from_max
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table

NOW = dt.datetime(2025, 3, 20, 10, 0, tzinfo=dt.UTC)


def days_ago(n: int, *, now: dt.datetime = NOW) -> dt.datetime:
    return now - dt.timedelta(days=n)


# ------------------------------------------------------------------------------------------ pure


def test_fresh_within_the_period_stale_after_it_and_none_without_a_batch():
    data = DataAsOf(dt.date(2025, 3, 14), "2025-03-14")
    fresh = freshness_of(last_good_at=days_ago(3), period_days=30, now=NOW, run_id=7, data=data, source_name="教务系统")
    assert (fresh.state, fresh.age_days, fresh.colour) == (FreshnessState.FRESH, 3, "green")
    # the data's own as-of date, not the import time; the import time is shown as 导入时间
    assert fresh.label == "数据截至 2025-03-14" and fresh.short_label == "截至 2025-03-14"
    assert fresh.imported_text == "2025-03-17 18:00"  # 10:00 UTC is 18:00 in Shanghai
    assert "最近成功批次 #7" in fresh.title and "应每 30 天更新" in fresh.title
    assert "导入时间 2025-03-17 18:00" in fresh.title and "来源 教务系统" in fresh.title
    undated = freshness_of(last_good_at=days_ago(3), period_days=30, now=NOW)
    assert undated.label == "导入时间 2025-03-17 18:00（3 天前）"  # no data date to show

    assert freshness_of(last_good_at=days_ago(30), period_days=30, now=NOW).state == FreshnessState.FRESH
    stale = freshness_of(last_good_at=days_ago(31), period_days=30, now=NOW)
    assert (stale.state, stale.colour) == (FreshnessState.STALE, "red")

    none = freshness_of(last_good_at=None, period_days=30, now=NOW)
    assert (none.state, none.colour, none.label) == (FreshnessState.NONE, "red", "暂无数据")


def test_the_as_of_follows_each_tables_time_semantics():
    """Event tables: the newest record's date; 时点 tables: the census day of their latest year."""
    assert as_of_from_max("attendance", dt.date(2026, 11, 30)) == DataAsOf(dt.date(2026, 11, 30), "2026-11-30")
    assert as_of_from_max("card_transactions", dt.datetime(2026, 10, 25, 22, 5)).day == dt.date(2026, 10, 25)
    resources = as_of_from_max("school_resources", 2026)
    assert resources.day == dt.date(2026, 9, 30) and resources.text.startswith("2026-09-30")
    # A year whose 统计日 the calendar moved takes the calendar's day.
    moved = as_of_from_max("school_resources", 2026, census={2026: dt.date(2026, 10, 31)})
    assert moved.day == dt.date(2026, 10, 31) and moved.text.startswith("2026-10-31（2026-2027 学年时点）")
    assert as_of_from_max("grades", "2025-2026-2").text == "2025-2026-2 学期"
    assert as_of_from_max("admissions", 2026).text == "2026-2027 学年"
    assert as_of_from_max("finance", 2025).text == "2025 年"
    assert as_of_from_max("employment", 2026).text == "2026 届"
    roster = as_of_from_max("students", dt.date(2026, 11, 30))
    assert roster.day == dt.date(2026, 11, 30) and "名册时点" in roster.text
    assert as_of_from_max("attendance", None) is None


def test_a_failed_latest_run_turns_current_data_orange_but_stale_data_stays_red():
    failing = freshness_of(last_good_at=days_ago(2), period_days=30, now=NOW, last_run_status=RunStatus.REJECTED)
    assert (failing.state, failing.colour) == (FreshnessState.FAILING, "orange")
    assert "最近一次批次已拒收" in failing.title
    stale = freshness_of(last_good_at=days_ago(40), period_days=30, now=NOW, last_run_status=RunStatus.FAILED)
    assert stale.state == FreshnessState.STALE


def test_today_reads_as_today_in_the_local_calendar():
    # 01:00 in Shanghai on the 20th is 17:00 UTC on the 19th: still "today" for a clerk there.
    late = dt.datetime(2025, 3, 19, 17, 0, tzinfo=dt.UTC)
    f = freshness_of(last_good_at=late, period_days=1, now=NOW)
    assert (f.age_days, f.age_text) == (0, "今天")


def test_a_figure_from_several_tables_is_as_current_as_the_stalest():
    a = freshness_of(last_good_at=days_ago(2), period_days=30, now=NOW)
    b = freshness_of(last_good_at=days_ago(12), period_days=30, now=NOW)
    c = freshness_of(last_good_at=days_ago(1), period_days=30, now=NOW, last_run_status=RunStatus.FAILED)
    assert worst([a, b]) is b
    assert worst([a, b, c]) is c  # a failure outranks age within the period
    assert worst([a, freshness_of(last_good_at=None, period_days=30, now=NOW)]).state == FreshnessState.NONE
    assert worst([]).state == FreshnessState.NONE


# ------------------------------------------------------------------------------------------ database


def finished_run(source, name, status, *, at, rows_total=10, rows_invalid=0, dry_run=False) -> ImportRun:
    return ImportRun.objects.create(
        source=source, table=name, status=status, finished_at=at, started_at=at, rows_total=rows_total,
        rows_invalid=rows_invalid, dry_run=dry_run,
    )  # fmt: skip


@pytest.fixture
def two_sources(renshi):
    """人事 last delivered 40 days ago (period 30); 教务 delivered yesterday."""
    jiaowu = SourceSystem.objects.create(code="jiaowu", name="教务系统", connector="files", expected_every_days=7)
    jiaowu.mappings.create(table="majors", columns={"major_code": "专业代码"})
    now = timezone.now()
    finished_run(renshi, "departments", RunStatus.COMMITTED, at=days_ago(40, now=now))
    finished_run(renshi, "teachers", RunStatus.COMMITTED, at=days_ago(40, now=now))
    good = finished_run(jiaowu, "majors", RunStatus.COMMITTED, at=days_ago(1, now=now), rows_total=200)
    finished_run(
        jiaowu, "majors", RunStatus.VALIDATED, at=days_ago(0, now=now), rows_total=200, rows_invalid=150, dry_run=True
    )  # fmt: skip: a dry run counts for neither freshness nor the rate
    DatasetVersion.objects.create(table="majors", version=1, run=good, files=[], row_count=200)
    return renshi, jiaowu


def feed_rows(page: str) -> dict[str, str]:
    return {m.group(2): m.group(0) for m in re.finditer(
        r'<tr class="zg-feed [^"]*" data-source="([^"]+)" data-table="([^"]+)">.*?</tr>', page, re.S)}  # fmt: skip


def test_the_quality_page_marks_an_old_source_red_and_a_fresh_one_green(client_for, two_sources):
    page = client_for("officer").get(reverse("datacenter:quality")).content.decode()
    rows = feed_rows(page)
    assert set(rows) == {"departments", "teachers", "majors"}
    for name in ("departments", "teachers"):
        assert "zg-feed-bad" in rows[name]
        assert 'status status-red">已 40 天未更新（应每 30 天）' in rows[name]
        assert 'data-freshness="stale"' in rows[name] and "bg-red-lt" in rows[name]
    assert "zg-feed-ok" in rows["majors"] and 'status status-green">正常' in rows["majors"]
    assert 'data-freshness="fresh"' in rows["majors"] and "导入时间" in rows["majors"]
    assert ">200<" in rows["majors"]  # current rows
    assert 'id="count-healthy">1<' in page and 'id="count-problems">2<' in page


def test_a_source_whose_last_run_was_rejected_is_flagged_although_its_data_is_recent(client_for, two_sources):
    _, jiaowu = two_sources
    finished_run(jiaowu, "majors", RunStatus.REJECTED, at=timezone.now(), rows_total=100, rows_invalid=20)
    page = client_for("it").get(reverse("datacenter:quality")).content.decode()
    row = feed_rows(page)["majors"]
    assert "zg-feed-bad" in row and "最近一次批次已拒收" in row
    assert 'data-freshness="failing"' in row
    assert "6.7%" in row  # 20 invalid of 300 rows over the recent real runs


def test_feeds_compute_the_rejected_row_rate_over_the_last_runs(two_sources):
    _, jiaowu = two_sources
    for i in range(12):
        finished_run(jiaowu, "majors", RunStatus.COMMITTED, at=timezone.now() - dt.timedelta(hours=i),
                     rows_total=100, rows_invalid=10 if i < 2 else 0)  # fmt: skip
    feed = next(f for f in selectors.feeds() if f.table.name == "majors")
    assert len(feed.recent) == selectors.RECENT_RUNS
    assert feed.rejected_rate == pytest.approx(20 / 1000)


def test_the_sources_list_shows_each_source_red_or_green(client_for, two_sources):
    page = client_for("it").get(reverse("datacenter:sources")).content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = {name: row for row in body.split("<tr")[1:] for name in ("人事系统", "教务系统") if name in row}
    assert 'data-freshness="stale"' in rows["人事系统"] and "已 40 天未更新" in rows["人事系统"]
    assert 'data-freshness="fresh"' in rows["教务系统"] and "text-danger" not in rows["教务系统"]


def test_freshness_for_tables_names_the_table_that_decides(two_sources):
    f = selectors.freshness_for_tables(["majors", "departments"])
    assert f.state == FreshnessState.STALE and "取决于“部门”表" in f.note
    assert selectors.freshness_for_tables(["majors"]).state == FreshnessState.FRESH
    assert selectors.freshness_for_tables(["grades"]).state == FreshnessState.NONE


def test_the_freshness_badge_tag_renders_for_any_page(two_sources):
    html = Template('{% load datacenter_ui %}{% freshness_badge "majors" %}').render(Context())
    assert "bg-green-lt" in html and "导入时间" in html and "（1 天前）" in html  # the version holds no files
    html = Template('{% load datacenter_ui %}{% freshness_badge "majors" "teachers" %}').render(Context())
    assert "bg-red-lt" in html and "取决于“教师”表" in html


# ------------------------------------------------------------------------------------------ completeness


DEPTS = (
    "部门代码,部门名称,部门类别,上级部门\r\n"
    "xxgc,信息工程系,3,\r\n"
    "rjjs,软件教研室,3,xxgc\r\n"
    "hlx,护理系,3,\r\n"
    "jwc,教务处,2,\r\n"
)


@pytest.fixture
def departments(renshi, tmp_path):
    path = tmp_path / "部门.csv"
    path.write_bytes(DEPTS.encode("gbk"))
    run = import_run_execute(run=import_run_create(source=renshi, table="departments", paths=[path]))
    assert run.status == RunStatus.COMMITTED, run.message
    return run


def test_completeness_counts_the_non_empty_values_of_each_field(departments):
    result = selectors.completeness(table("departments"))
    assert result.total == 4
    by_name = {f.name: f for f in result.fields}
    assert (by_name["dept_code"].filled, by_name["dept_code"].share) == (4, 1.0)
    assert (by_name["parent_code"].filled, by_name["parent_code"].share) == (1, 0.25)
    assert by_name["dept_code"].colour == "green" and by_name["parent_code"].colour == "blue"
    assert result.incomplete_required == []
    assert selectors.completeness(table("grades")).total == 0  # no version yet


def test_the_quality_page_shows_completeness_and_swaps_it_per_table(client_for, departments):
    client = client_for("officer")
    page = client.get(reverse("datacenter:quality")).content.decode()
    assert 'data-field="parent_code" data-percent="25.0"' in page
    assert 'data-field="dept_code" data-percent="100.0"' in page
    assert '共 <span class="zg-number fw-medium">4</span> 行' in page
    assert "chart-rows" in page and f'"name": {json.dumps("部门")}' in page  # the row-count chart has the table
    part = client.get(
        reverse("datacenter:quality") + "?part=completeness&table=majors", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in part and "“专业”还没有数据" in part


def test_row_count_history_follows_every_version(departments, renshi, tmp_path):
    path = tmp_path / "部门2.csv"
    path.write_bytes((DEPTS + "zkzx,质控中心,4,\r\n").encode("gbk"))
    import_run_execute(run=import_run_create(source=renshi, table="departments", paths=[path]))
    history = selectors.row_count_history()
    assert [n for _, n in history["departments"]] == [4, 5]
