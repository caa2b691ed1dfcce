import datetime as dt

import pytest

from zhengai.lib.periods import (
    academic_year_of,
    census_date,
    parse_term_code,
    term_code,
    term_of,
)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (dt.date(2024, 9, 1), 2024),
        (dt.date(2025, 8, 31), 2024),
        (dt.date(2025, 1, 15), 2024),
        (dt.date(2024, 8, 31), 2023),
    ],
)
def test_academic_year_runs_from_september_to_august(day, start_year):
    year = academic_year_of(day)
    assert year.start_year == start_year
    assert year.contains(day)
    assert year.label == f"{start_year}-{start_year + 1}学年"


def test_terms_split_autumn_and_spring():
    assert term_of(dt.date(2024, 10, 8)) == (2024, 1)
    assert term_of(dt.date(2025, 1, 10)) == (2024, 1)
    assert term_of(dt.date(2025, 3, 1)) == (2024, 2)
    assert term_of(dt.date(2025, 7, 1)) == (2024, 2)


def test_term_codes_round_trip_and_reject_nonsense():
    assert term_code(2024, 2) == "2024-2025-2"
    assert parse_term_code("2024-2025-2") == (2024, 2)
    with pytest.raises(ValueError, match="格式"):
        parse_term_code("2024秋")
    with pytest.raises(ValueError, match="相连"):
        parse_term_code("2024-2026-1")
    with pytest.raises(ValueError):
        term_code(2024, 3)


def test_census_day_in_spring_belongs_to_the_second_calendar_year():
    assert census_date(2024, "09-30") == dt.date(2024, 9, 30)
    assert census_date(2024, "08-31") == dt.date(2025, 8, 31)
    with pytest.raises(ValueError, match="MM-DD"):
        census_date(2024, "30/09")
