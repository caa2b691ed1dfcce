"""Writes to the goal chain, one module per concept; callers import from here."""

from zhengai.goals.services.assessment import (
    assessment_run,
    assessment_scheme_ensure,
    assessment_scheme_set,
)
from zhengai.goals.services.chain import (
    can_edit_goal,
    goal_align,
    goal_create,
    goal_review,
    plan_create,
    target_set,
)
from zhengai.goals.services.tasks import (
    ScheduleLoad,
    can_update_task,
    schedule_load,
    task_update,
    tasks_escalate_overdue,
)

__all__ = [
    "ScheduleLoad", "assessment_run", "assessment_scheme_ensure", "assessment_scheme_set", "can_edit_goal",
    "can_update_task", "goal_align", "goal_create", "goal_review", "plan_create",
    "schedule_load", "target_set", "task_update", "tasks_escalate_overdue",
]  # fmt: skip
