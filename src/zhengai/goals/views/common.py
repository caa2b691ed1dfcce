"""What the goal-chain pages share: the 学年 list and the chosen 学年."""

from __future__ import annotations

from django.http import HttpRequest

from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of
from zhengai.org.models import AcademicYear


def years() -> list[int]:
    return list(AcademicYear.objects.order_by("-start_year").values_list("start_year", flat=True))


def chosen_year(request: HttpRequest, years: list[int]) -> int:
    current = academic_year_of(clock.today()).start_year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = current
    return year if year in years or not years else (current if current in years else years[0])
