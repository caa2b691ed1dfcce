"""The admin opens every master-data page (list, search, add) without error."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_registered_model_opens_in_the_admin(cast, client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x" * 12)
    client.force_login(root)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"org", "accounts"}:
            continue
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, opts.label
        if model_admin.search_fields:
            assert client.get(changelist, {"q": "软件"}).status_code == 200, opts.label
        if model_admin.has_add_permission(type("R", (), {"user": root})()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, opts.label
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, opts.label


def test_admin_is_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    html = client.get(reverse("admin:index")).content.decode()
    assert "诊改平台 · 主数据管理" in html
    assert "系统（五纵）" in html and "学生" in html and "用户" in html
