"""One small demo college, generated once per test session and shared read-only by the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from zhengai.demo import services
from zhengai.demo.generator.base import Timeline
from zhengai.demo.readers import read_table
from zhengai.lib import clock

SMALL = 600  # big enough for deciles and a few classes per cohort, small enough to build in seconds


@pytest.fixture(scope="session")
def small_build(tmp_path_factory) -> services.ExportBuild:
    """The demo as `zhengai demo` builds it today (the clock's today: set ZHENGAI_NOW to try another day)."""
    out = tmp_path_factory.mktemp("demo600")
    return services.demo_exports_build(students=SMALL, seed=services.DEFAULT_SEED, out_dir=out, today=clock.today())


@pytest.fixture(scope="session")
def timeline(small_build) -> Timeline:
    return small_build.college.timeline


@pytest.fixture(scope="session")
def exports(small_build) -> Path:
    return small_build.result.out_dir


@pytest.fixture(scope="session")
def tables(exports):
    """Every standard table read back from the exports through the source mappings (cached)."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            cache[name] = read_table(exports, name)
        return cache[name]

    return get


@dataclass
class EvaluatedDemo:
    """The small demo loaded through the data center and evaluated once; plain data for the tests."""

    data_dir: Path
    ground_truth: dict
    versions: dict  # standard table → store.Version (the files stay in data_dir)
    history: pa.Table  # the latest measurement of every indicator, period and entity
    run: dict
    cards: dict  # year → the 2004 basic-conditions card (monitoring.cards)
    alerts: list  # every alert and student case the first evaluation opened, as dicts (see _alert_rows)
    worklist: dict  # the figures of the `worklist:` status line (leavers, opened in range, planted on first page)
    routes: dict  # (entity_kind, key) → (department code, accountable teacher's staff_no) from the master data
    visible: dict  # demo account → keys of the alerts it may see: {(indicator code, entity key), …}
    goals: dict  # the goal chain built on it: counts, the planted gaps and whether each is found

    def measurement(self, code: str, period: str, entity: str) -> dict:
        rows = [r for r in self.rows(code) if r["period"] == period and r["entity"] == entity]
        assert rows, f"指标 {code} 在 {period} 没有 {entity} 的监测值"
        return rows[0]

    def rows(self, code: str) -> list[dict]:
        if code not in self._by_code:
            import pyarrow.compute as pc

            self._by_code[code] = self.history.filter(pc.equal(self.history["indicator"], code)).to_pylist()
        return self._by_code[code]

    def problem(self, problem_id: str) -> dict:
        return next(p for p in self.ground_truth["problems"] if p["id"] == problem_id)

    def __post_init__(self):
        self._by_code: dict[str, list[dict]] = {}


@pytest.fixture(scope="session")
def evaluated_demo(small_build, django_db_setup, django_db_blocker, tmp_path_factory) -> EvaluatedDemo:
    """Load the 600-student demo and evaluate the whole catalogue, inside a transaction rolled back after.

    The Parquet files (standard tables and measurement history) stay in a folder of their own, so
    the engine parity test can read the same data versions afterwards without the database.
    """
    from django.db import connection, transaction
    from django.test import override_settings

    from zhengai.datacenter import store
    from zhengai.datacenter.standard import TABLES_BY_NAME
    from zhengai.demo.loader import load_through_datacenter
    from zhengai.monitoring.cards import school_cards
    from zhengai.monitoring.choices import RunStatus
    from zhengai.monitoring.history import history_read
    from zhengai.monitoring.services import evaluate_now

    data_dir = tmp_path_factory.mktemp("demo600-datacenter")
    out = small_build.result.out_dir
    with django_db_blocker.unblock(), override_settings(DATA_DIR=data_dir):
        name = str(connection.settings_dict["NAME"])
        assert name.startswith(("file:memorydb", "test_")), f"refusing to load the demo into {name}"
        with transaction.atomic():
            load_through_datacenter(out_dir=out, seed=services.DEFAULT_SEED, students=SMALL)
            run = evaluate_now(reason="测试：演示学院全目录计算")
            assert run.status == RunStatus.SUCCEEDED, run.message
            result = EvaluatedDemo(
                data_dir=data_dir,
                ground_truth=json.loads((out / "ground_truth.json").read_text("utf-8")),
                versions={name: store.current_version(name) for name in TABLES_BY_NAME},
                history=history_read(),
                run={"indicators": run.indicators_count, "measurements": run.measurements_count},
                cards=school_cards(),
                alerts=_alert_rows(),
                worklist=_worklist(out),
                routes=_routes(),
                visible=_visible_to_demo_accounts(),
                goals=_goal_chain(out),
            )
            transaction.set_rollback(True)
    return result


def _worklist(out) -> dict:
    from django.utils import timezone

    from zhengai.alerts import worklist
    from zhengai.demo.planted import planted_items
    from zhengai.lib import clock

    now = clock.now()
    truth = json.loads((out / "ground_truth.json").read_text("utf-8"))
    return {
        "leavers": worklist.leavers(today=timezone.localtime(now).date()),
        "in_range": worklist.opened_in_range(),
        "planted": worklist.planted_on_first_page(now=now, planted=planted_items(truth)),
        "placement": worklist.planted_placement(now=now, planted=planted_items(truth)),
        "line": worklist.status_line(),
    }


def _goal_chain(out) -> dict:
    from zhengai.demo.goal_chain import gaps_read, goal_chain_build
    from zhengai.demo.goal_gaps import goal_gaps_found
    from zhengai.lib import clock, status

    built = goal_chain_build(out_dir=out, today=clock.today())
    return {
        "built": built,
        "gaps": gaps_read(),
        "found": goal_gaps_found(),
        "line": next((line for line in status.lines() if line.startswith("goals:")), ""),
    }


def _alert_rows() -> list[dict]:
    from zhengai.alerts.models import Alert, AlertSignal

    signals: dict[int, list[str]] = {}
    for alert_id, code in AlertSignal.objects.values_list("alert_id", "indicator__code"):
        signals.setdefault(alert_id, []).append(code)
    rows = list(
        Alert.objects.values(
            "pk",
            "kind",
            "indicator__code",
            "entity_kind",
            "entity_key",
            "status",
            "severity",
            "tier",
            "period",
            "owner_unit__code",
            "owner_teacher__staff_no",
            "informed_unit__code",
            "org_unit_code",
        )
    )
    for row in rows:
        row["signals"] = signals.get(row.pop("pk"), [])
    return rows


def _routes() -> dict:
    """Who is accountable for each entity, read from the master data (not from the alerts)."""
    from zhengai.org.models import Course, Major, SchoolClass, Student, Teacher

    routes = {}
    for m in Major.objects.select_related("department", "leader"):
        routes[("major", m.code)] = (m.department.code, m.leader.staff_no if m.leader else None)
    for c in Course.objects.select_related("department", "leader"):
        routes[("course", c.code)] = (c.department.code, c.leader.staff_no if c.leader else None)
    for k in SchoolClass.objects.select_related("major__department", "adviser"):
        routes[("class", k.code)] = (k.major.department.code, k.adviser.staff_no if k.adviser else None)
    for t in Teacher.objects.select_related("department"):
        routes[("teacher", t.staff_no)] = (t.department.code if t.department else None, t.staff_no)
    for st in Student.objects.select_related("major__department", "school_class__adviser"):
        adviser = st.school_class.adviser if st.school_class else None
        routes[("student", st.student_no)] = (st.major.department.code, adviser.staff_no if adviser else None)
    return routes


def _visible_to_demo_accounts() -> dict:
    from zhengai.accounts.models import User
    from zhengai.accounts.scope import scope_for
    from zhengai.alerts.selectors import visible_alerts

    services.demo_accounts_ensure()
    out = {}
    for name in ("xuesheng", "xibu", "zhikong", "jiaoshi"):
        user = User.objects.get(username=name)
        rows = visible_alerts(user, scope_for(user)).values_list(
            "indicator__code", "entity_key", "entity_kind", "owner_unit__code", "org_unit_code", "informed_unit__code"
        )
        out[name] = {
            "user": {
                "student": user.student.student_no if user.student_id else None,
                "unit": user.org_unit.code if user.org_unit_id else None,
            },
            "alerts": list(rows),
        }
    return out
