"""Reads of the goal chain, one module per concept; callers import from here.

Goals read measurements through the monitoring selectors and data health through the data center's
(the indicator's source tables must be fresh and their last batch accepted, or the target is 数据不足).
"""

from zhengai.goals.selectors.assessment import (  # noqa: F401
    assessment_results,
    my_goal_ids,
    my_goals,
    tasks_for_user,
    unit_goal_tree,
    unit_tasks,
)
from zhengai.goals.selectors.chain import (  # noqa: F401
    Completion,
    GoalAttainment,
    entity_names,
    goal_attainments,
    goal_completion,
    goal_periods,
    sees_all_goals,
    tree_filter,
    tree_for,
    tree_walk,
    visible_goal_ids,
)
from zhengai.goals.selectors.letters import (  # noqa: F401
    LetterRow,
    can_see_letter,
    letter_content,
    letter_rows,
    letters_for,
    sees_all_letters,
)
from zhengai.goals.selectors.pdp import (  # noqa: F401
    PdpGoal,
    PdpStatus,
    PdpTargetRow,
    PdpYear,
    can_see_pdp,
    heads_pdp_unit,
    is_pdp_owner,
    pdp_person,
    pdp_person_unit_id,
    pdp_statuses,
    pdps_for,
    year_of_period,
)
from zhengai.goals.selectors.tasks import (  # noqa: F401
    ScheduleRow,
    TaskNode,
    schedule_rows,
    schedule_years,
    task_tree,
    task_years,
)
