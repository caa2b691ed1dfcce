"""The audit log page: who may read it, the filter, and before/after shown as readable lists."""

import pytest
from django.urls import reverse

from zhengai.audit.selectors import describe_change
from zhengai.audit.services import audit_record


def test_describe_change_marks_removed_and_added_items():
    (change,) = describe_change({"items": ["甲", "乙"]}, {"items": ["乙", "丙"]})
    assert change.label == "条目"
    assert change.before == [("甲", "removed"), ("乙", "kept")]
    assert change.after == [("乙", "kept"), ("丙", "added")]


def test_describe_change_handles_scalars_and_missing_sides():
    (change,) = describe_change(None, {"value": 85})
    assert change.before == [] and change.after == [("85", "added")]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["head_a", "teacher", "student", "outsider", "major_leader"])
def test_audit_log_is_closed_to_roles_without_college_wide_reading(client_for, key):
    assert client_for(key).get(reverse("audit:log")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["officer", "committee", "it", "reviewer"])
def test_audit_log_is_open_to_college_wide_roles(client_for, key):
    assert client_for(key).get(reverse("audit:log")).status_code == 200


@pytest.mark.django_db
def test_audit_log_shows_before_and_after_and_filters_by_type(client_for, cast):
    audit_record(
        actor=cast.user("officer"),
        action="修改专业",
        obj=cast.software,
        before={"items": ["专业建设规划", "各专业建设规划"]},
        after={"items": ["专业建设规划", "专业群建设方案"]},
        note="试点",
    )
    audit_record(actor=None, action="载入部门", obj=cast.dept_a, before=None, after={"name": "信息工程系"})
    client = client_for("reviewer")

    everything = client.get(reverse("audit:log"))
    assert everything.context["page"].paginator.count == 2
    assert dict(everything.context["options"]) == {"org.major": "专业", "org.orgunit": "部门"}

    response = client.get(reverse("audit:log"), {"object_type": "org.major"})
    assert response.context["page"].paginator.count == 1
    html = response.content.decode()
    assert '<li class="zg-removed">各专业建设规划</li>' in html
    assert '<li class="zg-added">专业群建设方案</li>' in html
    assert "陈质控" in html and "试点" in html

    unknown = client.get(reverse("audit:log"), {"object_type": "nope"})
    assert unknown.context["page"].paginator.count == 2
