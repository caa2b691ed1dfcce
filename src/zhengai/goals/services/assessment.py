"""Unit assessment (部门绩效考核): the scheme per 学年 and the computed results of every unit. Audited.

The figures come from the goal chain (attainment of the unit's goals, its tasks) and from the alerts'
published read (alerts handled within their deadline); the arithmetic is in goals/scoring.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zhengai.audit.services import audit_record
from zhengai.goals import scoring
from zhengai.goals.choices import AssessmentComponent
from zhengai.goals.models import AssessmentResult, AssessmentScheme, Task
from zhengai.lib import clock
from zhengai.lib.periods import AcademicYearSpan
from zhengai.org.choices import OrgUnitKind
from zhengai.org.models import OrgUnit

# Teaching departments (教学系部) and functional departments (职能处室) are assessed.
ASSESSED_KINDS = (OrgUnitKind.DEPARTMENT, OrgUnitKind.OFFICE)
DEFAULT_NAME = "部门量化考核办法"
DEFAULT_NOTE = (
    "默认方案：目标达成 50、任务按期完成 30、诊改工作（预警按时处理）20，延期完成按 0.5 折算。"
    "这些数值由学院自行确定（未核实），请质控中心按本校考核办法修改。"
)


def _scheme_fields(scheme: AssessmentScheme | None) -> dict | None:
    if scheme is None:
        return None
    return {"name": scheme.name, "year": scheme.year, "version": scheme.version, "weights": scheme.weights,
            "late_factor": scheme.late_factor}  # fmt: skip


def _active(year: int) -> AssessmentScheme | None:
    return AssessmentScheme.objects.filter(year=year, active=True).order_by("-version").first()


@transaction.atomic
def assessment_scheme_ensure(*, year: int, by: Any = None) -> AssessmentScheme:
    """The 学年's active scheme; the default one (marked as such) when the college has set none."""
    scheme = _active(year)
    if scheme is not None:
        return scheme
    version = (AssessmentScheme.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
    scheme = AssessmentScheme.objects.create(
        name=DEFAULT_NAME, year=year, version=version, weights=dict(scoring.DEFAULT_WEIGHTS),
        late_factor=scoring.DEFAULT_LATE_FACTOR, description=DEFAULT_NOTE, created_by=by if getattr(by, "pk", None)
        else None,
    )  # fmt: skip
    audit_record(actor=by, action="设定考核方案", obj=scheme, before=None, after=_scheme_fields(scheme),
                 note="未设定方案，使用默认方案")  # fmt: skip
    return scheme


@transaction.atomic
def assessment_scheme_set(
    *, year: int, weights: dict, late_factor: float, name: str = DEFAULT_NAME, by: Any, description: str = ""
) -> AssessmentScheme:
    """A new version of the 学年's scheme (the previous one is kept, no longer in use). Weights sum to 100."""
    try:
        weights = {str(k): float(v) for k, v in weights.items()}
        late_factor = float(late_factor)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"weights": "权重和折算系数须为数字"}) from exc
    errors = scoring.weights_errors(weights, late_factor)
    if not name.strip():
        errors["name"] = "请写明方案名称"
    if errors:
        raise ValidationError(errors)
    weights = {c: weights.get(c, 0.0) for c in scoring.COMPONENTS}
    current = AssessmentScheme.objects.select_for_update().filter(year=year, active=True).order_by("-version").first()
    version = (AssessmentScheme.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
    AssessmentScheme.objects.filter(year=year, active=True).update(active=False)
    scheme = AssessmentScheme.objects.create(
        name=name.strip(), year=year, version=version, weights=weights, late_factor=late_factor,
        description=description.strip(), created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    audit_record(actor=by, action="设定考核方案", obj=scheme, before=_scheme_fields(current),
                 after=_scheme_fields(scheme))  # fmt: skip
    return scheme


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _runs(provenances: list[str]) -> str:
    runs = sorted({int(n) for p in provenances for n in re.findall(r"计算批次 #(\d+)", p)})
    return "、".join(f"#{n}" for n in runs)


def _component(key: str, counts: scoring.Counts, part: scoring.Part, *, as_of: dt.datetime, source: str,
               renormalised: bool) -> dict:  # fmt: skip
    note = ""
    if part.value is None:
        note = "无数据，不计入得分，其权重按比例分给有数据的部分"
    elif renormalised:
        note = f"按有数据的部分重新折算权重：{part.weight:g} → {part.effective_weight:g}"
    return {
        "key": key, "label": AssessmentComponent(key).label, "value": part.value, "numerator": counts.numerator,
        "denominator": counts.denominator, "weight": part.weight, "effective_weight": part.effective_weight,
        "contribution": part.contribution, "insufficient": counts.insufficient, "excluded": counts.excluded,
        "as_of": as_of.isoformat(), "source": source, "note": note,
    }  # fmt: skip


@transaction.atomic
def assessment_run(
    *, year: int, scheme: AssessmentScheme | None = None, by: Any, now: dt.datetime | None = None
) -> list[AssessmentResult]:
    """Score every active teaching and functional department for the 学年 starting in `year` and rank them;
    the scheme's earlier results for the year are replaced. Best first."""
    from zhengai.alerts.selectors import handling_by_unit
    from zhengai.goals.selectors import goal_attainments

    now = now or clock.now()
    today = timezone.localtime(now).date() if timezone.is_aware(now) else now.date()
    span = AcademicYearSpan(year)
    scheme = scheme or assessment_scheme_ensure(year=year, by=by)
    if scheme.year != year:
        raise ValidationError({"scheme": f"考核方案“{scheme}”不是 {span.label} 的方案"})
    units = list(OrgUnit.objects.filter(active=True, kind__in=ASSESSED_KINDS).order_by("order", "code"))

    goals_by_unit: dict[int, list] = {}
    for node in goal_attainments(period=span.code, now=now).values():
        if node.goal.owner_unit_id is not None and not node.goal.is_personal:
            goals_by_unit.setdefault(node.goal.owner_unit_id, []).append(node)
    tasks_by_unit: dict[int, list[tuple[str, dt.date | None]]] = {}
    # A row split per unit is counted through its units' sub-tasks, not once more as a whole.
    leaves = Task.objects.filter(year=year, owner_unit__isnull=False, children__isnull=True).distinct()
    for unit_id, status, due in leaves.values_list("owner_unit_id", "status", "due_date"):
        tasks_by_unit.setdefault(unit_id, []).append((status, due))
    handling = handling_by_unit(start=_day_start(span.start), end=_day_start(span.end + dt.timedelta(days=1)), now=now)

    computed = []
    for unit in units:
        nodes = goals_by_unit.get(unit.pk, [])
        goals = scoring.goal_counts(n.result.state for n in nodes)
        tasks = scoring.task_counts(tasks_by_unit.get(unit.pk, []), today=today, late_factor=scheme.late_factor)
        h = handling.get(unit.pk)
        alerts = scoring.Counts(h.on_time, h.counted, excluded=h.pending) if h else scoring.Counts(0, 0)
        counts = dict(zip(AssessmentComponent, (goals, tasks, alerts), strict=True))
        weighted = [(k.value, float(scheme.weights.get(k.value, 0)), c.value) for k, c in counts.items()]
        total, parts = scoring.score(weighted)
        renormalised = any(p.value is None and p.weight for p in parts)
        runs = _runs([t.provenance for n in nodes for t in n.targets])
        sources = {
            AssessmentComponent.GOALS: f"目标链达成度：{span.code} 学年责任部门为本部门的目标"
            + (f"（监测值计算批次 {runs}）" if runs else ""),
            AssessmentComponent.TASKS: f"目标链任务：{span.label}本部门的任务（截至 {today:%Y-%m-%d}）",
            AssessmentComponent.ALERTS: f"监测预警：处理时限在 {span.label}内的本部门预警事项（截至 {today:%Y-%m-%d}）",
        }
        components = [
            _component(k.value, counts[k], part, as_of=now, source=sources[k], renormalised=renormalised)
            for k, part in zip(counts, parts, strict=True)
        ]
        computed.append((unit, total, components))

    ranked = scoring.ranks({unit.pk: total for unit, total, _c in computed})
    AssessmentResult.objects.filter(scheme=scheme, year=year).delete()
    results = AssessmentResult.objects.bulk_create(
        AssessmentResult(scheme=scheme, unit=unit, year=year, score=total, components=components,
                         rank=ranked[unit.pk], computed_at=now, computed_by=by if getattr(by, "pk", None) else None)
        for unit, total, components in computed
    )  # fmt: skip
    audit_record(
        actor=by, action="计算部门考核结果", obj=scheme, before=None,
        after={"year": year, "scheme_version": scheme.version, "units": len(results),
               "scores": {unit.code: total for unit, total, _c in computed}},
    )  # fmt: skip
    return sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.unit.order, r.unit.code))
