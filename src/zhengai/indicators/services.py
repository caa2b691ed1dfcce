"""Writes to the catalogue: loading the shipped indicators, the college's edits, new thresholds.

Every change to a definition or a threshold writes an audit record (who, when, before, after).
Re-judging measurements after a threshold change belongs to monitoring (`threshold_change`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction

from zhengai.audit.services import audit_record
from zhengai.indicators.choices import ThresholdOrigin
from zhengai.indicators.declarations import DeclarationError, json_safe, parse_indicator, shipped_raw
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.thresholds import Line, Thresholds, Tier

_COLUMNS = ("name", "level", "entity", "system", "dimension", "control_point", "period", "owner")


def _columns(raw: dict) -> dict[str, Any]:
    return {k: str(raw.get(k) or "") for k in _COLUMNS}


@transaction.atomic
def indicators_sync_shipped() -> dict[str, int]:
    """Bring the shipped indicators and their shipped thresholds into the app database.

    New indicators are added; a shipped definition that changed in a new release replaces the
    stored shipped copy (the college's overrides stay on top); shipped threshold rows are added
    when missing. College edits are never touched.
    """
    shipped = shipped_raw()
    existing = {i.code: i for i in Indicator.objects.all()}
    counts = {"added": 0, "updated": 0, "thresholds": 0, "retired": 0}
    for code, row in existing.items():
        if code not in shipped and not row.is_custom and row.enabled:
            # Dropped from the shipped catalogue: kept with its history, no longer evaluated.
            row.enabled = False
            row.save(update_fields=["enabled", "updated_at"])
            audit_record(
                actor=None,
                action="内置目录已移除该指标，停用",
                obj=row,
                before={"enabled": True},
                after={"enabled": False},
            )
            counts["retired"] += 1
    for order, (code, (raw, _file)) in enumerate(shipped.items(), start=1):
        row = existing.get(code)
        merged = {**raw, **(row.override if row else {})}
        if row is None:
            row = Indicator.objects.create(code=code, shipped=raw, order=order, **_columns(merged))
            counts["added"] += 1
        elif json.dumps(row.shipped, ensure_ascii=False) != json.dumps(raw, ensure_ascii=False) or row.order != order:
            # Compared as text: the order of parts and joins matters, and dict equality ignores it.
            before = row.shipped
            row.shipped, row.order = raw, order
            for k, v in _columns(merged).items():
                setattr(row, k, v)
            row.save()
            counts["updated"] += 1
            if before is not None and before != raw:
                audit_record(actor=None, action="内置指标定义随版本更新", obj=row, before=before, after=raw)
        decl = parse_indicator(raw, origin=_file)
        have = {(t.group, t.effective_from) for t in row.threshold_rows.filter(origin=ThresholdOrigin.SHIPPED)}
        for t in decl.thresholds:
            if (t.group, t.effective_from) in have:
                continue
            th = Threshold(
                indicator=row,
                group=t.group,
                effective_from=t.effective_from,
                origin=ThresholdOrigin.SHIPPED,
                note=t.note,
                verified=t.verified,
            )
            th.set_lines(t.thresholds)
            th.save()
            counts["thresholds"] += 1
    return counts


_SYNCED_IN_THIS_PROCESS = [False]


def indicators_ensure() -> None:
    """Bring in the shipped catalogue once per process (a new release is a restart), and whenever
    the app database has none (first start, fresh test database)."""
    if not _SYNCED_IN_THIS_PROCESS[0] or not Indicator.objects.exists():
        indicators_sync_shipped()
        _SYNCED_IN_THIS_PROCESS[0] = True


@transaction.atomic
def indicator_update(*, indicator: Indicator, changes: dict[str, Any], by, note: str = "") -> Indicator:
    """Override fields of an indicator's definition (checked before saving; audited)."""
    changes = json_safe(changes)
    changes.pop("code", None)
    changes.pop("thresholds", None)
    override = {**(indicator.override or {}), **changes}
    if indicator.shipped:
        override = {k: v for k, v in override.items() if indicator.shipped.get(k) != v}
    merged = {**(indicator.shipped or {}), **override}
    parse_indicator(merged, origin="本校修改")  # raises DeclarationError with a Chinese message
    before = indicator.raw
    indicator.override = override
    for k, v in _columns(merged).items():
        setattr(indicator, k, v)
    indicator.save()
    audit_record(actor=by, action="修改指标定义", obj=indicator, before=before, after=indicator.raw, note=note)
    return indicator


@transaction.atomic
def indicator_reset(*, indicator: Indicator, by) -> Indicator:
    """Drop the college's changes: back to the shipped definition."""
    if indicator.is_custom or not indicator.shipped:
        raise DeclarationError("本校自建指标没有内置定义可恢复")
    before = indicator.raw
    indicator.override = {}
    for k, v in _columns(indicator.shipped).items():
        setattr(indicator, k, v)
    indicator.save()
    audit_record(actor=by, action="恢复内置指标定义", obj=indicator, before=before, after=indicator.raw)
    return indicator


@transaction.atomic
def indicator_create(*, raw: dict[str, Any], by) -> Indicator:
    """A college's own indicator (same declaration language as the shipped ones)."""
    raw = json_safe(raw)
    decl = parse_indicator(raw, origin="本校自建")
    if Indicator.objects.filter(code=decl.code).exists():
        raise DeclarationError(f"指标代码 {decl.code} 已存在")
    thresholds = raw.pop("thresholds", [])
    row = Indicator.objects.create(
        code=decl.code, shipped=None, override=raw, is_custom=True, order=10_000, **_columns(raw)
    )
    audit_record(actor=by, action="新建指标", obj=row, before=None, after=raw)
    for t in decl.thresholds:
        threshold_add(
            indicator=row, group=t.group, effective_from=t.effective_from, thresholds=t.thresholds, note=t.note, by=by
        )
    del thresholds
    return row


@transaction.atomic
def indicator_set_enabled(*, indicator: Indicator, enabled: bool, by) -> Indicator:
    if indicator.enabled != enabled:
        indicator.enabled = enabled
        indicator.save(update_fields=["enabled", "updated_at"])
        audit_record(
            actor=by,
            action="启用指标" if enabled else "停用指标",
            obj=indicator,
            before={"enabled": not enabled},
            after={"enabled": enabled},
        )
    return indicator


def thresholds_from_form(
    *, standard: str = "", warning: str = "", target: str = "", tiers: list[dict] | None = None
) -> Thresholds:
    """Typed thresholds from the editor's text fields (“>= 0.6”, “between 16, 18”); Chinese errors."""
    out_tiers = []
    for i, t in enumerate(tiers or [], start=1):
        line = Line.parse(t.get("when"))
        if line is None or not t.get("label"):
            raise ValueError(f"第 {i} 个分级需要名称和条件")
        out_tiers.append(Tier(str(t["label"]), str(t.get("color", "")), line))
    return Thresholds(Line.parse(standard), Line.parse(warning), Line.parse(target), tuple(out_tiers))


@transaction.atomic
def threshold_add(
    *, indicator: Indicator, group: str, effective_from: dt.date, thresholds: Thresholds, by, note: str = ""
) -> Threshold:
    """A new threshold from a date on (the college's setting). Earlier periods keep theirs. Audited."""
    if thresholds.standard is None and thresholds.warning is None and not thresholds.tiers:
        raise ValueError("至少要设定标准值或预警值")
    from zhengai.indicators.selectors import threshold_in_force

    rows = list(indicator.threshold_rows.all())
    previous = threshold_in_force(rows, group, effective_from)
    row = Threshold(
        indicator=indicator,
        group=group,
        effective_from=effective_from,
        origin=ThresholdOrigin.EDITED,
        note=note,
        created_by=by if getattr(by, "pk", None) else None,
    )
    row.set_lines(thresholds)
    row.save()
    audit_record(
        actor=by,
        action="设定阈值",
        obj=indicator,
        before=previous.as_dict() if previous else None,
        after=row.as_dict(),
        note=note,
    )
    return row
