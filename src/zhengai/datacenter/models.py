"""Sources, their saved mappings, import runs and the manifest of the Parquet data center."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhengai.datacenter.choices import ConnectorKind, InvalidPolicy, RunStatus


class SourceSystem(models.Model):
    """A campus system that feeds the data center (教务, 学工, 人事, 一卡通 …)."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name="责任部门", null=True, blank=True, on_delete=models.SET_NULL
    )
    connector = models.CharField("接入方式", max_length=16, choices=ConnectorKind.choices)
    config = models.JSONField("连接配置", default=dict, blank=True, help_text="数据库地址、投放目录等（不含密码）")
    secrets = models.TextField(
        "连接密钥（密文）", blank=True, help_text="密码等加密保存，页面和审计记录都不显示；见 datacenter/secrets.py"
    )
    schedule_minutes = models.PositiveIntegerField("同步周期（分钟）", default=0, help_text="0 表示手工导入")
    expected_every_days = models.PositiveIntegerField(
        "应更新周期（天）", default=30, help_text="超过该天数没有成功批次即标为过期"
    )
    invalid_policy = models.CharField(
        "无效行处理", max_length=16, choices=InvalidPolicy.choices, default=InvalidPolicy.REJECT_BATCH
    )
    push_token_hash = models.CharField("推送令牌摘要", max_length=128, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "数据源"
        verbose_name_plural = "数据源"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SourceMapping(models.Model):
    """How one source delivers one standard table: where the rows are and which column holds which field."""

    source = models.ForeignKey(SourceSystem, verbose_name="数据源", related_name="mappings", on_delete=models.CASCADE)
    table = models.CharField("标准数据表", max_length=64)
    locator = models.CharField(
        "位置", max_length=255, blank=True, help_text="文件名模式（可含 * ）、工作表名或数据库表名"
    )
    header_row = models.PositiveSmallIntegerField("表头所在行", default=1)
    columns = models.JSONField("列对应", default=dict, help_text="{标准字段: 源列名}")
    value_maps = models.JSONField("代码值对应", default=dict, blank=True, help_text="{标准字段: {源值: 标准代码}}")
    transforms = models.JSONField("值转换", default=dict, blank=True, help_text="{标准字段: 转换名}")
    fixed_values = models.JSONField("固定值", default=dict, blank=True, help_text="{标准字段: 值}")
    conditions = models.JSONField(
        "取值条件", default=dict, blank=True, help_text="{标准字段: [源列名, 取值]}：只在该列等于该值的行取此字段"
    )
    filters = models.JSONField(
        "行筛选", default=list, blank=True,
        help_text="[{mode, column, op: eq|in|range|regex, value}]：只取或排除某些行，筛掉的行计数",
    )  # fmt: skip
    operations = models.JSONField(
        "字段运算", default=dict, blank=True,
        help_text="{标准字段: {op: concat|split|id|day_offset|lookup, …}}：拼接、拆分、生成编号、推算日期或查表",
    )  # fmt: skip
    lookup_table = models.JSONField(
        "对照表", default=dict, blank=True, help_text="{name: 文件名, key: 键列, value: 值列, pairs: {键: 值}}"
    )
    watermark_column = models.CharField("增量水位列", max_length=64, blank=True)
    watermark_value = models.CharField("当前水位", max_length=64, blank=True)
    order = models.PositiveSmallIntegerField("导入顺序", default=0)

    class Meta:
        verbose_name = "字段映射"
        verbose_name_plural = "字段映射"
        ordering = ["source", "order", "table"]
        constraints = [models.UniqueConstraint(fields=["source", "table"], name="uniq_source_table_mapping")]

    def __str__(self) -> str:
        return f"{self.source} → {self.table}"


class ImportRun(models.Model):
    """One batch from one source for one standard table: validated, then committed or rejected."""

    source = models.ForeignKey(SourceSystem, verbose_name="数据源", related_name="runs", on_delete=models.PROTECT)
    table = models.CharField("标准数据表", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    dry_run = models.BooleanField("试运行", default=False)
    confirm_removal = models.BooleanField(
        "已确认大量消失", default=False, help_text="名单批次会使大量现有记录消失时，须有人确认才入库"
    )
    snapshot_date = models.DateField("快照时点", null=True, blank=True)
    files = models.JSONField("原始文件", default=list, blank=True, help_text="[{name, sha256, size, path}]")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    worker = models.CharField("处理进程", max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    progress_text = models.CharField("进度说明", max_length=255, blank=True)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_new = models.PositiveIntegerField("新增", default=0)
    rows_updated = models.PositiveIntegerField("更新", default=0)
    rows_unchanged = models.PositiveIntegerField("未变", default=0)
    rows_invalid = models.PositiveIntegerField("无效", default=0)
    rows_removed = models.PositiveIntegerField("本次快照中消失", default=0)
    # Every record accounted for: read = stored + rejected + unparsed + filtered.
    lines_total = models.PositiveIntegerField("物理行数", null=True, blank=True, help_text="文件的行数（含表头）")
    records_read = models.PositiveIntegerField("读取的记录", default=0)
    records_stored = models.PositiveIntegerField("入库的记录", default=0, help_text="试运行时为可入库的记录")
    records_rejected = models.PositiveIntegerField("拒收的记录", default=0, help_text="每条都有原因，见错误报告")
    records_unparsed = models.PositiveIntegerField("未能解析的行", default=0, help_text="空行与无法拆分成字段的行")
    records_filtered = models.PositiveIntegerField(
        "筛选掉的记录", default=0, help_text="按字段映射的行筛选条件未取的记录"
    )
    decision = models.TextField("处理决定", blank=True)
    message = models.TextField("错误信息", blank=True)
    error_report = models.CharField("错误报告", max_length=500, blank=True)
    rejected_rows = models.CharField("被拒行留档", max_length=500, blank=True)

    class Meta:
        verbose_name = "采集批次"
        verbose_name_plural = "采集批次"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "table", "status"])]

    def __str__(self) -> str:
        return f"批次 #{self.pk} {self.source} → {self.table}"

    @property
    def records_line(self) -> str:
        """The last line of `zhengai import`: every record of the input accounted for."""
        lines = "-" if self.lines_total is None else self.lines_total
        line = (
            f"records: lines {lines}, read {self.records_read}, stored {self.records_stored}, "
            f"rejected {self.records_rejected}, unparsed {self.records_unparsed}"
        )
        # Only a mapping with row filters adds the fourth destination; otherwise the line stays as it was.
        return f"{line}, filtered {self.records_filtered}" if self.records_filtered else line


class DatasetVersion(models.Model):
    """One visible version of a standard table: the Parquet files that make it up.

    A batch becomes visible by inserting its version row, in one transaction; readers take the
    newest row, so they see the old version or the new one, never half of a batch.
    """

    table = models.CharField("标准数据表", max_length=64)
    version = models.PositiveIntegerField("版本")
    run = models.ForeignKey(ImportRun, verbose_name="批次", null=True, on_delete=models.SET_NULL)
    files = models.JSONField("文件", default=list)
    row_count = models.PositiveBigIntegerField("行数", default=0)
    created_at = models.DateTimeField("生效时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据集版本"
        verbose_name_plural = "数据集版本"
        ordering = ["table", "-version"]
        constraints = [models.UniqueConstraint(fields=["table", "version"], name="uniq_dataset_version")]

    def __str__(self) -> str:
        return f"{self.table} v{self.version}"
