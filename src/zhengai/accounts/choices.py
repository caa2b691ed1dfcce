from django.db import models


class Role(models.TextChoices):
    COMMITTEE = "committee", "质量保证委员会"
    QUALITY_OFFICE = "quality_office", "质控中心"
    IT_CENTER = "it_center", "信息中心"
    DEPARTMENT_HEAD = "department_head", "部门负责人"
    MAJOR_LEADER = "major_leader", "专业带头人"
    COURSE_LEADER = "course_leader", "课程负责人"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"
    REVIEWER = "reviewer", "复核专家"
    NONE = "none", "未分配角色"


# Roles that read the whole college. 复核专家 reads everything but changes nothing.
COLLEGE_WIDE_ROLES = frozenset({Role.COMMITTEE, Role.QUALITY_OFFICE, Role.IT_CENTER, Role.REVIEWER})
# Roles allowed to edit the 五纵五横 architecture.
ARCHITECTURE_EDITORS = frozenset({Role.QUALITY_OFFICE})
# Roles allowed to edit the academic calendar (学年、学期、统计日).
CALENDAR_EDITORS = frozenset({Role.QUALITY_OFFICE, Role.IT_CENTER})
