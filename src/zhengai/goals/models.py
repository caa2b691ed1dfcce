"""Plans (规划), goals (目标) as a tree across levels and units, and targets bound to indicators.

A goal belongs to a level and an entity (the school, a department, a major, a course, a teacher or a
student) and may support several higher goals (many-to-many alignment). Its attainment is not stored:
it is computed from the measurements of its targets' indicators (goals/attainment.py, selectors.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhengai.goals.choices import GoalStatus, LetterStatus, PlanKind, Rollup, TaskKind, Verification
from zhengai.indicators.choices import Comparison
from zhengai.org.choices import LevelCode
from zhengai.org.entities import SCHOOL_KEY, EntityKind


class Plan(models.Model):
    """A development plan: the school's (十四五, 十五五 …), a special plan, or a unit's own plan."""

    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类别", max_length=16, choices=PlanKind.choices)
    level = models.CharField("层面", max_length=16, choices=LevelCode.choices, default=LevelCode.SCHOOL)
    parent = models.ForeignKey(
        "self", verbose_name="所属上位规划", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    start_year = models.PositiveSmallIntegerField("起始年")
    end_year = models.PositiveSmallIntegerField("终止年")
    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name="牵头部门", null=True, blank=True, on_delete=models.SET_NULL
    )
    document = models.FileField("规划文本", upload_to="goals/plans/", blank=True)
    description = models.TextField("说明", blank=True)
    # A personal plan (个人发展规划) is about one teacher or student; empty for the other kinds.
    entity_kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices, blank=True, default="")
    entity_key = models.CharField("对象代码", max_length=64, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="本人账号", null=True, blank=True, related_name="plans_owned",
        on_delete=models.SET_NULL,
    )  # fmt: skip
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="指导人", null=True, blank=True, related_name="plans_supervised",
        on_delete=models.SET_NULL,
    )  # fmt: skip
    stage = models.CharField("发展阶段", max_length=16, blank=True, default="", help_text="发展路线上的阶段代码")
    is_template = models.BooleanField("模板", default=False)
    template = models.ForeignKey(
        "self", verbose_name="生成自模板", null=True, blank=True, related_name="generated", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "规划"
        verbose_name_plural = "规划"
        ordering = ["-start_year", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_year}—{self.end_year}）"


class Goal(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name="规划", null=True, blank=True, related_name="goals", on_delete=models.PROTECT
    )
    title = models.CharField("目标", max_length=200)
    description = models.TextField("说明", blank=True)
    level = models.CharField("层面", max_length=16, choices=LevelCode.choices)
    cell = models.ForeignKey(
        "org.ArchitectureCell", verbose_name="五纵五横单元格", null=True, blank=True, on_delete=models.SET_NULL
    )
    entity_kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices, default=EntityKind.SCHOOL)
    entity_key = models.CharField("对象代码", max_length=64, default=SCHOOL_KEY)
    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name="责任部门", null=True, blank=True, related_name="goals", on_delete=models.SET_NULL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True, related_name="goals_owned",
        on_delete=models.SET_NULL,
    )  # fmt: skip
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="监督人", blank=True, related_name="goals_supervised"
    )
    parents = models.ManyToManyField(
        "self", verbose_name="支撑的上级目标", symmetrical=False, blank=True, related_name="children"
    )
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2, default=1)
    rollup = models.CharField("汇总方式", max_length=16, choices=Rollup.choices, default=Rollup.WEIGHTED_MEAN)
    verification = models.CharField(
        "核验方式", max_length=16, choices=Verification.choices, default=Verification.INDICATOR
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核验人", null=True, blank=True, related_name="goals_reviewed",
        on_delete=models.SET_NULL,
    )  # fmt: skip
    hold_periods = models.PositiveSmallIntegerField(
        "连续达成周期数", default=1, help_text="自动核验的目标，监测值连续达成这么多个周期才算完成"
    )
    start_date = models.DateField("开始日期", null=True, blank=True)
    due_date = models.DateField("完成期限", null=True, blank=True)
    status = models.CharField("进展", max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)
    template = models.ForeignKey(
        "self", verbose_name="生成自模板", null=True, blank=True, related_name="generated", on_delete=models.SET_NULL
    )
    is_template = models.BooleanField("模板", default=False, help_text="模板目标不进入目标树，用于批量生成")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "目标"
        verbose_name_plural = "目标"
        ordering = ["level", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_personal(self) -> bool:
        """A goal of a personal development plan: shown on the plan's page, not in goal lists, letters or the
        unit assessment (a person's plan is his, not his unit's)."""
        return self.plan_id is not None and self.plan.kind == PlanKind.PERSONAL

    def below_ids(self) -> set[int]:
        """This goal and every goal below it (through the many-to-many alignment), one query per level."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            kids = Goal.parents.through.objects.filter(to_goal_id__in=frontier).values_list("from_goal_id", flat=True)
            frontier = [k for k in kids if k not in ids]
            ids.update(frontier)
        return ids


