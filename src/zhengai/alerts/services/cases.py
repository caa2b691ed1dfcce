"""Student cases (学生预警): one case per student per term, bundling the student's signals.

A student indicator whose policy is 汇总 does not open an alert of its own: its out-of-range value is
a signal of the student's case of the current term. A case opens when a student's signals reach the
college's bar (`AlertSettings.case_min_signals` indicators out of range, or any 红色 tier); below it
they stay in the measurement history and the student's profile, and join the case once it opens.
A case is routed to the class adviser and handled once
(事实 → 原因 → 措施, an 一人一策 support plan with its follow-ups). The case closes by itself when
every bundled signal has recovered, and reopens when one goes out of range again in the same term.
Its tier is the academic-warning tier (学业预警 蓝/黄/橙/红) of its signals: discipline levels,
fitness grades and counselling levels are other vocabularies and never become the case's colour.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction

from zhengai.alerts import privacy
from zhengai.alerts.choices import ACTIVE_STATUSES, TIER_RANK, AlertStatus, EventKind, ItemKind
from zhengai.alerts.models import Alert, AlertSettings, AlertSignal
from zhengai.alerts.services.lifecycle import (
    BAD,
    RED,
    alert_count_recovery,
    deadline_for,
    distance_of,
    event_add,
    items_open_many,
    priority_of,
    severity_of,
    worse,
    worse_tier,
)
from zhengai.lib import periods
from zhengai.monitoring.selectors import states_for
from zhengai.org import entities
from zhengai.org.selectors import current_term

ACADEMIC_TIERS = frozenset(TIER_RANK)  # 蓝色 黄色 橙色 红色: the 学业预警 colours


def case_term(today: dt.date) -> str:
    """The term a case belongs to: the calendar's term containing today (else the term by date)."""
    term = current_term(today)
    if term is not None:
        return term.code
    start_year, kind = periods.term_of(today)
    return periods.term_code(start_year, kind)


def _summary(case: Alert, signals: list[AlertSignal]) -> None:
    """Severity, tier, counts and priority of a case from its signals (unsaved)."""
    live = [s for s in signals if s.recovered_at is None]
    severity = ""
    tier = ""
    distance = 0.0
    for s in live:
        severity = worse(severity, severity_of(s.last_outcome))
        if s.tier in ACADEMIC_TIERS:
            tier = worse_tier(tier, s.tier)
        distance = max(distance, s.distance)
    case.severity = severity or case.severity or "warn"
    case.tier = tier
    case.worst_severity = worse(case.worst_severity, case.severity)
    case.worst_tier = worse_tier(case.worst_tier, tier)
    case.signal_count, case.open_signals = len(signals), len(live)
    case.unverified = any(s.unverified for s in live)
    case.priority = priority_of(
        severity=case.severity, tier=tier, signals=len(live), distance=distance, entity_kind="student"
    )


def _chunks(values: list, size: int = 5000):
    for i in range(0, len(values), size):
        yield values[i : i + size]


