"""Pages of the standard chain (标准链): the indicator catalogue, one indicator, the threshold and
definition editors, evaluation runs, and the indicators of one entity.

Views parse input, call selectors (reads, always within the user's data scope) or services
(writes), and render. Tables work with and without htmx: an htmx request gets only the part it swaps.
"""

from zhengai.monitoring.views.catalogue import catalogue, indicator_detail
from zhengai.monitoring.views.editors import (
    definition_edit,
    definition_reset,
    indicator_enabled,
    threshold_new,
    threshold_preview,
)
from zhengai.monitoring.views.entity import entity
from zhengai.monitoring.views.runs import run_detail, runs

__all__ = [
    "catalogue",
    "definition_edit",
    "definition_reset",
    "entity",
    "indicator_detail",
    "indicator_enabled",
    "run_detail",
    "runs",
    "threshold_new",
    "threshold_preview",
]
