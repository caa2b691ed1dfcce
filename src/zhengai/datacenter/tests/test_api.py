"""The push API: a source system posts JSON rows with its token; each request becomes an import run."""

import datetime as dt
import json

import pytest
from django.test import Client

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import store
from zhengai.datacenter.api import PUSH_MAX_ROWS, openapi_schema, push_token_issue
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.connectors.push import read_push
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_execute, import_run_retry
from zhengai.datacenter.standard import table

VISITS = [
    {"流水号": "V001", "读者证号": "R01", "学号": None, "进馆时间": "2025-09-01 08:30:00"},
    {"流水号": "V002", "读者证号": "R02", "学号": None, "进馆时间": "2025-09-01 09:10:00", "闸机": "东门"},
    {"流水号": "V003", "读者证号": "R01", "学号": None, "进馆时间": "2025-09-02 14:00:00"},
]
URL = "/api/datacenter/push/tushu/library_visits/"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def queued_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def tushu(db, data_dir):
    """图书系统 pushes library visits (an event table) and, for the test, a department roster."""
    source = SourceSystem.objects.create(code="tushu", name="图书系统", connector="push")
    SourceMapping.objects.create(
        source=source,
        table="library_visits",
        columns={"visit_id": "流水号", "reader_no": "读者证号", "student_no": "学号", "visit_time": "进馆时间"},
    )
    SourceMapping.objects.create(
        source=source,
        table="departments",
        columns={"dept_code": "bmdm", "dept_name": "bmmc", "dept_kind": "bmlb"},
        order=1,
    )
    return source


@pytest.fixture
def token(tushu):
    return push_token_issue(source=tushu, by=None)


def post(client, url, body, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data, content_type=extra.pop("content_type", "application/json"), **headers, **extra)


def test_pushed_rows_land_and_the_status_url_reports_the_counts(tushu, token, immediate_tasks):
    client = Client(enforce_csrf_checks=True)  # a source system has no CSRF cookie
    response = post(client, URL, {"rows": VISITS}, token)
    assert response.status_code == 202, response.content.decode()
    data = response.json()
    run = ImportRun.objects.get(pk=data["run"])
    assert data["status_url"] == f"http://testserver/api/datacenter/runs/{run.pk}/"

    status = client.get(data["status_url"], HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert status["status"] == RunStatus.COMMITTED and status["finished"] is True
    assert status["status_label"] == "已入库"
    assert status["counts"] == {"total": 3, "new": 3, "updated": 0, "unchanged": 0, "invalid": 0, "removed": 0}
    assert "闸机" in status["message"]  # the unmapped key is named, not silently dropped
    rows = store.read_table(table("library_visits")).to_pylist()
    assert sorted(r["visit_id"] for r in rows) == ["V001", "V002", "V003"]
    assert {r["visit_id"]: r["visit_time"] for r in rows}["V002"] == dt.datetime(2025, 9, 1, 9, 10)

    # The batch is archived as JSON, and the same rows again change nothing.
    assert [f["name"].endswith(".json") for f in run.files] == [True]
    assert (store.root() / run.files[0]["path"]).exists()
    again = post(client, URL, {"rows": VISITS}, token).json()
    assert ImportRun.objects.get(pk=again["run"]).status == RunStatus.UNCHANGED


def test_only_a_digest_of_the_token_is_kept_and_issuing_is_audited(tushu, token, queued_tasks):
    tushu.refresh_from_db()
    assert token not in tushu.push_token_hash and len(tushu.push_token_hash) == 64
    record = AuditRecord.objects.get(object_type="datacenter.sourcesystem", object_id=str(tushu.pk))
    assert record.action == "签发推送令牌"
    assert token not in json.dumps(record.after, ensure_ascii=False)

    rotated = push_token_issue(source=tushu, by=None)
    assert AuditRecord.objects.filter(action="更换推送令牌").count() == 1
    assert post(Client(), URL, {"rows": VISITS}, token).status_code == 401
    assert post(Client(), URL, {"rows": VISITS, "dry_run": True}, rotated).status_code == 202


def test_token_for_a_file_source_cannot_be_issued(db):
    source = SourceSystem.objects.create(code="renshi", name="人事系统", connector="files")
    with pytest.raises(ValueError, match="不是接口推送方式"):
        push_token_issue(source=source, by=None)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "缺少推送令牌"),
        ("Bearer not-the-token", "推送令牌无效"),
        ("Basic dXNlcjpwdw==", "缺少推送令牌"),
    ],
)
def test_a_push_without_the_right_token_is_refused(tushu, token, queued_tasks, header, message):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().post(URL, json.dumps({"rows": VISITS}), content_type="application/json", **headers)
    assert response.status_code == 401
    assert message in response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not ImportRun.objects.exists()


