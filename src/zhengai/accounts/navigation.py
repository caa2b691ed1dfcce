"""The main navigation, by function. Sections whose capability is not built yet are shown as such."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from zhengai.accounts.choices import COLLEGE_WIDE_ROLES, Role


@dataclass
class NavItem:
    label: str
    url_name: str | None
    active: bool = False
    url: str | None = None

    @property
    def built(self) -> bool:
        return self.url is not None


@dataclass
class NavSection:
    label: str
    icon: str
    items: list[NavItem] = field(default_factory=list)
    active: bool = False

    @property
    def single(self) -> NavItem | None:
        """A section with one item is shown as one link."""
        return self.items[0] if len(self.items) == 1 else None


_SECTIONS: list[tuple[str, str, list[tuple[str, str | None]]]] = [
    ("驾驶舱", "gauge", [("总览", "home")]),
    ("目标链", "target",
     [("目标树", "goals:tree"), ("我的目标与任务", "goals:mine"), ("年度工作任务", "goals:tasks"),
      ("诊改工作进度表", "goals:schedule"), ("目标责任书", "goals:letters"), ("个人发展规划", "goals:pdps"),
      ("考核结果", "goals:assessment")]),
    ("标准链", "ruler", [("五纵五横架构", "org:matrix"), ("指标目录", "monitoring:catalogue"),
                        ("计算批次", "monitoring:runs")]),
    (
        "数据中心",
        "database",
        [("数据标准（数据字典）", "datacenter:dictionary"), ("数据源", "datacenter:sources"),
         ("采集批次", "datacenter:runs"), ("数据质量", "datacenter:quality"), ("专业", "org:majors"),
         ("课程", "org:courses"), ("班级", "org:classes"), ("教师", "org:teachers"), ("学生", "org:students")],
    ),
    ("监测预警", "bell", [("我的预警", "alerts:mine"), ("预警总览", "alerts:overview"), ("站内通知", "alerts:inbox")]),
    ("诊改", "refresh", [("诊改周期", None)]),
    ("报告", "file", [("报告中心", None)]),
    ("系统设置", "settings",
     [("部门与五纵归属", "org:units"), ("校历", "org:calendar"), ("审计日志", "audit:log")]),
]  # fmt: skip


def _college_wide(user) -> bool:
    return user.is_superuser or user.role in COLLEGE_WIDE_ROLES


def _staff(user) -> bool:
    """Not a student (nor an account without a role): a student's menu is his own items only."""
    return user.is_superuser or user.role not in (Role.STUDENT, Role.NONE)


def _manages(user) -> bool:
    """The college-wide roles and department heads: the ones who keep units and the calendar."""
    return _college_wide(user) or user.role == Role.DEPARTMENT_HEAD


# Pages that only some roles may open are left out of the others' navigation; students and teachers
# never land in administration menus.
_STUDENT_PAGES = {"home", "alerts:mine", "alerts:inbox", "goals:pdps"}
_PERMISSIONS: dict[str, Callable[[object], bool]] = {
    "org:units": _manages,
    "org:calendar": _manages,
    "audit:log": lambda user: user.can_read_audit_log,
    "datacenter:sources": _college_wide,
    "datacenter:runs": _college_wide,
    "datacenter:quality": _college_wide,
    "monitoring:runs": _college_wide,
    "alerts:overview": _college_wide,
    "goals:assessment": _manages,
    "goals:pdps": lambda user: user.is_superuser or user.role != Role.NONE,  # a person's own plan
}


def navigation_for(user, path: str) -> list[NavSection]:
    sections: list[NavSection] = []
    for label, icon, items in _SECTIONS:
        section = NavSection(label=label, icon=icon)
        for item_label, url_name in items:
            if url_name in _PERMISSIONS and not _PERMISSIONS[url_name](user):
                continue
            if not _staff(user) and url_name not in _STUDENT_PAGES:
                continue
            url = None
            if url_name:
                try:
                    url = reverse(url_name)
                except NoReverseMatch:
                    url = None
            active = bool(url) and (path == url or (url != "/" and path.startswith(url)))
            section.items.append(NavItem(label=item_label, url_name=url_name, url=url, active=active))
        if section.items:
            sections.append(section)
    # Where one page's address lies under another's (计算批次 under 指标目录), only the closer one is current.
    current = max((i for s in sections for i in s.items if i.active), key=lambda i: len(i.url or ""), default=None)
    for section in sections:
        for item in section.items:
            item.active = item is current
        section.active = any(item.active for item in section.items)
    return sections
