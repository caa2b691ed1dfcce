"""Writes to the 五纵五横 architecture and master data. Every architecture edit is audited."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengai.audit.services import audit_record
from zhengai.lib import usage
from zhengai.lib.periods import AcademicYearSpan, census_date, proposed_terms, term_code
from zhengai.org import choices
from zhengai.org.models import (
    AcademicYear,
    ArchitectureCell,
    ArchitectureItem,
    ArchitectureRow,
    Chain,
    Level,
    OrgUnit,
    OrgUnitSystem,
    System,
    Term,
)


def _package_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("zhengai.org").joinpath("data", name).read_text(encoding="utf-8"))


@transaction.atomic
def architecture_ensure_dimensions() -> None:
    """Create the five levels, five systems and five chains (idempotent)."""
    for model, choice in (
        (Level, choices.LevelCode),
        (System, choices.SystemCode),
        (Chain, choices.ChainCode),
    ):
        for order, (code, label) in enumerate(choice.choices, start=1):
            model.objects.update_or_create(code=code, defaults={"name": label, "order": order})


@transaction.atomic
def architecture_load_default(*, replace: bool = False) -> int:
    """Load the plan's Table 1 as the architecture. Returns the number of items written.

    Does nothing when an architecture already exists, unless `replace` is set.
    """
    architecture_ensure_dimensions()
    if ArchitectureRow.objects.exists():
        if not replace:
            return 0
        ArchitectureRow.objects.all().delete()
    doc = _package_json("architecture_2018.json")
    levels = {lv.code: lv for lv in Level.objects.all()}
    systems = {s.code: s for s in System.objects.all()}
    chains = {c.code: c for c in Chain.objects.all()}
    written = 0
    for row_data in doc["rows"]:
        row = ArchitectureRow.objects.create(
            order=row_data["order"],
            system=systems.get(row_data["system"]) if row_data["system"] else None,
            group_label=row_data["group_label"],
            aspect=row_data["aspect"],
            chain=chains.get(row_data["chain"]) if row_data["chain"] else None,
        )
        for level_code, items in row_data["cells"].items():
            cell = ArchitectureCell.objects.create(row=row, level=levels[level_code])
            ArchitectureItem.objects.bulk_create(
                ArchitectureItem(cell=cell, order=i, text=text) for i, text in enumerate(items, start=1)
            )
            written += len(items)
    return written


@transaction.atomic
def architecture_cell_update(*, cell: ArchitectureCell, items: list[str], by: Any, note: str = "") -> ArchitectureCell:
    """Replace the items of one matrix cell; the change is audited with before and after."""
    cleaned = [text.strip() for text in items if text.strip()]
    if not cleaned:
        raise ValueError("单元格至少需要一条内容")
    too_long = [text for text in cleaned if len(text) > 500]
    if too_long:
        raise ValueError(f"每条内容不超过 500 字，第一条超长内容以“{too_long[0][:20]}”开头")
    before = cell.item_texts()
    if before == cleaned:
        return cell
    cell.items.all().delete()
    ArchitectureItem.objects.bulk_create(
        ArchitectureItem(cell=cell, order=i, text=text) for i, text in enumerate(cleaned, start=1)
    )
    cell.version += 1
    cell.save(update_fields=["version"])
    audit_record(
        actor=by,
        action="修改五纵五横单元格",
        obj=cell,
        before={"items": before},
        after={"items": cleaned},
        note=note,
    )
    return cell


@transaction.atomic
def org_units_load_default() -> int:
    """Load the plan's org units and their place in the five systems (idempotent, keyed by code)."""
    architecture_ensure_dimensions()
    doc = _package_json("org_units_default.json")
    systems = {s.code: s for s in System.objects.all()}
    for data in doc["units"]:
        unit, _ = OrgUnit.objects.update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "short_name": data.get("short_name", ""),
                "kind": data["kind"],
                "order": data["order"],
            },
        )
        for role in data["systems"]:
            OrgUnitSystem.objects.update_or_create(
                org_unit=unit,
                system=systems[role["system"]],
                defaults={"responsibility": role["responsibility"], "primary": role["primary"]},
            )
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    for data in doc["units"]:
        parent = by_code.get(data["parent"]) if data["parent"] else None
        unit = by_code[data["code"]]
        if unit.parent_id != (parent.pk if parent else None):
            unit.parent = parent
            unit.save(update_fields=["parent"])
    return len(doc["units"])


