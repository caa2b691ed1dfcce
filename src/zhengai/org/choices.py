"""Code lists of the 五纵五横 architecture and the master data, with their Chinese labels."""

from django.db import models


class LevelCode(models.TextChoices):
    SCHOOL = "school", "学校"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"


class SystemCode(models.TextChoices):
    DECISION = "decision", "决策指挥"
    GENERATION = "generation", "质量生成"
    RESOURCE = "resource", "资源建设"
    SUPPORT = "support", "支持服务"
    SUPERVISION = "supervision", "监督控制"


class ChainCode(models.TextChoices):
    GOAL = "goal", "目标链"
    STANDARD = "standard", "标准链"
    IMPLEMENTATION = "implementation", "实施链"
    ASSURANCE = "assurance", "保障链"
    MONITORING = "monitoring", "监控链"


class OrgUnitKind(models.TextChoices):
    COMMITTEE = "committee", "委员会"
    LEADERSHIP = "leadership", "院领导"
    OFFICE = "office", "职能处室"
    DEPARTMENT = "department", "教学系部"
    QUALITY = "quality", "质控机构"
    SUPPORT = "support", "教辅单位"
    TEACHING_SECTION = "section", "教研室"


class MajorTier(models.TextChoices):
    PROVINCIAL = "provincial", "省级重点"
    COLLEGE = "college", "院级重点"
    CULTIVATING = "cultivating", "学院培育"


class CourseKind(models.TextChoices):
    PUBLIC = "public", "公共基础课"
    FOUNDATION = "foundation", "专业基础课"
    CORE = "core", "专业核心课"
    ELECTIVE = "elective", "专业拓展（选修）课"


class TeacherCategory(models.TextChoices):
    """The four categories of the national state-data platform (standards.md d.4)."""

    FULL_TIME = "full_time", "校内专任"
    INTERNAL_PART_TIME = "internal_part_time", "校内兼课"
    EXTERNAL_ADJUNCT = "external_adjunct", "校外兼职"
    EXTERNAL_PART_TIME = "external_part_time", "校外兼课"


class TeacherTitle(models.TextChoices):
    SENIOR = "senior", "正高级"
    ASSOCIATE = "associate", "副高级"
    INTERMEDIATE = "intermediate", "中级"
    JUNIOR = "junior", "初级"
    NONE = "none", "无职称"


class Degree(models.TextChoices):
    DOCTOR = "doctor", "博士"
    MASTER = "master", "硕士"
    BACHELOR = "bachelor", "学士"
    NONE = "none", "无学位"


class TeacherStage(models.TextChoices):
    """The plan's four-stage development route (图12 教师个人发展路线图)."""

    NOVICE = "novice", "合格教师"
    BACKBONE = "backbone", "骨干教师"
    LEADER = "leader", "专业带头人"
    MASTER = "master", "教学名师"


class Gender(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class StudentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在读"
    SUSPENDED = "suspended", "休学"
    WITHDRAWN = "withdrawn", "退学"
    TRANSFERRED = "transferred", "转学"
    GRADUATED = "graduated", "毕业"


class TermKind(models.TextChoices):
    FIRST = "1", "第一学期"
    SECOND = "2", "第二学期"


# Display colours (Tabler palette names) for the codes above, used for badges.
SYSTEM_COLOURS = {
    SystemCode.DECISION: "purple",
    SystemCode.GENERATION: "blue",
    SystemCode.RESOURCE: "teal",
    SystemCode.SUPPORT: "cyan",
    SystemCode.SUPERVISION: "orange",
}
MAJOR_TIER_COLOURS = {
    MajorTier.PROVINCIAL: "red",
    MajorTier.COLLEGE: "orange",
    MajorTier.CULTIVATING: "azure",
}
STUDENT_STATUS_COLOURS = {
    StudentStatus.ENROLLED: "green",
    StudentStatus.SUSPENDED: "yellow",
    StudentStatus.WITHDRAWN: "red",
    StudentStatus.TRANSFERRED: "orange",
    StudentStatus.GRADUATED: "secondary",
}
ORG_UNIT_KIND_COLOURS = {
    OrgUnitKind.COMMITTEE: "purple",
    OrgUnitKind.LEADERSHIP: "purple",
    OrgUnitKind.OFFICE: "blue",
    OrgUnitKind.DEPARTMENT: "green",
    OrgUnitKind.QUALITY: "orange",
    OrgUnitKind.SUPPORT: "cyan",
    OrgUnitKind.TEACHING_SECTION: "lime",
}
