"""The push API: source systems send rows as JSON; each request becomes one import run.

    POST /api/datacenter/push/<source>/<table>/   Authorization: Bearer <令牌>
         {"rows": [{源列名: 值, …}, …], "dry_run": false, "snapshot_date": "2025-09-30"}
         → 202 {"run": 17, "status": "pending", "status_url": …}
    GET  /api/datacenter/runs/<id>/               the run's status and counts (same token)
    GET  /api/datacenter/openapi.json             OpenAPI 3.1, generated from the data standard
                                                  and the push sources' mappings

One token per source. Only an HMAC of the token is stored (keyed from SECRET_KEY), so a copy of
the database does not let anyone push. The received rows are archived as a JSON file and the run
reads that file back, so a run can be retried like any file import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from zhengai.audit.services import audit_record
from zhengai.datacenter.choices import ConnectorKind, RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.connectors.push import rows_problem
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create
from zhengai.datacenter.standard import CODE_SETS, TABLES_BY_NAME, FieldType, StandardTable, TableKind
from zhengai.datacenter.standard import table as standard_table
from zhengai.datacenter.tasks import import_run_task

PUSH_MAX_ROWS = 50_000
PUSH_MAX_BYTES = 256 * 1024 * 1024  # far above 50,000 rows of any standard table
_BODY_KEYS = ("rows", "dry_run", "snapshot_date")

# ------------------------------------------------------------------------------------------ services


def _token_digest(token: str) -> str:
    key = hmac.new(settings.SECRET_KEY.encode(), b"zhengai.datacenter.push-token", hashlib.sha256).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def push_token_issue(*, source: SourceSystem, by: Any) -> str:
    """Issue (or replace) the push token of a source. The token is returned once and never stored."""
    if source.connector != ConnectorKind.PUSH:
        raise ValueError(f"数据源“{source.name}”不是接口推送方式，不能签发推送令牌")
    token = secrets.token_urlsafe(32)
    had_token = bool(source.push_token_hash)
    source.push_token_hash = _token_digest(token)
    source.save(update_fields=["push_token_hash"])
    audit_record(
        actor=by,
        action="更换推送令牌" if had_token else "签发推送令牌",
        obj=source,
        before={"推送令牌": "已签发" if had_token else "无"},
        after={"推送令牌": "已签发"},
        note="旧令牌立即失效" if had_token else "",
    )
    return token


@transaction.atomic
def push_token_revoke(*, source: SourceSystem, by: Any) -> None:
    """Withdraw a source's push token: every push is refused until a new one is issued."""
    if not source.push_token_hash:
        return
    source.push_token_hash = ""
    source.save(update_fields=["push_token_hash"])
    audit_record(actor=by, action="吊销推送令牌", obj=source, before={"推送令牌": "已签发"}, after={"推送令牌": "无"})


def push_token_valid(*, source: SourceSystem, token: str) -> bool:
    return bool(source.push_token_hash) and hmac.compare_digest(source.push_token_hash, _token_digest(token))


def push_token_source(*, token: str) -> SourceSystem | None:
    """The push source a token belongs to, if any."""
    digest = _token_digest(token)
    source = SourceSystem.objects.filter(connector=ConnectorKind.PUSH, push_token_hash=digest).first()
    if source is None or not hmac.compare_digest(source.push_token_hash, digest):
        return None
    return source