@transaction.atomic
def calendar_ensure(*, first_start_year: int, last_start_year: int) -> list[Term]:
    """Create 学年 and their two 学期 for a range of years by the college's rule (idempotent)."""
    terms: list[Term] = []
    for start_year in range(first_start_year, last_start_year + 1):
        span = AcademicYearSpan(start_year)
        year, _ = AcademicYear.objects.get_or_create(
            start_year=start_year,
            defaults={"start": span.start, "end": span.end, "census_day": _default_census(start_year)},
        )
        for kind, start, end in proposed_terms(start_year):
            term, _ = Term.objects.get_or_create(
                academic_year=year,
                kind=str(kind),
                defaults={"code": term_code(start_year, kind), "start": start, "end": end},
            )
            terms.append(term)
    return terms


# ------------------------------------------------------------------------------ calendar editor


@dataclass(frozen=True)
class TermDates:
    kind: int  # 1 第一学期, 2 第二学期
    start: dt.date
    end: dt.date
    teaching_weeks: int = 18


@dataclass(frozen=True)
class YearProposal:
    start_year: int
    census_day: dt.date
    terms: list[TermDates]


def _default_census(start_year: int) -> dt.date:
    return census_date(start_year, settings.ZHENGAI_CENSUS_DAY)


def academic_year_proposal(*, start_year: int) -> YearProposal:
    """A new 学年 as the college's rule gives it: its two terms and the configured 统计日."""
    terms = [TermDates(kind, start, end) for kind, start, end in proposed_terms(start_year)]
    return YearProposal(start_year, _default_census(start_year), terms)


def academic_year_addable() -> list[int]:
    """The start years a new 学年 may have: the one before and the one after the calendar (it stays
    without gaps, so every period between its first and last year is in it)."""
    years = list(AcademicYear.objects.order_by("start_year").values_list("start_year", flat=True))
    if not years:
        return []
    return [years[0] - 1, years[-1] + 1]


def _term_label(kind: int) -> str:
    return "第一学期" if kind == 1 else "第二学期"


def _calendar_errors(*, start_year: int, census_day: dt.date, terms: list[TermDates]) -> dict[str, str]:
    """Every reason the dates cannot stand, by form field, in Chinese."""
    span = AcademicYearSpan(start_year)
    year_text = f"{span.label}（{span.start:%Y-%m-%d} 至 {span.end:%Y-%m-%d}）"
    errors: dict[str, str] = {}
    if not span.contains(census_day):
        errors["census_day"] = f"统计日 {census_day:%Y-%m-%d} 不在{year_text}之内"
    if sorted(t.kind for t in terms) != [1, 2]:
        errors["__all__"] = "一个学年应有第一学期和第二学期各一个"
        return errors
    terms = sorted(terms, key=lambda t: t.kind)
    for t in terms:
        label = _term_label(t.kind)
        if t.start > t.end:
            errors[f"term{t.kind}_end"] = f"{label}的结束日期 {t.end:%Y-%m-%d} 早于开学日期 {t.start:%Y-%m-%d}"
        elif not (span.contains(t.start) and span.contains(t.end)):
            errors[f"term{t.kind}_start"] = f"{label}（{t.start:%Y-%m-%d} 至 {t.end:%Y-%m-%d}）超出了{year_text}"
        if not 1 <= t.teaching_weeks <= 30:
            errors[f"term{t.kind}_weeks"] = f"{label}的教学周数应在 1 到 30 之间，收到 {t.teaching_weeks}"
    first, second = terms
    if not errors.keys() & {"term1_start", "term1_end", "term2_start", "term2_end"} and second.start <= first.end:
        errors["term2_start"] = (
            f"第二学期（{second.start:%Y-%m-%d} 起）与第一学期（至 {first.end:%Y-%m-%d}）重叠："
            "第二学期应在第一学期结束之后开始"
        )
    return errors


