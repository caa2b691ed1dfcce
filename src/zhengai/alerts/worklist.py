"""Figures of the worklist as a whole: the `worklist:` line of `zhengai status`.

`worklist: open N (unit U, student cases S for C current students = P%), leavers L, opened in range R,
planted on first page k/n`

- open: active items; unit: alerts for a unit or person; student cases: active 学生预警.
- leavers: active items whose entity is not a current member today (should be 0).
- opened in range: active items (or case signals) whose entity's latest judged value was already in
  range when they opened (should be 0).
- planted on first page: of the problems a demo college planted, how many are on the first page of
  their accountable person's list and of the 质控中心 overview (`problems`: the worklist grouped by
  problem, indicator × accountable unit), in the default (worst-first) order.

The 质控中心 oversees problems, not items: the twelve courses of one department failing on one indicator
are one row of its overview, with the worst of them named, not twelve rows pushing every other problem
off its first page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from zhengai.alerts.choices import ACTIVE_STATUSES, SEVERITY_RANK, ItemKind
from zhengai.alerts.models import Alert, AlertSignal
from zhengai.alerts.selectors import NO_TIER, worst_first
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


@dataclass(frozen=True)
class Placement:
    planted: platform_status.Planted
    found: bool  # an active item exists for it
    person_page: bool  # on the first page of the accountable person's list
    office_page: bool  # named on the first page of the 质控中心 overview (`problems`)


def planted_placement(*, now, planted: list[platform_status.Planted] | None = None) -> list[Placement]:
    """Where each planted problem stands in the default (worst-first) order of the lists that must show it."""
    planted = platform_status.planted() if planted is None else planted
    if not planted:
        return []
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={p.indicator for p in planted})}
    modes = policy_modes(list(indicators.values()))
    office = {pk for problem in problems(Alert.objects.all(), now=now)[:PAGE_SIZE] for pk, *_ in problem.shown}
    out = []
    for p in planted:
        item = _item_of(p, modes, indicators)
        if item is None:
            out.append(Placement(p, False, False, False))
            continue
        # The accountable person's list (我的预警): what he is accountable for or was assigned; for an item
        # with no person, the accountable unit's list.
        person = (
            Q(owner_teacher_id=item.owner_teacher_id) if item.owner_teacher_id else Q(owner_unit_id=item.owner_unit_id)
        )
        first = set(worst_first(Alert.objects.filter(person), now=now).values_list("pk", flat=True)[:PAGE_SIZE])
        out.append(Placement(p, True, item.pk in first, item.pk in office))
    return out


def planted_on_first_page(*, now, planted: list[platform_status.Planted] | None = None) -> tuple[int, int]:
    """(k, n): planted problems on the first page of both their person's list and the 质控中心 overview."""
    placed = planted_placement(now=now, planted=planted)
    return sum(1 for x in placed if x.person_page and x.office_page), len(placed)


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


# ------------------------------------------------------------------------------------------ problems

# How many items of a problem its row names, worst first (the rest are one click away).
PROBLEM_SHOWN = 5


@dataclass
class Problem:
    """Open items of one kind (an indicator, a rule, or student cases of one tier) for one accountable unit."""

    label: str
    kind: str  # ItemKind
    indicator: str  # indicator code ("" for cases and class alerts)
    tier: str  # the cases' tier
    rule: str  # rule_key of rule and class alerts
    unit_code: str
    unit_name: str
    severity: str = ""  # the worst
    priority: int = 0  # the worst item's
    open: int = 0
    overdue: int = 0
    new_week: int = 0
    unverified: int = 0
    shown: list[tuple[int, str, str]] = field(default_factory=list)  # (alert id, entity name, period)

    @property
    def more(self) -> int:
        return self.open - len(self.shown)

    @property
    def list_query(self) -> str:
        """The filters of the alert list that show exactly this problem's open items."""
        query = {"status": "active", "item": self.kind}
        if self.indicator:
            query["indicator"] = self.indicator
        if self.kind == ItemKind.CASE:
            query["tier"] = self.tier or NO_TIER
        if self.rule:
            query["rule"] = self.rule
        if self.unit_code:
            query["unit"] = self.unit_code
        return urlencode(query)


def _problem_label(kind: str, indicator_name: str, tier: str, rule: str) -> str:
    if kind == ItemKind.CASE:
        return f"学生预警·{tier}" if tier else "学生预警（未分级）"
    if rule == "cases":
        return "班级学生预警集中"
    return f"{indicator_name}（规则）" if rule else indicator_name


