"""Background work of monitoring, run by `zhengai worker` (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from zhengai.monitoring.models import EvaluationRun


@task()
def evaluation_run_task(run_id: int) -> str:
    from zhengai.monitoring.services import evaluation_run_execute

    run = evaluation_run_execute(run=EvaluationRun.objects.get(pk=run_id))
    return run.status
