"""The demo's goal chain, built on the small demo: what it holds, and that every planted gap is shown."""

from __future__ import annotations

import pytest

from zhengai.goals.schedule import template

pytestmark = pytest.mark.django_db


def test_the_goal_chain_reaches_from_the_school_to_every_major(evaluated_demo):
    built = evaluated_demo.goals["built"]
    # the school plan, five special plans, four departments' plans, and the personal plans
    assert built.plans == 10 + built.pdps
    assert built.majors >= 20
    # the top goal, five special-plan goals, the fitness goal; a goal per department; two per major
    assert built.letters == 4  # the four teaching departments' letters, signed by both parties
    assert built.pdps > 0
    assert built.tasks >= len(template()[1])  # Table 2's rows, split per unit, and the key points


def test_every_planted_gap_of_the_goal_chain_is_found(evaluated_demo):
    found = {g.gap: g for g in evaluated_demo.goals["found"]}
    assert set(found) == {"department_behind", "overdue_schedule_task", "stale_goal", "pdp_off_track"}
    missed = [f"{g.gap}: {g.note}" for g in found.values() if not g.found]
    assert not missed, missed
    gaps = evaluated_demo.goals["gaps"]
    assert gaps["department_behind"]["unit"] == "jdx" and gaps["department_behind"]["open_task"]
    assert "机电" in found["overdue_schedule_task"].note
    assert gaps["stale_goal"]["import_run"] is not None


def test_the_status_line_counts_the_chain_and_every_gap_found(evaluated_demo):
    import re

    line = evaluated_demo.goals["line"]
    m = re.fullmatch(r"goals: (\d+) goals, (\d+) targets on indicators, attained (\d+), 数据不足 (\d+), "
                     r"letters signed (\d+), schedule tasks (\d+)/(\d+) of Table 2, planted gaps found (\d+)/(\d+)",
                     line)  # fmt: skip
    assert m, line
    g, t, _a, _d, letters, k, n, p, q = (int(x) for x in m.groups())
    assert g > 0 and t > 0 and letters == 4 and k == n == len(template()[1]) and p == q == 4
