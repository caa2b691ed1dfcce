"""Alert rules beyond a fixed line (规则预警), the definition: a JSON tree of whitelisted operators, never code.

`AlertRule.definition` is a tree of nodes; each node names an operator ("op") from the table
`OPERATORS` below, and comparisons come from the fixed set `COMPARISONS`. A rule is judged for one
entity at a time over its series of measurements — (period, value, outcome), oldest first, the last
one being the period judged.

Operators, with what each means in words:

``{"op": "value", "cmp": ">", "value": 10}``
    本期监测值与一个固定值比较。例：本期监测值大于 10 时触发。

``{"op": "change", "direction": "down", "pct": 20, "abs": 5, "floor": 10}``
    与上一期相比的变化。direction：down（下降）、up（上升）或 any（任一方向）。pct 是变化量占上一期值的
    百分比，abs 是变化的绝对量，至少给出一个，给出的都要达到（≥），且必须确实朝该方向变化。floor 可选：
    上一期值低于它时不判断（数值很小的安静时期不触发）。
    例：比上一期下降 20% 及以上、且下降 5 及以上时触发，但仅当上一期值不低于 10。

``{"op": "consecutive", "n": 3, "outcome_in": ["warn", "failed"]}`` 或
``{"op": "consecutive", "n": 3, "cmp": "<", "value": 75}``
    最近 n 期（含本期）每一期都满足条件：结果属于 outcome_in（passed、warn、failed、no_data），或监测值
    满足比较（cmp 与 value），二者选一。例：连续 3 期为预警或未达标；连续 3 期出勤率低于 75。

``{"op": "baseline", "k": 4, "min_periods": 3, "z": 2}`` 或 ``{"op": "baseline", "k": 4, "pct": 30}``
    与该对象自己前 k 期（不含本期）的均值比较。z 是 z 分数（偏离量 ÷ 前几期的样本标准差），pct 是偏离量
    占均值的百分比，abs 是偏离的绝对量；至少给出一个，给出的都要超过（＞）。min_periods 可选（默认 k）：
    前 k 期中至少要有几期有监测值；direction 可选（down、up、any，默认 any）。
    例：本期比自己前 4 期的平均水平偏离 2 个标准差以上（前 4 期至少 3 期有值）；本期比前 4 期均值高或低
    30% 以上。

``{"op": "and", "args": [...]}``、``{"op": "or", "args": [...]}``、``{"op": "not", "arg": {...}}``
    组合：全部满足、任一满足、不满足。例：下降 20% 以上，并且连续 2 期为预警或未达标。

Judging uses three values: fires (True), does not fire (False), cannot be judged (None). A rule that
cannot be judged fails closed — it does not fire — and the reason names the part, for example
"规则第 2 项（change）：上一期（2024-2025）无监测值". Combinations follow the same logic: "and"
is False as soon as one part is False, "or" is True as soon as one part is True, and otherwise an
unjudgeable part makes the whole unjudgeable; "not" of an unjudgeable part stays unjudgeable, so
missing data never makes a rule fire.

`validate()` checks a definition (unknown operators and parameters, missing parameters, wrong
types) and returns every problem in Chinese; `evaluate_rule()` validates and judges one series.
Both are pure. `alert_rules_apply()` (apply.py) runs the enabled rules after an evaluation run and
opens, updates and counts recovery of rule alerts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zhengai.indicators.choices import Outcome

Entry = tuple[str, float | None, str]  # (period, value, outcome)
Series = Sequence[Entry]

MAX_DEPTH = 8  # nesting of and / or / not
MAX_PERIODS = 120  # n and k: enough for ten years of months


@dataclass(frozen=True)
class RuleResult:
    """fired: True fires, False does not, None cannot be judged (and so does not fire either)."""

    fired: bool | None
    reason: str


# ------------------------------------------------------------------------------------------ comparisons


def _close(a: float, b: float) -> bool:
    # Measurements are computed by engines that may sum in another order: 20 % is 20 %.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b and not _close(a, b),
    ">=": lambda a, b: a > b or _close(a, b),
    "<": lambda a, b: a < b and not _close(a, b),
    "<=": lambda a, b: a < b or _close(a, b),
    "==": _close,
    "!=": lambda a, b: not _close(a, b),
}
SYMBOLS = {">": "＞", ">=": "≥", "<": "＜", "<=": "≤", "==": "＝", "!=": "≠"}
DIRECTIONS = {"down": "下降", "up": "上升", "any": "变化"}
OUTCOMES = {o.value: o.label for o in Outcome}


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _clean(value: Any) -> float | None:
    """A missing or NaN measurement is no value."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _kleene_and(parts: Sequence[bool | None]) -> bool | None:
    if any(p is False for p in parts):
        return False
    return True if all(p is True for p in parts) else None


