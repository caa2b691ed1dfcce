from django.contrib import admin

from zhengai.scheduler.models import JobState
from zhengai.scheduler.selectors import job_statuses


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin):
    """Read-only: the worker writes these rows; the list shows when each job runs next."""

    list_display = ["name", "label", "last_started_at", "last_succeeded_at", "failures", "next_due_at", "worker"]
    readonly_fields = [f.name for f in JobState._meta.fields]

    def get_queryset(self, request):
        self._statuses = {s.name: s for s in job_statuses()}
        return super().get_queryset(request)

    @admin.display(description="任务说明")
    def label(self, obj: JobState) -> str:
        status = getattr(self, "_statuses", {}).get(obj.name)
        return status.label if status else "（已不再注册）"

    @admin.display(description="下次到期")
    def next_due_at(self, obj: JobState):
        status = getattr(self, "_statuses", {}).get(obj.name)
        return status.next_due_at if status else None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
