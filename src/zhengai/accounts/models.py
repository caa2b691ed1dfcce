from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from zhengai.accounts.choices import Role


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
