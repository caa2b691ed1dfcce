"""The import pipeline: read → map → validate → compare with the current version → write → publish.

Everything that decides is here and takes its inputs as values; `services.py` wraps it in an
import run (status, progress, files, audit of the decision).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zhengai.datacenter import store
from zhengai.datacenter.connectors import RawChunk
from zhengai.datacenter.fieldops import lookup_misses, miss_reason, resolve_lookups
from zhengai.datacenter.mapping import MappingSpec, apply
from zhengai.datacenter.rowfilters import filter_chunk, filtered_notice
from zhengai.datacenter.standard import TABLES_BY_NAME, StandardTable, TableKind
from zhengai.datacenter.validation import ERROR_SCHEMA, REQUIRED_REASON, Checked, check_chunk
from zhengai.lib import clock

Progress = Callable[[int, str], None]


def _quiet(_: int, __: str) -> None:
    return None


@dataclass
class Prepared:
    table: StandardTable
    valid: pa.Table  # typed rows that passed every check, with _row and _file
    rejected: pa.Table  # source text of the rows that did not, with _row and _file
    errors: pa.Table  # one row per problem: file, row, field, value, reason
    total: int  # records: rows read plus the lines the reader could not split
    notices: list[str] = field(default_factory=list)
    lines: int | None = None  # physical lines (sheet rows) of the files; None where a source has no lines
    unsplit: int = 0  # lines the reader could not split into a record (reported with their reason)
    blank: int = 0  # blank lines (reported, not records)
    filtered: int = 0  # records the mapping's row filters left out (counted, neither stored nor rejected)

    @property
    def read(self) -> int:
        """Every record the input held: stored, rejected or reported (a blank line counts as one reported)."""
        return self.total + self.blank

    @property
    def unparsed(self) -> int:
        return self.unsplit + self.blank

    @property
    def invalid(self) -> int:
        """Records read and split into fields but not valid (filtered records are not invalid)."""
        return self.total - self.filtered - self.valid.num_rows


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


def _any(mask) -> bool:
    return bool(pc.any(mask).as_py())


def prepare(
    table: StandardTable, spec: MappingSpec, chunks: Iterable[RawChunk], progress: Progress = _quiet
) -> Prepared:
    valid_parts: list[pa.Table] = []
    rejected_parts: list[pa.Table] = []
    errors: list[pa.Table] = []
    notices: list[str] = []
    schema = _typed_schema(table)
    total = unsplit = blank = filtered = 0
    lookups = resolve_lookups(spec.operations, spec.lookup_table)
    lines: int | None = 0
    for chunk in chunks:
        lines = None if lines is None or chunk.lines is None else lines + chunk.lines
        unsplit += len(chunk.row_errors)
        blank += chunk.blank_lines
        notices.extend(n for n in chunk.notices if n not in notices)
        if chunk.row_errors:
            errors.append(
                pa.table(
                    {
                        "file": [chunk.file] * len(chunk.row_errors),
                        "row": [row for row, _, _ in chunk.row_errors],
                        "field": ["整行"] * len(chunk.row_errors),
                        "value": [text for _, _, text in chunk.row_errors],
                        "reason": [reason for _, reason, _ in chunk.row_errors],
                    },
                    schema=ERROR_SCHEMA,
                )
            )
        total += chunk.table.num_rows + len(chunk.row_errors)
        chunk, left_out = filter_chunk(chunk, spec.filters)
        if len(left_out):
            filtered += len(left_out)
            notices.append(filtered_notice(chunk.file, left_out.slice(0, 10).to_pylist(), len(left_out)))
        mapped = apply(spec, chunk, lookups)
        checked = check_chunk(table, mapped)
        chunk_errors = checked.errors
        if lookups:
            checked = _lookup_misses(spec, chunk, mapped, lookups, checked)
            chunk_errors = checked.errors
        if chunk.explain_blank is not None and chunk_errors:
            chunk_errors = _explain_blanks(chunk, spec, chunk_errors)
        errors.extend(chunk_errors)
        typed = pa.table({**checked.typed, "_row": mapped.column("_row"), "_file": mapped.column("_file")})
        typed = typed.cast(schema)
        if _any(checked.invalid):
            valid_parts.append(typed.filter(pc.invert(checked.invalid)))
            rejected_parts.append(mapped.filter(checked.invalid))
        else:
            valid_parts.append(typed)
        progress(min(60, 10 + total // 50_000), f"已读取并校验 {total:,} 行")
    valid = pa.concat_tables(valid_parts) if valid_parts else schema.empty_table()
    prepared = Prepared(
        table, valid, _concat_text(rejected_parts, table), _concat_errors(errors), total, notices,
        lines=lines, unsplit=unsplit, blank=blank, filtered=filtered,
    )  # fmt: skip
    if valid.num_rows:
        _check_keys_and_references(prepared)
    return prepared


def _lookup_misses(spec: MappingSpec, chunk: RawChunk, mapped: pa.Table, lookups: dict, checked: Checked) -> Checked:
    """A looked-up value without a match makes its row invalid, with a reason naming the value."""
    invalid, errors = checked.invalid, list(checked.errors)
    for name, (keys, _) in lookups.items():
        op = spec.operations[name]
        miss = lookup_misses(op, chunk.table, keys)
        if not _any(miss):
            continue
        f = spec.table.field(name)
        idx = pc.indices_nonzero(miss)
        values = pc.take(pc.utf8_trim_whitespace(pc.cast(chunk.table.column(op["column"]), pa.string())), idx)
        reasons = [miss_reason(op, v, empty=not len(keys)) for v in values.to_pylist()]
        errors.append(pa.table({
            "file": pa.array([chunk.file] * len(idx), pa.string()), "row": pc.take(mapped.column("_row"), idx),
            "field": pa.array([f"{f.label}（{f.name}）"] * len(idx), pa.string()), "value": values,
            "reason": pa.array(reasons, pa.string()),
        }, schema=ERROR_SCHEMA))  # fmt: skip
        invalid = pc.or_(invalid, miss)
    return Checked(typed=checked.typed, invalid=invalid, errors=errors)


def _explain_blanks(chunk: RawChunk, spec: MappingSpec, errors: list[pa.Table]) -> list[pa.Table]:
    """Let the reader explain required cells that only look empty (formula cells without a saved result)."""
    assert chunk.explain_blank is not None
    column_of = {f"{f.label}（{f.name}）": spec.columns.get(f.name) for f in spec.table.fields}
    cells: list[tuple[int, str]] = []
    for err in errors:
        blank = pc.equal(err.column("reason"), REQUIRED_REASON)
        if not _any(blank):
            continue
        hit = err.filter(blank)
        for row, label in zip(hit.column("row").to_pylist(), hit.column("field").to_pylist(), strict=True):
            column = column_of.get(label)
            if column and len(cells) < _MAX_EXPLAINED:
                cells.append((row, column))
    if not cells:
        return errors
    notes = chunk.explain_blank(cells)
    if not notes:
        return errors
    out = []
    for err in errors:
        rows, labels = err.column("row").to_pylist(), err.column("field").to_pylist()
        reasons = err.column("reason").to_pylist()
        changed = [
            notes.get((row, column_of.get(label) or ""), reason) if reason == REQUIRED_REASON else reason
            for row, label, reason in zip(rows, labels, reasons, strict=True)
        ]
        out.append(err.set_column(err.column_names.index("reason"), "reason", pa.array(changed, pa.string())))
    return out


_MAX_EXPLAINED = 10_000


def _typed_schema(table: StandardTable) -> pa.Schema:
    fields = [pa.field(f.name, store.ARROW_TYPES[f.type]) for f in table.fields]
    return pa.schema([*fields, pa.field("_row", pa.int64()), pa.field("_file", pa.dictionary(pa.int32(), pa.string()))])


def _concat_text(parts: list[pa.Table], table: StandardTable) -> pa.Table:
    if not parts:
        return pa.table({"_row": pa.array([], pa.int64())})
    return pa.concat_tables(parts, promote_options="permissive")


def _concat_errors(errors: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(errors) if errors else ERROR_SCHEMA.empty_table()


def _key_text(incoming: pa.Table, key: tuple[str, ...]) -> pa.Array | pa.ChunkedArray:
    """The primary key as one text value per row (parts joined by a separator no source text holds)."""
    parts = []
    for name in key:
        col = incoming.column(name)
        if not pa.types.is_string(col.type):
            col = pc.cast(col, pa.string())
        parts.append(pc.fill_null(col, ""))
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, _KEY_SEP)


_KEY_SEP = "\x1f"


def _increasing(column: pa.ChunkedArray) -> bool:
    """Strictly increasing, without nulls (then certainly unique): one comparison pass, chunk by chunk."""
    if column.null_count:
        return False
    previous = None
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        if previous is not None and not pc.greater(chunk[0], previous).as_py():
            return False
        if len(chunk) > 1 and not pc.all(pc.greater(chunk.slice(1), chunk.slice(0, len(chunk) - 1))).as_py():
            return False
        previous = chunk[len(chunk) - 1]
    return True


def _unique(incoming: pa.Table, key: tuple[str, ...]) -> bool:
    """Whether no two rows share a key. Exports sorted by their key are recognised in one cheap pass."""
    n = incoming.num_rows
    if n < 2:
        return True
    if len(key) == 1 and _increasing(incoming.column(key[0])):
        return True
    con = store.connect()
    try:
        con.register("k", incoming.select(list(key)))
        cols = ", ".join(_q(k) for k in key)
        distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM k)").fetchone()[0]
    finally:
        con.close()
    return distinct == n


def _reference_values(ref_name: str, ref_field: str) -> pa.Array:
    """Every value of `ref_field` in the current version of `ref_name` (all snapshots), distinct."""
    ref_table = TABLES_BY_NAME[ref_name]
    arrow_type = store.ARROW_TYPES[ref_table.field(ref_field).type]
    version = store.current_version(ref_name)
    if version is None or not version.files:
        return pa.array([], arrow_type)
    column = pq.read_table(version.paths(), columns=[ref_field]).column(ref_field)
    return pc.unique(column.combine_chunks()).cast(arrow_type)


def _check_keys_and_references(prepared: Prepared) -> None:
    """Key uniqueness within the batch and references to other tables; failing rows become invalid."""
    table = prepared.table
    incoming = prepared.valid
    key_text = "+".join(table.field(k).label for k in table.primary_key)
    rows = incoming.column("_row")
    files = incoming.column("_file")
    new_errors: list[pa.Table] = []
    masks: list[pa.Array | pa.ChunkedArray] = []
    if not _unique(incoming, table.primary_key):
        key = _key_text(incoming, table.primary_key)
        counts = pc.value_counts(key)
        repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
        mask = pc.is_in(key, value_set=repeated)
        idx = pc.indices_nonzero(mask)
        keys = pc.take(key, idx).to_pylist()
        dup_rows = pc.take(rows, idx).to_pylist()
        dup_files = pc.cast(pc.take(files, idx), pa.string()).to_pylist()
        groups: dict[str, list[tuple[str, int]]] = {}
        for k, f, r in zip(keys, dup_files, dup_rows, strict=True):
            groups.setdefault(k, []).append((f, r))
        reasons = []
        for k in keys:
            members = sorted(groups[k], key=lambda m: (m[0], m[1]))
            several_files = len({m[0] for m in members}) > 1
            where = "、".join(f"{m[0]} 第 {m[1]} 行" if several_files else str(m[1]) for m in members[:6])
            where += "…" if len(members) > 6 else ""
            shown = f"（{where}）" if several_files else f"（第 {where} 行）"
            reasons.append(f"主键（{key_text}）重复：共 {len(members)} 行相同{shown}")
        new_errors.append(pa.table({
            "file": dup_files, "row": dup_rows,
            "field": [f"主键（{key_text}）"] * len(keys),
            "value": [k.replace(_KEY_SEP, " / ") for k in keys],
            "reason": reasons,
        }, schema=ERROR_SCHEMA))  # fmt: skip
        masks.append(mask)
    for f in table.fields:
        if not f.references:
            continue
        ref_name, ref_field = f.references.split(".")
        ref_table = TABLES_BY_NAME[ref_name]
        values = _reference_values(ref_name, ref_field)
        col = incoming.column(f.name)
        if ref_name == table.name:
            values = pc.unique(
                pa.concat_arrays([values, incoming.column(ref_field).combine_chunks().cast(values.type)])
            )
        dangling = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=values)))
        if not _any(dangling):
            continue
        idx = pc.indices_nonzero(dangling)
        ref_label = ref_table.field(ref_field).label
        if len(values):
            reason = f"引用的{ref_table.label}不存在（{ref_label}在“{ref_table.label}”表中找不到）"
        else:
            reason = (
                f"引用的{ref_table.label}不存在（“{ref_table.label}”表还没有导入任何数据，请先导入{ref_table.label}）"
            )
        k = len(idx)
        new_errors.append(pa.table({
            "file": pc.cast(pc.take(files, idx), pa.string()), "row": pc.take(rows, idx),
            "field": pa.array([f"{f.label}（{f.name}）"] * k, pa.string()),
            "value": pc.cast(pc.take(col, idx), pa.string()),
            "reason": pa.array([reason] * k, pa.string()),
        }, schema=ERROR_SCHEMA))  # fmt: skip
        masks.append(dangling)
    if not masks:
        return
    prepared.errors = pa.concat_tables([prepared.errors, *new_errors])
    bad = masks[0]
    for mask in masks[1:]:
        bad = pc.or_(bad, mask)
    prepared.rejected = pa.concat_tables(
        [prepared.rejected, _as_text(incoming.filter(bad))], promote_options="permissive"
    )
    prepared.valid = incoming.filter(pc.invert(bad))


def _as_text(data: pa.Table) -> pa.Table:
    cols = {}
    for name in data.column_names:
        col = data.column(name)
        cols[name] = col if name in ("_row", "_file") else pc.cast(col, pa.string())
    return pa.table(cols)


# ------------------------------------------------------------------------------------------ compare


def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """Rows of an older file in today's schema: a field added to the standard since is NULL."""
    for f in schema:
        if f.name not in rows.column_names:
            rows = rows.append_column(f.name, pa.nulls(rows.num_rows, f.type))
    return rows.select(schema.names).cast(schema)


