"""From a finished evaluation to the worklist (DESIGN decision 12).

An out-of-range measurement on an entity's latest judged period is a signal. The indicator's policy
(`AlertPolicy`, default: 汇总 for student indicators, 预警 for the others) decides whether it opens an
alert for the accountable unit or person, joins the student's case of the term, or is only recorded.
Only current members are alerted; an item whose entity left ends by itself (对象已不在册).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from zhengai.alerts.choices import ACTIVE_STATUSES, AlertStatus, ItemKind, PolicyMode
from zhengai.alerts.models import Alert, AlertPolicy, AlertValue
from zhengai.alerts.services import cases
from zhengai.alerts.services.lifecycle import (
    BAD,
    alert_count_recovery,
    alert_lapse,
    alert_raise,
    distance_of,
    entity_items_refresh,
    items_open_many,
    priority_of,
    severity_of,
)
from zhengai.indicators.models import Indicator
from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of
from zhengai.monitoring.selectors import run_states
from zhengai.org import entities


def default_mode(indicator: Indicator) -> str:
    return PolicyMode.CASE if indicator.entity == "student" else PolicyMode.ALERT


def policy_modes(indicators) -> dict[int, str]:
    """Indicator id → its mode (the stored policy, or the default)."""
    stored = dict(AlertPolicy.objects.filter(indicator__in=indicators).values_list("indicator_id", "mode"))
    return {i.pk: stored.get(i.pk, default_mode(i)) for i in indicators}


def is_unverified(state) -> bool:
    return state.threshold is not None and not state.threshold.verified


def _chunks(values: list, size: int = 5000):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def alerts_after_run(*, run, now: dt.datetime | None = None) -> dict[str, int]:
    """Open, update, count the recovery of, reopen and lapse worklist items from one finished run."""
    now = now or clock.now()
    today = timezone.localtime(now).date()
    counts = {"opened": 0, "updated": 0, "recovered": 0, "lapsed": 0, "cases": 0, "signals": 0}
    states = list(run_states(run))
    if not states:
        return counts
    modes = policy_modes({s.indicator_id: s.indicator for s in states}.values())
    keys_by_kind: dict[str, set[str]] = defaultdict(set)
    for s in states:
        keys_by_kind[s.entity_kind].add(s.entity_key)
    current = {kind: entities.current_keys(kind, keys, on=today) for kind, keys in keys_by_kind.items()}

    def is_member(s) -> bool:
        return s.entity_key in current.get(s.entity_kind, ())

    # An outcome of a period that began before the previous 学年 is history, not news: an entity whose latest
    # judged period is that old (older data loaded later, a feed that stopped) is recorded, never alerted.
    news_since = dt.date(academic_year_of(today).start_year - 1, 9, 1)

    def opens_alert(s) -> bool:
        mode = modes[s.indicator_id]
        recent = s.period_start >= news_since
        return recent and (mode == PolicyMode.ALERT or (mode == PolicyMode.CASE and s.entity_kind != "student"))

    case_states = [
        s for s in states
        if modes[s.indicator_id] == PolicyMode.CASE and s.entity_kind == "student" and s.period_start >= news_since
    ]  # fmt: skip
    _threshold_alerts(states, is_member, opens_alert, run=run, now=now, counts=counts)
    student_indicators = Indicator.objects.filter(entity="student", enabled=True)
    case_ids = {pk for pk, mode in policy_modes(list(student_indicators)).items() if mode == PolicyMode.CASE}
    counts.update(
        cases.cases_after_run(
            states=case_states, is_member=is_member, run=run, now=now, today=today, case_indicator_ids=case_ids
        )
    )
    counts["lapsed"] += items_lapse(keys_by_kind=keys_by_kind, current=current, now=now)
    return counts


def _threshold_alerts(states, is_member, opens_alert, *, run, now: dt.datetime, counts: dict) -> None:
    """Threshold alerts: opened where the policy says 预警; any active one counts its recovery."""
    indicator_ids = sorted({s.indicator_id for s in states})
    keys = sorted({s.entity_key for s in states})
    active: dict[tuple[int, str], Alert] = {}
    closed: set[tuple[int, str]] = set()
    ignored: set[tuple[int, str, str]] = set()
    for chunk in _chunks(keys):
        rows = Alert.objects.filter(
            kind=ItemKind.ALERT, rule_key="", indicator_id__in=indicator_ids, entity_key__in=chunk
        ).exclude(status=AlertStatus.LAPSED)
        for a in rows:
            k = (a.indicator_id, a.entity_key)
            if a.status in ACTIVE_STATUSES:
                active[k] = a
            elif a.status == AlertStatus.CLOSED:
                closed.add(k)
            elif a.status == AlertStatus.IGNORED:
                ignored.add((*k, a.period))
    fresh = []
    for s in states:
        k = (s.indicator_id, s.entity_key)
        alert = active.get(k)
        if s.outcome not in BAD:
            if alert is not None and s.outcome == "passed":  # judged by this run: 无数据 etc. are not recovery
                alert_count_recovery(
                    alert=alert, period=s.period, value=s.value, outcome=s.outcome, tier=s.tier, run_id=run.pk, now=now
                )
                counts["recovered"] += 1
            continue
        if alert is None and not opens_alert(s):
            continue
        if not is_member(s) or (*k, s.period) in ignored:
            continue
        if alert is None and k not in closed:
            fresh.append(s)
            continue
        if alert is not None and (alert.last_value, alert.last_outcome, alert.tier) == (s.value, s.outcome, s.tier):
            continue  # nothing changed: spare the writes on a re-run
        alert_raise(
            indicator=s.indicator,
            entity_kind=s.entity_kind,
            entity_key=s.entity_key,
            entity_name=s.entity_name,
            org_unit=s.org_unit,
            period=s.period,
            value=s.value,
            outcome=s.outcome,
            tier=s.tier,
            run_id=run.pk,
            distance=distance_of(s.value, s.threshold, s.outcome),
            unverified=is_unverified(s),
            now=now,
        )
        counts["updated"] += 1
    counts["opened"] += alerts_open_many(states=fresh, run_id=run.pk, now=now)


@transaction.atomic
def alerts_open_many(*, states: list, run_id: int | None, now: dt.datetime) -> int:
    """Open alerts for entities with none yet, many at once (the first evaluation opens thousands)."""
    if not states:
        return 0

    keys_by_kind: dict[str, set[str]] = defaultdict(set)
    for s in states:
        keys_by_kind[s.entity_kind].add(s.entity_key)
    who = entities.Accountability(keys_by_kind)
    alerts = []
    for s in states:
        r = who.route(
            entity_kind=s.entity_kind,
            entity_key=s.entity_key,
            entity_unit_code=s.org_unit,
            indicator_owner=s.indicator.owner,
        )
        severity, distance = severity_of(s.outcome), distance_of(s.value, s.threshold, s.outcome)
        alerts.append(
            Alert(
                kind=ItemKind.ALERT,
                indicator=s.indicator,
                rule_key="",
                entity_kind=s.entity_kind,
                entity_key=s.entity_key,
                entity_name=s.entity_name,
                org_unit_code=s.org_unit or (r.unit.code if r.unit else ""),
                status=AlertStatus.OPEN,
                severity=severity,
                tier=s.tier,
                worst_severity=severity,
                worst_tier=s.tier,
                period=s.period,
                opened_value=s.value,
                last_value=s.value,
                last_outcome=s.outcome,
                distance=distance,
                priority=priority_of(
                    severity=severity, tier=s.tier, signals=1, distance=distance, entity_kind=s.entity_kind
                ),
                unverified=is_unverified(s),
                owner_unit=r.unit,
                informed_unit=r.informed,
                owner_teacher=r.teacher,
                route_note=r.note,
                deadline=now,
                opened_at=now,
            )
        )

    def refetch(items: list[Alert]) -> list[Alert]:
        by_key = {(a.indicator_id, a.entity_key): a for a in Alert.objects.filter(opened_at=now, rule_key="")}
        return [by_key[(a.indicator_id, a.entity_key)] for a in items]

    alerts = items_open_many(
        alerts,
        now=now,
        refetch=refetch,
        notes=[a.route_note for a in alerts],
        data=[{"value": a.last_value, "period": a.period, "outcome": a.last_outcome} for a in alerts],
    )
    AlertValue.objects.bulk_create(
        [
            AlertValue(
                alert=a,
                period=a.period,
                value=a.last_value,
                outcome=a.last_outcome,
                tier=a.tier,
                run_id=run_id,
                recorded_at=now,
            )
            for a in alerts
        ],
        batch_size=2000,
    )
    return len(alerts)


def items_lapse(*, keys_by_kind: dict[str, set[str]], current: dict[str, set[str]], now: dt.datetime) -> int:
    """Active items of entities in the run that are no longer current members end by themselves."""
    today = timezone.localtime(now).date()
    count = 0
    for kind, keys in keys_by_kind.items():
        gone = sorted(keys - current.get(kind, set()))
        if not gone or kind in ("school", "department"):
            continue
        why = entities.membership(kind, gone, on=today)
        for chunk in _chunks(gone):
            for alert in Alert.objects.filter(entity_kind=kind, entity_key__in=chunk, status__in=ACTIVE_STATUSES):
                alert_lapse(alert=alert, why=why.get(alert.entity_key, "不在册"), now=now)
                count += 1
    return count


def alerts_on_evaluation(*, run) -> dict[str, int]:
    """Hook receiver (monitoring.evaluation_finished): the worklist from the run's outcomes and rules.

    A backfill (补录历史) of older periods is history, not news: the worklist does not act on it."""
    if run.backfill:
        return {}
    counts = alerts_after_run(run=run)
    from zhengai.alerts.rules import alert_rules_apply

    counts.update({f"rule_{k}": v for k, v in alert_rules_apply(run=run).items()})
    counts["reranked"] = entity_items_refresh()
    return counts
