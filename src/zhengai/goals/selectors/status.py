"""The `goals:` line of `zhengai status`: how much of the goal chain there is and how it stands this 学年."""

from __future__ import annotations

from zhengai.goals.selectors.chain import goal_attainments


def status_line() -> str:
    """G goals and T targets (templates left out); of the goals with something to judge this 学年 (a target
    of the 学年, a verdict to give, or lower goals), A attained and D 数据不足; L letters signed (the
    current version of each); k of Table 2's n rows present as this 学年's tasks with a responsible unit;
    and the planted gaps of a demo college that the pages show."""
    from zhengai.goals.choices import Attainment, LetterStatus, TaskKind, Verification
    from zhengai.goals.models import Goal, Letter, Target, Task
    from zhengai.goals.schedule import template
    from zhengai.lib import clock, status
    from zhengai.lib.periods import academic_year_of

    year = academic_year_of(clock.today()).start_year
    period = f"{year}-{year + 1}"
    goals = Goal.objects.filter(is_template=False)
    targets = Target.objects.filter(goal__is_template=False)
    results = goal_attainments(period=period)
    with_targets = set(targets.filter(period=period).values_list("goal_id", flat=True))
    judged = [
        r for pk, r in results.items()
        if pk in with_targets or r.children or r.goal.verification == Verification.REVIEWER
    ]  # fmt: skip
    attained = sum(1 for r in judged if r.result.state == Attainment.ATTAINED)
    no_data = sum(1 for r in judged if r.result.state == Attainment.NO_DATA)
    signed = Letter.objects.filter(status=LetterStatus.SIGNED).count()
    rows = len(template()[1])
    present = (
        Task.objects.filter(year=year, kind=TaskKind.SCHEDULE, parent=None)
        .filter(owner_unit__isnull=False)
        .values("schedule_row")
        .distinct()
        .count()
    )
    gaps = status.gaps("goals")
    found = sum(1 for g in gaps if g.found)
    return (
        f"{goals.count()} goals, {targets.count()} targets on indicators, attained {attained}, 数据不足 {no_data}, "
        f"letters signed {signed}, schedule tasks {present}/{rows} of Table 2, planted gaps found {found}/{len(gaps)}"
    )
