"""Roster guard: a snapshot batch that would make many stored entities disappear waits for a person.

Pure: takes the figures of a comparison and the thresholds, returns a verdict and its wording.
"""

from __future__ import annotations

from dataclasses import dataclass

# The measure word a roster's entities are counted with (学生 are 名, 课程 are 门); others are 条.
MEASURE = {"students": "名", "teachers": "名", "courses": "门", "majors": "个", "classes": "个", "departments": "个"}


@dataclass(frozen=True)
class Removal:
    stored: int  # entities in the current snapshot
    removed: int  # of those, absent from the incoming one
    incoming: int  # valid rows in the incoming snapshot
    new: int  # of those, not in the current snapshot
    trips: bool
    replace: bool  # most incoming keys are new and most stored ones removed: another year, another school

    @property
    def share(self) -> float:
        return self.removed / self.stored if self.stored else 0.0

    def describe(self, table: str, label: str) -> str:
        """“现有 3,296 名学生中的 3,290 名（99.8%）从名单中消失（疑似整体替换）”."""
        unit = MEASURE.get(table, "条")
        text = f"现有 {self.stored:,} {unit}{label}中的 {self.removed:,} {unit}（{self.share:.1%}）从名单中消失"
        if self.replace:
            text += f"（本批 {self.incoming:,} 条中 {self.new:,} 条是新的，疑似整体替换：是否导错了学年或学校？）"
        return text


def removal_check(*, stored: int, removed: int, incoming: int, new: int, share: float, minimum: int) -> Removal:
    """Whether a snapshot batch needs confirmation before it replaces the stored one.

    It does when removed ≥ max(minimum, share × stored), or when it looks like a wholesale
    replacement (more than half the incoming keys new and more than half the stored ones gone),
    however small the table: a roster of another year or school is wrong at any size.
    """
    replace = stored > 0 and incoming > 0 and new * 2 > incoming and removed * 2 > stored
    trips = stored > 0 and removed > 0 and removed >= max(minimum, share * stored)
    return Removal(stored=stored, removed=removed, incoming=incoming, new=new, trips=trips or replace, replace=replace)
