"""Writes to the 五纵五横 architecture and master data. Every architecture edit is audited."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from django.db import transaction

from zhengai.audit.services import audit_record
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
    """Create 学年 and their two 学期 for a range of years (idempotent)."""
    import datetime as dt

    from zhengai.lib.periods import AcademicYearSpan, term_code

    terms: list[Term] = []
    for start_year in range(first_start_year, last_start_year + 1):
        span = AcademicYearSpan(start_year)
        year, _ = AcademicYear.objects.get_or_create(
            start_year=start_year, defaults={"start": span.start, "end": span.end}
        )
        spans = {
            "1": (dt.date(start_year, 9, 1), dt.date(start_year + 1, 1, 31)),
            "2": (dt.date(start_year + 1, 2, 1), dt.date(start_year + 1, 8, 31)),
        }
        for kind, (start, end) in spans.items():
            term, _ = Term.objects.get_or_create(
                academic_year=year,
                kind=kind,
                defaults={"code": term_code(start_year, int(kind)), "start": start, "end": end},
            )
            terms.append(term)
    return terms
