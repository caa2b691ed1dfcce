"""Connection secrets of sources: encrypted at rest, resolved only when connecting.

A source keeps its database URL without the password in `config["url"]`; the password lives in
`SourceSystem.secrets`, Fernet-encrypted, or as an environment reference ``env:VAR_NAME`` that is
read only at connect time (so IT can keep the password out of the database entirely). The key is
``ZHENGAI_SECRETS_KEY`` (a Fernet key) if set, else derived from ``SECRET_KEY`` with HKDF.

`connection_url` is the one place that puts URL and password together; every reader of
`config["url"]` goes through it. `mask` removes a password from any text (SQLAlchemy errors
may echo the URL) before it reaches a page, log or audit record.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

from django.conf import settings

from zhengai.datacenter.connectors import SourceError

ENV_PREFIX = "env:"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTEXT = b"zhengai.datacenter.source-secrets.v1"
# user:password@ in any URL-like text; the password is whatever sits between ':' and the last '@' of the netloc.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")


def _fernet():
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = os.environ.get("ZHENGAI_SECRETS_KEY", "").strip()
    if key:
        try:
            return Fernet(key.encode())
        except ValueError:
            raise SourceError(
                "环境变量 ZHENGAI_SECRETS_KEY 不是有效的 Fernet 密钥（应为 44 个字符的 base64 文本）；"
                '可用 python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" 生成'
            ) from None
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def secrets_encrypt(values: dict[str, str]) -> str:
    """The text stored in `SourceSystem.secrets`; empty values are dropped, no values give ""."""
    values = {k: v for k, v in values.items() if v}
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()


def secrets_decrypt(token: str, *, source_name: str = "") -> dict[str, str]:
    from cryptography.fernet import InvalidToken

    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        who = f"数据源“{source_name}”" if source_name else "数据源"
        raise SourceError(
            f"{who}保存的连接密码无法解密：加密密钥（ZHENGAI_SECRETS_KEY 或 SECRET_KEY）在保存之后更换过。"
            "请恢复原来的密钥，或在数据源设置中重新输入密码"
        ) from None


def password_state(source: Any) -> str:
    """How pages and `source show` describe the password: never the value."""
    if not source.secrets:
        return "未设置"
    try:
        stored = secrets_decrypt(source.secrets, source_name=source.name).get("password", "")
    except SourceError:
        return "已设置（无法解密，请重新输入）"
    if stored.startswith(ENV_PREFIX):
        return f"取自环境变量 {stored[len(ENV_PREFIX) :]}"
    return "已设置" if stored else "未设置"


def env_reference(source: Any) -> str:
    """The environment variable name the password is taken from, or ""; a name is not a secret."""
    if not source.secrets:
        return ""
    try:
        stored = secrets_decrypt(source.secrets, source_name=source.name).get("password", "")
    except SourceError:
        return ""
    return stored[len(ENV_PREFIX) :] if stored.startswith(ENV_PREFIX) else ""


def check_env_name(name: str) -> str:
    name = (name or "").strip()
    if not _ENV_NAME.match(name):
        raise SourceError(f"环境变量名“{name}”不合规：只能含字母、数字和下划线，且不以数字开头")
    return name


def split_url(url: str) -> tuple[str, str]:
    """(url without password, password) of a typed URL; raises SourceError when it does not parse."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = (url or "").strip()
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SourceError(f"数据库地址“{mask(url)}”无法解析，格式如 postgresql://用户名@主机:5432/库名") from None
    password = parsed.password or ""
    return parsed._replace(password=None).render_as_string(hide_password=False), str(password)


def url_driver_check(url: str) -> None:
    """Refuse a URL whose database driver is not installed, naming it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError) as exc:  # NoSuchModuleError is an ArgumentError: first
        raise SourceError(
            f"数据库地址中的驱动“{make_url(url).drivername}”在本机不可用（{type(exc).__name__}）；"
            "SQLite、PostgreSQL 自带，MySQL、Oracle、SQL Server 需安装对应驱动"
        ) from None
    except (ArgumentError, ValueError):
        raise SourceError(f"数据库地址“{mask(url)}”无法解析，格式如 postgresql://用户名@主机:5432/库名") from None


def resolve_password(source: Any) -> str:
    """The password to connect with: decrypted, or read from the named environment variable."""
    stored = secrets_decrypt(source.secrets, source_name=source.name).get("password", "")
    if not stored.startswith(ENV_PREFIX):
        return stored
    name = stored[len(ENV_PREFIX) :]
    if name not in os.environ:
        raise SourceError(f"数据源“{source.name}”的密码取自环境变量 {name}，但本进程没有设置该变量")
    return os.environ[name]


def connection_url(source: Any) -> str:
    """The real URL to connect to a SQL source: the stored URL plus its password."""
    from sqlalchemy.engine import make_url

    url = (source.config or {}).get("url", "")
    if not url:
        raise SourceError(f"数据源“{source.name}”没有配置数据库地址，请在数据源设置中填写")
    password = resolve_password(source)
    parsed = make_url(url)
    if password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def mask(text: str, *secrets: str) -> str:
    """`text` with every URL password and every given secret replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", str(text))
    from urllib.parse import quote_plus

    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***").replace(quote_plus(secret), "***")
    return text


def source_secret_values(source: Any) -> list[str]:
    """The clear secrets of a source, for masking error messages; [] when they cannot be read."""
    try:
        return [resolve_password(source)]
    except SourceError:
        return []


def move_url_passwords(sources: Any) -> int:
    """Data migration step: passwords typed inside stored URLs go to the encrypted secrets.

    `sources` is a queryset of SourceSystem (the historical model in a migration). A source that
    already has a stored password keeps it; the URL's password replaces it only when none is stored.
    Returns the number of sources changed.
    """
    changed = 0
    for source in sources:
        url = (source.config or {}).get("url", "")
        if not url:
            continue
        try:
            clean, password = split_url(url)
        except SourceError:
            continue
        if not password:
            continue
        stored = secrets_decrypt(source.secrets, source_name=source.name) if source.secrets else {}
        stored.setdefault("password", password)
        source.secrets = secrets_encrypt(stored)
        source.config = {**source.config, "url": clean}
        source.save(update_fields=["secrets", "config"])
        changed += 1
    return changed
