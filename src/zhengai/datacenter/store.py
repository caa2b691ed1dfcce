"""The Parquet store: one dataset per standard table, versioned through a manifest in the app database.

Layout under ``settings.DATA_DIR / "datacenter"``::

    tables/<table>/<run>-<n>.parquet    rows of the table, typed per the data standard, plus
                                        _run (the batch) and, for snapshot tables, _snapshot (时点)
    raw/<sha[:2]>/<sha256><ext>         every received file, archived once, named by its checksum

Writers add new files first and then insert one ``DatasetVersion`` row listing the files that make
up the table: readers in any process see the old list or the new one. Files of an interrupted
batch are never listed and so are never read. Event tables are appended (rows whose key already
exists with other values replace the old rows by rewriting the files that held them: copy on
write, so older versions stay readable as they were).
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import IntegrityError, transaction

from zhengai.datacenter.models import DatasetVersion
from zhengai.datacenter.standard import FieldType, StandardTable, TableKind

ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.CODE: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.DECIMAL: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("s"),
    FieldType.BOOLEAN: pa.bool_(),
}
META_COLUMNS = ("_run", "_snapshot")


def root() -> Path:
    path = Path(settings.DATA_DIR) / "datacenter"
    path.mkdir(parents=True, exist_ok=True)
    return path


def table_dir(table: str) -> Path:
    path = root() / "tables" / table
    path.mkdir(parents=True, exist_ok=True)
    return path


def arrow_schema(table: StandardTable) -> pa.Schema:
    fields = [pa.field(f.name, ARROW_TYPES[f.type]) for f in table.fields]
    fields.append(pa.field("_run", pa.int64()))
    if table.kind == TableKind.SNAPSHOT:
        fields.append(pa.field("_snapshot", pa.date32()))
    return pa.schema(fields)


def archive_raw(path: Path) -> dict:
    """Copy a received file into the raw archive under its checksum; return its record."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    target = root() / "raw" / sha[:2] / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    return {
        "name": path.name,
        "sha256": sha,
        "size": path.stat().st_size,
        "path": str(target.relative_to(root())),
    }


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Version:
    table: str
    version: int
    files: tuple[str, ...]
    row_count: int
    run_id: int | None

    def paths(self) -> list[str]:
        base = root()
        return [str(base / f) for f in self.files]


def current_version(table: str, *, as_of_run: int | None = None) -> Version | None:
    """The newest visible version, or the one that was current right after run `as_of_run` committed."""
    qs = DatasetVersion.objects.filter(table=table)
    if as_of_run is not None:
        boundary = qs.filter(run_id=as_of_run).values_list("version", flat=True).first()
        if boundary is None:
            return None
        qs = qs.filter(version__lte=boundary)
    row = qs.order_by("-version").values("table", "version", "files", "row_count", "run_id").first()
    if row is None:
        return None
    return Version(row["table"], row["version"], tuple(row["files"]), row["row_count"], row["run_id"])


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    return con


def scan_sql(version: Version | None, table: StandardTable, *, latest_snapshot: bool = True) -> str:
    """A DuckDB FROM-clause expression for the rows of a version (an empty relation if there is none)."""
    if version is None or not version.files:
        cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}" for f in table.fields)
        extra = ", CAST(NULL AS BIGINT) AS _run"
        if table.kind == TableKind.SNAPSHOT:
            extra += ", CAST(NULL AS DATE) AS _snapshot"
        return f"(SELECT {cols}{extra} WHERE false)"
    paths = version.paths()
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    # Files written before a field joined the standard lack its column: it reads as NULL (never an error),
    # and a column the standard no longer has is left out.
    present = set().union(*(file_columns(p) for p in paths))
    cols = [f.name if f.name in present else f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}" for f in table.fields]
    cols += [m for m in META_COLUMNS if m in present]
    scan = f"(SELECT {', '.join(cols)} FROM read_parquet([{files}], union_by_name = true))"
    if table.kind == TableKind.SNAPSHOT and latest_snapshot:
        return f"(SELECT * FROM {scan} WHERE _snapshot = (SELECT max(_snapshot) FROM {scan}))"
    return scan


@functools.lru_cache(maxsize=4096)
def _columns_of(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    return frozenset(pq.read_schema(path).names)


def file_columns(path: str) -> frozenset[str]:
    """The columns a Parquet file of the store holds (read from its footer; files are never rewritten in
    place, the stat makes sure of it)."""
    stat = Path(path).stat()
    return _columns_of(path, stat.st_mtime_ns, stat.st_size)


def _duck_type(ftype: FieldType) -> str:
    return {
        FieldType.STRING: "VARCHAR",
        FieldType.CODE: "VARCHAR",
        FieldType.INTEGER: "BIGINT",
        FieldType.DECIMAL: "DOUBLE",
        FieldType.DATE: "DATE",
        FieldType.DATETIME: "TIMESTAMP",
        FieldType.BOOLEAN: "BOOLEAN",
    }[ftype]


def read_table(
    table: StandardTable,
    *,
    columns: Iterable[str] | None = None,
    as_of_run: int | None = None,
    latest_snapshot: bool = True,
) -> pa.Table:
    """The rows of a standard table as Arrow (the current version, or as of an earlier batch)."""
    version = current_version(table.name, as_of_run=as_of_run)
    cols = ", ".join(columns) if columns else ", ".join(f.name for f in table.fields)
    con = connect()
    try:
        return con.sql(
            f"SELECT {cols} FROM {scan_sql(version, table, latest_snapshot=latest_snapshot)}"
        ).to_arrow_table()
    finally:
        con.close()


# ------------------------------------------------------------------------------------------ writing


def write_file(table: StandardTable, run_id: int, n: int, data: pa.Table) -> str:
    """Write one Parquet file of a batch (not yet visible) and return its path relative to the root."""
    target = table_dir(table.name) / f"{run_id:08d}-{n:03d}.parquet"
    tmp = target.with_suffix(".parquet.part")
    pq.write_table(data, tmp, compression="zstd", row_group_size=256_000)
    tmp.replace(target)
    return str(target.relative_to(root()))


def publish(*, table: str, files: list[str], row_count: int, run_id: int, based_on: Version | None) -> int:
    """Make a new version visible. Fails if another writer published since `based_on` was read."""
    next_version = (based_on.version if based_on else 0) + 1
    try:
        with transaction.atomic():
            DatasetVersion.objects.create(
                table=table, version=next_version, run_id=run_id, files=files, row_count=row_count
            )
    except IntegrityError as exc:
        raise RuntimeError(f"标准表 {table} 在本批次处理期间已被其他批次更新，请重新导入") from exc
    return next_version
