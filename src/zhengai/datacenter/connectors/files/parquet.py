"""Parquet files (e.g. from another data warehouse)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.header import check_columns


@register("parquet")
def read_parquet(path: Path, *, expected: Sequence[str], name: str | None = None, **_: object) -> Iterator[RawChunk]:
    file = name or path.name
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:
        raise SourceError(f"文件“{file}”不是有效的 Parquet 文件（{type(exc).__name__}）") from None
    notices = check_columns(parquet.schema_arrow.names, expected, file=file, header_line=1)
    data = parquet.read(columns=list(expected))
    if data.num_rows == 0:
        raise SourceError(f"文件“{file}”没有数据行")
    text = pa.table({n: pc.cast(data.column(n), pa.string()) for n in expected})
    yield RawChunk(file=file, table=text, first_row=1, notices=tuple(notices))