def problems(alerts, *, now) -> list[Problem]:
    """The open items grouped by problem (indicator, rule or case tier × accountable unit), worst first:
    by the worst item's priority, then by how many items. Each names its worst `PROBLEM_SHOWN` items."""
    week_ago = now - dt.timedelta(days=7)
    rows = worst_first(alerts.filter(status__in=ACTIVE_STATUSES), now=now).values_list(
        "pk", "kind", "indicator__code", "indicator__name", "tier", "rule_key", "owner_unit__code",
        "owner_unit__name", "entity_name", "entity_key", "period", "severity", "priority", "deadline",
        "opened_at", "unverified",
    )  # fmt: skip
    found: dict[tuple, Problem] = {}
    for (
        pk,
        kind,
        code,
        name,
        tier,
        rule,
        ucode,
        uname,
        ename,
        ekey,
        period,
        severity,
        prio,
        due,
        opened,
        unv,
    ) in rows.iterator(chunk_size=2000):
        case = kind == ItemKind.CASE
        key = (kind, "" if case else code or "", tier if case else "", rule, ucode or "")
        problem = found.get(key)
        if problem is None:
            problem = found[key] = Problem(
                label=_problem_label(kind, name or "", tier, rule),
                kind=kind,
                indicator="" if case else code or "",
                tier=tier if case else "",
                rule=rule,
                unit_code=ucode or "",
                unit_name=uname or "未找到责任部门",
                priority=prio,
            )
        problem.open += 1
        problem.overdue += due < now
        problem.new_week += opened >= week_ago
        problem.unverified += unv
        if SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(problem.severity, 0):
            problem.severity = severity
        if len(problem.shown) < PROBLEM_SHOWN:
            problem.shown.append((pk, ename or ekey, period))
    # The rows come worst first, so each problem's first item is its worst; a stable sort keeps that order
    # between problems of equal priority.
    return sorted(found.values(), key=lambda p: (-p.priority, -p.open))


# ------------------------------------------------------------------------------------------ department summary


@dataclass
class SummaryRow:
    key: str
    label: str
    open: int = 0
    new_week: int = 0
    overdue: int = 0
    url: str = ""


@dataclass
class Summary:
    as_of: object
    total: SummaryRow
    by_indicator: list[SummaryRow] = field(default_factory=list)
    by_class: list[SummaryRow] = field(default_factory=list)
    by_major: list[SummaryRow] = field(default_factory=list)


def _bump(rows: dict[str, SummaryRow], key: str, label: str, *, new: bool, overdue: bool) -> None:
    row = rows.setdefault(key, SummaryRow(key, label))
    row.open += 1
    row.new_week += new
    row.overdue += overdue


def _worst(rows: dict[str, SummaryRow]) -> list[SummaryRow]:
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, -r.new_week, r.label))


def unit_summary(alerts, *, now) -> Summary:
    """A department's open items by indicator (a case counts under each of its open signals), by class and
    by major: open, new this week, overdue; worst first."""
    week_ago = now - dt.timedelta(days=7)
    active = list(
        alerts.filter(status__in=ACTIVE_STATUSES).values(
            "pk", "kind", "indicator__code", "indicator__name", "entity_kind", "entity_key", "opened_at", "deadline"
        )
    )
    case_ids = [a["pk"] for a in active if a["kind"] == ItemKind.CASE]
    signals: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for alert_id, code, name in AlertSignal.objects.filter(alert_id__in=case_ids, recovered_at=None).values_list(
        "alert_id", "indicator__code", "indicator__name"
    ):
        signals[alert_id].append((code, name))
    students = [a["entity_key"] for a in active if a["entity_kind"] == "student"]
    where = entities.placement(students) if students else {}
    classes = {c: n for c, (n, _size) in entities.class_sizes(
        {p[0] for p in where.values()} | {a["entity_key"] for a in active if a["entity_kind"] == "class"},
        on=timezone.localtime(now).date(),
    ).items()}  # fmt: skip
    majors = entities.major_names()
    total = SummaryRow("", "合计")
    by_indicator: dict[str, SummaryRow] = {}
    by_class: dict[str, SummaryRow] = {}
    by_major: dict[str, SummaryRow] = {}
    for a in active:
        new, overdue = a["opened_at"] >= week_ago, a["deadline"] < now
        total.open, total.new_week, total.overdue = total.open + 1, total.new_week + new, total.overdue + overdue
        if a["kind"] == ItemKind.CASE:
            for code, name in signals.get(a["pk"], []):
                _bump(by_indicator, code, name, new=new, overdue=overdue)
        elif a["indicator__code"]:
            _bump(by_indicator, a["indicator__code"], a["indicator__name"], new=new, overdue=overdue)
        else:
            _bump(by_indicator, "cases", "班级学生预警集中", new=new, overdue=overdue)
        cls, major = None, None
        if a["entity_kind"] == "student":
            cls, major = where.get(a["entity_key"], (None, None))
        elif a["entity_kind"] == "class":
            cls = a["entity_key"]
        elif a["entity_kind"] == "major":
            major = a["entity_key"]
        if cls:
            _bump(by_class, cls, classes.get(cls, cls), new=new, overdue=overdue)
        if major:
            _bump(by_major, major, majors.get(major, major), new=new, overdue=overdue)
    return Summary(now, total, _worst(by_indicator), _worst(by_class), _worst(by_major))
