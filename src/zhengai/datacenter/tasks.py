"""Background work of the data center, run by `zhengai worker` (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from zhengai.datacenter.models import ImportRun


@task()
def import_run_task(run_id: int) -> str:
    from zhengai.datacenter.services import import_run_execute

    run = import_run_execute(run=ImportRun.objects.get(pk=run_id))
    return run.status
