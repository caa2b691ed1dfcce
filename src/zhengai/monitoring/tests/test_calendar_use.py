"""What the calendar editor's changes mean for evaluation: 统计日 dates the 时点 periods, a 学年 with
measurements is not deleted, a 学年 added to the calendar can be evaluated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zhengai.indicators.choices import PeriodKind
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.services import evaluate_now, periods_for
from zhengai.monitoring.tests.college import REPORT_RATE, publish_admissions
from zhengai.org.models import AcademicYear
from zhengai.org.services import (
    TermDates,
    academic_year_create,
    academic_year_delete,
    academic_year_proposal,
    academic_year_update,
    calendar_ensure,
)

pytestmark = pytest.mark.django_db


def test_a_time_point_period_is_the_years_census_day():
    calendar_ensure(first_start_year=2023, last_start_year=2024)
    with clock.frozen(dt.datetime(2025, 3, 1, 9, 0)):
        assert [p.code for p in periods_for(PeriodKind.POINT)] == ["2023-09-30", "2024-09-30"]
        year = AcademicYear.objects.get(start_year=2024)
        terms = [TermDates(t.kind, t.start, t.end) for t in academic_year_proposal(start_year=2024).terms]
        academic_year_update(year=year, census_day=dt.date(2024, 10, 31), terms=terms, by=None)
        assert [p.code for p in periods_for(PeriodKind.POINT)] == ["2023-09-30", "2024-10-31"]


def test_a_year_with_measurements_is_not_deleted_and_says_so(cast):
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    publish_admissions()
    indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    assert evaluate_now(indicator_codes=["T-BDL"]).status == RunStatus.SUCCEEDED
    with pytest.raises(ValidationError) as caught:
        academic_year_delete(year=AcademicYear.objects.get(start_year=2023), by=cast.user("officer"))
    assert caught.value.messages == [
        "2023-2024学年已有监测值 2 个，不能删除：删除会让这些记录失去所属的周期。如日期有误，请修改学年的日期后重新计算"
    ]
    assert AcademicYear.objects.filter(start_year=2023).exists()


def test_a_year_added_to_the_calendar_can_be_evaluated_where_it_was_refused(cast):
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    publish_admissions([(2022, "530701", 100, 70), (2023, "530701", 100, 83)])
    indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    refused = evaluate_now(indicator_codes=["T-BDL"], periods=["2022-2023"])
    assert refused.status == RunStatus.FAILED and "周期不在校历中：2022-2023" in refused.message
    proposal = academic_year_proposal(start_year=2022)
    academic_year_create(start_year=2022, census_day=proposal.census_day, terms=proposal.terms, by=None)
    run = evaluate_now(indicator_codes=["T-BDL"], periods=["2022-2023"])
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.measurements_count == 1
