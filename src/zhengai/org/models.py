"""五纵五横 architecture, org units and master data.

Majors, courses, classes, teachers, students and the academic calendar.
"""

from __future__ import annotations

from django.db import models

from zhengai.org import choices


class Level(models.Model):
    """横: one of the five levels (学校/专业/课程/教师/学生)."""

    code = models.CharField("代码", max_length=16, unique=True, choices=choices.LevelCode.choices)
    name = models.CharField("名称", max_length=16)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "层面（五横）"
        verbose_name_plural = "层面（五横）"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class System(models.Model):
    """纵: one of the five systems (决策指挥/质量生成/资源建设/支持服务/监督控制)."""

    code = models.CharField("代码", max_length=16, unique=True, choices=choices.SystemCode.choices)
    name = models.CharField("名称", max_length=16)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "系统（五纵）"
        verbose_name_plural = "系统（五纵）"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class Chain(models.Model):
    """One of the five chains (目标链/标准链/实施链/保障链/监控链)."""

    code = models.CharField("代码", max_length=16, unique=True, choices=choices.ChainCode.choices)
    name = models.CharField("名称", max_length=16)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "链"
        verbose_name_plural = "五链"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class ArchitectureRow(models.Model):
    """A row of the architecture matrix (Table 1): a system, the spiral stages it covers, its chain.

    The data-platform row (数据平台/数据中心) has no system and no chain: it is the "一平台".
    """

    order = models.PositiveSmallIntegerField("顺序", unique=True)
    system = models.ForeignKey(System, verbose_name="系统", null=True, blank=True, on_delete=models.PROTECT)
    group_label = models.CharField("纵向分组", max_length=32, help_text="系统名，或“数据平台”")
    aspect = models.CharField("环节", max_length=64, help_text="如 目标、标准、设计组织实施、监测预警")
    chain = models.ForeignKey(Chain, verbose_name="链", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "架构行"
        verbose_name_plural = "架构行"
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.group_label}·{self.aspect}" if self.aspect else self.group_label


class ArchitectureCell(models.Model):
    row = models.ForeignKey(ArchitectureRow, verbose_name="行", related_name="cells", on_delete=models.CASCADE)
    level = models.ForeignKey(Level, verbose_name="层面", on_delete=models.PROTECT)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "架构单元格"
        verbose_name_plural = "架构单元格"
        constraints = [models.UniqueConstraint(fields=["row", "level"], name="uniq_architecture_cell")]
        ordering = ["row__order", "level__order"]

    def __str__(self) -> str:
        return f"{self.row} × {self.level}"

    def item_texts(self) -> list[str]:
        return [item.text for item in self.items.all()]


