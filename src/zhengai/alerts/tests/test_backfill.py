"""补录历史 end to end: two older academic years imported through the data center, then `zhengai evaluate
--backfill`: their history is recorded, nothing on the worklist moves."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pyarrow as pa
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengai.alerts.models import Alert, AlertEvent
from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus as ImportStatus
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.history import history_read
from zhengai.monitoring.models import EvaluationRun, IndicatorState, StatusChange
from zhengai.monitoring.selectors import run_states
from zhengai.monitoring.services import evaluate_now
from zhengai.monitoring.tests.college import REPORT_RATE, ecommerce_major
from zhengai.org.models import Major
from zhengai.org.services import TermDates, academic_year_create, calendar_ensure

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 2, 9, 0)  # in 2025-2026学年: the current period of 新生报到率 is 2025-2026
HEADER = "学年,专业代码,生源省份,计划数,录取数,报到数\n"
# The current years: 电子商务 (530701) reports 82–83 % (预警), 护理 (520201) about 95 %.
CURRENT = [(2023, "530701", 100, 83), (2023, "520201", 200, 190), (2024, "530701", 100, 82),
           (2024, "520201", 200, 188), (2025, "530701", 100, 82), (2025, "520201", 200, 189)]  # fmt: skip
# Two years before them: 电子商务 70 % then 80 %; 跨境电子商务 (530702), which enrols today but has no
# admissions after 2022, failed both years. An alert about either would be news of 2021, opened in 2026.
OLDER = [(2021, "530701", 100, 70), (2021, "520201", 200, 190), (2021, "530702", 100, 60),
         (2022, "530701", 100, 80), (2022, "520201", 200, 192), (2022, "530702", 100, 50)]  # fmt: skip


COLUMNS = {"academic_year": "学年", "major_code": "专业代码", "province": "生源省份", "plan": "计划数",
           "admitted": "录取数", "reported": "报到数"}  # fmt: skip


def _csv(path, rows) -> str:
    path.write_text(HEADER + "".join(f"{y},{m},61,{a + 5},{a},{r}\n" for y, m, a, r in rows), encoding="utf-8")
    return path


def _publish_majors(codes: list[str]) -> None:
    """The majors roster the admissions rows refer to (not what this test is about: written straight in)."""
    spec = TABLES_BY_NAME["majors"]
    rows = [{"major_code": c, "major_name": c, "dept_code": "xxgc", "duration": 3, "enrolling": True} for c in codes]
    schema = store.arrow_schema(spec)
    data = {f.name: [dt.date(2025, 9, 1) if f.name == "_snapshot" else 1 if f.name == "_run" else r.get(f.name)
                     for r in rows] for f in schema}  # fmt: skip
    path = store.write_file(spec, 1, 0, pa.table(data, schema=schema))
    store.publish(table="majors", files=[path], row_count=len(rows), run_id=None, based_on=None)


@pytest.fixture
def college(cast, settings):
    settings.ZHENGAI_REALTIME_ENABLED = False  # evaluations are run here by hand, as an operator would
    ecommerce_major(cast)
    Major.objects.create(code="530702", name="跨境电子商务", tier="college", department=cast.dept_a)
    calendar_ensure(first_start_year=2023, last_start_year=2025)
    _publish_majors(["530701", "520201", "530702"])
    source = SourceSystem.objects.create(code="zhaosheng", name="招生系统", connector="files")
    SourceMapping.objects.create(
        source=source,
        table="admissions",
        locator="*招生*",
        columns=COLUMNS,
    )
    indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    return source


def _import(source, path):
    run = import_run_execute(run=import_run_create(source=source, table="admissions", paths=[path]))
    assert run.status == ImportStatus.COMMITTED, run.message
    return run


def _worklist() -> list[tuple]:
    fields = ("pk", "entity_key", "status", "severity", "period", "last_value", "last_outcome",
              "recovered_evaluations", "updated_at")  # fmt: skip
    return list(Alert.objects.order_by("pk").values_list(*fields))


def _states() -> dict[str, tuple]:
    rows = IndicatorState.objects.values_list("entity_key", "period", "outcome", "value", "run_id", "updated_at")
    return {row[0]: row[1:] for row in rows}


def _outcomes(entity: str) -> dict[str, str]:
    table = history_read(indicators=["T-BDL"], entities=[entity])
    return dict(zip(table.column("period").to_pylist(), table.column("outcome").to_pylist(), strict=True))


def test_a_backfill_of_two_older_years_records_their_history_and_leaves_the_worklist_as_it_was(
    college, cast, tmp_path, client_for
):
    with clock.frozen(TODAY):
        _import(college, _csv(tmp_path / "招生_2023-2025.csv", CURRENT))
        current = evaluate_now(indicator_codes=["T-BDL"])
        assert current.status == "succeeded", current.message
        worklist, states = _worklist(), _states()
        changes, events = StatusChange.objects.count(), AlertEvent.objects.count()
        assert [(a[1], a[2], a[4]) for a in worklist] == [("530701", "open", "2025-2026")]

        # Before the calendar has those years, the backfill is refused and says what to do.
        with pytest.raises(CommandError, match=r"周期不在校历中：2021-2022。请先在“系统设置 › 校历”中添加"):
            call_command("evaluate", "T-BDL", "--backfill", "--period", "2021-2022")
        officer = cast.user("officer")
        for y in (2022, 2021):  # the calendar grows backwards one year at a time
            terms = [TermDates(1, dt.date(y, 9, 1), dt.date(y + 1, 1, 31)),
                     TermDates(2, dt.date(y + 1, 2, 1), dt.date(y + 1, 8, 31))]  # fmt: skip
            academic_year_create(start_year=y, census_day=dt.date(y, 9, 30), terms=terms, by=officer)
        # The admissions system's export now reaches back to 2021 (a snapshot of the whole table).
        _import(college, _csv(tmp_path / "招生_2021-2025.csv", OLDER + CURRENT))
        out = StringIO()
        call_command("evaluate", "T-BDL", "--backfill", "--period", "2021-2022", "--period", "2022-2023", stdout=out)

    run = EvaluationRun.objects.latest("id")
    assert run.backfill and run.status == "succeeded"
    # A 学年 code stands for every period within it: terms, the year, its 时点, its months; nothing later.
    assert {"2021-2022-1", "2021-2022-2", "2021-2022", "2021-09-30", "2021-09", "2023-08", "2022-2023"} <= set(
        run.periods
    )
    assert not {"2023-2024", "2023-09", "2022", "2023"} & set(run.periods)
    # History for the two years, with their own outcomes; the current years' history untouched.
    assert _outcomes("530701") == {"2021-2022": "failed", "2022-2023": "warn", "2023-2024": "warn",
                                   "2024-2025": "warn", "2025-2026": "warn"}  # fmt: skip
    assert _outcomes("530702") == {"2021-2022": "failed", "2022-2023": "failed"}
    assert set(history_read(indicators=["T-BDL"]).column("period").to_pylist()) >= {"2021-2022", "2022-2023"}
    assert run.history_rows == 6
    # The worklist and the current state are as they were: nothing opened, updated or recovered.
    assert _worklist() == worklist and AlertEvent.objects.count() == events
    after = _states()
    assert {k: v for k, v in after.items() if k in states} == states
    # 530702 had no state: the backfill recorded one (its latest judged year), and it is not acted upon.
    assert after["530702"][:2] == ("2022-2023", "failed") and after["530702"][3] == run.pk
    assert not Alert.objects.filter(entity_key="530702").exists()
    assert list(run_states(run)) == []
    assert StatusChange.objects.count() == changes + 1  # 530702 starts 未达标: its history says so
    text = out.getvalue()
    assert "补录历史：2021-2022、2022-2023" in text
    assert "2021-2022（学年）：写入历史 3 个监测值（未达标 2，达标 1）" in text
    assert "2022-2023（学年）：写入历史 3 个监测值（未达标 1，达标 1，预警 1）" in text
    assert "补录不打开、更新或恢复预警" in text
    # The 计算批次 pages say which run was a backfill, so nobody looks for its alerts.
    client = client_for("officer")
    page = client.get(f"/standards/runs/{run.pk}/").content.decode()
    assert "补录历史" in page and "不打开、更新或恢复任何预警事项" in page
    listing = client.get("/standards/runs/").content.decode()
    assert listing.count("补录历史</span>") == 1, "only the backfill run carries the mark"


def test_a_backfill_of_a_current_period_is_refused(college):
    with (
        clock.frozen(TODAY),
        pytest.raises(CommandError, match="补录只用于当前学年（2025-2026学年）开始前已结束的周期"),
    ):
        call_command("evaluate", "T-BDL", "--backfill", "--period", "2025-2026")
    assert not EvaluationRun.objects.exists()


def test_an_ordinary_evaluation_after_loading_older_years_alerts_only_on_recent_periods(college, cast, tmp_path):
    """Older history loaded without --backfill: 跨境电子商务 (530702) failed in 2021 and 2022 and has no
    admissions since; that is history, not a current alert with a fresh deadline."""
    officer = cast.user("officer")
    with clock.frozen(TODAY):
        for y in (2022, 2021):
            terms = [TermDates(1, dt.date(y, 9, 1), dt.date(y + 1, 1, 31)),
                     TermDates(2, dt.date(y + 1, 2, 1), dt.date(y + 1, 8, 31))]  # fmt: skip
            academic_year_create(start_year=y, census_day=dt.date(y, 9, 30), terms=terms, by=officer)
        _import(college, _csv(tmp_path / "招生_2021-2025.csv", OLDER + CURRENT))
        run = evaluate_now(indicator_codes=["T-BDL"])
    assert run.status == "succeeded" and not run.backfill
    assert _outcomes("530702") == {"2021-2022": "failed", "2022-2023": "failed"}  # recorded
    assert IndicatorState.objects.get(entity_key="530702").outcome == "failed"
    assert not Alert.objects.filter(entity_key="530702").exists()  # not alerted
    assert list(Alert.objects.values_list("entity_key", "period")) == [("530701", "2025-2026")]
