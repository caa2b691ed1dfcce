"""Indicator declarations: what an indicator is, read from YAML (shipped) or the app database (edits).

A declaration is plain data. `compiler.py` turns its measure into an Ibis expression; `thresholds.py`
judges the values. Loading checks every field and names the file, the indicator and the field in a
Chinese message, so a mistake in a catalogue file is found when it is read, not during a run.

The measure language (see docs/indicators.md for the full reference)::

    value: students / (full_time + 0.5 * external)     # arithmetic over named parts
    parts:
      students:
        from: students                                 # a standard table
        where: cohort >= period_year - 2 and cohort <= period_year and (status == '01' or status_date >= period_start)
        by: major_code                                 # the entity key
        value: count()                                 # an aggregate expression
      full_time:
        from: course_offerings
        join: {courses: course_code, teachers: staff_no}   # look-ups in roster tables
        where: teachers.category == '1'
        by: courses.major_code
        value: count_distinct(staff_no)

or, for what needs windows or sequences, ``function: <name>`` naming a registered Ibis function.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from zhengai.indicators.choices import Direction, EntityKind, PeriodKind
from zhengai.indicators.thresholds import Line, Thresholds, Tier
from zhengai.org.entities import KINDS, SCHOOL_KEY  # noqa: F401 (SCHOOL_KEY is used through this module)

LEVELS = {"school": "学校", "major": "专业", "course": "课程", "teacher": "教师", "student": "学生"}
SYSTEMS = {
    "decision": "决策指挥",
    "generation": "质量生成",
    "resource": "资源建设",
    "support": "支持服务",
    "supervision": "监督控制",
}
# The roster table and key column behind each entity kind (school has a single entity).
ENTITY_ROSTER = {code: k.roster for code, k in KINDS.items()}
WINDOWS = ("period", "all")
MATCHES = ("start_year", "end_year")


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: “2023-13-01” stays text, so the checker can name the field."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass


class DeclarationError(ValueError):
    """A catalogue entry that cannot be used; the message names where and what."""


@dataclass(frozen=True)
class Placement:
    """How a part's rows are placed in periods (defaults come from the table's time semantics)."""

    field: str | None = None  # the column that places a row in time
    match: str = "start_year"  # for integer year columns: the period's start or end year
    window: str = "period"  # period | all | years:N (trailing N years ending with the period)


@dataclass(frozen=True)
class Part:
    name: str
    table: str
    value: str
    by: str | None = None
    where: str | None = None
    joins: tuple[tuple[str, str, str], ...] = ()  # (table, left column, key column of the look-up)
    pre_by: tuple[str, ...] = ()
    pre_compute: tuple[tuple[str, str], ...] = ()
    placement: Placement = field(default_factory=Placement)
    fill: float | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *(j[0] for j in self.joins))


@dataclass(frozen=True)
class ThresholdDecl:
    effective_from: dt.date
    group: str
    thresholds: Thresholds
    note: str = ""
    verified: bool = False


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    level: str
    entity: str
    system: str
    dimension: str
    control_point: str
    unit: str
    direction: str
    period: str
    owner: str
    formula: str
    source_doc: str
    value: str | None
    parts: tuple[Part, ...]
    function: str | None = None
    population: Part | None = None
    threshold_group: str | None = None  # an attribute of the entity's roster, e.g. majors.tier
    thresholds: tuple[ThresholdDecl, ...] = ()
    description: str = ""
    precision: int = 2
    sources: tuple[str, ...] = ()
    # The value accrues over its period (hours taught, books borrowed): before the period ends a value
    # still short of the line is 周期未结束, not a failure; one already past a ceiling is final.
    cumulative: bool = False
    origin: str = ""  # the file it came from

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def system_label(self) -> str:
        return SYSTEMS[self.system]

    @property
    def entity_label(self) -> str:
        return EntityKind(self.entity).label

    @property
    def direction_label(self) -> str:
        return Direction(self.direction).label

    @property
    def period_label(self) -> str:
        return PeriodKind(self.period).label

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def source_tables(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for name in self.sources:
            seen.setdefault(name, None)
        for part in (*self.parts, *((self.population,) if self.population else ())):
            for name in part.tables:
                seen.setdefault(name, None)
        return tuple(seen)


# ------------------------------------------------------------------------------------------ parsing

_REQUIRED = ("code", "name", "level", "entity", "system", "direction", "period", "owner", "formula")


def parse_indicator(raw: dict[str, Any], *, origin: str = "") -> Indicator:
    """One declaration from a mapping (a YAML entry or the JSON an edit saved)."""
    from zhengai.datacenter.standard import TABLES_BY_NAME

    code = str(raw.get("code") or "").strip()
    where = f"{origin}：指标 {code or '（未写代码）'}" if origin else f"指标 {code or '（未写代码）'}"

    def fail(field_name: str, message: str) -> DeclarationError:
        return DeclarationError(f"{where}，字段 {field_name}：{message}")

    for key in _REQUIRED:
        if raw.get(key) in (None, ""):
            raise fail(key, "必填")
    known = {
        "code",
        "name",
        "level",
        "entity",
        "system",
        "dimension",
        "control_point",
        "unit",
        "direction",
        "period",
        "owner",
        "formula",
        "source_doc",
        "value",
        "parts",
        "function",
        "population",
        "threshold_group",
        "thresholds",
        "description",
        "precision",
        "sources",
        "cumulative",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise fail(unknown[0], "不认识这个字段")
    if raw["level"] not in LEVELS:
        raise fail("level", f"层面应为 {'/'.join(LEVELS)} 之一")
    if raw["entity"] not in ENTITY_ROSTER:
        raise fail("entity", f"对象应为 {'/'.join(ENTITY_ROSTER)} 之一")
    if raw["system"] not in SYSTEMS:
        raise fail("system", f"五纵系统应为 {'/'.join(SYSTEMS)} 之一")
    if raw["direction"] not in Direction.values:
        raise fail("direction", f"方向应为 {'/'.join(Direction.values)} 之一")
    if raw["period"] not in PeriodKind.values:
        raise fail("period", f"周期应为 {'/'.join(PeriodKind.values)} 之一")

    function = raw.get("function")
    parts_raw = raw.get("parts") or {}
    if function:
        from zhengai.indicators.functions import available

        if function not in available():
            raise fail("function", f"没有名为 {function} 的指标函数")
        if parts_raw or raw.get("value"):
            raise fail("function", "用函数计算的指标不再写 parts / value")
    elif not parts_raw or not raw.get("value"):
        raise fail("value", "需要 value 表达式和 parts，或者 function")
    if not isinstance(parts_raw, dict):
        raise fail("parts", "应为“名称: 定义”的映射")
    parts = tuple(_parse_part(name, body, fail, TABLES_BY_NAME) for name, body in parts_raw.items())
    population = None
    if raw.get("population"):
        pop = dict(raw["population"])
        pop.setdefault("value", "count()")
        population = _parse_part("population", pop, fail, TABLES_BY_NAME)

    group = raw.get("threshold_group")
    if group:
        roster, _key = ENTITY_ROSTER[raw["entity"]]
        table_name = "school_resources" if raw["entity"] == "school" else roster
        if group not in TABLES_BY_NAME[table_name].field_index:
            raise fail("threshold_group", f"{table_name} 表没有字段 {group}")
    thresholds = tuple(_parse_threshold(t, fail, i) for i, t in enumerate(raw.get("thresholds") or [], start=1))
    if raw["entity"] != "school":
        for part in parts:
            if not part.by:
                raise fail(f"parts.{part.name}.by", "非学校层面的指标要写实体键 by")
    try:
        precision = int(raw.get("precision", 2))
    except (TypeError, ValueError):
        raise fail("precision", "应为整数") from None
    cumulative = raw.get("cumulative", False)
    if not isinstance(cumulative, bool):
        raise fail("cumulative", "应为 true 或 false")
    sources = tuple(raw.get("sources") or ())
    for s in sources:
        if s not in TABLES_BY_NAME:
            raise fail("sources", f"没有标准数据表 {s}")
    indicator = Indicator(
        code=code,
        name=str(raw["name"]),
        level=raw["level"],
        entity=raw["entity"],
        system=raw["system"],
        dimension=str(raw.get("dimension") or ""),
        control_point=str(raw.get("control_point") or ""),
        unit=str(raw.get("unit") or ""),
        direction=raw["direction"],
        period=raw["period"],
        owner=str(raw["owner"]),
        formula=str(raw["formula"]),
        source_doc=str(raw.get("source_doc") or ""),
        value=raw.get("value"),
        parts=parts,
        function=function,
        population=population,
        threshold_group=group,
        thresholds=thresholds,
        description=str(raw.get("description") or ""),
        precision=precision,
        sources=sources,
        cumulative=cumulative,
        origin=origin,
    )
    from zhengai.indicators.expr import check_indicator

    try:
        check_indicator(indicator)
    except ValueError as exc:
        raise DeclarationError(f"{where}：{exc}") from exc
    return indicator


def _parse_part(name: str, body: Any, fail, tables) -> Part:
    label = f"parts.{name}" if name != "population" else "population"
    if not isinstance(body, dict):
        raise fail(label, "应为映射（from / by / where / value …）")
    known = {"from", "by", "where", "join", "value", "pre", "period", "fill"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise fail(f"{label}.{unknown[0]}", "不认识这个字段")
    table = body.get("from")
    if table not in tables:
        raise fail(f"{label}.from", f"没有标准数据表 {table}")
    joins = []
    for other, spec in (body.get("join") or {}).items():
        if other not in tables:
            raise fail(f"{label}.join", f"没有标准数据表 {other}")
        if isinstance(spec, str):
            left = right = spec
        elif isinstance(spec, dict) and "on" in spec:
            left, right = spec["on"], spec.get("key", spec["on"])
        else:
            raise fail(f"{label}.join.{other}", "应写关联字段，如 courses: course_code 或 {on: x, key: y}")
        if right not in tables[other].field_index:
            raise fail(f"{label}.join.{other}", f"{other} 表没有字段 {right}")
        joins.append((other, left, right))
    pre = body.get("pre") or {}
    pre_by = tuple(pre.get("by") or ())
    pre_compute = tuple((k, str(v)) for k, v in (pre.get("compute") or {}).items())
    if pre and (not pre_by or not pre_compute):
        raise fail(f"{label}.pre", "先分组要写 by 和 compute")
    placement_raw = body.get("period") or {}
    if not isinstance(placement_raw, dict):
        raise fail(f"{label}.period", "应为映射（field / match / window）")
    window = str(placement_raw.get("window", "period"))
    if window not in WINDOWS and not (window.startswith("years:") and window[6:].isdigit()):
        raise fail(f"{label}.period.window", "应为 period、all 或 years:N")
    match = placement_raw.get("match", "start_year")
    if match not in MATCHES:
        raise fail(f"{label}.period.match", f"应为 {'/'.join(MATCHES)} 之一")
    pfield = placement_raw.get("field")
    if pfield and pfield not in tables[table].field_index:
        raise fail(f"{label}.period.field", f"{table} 表没有字段 {pfield}")
    fill = body.get("fill")
    return Part(
        name=name,
        table=table,
        value=str(body.get("value") or ""),
        by=body.get("by"),
        where=body.get("where"),
        joins=tuple(joins),
        pre_by=pre_by,
        pre_compute=pre_compute,
        placement=Placement(field=pfield, match=match, window=window),
        fill=float(fill) if fill is not None else None,
    )


def _parse_threshold(raw: Any, fail, i: int) -> ThresholdDecl:
    label = f"thresholds[{i}]"
    if not isinstance(raw, dict):
        raise fail(label, "应为映射（from / standard / warning / target …）")
    try:
        start = raw.get("from", "2000-01-01")
        effective = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    except ValueError:
        raise fail(f"{label}.from", f"生效日期“{raw.get('from')}”应为 YYYY-MM-DD") from None
    lines = {}
    for key in ("standard", "warning", "target"):
        try:
            lines[key] = Line.parse(raw.get(key))
        except ValueError as exc:
            raise fail(f"{label}.{key}", str(exc)) from None
    tiers = []
    for j, t in enumerate(raw.get("tiers") or [], start=1):
        try:
            tiers.append(Tier(str(t["label"]), str(t.get("color", "")), Line.parse(t["when"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise fail(f"{label}.tiers[{j}]", f"需要 label 和 when（如 “>= 6”）：{exc}") from None
    return ThresholdDecl(
        effective_from=effective,
        group=str(raw.get("group") or ""),
        thresholds=Thresholds(lines["standard"], lines["warning"], lines["target"], tuple(tiers)),
        note=str(raw.get("note") or ""),
        verified=bool(raw.get("verified", False)),
    )


def load_file(path: Path | str, text: str | None = None) -> list[Indicator]:
    name = Path(path).name
    try:
        data = yaml_load(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DeclarationError(f"{name}：YAML 格式错误：{exc}") from exc
    if not isinstance(data, list):
        raise DeclarationError(f"{name}：文件应为指标列表")
    return [parse_indicator(entry, origin=name) for entry in data]


def shipped_catalogue() -> dict[str, Indicator]:
    """Every indicator shipped in the package (indicators/catalogue/*.yaml), by code."""
    out: dict[str, Indicator] = {}
    folder = resources.files("zhengai.indicators") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        for ind in load_file(Path(entry.name), entry.read_text(encoding="utf-8")):
            if ind.code in out:
                raise DeclarationError(f"{entry.name}：指标代码 {ind.code} 与 {out[ind.code].origin} 重复")
            out[ind.code] = ind
    return out


def json_safe(value: Any) -> Any:
    """A YAML mapping as JSON-able data (dates as ISO strings), for storing in the app database."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def shipped_raw() -> dict[str, tuple[dict, str]]:
    """The shipped entries as loaded from YAML (checked), by code: (mapping, file name)."""
    out: dict[str, tuple[dict, str]] = {}
    shipped_catalogue()  # validates every entry first
    folder = resources.files("zhengai.indicators") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            for raw in yaml_load(entry.read_text(encoding="utf-8")) or []:
                out[str(raw["code"])] = (json_safe(raw), entry.name)
    return out


def columns_read(indicator: Indicator) -> dict[str, set[str]]:
    """The columns of each standard table an indicator reads (its lineage; the bench's scan floor)."""
    from zhengai.datacenter.standard import TABLES_BY_NAME
    from zhengai.indicators.expr import names

    out: dict[str, set[str]] = {}
    if indicator.function:
        from zhengai.indicators.functions import READS, available

        available()
        for table, cols in READS.get(indicator.function, {}).items():
            out.setdefault(table, set()).update(cols)
        if not out:  # a function that does not say: count every column of its declared sources
            for table in indicator.sources:
                out[table] = set(TABLES_BY_NAME[table].field_index)
        return out
    for part in (*indicator.parts, *((indicator.population,) if indicator.population else ())):
        base = TABLES_BY_NAME[part.table]
        time_field = part.placement.field or base.time_field
        cols = out.setdefault(part.table, set())
        if time_field:
            cols.add(time_field)
        texts = [part.where, part.by, part.value, *part.pre_by, *(t for _k, t in part.pre_compute)]
        refs = set().union(*(names(t) for t in texts if t))
        for _other, left, _key in part.joins:
            refs.add(left)
        for other, _left, key in part.joins:
            out.setdefault(other, set()).add(key)
        for ref in refs:
            if "." in ref:
                table, col = ref.split(".", 1)
                if table in TABLES_BY_NAME and col in TABLES_BY_NAME[table].field_index:
                    out.setdefault(table, set()).add(col)
            elif ref in base.field_index:
                cols.add(ref)
    return out
