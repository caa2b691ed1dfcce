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
from zhengai.goals.services.letters import (
    can_manage_letters,
    letter_amend,
    letter_context,
    letter_generate,
    letter_side,
    letter_sign,
    letter_template_deactivate,
    letter_template_upload,
    letters_generate,
    template_bytes,
)
from zhengai.goals.services.pdp import (
    GenerateResult,
    can_comment_pdp,
    can_set_pdp_stage,
    development_route,
    goalset_generate,
    pdp_comment,
    pdp_create,
    pdp_generate_from_template,
    pdp_people,
    pdp_stage_set,
    pdp_template_create,
    periods_for_year,
    template_goal_add,
)
from zhengai.goals.services.tasks import (
    ScheduleLoad,
    can_create_task,
    can_update_task,
    schedule_load,
    task_create,
    task_update,
    tasks_escalate_overdue,
)

__all__ = [
    "GenerateResult", "ScheduleLoad", "assessment_run", "assessment_scheme_ensure", "assessment_scheme_set",
    "can_comment_pdp", "can_create_task", "can_edit_goal", "can_manage_letters", "can_set_pdp_stage",
    "can_update_task", "development_route", "goal_align", "goal_create", "goal_review", "goalset_generate",
    "letter_amend", "letter_context", "letter_generate", "letter_side", "letter_sign", "letter_template_deactivate",
    "letter_template_upload", "letters_generate", "pdp_comment", "pdp_create", "pdp_generate_from_template",
    "pdp_people", "pdp_stage_set", "pdp_template_create", "periods_for_year", "plan_create", "schedule_load",
    "target_set", "task_create", "task_update", "tasks_escalate_overdue", "template_bytes", "template_goal_add",
]  # fmt: skip
