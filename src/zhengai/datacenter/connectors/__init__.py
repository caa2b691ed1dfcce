"""Source connectors: each turns what a source delivers into chunks of source text.

A connector yields `RawChunk`s: an Arrow table of the source's own columns as text, with the row
number each row had in the source, so that every later error can name file, row and field.
Connectors register themselves by kind; `reader_for` picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa


class SourceError(Exception):
    """A whole file or source cannot be read. The message is Chinese and names the file."""


@dataclass
class RawChunk:
    file: str  # what a clerk recognises: the file name (and sheet), or the database table
    table: pa.Table  # the source's columns, every value as text (null for empty)
    first_row: int  # the source row number of table row 0
    row_numbers: pa.Array | None = None  # explicit row numbers when rows are not consecutive
    notices: tuple[str, ...] = ()
    # Rows the reader could not even split into columns: (row number, reason, raw text).
    row_errors: tuple[tuple[int | None, str, str], ...] = ()
    # For files: the physical lines (rows of a sheet) of the whole file, and the blank ones among them.
    lines: int | None = None
    blank_lines: int = 0
    # For incremental SQL sync: the highest watermark value in this chunk (rows come in order).
    watermark: str | None = None
    # Optional: given (row number, source column) of cells validation found empty, explain those that
    # only look empty (an xlsx formula cell saved without its result); asked only when needed.
    explain_blank: Callable[[list[tuple[int, str]]], dict[tuple[int, str], str]] | None = None

    def rows(self) -> pa.Array:
        if self.row_numbers is not None:
            return self.row_numbers
        import numpy as np

        return pa.array(np.arange(self.first_row, self.first_row + self.table.num_rows, dtype=np.int64))


Reader = Callable[..., Iterator[RawChunk]]
_REGISTRY: dict[str, Reader] = {}


def register(kind: str) -> Callable[[Reader], Reader]:
    def wrap(fn: Reader) -> Reader:
        _REGISTRY[kind] = fn
        return fn

    return wrap


def reader_for(kind: str) -> Reader:
    from zhengai.datacenter.connectors import files, push, sql  # noqa: F401  (registration)

    try:
        return _REGISTRY[kind]
    except KeyError:
        raise SourceError(f"不支持的数据格式：{kind}") from None
