from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from zhengai.accounts.models import User


@admin.register(User)
class PlatformUserAdmin(UserAdmin):
    list_display = [
        "username",
        "display_name",
        "role",
        "org_unit",
        "teacher",
        "student",
        "is_active",
        "is_staff",
    ]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "org_unit"]
    list_select_related = ["org_unit", "teacher", "student"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    autocomplete_fields = ["org_unit", "teacher", "student"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("角色与数据范围", {"fields": ["display_name", "role", "org_unit", "teacher", "student"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("角色与数据范围", {"fields": ["display_name", "role", "org_unit", "teacher", "student"]}),
    ]
