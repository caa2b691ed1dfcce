"""Applying the alert rules after an evaluation run: each enabled rule is judged (definition.py) on
the latest periods of every entity the run evaluated, and its alerts are opened, updated or counted
back in range."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, Severity
from zhengai.alerts.models import Alert, AlertRule
from zhengai.alerts.rules.definition import Entry, _clean, _fmt, history_window, judge, validate
from zhengai.alerts.services import alert_count_recovery, alert_raise
from zhengai.indicators.choices import Outcome
from zhengai.lib import clock
from zhengai.monitoring.history import history_read
from zhengai.monitoring.models import EvaluationRun


@dataclass
class _Entity:
    key: str
    kind: str
    name: str
    org_unit: str
    series: list[Entry]
    touched: bool  # a measurement in the judged window was written by this run


def _entities(code: str, window: int, run_id: int, only: list[str] | None) -> list[_Entity]:
    """Every entity's (or only these entities') latest `window` periods of one indicator, in one read."""
    table = history_read(indicators=[code], entities=only, order="entity, period_start")
    n = table.num_rows
    if n == 0:
        return []
    keys = table.column("entity").to_numpy(zero_copy_only=False)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [n]])
    lengths = np.minimum(ends - starts, window)
    offsets = np.cumsum(lengths) - lengths
    take = np.repeat(ends - lengths, lengths) + (np.arange(int(lengths.sum())) - np.repeat(offsets, lengths))
    tail = table.take(pa.array(take))
    cols = {
        name: tail.column(name).to_pylist()
        for name in ("entity", "entity_kind", "entity_name", "org_unit", "period", "value", "outcome", "run_id")
    }
    out = []
    for begin, size in zip(offsets.tolist(), lengths.tolist(), strict=True):
        end = begin + size
        last = end - 1
        out.append(
            _Entity(
                key=cols["entity"][last],
                kind=cols["entity_kind"][last],
                name=cols["entity_name"][last] or "",
                org_unit=cols["org_unit"][last] or "",
                series=list(
                    zip(
                        cols["period"][begin:end],
                        [_clean(v) for v in cols["value"][begin:end]],
                        cols["outcome"][begin:end],
                        strict=True,
                    )
                ),
                touched=run_id in cols["run_id"][begin:end],
            )
        )
    return out


def _set_error(rule: AlertRule, message: str) -> None:
    if rule.last_error != message:
        rule.last_error = message
        rule.save(update_fields=["last_error"])


def _recover(alert: Alert, rule: AlertRule, entity: _Entity, run_id: int, now: dt.datetime) -> None:
    """The rule no longer fires for an entity with an active rule alert: one more evaluation in range."""
    period, value, _ = entity.series[-1]
    alert_count_recovery(
        alert=alert,
        period=period,
        value=value,
        outcome=Outcome.PASSED,
        run_id=run_id,
        now=now,
        note=f"{period} 监测值 {_fmt(value)}，规则“{rule.name}”不再触发",
    )


def _same(alert: Alert, period: str, value: float | None, outcome: str) -> bool:
    # The period that triggered the alert stays; what changes is the latest value and outcome.
    now = (alert.last_value, alert.last_outcome, alert.severity, alert.tier, alert.recovered_evaluations)
    return now == (value, outcome, outcome, "", 0)


def _apply_rule(
    rule: AlertRule, entities: list[_Entity], run: EvaluationRun, now: dt.datetime, counts: dict[str, int]
) -> None:
    key = f"rule:{rule.pk}"
    outcome = Outcome.FAILED.value if rule.severity == Severity.FAILED else Outcome.WARN.value
    alerts = Alert.objects.filter(indicator_id=rule.indicator_id, rule_key=key)
    active = {a.entity_key: a for a in alerts.filter(status__in=ACTIVE_STATUSES)}
    ignored = set(alerts.filter(status=AlertStatus.IGNORED).values_list("entity_key", "period"))
    whole_run = not run.periods and not run.since
    unjudged: list[str] = []
    for entity in entities:
        result = judge(rule.definition, entity.series)
        period, value, _ = entity.series[-1]
        alert = active.get(entity.key)
        if result.fired is None:
            unjudged.append(f"{entity.name or entity.key}：{result.reason}")
            continue
        if result.fired is False:
            # Mirrors alerts_after_run: recovery counts only for an entity this run evaluated.
            if alert is not None and (whole_run or entity.touched):
                _recover(alert, rule, entity, run.pk, now)
                counts["recovered"] += 1
            continue
        counts["fired"] += 1
        if alert is None and (entity.key, period) in ignored:
            continue  # the quality office let this period's alert be ignored; a new period may fire again
        if alert is not None and _same(alert, period, value, outcome):
            continue  # alert_raise would change nothing: spare 10,000 writes on a re-run
        alert_raise(
            indicator=rule.indicator,
            entity_kind=entity.kind,
            entity_key=entity.key,
            entity_name=entity.name,
            org_unit=entity.org_unit,
            period=period,
            value=value,
            outcome=outcome,
            run_id=run.pk,
            rule=rule,
            now=now,
        )
        counts["updated" if alert is not None else "opened"] += 1
    counts["not_judged"] += len(unjudged)
    if unjudged:
        _set_error(rule, f"规则“{rule.name}”有 {len(unjudged)} 个对象无法判断，未触发（例如 {unjudged[0]}）")
    else:
        _set_error(rule, "")


def alert_rules_apply(*, run: EvaluationRun, now: dt.datetime | None = None) -> dict[str, int]:
    """Judge every enabled rule of the indicators a run evaluated, for the latest period of each entity.

    Where a rule fires, its alert is opened or updated (`alert_raise`, one alert per rule and entity);
    where it no longer fires, an active rule alert counts one more evaluation back in range. A rule
    that cannot be judged fires nothing and keeps the reason in `AlertRule.last_error`.
    """
    now = now or clock.now()
    counts = dict.fromkeys(("rules", "broken", "fired", "opened", "updated", "recovered", "not_judged"), 0)
    if run.backfill:  # older history loaded later fires nothing on the current worklist
        return counts
    rules = AlertRule.objects.filter(enabled=True).select_related("indicator").order_by("indicator_id", "pk")
    if run.indicator_codes:
        rules = rules.filter(indicator__code__in=run.indicator_codes)
    else:
        rules = rules.filter(indicator__enabled=True)
    by_indicator: dict[int, list[AlertRule]] = defaultdict(list)
    for rule in rules:
        counts["rules"] += 1
        errors = validate(rule.definition)
        if errors:
            counts["broken"] += 1
            _set_error(rule, f"规则“{rule.name}”无法判断，未触发：" + "；".join(errors))
            continue
        by_indicator[rule.indicator_id].append(rule)
    for its_rules in by_indicator.values():
        window = max(history_window(rule.definition) for rule in its_rules)
        indicator = its_rules[0].indicator
        # A real-time run evaluates only the entities of its batch: judge only those.
        only = run.entities.get(indicator.entity) if run.entities else None
        entities = _entities(indicator.code, window, run.pk, only)
        for rule in its_rules:
            _apply_rule(rule, entities, run, now, counts)
    return counts
