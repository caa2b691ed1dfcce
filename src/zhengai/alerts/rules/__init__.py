"""Alert rules beyond a fixed line (规则预警): a JSON tree of whitelisted operators, never code.

- definition.py: the rule tree, its operators and comparisons, `validate()` and judging one
  entity's series (`judge()`, `evaluate_rule()`, `history_window()`); pure, no database.
- apply.py: `alert_rules_apply()`, the enabled rules run after an evaluation run, opening, updating
  and counting recovery of rule alerts.
"""

from __future__ import annotations

from zhengai.alerts.rules.apply import alert_rules_apply
from zhengai.alerts.rules.definition import (
    COMPARISONS,
    DIRECTIONS,
    MAX_DEPTH,
    MAX_PERIODS,
    OPERATORS,
    OUTCOMES,
    SYMBOLS,
    Entry,
    Operator,
    RuleResult,
    Series,
    evaluate_rule,
    history_window,
    judge,
    validate,
)

__all__ = [
    "COMPARISONS",
    "DIRECTIONS",
    "MAX_DEPTH",
    "MAX_PERIODS",
    "OPERATORS",
    "OUTCOMES",
    "SYMBOLS",
    "Entry",
    "Operator",
    "RuleResult",
    "Series",
    "alert_rules_apply",
    "evaluate_rule",
    "history_window",
    "judge",
    "validate",
]
