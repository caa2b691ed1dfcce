"""Figures of the worklist as a whole: the `worklist:` line of `zhengai status`.

`worklist: open N (unit U, student cases S for C current students = P%), leavers L, opened in range R,
planted on first page k/n`

- open: active items; unit: alerts for a unit or person; student cases: active 学生预警.
- leavers: active items whose entity is not a current member today (should be 0).
- opened in range: active items (or case signals) whose entity's latest judged value was already in
  range when they opened (should be 0).
- planted on first page: of the problems a demo college planted, how many are on the first page of
  their accountable person's list and of the 质控中心 list, in the default (worst-first) order.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from zhengai.alerts.choices import ACTIVE_STATUSES, ItemKind
from zhengai.alerts.models import Alert, AlertSignal
from zhengai.alerts.selectors import worst_first
from zhengai.alerts.services import BAD, policy_modes
from zhengai.indicators.models import Indicator
from zhengai.lib import clock
from zhengai.lib import status as platform_status
from zhengai.lib.web import PAGE_SIZE
from zhengai.monitoring.selectors import states_for
from zhengai.org import entities


def _active():
    return Alert.objects.filter(status__in=ACTIVE_STATUSES)


def leavers(*, today) -> int:
    keys: dict[str, set[str]] = defaultdict(set)
    for kind, key in _active().values_list("entity_kind", "entity_key"):
        keys[kind].add(key)
    return sum(len(k - entities.current_keys(kind, k, on=today)) for kind, k in keys.items())


def opened_in_range() -> int:
    """Active alerts and open case signals whose entity was already back in range when they opened."""
    count = 0
    alerts = list(
        _active().filter(kind=ItemKind.ALERT, rule_key="").values_list("indicator_id", "entity_key", "opened_at")
    )
    signals = list(
        AlertSignal.objects.filter(alert__status__in=ACTIVE_STATUSES, recovered_at=None).values_list(
            "indicator_id", "alert__entity_key", "opened_at"
        )
    )
    for rows in (alerts, signals):
        if not rows:
            continue
        states = {
            (s.indicator_id, s.entity_key): s
            for s in states_for(indicator_ids={r[0] for r in rows}, entity_keys={r[1] for r in rows})
        }
        for ind, key, opened in rows:
            s = states.get((ind, key))
            if s is not None and s.outcome not in BAD and s.changed_at <= opened:
                count += 1
    return count


def _item_of(p: platform_status.Planted, modes: dict[int, str], indicators: dict[str, Indicator]) -> Alert | None:
    ind = indicators.get(p.indicator)
    if ind is None:
        return None
    if p.entity_kind == "student" and modes.get(ind.pk) == "case":
        return _active().filter(kind=ItemKind.CASE, entity_key=p.entity_key, signals__indicator=ind).first()
    return _active().filter(kind=ItemKind.ALERT, indicator=ind, entity_key=p.entity_key, rule_key="").first()


def planted_on_first_page(*, now) -> tuple[int, int]:
    planted = platform_status.planted()
    if not planted:
        return 0, 0
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={p.indicator for p in planted})}
    modes = policy_modes(list(indicators.values()))
    everything = list(worst_first(Alert.objects.all(), now=now).values_list("pk", flat=True)[:PAGE_SIZE])
    found = 0
    for p in planted:
        item = _item_of(p, modes, indicators)
        if item is None or item.pk not in everything:
            continue
        # The accountable person's list (我的预警): what he is accountable for or was assigned.
        person = (
            Q(owner_teacher_id=item.owner_teacher_id) if item.owner_teacher_id else Q(owner_unit_id=item.owner_unit_id)
        )
        first = worst_first(Alert.objects.filter(person), now=now).values_list("pk", flat=True)[:PAGE_SIZE]
        if item.pk in set(first):
            found += 1
    return found, len(planted)


def status_line() -> str:
    now = clock.now()
    today = timezone.localtime(now).date()
    active = _active()
    unit = active.filter(kind=ItemKind.ALERT).count()
    cases = active.filter(kind=ItemKind.CASE).count()
    students = entities.member_count("student", on=today)
    share = 100 * cases / students if students else 0.0
    k, n = planted_on_first_page(now=now)
    return (
        f"open {unit + cases} (unit {unit}, student cases {cases} for {students} current students = {share:.1f}%), "
        f"leavers {leavers(today=today)}, opened in range {opened_in_range()}, planted on first page {k}/{n}"
    )
