"""The demo college's goal chain (目标链): its development plan and five special plans, goals from the school
down to every major, targets on the standard chain's indicators, this 学年's key points decomposed into
department tasks, the work schedule (Table 2), responsibility letters for the four teaching departments,
personal development plans for every teacher and a sample of students, and the unit assessment.

Everything goes through the goals services, as a quality office would enter it. Progress reports on
tasks are entered with the platform's clock at the day they were made, so the history reads as a year
of work. The planted gaps (a department behind, an overdue schedule task, a teacher off his plan, a goal
whose data cannot be trusted) are recorded on the demo build (GROUND_TRUTH.md, section 目标链) and checked by
`goal_gaps.goal_gaps_found()` for `zhengai status`.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model

from zhengai.accounts.choices import Role
from zhengai.goals import services as gs
from zhengai.goals.choices import GoalStatus, PlanKind, Rollup, TaskKind, Verification
from zhengai.goals.models import Goal, Plan, Target, Task
from zhengai.indicators.choices import Comparison
from zhengai.indicators.models import Indicator
from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of
from zhengai.org.choices import LevelCode
from zhengai.org.entities import EntityKind
from zhengai.org.models import ArchitectureCell, Major, OrgUnit

TEACHING_DEPARTMENTS = ("hlx", "yxx", "jyx", "jdx")

# Every major's yearly targets: the national 合格 conditions and the college's admission goals.
MAJOR_TARGETS = (
    ("ZY-SSB", Comparison.LE, 18.0),  # 生师比不高于 18:1
    ("ZY-BDL", Comparison.GE, 0.85),  # 新生报到率不低于 85%
    ("ZY-JHWC", Comparison.GE, 0.95),  # 录取计划完成率不低于 95%
    ("ZY-FA-ZXS", Comparison.GE, 2500.0),  # 三年制人才培养方案总学时不少于 2500
    ("ZY-LSL", Comparison.LE, 0.03),  # 学生流失率不高于 3%
)
SCHOOL_TARGETS = {
    "teachers": (("XX-SSB", Comparison.LE, 18.0), ("XX-SSX", Comparison.GE, 0.5)),
    "students": (("XX-LSL", Comparison.LE, 0.03), ("XX-BDL", Comparison.GE, 0.9)),
}


@dataclass
class Built:
    plans: int = 0
    goals: int = 0
    targets: int = 0
    tasks: int = 0
    majors: int = 0  # majors of the teaching departments, each with its goals
    letters: int = 0
    pdps: int = 0


def _users() -> dict[str, object]:
    return {u.username: u for u in get_user_model().objects.filter(is_active=True)}


def _head(unit_code: str):
    return get_user_model().objects.filter(role=Role.DEPARTMENT_HEAD, org_unit__code=unit_code, is_active=True).first()


def _cell(level: str, aspect_word: str = "目标") -> ArchitectureCell | None:
    return (
        ArchitectureCell.objects.filter(level__code=level, row__aspect__contains=aspect_word)
        .order_by("row__order")
        .first()
    )


def _years(today: dt.date) -> tuple[int, str, str]:
    """(this 学年's start year, its code, the previous 学年's code)."""
    year = academic_year_of(today).start_year
    return year, f"{year}-{year + 1}", f"{year - 1}-{year}"


def _target_all(goal: Goal, targets, periods: tuple[str, ...], by) -> int:
    n = 0
    for code, comparison, value in targets:
        indicator = Indicator.objects.get(code=code)
        for period in periods:
            gs.target_set(goal=goal, indicator=indicator, period=period, value=value, comparison=comparison, by=by)
            n += 1
    return n


def plans_and_goals(*, today: dt.date, out: Built) -> dict[str, Goal]:
    """The 十五五 plan, its five special plans, and the goals from the school to every major."""
    users = _users()
    office = users.get("zhikong")
    units = {u.code: u for u in OrgUnit.objects.all()}
    year, this, last = _years(today)
    school_plan = gs.plan_create(
        name="学院“十五五”事业发展规划", kind=PlanKind.SCHOOL, start_year=2026, end_year=2030,
        owner_unit=units.get("dzb"), by=office,
        description="学院总体发展规划；专项规划与各系部规划在其框架下制定，年度工作要点由其分解。",
    )  # fmt: skip
    special = {}
    for key, name, unit, level in (
        ("majors", "专业建设规划", "jwc", LevelCode.MAJOR),
        ("courses", "课程建设规划", "jwc", LevelCode.COURSE),
        ("teachers", "师资队伍建设规划", "rsc", LevelCode.TEACHER),
        ("students", "育人规划", "xsc", LevelCode.STUDENT),
        ("it", "信息化建设规划", "xxzx", LevelCode.SCHOOL),
    ):
        special[key] = gs.plan_create(
            name=f"“十五五”{name}", kind=PlanKind.SPECIAL, start_year=2026, end_year=2030, level=level,
            parent=school_plan, owner_unit=units.get(unit), by=office,
        )  # fmt: skip
    for code in TEACHING_DEPARTMENTS:
        gs.plan_create(name=f"{units[code].name}“十五五”发展规划", kind=PlanKind.UNIT, start_year=2026, end_year=2030,
                       level=LevelCode.MAJOR, parent=school_plan, owner_unit=units[code], by=office)  # fmt: skip
    out.plans = Plan.objects.count()
    periods = (last, this)

    def goal(**kw) -> Goal:
        return gs.goal_create(by=office, start_date=dt.date(year - 1, 9, 1), due_date=dt.date(2030, 8, 31), **kw)

    top = goal(title="建成特色鲜明的省级优质高职院校", level=LevelCode.SCHOOL, plan=school_plan,
               owner_unit=units.get("dzb"), rollup=Rollup.ALL_COMPLETE, cell=_cell(LevelCode.SCHOOL))  # fmt: skip
    g = {"top": top}
    g["majors"] = goal(title="专业办学条件与招生质量全面达标", level=LevelCode.MAJOR, plan=special["majors"],
                       parents=[top], owner_unit=units.get("jwc"), cell=_cell(LevelCode.MAJOR))  # fmt: skip
    g["teachers"] = goal(title="师资队伍数量与结构达到合格标准", level=LevelCode.TEACHER, plan=special["teachers"],
                         parents=[top], owner_unit=units.get("rsc"), rollup=Rollup.LEAF_ONLY,
                         cell=_cell(LevelCode.TEACHER))  # fmt: skip
    out.targets += _target_all(g["teachers"], SCHOOL_TARGETS["teachers"], periods, office)
    g["students"] = goal(title="学生稳定、报到率达标", level=LevelCode.STUDENT, plan=special["students"],
                         parents=[top], owner_unit=units.get("xsc"), rollup=Rollup.LEAF_ONLY,
                         cell=_cell(LevelCode.STUDENT))  # fmt: skip
    out.targets += _target_all(g["students"], SCHOOL_TARGETS["students"], periods, office)
    g["fitness"] = goal(title="各专业学生体质健康测试合格率不低于 90%", level=LevelCode.STUDENT,
                        plan=special["students"], parents=[top], owner_unit=units.get("xsc"),
                        cell=_cell(LevelCode.STUDENT))  # fmt: skip
    g["courses"] = goal(title="完成全部专业核心课程的课程标准修订", level=LevelCode.COURSE, plan=special["courses"],
                        parents=[top], owner_unit=units.get("jwc"), verification=Verification.REVIEWER,
                        reviewer=office, cell=_cell(LevelCode.COURSE))  # fmt: skip
    g["it"] = goal(title="校本数据中心接入学院主要业务系统", level=LevelCode.SCHOOL, plan=special["it"],
                   parents=[top], owner_unit=units.get("xxzx"), verification=Verification.REVIEWER,
                   reviewer=users.get("xinxi"), cell=_cell(LevelCode.SCHOOL))  # fmt: skip
    tcg = Indicator.objects.get(code="ZY-TCHG")
    majors = list(Major.objects.filter(active=True).select_related("department").order_by("department__order", "code"))
    for code in TEACHING_DEPARTMENTS:
        unit = units[code]
        g[f"dept:{code}"] = goal(
            title=f"{unit.name}专业建设年度目标", level=LevelCode.MAJOR, parents=[g["majors"]],
            entity_kind=EntityKind.DEPARTMENT, entity_key=code, owner_unit=unit, owner=_head(code),
            rollup=Rollup.ALL_COMPLETE, cell=_cell(LevelCode.MAJOR),
        )  # fmt: skip
    for major in majors:
        dept = major.department.code if major.department else ""
        if dept not in TEACHING_DEPARTMENTS:
            continue
        out.majors += 1
        mg = goal(title=f"{major.name}专业建设年度目标", level=LevelCode.MAJOR, parents=[g[f"dept:{dept}"]],
                  entity_kind=EntityKind.MAJOR, entity_key=major.code, owner_unit=major.department,
                  rollup=Rollup.LEAF_ONLY, cell=_cell(LevelCode.MAJOR))  # fmt: skip
        out.targets += _target_all(mg, MAJOR_TARGETS, periods, office)
        fg = goal(title=f"{major.name}专业学生体质健康测试合格率", level=LevelCode.STUDENT, parents=[g["fitness"]],
                  entity_kind=EntityKind.MAJOR, entity_key=major.code, owner_unit=major.department,
                  rollup=Rollup.LEAF_ONLY, cell=_cell(LevelCode.STUDENT))  # fmt: skip
        for period in periods:
            gs.target_set(goal=fg, indicator=tcg, period=period, value=0.9, comparison=Comparison.GE, by=office)
            out.targets += 1
    # the reviewers' verdicts on the goals without an indicator, with their reasons
    with clock.frozen(dt.date(year, 7, 10)):
        note = "教务处提交全部专业核心课程的新版课程标准，质控中心逐门抽查，符合学院课程标准模板。"
        gs.goal_review(goal=g["courses"], period=last, attained=True, by=office, note=note)
    if users.get("xinxi"):
        note = "教务、人事、学工、一卡通、后勤、图书、招就、资产、财务等系统已按期向数据中心报送。"
        gs.goal_review(goal=g["it"], period=this, attained=True, by=users["xinxi"], note=note)
    out.goals = Goal.objects.count()
    return g


# ------------------------------------------------------------------------------------------ tasks

KEY_POINTS = (
    # (key point, lead unit, department task template, due month-day offset from the 学年 start)
    ("完成各专业人才培养方案修订并报教务处审核", "jwc", "修订本系各专业人才培养方案", (10, 31)),
    ("开展专业自主诊改，形成专业诊改报告", "jwc", "组织本系各专业开展自主诊改", (11, 20)),
    ("落实教师培训与企业实践计划", "rsc", "落实本系教师年度培训与企业实践计划", (12, 31)),
    ("完成新生入学教育与学业预警帮扶", "xsc", "开展新生入学教育并建立学业预警帮扶台账", (10, 15)),
    ("推进课程标准修订与课堂教学质量提升", "jwc", "组织本系教研室修订课程标准", (1, 15)),
)


def _due(year: int, month_day: tuple[int, int]) -> dt.date:
    month, day = month_day
    return dt.date(year if month >= 9 else year + 1, month, day)


def _report(task: Task, *, status: str, note: str, by, at: dt.date) -> None:
    """A progress report entered on the day `at` (never later than yesterday: the demo has no future)."""
    from django.utils import timezone

    at = min(at, clock.today() - dt.timedelta(days=1))
    with clock.frozen(dt.datetime.combine(at, dt.time(16, 30), tzinfo=timezone.get_current_timezone())):
        gs.task_update(task=task, status=status, note=note, by=by)


def tasks_build(*, today: dt.date, goals: dict[str, Goal], out: Built, behind_unit: str) -> dict[str, object]:
    """This 学年's key points decomposed to the teaching departments, and their progress to date.

    Every department reports on time except the one behind, with one task still open past its deadline and
    one finished late (the planted 'department behind', with its majors' planted problems)."""
    users = _users()
    office = users.get("zhikong")
    units = {u.code: u for u in OrgUnit.objects.all()}
    year = academic_year_of(today).start_year
    behind = {}
    for i, (title, lead, dept_title, month_day) in enumerate(KEY_POINTS, start=1):
        due = _due(year, month_day)
        point = gs.task_create(title=title, kind=TaskKind.KEY_POINT, year=year, owner_unit=units.get(lead),
                               goal=goals.get("majors"), start_date=dt.date(year, 9, 1), due_date=due,
                               by=office)  # fmt: skip
        for code in TEACHING_DEPARTMENTS:
            head = _head(code)
            task = gs.task_create(
                title=f"{dept_title}（{units[code].name}）", kind=TaskKind.UNIT, year=year, parent=point,
                owner_unit=units[code], owner=head, goal=goals.get(f"dept:{code}"), start_date=dt.date(year, 9, 1),
                due_date=due, by=office,
            )  # fmt: skip
            if due >= today:
                if head and i % 2:
                    _report(task, status=GoalStatus.IN_PROGRESS, note="已布置到各专业，按计划推进。", by=head,
                            at=today - dt.timedelta(days=3))  # fmt: skip
                continue
            if code == behind_unit and i == 1:
                _report(task, status=GoalStatus.IN_PROGRESS, note="大数据技术、电子商务两个专业的方案尚未完成论证。",
                        by=head, at=due - dt.timedelta(days=2))  # fmt: skip
                behind["open_task"] = task.pk
                continue
            if code == behind_unit:
                _report(task, status=GoalStatus.DONE, note="已完成，较计划推迟。", by=head,
                        at=due + dt.timedelta(days=12))  # fmt: skip
                behind["late_task"] = task.pk
                continue
            _report(task, status=GoalStatus.DONE, note="已按期完成，材料已上传。", by=head or office,
                    at=due - dt.timedelta(days=4))  # fmt: skip
    out.tasks = Task.objects.count()
    return behind


def schedule_build(*, today: dt.date, behind_unit: str) -> dict[str, object]:
    """Table 2 as this 学年's work schedule: what fell due is reported done on time, except one row whose
    unit has not finished (the lagging department's part of the first row due: the planted overdue task),
    which the scheduled escalation then reports."""
    users = _users()
    office = users.get("zhikong")
    year = academic_year_of(today).start_year
    gs.schedule_load(year=year, by=office)
    overdue = None
    rows = Task.objects.filter(year=year, kind=TaskKind.SCHEDULE, due_date__lt=today).exclude(children__isnull=False)
    candidates = sorted(rows.select_related("owner_unit"), key=lambda t: (t.due_date, t.schedule_row or 0, t.pk))
    for task in candidates:
        reporter = _head(task.owner_unit.code) if task.owner_unit else None
        reporter = reporter or office
        if overdue is None and task.owner_unit and task.owner_unit.code == behind_unit:
            overdue = task  # the department behind has not finished its part: the planted overdue task
            _report(task, status=GoalStatus.IN_PROGRESS, note="初稿已完成，待系务会审议。", by=reporter,
                    at=task.due_date - dt.timedelta(days=5))  # fmt: skip
            continue
        _report(task, status=GoalStatus.DONE, note="已完成，佐证材料已归档。", by=reporter,
                at=task.due_date - dt.timedelta(days=3))  # fmt: skip
    gs.tasks_escalate_overdue(now=clock.now())
    return {"overdue_task": overdue.pk if overdue else None, "overdue_title": overdue.title if overdue else ""}


# ------------------------------------------------------------------------------------------ letters


def letters_build(*, today: dt.date) -> int:
    """目标责任书 of the four teaching departments for this 学年, confirmed in September by 质控中心 and each
    head; 医学系's was amended in October (口腔医学's admission target raised), and v2 signed again."""
    from zhengai.goals.choices import LetterStatus
    from zhengai.goals.models import Letter

    users = _users()
    office = users.get("zhikong")
    year = academic_year_of(today).start_year
    units = list(OrgUnit.objects.filter(code__in=TEACHING_DEPARTMENTS).order_by("order", "code"))

    def at(month: int, day: int, hour: int = 10):
        from django.utils import timezone

        moment = dt.date(year if month >= 9 else year + 1, month, day)
        moment = min(moment, today - dt.timedelta(days=1))
        return clock.frozen(dt.datetime.combine(moment, dt.time(hour), tzinfo=timezone.get_current_timezone()))

    with at(9, 10):
        letters = [letter for _u, letter, _why in gs.letters_generate(year=year, units=units, by=office) if letter]
    for letter in letters:
        head = _head(letter.unit.code)
        with at(9, 15):
            gs.letter_sign(letter=letter, by=office)
        if head is not None:
            with at(9, 18, 15):
                gs.letter_sign(letter=letter, by=head)
    amended = next((x for x in letters if x.unit.code == "yxx" and x.status == LetterStatus.SIGNED), None)
    dental = Goal.objects.filter(entity_kind=EntityKind.MAJOR, entity_key="520102K", rollup=Rollup.LEAF_ONLY,
                                 title__endswith="专业建设年度目标").first()  # fmt: skip
    if amended is not None and dental is not None:
        with at(10, 20):
            gs.target_set(goal=dental, indicator=Indicator.objects.get(code="ZY-BDL"), period=f"{year}-{year + 1}",
                          value=0.9, comparison=Comparison.GE, by=office)  # fmt: skip
            reason = "口腔医学专业增列为院级重点建设专业，其新生报到率目标由 85% 提高到 90%"
            v2 = gs.letter_amend(letter=amended, reason=reason, by=office)
            gs.letter_sign(letter=v2, by=office)
        with at(10, 22, 15):
            gs.letter_sign(letter=v2, by=_head("yxx"))
    return Letter.objects.filter(status=LetterStatus.SIGNED).count()


# ------------------------------------------------------------------------------------------ personal plans


def pdps_build(*, today: dt.date, goals: dict[str, Goal], out_dir: Path) -> dict[str, object]:
    """三年发展规划 for every full-time teacher and 个人发展规划 for one cohort of 护理系 students, generated
    from templates; the 省级重点 majors get their tier's goal set. The teacher whose training fell short
    last 学年 (the planted teacher_training_short) is off his plan; his department head has commented."""
    users = _users()
    office = users.get("zhikong")
    year = academic_year_of(today).start_year
    years = {year - 1: 40, year: 40, year + 1: 40}
    teacher_tpl = gs.pdp_template_create(name="专任教师三年发展规划", entity_kind="teacher", start_year=year - 1,
                                         end_year=year + 1, by=office)  # fmt: skip
    gs.template_goal_add(template=teacher_tpl, title="每学年参加培训不少于 40 学时", entity_kind="teacher",
                         indicator=Indicator.objects.get(code="JS-PXXS"), values=years, by=office)  # fmt: skip
    teachers = gs.pdp_generate_from_template(template=teacher_tpl, filters={"category": "full_time"}, by=office)
    student_tpl = gs.pdp_template_create(name="学生个人发展规划", entity_kind="student", start_year=year - 1,
                                         end_year=year + 1, by=office)  # fmt: skip
    gs.template_goal_add(template=student_tpl, title="所修课程补考后全部通过", entity_kind="student",
                         indicator=Indicator.objects.get(code="XS-GK"), comparison=Comparison.LE,
                         values={y: 0 for y in years}, by=office)  # fmt: skip
    gs.template_goal_add(template=student_tpl, title="体质健康测试总分不低于 60 分", entity_kind="student",
                         indicator=Indicator.objects.get(code="XS-TCZF"), values={y: 60 for y in years},
                         by=office)  # fmt: skip
    students = gs.pdp_generate_from_template(template=student_tpl, filters={"department": "hlx", "cohort": year - 1},
                                             by=office)  # fmt: skip
    student = getattr(users.get("xuesheng"), "student", None)
    if student is not None:  # the demo student's own plan, whatever his cohort
        extra = gs.pdp_generate_from_template(template=student_tpl, entity_keys=[student.student_no], by=office)
        students.created += extra.created
    tier = gs.template_goal_add(title="省级重点专业：双师型教师比例不低于 60%", entity_kind="major",
                                indicator=Indicator.objects.get(code="ZY-SSX"), values={year - 1: 0.6, year: 0.6},
                                level=LevelCode.MAJOR, by=office)  # fmt: skip
    gs.goalset_generate(template_goal=tier, filters={"tier": "provincial"}, parent=goals["majors"], by=office)
    truth = json.loads((Path(out_dir) / "ground_truth.json").read_text(encoding="utf-8"))
    problem = next((p for p in truth.get("problems", []) if p["id"] == "teacher_training_short"), {})
    staff = next((e["staff_no"] for e in problem.get("entities", [])), None)
    plan = Plan.objects.filter(template=teacher_tpl, entity_key=staff).select_related("owner_unit").first()
    if plan is not None:
        unit = getattr(plan.owner_unit, "code", None) or ""
        head = _head(unit) if unit else None
        if head is not None:
            with clock.frozen(dt.datetime.combine(today - dt.timedelta(days=20), dt.time(10),
                                                  tzinfo=clock.now().tzinfo)):  # fmt: skip
                gs.pdp_comment(plan=plan, by=head, text="上学年培训学时明显不足，本学期请优先参加省培项目，"
                                                        "并把企业实践安排进寒假。")  # fmt: skip
    return {"plan": plan.pk if plan else None, "staff_no": staff, "teachers": teachers.created,
            "students": students.created}  # fmt: skip


# ------------------------------------------------------------------------------------------ the stale feed


def fitness_feed_break(*, out_dir: Path, today: dt.date) -> int | None:
    """The 学工 clerk re-exports the 体测 sheet with the student number column renamed; the data center refuses
    the whole batch, so every figure on 体质测试 is no longer trusted (the planted 'goal whose data is stale')."""
    import openpyxl

    from zhengai.datacenter.models import SourceSystem
    from zhengai.datacenter.services import import_run_create, import_run_execute

    source = SourceSystem.objects.filter(code="xuegong").first()
    original = next(iter(sorted(Path(out_dir).glob("xuegong*.xlsx"))), None)
    if source is None or original is None:
        return None
    book = openpyxl.load_workbook(original, read_only=True)
    sheet = next((s for s in book.sheetnames if "体测" in s), None)
    if sheet is None:
        return None
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    broken = openpyxl.Workbook()
    ws = broken.active
    ws.title = sheet
    header = ["学生编号" if h == "学号" else h for h in rows[0]]
    ws.append(header)
    for r in rows[1:200]:
        ws.append(list(r))
    with tempfile.TemporaryDirectory() as folder:  # the data center keeps its own copy of what it received
        path = Path(folder) / "xuegong_体测_重新导出.xlsx"
        broken.save(path)
        run = import_run_execute(run=import_run_create(source=source, table="physical_tests", paths=[path],
                                                       snapshot_date=today - dt.timedelta(days=1)))  # fmt: skip
    return run.pk


# ------------------------------------------------------------------------------------------ gaps


def gaps_write(gaps: dict) -> None:
    from zhengai.demo.models import DemoBuild

    build = DemoBuild.objects.order_by("-created").first()
    if build is not None:
        build.goal_gaps = gaps
        build.save(update_fields=["goal_gaps"])


def gaps_read() -> dict:
    from zhengai.demo.models import DemoBuild

    build = DemoBuild.objects.order_by("-created").first()
    return build.goal_gaps if build else {}


def department_behind_pick(out_dir: Path) -> tuple[str, list[str]]:
    """The teaching department holding the most majors with a planted problem on a target of the chain
    (生师比, 报到率, 人才培养方案): its goal falls behind through them, and it is made late on its tasks too."""
    truth = json.loads((Path(out_dir) / "ground_truth.json").read_text(encoding="utf-8"))
    targeted = {code for code, _c, _v in MAJOR_TARGETS}
    planted = {
        e["major_code"]
        for p in truth.get("problems", [])
        if p.get("indicator") in targeted
        for e in p.get("entities", [])
        if "major_code" in e
    }
    by_dept: dict[str, list[str]] = {}
    for major in Major.objects.filter(code__in=planted).select_related("department"):
        if major.department and major.department.code in TEACHING_DEPARTMENTS:
            by_dept.setdefault(major.department.code, []).append(major.code)
    if not by_dept:
        return "jdx", []
    unit = max(TEACHING_DEPARTMENTS, key=lambda c: (len(by_dept.get(c, [])), -TEACHING_DEPARTMENTS.index(c)))
    return unit, sorted(by_dept.get(unit, []))


def _assessment(*, today: dt.date) -> None:
    """The unit assessment of the last 学年 and of this one so far, as 质控中心 runs it."""
    office = _users().get("zhikong")
    year = academic_year_of(today).start_year
    for y in (year - 1, year):
        gs.assessment_run(year=y, by=office)


def goal_chain_reset() -> None:
    """Forget the previous demo's goal chain (the demo refuses to run over a real college's master data)."""
    from zhengai.alerts.models import Notification
    from zhengai.goals.models import Letter, LetterTemplate

    Notification.objects.filter(state_key__startswith="task:").delete()
    for letter in Letter.objects.exclude(docx=""):
        letter.docx.storage.delete(letter.docx.name)
    while Letter.objects.exists():  # amendments before the versions they amend
        Letter.objects.filter(amendments__isnull=True).delete()
    LetterTemplate.objects.all().delete()
    from zhengai.goals.models import AssessmentResult, AssessmentScheme, PlanComment

    AssessmentResult.objects.all().delete()
    AssessmentScheme.objects.all().delete()
    PlanComment.objects.all().delete()
    Task.objects.filter(parent__isnull=False).delete()
    Task.objects.all().delete()
    Goal.objects.all().delete()
    while Plan.objects.exists():  # children before the plans they belong to
        Plan.objects.filter(children__isnull=True).delete()


def goal_chain_build(*, out_dir: Path, today: dt.date, report: Callable[[str], None] = lambda _: None) -> Built:
    out = Built()
    goal_chain_reset()
    fitness_run = fitness_feed_break(out_dir=out_dir, today=today)
    goals = plans_and_goals(today=today, out=out)
    behind_unit, behind_majors = department_behind_pick(out_dir)
    behind = tasks_build(today=today, goals=goals, out=out, behind_unit=behind_unit)
    schedule = schedule_build(today=today, behind_unit=behind_unit)
    out.letters = letters_build(today=today)
    pdps = pdps_build(today=today, goals=goals, out_dir=out_dir)
    out.pdps = pdps["teachers"] + pdps["students"]
    _assessment(today=today)
    out.tasks = Task.objects.count()
    out.plans = Plan.objects.filter(is_template=False).count()
    out.goals = Goal.objects.filter(is_template=False).count()
    out.targets = Target.objects.filter(goal__is_template=False).count()
    _year, this, _last = _years(today)
    gaps = {
        "period": this,
        "department_behind": {"unit": behind_unit, "goal": goals[f"dept:{behind_unit}"].pk, **behind,
                              "majors": behind_majors},
        "overdue_schedule_task": {"task": schedule["overdue_task"], "title": schedule["overdue_title"]},
        "pdp_off_track": {"plan": pdps["plan"], "staff_no": pdps["staff_no"]},
        "stale_goal": {"goal": goals["fitness"].pk, "title": goals["fitness"].title, "import_run": fitness_run,
                       "table": "physical_tests"},
    }  # fmt: skip
    gaps_write(gaps)
    report(f"  规划 {out.plans} 个，目标 {out.goals} 个，目标值 {out.targets} 个，任务 {out.tasks} 个，"
           f"已签署目标责任书 {out.letters} 份，个人发展规划 {out.pdps} 份")  # fmt: skip
    return out
