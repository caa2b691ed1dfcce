"""Code lists of the goal chain (目标链), with their Chinese labels and colours."""

from django.db import models


class PlanKind(models.TextChoices):
    SCHOOL = "school", "学校发展规划"
    SPECIAL = "special", "专项规划"
    UNIT = "unit", "部门（系部、专业、课程）规划"
    PERSONAL = "personal", "个人发展规划"


class GoalStatus(models.TextChoices):
    """The plan's task states (A1 of the feature list): what a person reports about the work."""

    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    DONE = "done", "已完成"
    DELAYED = "delayed", "已延期"
    DONE_LATE = "done_late", "延期完成"


class Rollup(models.TextChoices):
    """How a goal's attainment comes from its children (stored per goal, A3)."""

    WEIGHTED_MEAN = "weighted_mean", "下级加权平均"
    SUM_TARGETS = "sum_targets", "下级目标值与实际值分别求和"
    ALL_COMPLETE = "all_complete", "下级全部达成才达成"
    LEAF_ONLY = "leaf_only", "只看本目标的目标值"


class Verification(models.TextChoices):
    INDICATOR = "indicator", "按绑定指标自动核验"
    REVIEWER = "reviewer", "由核验人凭佐证核验"


class Attainment(models.TextChoices):
    ATTAINED = "attained", "达成"
    NOT_ATTAINED = "not_attained", "未达成"
    NO_DATA = "no_data", "数据不足"
    PENDING = "pending", "待核验"


ATTAINMENT_COLOURS = {
    Attainment.ATTAINED: "green",
    Attainment.NOT_ATTAINED: "red",
    Attainment.NO_DATA: "secondary",
    Attainment.PENDING: "yellow",
}


class TaskKind(models.TextChoices):
    KEY_POINT = "key_point", "年度工作要点"
    UNIT = "unit", "部门任务"
    PERSON = "person", "个人任务"
    SCHEDULE = "schedule", "诊改工作进度表任务"


GOAL_STATUS_COLOURS = {
    GoalStatus.NOT_STARTED: "secondary",
    GoalStatus.IN_PROGRESS: "blue",
    GoalStatus.DONE: "green",
    GoalStatus.DELAYED: "red",
    GoalStatus.DONE_LATE: "orange",
}


class LetterStatus(models.TextChoices):
    """目标责任书: a draft, signed by one side, signed by both (locked), or replaced by a later version."""

    DRAFT = "draft", "草稿"
    AWAITING = "awaiting", "待签署"
    SIGNED = "signed", "已签署"
    SUPERSEDED = "superseded", "已被修订"


LETTER_STATUS_COLOURS = {
    LetterStatus.DRAFT: "secondary",
    LetterStatus.AWAITING: "yellow",
    LetterStatus.SIGNED: "green",
    LetterStatus.SUPERSEDED: "azure",
}


class AssessmentComponent(models.TextChoices):
    """The parts of a unit's assessment score (部门量化考核), in the order they are shown."""

    GOALS = "goals", "目标达成"
    TASKS = "tasks", "任务按期完成"
    ALERTS = "alerts", "诊改工作（预警按时处理）"


# ------------------------------------------------------------------------------------------ personal plans

# The kinds of person a 个人发展规划 is about (entity kinds of zhengai.org.entities).
PDP_KINDS = {"teacher": "教师", "student": "学生"}

PDP_ROUTE_NOTE = "未核实：方案图 12《教师个人发展路线图》不在文本中，四个阶段的名称与标准为暂定，待学校确认后修改"

# The default teacher route (教师成长的四个阶段), loaded as DevelopmentRoute version 1 on first use.
# The codes are those of zhengai.org.choices.TeacherStage, so a teacher's 发展阶段 and his plan agree.
DEFAULT_TEACHER_STAGES = [
    {"code": "novice", "name": "合格教师", "criteria": "取得高校教师资格，完成岗前培训，独立承担课程教学（未核实）"},
    {"code": "backbone", "name": "骨干教师", "criteria": "中级及以上职称，评教良好以上，具有双师素质（未核实）"},
    {"code": "leader", "name": "专业带头人", "criteria": "副高级及以上职称，主持专业或课程建设（未核实）"},
    {"code": "master", "name": "教学名师", "criteria": "正高级职称或省级以上教学荣誉，带领教学团队（未核实）"},
]  # fmt: skip
