"""数据源设置 pages: creating and editing a source, the password never shown back, testing a connection."""

from __future__ import annotations

import sqlite3

import pytest
from django.urls import reverse

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import secrets
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import source_create

PASSWORD = "Jw-Pa55word-2026"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def jiaowu_db(tmp_path):
    path = tmp_path / "jiaowu.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE xs_jbxx (xh TEXT, xm TEXT)")
        con.execute("CREATE VIEW v_xs AS SELECT xh FROM xs_jbxx")
    return path


def form_data(**over) -> dict:
    data = {"name": "教务系统", "code": "jiaowu", "connector": "sql", "unit_code": "", "schedule_minutes": "0",
            "expected_every_days": "30", "invalid_policy": "reject_batch", "active": "on", "url": "",
            "password": "", "password_env": "", "action": "save"}  # fmt: skip
    data.update(over)
    return data


def test_only_operators_may_open_the_settings_pages(client_for, db):
    source_create(code="jiaowu", connector="sql")
    for role in ("teacher", "committee", "reviewer"):
        client = client_for(role)
        assert client.get(reverse("datacenter:source_new")).status_code == 403
        assert client.get(reverse("datacenter:source_edit", args=["jiaowu"])).status_code == 403
        assert client.post(reverse("datacenter:source_new"), form_data(code="x")).status_code == 403
    assert not SourceSystem.objects.filter(code="x").exists()
    page = text(client_for("committee").get(reverse("datacenter:sources")))
    assert "新建数据源" not in page
    page = text(client_for("it").get(reverse("datacenter:source_detail", args=["jiaowu"])))
    assert "编辑设置" in page


def test_a_sql_source_is_created_and_edited_and_the_password_is_never_rendered(client_for, db, jiaowu_db, cast):
    client = client_for("it")
    assert "新建数据源" in text(client.get(reverse("datacenter:sources")))
    url = f"sqlite:///{jiaowu_db}"
    response = client.post(reverse("datacenter:source_new"), form_data(url=url, password=PASSWORD,
                                                                     unit_code=cast.quality.code))  # fmt: skip
    assert response.status_code == 302, text(response)
    source = SourceSystem.objects.get(code="jiaowu")
    assert source.owner_unit == cast.quality and secrets.resolve_password(source) == PASSWORD
    page = text(client.get(reverse("datacenter:source_edit", args=["jiaowu"])))
    assert "已保存（留空则不变）" in page and PASSWORD not in page and url in page
    assert PASSWORD not in text(client.get(reverse("datacenter:source_detail", args=["jiaowu"])))

    # a blank password keeps the saved one; the schedule changes
    response = client.post(
        reverse("datacenter:source_edit", args=["jiaowu"]), form_data(url=url, schedule_minutes="45")
    )
    assert response.status_code == 302, text(response)
    source.refresh_from_db()
    assert source.schedule_minutes == 45 and secrets.resolve_password(source) == PASSWORD
    record = AuditRecord.objects.filter(action="修改数据源设置").get()
    assert record.before["同步周期（分钟）"] == 0 and record.after["同步周期（分钟）"] == 45
    assert record.after["密码"] == "已设置"

    # a refused change shows the reason and keeps everything as it was, the password not echoed
    bad = form_data(url="nosuchdb://u@h/db", password="Another-Secret-1", schedule_minutes="5")
    response = client.post(reverse("datacenter:source_edit", args=["jiaowu"]), bad)
    page = text(response)
    assert response.status_code == 200 and "驱动“nosuchdb”在本机不可用" in page and "Another-Secret-1" not in page
    source.refresh_from_db()
    assert source.schedule_minutes == 45 and source.config["url"] == url

    client.post(reverse("datacenter:source_edit", args=["jiaowu"]), form_data(url=url, clear_password="on"))
    source.refresh_from_db()
    assert secrets.password_state(source) == "未设置"
    assert PASSWORD not in " ".join(f"{a.before}{a.after}" for a in AuditRecord.objects.all())


def test_test_connection_lists_the_tables_and_saves_nothing(client_for, db, jiaowu_db):
    client = client_for("officer")
    response = client.post(reverse("datacenter:source_new"),
                           form_data(url=f"sqlite:///{jiaowu_db}", action="test"))  # fmt: skip
    page = text(response)
    assert "连接成功，看到 2 张表或视图" in page and "xs_jbxx" in page and "v_xs" in page
    assert not SourceSystem.objects.exists()


def test_a_failed_connection_test_says_why_in_chinese_with_the_password_masked(client_for, db, tmp_path):
    source_create(code="jiaowu", connector="sql", url="postgresql://jw@127.0.0.1:1/jiaowu", password=PASSWORD)
    client = client_for("it")
    response = client.post(reverse("datacenter:source_edit", args=["jiaowu"]),
                           form_data(url="postgresql://jw@127.0.0.1:1/jiaowu", action="test"))  # fmt: skip
    page = text(response)
    assert "连接失败" in page and "连接数据库失败" in page
    assert PASSWORD not in page
    missing = tmp_path / "none" / "x.sqlite"
    page = text(client.post(reverse("datacenter:source_new"), form_data(url=f"sqlite:///{missing}", action="test")))
    assert "连接失败" in page


def test_django_admin_shows_neither_the_password_nor_an_editable_connection(client, django_user_model, db):
    source = source_create(code="jiaowu", connector="sql", url="postgresql://jw@db/jiaowu", password=PASSWORD)
    client.force_login(django_user_model.objects.create_superuser("root", password="x-pass-1"))
    page = text(client.get(reverse("admin:datacenter_sourcesystem_change", args=[source.pk])))
    assert "postgresql://jw@db/jiaowu" in page  # shown
    assert 'name="config"' not in page and 'name="secrets"' not in page and source.secrets not in page
    assert PASSWORD not in page


def test_a_file_source_is_edited_without_connection_fields(client_for, db):
    source = source_create(code="renshi", name="人事系统")
    client = client_for("officer")
    page = text(client.get(reverse("datacenter:source_edit", args=["renshi"])))
    assert "drop/renshi/" in page and 'id="sql-settings" hidden' in page
    data = form_data(name="人事系统（新）", connector="files", expected_every_days="7", invalid_policy="commit_valid")
    data.pop("active")
    assert client.post(reverse("datacenter:source_edit", args=["renshi"]), data).status_code == 302
    source.refresh_from_db()
    assert (source.name, source.expected_every_days, source.invalid_policy, source.active) == (
        "人事系统（新）", 7, "commit_valid", False,
    )  # fmt: skip
    assert source.connector == "files" and source.config == {}
    assert "已停用" in text(client.get(reverse("datacenter:sources")))
