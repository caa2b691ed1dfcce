"""The data dictionary page renders the data standard declared in code."""

import re

import pytest
from django.urls import reverse

from zhengai.datacenter.standard import CODE_SETS, TABLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client_for):
    response = client_for("teacher").get(reverse("datacenter:dictionary"))
    assert response.status_code == 200
    return response.content.decode()


def test_every_table_and_field_is_listed(page):
    for table in TABLES:
        assert f'id="table-{table.name}"' in page, table.name
        for field in table.fields:
            assert f">{field.name}</code>" in page, f"{table.name}.{field.name}"


def test_tables_are_grouped_by_source_system(page):
    for source in {t.source_system for t in TABLES}:
        assert f"来源系统：{source}" in page


def test_every_code_field_links_to_its_code_set_section(page):
    for name in CODE_SETS:
        assert f'id="code-{name}"' in page
    linked = set(re.findall(r'href="#code-([a-z_]+)"', page))
    used = {f.code_set for t in TABLES for f in t.fields if f.code_set}
    assert used <= linked


def test_unverified_code_sets_carry_a_visible_badge(page):
    unverified = sum(1 for cs in CODE_SETS.values() if not cs.verified)
    assert page.count('<span class="badge bg-yellow-lt ms-1">未核实</span>') == unverified
    assert page.count('<span class="badge bg-green-lt ms-1">已核实</span>') == len(CODE_SETS) - unverified


def test_primary_keys_and_time_semantics_are_shown(page):
    students = next(t for t in TABLES if t.name == "students")
    assert students.time_kind.label in page
    assert page.count(">主键</span>") == sum(len(t.primary_key) for t in TABLES)
