"""Parquet files (e.g. from another data warehouse)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.header import check_columns, with_optional


@register("parquet")
def read_parquet(
    path: Path, *, expected: Sequence[str], name: str | None = None, optional: Sequence[str] = (), **_: object
) -> Iterator[RawChunk]:
    file = name or path.name
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:
        raise SourceError(f"文件“{file}”不是有效的 Parquet 文件（{type(exc).__name__}）") from None
    present = parquet.schema_arrow.names
    notices = check_columns(present, expected, file=file, header_line=1, optional=optional)
    taken = [*expected, *(o for o in optional if o in present)]
    data = parquet.read(columns=taken)
    if data.num_rows == 0:
        raise SourceError(f"文件“{file}”没有数据行")
    text = with_optional(pa.table({n: pc.cast(data.column(n), pa.string()) for n in taken}), optional)
    yield RawChunk(file=file, table=text, first_row=1, notices=tuple(notices), lines=text.num_rows)
