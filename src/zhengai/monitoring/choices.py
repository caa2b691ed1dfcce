from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"

    @property
    def badge(self) -> str:
        return {"queued": "bg-secondary", "running": "bg-blue", "succeeded": "bg-green", "failed": "bg-red"}[self.value]
