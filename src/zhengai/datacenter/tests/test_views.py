"""Data-center pages: who may open them, uploading files, following a run and downloading its report."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import DatasetVersion, ImportRun
from zhengai.datacenter.services import import_run_create, import_run_execute

DEPTS = "部门代码,部门名称,部门类别,上级部门\r\nhlx,护理系,教学系部,\r\njwc,教务处,职能处室,\r\nzkzx,质控中心,4,\r\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def immediate(settings):
    """Tasks run inside the request, as if a worker took them at once."""
    settings.TASKS = IMMEDIATE


def gbk_csv(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")


def upload(client, source, files, **fields):
    data = {"table": "departments", "files": files, **fields}
    return client.post(reverse("datacenter:source_upload", args=[source.code]), data)


def text(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------------------------------ permissions


def reader_pages(source, run) -> list[str]:
    return [
        reverse("datacenter:sources"),
        reverse("datacenter:source_detail", args=[source.code]),
        reverse("datacenter:runs"),
        reverse("datacenter:run_detail", args=[run.pk]),
        reverse("datacenter:run_progress", args=[run.pk]),
        reverse("datacenter:mapping_edit", args=[source.code, "departments"]),
        reverse("datacenter:quality"),
    ]


@pytest.fixture
def pending_run(renshi, tmp_path):
    path = tmp_path / "部门.csv"
    path.write_bytes(DEPTS.encode("gbk"))
    return import_run_create(source=renshi, table="departments", paths=[path])


@pytest.mark.parametrize("key", ["outsider", "teacher", "student", "head_a", "major_leader"])
def test_people_outside_the_college_wide_roles_are_refused_every_page(client_for, renshi, pending_run, key):
    client = client_for(key)
    for url in reader_pages(renshi, pending_run):
        assert client.get(url).status_code == 403, url
    response = upload(client, renshi, [gbk_csv("部门.csv", DEPTS)])
    assert response.status_code == 403
    assert ImportRun.objects.count() == 1


@pytest.mark.parametrize("key", ["officer", "committee", "it", "reviewer"])
def test_college_wide_roles_read_every_page(client_for, renshi, pending_run, key):
    client = client_for(key)
    for url in reader_pages(renshi, pending_run):
        assert client.get(url).status_code == 200, url


def test_the_navigation_shows_the_data_center_pages_only_to_college_wide_roles(client_for):
    sources = reverse("datacenter:sources")
    assert f'href="{sources}"' in text(client_for("it").get(reverse("home")))
    assert f'href="{sources}"' not in text(client_for("teacher").get(reverse("home")))


def test_reviewer_reads_but_cannot_upload_and_sees_no_upload_form(client_for, renshi, immediate):
    client = client_for("reviewer")
    page = text(client.get(reverse("datacenter:source_detail", args=[renshi.code])))
    assert "upload-form" not in page and "只有信息中心和质控中心可以导入数据" in page
    assert upload(client, renshi, [gbk_csv("部门.csv", DEPTS)]).status_code == 403
    assert not ImportRun.objects.exists()


def test_committee_reads_but_may_not_upload(client_for, renshi, immediate):
    assert upload(client_for("committee"), renshi, [gbk_csv("部门.csv", DEPTS)]).status_code == 403
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("key", ["it", "officer"])
def test_it_center_and_quality_office_may_upload(client_for, renshi, settings, key):
    settings.TASKS = DUMMY  # queued, not run: the worker would take it
    response = upload(client_for(key), renshi, [gbk_csv("部门.csv", DEPTS)])
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("datacenter:run_detail", args=[run.pk])
    assert run.status == RunStatus.PENDING and run.created_by.username == key


# ------------------------------------------------------------------------------------------ upload → run


def test_a_gbk_csv_uploaded_through_the_page_is_committed_and_the_run_page_shows_the_counts(
    client_for, renshi, immediate
):
    client = client_for("it")
    response = upload(client, renshi, [gbk_csv("部门名单.csv", DEPTS)])
    run = ImportRun.objects.get()
    assert run.status == RunStatus.COMMITTED, run.message
    assert run.files[0]["name"] == "部门名单.csv"
    assert DatasetVersion.objects.filter(table="departments").count() == 1

    page = text(client.get(response.url))
    assert "已入库" in page and "bg-green" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling
    for label in ("总行数", "新增", "更新", "未变", "无效", "快照中消失"):
        assert label in page
    assert '<div class="h2 mb-0 zg-number text-green">3</div>' in page  # 新增 3
    assert "已入库：新增 3、更新 0、未变 0" in page
    assert "GBK" in page  # the encoding notice
    assert run.files[0]["sha256"] in page
    assert '第 1 版，共 <span class="zg-number">3</span> 行' in page

    raw = client.get(reverse("datacenter:run_file", args=[run.pk, 0]))
    assert b"".join(raw.streaming_content) == DEPTS.encode("gbk")
    assert "attachment" in raw["Content-Disposition"]


def test_several_files_of_one_upload_land_in_one_run(client_for, renshi, immediate):
    more = "部门代码,部门名称,部门类别,上级部门\r\njcb,公共基础部,3,\r\n"
    upload(client_for("it"), renshi, [gbk_csv("部门.csv", DEPTS), gbk_csv("部门.csv", more)])
    run = ImportRun.objects.get()
    assert run.status == RunStatus.COMMITTED, run.message
    assert run.rows_new == 4
    assert [f["name"] for f in run.files] == ["部门.csv", "部门（2）.csv"]


def test_a_dry_run_with_a_snapshot_date_changes_nothing(client_for, renshi, immediate):
    upload(client_for("it"), renshi, [gbk_csv("部门.csv", DEPTS)], dry_run="on", snapshot_date="2025-03-01")
    run = ImportRun.objects.get()
    assert (run.status, run.dry_run, str(run.snapshot_date)) == (RunStatus.VALIDATED, True, "2025-03-01")
    assert not DatasetVersion.objects.exists()
    page = text(client_for("it").get(reverse("datacenter:run_detail", args=[run.pk])))
    assert "试运行：新增 3" in page and "2025-03-01" in page


def test_a_rejected_upload_shows_the_chinese_reason_and_the_report_downloads_as_xlsx(client_for, renshi, immediate):
    client = client_for("it")
    bad = DEPTS + "xxb,新系部,教学系部,\r\nyyb,另一个,系部?,\r\n"
    response = upload(client, renshi, [gbk_csv("部门.csv", bad)])
    run = ImportRun.objects.get()
    assert run.status == RunStatus.REJECTED
    page = text(client.get(response.url))
    assert "已拒收" in page
    assert "有 1 行无效，按数据源规则整批拒收" in page
    assert "不在代码集“部门类别”中" in page and "系部?" in page  # the first errors, inline
    assert '共 <span class="zg-number">1</span> 个问题' in page
    report_url = reverse("datacenter:run_report", args=[run.pk])
    assert report_url in page

    report = client.get(report_url)
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"] and "xlsx" in report["Content-Disposition"]
    assert "%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A" in report["Content-Disposition"]  # 错误报告, RFC 5987
    book = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    rows = list(book["错误明细"].iter_rows(values_only=True))
    assert rows[1] == ("部门.csv", 6, "部门类别（dept_kind）", "系部?", "不在代码集“部门类别”中")


def test_an_unreadable_file_is_rejected_with_its_reason_on_the_run_page(client_for, renshi, immediate):
    response = upload(client_for("it"), renshi, [gbk_csv("部门.csv", "部门代码,部门名称,部门类别,上级部门\r\n")])
    page = text(client_for("it").get(response.url))
    assert "文件无法读取" in page and "文件“部门.csv”只有表头，没有数据行" in page
    assert reverse("datacenter:run_report", args=[ImportRun.objects.get().pk]) not in page


def test_upload_form_errors_are_shown_in_chinese(client_for, renshi, immediate):
    client = client_for("it")
    page = text(upload(client, renshi, []))
    assert "请至少选择一个文件" in page
    page = text(upload(client, renshi, [SimpleUploadedFile("部门.doc", b"x")]))
    assert "文件“部门.doc”的格式不受支持" in page
    assert not ImportRun.objects.exists()


def test_a_source_error_at_registration_is_shown_on_the_source_page(client_for, renshi, immediate):
    renshi.mappings.filter(table="departments").delete()
    response = upload(client_for("it"), renshi, [gbk_csv("部门.csv", DEPTS)], table="teachers")
    assert response.status_code == 302  # teachers is still mapped
    renshi.mappings.all().delete()
    page = text(upload(client_for("it"), renshi, [gbk_csv("部门.csv", DEPTS)]))
    assert "请先配置至少一张标准数据表的字段映射" in page


def test_the_progress_part_polls_while_the_run_is_pending_and_stops_when_it_is_finished(client_for, pending_run):
    client = client_for("it")
    url = reverse("datacenter:run_progress", args=[pending_run.pk])
    part = text(client.get(url))
    assert 'hx-trigger="every 1s"' in part and "排队中" in part
    ImportRun.objects.filter(pk=pending_run.pk).update(status=RunStatus.RUNNING, progress=40,
                                                       progress_text="已读取并校验 3 行")  # fmt: skip
    part = text(client.get(url))
    assert 'hx-trigger="every 1s"' in part and "已读取并校验 3 行" in part and "width: 40%" in part
    ImportRun.objects.filter(pk=pending_run.pk).update(status=RunStatus.PENDING, progress=0)
    import_run_execute(run=pending_run)
    part = text(client.get(url))
    assert 'hx-trigger="every 1s"' not in part and "width: 100%" in part and "已入库" in part


def test_a_failed_run_can_be_queued_again(client_for, pending_run, settings):
    settings.TASKS = DUMMY
    ImportRun.objects.filter(pk=pending_run.pk).update(status=RunStatus.FAILED, message="处理出错：磁盘已满\nTraceback")
    client = client_for("it")
    page = text(client.get(reverse("datacenter:run_detail", args=[pending_run.pk])))
    assert "处理出错：磁盘已满" in page and "技术细节" in page and "重新处理" in page
    client.post(reverse("datacenter:run_retry", args=[pending_run.pk]))
    pending_run.refresh_from_db()
    assert pending_run.status == RunStatus.PENDING


# ------------------------------------------------------------------------------------------ lists


def test_the_runs_list_filters_by_source_table_and_status(client_for, renshi, pending_run, tmp_path):
    from zhengai.datacenter.models import SourceSystem

    other = SourceSystem.objects.create(code="jiaowu", name="教务系统", connector="files")
    other.mappings.create(table="majors", columns={"major_code": "专业代码"})
    ImportRun.objects.create(source=other, table="majors", status=RunStatus.COMMITTED)
    ImportRun.objects.create(source=renshi, table="teachers", status=RunStatus.REJECTED)
    client = client_for("officer")

    def shown(query: str) -> set[str]:
        page = text(client.get(reverse("datacenter:runs") + query, HTTP_HX_REQUEST="true"))
        return {t for t in ("部门", "专业", "教师") if f"<td>{t}</td>" in page}

    assert shown("") == {"部门", "专业", "教师"}
    assert shown("?source=renshi") == {"部门", "教师"}
    assert shown("?table=majors") == {"专业"}
    assert shown("?status=rejected") == {"教师"}
    assert shown("?source=renshi&status=committed") == set()
    assert shown("?status=nonsense") == {"部门", "专业", "教师"}  # an invalid filter is ignored
    full = text(client.get(reverse("datacenter:runs")))
    assert "<title>采集批次 · 诊改平台</title>" in full and 'name="status"' in full


def test_the_sources_list_shows_what_each_source_feeds_and_its_settings(client_for, renshi, cast):
    renshi.owner_unit = cast.quality
    renshi.save()
    page = text(client_for("it").get(reverse("datacenter:sources")))
    assert "人事系统" in page and "质量监督与控制中心" in page
    assert "部门</span>" in page and "教师</span>" in page  # the tables it feeds
    assert "手工导入" in page and "每 30 天" in page and "整批拒收" in page
    assert "暂无数据" in page  # nothing imported yet


def test_admin_lists_sources_runs_and_versions_and_runs_are_read_only(client, django_user_model, pending_run):
    admin = django_user_model.objects.create_superuser("root", password="x-pass-1")
    client.force_login(admin)
    assert client.get(reverse("admin:datacenter_sourcesystem_change", args=[pending_run.source.pk])).status_code == 200
    assert "在映射编辑器中修改" in text(
        client.get(reverse("admin:datacenter_sourcesystem_change", args=[pending_run.source.pk]))
    )
    assert client.get(reverse("admin:datacenter_importrun_changelist")).status_code == 200
    assert client.get(reverse("admin:datacenter_datasetversion_changelist")).status_code == 200
    assert client.get(reverse("admin:datacenter_importrun_add")).status_code == 403
    page = text(client.get(reverse("admin:datacenter_importrun_change", args=[pending_run.pk])))
    assert 'name="status"' not in page  # shown, not editable


def test_a_database_source_takes_no_files_but_can_be_synced_now(client_for, db, data_dir, settings):
    from zhengai.datacenter.models import SourceSystem

    settings.TASKS = DUMMY
    source = SourceSystem.objects.create(code="jiaowu", name="教务系统", connector="sql",
                                         config={"url": "sqlite:///nowhere.db"})  # fmt: skip
    source.mappings.create(table="departments", locator="bm", columns={"dept_code": "dm"})
    client = client_for("it")
    page = text(client.get(reverse("datacenter:source_detail", args=[source.code])))
    assert "upload-form" not in page and "立即同步全部 1 张表" in page
    page = text(client.get(upload(client, source, [gbk_csv("部门.csv", DEPTS)]).url))
    assert "从数据库读取，不接收上传的文件" in page
    assert not ImportRun.objects.exists()
    response = client.post(reverse("datacenter:source_sync", args=[source.code]))
    assert response.url == reverse("datacenter:runs") + "?source=jiaowu"
    assert client_for("reviewer").post(reverse("datacenter:source_sync", args=[source.code])).status_code == 403