class ArchitectureItem(models.Model):
    cell = models.ForeignKey(ArchitectureCell, verbose_name="单元格", related_name="items", on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField("顺序")
    text = models.CharField("内容", max_length=500)

    class Meta:
        verbose_name = "架构条目"
        verbose_name_plural = "架构条目"
        ordering = ["cell", "order"]

    def __str__(self) -> str:
        return self.text


class OrgUnit(models.Model):
    code = models.CharField("部门代码", max_length=32, unique=True)
    name = models.CharField("部门名称", max_length=64)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类别", max_length=16, choices=choices.OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级部门",
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    systems = models.ManyToManyField(System, verbose_name="五纵归属", through="OrgUnitSystem", blank=True)
    head_name = models.CharField("负责人", max_length=32, blank=True)
    order = models.PositiveIntegerField("顺序", default=0)
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_teaching_department(self) -> bool:
        return self.kind == choices.OrgUnitKind.DEPARTMENT


class OrgUnitSystem(models.Model):
    """An org unit's place in one of the five systems (the plan's 图1), with what it is responsible for."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name="部门", related_name="system_roles", on_delete=models.CASCADE)
    system = models.ForeignKey(System, verbose_name="系统", on_delete=models.PROTECT)
    responsibility = models.TextField("职责", blank=True)
    primary = models.BooleanField("主要归属", default=False)

    class Meta:
        verbose_name = "部门五纵归属"
        verbose_name_plural = "部门五纵归属"
        constraints = [models.UniqueConstraint(fields=["org_unit", "system"], name="uniq_org_unit_system")]

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.system}"


class AcademicYear(models.Model):
    """学年: 1 September to 31 August. `start_year` 2024 is 2024-2025学年."""

    start_year = models.PositiveSmallIntegerField("起始年", unique=True)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    census_day = models.DateField("统计日", help_text="时点数据（在校生数、教师数等）所指的那一天，须在学年之内")

    class Meta:
        verbose_name = "学年"
        verbose_name_plural = "学年"
        ordering = ["start_year"]

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}学年"


class Term(models.Model):
    academic_year = models.ForeignKey(AcademicYear, verbose_name="学年", related_name="terms", on_delete=models.CASCADE)
    kind = models.CharField("学期", max_length=1, choices=choices.TermKind.choices)
    code = models.CharField("学期代码", max_length=16, unique=True, help_text="如 2024-2025-1")
    start = models.DateField("开学日期")
    end = models.DateField("结束日期")
    teaching_weeks = models.PositiveSmallIntegerField("教学周数", default=18)

    class Meta:
        verbose_name = "学期"
        verbose_name_plural = "学期"
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["academic_year", "kind"], name="uniq_term")]

    def __str__(self) -> str:
        return f"{self.academic_year}{self.get_kind_display()}"


class Teacher(models.Model):
    staff_no = models.CharField("工号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=32)
    gender = models.CharField("性别", max_length=1, choices=choices.Gender.choices)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    category = models.CharField("教师类别", max_length=24, choices=choices.TeacherCategory.choices)
    title = models.CharField("专业技术职务", max_length=16, choices=choices.TeacherTitle.choices)
    degree = models.CharField("最高学位", max_length=16, choices=choices.Degree.choices)
    is_dual_qualified = models.BooleanField("双师型", default=False)
    department = models.ForeignKey(
        OrgUnit,
        verbose_name="所属部门",
        null=True,
        blank=True,
        related_name="teachers",
        on_delete=models.PROTECT,
    )
    stage = models.CharField("发展阶段", max_length=16, choices=choices.TeacherStage.choices, blank=True)
    employer = models.CharField("工作单位（校外）", max_length=128, blank=True)
    active = models.BooleanField("在职", default=True)

    class Meta:
        verbose_name = "教师"
        verbose_name_plural = "教师"
        ordering = ["staff_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"


class Major(models.Model):
    code = models.CharField("专业代码", max_length=16, unique=True, help_text="高职专科专业目录代码")
    name = models.CharField("专业名称", max_length=64)
    tier = models.CharField("专业类别", max_length=16, choices=choices.MajorTier.choices)
    department = models.ForeignKey(OrgUnit, verbose_name="所属系部", related_name="majors", on_delete=models.PROTECT)
    leader = models.ForeignKey(
        Teacher,
        verbose_name="专业带头人",
        null=True,
        blank=True,
        related_name="led_majors",
        on_delete=models.SET_NULL,
    )
    duration_years = models.PositiveSmallIntegerField("修业年限", default=3)
    established_year = models.PositiveSmallIntegerField("设置年份", null=True, blank=True)
    active = models.BooleanField("在招", default=True)

    class Meta:
        verbose_name = "专业"
        verbose_name_plural = "专业"
        ordering = ["department__order", "code"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    code = models.CharField("课程代码", max_length=32, unique=True)
    name = models.CharField("课程名称", max_length=64)
    kind = models.CharField("课程类型", max_length=16, choices=choices.CourseKind.choices)
    department = models.ForeignKey(OrgUnit, verbose_name="开课部门", related_name="courses", on_delete=models.PROTECT)
    major = models.ForeignKey(
        Major,
        verbose_name="所属专业",
        null=True,
        blank=True,
        related_name="courses",
        on_delete=models.SET_NULL,
    )
    theory_hours = models.PositiveSmallIntegerField("理论学时", default=0)
    practice_hours = models.PositiveSmallIntegerField("实践学时", default=0)
    credits = models.DecimalField("学分", max_digits=4, decimal_places=1, default=0)
    leader = models.ForeignKey(
        Teacher,
        verbose_name="课程负责人",
        null=True,
        blank=True,
        related_name="led_courses",
        on_delete=models.SET_NULL,
    )
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def total_hours(self) -> int:
        return self.theory_hours + self.practice_hours


class SchoolClass(models.Model):
    code = models.CharField("班级代码", max_length=32, unique=True)
    name = models.CharField("班级名称", max_length=64)
    major = models.ForeignKey(Major, verbose_name="专业", related_name="classes", on_delete=models.PROTECT)
    cohort = models.PositiveSmallIntegerField("年级（入学年份）")
    adviser = models.ForeignKey(
        Teacher,
        verbose_name="辅导员",
        null=True,
        blank=True,
        related_name="advised_classes",
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = "班级"
        verbose_name_plural = "班级"
        ordering = ["cohort", "code"]

    def __str__(self) -> str:
        return self.name


class Student(models.Model):
    student_no = models.CharField("学号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=32)
    gender = models.CharField("性别", max_length=1, choices=choices.Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    major = models.ForeignKey(Major, verbose_name="专业", related_name="students", on_delete=models.PROTECT)
    school_class = models.ForeignKey(
        SchoolClass, verbose_name="班级", related_name="students", on_delete=models.PROTECT
    )
    cohort = models.PositiveSmallIntegerField("年级（入学年份）", db_index=True)
    status = models.CharField("学籍状态", max_length=16, choices=choices.StudentStatus.choices, db_index=True)
    status_changed = models.DateField("状态变更日期", null=True, blank=True)

    class Meta:
        verbose_name = "学生"
        verbose_name_plural = "学生"
        ordering = ["student_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.student_no}）"
