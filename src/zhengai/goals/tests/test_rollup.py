"""The roll-up rules and target comparisons, against values computed by hand (no database)."""

from __future__ import annotations

import pytest

from zhengai.goals.attainment import (
    GoalResult,
    Measured,
    from_review,
    from_targets,
    held,
    progress,
    rollup,
    target_result,
)
from zhengai.goals.choices import Attainment as A
from zhengai.goals.choices import Rollup


def _t(value, target, comparison=">=", *, ok=True, indicator="T-BDRS"):
    measured = None if value == "none" else Measured(value, run_id=7, batches="admissions@v2")
    return target_result(indicator=indicator, period="2025-2026", comparison=comparison, target=target,
                         measured=measured, data_ok=ok, data_note="数据过期")  # fmt: skip


def test_a_target_is_attained_only_with_a_healthy_measurement():
    assert _t(92, 90).state == A.ATTAINED and _t(92, 90).progress == 1.0
    below = _t(60, 70)
    assert below.state == A.NOT_ATTAINED and below.progress == pytest.approx(60 / 70)
    assert "计算批次 #7" in below.provenance and "admissions@v2" in below.provenance
    missing = _t("none", 70)
    assert missing.state == A.NO_DATA and missing.progress is None and "没有监测值" in missing.note
    stale = _t(92, 90, ok=False)
    assert stale.state == A.NO_DATA and stale.progress is None and stale.note == "数据过期"
    # Lower is better: 3.2 晚归/周 against ≤ 2.4 has come 75 % of the way.
    assert _t(3.2, 2.4, "<=").state == A.NOT_ATTAINED and _t(3.2, 2.4, "<=").progress == pytest.approx(0.75)
    assert progress(0.0, "<=", 2.4) == 1.0


def test_each_rollup_rule_gives_the_hand_computed_figures():
    m1, m2 = from_targets([_t(92, 90)]), from_targets([_t(60, 70)])
    assert (m1.actual_sum, m1.target_sum) == (92, 90)
    summed = rollup(Rollup.SUM_TARGETS, own=from_targets([]), children=[(1, m1), (1, m2)])
    assert summed.state == A.NOT_ATTAINED and (summed.actual_sum, summed.target_sum) == (152, 160)
    assert summed.progress == pytest.approx(152 / 160)
    mean = rollup(Rollup.WEIGHTED_MEAN, own=from_targets([]), children=[(2, summed), (1, m1)])
    assert mean.state == A.NOT_ATTAINED and mean.progress == pytest.approx((2 * 0.95 + 1) / 3)
    every = rollup(Rollup.ALL_COMPLETE, own=from_targets([]), children=[(3, m1), (1, m2)])
    assert every.state == A.NOT_ATTAINED and every.progress == pytest.approx(3 / 4)
    assert rollup(Rollup.ALL_COMPLETE, own=from_targets([]), children=[(1, m1)]).state == A.ATTAINED
    leaf = rollup(Rollup.LEAF_ONLY, own=from_targets([_t(341, 300)]), children=[(1, m2)])
    assert leaf.state == A.ATTAINED and leaf.progress == 1.0  # its children do not count


def test_no_data_below_makes_the_parent_no_data_with_the_share_it_could_compute():
    stale = from_targets([_t(50, 40, ok=False)])
    parent = rollup(Rollup.WEIGHTED_MEAN, own=from_targets([]), children=[(1, stale), (1, from_targets([_t(60, 70)]))])
    assert parent.state == A.NO_DATA and parent.covered == 1 and parent.parts == 2
    assert parent.progress == pytest.approx(60 / 70) and "2 个下级目标中 1 个数据不足" in parent.note
    summed = rollup(Rollup.SUM_TARGETS, own=from_targets([]), children=[(1, from_targets([_t("none", 90)])),
                                                                        (1, from_targets([_t(60, 70)]))])  # fmt: skip
    assert summed.state == A.NO_DATA and summed.actual_sum is None and summed.target_sum == 160
    # A goal with nothing to judge it by is 数据不足, never 达成.
    assert from_targets([]).state == A.NO_DATA


def test_a_reviewed_goal_waits_for_its_reviewer():
    assert from_review(None).state == A.PENDING
    assert from_review(True) == GoalResult(A.ATTAINED, 1.0, 1, 1)
    pending = rollup(Rollup.ALL_COMPLETE, own=from_targets([]), children=[(1, from_review(None))])
    assert pending.state == A.PENDING


def test_an_automatic_goal_completes_only_after_holding_for_n_periods():
    assert held([A.NOT_ATTAINED, A.ATTAINED, A.ATTAINED], 2)
    assert not held([A.ATTAINED, A.NOT_ATTAINED, A.ATTAINED], 2)
    assert not held([A.ATTAINED, A.NO_DATA], 1)
    assert not held([A.ATTAINED], 2)