def test_another_sources_token_does_not_open_this_source(tushu, token, queued_tasks):
    other = SourceSystem.objects.create(code="xinli", name="心理系统", connector="push")
    other_token = push_token_issue(source=other, by=None)
    assert post(Client(), URL, {"rows": VISITS}, other_token).status_code == 401
    run = post(Client(), URL, {"rows": VISITS}, token).json()["run"]
    # …nor shows this source's runs.
    response = Client().get(f"/api/datacenter/runs/{run}/", HTTP_AUTHORIZATION=f"Bearer {other_token}")
    assert response.status_code == 404 and "心理系统" in response.json()["error"]
    response = Client().get(f"/api/datacenter/runs/{run}/", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/datacenter/push/nosuch/library_visits/", "没有代码为“nosuch”的接口推送数据源"),
        ("/api/datacenter/push/tushu/grades/", "没有“成绩”表（grades）的字段映射"),
        ("/api/datacenter/push/tushu/no_such_table/", "没有名为“no_such_table”的标准数据表"),
    ],
)
def test_unknown_sources_and_tables_are_404(tushu, token, url, message):
    response = post(Client(), url, {"rows": VISITS}, token)
    assert response.status_code == 404
    assert message in response.json()["error"]


def test_an_inactive_source_refuses_pushes(tushu, token):
    SourceSystem.objects.filter(pk=tushu.pk).update(active=False)
    response = post(Client(), URL, {"rows": VISITS}, token)
    assert response.status_code == 403 and "已停用" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"rows": [', "请求体不是有效的 JSON：第 1 行"),
        ("[1, 2]", "请求体必须是 JSON 对象"),
        ({"dry_run": True}, "缺少 rows"),
        ({"rows": {"流水号": "V1"}}, "rows 必须是对象数组"),
        ({"rows": [VISITS[0], VISITS[1], "V003", VISITS[2]]}, "rows 必须是对象数组，第 3 个元素不是对象"),
        ({"rows": []}, "rows 是空数组"),
        ({"rows": VISITS, "dry_run": "yes"}, "dry_run 必须是 true 或 false"),
        ({"rows": VISITS, "snapshot_date": "2025/09/30"}, "snapshot_date 必须是 YYYY-MM-DD"),
        ({"rows": VISITS, "snapshot": "2025-09-30"}, "不认识的键：snapshot"),
        ("", "请求体是空的"),
    ],
)
def test_malformed_bodies_are_400_and_name_the_problem(tushu, token, queued_tasks, body, message):
    response = post(Client(), URL, body, token)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not ImportRun.objects.exists()


