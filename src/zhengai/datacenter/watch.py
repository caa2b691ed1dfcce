"""The drop folder: source systems (or clerks) put export files in, the platform imports them.

Layout, one sub-folder per file source, named by its code::

    drop/
      renshi/                  files waiting to be imported
        处理中/                 taken by a scan, being imported
        已处理/                 imported (committed, unchanged)
        失败/                   rejected, each with “<文件名>.失败原因.txt” next to it

A file is taken once it has stopped growing: its size and modification time did not change
between two scans of a running loop, or it was last modified at least `settle_seconds` ago. It
is matched to the source's mappings by file name; files that match the same mapping in one scan
make one run (a roster delivered in parts stays one snapshot), and runs go in mapping order so
that departments land before the teachers that refer to them. A scan takes a file by renaming it
into 处理中/ first, so two scans of the same folder never import the same file twice. A file left
in 处理中/ by a process that was killed is put back by hand.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from zhengai.datacenter import store
from zhengai.datacenter.choices import ConnectorKind, RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.services import FILE_KINDS, import_run_create, import_run_execute, mapping_matches

log = logging.getLogger(__name__)

SETTLE_SECONDS = 60.0
WORKING, DONE, FAILED = "处理中", "已处理", "失败"
REASON_SUFFIX = ".失败原因.txt"
# Names that copy tools, browsers and office programs give to files they are still writing.
_TEMP_PREFIXES = (".", "~$", "~")
_TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", ".swp", ".lock")
_ACCEPTED = frozenset({RunStatus.COMMITTED, RunStatus.UNCHANGED, RunStatus.VALIDATED})

Signature = tuple[int, int]  # size, mtime in ns


@dataclass
class _Batch:
    mapping: SourceMapping
    paths: list[Path]


def _is_temporary(name: str) -> bool:
    lower = name.lower()
    return name.startswith(_TEMP_PREFIXES) or lower.endswith(_TEMP_SUFFIXES) or lower.endswith(REASON_SUFFIX)


def _move(path: Path, folder: Path) -> Path:
    """Move a file into `folder`, keeping its name unless one is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        n = 1
        while target.exists():
            target = folder / f"{path.stem}_{stamp}{'' if n == 1 else f'_{n}'}{path.suffix}"
            n += 1
    os.rename(path, target)
    return target


def _fail(path: Path, source_folder: Path, reason: str, run: ImportRun | None = None) -> Path:
    moved = _move(path, source_folder / FAILED)
    lines = [
        f"文件：{path.name}",
        f"时间：{timezone.localtime():%Y-%m-%d %H:%M:%S}",
    ]
    if run is not None:
        lines.append(f"采集批次：#{run.pk}（{run.get_status_display()}）")
    lines += ["", reason.strip()]
    if run is not None and run.error_report:
        lines += ["", f"错误报告：{store.root() / run.error_report}"]
    lines += ["", "请修正后把文件重新放入上一级目录，系统会再次导入。"]
    moved.with_name(moved.name + REASON_SUFFIX).write_text("\n".join(lines) + "\n", encoding="utf-8")
    log.warning("drop folder: %s → %s: %s", path, moved, reason.splitlines()[0] if reason else "")
    return moved


def _settled(path: Path, *, settle_seconds: float, previous: dict[Path, Signature] | None, now: float) -> bool:
    stat = path.stat()
    signature = (stat.st_size, stat.st_mtime_ns)
    if now - stat.st_mtime >= settle_seconds:
        return True
    # An empty file may be one whose copy has not started yet: only its age says it is done.
    return stat.st_size > 0 and previous is not None and previous.get(path) == signature


def _plan(source: SourceSystem, folder: Path, ready: list[Path]) -> list[_Batch]:
    """Group ready files by the mapping their name matches; files that match none or several fail."""
    mappings = list(source.mappings.order_by("order", "table"))
    batches: dict[int, _Batch] = {}
    for path in ready:
        if path.suffix.lower() not in FILE_KINDS:
            _fail(path, folder, f"文件格式不受支持：“{path.suffix or '无扩展名'}”。支持 CSV、xlsx、Parquet、JSON。")
            continue
        matched = [m for m in mappings if mapping_matches(m, path.name)]
        if not matched:
            patterns = "；".join(f"{m.table}：{m.locator or '*'}" for m in mappings) or "（该数据源还没有字段映射）"
            _fail(path, folder, f"文件名与数据源“{source.name}”的任何映射都不匹配。现有的文件名模式：{patterns}")
            continue
        if len(matched) > 1:
            tables = "、".join(m.table for m in matched)
            _fail(path, folder, f"文件名同时匹配多个标准数据表（{tables}），无法判断导入哪一个，请改名后重新放入。")
            continue
        batches.setdefault(matched[0].pk, _Batch(matched[0], [])).paths.append(path)
    return sorted(batches.values(), key=lambda b: (b.mapping.order, b.mapping.table))


def _import(source: SourceSystem, folder: Path, batch: _Batch) -> ImportRun | None:
    taken: list[Path] = []
    for path in batch.paths:
        try:
            taken.append(_move(path, folder / WORKING))
        except FileNotFoundError:  # another scan took it first
            continue
    if not taken:
        return None
    try:
        run = import_run_create(source=source, table=batch.mapping.table, paths=taken)
    except SourceError as exc:
        for path in taken:
            _fail(path, folder, str(exc))
        return None
    run = import_run_execute(run=run)
    for path in taken:
        if run.status in _ACCEPTED:
            _move(path, folder / DONE)
        else:
            _fail(path, folder, "\n".join(filter(None, [run.decision, run.message])) or run.get_status_display(), run)
    return run


def drop_folder_scan(
    *,
    folder: Path,
    settle_seconds: float = SETTLE_SECONDS,
    previous: dict[Path, Signature] | None = None,
    now: float | None = None,
) -> list[ImportRun]:
    """Import every settled file under `folder`; return the runs, in the order they ran.

    `previous` carries file signatures from one scan to the next (a loop passes the same dict
    every time; it is updated in place). Without it only the age rule says a file is complete.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time() if now is None else now
    sources = {s.code: s for s in SourceSystem.objects.filter(connector=ConnectorKind.FILES)}
    for source in sources.values():
        if source.active:
            (folder / source.code).mkdir(exist_ok=True)
    seen: dict[Path, Signature] = {}
    runs: list[ImportRun] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        source = sources.get(sub.name)
        if source is None:
            log.warning("drop folder: %s is not the code of a file source; left alone", sub)
            continue
        ready = []
        for path in sorted(p for p in sub.iterdir() if p.is_file() and not _is_temporary(p.name)):
            stat = path.stat()
            seen[path] = (stat.st_size, stat.st_mtime_ns)
            if _settled(path, settle_seconds=settle_seconds, previous=previous, now=now):
                ready.append(path)
        if not ready:
            continue
        if not source.active:
            for path in ready:
                _fail(path, sub, f"数据源“{source.name}”已停用，不再接收文件。启用后请把文件重新放入。")
            continue
        for batch in _plan(source, sub, ready):
            run = _import(source, sub, batch)
            if run is not None:
                runs.append(run)
    if previous is not None:
        previous.clear()
        previous.update(seen)
    return runs