def push_run_create(
    *,
    source: SourceSystem,
    table: str,
    rows: list[dict],
    dry_run: bool = False,
    snapshot_date: dt.date | None = None,
) -> ImportRun:
    """Archive a pushed batch as JSON, register its run and queue it for the worker."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="zhengai-push-") as tmp:
        path = Path(tmp) / f"接口推送_{source.code}_{table}_{stamp}.json"
        path.write_text(json.dumps({"rows": rows}, ensure_ascii=False), encoding="utf-8")
        run = import_run_create(source=source, table=table, paths=[path], dry_run=dry_run, snapshot_date=snapshot_date)
    import_run_task.enqueue(run.pk)
    run.refresh_from_db()  # an immediate task backend has already executed it
    return run


# ------------------------------------------------------------------------------------------ views


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str, **headers: str) -> JsonResponse:
    response = _json({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _json(data: Any, *, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _unauthorized(message: str) -> JsonResponse:
    return _error(401, message, **{"WWW-Authenticate": 'Bearer realm="zhengai"'})


def _parse_body(request: HttpRequest) -> dict:
    content_type = request.content_type or ""
    if content_type not in ("application/json", ""):
        raise _BadRequest(415, f"请求体必须是 JSON（Content-Type: application/json），收到的是“{content_type}”")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > PUSH_MAX_BYTES:
        raise _BadRequest(413, f"请求体超过 {PUSH_MAX_BYTES // (1024 * 1024)} MB，请分批推送")
    raw = request.read(PUSH_MAX_BYTES + 1)
    if len(raw) > PUSH_MAX_BYTES:
        raise _BadRequest(413, f"请求体超过 {PUSH_MAX_BYTES // (1024 * 1024)} MB，请分批推送")
    if not raw.strip():
        raise _BadRequest(400, '请求体是空的，应为 {"rows": [...]}')
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise _BadRequest(400, "请求体必须是 UTF-8 编码的 JSON") from None
    except json.JSONDecodeError as exc:
        raise _BadRequest(400, f"请求体不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, '请求体必须是 JSON 对象，形如 {"rows": [...]}')
    unknown = [k for k in body if k not in _BODY_KEYS]
    if unknown:
        raise _BadRequest(400, f"请求体中有不认识的键：{'、'.join(unknown)}（只接受 rows、dry_run、snapshot_date）")
    if "rows" not in body:
        raise _BadRequest(400, "请求体缺少 rows（要导入的记录数组）")
    rows = body["rows"]
    if isinstance(rows, list) and len(rows) > PUSH_MAX_ROWS:
        raise _BadRequest(413, f"一次最多推送 {PUSH_MAX_ROWS:,} 行，本次有 {len(rows):,} 行，请分批推送")
    problem = rows_problem(rows)
    if problem:
        raise _BadRequest(400, problem)
    if not rows:
        raise _BadRequest(400, "rows 是空数组，没有要导入的记录")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise _BadRequest(400, "dry_run 必须是 true 或 false")
    snapshot = body.get("snapshot_date")
    snapshot_date = None
    if snapshot is not None:
        try:
            snapshot_date = (
                dt.date.fromisoformat(snapshot) if isinstance(snapshot, str) and len(snapshot) == 10 else None
            )
        except ValueError:
            snapshot_date = None
        if snapshot_date is None:
            raise _BadRequest(
                400, f"snapshot_date 必须是 YYYY-MM-DD 格式的日期或 null，收到的是 {json.dumps(snapshot)}"
            )
    return {"rows": rows, "dry_run": dry_run, "snapshot_date": snapshot_date}


def _status_url(request: HttpRequest, run: ImportRun) -> str:
    return request.build_absolute_uri(reverse("datacenter_api:run", args=[run.pk]))


def _run_data(request: HttpRequest, run: ImportRun) -> dict:
    def stamp(value: dt.datetime | None) -> str | None:
        return timezone.localtime(value).isoformat() if value else None

    return {
        "run": run.pk,
        "source": run.source.code,
        "table": run.table,
        "status": run.status,
        "status_label": run.get_status_display(),
        "finished": run.status in RunStatus.finished(),
        "dry_run": run.dry_run,
        "snapshot_date": run.snapshot_date.isoformat() if run.snapshot_date else None,
        "created_at": stamp(run.created_at),
        "started_at": stamp(run.started_at),
        "finished_at": stamp(run.finished_at),
        "progress": run.progress,
        "progress_text": run.progress_text,
        "counts": {
            "total": run.rows_total,
            "new": run.rows_new,
            "updated": run.rows_updated,
            "unchanged": run.rows_unchanged,
            "invalid": run.rows_invalid,
            "removed": run.rows_removed,
        },
        "decision": run.decision,
        "message": run.message,
        "status_url": _status_url(request, run),
    }


@csrf_exempt
def push(request: HttpRequest, source_code: str, table: str) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "推送接口只接受 POST 请求", Allow="POST")
    source = SourceSystem.objects.filter(code=source_code, connector=ConnectorKind.PUSH).first()
    if source is None:
        return _error(404, f"没有代码为“{source_code}”的接口推送数据源")
    token = _bearer(request)
    if not token:
        return _unauthorized("缺少推送令牌：请在请求头中加上 Authorization: Bearer <令牌>")
    if not push_token_valid(source=source, token=token):
        return _unauthorized(f"推送令牌无效或已更换，请向信息中心索取数据源“{source.name}”的新令牌")
    if not source.active:
        return _error(403, f"数据源“{source.name}”已停用，不接收推送")
    if not SourceMapping.objects.filter(source=source, table=table).exists():
        if table not in TABLES_BY_NAME:
            return _error(404, f"没有名为“{table}”的标准数据表")
        return _error(404, f"数据源“{source.name}”没有“{standard_table(table).label}”表（{table}）的字段映射")
    try:
        body = _parse_body(request)
        run = push_run_create(source=source, table=table, **body)
    except _BadRequest as exc:
        return _error(exc.status, str(exc))
    except SourceError as exc:
        return _error(400, str(exc))
    return _json({"run": run.pk, "status": run.status, "status_url": _status_url(request, run)}, status=202)


@csrf_exempt
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "批次状态接口只接受 GET 请求", Allow="GET, HEAD")
    token = _bearer(request)
    if not token:
        return _unauthorized("缺少推送令牌：请在请求头中加上 Authorization: Bearer <令牌>")
    source = push_token_source(token=token)
    if source is None:
        return _unauthorized("推送令牌无效或已更换，请向信息中心索取新令牌")
    run = ImportRun.objects.filter(pk=run_id, source=source).select_related("source").first()
    if run is None:
        return _error(404, f"数据源“{source.name}”没有编号为 {run_id} 的采集批次")
    return _json(_run_data(request, run))


def openapi(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "只接受 GET 请求", Allow="GET, HEAD")
    return _json(openapi_schema(server_url=request.build_absolute_uri("/")))


# ------------------------------------------------------------------------------------------ OpenAPI

_JSON_TYPES = {
    FieldType.STRING: "string",
    FieldType.CODE: "string",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "number",
    FieldType.DATE: "string",
    FieldType.DATETIME: "string",
    FieldType.BOOLEAN: "boolean",
}
_EXAMPLES = {FieldType.DATE: "2024-09-01", FieldType.DATETIME: "2024-09-01 08:30:00", FieldType.BOOLEAN: True}


def _field_text(table: StandardTable, name: str, mapping: SourceMapping) -> str:
    f = table.field(name)
    parts = [f"{f.label}（标准字段 {table.name}.{f.name}，{f.type_label}）"]
    if f.description:
        parts.append(f.description)
    if f.unit:
        parts.append(f"单位：{f.unit}")
    if f.code_set:
        code_set = CODE_SETS[f.code_set]
        codes = "、".join(f"{code}={label}" for code, label in code_set.codes[:30])
        more = " 等" if len(code_set.codes) > 30 else ""
        parts.append(f"代码集“{code_set.label}”：{codes}{more}（也可填写名称）")
    if f.type == FieldType.BOOLEAN:
        parts.append("可用 true/false，或“是”/“否”")
    if f.type == FieldType.DATE:
        parts.append("格式 YYYY-MM-DD")
    if f.type == FieldType.DATETIME:
        parts.append("格式 YYYY-MM-DD HH:MM:SS")
    if f.references:
        ref_table, _, ref_field = f.references.partition(".")
        parts.append(f"须在“{standard_table(ref_table).label}”表中存在（{ref_field}）")
    if name in (mapping.transforms or {}):
        parts.append(f"按规则“{mapping.transforms[name]}”转换")
    if name in (mapping.value_maps or {}):
        parts.append(f"源值按对应表转换：{json.dumps(mapping.value_maps[name], ensure_ascii=False)[:200]}")
    return "；".join(parts)


def _column_schema(table: StandardTable, name: str, mapping: SourceMapping) -> dict:
    f = table.field(name)
    converted = name in (mapping.transforms or {}) or name in (mapping.value_maps or {})
    json_type = "string" if converted else _JSON_TYPES[f.type]
    schema: dict[str, Any] = {"type": json_type if f.required else [json_type, "null"]}
    if json_type == "string" and f.type == FieldType.DATE:
        schema["format"] = "date"
    if json_type == "string" and f.max_length and f.type == FieldType.STRING:
        schema["maxLength"] = f.max_length
    if json_type in ("integer", "number"):
        if f.min_value is not None:
            schema["minimum"] = f.min_value
        if f.max_value is not None:
            schema["maximum"] = f.max_value
    if f.type in _EXAMPLES and not converted:
        schema["examples"] = [_EXAMPLES[f.type]]
    schema["description"] = _field_text(table, name, mapping)
    schema["x-standard-field"] = f"{table.name}.{f.name}"
    return schema


def _row_schema(mapping: SourceMapping) -> dict:
    table = standard_table(mapping.table)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for name, column in mapping.columns.items():
        if name in (mapping.fixed_values or {}) or name not in table.field_index:
            continue
        if column in properties:  # one source column feeding two standard fields
            properties[column]["description"] += "\n同时对应：" + _field_text(table, name, mapping)
            continue
        properties[column] = _column_schema(table, name, mapping)
        if table.field(name).required and column not in required:
            required.append(column)
    schema: dict[str, Any] = {
        "type": "object",
        "title": f"{mapping.source.name} → {table.label}",
        "description": "一条记录：键为源系统的列名。未列出的键会被忽略。",
        "properties": properties,
    }
    if required:
        schema["required"] = required
    return schema


def _table_semantics(table: StandardTable) -> str:
    if table.kind == TableKind.SNAPSHOT:
        return (
            f"“{table.label}”是快照表：每次推送必须是截至 snapshot_date（不填为当天）的全部记录，"
            "本次没有出现的记录视为已不存在。超过 50,000 行时请改用文件导入。"
        )
    return f"“{table.label}”是事件表：记录追加入库，主键（{'、'.join(table.primary_key)}）相同的记录以最新一次为准。"


def openapi_schema(*, server_url: str | None = None) -> dict:
    """The OpenAPI 3.1 document of the push API for the active push sources and their mappings."""
    run_path = reverse("datacenter_api:run", args=[0]).replace("/0/", "/{run_id}/")
    errors = {
        "400": ("请求格式错误（说明哪里不对）", "Error"),
        "401": ("缺少令牌或令牌无效", "Error"),
        "403": ("数据源已停用", "Error"),
        "404": ("数据源或字段映射不存在", "Error"),
        "413": (f"超过 {PUSH_MAX_ROWS:,} 行或请求体过大", "Error"),
        "415": ("请求体不是 JSON", "Error"),
    }

    def responses(ok: str, ok_text: str, ok_schema: str, codes: tuple[str, ...]) -> dict:
        out = {ok: _response(ok_text, ok_schema)}
        out.update({code: _response(*errors[code]) for code in codes})
        return out

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string", "description": "中文错误说明"}},
        },
        "RunAccepted": {
            "type": "object",
            "required": ["run", "status", "status_url"],
            "properties": {
                "run": {"type": "integer", "description": "采集批次编号"},
                "status": {"type": "string", "enum": list(RunStatus.values)},
                "status_url": {"type": "string", "format": "uri", "description": "查询批次状态的地址"},
            },
        },
        "RunStatus": _run_status_schema(),
    }
    sources = SourceSystem.objects.filter(connector=ConnectorKind.PUSH, active=True).order_by("code")
    mappings = (
        SourceMapping.objects.filter(source__in=sources).select_related("source").order_by("source__code", "order")
    )
    tags = [{"name": s.code, "description": s.name} for s in sources]
    for mapping in mappings:
        if mapping.table not in TABLES_BY_NAME:
            continue
        table = standard_table(mapping.table)
        source = mapping.source
        row_name = f"{source.code}.{table.name}.row"
        schemas[row_name] = _row_schema(mapping)
        path = reverse("datacenter_api:push", args=[source.code, table.name])
        paths[path] = {
            "post": {
                "tags": [source.code],
                "operationId": f"push_{source.code}_{table.name}".replace("-", "_"),
                "summary": f"{source.name}推送“{table.label}”",
                "description": _table_semantics(table),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _push_body_schema(row_name)}},
                },
                "responses": responses(
                    "202", "已接收，批次排队处理", "RunAccepted", ("400", "401", "403", "404", "413", "415")
                ),
            }
        }
    paths[run_path] = {
        "get": {
            "summary": "查询采集批次的状态与行数",
            "operationId": "run_status",
            "parameters": [
                {
                    "name": "run_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                    "description": "批次编号",
                }
            ],
            "responses": responses("200", "批次状态", "RunStatus", ("401", "404")),
        }
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "诊改平台 数据中心推送接口",
            "version": "1",
            "description": (
                "源系统以 JSON 推送记录，每次请求形成一个采集批次，按数据标准校验后入库或拒收。"
                "每个数据源一个令牌，放在请求头 Authorization: Bearer <令牌> 中，由信息中心签发。"
            ),
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "数据源推送令牌"}},
        },
        "security": [{"bearer": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/") or "/"}]
    return document


def _response(text: str, schema: str) -> dict:
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _push_body_schema(row_name: str) -> dict:
    return {
        "type": "object",
        "required": ["rows"],
        "additionalProperties": False,
        "properties": {
            "rows": {
                "type": "array",
                "minItems": 1,
                "maxItems": PUSH_MAX_ROWS,
                "items": {"$ref": f"#/components/schemas/{row_name}"},
            },
            "dry_run": {"type": "boolean", "default": False, "description": "只校验，不写入数据中心"},
            "snapshot_date": {
                "type": ["string", "null"],
                "format": "date",
                "description": "快照时点（快照表），不填为处理当天",
            },
        },
    }


def _run_status_schema() -> dict:
    count = {"type": "integer", "minimum": 0}
    stamp = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "object",
        "required": ["run", "source", "table", "status", "finished", "counts"],
        "properties": {
            "run": {"type": "integer"},
            "source": {"type": "string"},
            "table": {"type": "string"},
            "status": {"type": "string", "enum": list(RunStatus.values)},
            "status_label": {"type": "string", "description": "状态的中文名称"},
            "finished": {"type": "boolean", "description": "是否已处理完（入库、无变化、拒收、出错、已校验）"},
            "dry_run": {"type": "boolean"},
            "snapshot_date": {"type": ["string", "null"], "format": "date"},
            "created_at": stamp,
            "started_at": stamp,
            "finished_at": stamp,
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "progress_text": {"type": "string"},
            "counts": {
                "type": "object",
                "properties": {k: count for k in ("total", "new", "updated", "unchanged", "invalid", "removed")},
            },
            "decision": {"type": "string", "description": "处理决定（中文）"},
            "message": {"type": "string", "description": "错误或提示信息（中文）"},
            "status_url": {"type": "string", "format": "uri"},
        },
    }