def compare(prepared: Prepared, version: store.Version | None, *, snapshot_date: dt.date | None) -> Diff:
    table = prepared.table
    if version is None or not version.files:
        # Nothing stored yet: every valid row is new; no join needed.
        rows = prepared.valid.drop_columns(["_row", "_file"])
        return Diff(rows.num_rows, 0, 0, 0, rows, None)
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

# Large batches are written as several files at once (Parquet encoding is the slow part and runs
# outside the GIL); readers see the files of a version together, so the split is invisible.
_PARALLEL_ROWS = 400_000
_MAX_WRITERS = 4


def _constant(value: int, n: int, arrow_type: pa.DataType) -> pa.Array:
    return pa.array(np.full(n, value, dtype=np.int64 if arrow_type == pa.int64() else np.int32), arrow_type)


def _file_rows(rel: str) -> int:
    return pq.read_metadata(store.root() / rel).num_rows


def _single_snapshot(rel: str) -> dt.date | None:
    """The one _snapshot date a stored file holds, from its statistics (None if it holds several)."""
    meta = pq.read_metadata(store.root() / rel)
    dates: set[dt.date] = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            column = group.column(c)
            if column.path_in_schema != "_snapshot":
                continue
            stats = column.statistics
            if stats is None or not stats.has_min_max:
                values = pq.read_table(store.root() / rel, columns=["_snapshot"]).column("_snapshot")
                dates.update(pc.unique(values.combine_chunks()).to_pylist())
                return next(iter(dates)) if len(dates) == 1 else None
            dates.update({stats.min, stats.max})
    return next(iter(dates)) if len(dates) == 1 else None


