"""Background work of the data center, run by `zhengai worker` (django-tasks, database backend).

Due database sources are synced by the scheduler of `zhengai worker` (a periodic job, see apps.py);
`source_sync_due_task` is there for whoever wants a round now.
"""

from __future__ import annotations

from django_tasks import task

from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.lib import clock


@task()
def import_run_task(run_id: int) -> str:
    from zhengai.datacenter.services import import_run_execute

    run = import_run_execute(run=ImportRun.objects.get(pk=run_id))
    return run.status


@task()
def source_sync_task(source_id: int) -> list[int]:
    """Sync one database source now (e.g. a “立即同步” button); returns the ids of its runs."""
    from zhengai.datacenter.sync import source_sync

    return [run.pk for run in source_sync(source=SourceSystem.objects.get(pk=source_id))]


@task()
def source_sync_due_task() -> list[int]:
    """Sync the database sources whose schedule has come round; returns the ids of the runs."""
    from zhengai.datacenter.sync import source_sync_due

    return [run.pk for run in source_sync_due(now=clock.now())]
