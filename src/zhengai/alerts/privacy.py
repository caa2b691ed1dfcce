"""Sensitive categories of student signals: who may see them.

心理 (psychological screening), 家庭经济困难/资助 (financial aid), 一卡通消费 (campus-card spending) and
处分 (discipline) are visible only to the audience configured for each (`AlertSettings.sensitive`,
edited by the quality office): roles, units (e.g. 心理健康教育中心, 学生工作处), and whether the class
adviser or the student himself may see them. A signal of a category the user may not see is left out
of the case he reads; a case or alert with nothing left he may see is not in his lists at all.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet


class Sensitive(models.TextChoices):
    PSYCH = "psych", "心理"
    AID = "aid", "家庭经济困难/资助"
    CARD = "card", "一卡通消费"
    DISCIPLINE = "discipline", "处分"


# Indicator → category, and each category's audience: shipped defaults, configurable.
DEFAULT_INDICATORS = {
    "XS-XLSC": Sensitive.PSYCH.value,
    "XS-KNZZ": Sensitive.AID.value,
    "XS-STCS": Sensitive.CARD.value,
    "XS-WSTR": Sensitive.CARD.value,
    "XS-CSXF": Sensitive.CARD.value,
    "XS-CF": Sensitive.DISCIPLINE.value,
    "XS-CFDJ": Sensitive.DISCIPLINE.value,
}
DEFAULT_AUDIENCES = {
    Sensitive.PSYCH.value: {"roles": ["quality_office"], "units": ["xlzx"], "adviser": False, "student": False},
    Sensitive.AID.value: {"roles": ["quality_office"], "units": ["xsc"], "adviser": True, "student": False},
    Sensitive.CARD.value: {"roles": ["quality_office"], "units": ["xsc"], "adviser": False, "student": False},
    Sensitive.DISCIPLINE.value: {"roles": ["quality_office"], "units": ["xsc"], "adviser": True, "student": True},
}


def default_sensitive() -> dict:
    return {"indicators": dict(DEFAULT_INDICATORS), "audiences": {k: dict(v) for k, v in DEFAULT_AUDIENCES.items()}}


def _config() -> dict:
    from zhengai.alerts.models import AlertSettings

    stored = AlertSettings.current().sensitive or {}
    base = default_sensitive()
    return {
        "indicators": stored.get("indicators", base["indicators"]),
        "audiences": {**base["audiences"], **stored.get("audiences", {})},
    }


def category_of(code: str) -> str:
    return _config()["indicators"].get(code, "")


def _allowed(user, audience: dict, *, adviser_of: int | None = None, own: bool = False) -> bool:
    if user.is_superuser or user.role in audience.get("roles", ()):
        return True
    unit = getattr(user, "org_unit", None)
    if unit is not None and unit.code in audience.get("units", ()):
        return True
    if own:
        return bool(audience.get("student"))
    return bool(audience.get("adviser") and adviser_of and getattr(user, "teacher_id", None) == adviser_of)


def hidden_codes(user, *, adviser_of: int | None = None, own: bool = False, config: dict | None = None) -> set[str]:
    """Indicator codes whose signals this user may not see (for an item of this adviser, or his own)."""
    config = config or _config()
    blocked = {
        cat
        for cat, audience in config["audiences"].items()
        if not _allowed(user, audience, adviser_of=adviser_of, own=own)
    }
    return {code for code, cat in config["indicators"].items() if cat in blocked}


def filter_visible(alerts: QuerySet, user) -> QuerySet:
    """Leave out the items whose every signal is of a category the user may not see."""
    from zhengai.alerts.models import AlertSignal

    if user.is_superuser:
        return alerts
    own = user.role == "student"
    config = _config()
    # The adviser exception depends on the item: split on whether the user is its accountable teacher.
    hidden_other = hidden_codes(user, own=own, config=config)
    hidden_mine = hidden_codes(user, adviser_of=getattr(user, "teacher_id", None) or -1, own=own, config=config)
    if not hidden_other and not hidden_mine:
        return alerts
    teacher = getattr(user, "teacher_id", None)

    def visible(codes: set[str]) -> Q:
        if not codes:
            return Q()
        some_signal = AlertSignal.objects.filter(alert=OuterRef("pk")).exclude(indicator__code__in=codes)
        return (Q(kind="alert") & ~Q(indicator__code__in=codes)) | (Q(kind="case") & Exists(some_signal))

    mine = Q(owner_teacher_id=teacher) if teacher else Q(pk__in=[])
    return alerts.filter((mine & visible(hidden_mine)) | (~mine & visible(hidden_other)))


def visible_signals(signals, user, alert) -> tuple[list, dict[str, int]]:
    """The case's signals the user may see, and how many are hidden per category label."""
    own = user.role == "student"
    hidden = hidden_codes(user, adviser_of=alert.owner_teacher_id, own=own)
    shown, withheld = [], {}
    labels = dict(Sensitive.choices)
    config = _config()["indicators"]
    for s in signals:
        if s.indicator.code in hidden:
            label = labels.get(config.get(s.indicator.code, ""), "受保护类别")
            withheld[label] = withheld.get(label, 0) + 1
        else:
            shown.append(s)
    return shown, withheld