@transaction.atomic
def cases_after_run(
    *, states: list, is_member, run, now: dt.datetime, today: dt.date, case_indicator_ids: set[int] = frozenset()
) -> dict[str, int]:
    """Signals of 汇总 indicators into the students' cases of the term; recovery; closing and reopening."""
    counts = {"cases": 0, "signals": 0, "case_recovered": 0, "case_closed": 0, "case_reopened": 0}
    if not states:
        return counts
    term = case_term(today)
    by_student: dict[str, list] = defaultdict(list)
    for s in states:
        by_student[s.entity_key].append(s)
    existing: dict[str, Alert] = {}
    signals: dict[int, dict[int, AlertSignal]] = defaultdict(dict)
    keys = sorted(by_student)
    for chunk in _chunks(keys):
        for case in Alert.objects.filter(kind=ItemKind.CASE, period=term, entity_key__in=chunk):
            existing[case.entity_key] = case
    ids = [c.pk for c in existing.values()]
    for chunk in _chunks(ids):
        for sig in AlertSignal.objects.filter(alert_id__in=chunk):
            signals[sig.alert_id][sig.indicator_id] = sig

    # New cases: students with no case this term whose signals reach the college's bar for a case.
    bar = max(1, AlertSettings.current().case_min_signals)

    def reaches_bar(k: str) -> bool:
        bad = [s for s in by_student[k] if s.outcome in BAD and is_member(s)]
        return len(bad) >= bar or any(s.tier == RED for s in bad)

    # A run may bring one indicator only (a real-time batch): count the student's other current signals too.
    without = [k for k in keys if k not in existing]
    if without and case_indicator_ids:
        have = {(s.indicator_id, s.entity_key) for s in states}
        for chunk in _chunks(without):
            for s in states_for(indicator_ids=case_indicator_ids, entity_keys=chunk).select_related(
                "indicator", "threshold"
            ):
                if (s.indicator_id, s.entity_key) not in have:
                    by_student[s.entity_key].append(s)
    fresh = [k for k in without if reaches_bar(k)]
    counts["cases"] = _cases_open(fresh, by_student, is_member, term=term, now=now)

    for key in keys:
        case = existing.get(key)
        if case is None or case.status in (AlertStatus.IGNORED, AlertStatus.LAPSED):
            continue
        own = signals[case.pk]
        added, recovered, relapsed, changed_any = [], [], [], False
        for s in by_student[key]:
            sig = own.get(s.indicator_id)
            bad = s.outcome in BAD
            if sig is None:
                if bad and is_member(s):
                    sig = _signal(case, s, now)
                    sig.save()
                    own[s.indicator_id] = sig
                    added.append(sig)
                continue
            changed = (sig.last_period, sig.last_value, sig.last_outcome, sig.tier) != (
                s.period,
                s.value,
                s.outcome,
                s.tier,
            )
            sig.last_period, sig.last_value, sig.last_outcome = s.period, s.value, s.outcome
            sig.tier = s.tier  # the tier now (the trigger's value and outcome stay)
            sig.distance = distance_of(s.value, s.threshold, s.outcome) if bad else 0.0
            if bad and sig.recovered_at is not None:
                sig.recovered_at = None
                relapsed.append(sig)
            elif not bad and sig.recovered_at is None and s.outcome == "passed":
                sig.recovered_at = now
                recovered.append(sig)
            if changed or sig in relapsed or sig in recovered:
                sig.save()
                changed_any = True
        if not (added or recovered or relapsed or changed_any):
            continue
        counts["signals"] += len(added)
        counts["case_recovered"] += len(recovered)
        before = case.status
        _summary(case, list(own.values()))
        if recovered:
            note = f"{len(recovered)} 个信号已回到正常范围" + _names(recovered)
            event_add(case, EventKind.SIGNAL_RECOVERED, note=note, at=now)
        if case.status == AlertStatus.CLOSED and (added or relapsed):
            case.status, case.closed_at, case.reopened_count = AlertStatus.OPEN, None, case.reopened_count + 1
            case.escalation_level, case.recovered_evaluations = 0, 0
            counts["case_reopened"] += 1
            case.save()
            event_add(
                case, EventKind.REOPENED, before=before, note="本学期再次出现异常" + _names(added + relapsed), at=now
            )
        elif case.status in ACTIVE_STATUSES and case.open_signals == 0:
            case.status, case.closed_at = AlertStatus.CLOSED, now
            counts["case_closed"] += 1
            case.save()
            event_add(case, EventKind.CLOSED, before=before, note="全部信号已回到正常范围，自动关闭", at=now)
        else:
            case.save()
            if added or relapsed:
                event_add(
                    case,
                    EventKind.SIGNAL,
                    note=f"新增 {len(added + relapsed)} 个信号" + _names(added + relapsed),
                    at=now,
                )
    counts["class_alerts"] = class_alerts_from_cases(student_keys=keys, term=term, now=now, today=today)
    return counts


def _names(sigs: list[AlertSignal]) -> str:
    """The signals' names for the handling log, less those of sensitive categories (never in a note)."""
    names = [s.indicator.name for s in sigs if not privacy.category_of(s.indicator.code)]
    return ("：" + "、".join(names)) if names else ""


def _signal(case: Alert, s, now: dt.datetime) -> AlertSignal:
    return AlertSignal(
        alert=case,
        indicator=s.indicator,
        period=s.period,
        value=s.value,
        outcome=s.outcome,
        tier=s.tier,
        last_period=s.period,
        last_value=s.value,
        last_outcome=s.outcome,
        unverified=s.threshold is not None and not s.threshold.verified,
        distance=distance_of(s.value, s.threshold, s.outcome),
        opened_at=now,
    )


