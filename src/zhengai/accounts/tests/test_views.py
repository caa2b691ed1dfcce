"""Signing in and out, the home page (驾驶舱) and the navigation."""

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    "home",
    "org:matrix",
    "org:units",
    "org:majors",
    "org:courses",
    "org:classes",
    "org:teachers",
    "org:students",
    "org:calendar",
    "audit:log",
    "datacenter:dictionary",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_login_page_is_in_chinese_and_names_the_product(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "诊改平台" in html and "内部质量保证体系诊断与改进平台" in html
    assert 'lang="zh-hans"' in html


def test_signing_in_through_the_form_lands_on_the_cockpit(client, cast, password):
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "陈质控" in response.content.decode()


def test_a_wrong_password_is_refused_in_chinese(client, cast):
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_needs_a_post(client_for):
    client = client_for("teacher")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302


def _chart_data(response) -> dict:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(match.group(1))


def test_cockpit_counts_what_the_department_head_may_see(client_for):
    response = client_for("head_a").get(reverse("home"))
    overview = response.context["overview"]
    assert (overview.majors, overview.courses, overview.classes) == (2, 2, 2)
    assert overview.teachers == 2
    assert overview.students == 3  # 孙三 is on leave (休学), not counted as enrolled
    assert overview.org_units == 1
    data = _chart_data(response)
    assert data["majors"] == [{"name": "软件技术", "count": 2}, {"name": "计算机网络技术", "count": 1}]
    assert {t["name"] for t in data["titles"]} == {"副高级", "中级"}
    assert "信息工程系" in response.content.decode()


def test_cockpit_of_an_outsider_is_empty_and_says_why(client_for):
    response = client_for("outsider").get(reverse("home"))
    overview = response.context["overview"]
    assert (overview.majors, overview.students, overview.teachers, overview.org_units) == (0, 0, 0, 0)
    assert _chart_data(response) == {"majors": [], "titles": []}
    assert "尚未分配角色或数据范围" in response.content.decode()


def test_capabilities_not_built_yet_are_shown_but_not_linked(client_for):
    html = client_for("officer").get(reverse("home")).content.decode()
    assert html.count("建设中") >= 2
    pending = re.findall(r'<span class="[^"]*zg-nav-pending[^"]*"[^>]*>', html)
    assert len(pending) == 2  # 诊改, 报告
    assert 'href="None"' not in html


def test_the_audit_log_is_only_in_the_menu_of_college_wide_roles(client_for):
    audit_url = reverse("audit:log")
    assert f'href="{audit_url}"' in client_for("reviewer").get(reverse("home")).content.decode()
    assert f'href="{audit_url}"' not in client_for("head_a").get(reverse("home")).content.decode()


def test_the_user_menu_shows_name_and_role_and_signs_out_with_a_form(client_for):
    html = client_for("head_a").get(reverse("home")).content.decode()
    assert "何主任" in html and "部门负责人" in html
    assert re.search(rf'<form method="post" action="{reverse("accounts:logout")}"', html)


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/tabler/tabler.min.css",
        "vendor/tabler/tabler.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
        "zhengai/app.css",
        "zhengai/home.js",
        "zhengai/icons.svg",
        "zhengai/logo.svg",
    ],
)
def test_assets_are_served_from_the_package(asset):
    from django.contrib.staticfiles import finders

    assert finders.find(asset), asset


def test_pages_load_only_local_assets(client_for):
    html = client_for("officer").get(reverse("home")).content.decode()
    assets = re.findall(r'(?:src|href)="([^"#]+\.(?:js|css|svg))"', html)
    assert assets and all(a.startswith("/static/") for a in assets)
    assert "http://" not in html and "https://" not in html


def test_every_icon_the_templates_use_is_in_the_sprite():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    from zhengai.accounts.navigation import _SECTIONS

    package = Path(__file__).resolve().parents[2]
    sprite = Path(finders.find("zhengai/icons.svg")).read_text(encoding="utf-8")
    symbols = set(re.findall(r'<symbol id="([a-z-]+)"', sprite))
    used = {icon for _, icon, _ in _SECTIONS}
    for template in package.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r'\{% icon "([a-z-]+)"', text))
        used |= set(re.findall(r'icon_name="([a-z-]+)"', text))
    assert used and used <= symbols, used - symbols


@pytest.mark.parametrize(
    "url_name",
    ["org:matrix", "org:units_load_default", "org:students", "home", "audit:log", "admin:index"],
)
def test_the_reviewer_can_never_send_a_change(client_for, url_name):
    response = client_for("reviewer").post(reverse(url_name), {"items": "x"})
    assert response.status_code == 403
    assert "只读" in response.content.decode()


def test_the_reviewer_can_still_sign_out(client_for):
    client = client_for("reviewer")
    assert client.post(reverse("accounts:logout")).status_code == 302
