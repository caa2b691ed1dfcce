"""Creating and changing sources: name, unit, connection URL and password, schedule, policy.

Used by the data center's settings page and `zhengai source add|edit`. Passwords go to the
encrypted `secrets` (see `datacenter/secrets.py`); audit records show them only as 已设置 / 已更改 /
未设置.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from zhengai.audit.services import audit_record
from zhengai.datacenter import secrets
from zhengai.datacenter.choices import ConnectorKind, InvalidPolicy
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import SourceSystem

SOURCE_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
RESERVED_CODES = frozenset({"new"})  # sources/new/ is the create page
MAX_SCHEDULE_MINUTES = 60 * 24 * 31
MAX_EXPECTED_DAYS = 3660


def _snapshot(source: SourceSystem) -> dict:
    """A source as the audit log shows it; the password only as a state, never its value."""
    snap = {
        "名称": source.name,
        "接入方式": source.get_connector_display(),
        "责任部门": source.owner_unit.name if source.owner_unit_id else "",
        "同步周期（分钟）": source.schedule_minutes,
        "应更新周期（天）": source.expected_every_days,
        "无效行处理": source.get_invalid_policy_display(),
        "启用": "是" if source.active else "否",
    }
    if source.connector == ConnectorKind.SQL:
        snap["数据库地址"] = secrets.mask((source.config or {}).get("url", ""))
        snap["密码"] = secrets.password_state(source)
    return snap


def _unit(unit_code: str):
    from zhengai.org.models import OrgUnit

    if not unit_code:
        return None
    unit = OrgUnit.objects.filter(code=unit_code).first()
    if unit is None:
        known = "、".join(OrgUnit.objects.order_by("code").values_list("code", flat=True)[:20]) or "（还没有部门）"
        raise SourceError(f"没有代码为“{unit_code}”的部门。现有：{known}")
    return unit


def _whole(value: Any, label: str, highest: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise SourceError(f"{label}“{value}”不是整数，请填写 0 或正整数") from None
    if number < 0 or number > highest:
        raise SourceError(f"{label}“{value}”超出范围，请填写 0 到 {highest} 之间的整数")
    return number


def _apply(
    source: SourceSystem,
    *,
    name: str | None = None,
    unit_code: str | None = None,
    url: str | None = None,
    password: str | None = None,
    password_env: str | None = None,
    clear_password: bool = False,
    schedule_minutes: Any = None,
    expected_every_days: Any = None,
    invalid_policy: str | None = None,
    active: bool | None = None,
) -> bool:
    """Validate and set the given fields on `source` (None = leave as is); True when the password changed."""
    if name is not None:
        name = name.strip()
        if not name:
            raise SourceError("数据源名称不能为空")
        if len(name) > 64:
            raise SourceError(f"数据源名称“{name[:20]}…”太长，不超过 64 个字符")
        source.name = name
    if unit_code is not None:
        source.owner_unit = _unit(unit_code.strip())
    if schedule_minutes is not None:
        source.schedule_minutes = _whole(schedule_minutes, "同步周期（分钟）", MAX_SCHEDULE_MINUTES)
    if expected_every_days is not None:
        source.expected_every_days = _whole(expected_every_days, "应更新周期（天）", MAX_EXPECTED_DAYS)
    if invalid_policy is not None:
        if invalid_policy not in InvalidPolicy.values:
            choices = "、".join(f"{k}（{label}）" for k, label in InvalidPolicy.choices)
            raise SourceError(f"无效行处理“{invalid_policy}”不认识，可选：{choices}")
        source.invalid_policy = invalid_policy
    if active is not None:
        source.active = bool(active)

    is_sql = source.connector == ConnectorKind.SQL
    if not is_sql and (url or password or password_env):
        raise SourceError(f"数据源“{source.name}”不是数据库方式，不需要数据库地址和密码")
    typed_password = ""
    if url is not None and is_sql:
        url = url.strip()
        if url:
            clean, typed_password = secrets.split_url(url)
            secrets.url_driver_check(clean)
            source.config = {**(source.config or {}), "url": clean}
        else:
            source.config = {k: v for k, v in (source.config or {}).items() if k != "url"}
    chosen = sum(bool(x) for x in (password, password_env, clear_password))
    if chosen > 1:
        raise SourceError("密码、环境变量引用和“清除密码”只能选一种")
    new_password: str | None = None  # None: unchanged
    if clear_password:
        new_password = ""
    elif password:
        new_password = password
    elif password_env:
        new_password = secrets.ENV_PREFIX + secrets.check_env_name(password_env)
    elif typed_password:
        new_password = typed_password  # a password typed inside the URL goes to the secrets
    if new_password is None:
        return False
    old = secrets.secrets_decrypt(source.secrets, source_name=source.name) if source.secrets else {}
    if old.get("password", "") == new_password:
        return False
    source.secrets = secrets.secrets_encrypt({**old, "password": new_password})
    return True


@transaction.atomic
def source_create(
    *,
    code: str,
    name: str = "",
    connector: str = ConnectorKind.FILES,
    unit_code: str = "",
    by: Any = None,
    **fields: Any,
) -> SourceSystem:
    """A new source system, audited. The unit is optional (a fresh install may have no org units yet).

    `fields` are those of `source_update`: url, password, password_env, schedule_minutes,
    expected_every_days, invalid_policy, active.
    """
    code = (code or "").strip()
    if not SOURCE_CODE.match(code):
        raise SourceError(f"数据源代码“{code}”不合规：以小写字母开头，只含小写字母、数字、- 和 _，不超过 32 个字符")
    if code in RESERVED_CODES:
        raise SourceError(f"数据源代码“{code}”是页面地址保留字，请换一个")
    if SourceSystem.objects.filter(code=code).exists():
        raise SourceError(f"已有代码为“{code}”的数据源")
    if connector not in ConnectorKind.values:
        kinds = "、".join(f"{k}（{label}）" for k, label in ConnectorKind.choices)
        raise SourceError(f"接入方式“{connector}”不认识，可选：{kinds}")
    source = SourceSystem(code=code, name=code, connector=connector)
    fields.pop("clear_password", None)
    _apply(source, name=(name or code).strip()[:64], unit_code=unit_code or "", **fields)
    source.save()
    audit_record(actor=by, action="新建数据源", obj=source, before=None, after={"代码": code, **_snapshot(source)})
    return source


@transaction.atomic
def source_update(*, source: SourceSystem, by: Any, **fields: Any) -> SourceSystem:
    """Change a source's settings; only the given fields (None = unchanged). Audited with before and after.

    Fields: name, unit_code ("" = no unit), url ("" = none), password, password_env ("env:NAME"
    reference), clear_password, schedule_minutes, expected_every_days, invalid_policy, active.
    A URL typed with a password inside is stored without it; the password goes to the secrets.
    """
    source = SourceSystem.objects.select_for_update(of=("self",)).select_related("owner_unit").get(pk=source.pk)
    before = _snapshot(source)
    changed_password = _apply(source, **fields)
    source.save()
    after = _snapshot(source)
    if changed_password and after.get("密码") == "已设置":
        after["密码"] = "已更改"
    if before != after:
        audit_record(actor=by, action="修改数据源设置", obj=source, before=before, after=after)
    return source


def source_connection_test(
    *, url: str, password: str = "", password_env: str = "", source: SourceSystem | None = None
) -> list[str]:
    """Connect with the given settings (a blank password: the source's stored one) and list the tables.

    Nothing is saved. Errors are SourceError in Chinese with every password masked.
    """
    from sqlalchemy.engine import make_url

    from zhengai.datacenter.connectors.sql import list_tables

    url = (url or "").strip() or ((source.config or {}).get("url", "") if source else "")
    if not url:
        raise SourceError("请先填写数据库地址，格式如 postgresql://用户名@主机:5432/库名")
    clean, typed = secrets.split_url(url)
    secrets.url_driver_check(clean)
    if password_env:
        name = secrets.check_env_name(password_env)
        import os

        if name not in os.environ:
            raise SourceError(f"本进程没有设置环境变量 {name}，无法取得密码")
        password = os.environ[name]
    elif not password and not typed and source is not None and source.secrets:
        password = secrets.resolve_password(source)
    password = password or typed
    full = make_url(clean)
    if password:
        full = full.set(password=password)
    try:
        return list_tables(full.render_as_string(hide_password=False))
    except SourceError as exc:
        raise SourceError(secrets.mask(str(exc), password)) from None
