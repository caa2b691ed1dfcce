"""Database sources: one import run per mapping, incremental on the mapping's watermark column.

`source_sync` reads a SQL source now; `source_sync_due` syncs the sources whose schedule has come
round. Both run in whatever process calls them (a command, the worker, the watch loop); two
processes that sync the same source at the same moment do not import a table twice (see
`_run_claim`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Max
from django.utils import timezone

from zhengai.datacenter.choices import ConnectorKind, RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.secrets import connection_url
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import TableKind
from zhengai.datacenter.standard import table as standard_table

log = logging.getLogger(__name__)

# A pending or running run younger than this means someone is importing that table right now;
# an older one is taken for a process that died (a person can retry it) and no longer blocks.
ACTIVE_RUN_AGE = dt.timedelta(hours=1)


def _active_runs(source: SourceSystem, table: str, *, now: dt.datetime):
    return ImportRun.objects.filter(
        source=source,
        table=table,
        status__in=(RunStatus.PENDING, RunStatus.RUNNING),
        created_at__gt=now - ACTIVE_RUN_AGE,
    )


def _run_claim(*, source: SourceSystem, table: str, by: Any) -> ImportRun | None:
    """Create the run for one table unless another process is importing that table.

    Check, create, check again: a process that sees another active run after creating its own
    withdraws it. Two processes can both withdraw (the next round syncs), never both go on, since
    the later of the two creations is visible to the check that follows it. Works without row
    locks, so on SQLite too.
    """
    if _active_runs(source, table, now=timezone.now()).exists():
        return None
    run = import_run_create(source=source, table=table, by=by)
    if _active_runs(source, table, now=timezone.now()).exclude(pk=run.pk).exists():
        ImportRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).delete()
        return None
    return run


def _check_mappings(source: SourceSystem, mappings: list[SourceMapping]) -> None:
    if source.connector != ConnectorKind.SQL:
        raise SourceError(f"数据源“{source.name}”不是数据库方式，不能同步")
    connection_url(source)  # no URL, an undecryptable password or a missing env variable: refused before any run
    if not mappings:
        raise SourceError(f"数据源“{source.name}”还没有任何字段映射")
    for mapping in mappings:
        table = standard_table(mapping.table)
        if mapping.watermark_column and table.kind == TableKind.SNAPSHOT:
            # A snapshot batch is the whole roster: reading only rows past a watermark would make
            # every row not re-read look removed.
            raise SourceError(
                f"“{table.label}”是快照表，每次同步都必须读取全部记录，不能按水位增量同步："
                f"请清空数据源“{source.name}”该表映射的“增量水位列”"
            )


def source_sync(*, source: SourceSystem, by: Any = None, tables: Iterable[str] | None = None) -> list[ImportRun]:
    """Import every mapped table of a database source now, in mapping order; return the runs.

    A table that another process is importing at this moment is skipped. Each run is executed
    here; it ends committed, unchanged or rejected with its reason, like any import.
    """
    mappings = list(source.mappings.order_by("order", "table"))
    if tables is not None:
        wanted = set(tables)
        unknown = wanted - {m.table for m in mappings}
        if unknown:
            raise SourceError(f"数据源“{source.name}”没有这些表的字段映射：{'、'.join(sorted(unknown))}")
        mappings = [m for m in mappings if m.table in wanted]
    _check_mappings(source, mappings)
    runs = []
    for mapping in mappings:
        run = _run_claim(source=source, table=mapping.table, by=by)
        if run is None:
            log.info("sync %s/%s skipped: another run is in progress", source.code, mapping.table)
            continue
        runs.append(import_run_execute(run=run))
    return runs


def sources_due(*, now: dt.datetime | None = None) -> list[SourceSystem]:
    """Active database sources with a schedule whose newest run is older than the schedule."""
    now = now or timezone.now()
    candidates = (
        SourceSystem.objects.filter(active=True, connector=ConnectorKind.SQL, schedule_minutes__gt=0)
        .annotate(last_run=Max("runs__created_at"))
        .order_by("code")
    )
    return [s for s in candidates if s.last_run is None or s.last_run <= now - dt.timedelta(minutes=s.schedule_minutes)]


def source_sync_due(
    *,
    now: dt.datetime | None = None,
    by: Any = None,
    on_refused: Callable[[SourceSystem, str], None] | None = None,
) -> list[ImportRun]:
    """Sync every source that is due. One misconfigured source does not stop the others.

    A source whose configuration makes a sync impossible creates no run; the reason is logged
    and passed to `on_refused` (the commands print it).
    """
    runs: list[ImportRun] = []
    for source in sources_due(now=now):
        try:
            runs.extend(source_sync(source=source, by=by))
        except SourceError as exc:
            log.warning("scheduled sync of %s refused: %s", source.code, exc)
            if on_refused:
                on_refused(source, str(exc))
    return runs