def test_a_body_that_is_not_json_is_415(tushu, token):
    response = post(Client(), URL, "流水号=V1", token, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and "application/json" in response.json()["error"]


def test_more_rows_than_the_limit_are_413(tushu, token, queued_tasks):
    response = post(Client(), URL, {"rows": [{}] * (PUSH_MAX_ROWS + 1)}, token)
    assert response.status_code == 413
    assert "一次最多推送 50,000 行" in response.json()["error"]
    assert not ImportRun.objects.exists()


def test_only_post_is_accepted(tushu, token):
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_dry_run_validates_and_invalid_rows_are_reported_without_writing(tushu, token, immediate_tasks):
    dry = post(Client(), URL, {"rows": VISITS, "dry_run": True}, token).json()
    assert ImportRun.objects.get(pk=dry["run"]).status == RunStatus.VALIDATED
    assert store.current_version("library_visits") is None

    bad = [*VISITS, {"流水号": "V004", "读者证号": "R03", "进馆时间": "昨天下午"}]
    response = post(Client(), URL, {"rows": bad}, token).json()
    status = Client().get(response["status_url"], HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert status["status"] == RunStatus.REJECTED
    assert status["counts"]["invalid"] == 1 and "整批拒收" in status["decision"]
    assert store.current_version("library_visits") is None


def test_a_snapshot_push_carries_its_snapshot_date(tushu, token, immediate_tasks):
    rows = [{"bmdm": "jwc", "bmmc": "教务处", "bmlb": "职能处室"}, {"bmdm": "hlx", "bmmc": "护理系", "bmlb": "3"}]
    url = "/api/datacenter/push/tushu/departments/"
    data = post(Client(), url, {"rows": rows, "snapshot_date": "2025-09-30"}, token).json()
    run = ImportRun.objects.get(pk=data["run"])
    assert run.status == RunStatus.COMMITTED, run.message
    assert str(run.snapshot_date) == "2025-09-30"
    snapshot = store.read_table(table("departments"), columns=["dept_code", "dept_kind", "_snapshot"]).to_pylist()
    assert {(r["dept_code"], r["dept_kind"], str(r["_snapshot"])) for r in snapshot} == {
        ("jwc", "2", "2025-09-30"),
        ("hlx", "3", "2025-09-30"),
    }


def test_a_queued_push_that_failed_is_retried_from_the_archived_json(tushu, token, queued_tasks):
    data = post(Client(), URL, {"rows": VISITS}, token).json()
    run = ImportRun.objects.get(pk=data["run"])
    assert run.status == RunStatus.PENDING  # queued for the worker, nothing read yet
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, message="进程被终止")
    run = import_run_execute(run=import_run_retry(run=run))
    assert run.status == RunStatus.COMMITTED and run.rows_new == 3


def test_json_values_become_text_and_nested_values_are_row_errors(tmp_path):
    path = tmp_path / "batch.json"
    rows = [
        {"a": 1975.0, "b": True, "c": "  "},
        {"a": 12, "b": False, "c": "x"},
        {"a": {"nested": 1}, "b": None, "c": "y"},
    ]
    path.write_text(json.dumps({"rows": rows}), encoding="utf-8")
    (chunk,) = read_push(path, expected=["a", "b", "c"])
    assert chunk.table.to_pydict() == {"a": ["1975", "12"], "b": ["是", "否"], "c": [None, "x"]}
    assert chunk.rows().to_pylist() == [1, 2]
    assert [(row, "对象或数组" in reason) for row, reason, _ in chunk.row_errors] == [(3, True)]

    path.write_text(json.dumps([{"a": 1}]), encoding="utf-8")
    with pytest.raises(SourceError, match="缺少字段：b"):
        list(read_push(path, expected=["a", "b"]))


def test_openapi_document_is_valid_and_describes_each_source_table(tushu, client):
    SourceSystem.objects.create(code="renshi", name="人事系统", connector="files")  # not a push source
    response = client.get("/api/datacenter/openapi.json")  # no sign-in, no token
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/datacenter/push/tushu/library_visits/",
        "/api/datacenter/push/tushu/departments/",
        "/api/datacenter/runs/{run_id}/",
    }
    row = document["components"]["schemas"]["tushu.library_visits.row"]
    assert list(row["properties"]) == ["流水号", "读者证号", "学号", "进馆时间"]
    assert row["required"] == ["流水号", "读者证号", "进馆时间"]
    assert row["properties"]["学号"]["type"] == ["string", "null"]
    assert row["properties"]["进馆时间"]["description"].startswith(
        "入馆时间（标准字段 library_visits.visit_time，日期时间）"
    )
    kind = document["components"]["schemas"]["tushu.departments.row"]["properties"]["bmlb"]
    assert "代码集“部门类别”" in kind["description"]
    assert "快照表" in document["paths"]["/api/datacenter/push/tushu/departments/"]["post"]["description"]

    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)

    # A real request body satisfies the published schema; a row without a required column does not.
    jsonschema = pytest.importorskip("jsonschema")
    body_schema = document["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    check = jsonschema.Draft202012Validator({**body_schema, "components": document["components"]})
    check.validate({"rows": VISITS})
    assert not check.is_valid({"rows": [{"流水号": "V9"}]})


def test_openapi_schema_without_push_sources_still_validates(db):
    validator = pytest.importorskip("openapi_spec_validator")
    document = openapi_schema()
    assert list(document["paths"]) == ["/api/datacenter/runs/{run_id}/"]
    validator.validate(document)