def _cases_open(keys: list[str], by_student: dict, is_member, *, term: str, now: dt.datetime) -> int:
    if not keys:
        return 0

    who = entities.Accountability({"student": keys})
    cases, bundles = [], []
    for key in keys:
        bad = [s for s in by_student[key] if s.outcome in BAD and is_member(s)]
        first = bad[0]
        r = who.route(entity_kind="student", entity_key=key, entity_unit_code=first.org_unit)
        case = Alert(
            kind=ItemKind.CASE,
            indicator=None,
            rule_key="case",
            entity_kind="student",
            entity_key=key,
            entity_name=first.entity_name,
            org_unit_code=first.org_unit or (r.unit.code if r.unit else ""),
            status=AlertStatus.OPEN,
            severity="warn",
            period=term,
            last_outcome=first.outcome,
            owner_unit=r.unit,
            owner_teacher=r.teacher,
            route_note=r.note,
            deadline=now,
            opened_at=now,
        )
        sigs = [_signal(case, s, now) for s in bad]
        _summary(case, sigs)
        cases.append(case)
        bundles.append(sigs)

    def refetch(items: list[Alert]) -> list[Alert]:
        by_key = {c.entity_key: c for c in Alert.objects.filter(kind=ItemKind.CASE, period=term, entity_key__in=keys)}
        return [by_key[c.entity_key] for c in items]

    cases = items_open_many(
        cases,
        now=now,
        refetch=refetch,
        notes=[
            f"{c.route_note}；本学期 {c.open_signals} 个信号" + _names(sigs)
            for c, sigs in zip(cases, bundles, strict=True)
        ],
        data=[{"period": c.period, "signals": c.open_signals} for c in cases],
    )
    rows = []
    for case, sigs in zip(cases, bundles, strict=True):
        for sig in sigs:
            sig.alert = case
            rows.append(sig)
    AlertSignal.objects.bulk_create(rows, batch_size=2000)
    return len(cases)


def class_alerts_from_cases(*, student_keys: Iterable[str], term: str, now: dt.datetime, today: dt.date) -> int:
    """A class where many current students have an active case this term raises one class alert to its
    department (`AlertSettings.class_case_share` %, at least five students); it counts its recovery when
    the share falls below the bar again. Returns how many class alerts opened."""
    settings = AlertSettings.current()
    codes = sorted(set(entities.classes_of(student_keys).values()) - {None})
    if not codes:
        return 0
    sizes = entities.class_sizes(codes, on=today)
    class_of = dict(
        entities.members("student", on=today)
        .filter(school_class__code__in=codes)
        .values_list("student_no", "school_class__code")
    )
    with_case: Counter[str] = Counter()
    for chunk in _chunks(sorted(class_of)):
        cases = Alert.objects.filter(kind=ItemKind.CASE, period=term, status__in=ACTIVE_STATUSES, entity_key__in=chunk)
        with_case.update(class_of[k] for k in cases.values_list("entity_key", flat=True))
    active = {
        a.entity_key: a
        for a in Alert.objects.filter(
            kind=ItemKind.ALERT, rule_key="cases", entity_kind="class", entity_key__in=codes, status__in=ACTIVE_STATUSES
        )
    }
    who = entities.Accountability({"class": codes})
    opened = 0
    for code, (name, size) in sizes.items():
        n = with_case.get(code, 0)
        share = n / size if size else 0.0
        high = n >= 5 and 100 * share >= settings.class_case_share
        alert = active.get(code)
        note = f"本学期 {n} / {size} 名在读学生有学生预警（{share:.0%}）"
        if high and alert is None:
            r = who.route(entity_kind="class", entity_key=code)
            severity = "failed" if 100 * share >= 2 * settings.class_case_share else "warn"
            alert = Alert(
                kind=ItemKind.ALERT, indicator=None, rule_key="cases", entity_kind="class", entity_key=code,
                entity_name=name, org_unit_code=r.unit.code if r.unit else "", status=AlertStatus.OPEN,
                severity=severity, worst_severity=severity, period=term, opened_value=share, last_value=share,
                last_outcome=severity, signal_count=n, open_signals=n, owner_unit=r.unit,
                route_note=f"责任部门：{r.unit.name if r.unit else '未找到'}（班级所属系部）",
                deadline=deadline_for(severity, "", settings, now), opened_at=now,
            )  # fmt: skip
            alert.priority = priority_of(severity=severity, tier="", signals=n, distance=share, entity_kind="class")
            alert.save()
            event_add(alert, EventKind.OPENED, note=note, data={"share": share, "cases": n, "size": size}, at=now)
            opened += 1
        elif alert is not None and alert.last_value != share:
            alert.last_value, alert.open_signals = share, n
            if high:
                alert.recovered_evaluations = 0
                alert.save(update_fields=["last_value", "open_signals", "recovered_evaluations", "updated_at"])
            else:
                alert.save(update_fields=["last_value", "open_signals", "updated_at"])
                alert_count_recovery(alert=alert, period=term, value=share, outcome="passed", now=now, note=note)
    return opened
