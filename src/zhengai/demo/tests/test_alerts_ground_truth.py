"""Every planted problem of the demo college opens an item routed to the right unit and person: an
alert, or for a student indicator (汇总) the student's case of the term with the indicator among its
signals.

The first evaluation of the whole catalogue (fixture `evaluated_demo`) opens the alerts; the expected
department and person of each entity are read from the master data, the way the routing rules
say: a major's leader, a course's leader, a class's adviser, the teacher himself, a student's
class adviser.
"""

from __future__ import annotations

import pytest

from zhengai.demo.planted import PLANTED  # (problem, indicator, entity kind, field of the key)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _items(demo, code: str, key: str) -> list[dict]:
    return [
        a
        for a in demo.alerts
        if a["entity_key"] == key and (a["indicator__code"] == code or (a["kind"] == "case" and code in a["signals"]))
    ]


def _alert(demo, code: str, key: str) -> dict:
    found = _items(demo, code, key)
    assert len(found) == 1, f"{code} {key}: {len(found)} items"
    return found[0]


@pytest.mark.parametrize(("problem", "code", "kind", "field"), PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_problem_opens_an_alert_routed_to_its_unit_and_person(evaluated_demo, problem, code, kind, field):
    p = evaluated_demo.problem(problem)
    for entity in p["entities"]:
        key = entity[field]
        alert = _alert(evaluated_demo, code, key)
        unit, person = evaluated_demo.routes[(kind, key)]
        assert alert["status"] == "open" and alert["entity_kind"] == kind
        assert alert["owner_unit__code"] == unit, f"{code} {key} routed to {alert['owner_unit__code']}, not {unit}"
        assert alert["owner_teacher__staff_no"] == person
    problem_keys = {e[field] for e in p["entities"]}
    for control in p["controls"]:
        if control[field] in problem_keys:
            continue  # the same entity in a good period (a course's other terms): its one alert is the problem's
        assert not _items(evaluated_demo, code, control[field])


def test_the_worklist_has_no_leavers_nothing_opened_in_range_and_each_planted_problem_on_its_persons_first_page(
    evaluated_demo,
):
    figures = evaluated_demo.worklist
    assert (figures["leavers"], figures["in_range"]) == (0, 0), figures["line"]
    placement = figures["placement"]
    assert len(placement) > 10 and all(p.found for p in placement), figures["line"]
    missed = [(p.planted.indicator, p.planted.entity_key) for p in placement if not p.person_page]
    assert not missed, f"not on the first page of the accountable person's list: {missed}"
    # The red academic warnings lead the 质控中心 overview. On this small college its 25 tiny majors fail
    # major-level indicators enough to fill the rest of the first page; the default demo has every planted
    # problem there (test_default_demo_status).
    red = [p for p in placement if p.planted.indicator == "XS-GK"]
    assert red and all(p.office_page for p in red), figures["line"]


def test_red_tier_students_have_red_failed_cases_routed_to_their_class_adviser(evaluated_demo):
    for e in evaluated_demo.problem("student_red_warning")["entities"]:
        case = _alert(evaluated_demo, "XS-GK", e["student_no"])
        assert (case["kind"], case["severity"], case["tier"]) == ("case", "failed", "红色")


def test_a_student_sees_his_own_alerts_and_no_one_elses(evaluated_demo):
    seen = evaluated_demo.visible["xuesheng"]
    me = seen["user"]["student"]
    own = [a for a in evaluated_demo.alerts if a["entity_kind"] == "student" and a["entity_key"] == me]
    assert {(a[0], a[1]) for a in seen["alerts"]} == {(a["indicator__code"], a["entity_key"]) for a in own}
    assert all(kind == "student" and key == me for _code, key, kind, *_ in seen["alerts"])


def test_a_department_head_sees_only_his_departments_alerts(evaluated_demo):
    seen = evaluated_demo.visible["xibu"]
    unit = seen["user"]["unit"]
    assert seen["alerts"], "the nursing department has alerts in the demo"
    assert all(unit in (owner, org, informed) for _c, _k, _kind, owner, org, informed in seen["alerts"])
    others = [a for a in evaluated_demo.alerts if unit not in (a["owner_unit__code"], a["org_unit_code"],
                                                               a["informed_unit__code"])]  # fmt: skip
    assert others and not {(a["indicator__code"], a["entity_key"]) for a in others} & {
        (c, k) for c, k, *_ in seen["alerts"]
    }
    assert len(evaluated_demo.visible["zhikong"]["alerts"]) == len(evaluated_demo.alerts)
