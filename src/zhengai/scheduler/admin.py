from django.contrib import admin

from zhengai.scheduler import registry
from zhengai.scheduler.models import JobState
from zhengai.scheduler.services import next_due


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin):
    """Read-only: the worker writes these rows; the list shows when each job may run next."""

    list_display = ["name", "label", "last_started_at", "last_succeeded_at", "failures", "next_due_at", "worker"]
    readonly_fields = [f.name for f in JobState._meta.fields]

    @admin.display(description="任务说明")
    def label(self, obj: JobState) -> str:
        job = registry.get(obj.name)
        return job.label if job else "（已不再注册）"

    @admin.display(description="下次可运行")
    def next_due_at(self, obj: JobState):
        job = registry.get(obj.name)
        if job is None:
            return None
        return next_due(every=job.every, started=obj.last_started_at, finished=obj.last_finished_at) or "立即"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