class Target(models.Model):
    """A value per year on an indicator of the standard chain, for the goal's entity."""

    goal = models.ForeignKey(Goal, verbose_name="目标", related_name="targets", on_delete=models.CASCADE)
    indicator = models.ForeignKey(
        "indicators.Indicator", verbose_name="指标", related_name="goal_targets", on_delete=models.PROTECT
    )
    period = models.CharField("周期", max_length=16, help_text="指标的周期代码，如 2025-2026（学年）、2026（自然年）")
    comparison = models.CharField("比较", max_length=8, choices=Comparison.choices, default=Comparison.GE)
    value = models.FloatField("目标值")
    value_high = models.FloatField("目标值上限", null=True, blank=True, help_text="比较为“介于”时")

    class Meta:
        verbose_name = "目标值"
        verbose_name_plural = "目标值"
        ordering = ["goal", "indicator__code", "period"]
        constraints = [models.UniqueConstraint(fields=["goal", "indicator", "period"], name="uniq_goal_target_period")]

    def __str__(self) -> str:
        return f"{self.goal} · {self.indicator.code} {self.period} {self.comparison} {self.value:g}"


class GoalReview(models.Model):
    """The named reviewer's verdict on a goal without an indicator, with its evidence."""

    goal = models.ForeignKey(Goal, verbose_name="目标", related_name="reviews", on_delete=models.CASCADE)
    period = models.CharField("周期", max_length=16)
    attained = models.BooleanField("达成")
    note = models.TextField("核验意见")
    evidence = models.FileField("佐证材料", upload_to="goals/evidence/", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核验人", null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField("核验时间", auto_now_add=True)

    class Meta:
        verbose_name = "目标核验"
        verbose_name_plural = "目标核验"
        ordering = ["goal", "-period", "-at"]

    def __str__(self) -> str:
        return f"{self.goal} {self.period}：{'达成' if self.attained else '未达成'}"


class Task(models.Model):
    """A piece of work with an owner and a deadline: a 年度工作要点, a department's or a person's task, or
    a row of the 诊改工作实施进度表 (Table 2) moved to a cycle. Tasks decompose through `parent`."""

    title = models.CharField("任务", max_length=200)
    kind = models.CharField("类别", max_length=16, choices=TaskKind.choices)
    year = models.PositiveSmallIntegerField("学年", help_text="学年起始年，如 2026 表示 2026-2027 学年")
    project = models.CharField("项目", max_length=32, blank=True, help_text="进度表的项目，如 规划目标（目标链）")
    schedule_row = models.PositiveSmallIntegerField("进度表行号", null=True, blank=True)
    goal = models.ForeignKey(Goal, verbose_name="支撑的目标", null=True, blank=True, related_name="tasks",
                             on_delete=models.SET_NULL)  # fmt: skip
    parent = models.ForeignKey("self", verbose_name="上级任务", null=True, blank=True, related_name="children",
                               on_delete=models.CASCADE)  # fmt: skip
    owner_unit = models.ForeignKey("org.OrgUnit", verbose_name="责任部门", null=True, blank=True,
                                   related_name="goal_tasks", on_delete=models.SET_NULL)  # fmt: skip
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                              related_name="goal_tasks", on_delete=models.SET_NULL)  # fmt: skip
    responsible_text = models.CharField("责任部门（原文）", max_length=64, blank=True)
    start_date = models.DateField("开始日期", null=True, blank=True)
    due_date = models.DateField("完成期限", null=True, blank=True)
    due_text = models.CharField("时间安排（原文）", max_length=32, blank=True, help_text="如 复核前10天、时间待定")
    status = models.CharField("状态", max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    template = models.ForeignKey("self", verbose_name="生成自模板", null=True, blank=True,
                                 related_name="generated", on_delete=models.SET_NULL)  # fmt: skip
    escalation_level = models.PositiveSmallIntegerField(
        "升级级别", default=0, help_text="0 未升级，1 部门负责人，2 质控中心"
    )
    last_notified_at = models.DateTimeField("最近提醒", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ["year", "schedule_row", "due_date", "id"]
        indexes = [models.Index(fields=["year", "kind", "status"])]

    def __str__(self) -> str:
        return self.title


class TaskNote(models.Model):
    """A progress note on a task, with its evidence."""

    task = models.ForeignKey(Task, verbose_name="任务", related_name="notes", on_delete=models.CASCADE)
    text = models.TextField("进展")
    evidence = models.FileField("佐证材料", upload_to="goals/tasks/", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "任务进展"
        verbose_name_plural = "任务进展"
        ordering = ["task", "-at"]

    def __str__(self) -> str:
        return f"{self.task}：{self.text[:30]}"


class LetterTemplate(models.Model):
    """A Word template of the 目标责任书 that 质控中心 uploaded; the newest active one is used, else the
    built-in one (goals/letters_template.py)."""

    file = models.FileField("模板文件", upload_to="goals/letter_templates/")
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True,
                                    on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "目标责任书模板"
        verbose_name_plural = "目标责任书模板"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"目标责任书模板 #{self.pk}（{self.note or '无说明'}）"


class Letter(models.Model):
    """A 目标责任书 of a unit (or of one person) for a 学年: a versioned snapshot of what it commits to.

    Once both sides have signed it is locked: its content and file never change again; a change is a new
    version (`amends` the old one, with a reason) and the old one is marked 已被修订 and kept.
    """

    LOCKED_FIELDS = ("unit_id", "person_id", "year", "version", "content", "docx", "sha256", "amends_id", "reason")

    unit = models.ForeignKey("org.OrgUnit", verbose_name="部门", related_name="goal_letters", on_delete=models.PROTECT)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人（个人责任书）", null=True, blank=True,
                               related_name="goal_letters", on_delete=models.PROTECT)  # fmt: skip
    year = models.PositiveSmallIntegerField("学年", help_text="学年起始年，如 2026 表示 2026-2027 学年")
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=16, choices=LetterStatus.choices, default=LetterStatus.DRAFT)
    content = models.JSONField("内容快照", default=dict)
    docx = models.FileField("责任书文件", upload_to="goals/letters/", blank=True)
    sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True)
    template = models.ForeignKey(LetterTemplate, verbose_name="所用模板", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="letters")  # fmt: skip
    amends = models.ForeignKey("self", verbose_name="修订自", null=True, blank=True, related_name="amendments",
                               on_delete=models.PROTECT)  # fmt: skip
    reason = models.TextField("修订原因", blank=True)
    issuer_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学校方签署人", null=True,
                                         blank=True, related_name="+", on_delete=models.PROTECT)  # fmt: skip
    issuer_signed_at = models.DateTimeField("学校方签署时间", null=True, blank=True)
    recipient_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任方签署人", null=True,
                                            blank=True, related_name="+", on_delete=models.PROTECT)  # fmt: skip
    recipient_signed_at = models.DateTimeField("责任方签署时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True,
                                   related_name="+", on_delete=models.SET_NULL)  # fmt: skip
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "目标责任书"
        verbose_name_plural = "目标责任书"
        ordering = ["year", "unit__order", "unit__code", "person_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "person", "year", "version"], name="uniq_letter_person_version"),
            models.UniqueConstraint(
                fields=["unit", "year", "version"], condition=models.Q(person__isnull=True),
                name="uniq_letter_unit_version",
            ),  # a unit's own letter has no person, and NULLs are distinct in a plain unique constraint
        ]  # fmt: skip

    def __str__(self) -> str:
        whom = f"{self.unit} {self.person}" if self.person_id else str(self.unit)
        return f"{self.year}-{self.year + 1} 学年 {whom} 目标责任书（第 {self.version} 版）"

    def save(self, *args, **kwargs):
        """A signed letter is a record: refuse any save that would change what was signed (admin, shell)."""
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_locked:
                changed = [f for f in self.LOCKED_FIELDS if getattr(stored, f) != getattr(self, f)]
                if changed:
                    from django.core.exceptions import ValidationError

                    raise ValidationError("已签署的目标责任书已锁定，内容和文件不能修改；如需变更请修订（生成新版本）")
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status in (LetterStatus.SIGNED, LetterStatus.SUPERSEDED)


