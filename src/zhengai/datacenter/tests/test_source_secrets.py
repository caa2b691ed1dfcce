"""Source passwords: encrypted at rest, never in audit records, resolved only at connect time."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import secrets, store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.services import source_connection_test, source_create, source_update
from zhengai.datacenter.standard import table
from zhengai.datacenter.sync import source_sync

PASSWORD = "Tu$hu-2026-secret"

pytestmark = pytest.mark.django_db


def _raw(code: str) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT config, secrets FROM datacenter_sourcesystem WHERE code = %s", [code])
        config, token = cur.fetchone()
    return str(config), str(token)


def _password_of(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).password


def _audit_text() -> str:
    return " ".join(f"{a.before} {a.after} {a.note}" for a in AuditRecord.objects.all())


@pytest.fixture
def library_db(tmp_path):
    path = tmp_path / "tushu.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE tsg_jg (id INTEGER PRIMARY KEY, lsh TEXT, dzzh TEXT, jgsj TEXT)")
        con.executemany("INSERT INTO tsg_jg VALUES (?, ?, ?, ?)",
                        [(i, f"V{i}", "R1", "2025-09-01 08:00:00") for i in (1, 2, 3)])  # fmt: skip
    return path


def _map(source: SourceSystem, locator: str = "tsg_jg") -> None:
    SourceMapping.objects.create(
        source=source, table="library_visits", locator=locator,
        columns={"visit_id": "lsh", "reader_no": "dzzh", "visit_time": "jgsj"},
    )  # fmt: skip


def test_secrets_round_trip_and_a_changed_key_is_refused_in_chinese(settings, monkeypatch):
    monkeypatch.delenv("ZHENGAI_SECRETS_KEY", raising=False)
    token = secrets.secrets_encrypt({"password": PASSWORD})
    assert PASSWORD not in token
    assert secrets.secrets_decrypt(token) == {"password": PASSWORD}
    settings.SECRET_KEY = "another-key"
    with pytest.raises(SourceError, match=r"无法解密.*密钥.*更换过"):
        secrets.secrets_decrypt(token, source_name="图书系统")


def test_an_explicit_fernet_key_is_used_when_set(monkeypatch):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ZHENGAI_SECRETS_KEY", key)
    token = secrets.secrets_encrypt({"password": PASSWORD})
    assert Fernet(key.encode()).decrypt(token.encode())
    monkeypatch.setenv("ZHENGAI_SECRETS_KEY", "not-a-key")
    with pytest.raises(SourceError, match="ZHENGAI_SECRETS_KEY 不是有效的 Fernet 密钥"):
        secrets.secrets_decrypt(token)


def test_a_url_typed_with_a_password_is_split_and_the_column_holds_no_clear_password():
    source = source_create(code="tushu", connector="sql", url=f"postgresql://lib:{PASSWORD}@db.example.cn/tushu")
    config, token = _raw("tushu")
    assert PASSWORD not in config and PASSWORD not in token
    assert source.config["url"] == "postgresql://lib@db.example.cn/tushu"
    assert _password_of(secrets.connection_url(source)) == PASSWORD
    assert secrets.password_state(source) == "已设置"
    assert PASSWORD not in _audit_text() and "已设置" in _audit_text()


def test_audit_shows_the_password_only_as_changed_or_cleared():
    source = source_create(code="tushu", connector="sql", url="postgresql://lib@db.example.cn/tushu")
    source_update(source=source, by=None, password=PASSWORD, schedule_minutes=30)
    record = AuditRecord.objects.filter(action="修改数据源设置").get()
    assert (record.before["密码"], record.after["密码"]) == ("未设置", "已更改")
    assert record.after["同步周期（分钟）"] == 30
    source_update(source=source, by=None, clear_password=True)
    assert AuditRecord.objects.filter(action="修改数据源设置").order_by("pk").last().after["密码"] == "未设置"
    assert PASSWORD not in _audit_text()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"schedule_minutes": -5}, "同步周期（分钟）“-5”超出范围"),
        ({"url": "nosuchdb://x@y/z"}, "驱动“nosuchdb”在本机不可用"),
        ({"url": "::not a url"}, "无法解析"),
        ({"unit_code": "xyz"}, "没有代码为“xyz”的部门"),
        ({"invalid_policy": "keep"}, "无效行处理“keep”不认识"),
        ({"password_env": "1BAD"}, "环境变量名“1BAD”不合规"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(fields, message):
    source = source_create(code="tushu", connector="sql", url="sqlite:///x.sqlite")
    with pytest.raises(SourceError, match=message):
        source_update(source=source, by=None, **fields)
    source.refresh_from_db()
    assert source.schedule_minutes == 0 and source.config == {"url": "sqlite:///x.sqlite"}
    assert not AuditRecord.objects.filter(action="修改数据源设置").exists()


def test_a_sqlite_source_set_up_through_the_service_syncs_into_the_data_center(data_dir, library_db):
    source = source_create(code="tushu", name="图书系统", connector="sql", url=f"sqlite:///{library_db}",
                           schedule_minutes=60)  # fmt: skip
    _map(source)
    assert source_connection_test(url="", source=source) == ["tsg_jg"]
    (run,) = source_sync(source=source)
    assert run.status == RunStatus.COMMITTED, run.message
    assert sorted(r["visit_id"] for r in store.read_table(table("library_visits")).to_pylist()) == ["V1", "V2", "V3"]


def test_an_env_reference_is_resolved_only_at_connect_time(monkeypatch):
    source = source_create(code="tushu", connector="sql", url="postgresql://lib@db.example.cn/tushu",
                           password_env="TUSHU_DB_PASSWORD")  # fmt: skip
    assert secrets.password_state(source) == "取自环境变量 TUSHU_DB_PASSWORD"
    monkeypatch.delenv("TUSHU_DB_PASSWORD", raising=False)
    with pytest.raises(SourceError, match="没有设置该变量"):
        secrets.connection_url(source)
    monkeypatch.setenv("TUSHU_DB_PASSWORD", PASSWORD)
    assert _password_of(secrets.connection_url(source)) == PASSWORD
    assert PASSWORD not in _raw("tushu")[1]


def test_the_data_migration_moves_url_passwords_into_the_secrets():
    old = SourceSystem.objects.create(code="old", name="旧系统", connector="sql",
                                      config={"url": f"mysql+pymysql://u:{PASSWORD}@h/db", "x": 1})  # fmt: skip
    clean = SourceSystem.objects.create(code="clean", name="无密码", connector="sql", config={"url": "sqlite:///a"})
    assert secrets.move_url_passwords(SourceSystem.objects.all()) == 1
    old.refresh_from_db()
    clean.refresh_from_db()
    assert old.config == {"url": "mysql+pymysql://u@h/db", "x": 1}
    assert secrets.resolve_password(old) == PASSWORD
    assert PASSWORD not in _raw("old")[0] + _raw("old")[1]
    assert clean.secrets == "" and clean.config == {"url": "sqlite:///a"}


def test_masking_hides_url_passwords_and_given_secrets():
    text = f"could not connect to postgresql://lib:{PASSWORD}@db/tushu (password {PASSWORD})"
    assert PASSWORD not in secrets.mask(text, PASSWORD)
    assert "postgresql://lib:***@db/tushu" in secrets.mask(text)


# ------------------------------------------------------------------------------------------ PostgreSQL


def _postgres_url() -> str | None:
    import os

    django_url = os.environ.get("ZHENGAI_DATABASE_URL", "")
    if not django_url.startswith(("postgres://", "postgresql://")):
        return None
    return "postgresql+psycopg://" + django_url.split("://", 1)[1]


@pytest.mark.skipif(
    not (_postgres_url() and _password_of(_postgres_url() or "sqlite://")),
    reason="needs ZHENGAI_DATABASE_URL pointing at a password-protected PostgreSQL server",
)
def test_a_password_protected_postgresql_server_as_a_source(data_dir):
    import uuid

    from sqlalchemy import create_engine, text

    full = _postgres_url()
    server_password = _password_of(full)
    schema = f"zhengai_src_{uuid.uuid4().hex[:10]}"
    engine = create_engine(full)
    try:
        with engine.begin() as con:
            con.execute(text(f"CREATE SCHEMA {schema}"))
            con.execute(text(f"CREATE TABLE {schema}.tsg_jg (lsh varchar(20), dzzh varchar(20), jgsj varchar(20))"))
            con.execute(text(f"INSERT INTO {schema}.tsg_jg VALUES ('P1', 'R1', '2025-09-01 08:00:00')"))
        source = source_create(code="pgsrc", name="图书系统", connector="sql", url=full)  # password inside: split
        assert server_password not in _raw("pgsrc")[0] + _raw("pgsrc")[1]
        assert _password_of(source.config["url"]) is None
        _map(source, f"{schema}.tsg_jg")
        (run,) = source_sync(source=source)
        assert run.status == RunStatus.COMMITTED, run.message
        # a wrong password is refused with the reason, and the wrong password is not echoed
        source_update(source=source, by=None, password="wrong-Pa55-x")
        with pytest.raises(SourceError) as refused:
            source_connection_test(url="", source=SourceSystem.objects.get(code="pgsrc"))
        assert "连接数据库失败" in str(refused.value) and "wrong-Pa55-x" not in str(refused.value)
        assert server_password not in _audit_text()
    finally:
        with engine.begin() as con:
            con.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
