"""SQL databases through a SQLAlchemy URL, with incremental sync on a watermark column.

SQLite and PostgreSQL drivers come with the platform; MySQL (pymysql), Oracle (oracledb) and SQL
Server (pyodbc) are optional extras: ``pip install "zhengai[mysql]"`` and so on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from operator import itemgetter

import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter.connectors import RawChunk, SourceError, register

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
FETCH_ROWS = 200_000


def _engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        from zhengai.datacenter.secrets import mask

        raise SourceError(f"数据库地址无效或缺少驱动：{mask(str(exc))}") from None


def _column_text(values: Sequence[object]) -> pa.Array:
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array([None if v is None else str(v) for v in values], pa.string())
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.timestamp("s"))
    if pa.types.is_decimal(arr.type):
        arr = pc.cast(arr, pa.float64())
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return arr


@register("sql")
def read_sql(
    url: str,
    *,
    locator: str,
    expected: Sequence[str],
    watermark_column: str = "",
    watermark_value: str = "",
    name: str | None = None,
    **_: object,
) -> Iterator[RawChunk]:
    """Rows of one table (or view) of a source database; only rows past the watermark when one is set."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    if not _IDENT.match(locator):
        raise SourceError(f"数据库表名“{locator}”不合法（只允许字母、数字和下划线）")
    for column in [*expected, watermark_column]:
        if column and not _IDENT.match(column):
            raise SourceError(f"列名“{column}”不合法（只允许字母、数字和下划线）")
    label = name or locator
    columns = list(dict.fromkeys([*expected, *([watermark_column] if watermark_column else [])]))
    sql = f"SELECT {', '.join(columns)} FROM {locator}"
    params: dict[str, object] = {}
    if watermark_column:
        if watermark_value:
            sql += f" WHERE {watermark_column} > :wm"
            params["wm"] = watermark_value
        sql += f" ORDER BY {watermark_column}"
    engine = _engine(url)
    offset = 1
    try:
        with engine.connect() as conn:
            # Streamed in partitions through SQLAlchemy's result: with a server-side cursor (PostgreSQL)
            # it has already buffered the first rows, so reading the driver cursor directly would lose them.
            result = conn.execution_options(stream_results=True).execute(text(sql), params)
            for rows in result.partitions(FETCH_ROWS):
                cols = [list(map(itemgetter(i), rows)) for i in range(len(columns))]
                data = pa.table({c: _column_text(cols[i]) for i, c in enumerate(columns)})
                mark = None
                if watermark_column:
                    values = [v for v in cols[columns.index(watermark_column)] if v is not None]
                    mark = str(max(values)) if values else None
                yield RawChunk(
                    file=f"{label}（数据库表 {locator}）",
                    table=data,
                    first_row=offset,
                    watermark=mark,
                    lines=data.num_rows,
                )
                offset += len(rows)
    except SQLAlchemyError as exc:
        from zhengai.datacenter.secrets import mask

        message = mask(str(getattr(exc, "orig", exc)).splitlines()[0])
        raise SourceError(f"读取数据库表“{locator}”失败：{message}") from None
    finally:
        engine.dispose()


def list_tables(url: str) -> list[str]:
    """Tables and views the connection sees (the “test connection” button); errors in Chinese, masked."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from zhengai.datacenter.secrets import mask

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            return sorted({*inspector.get_table_names(), *inspector.get_view_names()})
    except SQLAlchemyError as exc:
        message = mask(str(getattr(exc, "orig", exc)).splitlines()[0])
        raise SourceError(f"连接数据库失败：{message}") from None
    finally:
        engine.dispose()
