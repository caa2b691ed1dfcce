from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from zhengai.accounts.choices import ARCHITECTURE_EDITORS, CALENDAR_EDITORS, COLLEGE_WIDE_ROLES, Role


class User(AbstractUser):
    """A platform user. The role and the linked org unit / teacher / student define the data scope."""

    display_name = models.CharField("显示名", max_length=64, blank=True)
    role = models.CharField("角色", max_length=24, choices=Role.choices, default=Role.NONE)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    teacher = models.OneToOneField(
        "org.Teacher",
        verbose_name="对应教师",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    student = models.OneToOneField(
        "org.Student",
        verbose_name="对应学生",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.REVIEWER

    # What a user may *do*, by role. What a user may *see* is the data scope (`scope.py`).
    # Apps below accounts (org, audit) ask the user object instead of importing these rules.

    @property
    def can_edit_architecture(self) -> bool:
        """质控中心 maintains the 五纵五横 architecture; 复核专家 never changes anything."""
        if self.is_read_only:
            return False
        return self.is_superuser or self.role in ARCHITECTURE_EDITORS

    @property
    def can_edit_calendar(self) -> bool:
        """质控中心 and 信息中心 keep the academic calendar; the others read it."""
        if self.is_read_only:
            return False
        return self.is_superuser or self.role in CALENDAR_EDITORS

    @property
    def can_read_audit_log(self) -> bool:
        return self.is_superuser or self.role in COLLEGE_WIDE_ROLES

    @property
    def role_label(self) -> str:
        if self.is_superuser and self.role == Role.NONE:
            return "系统管理员"
        return self.get_role_display()