class AssessmentScheme(models.Model):
    """How units are scored for one 学年 (部门量化考核办法): the weight of each component and how much a task
    finished late counts. Every change is a new version; the newest active one is used."""

    name = models.CharField("名称", max_length=120)
    year = models.PositiveSmallIntegerField("学年", help_text="学年起始年，如 2025 表示 2025-2026 学年")
    version = models.PositiveSmallIntegerField("版本", default=1)
    weights = models.JSONField("权重", help_text='各部分的权重，合计 100，如 {"goals": 50, "tasks": 30, "alerts": 20}')
    late_factor = models.FloatField("延期完成折算系数", default=0.5, help_text="延期完成的任务按此比例计为完成")
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设定人", null=True, blank=True,
                                   related_name="+", on_delete=models.SET_NULL)  # fmt: skip
    created_at = models.DateTimeField("设定时间", auto_now_add=True)
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="uniq_assessment_scheme_version")]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}-{self.year + 1}学年 第 {self.version} 版）"


class AssessmentResult(models.Model):
    """One unit's score for a 学年 under a scheme, with each component's figures and where they came from."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name="考核方案", related_name="results",
                               on_delete=models.CASCADE)  # fmt: skip
    unit = models.ForeignKey("org.OrgUnit", verbose_name="部门", related_name="assessment_results",
                             on_delete=models.CASCADE)  # fmt: skip
    year = models.PositiveSmallIntegerField("学年")
    score = models.FloatField("得分", null=True, blank=True, help_text="0–100；没有任何一部分有数据时为空")
    components = models.JSONField("各部分", default=list)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True, help_text="1 为最好；没有得分的不排名")
    computed_at = models.DateTimeField("计算时间")
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="计算人", null=True, blank=True,
                                    related_name="+", on_delete=models.SET_NULL)  # fmt: skip

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["year", "rank", "unit__order"]
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="uniq_assessment_result_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-{self.year + 1}学年：{'无数据' if self.score is None else f'{self.score:g}'}"


class DevelopmentRoute(models.Model):
    """A versioned development route (教师个人发展路线): its stages in order, each with its criteria.
    Data, not code: a college edits the stages by adding a version; the newest active one is used."""

    name = models.CharField("名称", max_length=64)
    kind = models.CharField("对象类型", max_length=16, choices=EntityKind.choices, default=EntityKind.TEACHER)
    version = models.PositiveSmallIntegerField("版本", default=1)
    stages = models.JSONField("阶段", default=list, help_text="[{code, name, criteria}]，按先后排列")
    note = models.TextField("说明", blank=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "发展路线"
        verbose_name_plural = "发展路线"
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="uniq_route_kind_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


class PlanComment(models.Model):
    """A comment on a personal plan: the supervisor's guidance and the owner's replies."""

    plan = models.ForeignKey(Plan, verbose_name="规划", related_name="comments", on_delete=models.CASCADE)
    text = models.TextField("意见")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "规划意见"
        verbose_name_plural = "规划意见"
        ordering = ["plan", "at"]

    def __str__(self) -> str:
        return f"{self.plan}：{self.text[:30]}"