def _year_snapshot(year: AcademicYear) -> dict[str, Any]:
    return {
        "census_day": year.census_day.isoformat(),
        "terms": {
            t.code: {"start": t.start.isoformat(), "end": t.end.isoformat(), "teaching_weeks": t.teaching_weeks}
            for t in year.terms.order_by("kind")
        },
    }


@transaction.atomic
def academic_year_create(
    *, start_year: int, census_day: dt.date, terms: list[TermDates], by: Any, note: str = ""
) -> AcademicYear:
    """Add a 学年 with its two terms to the calendar, next to the years already in it; audited.

    Raises ValidationError (by form field, in Chinese) and writes nothing when a date cannot stand.
    """
    if AcademicYear.objects.filter(start_year=start_year).exists():
        raise ValidationError({"start_year": f"{AcademicYearSpan(start_year).label}已在校历中，请修改它而不是再建一个"})
    addable = academic_year_addable()
    if addable and start_year not in addable:
        labels = "或".join(AcademicYearSpan(y).label for y in addable)
        raise ValidationError({"start_year": f"校历须前后相连、不留空档：只能添加{labels}"})
    errors = _calendar_errors(start_year=start_year, census_day=census_day, terms=terms)
    if errors:
        raise ValidationError(errors)
    span = AcademicYearSpan(start_year)
    year = AcademicYear.objects.create(start_year=start_year, start=span.start, end=span.end, census_day=census_day)
    for t in terms:
        Term.objects.create(
            academic_year=year,
            kind=str(t.kind),
            code=term_code(start_year, t.kind),
            start=t.start,
            end=t.end,
            teaching_weeks=t.teaching_weeks,
        )
    audit_record(actor=by, action="新建学年", obj=year, before=None, after=_year_snapshot(year), note=note)
    return year


@transaction.atomic
def academic_year_update(
    *, year: AcademicYear, census_day: dt.date, terms: list[TermDates], by: Any, note: str = ""
) -> AcademicYear:
    """Change a 学年's 统计日 and term dates; audited with before and after. Nothing changes on an error."""
    errors = _calendar_errors(start_year=year.start_year, census_day=census_day, terms=terms)
    if errors:
        raise ValidationError(errors)
    before = _year_snapshot(year)
    year.census_day = census_day
    year.save(update_fields=["census_day"])
    for t in terms:
        Term.objects.update_or_create(
            academic_year=year,
            kind=str(t.kind),
            defaults={
                "code": term_code(year.start_year, t.kind),
                "start": t.start,
                "end": t.end,
                "teaching_weeks": t.teaching_weeks,
            },
        )
    after = _year_snapshot(year)
    if after != before:
        audit_record(actor=by, action="修改学年", obj=year, before=before, after=after, note=note)
    return year


@transaction.atomic
def academic_year_delete(*, year: AcademicYear, by: Any, note: str = "") -> None:
    """Remove a 学年 at either end of the calendar, unless something is already recorded for it."""
    uses = usage.uses_between(year.start, year.end)
    if uses:
        raise ValidationError(
            f"{year}已有{'、'.join(uses)}，不能删除：删除会让这些记录失去所属的周期。"
            "如日期有误，请修改学年的日期后重新计算"
        )
    years = list(AcademicYear.objects.order_by("start_year").values_list("start_year", flat=True))
    if year.start_year not in (years[0], years[-1]):
        raise ValidationError(f"只能删除校历最前或最后的学年：删除{year}会在校历中留下空档")
    before = _year_snapshot(year)
    label = str(year)
    audit_record(actor=by, action="删除学年", obj=year, before=before, after=None, note=note or label)
    year.delete()