def _write_new(table: StandardTable, run_id: int, parts: list[int], rows: pa.Table) -> list[str]:
    """Write the batch's rows as len(parts) files side by side; returns their paths in order."""
    n = rows.num_rows
    if len(parts) == 1:
        return [store.write_file(table, run_id, parts[0], rows)]
    size = -(-n // len(parts))
    slices = [rows.slice(i * size, size) for i in range(len(parts))]
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        return list(
            pool.map(lambda job: store.write_file(table, run_id, job[0], job[1]), zip(parts, slices, strict=True))
        )


def _writers(n: int) -> int:
    import os

    if n < _PARALLEL_ROWS:
        return 1
    return max(1, min(_MAX_WRITERS, os.cpu_count() or 1, n // (_PARALLEL_ROWS // 2)))


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
    rows = rows.append_column("_run", _constant(run_id, n, pa.int64()))
    previous = list(version.files) if version else []
    writers = _writers(n)
    if table.kind == TableKind.SNAPSHOT:
        when = snapshot_date or clock.today()
        days = (when - dt.date(1970, 1, 1)).days
        rows = rows.append_column("_snapshot", _constant(days, n, pa.date32()))
        kept = [rel for rel in previous if _single_snapshot(rel) != when]
        new_files = _write_new(table, run_id, list(range(writers)), rows.select(schema.names).cast(schema))
        return [*kept, *new_files], n + sum(_file_rows(rel) for rel in kept)
    files = list(previous)
    total = version.row_count if version else 0
    part = 0
    if diff.updated_keys is not None and diff.updated_keys.num_rows:
        con = store.connect()
        try:
            con.register("upd", diff.updated_keys)
            on = " AND ".join(f"t.{_q(k)} = u.{_q(k)}" for k in table.primary_key)
            rewritten = []
            for rel in files:
                path = str(store.root() / rel).replace("'", "''")
                # fetchall: the result must be consumed before the connection runs the next query.
                sql = f"SELECT count(*) FROM read_parquet('{path}') t SEMI JOIN upd u ON {on}"
                hit = con.execute(sql).fetchall()[0][0]
                if not hit:
                    rewritten.append(rel)
                    continue
                kept_rows = con.sql(
                    f"SELECT t.* FROM read_parquet('{path}') t ANTI JOIN upd u ON {on}"
                ).to_arrow_table()
                total -= _file_rows(rel) - kept_rows.num_rows
                part += 1
                if kept_rows.num_rows:
                    rewritten.append(store.write_file(table, run_id, part, _conform(kept_rows, schema)))
            files = rewritten
        finally:
            con.close()
    if n:
        parts = [0, *range(part + 1, part + writers)]
        files.extend(_write_new(table, run_id, parts, rows.select(schema.names).cast(schema)))
        total += n
    return files, total
