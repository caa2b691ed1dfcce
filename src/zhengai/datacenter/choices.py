from django.db import models


class ConnectorKind(models.TextChoices):
    FILES = "files", "文件（上传 / 投放目录）"
    SQL = "sql", "数据库（SQL）"
    PUSH = "push", "接口推送（HTTP）"


class InvalidPolicy(models.TextChoices):
    REJECT_BATCH = "reject_batch", "有无效行则整批拒收"
    COMMIT_VALID = "commit_valid", "只入库有效行，无效行留档"


class RunStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "处理中"
    VALIDATED = "validated", "已校验（试运行）"
    COMMITTED = "committed", "已入库"
    UNCHANGED = "unchanged", "无变化"
    REJECTED = "rejected", "已拒收"
    FAILED = "failed", "出错"
    # A roster batch that would remove a large share of the stored entities waits for a person.
    HELD = "held", "待确认"

    @classmethod
    def finished(cls) -> frozenset[str]:
        return frozenset({cls.VALIDATED, cls.COMMITTED, cls.UNCHANGED, cls.REJECTED, cls.FAILED, cls.HELD})


RUN_STATUS_COLOURS = {
    RunStatus.PENDING: "secondary",
    RunStatus.RUNNING: "blue",
    RunStatus.VALIDATED: "cyan",
    RunStatus.COMMITTED: "green",
    RunStatus.UNCHANGED: "teal",
    RunStatus.REJECTED: "orange",
    RunStatus.FAILED: "red",
    RunStatus.HELD: "yellow",
}


class RowOutcome(models.TextChoices):
    NEW = "new", "新增"
    UPDATED = "updated", "更新"
    UNCHANGED = "unchanged", "未变"
    INVALID = "invalid", "无效"


class FreshnessState(models.TextChoices):
    FRESH = "fresh", "按期更新"
    FAILING = "failing", "最近一次导入未成功"
    STALE = "stale", "已过期"
    NONE = "none", "暂无数据"


FRESHNESS_COLOURS = {
    FreshnessState.FRESH: "green",
    FreshnessState.FAILING: "orange",
    FreshnessState.STALE: "red",
    FreshnessState.NONE: "red",
}
