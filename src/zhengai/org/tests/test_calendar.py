"""The academic-calendar editor: every write through the calendar services, validated in Chinese, audited.

The cast's calendar holds 2023-2024 and 2024-2025 (conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhengai.audit.models import AuditRecord
from zhengai.org.models import AcademicYear, Term
from zhengai.org.services import (
    TermDates,
    academic_year_addable,
    academic_year_create,
    academic_year_delete,
    academic_year_proposal,
    academic_year_update,
)

pytestmark = pytest.mark.django_db

D = dt.date


AUTUMN = (D(2025, 9, 1), D(2026, 1, 31))
SPRING = (D(2026, 2, 1), D(2026, 8, 31))


def _terms(t1=AUTUMN, t2=SPRING) -> list[TermDates]:
    return [TermDates(1, *t1), TermDates(2, *t2)]


def _refused(**kw) -> dict[str, list[str]]:
    """Creating 2025-2026 with these dates is refused; returns the messages by field. Nothing is written."""
    before = (AcademicYear.objects.count(), Term.objects.count(), AuditRecord.objects.count())
    args = {"start_year": 2025, "census_day": D(2025, 9, 30), "terms": _terms(), "by": None, **kw}
    with pytest.raises(ValidationError) as caught:
        academic_year_create(**args)
    assert (AcademicYear.objects.count(), Term.objects.count(), AuditRecord.objects.count()) == before
    return caught.value.message_dict


def test_a_new_year_is_proposed_by_the_college_rule_and_its_creation_is_audited(cast):
    proposal = academic_year_proposal(start_year=2025)
    assert proposal.census_day == D(2025, 9, 30)
    assert [(t.kind, t.start, t.end, t.teaching_weeks) for t in proposal.terms] == [
        (1, D(2025, 9, 1), D(2026, 1, 31), 18),
        (2, D(2026, 2, 1), D(2026, 8, 31), 18),
    ]
    officer = cast.user("officer")
    year = academic_year_create(start_year=2025, census_day=D(2025, 10, 15), terms=proposal.terms, by=officer)
    assert (year.start, year.end, year.census_day) == (D(2025, 9, 1), D(2026, 8, 31), D(2025, 10, 15))
    assert list(year.terms.order_by("kind").values_list("code", flat=True)) == ["2025-2026-1", "2025-2026-2"]
    audit = AuditRecord.objects.get(action="新建学年")
    assert audit.actor == officer and audit.before is None
    assert audit.after["census_day"] == "2025-10-15" and audit.after["terms"]["2025-2026-2"]["start"] == "2026-02-01"
    assert academic_year_addable() == [2022, 2026]


def test_a_year_that_already_exists_is_refused(cast):
    errors = _refused(start_year=2024, terms=[TermDates(1, D(2024, 9, 1), D(2025, 1, 31)),
                                              TermDates(2, D(2025, 2, 1), D(2025, 8, 31))])  # fmt: skip
    assert errors["start_year"] == ["2024-2025学年已在校历中，请修改它而不是再建一个"]


def test_a_year_not_next_to_the_calendar_is_refused(cast):
    errors = _refused(start_year=2027)
    assert errors["start_year"] == ["校历须前后相连、不留空档：只能添加2022-2023学年或2025-2026学年"]


def test_overlapping_terms_are_refused(cast):
    errors = _refused(terms=_terms(t2=(D(2026, 1, 20), D(2026, 8, 31))))
    assert errors["term2_start"] == [
        "第二学期（2026-01-20 起）与第一学期（至 2026-01-31）重叠：第二学期应在第一学期结束之后开始"
    ]


def test_a_term_outside_its_year_is_refused(cast):
    errors = _refused(terms=_terms(t2=(D(2026, 2, 1), D(2026, 9, 10))))
    assert errors["term2_start"] == [
        "第二学期（2026-02-01 至 2026-09-10）超出了2025-2026学年（2025-09-01 至 2026-08-31）"
    ]


def test_a_term_that_ends_before_it_starts_is_refused(cast):
    errors = _refused(terms=_terms(t1=(D(2025, 9, 1), D(2025, 8, 31))))
    assert errors["term1_end"] == ["第一学期的结束日期 2025-08-31 早于开学日期 2025-09-01"]


def test_a_census_day_outside_the_year_is_refused(cast):
    errors = _refused(census_day=D(2026, 9, 30))
    assert errors["census_day"] == ["统计日 2026-09-30 不在2025-2026学年（2025-09-01 至 2026-08-31）之内"]


def test_an_edit_changes_the_dates_with_before_and_after_in_the_audit_log(cast):
    year = AcademicYear.objects.get(start_year=2024)
    it = cast.user("it")
    terms = [TermDates(1, D(2024, 9, 1), D(2025, 2, 14), 19), TermDates(2, D(2025, 2, 15), D(2025, 8, 31))]
    academic_year_update(year=year, census_day=D(2024, 10, 31), terms=terms, by=it, note="按校历文件")
    assert Term.objects.get(code="2024-2025-1").end == D(2025, 2, 14)
    audit = AuditRecord.objects.get(action="修改学年")
    assert audit.actor == it and audit.note == "按校历文件"
    assert audit.before["census_day"] == "2024-09-30" and audit.after["census_day"] == "2024-10-31"
    assert audit.before["terms"]["2024-2025-1"]["end"] == "2025-01-31"
    assert audit.after["terms"]["2024-2025-1"] == {"start": "2024-09-01", "end": "2025-02-14", "teaching_weeks": 19}
    # An edit that does not stand changes nothing.
    with pytest.raises(ValidationError):
        academic_year_update(year=year, census_day=D(2023, 9, 30), terms=terms, by=it)
    year.refresh_from_db()
    assert year.census_day == D(2024, 10, 31) and AuditRecord.objects.filter(action="修改学年").count() == 1


def test_only_a_year_at_either_end_of_the_calendar_can_be_deleted(cast):
    academic_year_create(start_year=2025, census_day=D(2025, 9, 30), terms=_terms(), by=None)
    middle = AcademicYear.objects.get(start_year=2024)
    with pytest.raises(ValidationError) as caught:
        academic_year_delete(year=middle, by=cast.user("officer"))
    assert caught.value.messages == ["只能删除校历最前或最后的学年：删除2024-2025学年会在校历中留下空档"]
    academic_year_delete(year=AcademicYear.objects.get(start_year=2025), by=cast.user("officer"))
    assert not Term.objects.filter(code__startswith="2025-2026").exists()
    assert AuditRecord.objects.get(action="删除学年").before["terms"]["2025-2026-1"]["start"] == "2025-09-01"


# ---------------------------------------------------------------------------------------------- pages


def _post(client, url, start_year=2025, **fields):
    data = {
        "start_year": start_year,
        "census_day": f"{start_year}-09-30",
        "term1_start": f"{start_year}-09-01",
        "term1_end": f"{start_year + 1}-01-31",
        "term1_weeks": 18,
        "term2_start": f"{start_year + 1}-02-01",
        "term2_end": f"{start_year + 1}-08-31",
        "term2_weeks": 18,
        "note": "",
        **fields,
    }
    return client.post(url, data)


@pytest.mark.parametrize("role", ["officer", "it"])
def test_the_quality_office_and_the_it_center_add_a_year_from_the_page(client_for, role):
    client = client_for(role)
    page = client.get(reverse("org:calendar_year_new") + "?start_year=2022").content.decode()
    assert "新建学年：2022-2023学年" in page and 'value="2022-09-01"' in page and 'value="2023-08-31"' in page
    response = _post(client, reverse("org:calendar_year_new"), start_year=2022)
    assert response.status_code == 302
    assert AcademicYear.objects.get(start_year=2022).census_day == D(2022, 9, 30)
    assert AuditRecord.objects.get(action="新建学年").actor.username == role


def test_a_page_that_does_not_stand_says_why_in_chinese_and_writes_nothing(client_for):
    client = client_for("officer")
    response = _post(client, reverse("org:calendar_year_new"), term2_start="2026-01-10")
    html = response.content.decode()
    assert response.status_code == 200 and "未保存：请改正以下问题" in html
    assert "第二学期（2026-01-10 起）与第一学期（至 2026-01-31）重叠" in html
    assert not AcademicYear.objects.filter(start_year=2025).exists()


@pytest.mark.parametrize("role", ["head_a", "reviewer", "teacher", "outsider"])
def test_the_others_read_the_calendar_but_cannot_change_it(client_for, role):
    client = client_for(role)
    year = AcademicYear.objects.get(start_year=2024)
    assert _post(client, reverse("org:calendar_year_new")).status_code == 403
    assert _post(client, reverse("org:calendar_year_edit", args=[year.pk]), start_year=2024).status_code == 403
    assert client.post(reverse("org:calendar_year_delete", args=[year.pk])).status_code == 403
    page = client.get(reverse("org:calendar")).content.decode()
    assert "修改日期" not in page and "新建" not in page
    assert AcademicYear.objects.count() == 2 and not AuditRecord.objects.exists()


def test_the_calendar_page_shows_each_years_census_day_and_the_years_that_can_be_added(client_for):
    html = client_for("officer").get(reverse("org:calendar")).content.decode()
    assert '统计日 <strong class="text-body">2024-09-30</strong>' in html
    assert "新建 2022-2023学年" in html and "新建 2025-2026学年" in html


def test_the_admin_shows_the_calendar_but_changes_go_through_the_calendar_page(client, cast, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    year = AcademicYear.objects.get(start_year=2024)
    assert "2024-2025学年" in client.get(reverse("admin:org_academicyear_changelist")).content.decode()
    assert client.get(reverse("admin:org_academicyear_add")).status_code == 403
    client.post(reverse("admin:org_academicyear_delete", args=[year.pk]), {"post": "yes"})
    assert AcademicYear.objects.filter(pk=year.pk).exists()


def test_an_empty_calendar_starts_with_the_current_year_proposed(client_for):
    from zhengai.lib import clock

    AcademicYear.objects.all().delete()
    client = client_for("it")
    assert "新建第一个学年" in client.get(reverse("org:calendar")).content.decode()
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        page = client.get(reverse("org:calendar_year_new")).content.decode()
    assert 'name="start_year"' in page and 'value="2025"' in page and 'value="2026-08-31"' in page
    assert _post(client, reverse("org:calendar_year_new"), start_year=2019).status_code == 302
    assert list(AcademicYear.objects.values_list("start_year", flat=True)) == [2019]
