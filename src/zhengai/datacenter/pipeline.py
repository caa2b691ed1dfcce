"""The import pipeline: read → map → validate → compare with the current version → write → publish.

Everything that decides is here and takes its inputs as values; `services.py` wraps it in an
import run (status, progress, files, audit of the decision).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter import store
from zhengai.datacenter.connectors import RawChunk
from zhengai.datacenter.mapping import MappingSpec, apply
from zhengai.datacenter.standard import TABLES_BY_NAME, StandardTable, TableKind
from zhengai.datacenter.validation import ERROR_SCHEMA, check_chunk

Progress = Callable[[int, str], None]


def _quiet(_: int, __: str) -> None:
    return None


@dataclass
class Prepared:
    table: StandardTable
    valid: pa.Table  # typed rows that passed every check, with _row and _file
    rejected: pa.Table  # source text of the rows that did not, with _row and _file
    errors: pa.Table  # one row per problem: file, row, field, value, reason
    total: int
    notices: list[str] = field(default_factory=list)


@dataclass
class Diff:
    new: int
    updated: int
    unchanged: int
    removed: int
    changed_rows: pa.Table  # rows to write (event: new + updated; snapshot: the whole snapshot)
    updated_keys: pa.Table | None  # keys whose older rows must be rewritten away (event tables)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.updated or self.removed)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def prepare(
    table: StandardTable, spec: MappingSpec, chunks: Iterable[RawChunk], progress: Progress = _quiet
) -> Prepared:
    valid_parts: list[pa.Table] = []
    rejected_parts: list[pa.Table] = []
    errors: list[pa.Table] = []
    notices: list[str] = []
    total = 0
    for chunk in chunks:
        notices.extend(n for n in chunk.notices if n not in notices)
        for row, reason, text in chunk.row_errors:
            errors.append(
                pa.table(
                    {
                        "file": [chunk.file],
                        "row": [row],
                        "field": ["整行"],
                        "value": [text],
                        "reason": [reason],
                    },
                    schema=ERROR_SCHEMA,
                )
            )
        total += chunk.table.num_rows + len(chunk.row_errors)
        mapped = apply(spec, chunk)
        checked = check_chunk(table, mapped)
        errors.extend(checked.errors)
        ok = pc.invert(checked.invalid)
        typed = pa.table({**checked.typed, "_row": mapped.column("_row"), "_file": mapped.column("_file")})
        typed = typed.cast(_typed_schema(table))
        valid_parts.append(typed.filter(ok))
        if pc.any(checked.invalid).as_py():
            rejected_parts.append(mapped.filter(checked.invalid))
        progress(min(60, 10 + total // 50_000), f"已读取并校验 {total:,} 行")
    valid = pa.concat_tables(valid_parts) if valid_parts else _typed_schema(table).empty_table()
    prepared = Prepared(table, valid, _concat_text(rejected_parts, table), _concat_errors(errors), total, notices)
    if valid.num_rows:
        _check_keys_and_references(prepared)
    return prepared


def _typed_schema(table: StandardTable) -> pa.Schema:
    fields = [pa.field(f.name, store.ARROW_TYPES[f.type]) for f in table.fields]
    return pa.schema([*fields, pa.field("_row", pa.int64()), pa.field("_file", pa.dictionary(pa.int32(), pa.string()))])


def _concat_text(parts: list[pa.Table], table: StandardTable) -> pa.Table:
    if not parts:
        return pa.table({"_row": pa.array([], pa.int64())})
    unified = pa.concat_tables(parts, promote_options="permissive")
    return unified


def _concat_errors(errors: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(errors) if errors else ERROR_SCHEMA.empty_table()


def _check_keys_and_references(prepared: Prepared) -> None:
    """Key uniqueness within the batch and references to other tables; failing rows become invalid."""
    table = prepared.table
    con = store.connect()
    try:
        incoming = prepared.valid
        con.register("incoming", incoming.append_column("_idx", pa.array(range(incoming.num_rows), pa.int64())))
        key = ", ".join(_q(k) for k in table.primary_key)
        key_text = "+".join(table.field(k).label for k in table.primary_key)
        dup = con.sql(
            f"""
            SELECT _idx, _row, CAST(_file AS VARCHAR) AS file, rows_list, n FROM (
              SELECT _idx, _row, _file, count(*) OVER k AS n,
                     string_agg(CAST(_row AS VARCHAR), '、' ORDER BY _row) OVER k AS rows_list
              FROM incoming WINDOW k AS (PARTITION BY {key})
            ) WHERE n > 1
            """
        ).to_arrow_table()
        bad_rows: list[pa.Array] = []
        if dup.num_rows:
            lists = dup.column("rows_list").to_pylist()
            counts = dup.column("n").to_pylist()
            reasons = [
                f"主键（{key_text}）重复：共 {n} 行相同（第 {_short(rl)} 行）"
                for rl, n in zip(lists, counts, strict=True)
            ]
            prepared.errors = pa.concat_tables([prepared.errors, pa.table({
                "file": dup.column("file"), "row": dup.column("_row"),
                "field": pa.array([f"主键（{key_text}）"] * dup.num_rows, pa.string()),
                "value": pa.array([""] * dup.num_rows, pa.string()),
                "reason": pa.array(reasons, pa.string()),
            }, schema=ERROR_SCHEMA)])  # fmt: skip
            bad_rows.append(dup.column("_idx").combine_chunks())
        for f in table.fields:
            if not f.references:
                continue
            ref_name, ref_field = f.references.split(".")
            ref_table = TABLES_BY_NAME[ref_name]
            version = store.current_version(ref_name)
            source = store.scan_sql(version, ref_table, latest_snapshot=False)
            union = f" UNION SELECT {_q(ref_field)} FROM incoming" if ref_name == table.name else ""
            dangling = con.sql(
                f"""
                SELECT i._idx, i._row, CAST(i._file AS VARCHAR) AS file, CAST(i.{_q(f.name)} AS VARCHAR) AS value
                FROM incoming i
                ANTI JOIN (SELECT {_q(ref_field)} AS v FROM {source}{union}) r ON i.{_q(f.name)} = r.v
                WHERE i.{_q(f.name)} IS NOT NULL
                """
            ).to_arrow_table()
            if dangling.num_rows:
                ref_label = ref_table.field(ref_field).label
                reason = f"引用的{ref_table.label}不存在（{ref_label}在“{ref_table.label}”表中找不到）"
                prepared.errors = pa.concat_tables([prepared.errors, pa.table({
                    "file": dangling.column("file"), "row": dangling.column("_row"),
                    "field": pa.array([f"{f.label}（{f.name}）"] * dangling.num_rows, pa.string()),
                    "value": dangling.column("value"),
                    "reason": pa.array([reason] * dangling.num_rows, pa.string()),
                }, schema=ERROR_SCHEMA)])  # fmt: skip
                bad_rows.append(dangling.column("_idx").combine_chunks())
        if bad_rows:
            bad = pa.chunked_array(bad_rows).combine_chunks()
            mask = pc.is_in(pa.array(range(incoming.num_rows), pa.int64()), value_set=bad)
            prepared.rejected = pa.concat_tables(
                [prepared.rejected, _as_text(incoming.filter(mask))], promote_options="permissive"
            )
            prepared.valid = incoming.filter(pc.invert(mask))
    finally:
        con.close()


def _as_text(data: pa.Table) -> pa.Table:
    cols = {}
    for name in data.column_names:
        col = data.column(name)
        if name == "_row":
            cols[name] = col
        elif name == "_file":
            cols[name] = col
        else:
            cols[name] = pc.cast(col, pa.string())
    return pa.table(cols)


def _short(rows_list: str, limit: int = 6) -> str:
    items = rows_list.split("、")
    return "、".join(items[:limit]) + ("…" if len(items) > limit else "")


# ------------------------------------------------------------------------------------------ compare


def compare(prepared: Prepared, version: store.Version | None, *, snapshot_date: dt.date | None) -> Diff:
    table = prepared.table
    fields = [f.name for f in table.fields]
    key = [*table.primary_key]
    con = store.connect()
    try:
        con.register("incoming", prepared.valid.drop_columns(["_row", "_file"]))
        current = store.scan_sql(version, table, latest_snapshot=True)
        same = " AND ".join(f"i.{_q(c)} IS NOT DISTINCT FROM c.{_q(c)}" for c in fields if c not in key) or "true"
        on = " AND ".join(f"i.{_q(k)} = c.{_q(k)}" for k in key)
        outcome = con.sql(
            f"""
            SELECT i.*, CASE WHEN c.{_q(key[0])} IS NULL THEN 'new'
                             WHEN {same} THEN 'unchanged' ELSE 'updated' END AS _outcome
            FROM incoming i LEFT JOIN {current} c ON {on}
            """
        ).to_arrow_table()
        kinds = outcome.column("_outcome")
        new = pc.sum(pc.equal(kinds, "new")).as_py() or 0
        updated = pc.sum(pc.equal(kinds, "updated")).as_py() or 0
        unchanged = pc.sum(pc.equal(kinds, "unchanged")).as_py() or 0
        removed = 0
        if table.kind == TableKind.SNAPSHOT:
            if version is not None:
                removed = con.execute(f"SELECT count(*) FROM {current} c ANTI JOIN incoming i ON {on}").fetchone()[0]
            rows = outcome.drop_columns(["_outcome"])
            return Diff(new, updated, unchanged, removed, rows, None)
        changed = pc.not_equal(kinds, "unchanged")
        rows = outcome.filter(changed).drop_columns(["_outcome"])
        updated_keys = outcome.filter(pc.equal(kinds, "updated")).select(key) if updated else None
        return Diff(new, updated, unchanged, removed, rows, updated_keys)
    finally:
        con.close()


# ------------------------------------------------------------------------------------------ write


def write(
    prepared: Prepared,
    diff: Diff,
    version: store.Version | None,
    *,
    run_id: int,
    snapshot_date: dt.date | None,
) -> tuple[list[str], int]:
    """Write the batch's files (not yet visible). Returns the new version's file list and row count."""
    table = prepared.table
    schema = store.arrow_schema(table)
    rows = diff.changed_rows
    n = rows.num_rows
    rows = rows.append_column("_run", pa.array([run_id] * n, pa.int64()))
    previous = list(version.files) if version else []
    con = store.connect()
    try:
        if table.kind == TableKind.SNAPSHOT:
            when = snapshot_date or dt.date.today()
            rows = rows.append_column("_snapshot", pa.array([when] * n, pa.date32()))
            kept = []
            for rel in previous:
                path = str(store.root() / rel)
                dates = con.execute(f"SELECT DISTINCT _snapshot FROM read_parquet('{path}')").fetchall()
                if [d[0] for d in dates] != [when]:
                    kept.append(rel)
            new_file = store.write_file(table, run_id, 0, rows.select(schema.names).cast(schema))
            files = [*kept, new_file]
        else:
            files = list(previous)
            part = 0
            if diff.updated_keys is not None and diff.updated_keys.num_rows:
                con.register("upd", diff.updated_keys)
                on = " AND ".join(f"t.{_q(k)} = u.{_q(k)}" for k in table.primary_key)
                rewritten = []
                for rel in files:
                    path = str(store.root() / rel).replace("'", "''")
                    hit = con.execute(
                        f"SELECT count(*) FROM read_parquet('{path}') t SEMI JOIN upd u ON {on}"
                    ).fetchone()[0]
                    if not hit:
                        rewritten.append(rel)
                        continue
                    kept_rows = con.sql(
                        f"SELECT t.* FROM read_parquet('{path}') t ANTI JOIN upd u ON {on}"
                    ).to_arrow_table()
                    part += 1
                    if kept_rows.num_rows:
                        rewritten.append(
                            store.write_file(table, run_id, part, kept_rows.select(schema.names).cast(schema))
                        )
                files = rewritten
            if n:
                files.append(store.write_file(table, run_id, 0, rows.select(schema.names).cast(schema)))
        total = 0
        if files:
            paths = ", ".join("'" + str(store.root() / f).replace("'", "''") + "'" for f in files)
            total = con.execute(f"SELECT count(*) FROM read_parquet([{paths}])").fetchone()[0]
        return files, total
    finally:
        con.close()