def _where(path: tuple[int, ...]) -> str:
    return "规则" + "".join(f"第 {i} 项" for i in path)


def _loc(path: tuple[int, ...], op: str) -> str:
    return f"{_where(path)}（{op}）"


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


# ------------------------------------------------------------------------------------------ validation


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _need(node: dict, name: str, loc: str, errors: list[str]) -> bool:
    if name not in node:
        errors.append(f"{loc}缺少参数 {name}")
        return False
    return True


def _check_number(node: dict, name: str, loc: str, errors: list[str], *, minimum: float | None = None) -> None:
    value = node[name]
    if not _is_number(value):
        errors.append(f"{loc}参数 {name} 应为数字，实为 {_show(value)}")
    elif minimum is not None and value < minimum:
        errors.append(f"{loc}参数 {name} 不能小于 {_fmt(minimum)}，实为 {_show(value)}")


def _check_count(node: dict, name: str, loc: str, errors: list[str]) -> bool:
    value = node[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PERIODS:
        errors.append(f"{loc}参数 {name} 应为 1 到 {MAX_PERIODS} 之间的整数，实为 {_show(value)}")
        return False
    return True


def _check_cmp(node: dict, loc: str, errors: list[str]) -> None:
    cmp = node["cmp"]
    if not isinstance(cmp, str) or cmp not in COMPARISONS:
        errors.append(f"{loc}参数 cmp 的值 {_show(cmp)} 不是允许的比较符（{'、'.join(COMPARISONS)}）")


def _check_direction(node: dict, loc: str, errors: list[str]) -> None:
    direction = node["direction"]
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        errors.append(f"{loc}参数 direction 应为 down、up 或 any，实为 {_show(direction)}")


def _check_value(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    loc = _loc(path, "value")
    if _need(node, "cmp", loc, errors):
        _check_cmp(node, loc, errors)
    if _need(node, "value", loc, errors):
        _check_number(node, "value", loc, errors)


def _check_change(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    loc = _loc(path, "change")
    if _need(node, "direction", loc, errors):
        _check_direction(node, loc, errors)
    if "pct" not in node and "abs" not in node:
        errors.append(f"{loc}缺少参数 pct 或 abs（至少给出一个）")
    for name in ("pct", "abs"):
        if name in node:
            _check_number(node, name, loc, errors, minimum=0)
    if "floor" in node:
        _check_number(node, "floor", loc, errors)


def _check_consecutive(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    loc = _loc(path, "consecutive")
    if _need(node, "n", loc, errors):
        _check_count(node, "n", loc, errors)
    by_outcome = "outcome_in" in node
    by_value = "cmp" in node or "value" in node
    if by_outcome and by_value:
        errors.append(f"{loc}的 outcome_in 与 cmp/value 只能二选一")
    elif by_outcome:
        outcomes = node["outcome_in"]
        if not isinstance(outcomes, list) or not outcomes:
            errors.append(f"{loc}参数 outcome_in 应为非空列表，实为 {_show(outcomes)}")
        else:
            for item in outcomes:
                if not isinstance(item, str) or item not in OUTCOMES:
                    errors.append(f"{loc}参数 outcome_in 中的 {_show(item)} 不是有效结果（{'、'.join(OUTCOMES)}）")
    elif by_value:
        if _need(node, "cmp", loc, errors):
            _check_cmp(node, loc, errors)
        if _need(node, "value", loc, errors):
            _check_number(node, "value", loc, errors)
    else:
        errors.append(f"{loc}缺少条件：给出 outcome_in，或 cmp 与 value")


def _check_baseline(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    loc = _loc(path, "baseline")
    k_ok = _need(node, "k", loc, errors) and _check_count(node, "k", loc, errors)
    min_periods = node["k"] if k_ok else None
    if "min_periods" in node:
        if _check_count(node, "min_periods", loc, errors):
            min_periods = node["min_periods"]
            if k_ok and min_periods > node["k"]:
                errors.append(f"{loc}参数 min_periods（{min_periods}）不能大于 k（{node['k']}）")
    if not any(name in node for name in ("z", "pct", "abs")):
        errors.append(f"{loc}缺少参数 z、pct 或 abs（至少给出一个）")
    for name in ("z", "pct", "abs"):
        if name in node:
            _check_number(node, name, loc, errors, minimum=0)
    if "z" in node and min_periods is not None and min_periods < 2:
        errors.append(f"{loc}用 z 分数时前几期至少要有 2 期（min_periods 与 k 不能小于 2）：标准差需要两个值")
    if "direction" in node:
        _check_direction(node, loc, errors)


def _check_combination(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    op = node["op"]
    loc = _loc(path, op)
    if not _need(node, "args", loc, errors):
        return
    args = node["args"]
    if not isinstance(args, list) or not args:
        errors.append(f"{loc}参数 args 应为非空列表，实为 {_show(args)}")
        return
    for i, arg in enumerate(args, start=1):
        _check(arg, (*path, i), errors, depth + 1)


def _check_not(node: dict, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    if _need(node, "arg", _loc(path, "not"), errors):
        _check(node["arg"], (*path, 1), errors, depth + 1)


def _check(node: Any, path: tuple[int, ...], errors: list[str], depth: int) -> None:
    where = _where(path)
    if not isinstance(node, dict):
        errors.append(f"{where}应为一个含 op 的 JSON 对象，实为 {_show(node)}")
        return
    if "op" not in node:
        errors.append(f"{where}缺少 op（运算名称，可用：{'、'.join(OPERATORS)}）")
        return
    op = node["op"]
    if not isinstance(op, str) or op not in OPERATORS:
        errors.append(f"{where}：未知的运算 {_show(op)}（可用：{'、'.join(OPERATORS)}）")
        return
    if depth > MAX_DEPTH:
        errors.append(f"{_loc(path, op)}嵌套超过 {MAX_DEPTH} 层")
        return
    spec = OPERATORS[op]
    for name in sorted(set(node) - {"op"} - spec.params, key=str):
        errors.append(f"{_loc(path, op)}有未知参数 {name}")
    spec.check(node, path, errors, depth)


def validate(definition: Any) -> list[str]:
    """Every problem of a rule definition, in Chinese, each naming the part; [] when it can be judged."""
    errors: list[str] = []
    _check(definition, (), errors, 1)
    return errors


# ------------------------------------------------------------------------------------------ judging


def _judge_value(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    period, value, _ = series[-1]
    value = _clean(value)
    if value is None:
        return RuleResult(None, f"{_loc(path, 'value')}：本期（{period}）无监测值")
    cond = f"{SYMBOLS[node['cmp']]} {_fmt(node['value'])}"
    if COMPARISONS[node["cmp"]](value, node["value"]):
        return RuleResult(True, f"本期（{period}）监测值 {_fmt(value)} {cond}")
    return RuleResult(False, f"本期（{period}）监测值 {_fmt(value)}，不满足 {cond}")


def _judge_change(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    loc = _loc(path, "change")
    period, cur, _ = series[-1]
    cur = _clean(cur)
    if cur is None:
        return RuleResult(None, f"{loc}：本期（{period}）无监测值")
    if len(series) < 2:
        return RuleResult(None, f"{loc}：历史不足，本期（{period}）之前没有上一期")
    before, prev, _ = series[-2]
    prev = _clean(prev)
    if prev is None:
        return RuleResult(None, f"{loc}：上一期（{before}）无监测值")
    floor = node.get("floor")
    if floor is not None and not COMPARISONS[">="](prev, floor):
        return RuleResult(False, f"上一期（{before}）监测值 {_fmt(prev)} 低于下限 {_fmt(floor)}，不判断变化")
    direction = node["direction"]
    moved = cur - prev
    shift = {"down": -moved, "up": moved, "any": abs(moved)}[direction]
    pct = abs(moved) / abs(prev) * 100 if prev != 0 else None
    if _close(cur, prev):
        desc = f"本期（{period}）{_fmt(cur)} 与上一期（{before}）{_fmt(prev)} 持平"
    else:
        desc = (
            f"本期（{period}）{_fmt(cur)} 比上一期（{before}）{_fmt(prev)} "
            f"{'下降' if moved < 0 else '上升'} {_fmt(abs(moved))}" + (f"（{pct:.1f}%）" if pct is not None else "")
        )
    word = DIRECTIONS[direction]
    wanted = " 且 ".join(
        ([f"≥ {_fmt(node['pct'])}%"] if "pct" in node else []) + ([f"≥ {_fmt(node['abs'])}"] if "abs" in node else [])
    )
    cond = f"{word} {wanted}"
    if shift <= 0 or _close(cur, prev):
        return RuleResult(False, f"{desc}，未{word}")
    checks: list[bool | None] = []
    if "abs" in node:
        checks.append(COMPARISONS[">="](shift, node["abs"]))
    if "pct" in node:
        checks.append(None if pct is None else COMPARISONS[">="](shift / abs(prev) * 100, node["pct"]))
    fired = _kleene_and(checks)
    if fired is None:
        return RuleResult(None, f"{loc}：上一期（{before}）监测值为 0，无法计算变化百分比")
    return RuleResult(fired, f"{desc}，{'达到' if fired else '未达到'}{cond}")


def _judge_consecutive(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    loc = _loc(path, "consecutive")
    n = node["n"]
    tail = list(series[-n:])
    if "outcome_in" in node:
        wanted = set(node["outcome_in"])
        cond = "结果为" + "或".join(OUTCOMES[o] for o in node["outcome_in"])

        def holds(entry: Entry) -> bool | None:
            return entry[2] in wanted

        def show(entry: Entry) -> str:
            return f"结果为{OUTCOMES.get(entry[2], entry[2])}"
    else:
        test = COMPARISONS[node["cmp"]]
        cond = f"监测值 {SYMBOLS[node['cmp']]} {_fmt(node['value'])}"

        def holds(entry: Entry) -> bool | None:
            value = _clean(entry[1])
            return None if value is None else test(value, node["value"])

        def show(entry: Entry) -> str:
            return f"监测值 {_fmt(_clean(entry[1]))}"

    results = [holds(entry) for entry in tail]
    for entry, ok in zip(reversed(tail), reversed(results), strict=True):
        if ok is False:
            return RuleResult(False, f"最近 {n} 期中 {entry[0]} {show(entry)}，不满足连续{cond}")
    for entry, ok in zip(reversed(tail), reversed(results), strict=True):
        if ok is None:
            return RuleResult(None, f"{loc}：{entry[0]} 无监测值，无法判断是否连续 {n} 期{cond}")
    if len(tail) < n:
        return RuleResult(None, f"{loc}：历史不足，需要连续 {n} 期，只有 {len(tail)} 期")
    values = "" if "outcome_in" in node else "（" + "、".join(_fmt(_clean(e[1])) for e in tail) + "）"
    return RuleResult(True, f"最近 {n} 期（{tail[0][0]} 至 {tail[-1][0]}）连续{cond}{values}")


def _judge_baseline(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    loc = _loc(path, "baseline")
    k = node["k"]
    min_periods = node.get("min_periods", k)
    period, cur, _ = series[-1]
    cur = _clean(cur)
    if cur is None:
        return RuleResult(None, f"{loc}：本期（{period}）无监测值")
    past = [v for v in (_clean(e[1]) for e in series[-k - 1 : -1]) if v is not None]
    if len(past) < min_periods:
        return RuleResult(
            None, f"{loc}：历史不足，需要本期之前 {k} 期中至少 {min_periods} 期有监测值，只有 {len(past)} 期"
        )
    m = len(past)
    mean = sum(past) / m
    std = math.sqrt(sum((v - mean) ** 2 for v in past) / (m - 1)) if m >= 2 else None
    direction = node.get("direction", "any")
    diff = cur - mean
    shift = {"down": -diff, "up": diff, "any": abs(diff)}[direction]
    word = {"down": "低于", "up": "高于", "any": "偏离"}[direction]
    desc = f"本期（{period}）{_fmt(cur)}，前 {m} 期均值 {_fmt(mean)}" + (
        f"、标准差 {_fmt(std)}" if "z" in node and std is not None else ""
    )
    checks: list[bool | None] = []
    wanted: list[str] = []
    why_none = ""
    if "abs" in node:
        checks.append(COMPARISONS[">"](shift, node["abs"]))
        wanted.append(f"超过 {_fmt(node['abs'])}")
    if "pct" in node:
        wanted.append(f"超过 {_fmt(node['pct'])}%")
        if _close(mean, 0):
            checks.append(None)
            why_none = f"{loc}：前 {m} 期均值为 0，无法计算偏离百分比"
        else:
            checks.append(COMPARISONS[">"](shift / abs(mean) * 100, node["pct"]))
    if "z" in node:
        wanted.append(f"超过 {_fmt(node['z'])} 个标准差")
        if std is None or _close(std, 0):
            # A flat history: equal is no deviation; any other value has no finite z-score.
            checks.append(False if _close(cur, mean) else None)
            why_none = why_none or f"{loc}：前 {m} 期监测值都相同（标准差为 0），无法计算 z 分数"
        else:
            checks.append(COMPARISONS[">"](shift / std, node["z"]))
    fired = _kleene_and(checks)
    if fired is None:
        return RuleResult(None, why_none)
    cond = f"{word}均值{' 且 '.join(wanted)}"
    return RuleResult(fired, f"{desc}，{'' if fired else '未'}{cond}")


def _judge_and(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    parts = [_judge(arg, series, (*path, i)) for i, arg in enumerate(node["args"], start=1)]
    fired = _kleene_and([p.fired for p in parts])
    if fired is False:
        return RuleResult(False, next(p.reason for p in parts if p.fired is False))
    if fired is None:
        return RuleResult(None, "；".join(p.reason for p in parts if p.fired is None))
    return RuleResult(True, "；".join(p.reason for p in parts))


def _judge_or(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    parts = [_judge(arg, series, (*path, i)) for i, arg in enumerate(node["args"], start=1)]
    if any(p.fired is True for p in parts):
        return RuleResult(True, "；".join(p.reason for p in parts if p.fired is True))
    if any(p.fired is None for p in parts):
        return RuleResult(None, "；".join(p.reason for p in parts if p.fired is None))
    return RuleResult(False, "；".join(p.reason for p in parts))


def _judge_not(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    inner = _judge(node["arg"], series, (*path, 1))
    if inner.fired is None:
        return inner
    return RuleResult(not inner.fired, f"取反（{'不满足' if inner.fired else '满足'}）：{inner.reason}")


def _judge(node: dict, series: Series, path: tuple[int, ...]) -> RuleResult:
    return OPERATORS[node["op"]].judge(node, series, path)


def _window_of(node: dict) -> int:
    op = node["op"]
    if op in ("and", "or"):
        return max(_window_of(arg) for arg in node["args"])
    if op == "not":
        return _window_of(node["arg"])
    return {"value": 1, "change": 2, "consecutive": node.get("n", 1), "baseline": node.get("k", 0) + 1}[op]


@dataclass(frozen=True)
class Operator:
    params: frozenset[str]
    check: Callable[[dict, tuple[int, ...], list[str], int], None]
    judge: Callable[[dict, Series, tuple[int, ...]], RuleResult]


OPERATORS: dict[str, Operator] = {
    "value": Operator(frozenset({"cmp", "value"}), _check_value, _judge_value),
    "change": Operator(frozenset({"direction", "pct", "abs", "floor"}), _check_change, _judge_change),
    "consecutive": Operator(frozenset({"n", "outcome_in", "cmp", "value"}), _check_consecutive, _judge_consecutive),
    "baseline": Operator(
        frozenset({"k", "min_periods", "z", "pct", "abs", "direction"}), _check_baseline, _judge_baseline
    ),
    "and": Operator(frozenset({"args"}), _check_combination, _judge_and),
    "or": Operator(frozenset({"args"}), _check_combination, _judge_or),
    "not": Operator(frozenset({"arg"}), _check_not, _judge_not),
}


def history_window(definition: dict) -> int:
    """How many of the latest periods a valid definition looks at (the rest of the history is not read)."""
    return _window_of(definition)


def judge(definition: dict, series: Series) -> RuleResult:
    """Judge an already validated definition on one series (the loop over many entities uses this)."""
    if not series:
        return RuleResult(None, "规则：该对象没有任何监测值，无法判断")
    return _judge(definition, series, ())


def evaluate_rule(definition: Any, series: Series) -> RuleResult:
    """Judge a rule on one entity's series (oldest first, the last entry is the period judged)."""
    errors = validate(definition)
    if errors:
        return RuleResult(None, "；".join(errors))
    return judge(definition, series)
