"""Shared pieces of the generator: frames, random streams, the demo calendar.

A frame is a dict of equally long numpy arrays, keyed by standard field names (see
`zhengai.datacenter.standard`) plus generator-only columns whose names start with "_" (student
indices, latent values, names repeated in event exports). Writers turn frames into source files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

Frame = dict[str, np.ndarray]


class Stream(IntEnum):
    """One independent random stream per component, so adding a component never shifts another."""

    STUDENTS = 2
    ENGAGEMENT = 3
    ATTRITION = 4
    PLANTS = 5
    COURSES = 6
    TEACHERS = 7
    ASSIGN = 8
    GRADES = 9
    ATTENDANCE = 10
    EVALUATION = 11
    OBSERVATION = 12
    CARD = 13
    DORM = 14
    LIBRARY = 15
    AWARDS = 16
    DISCIPLINE = 17
    FITNESS = 18
    PSYCH = 19
    ADMISSIONS = 20
    EMPLOYMENT = 21
    TRAINING = 22
    PRACTICE = 23
    RESEARCH = 24
    SCHOOL = 25
    ONLINE = 26


def rng_for(seed: int, stream: Stream, *keys: int) -> np.random.Generator:
    """A generator for one component (and optionally one term or major) of one seed."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream), *map(int, keys)]))


def obj(values: Iterable) -> np.ndarray:
    """An object array (strings, None) from any iterable, without numpy guessing a dtype."""
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def where(cond: np.ndarray, yes: str, no: str) -> np.ndarray:
    """np.where for strings, as an object array sharing two string objects (not one per row)."""
    return obj((no, yes))[np.asarray(cond).astype(np.int64)]


def frame_len(frame: Frame) -> int:
    return len(next(iter(frame.values()))) if frame else 0


def frame_concat(frames: Sequence[Frame]) -> Frame:
    frames = [f for f in frames if f and frame_len(f)]
    if not frames:
        return {}
    keys = list(frames[0])
    return {key: np.concatenate([f[key] for f in frames]) for key in keys}


def serial_ids(prefix: str, count: int, width: int, days: np.ndarray | None = None, start: int = 1) -> np.ndarray:
    """prefix + optional YYYYMMDD + zero-padded serial number, built without a Python loop."""
    serial = np.strings.zfill(np.arange(start, start + count).astype(str), width)
    if days is not None:
        compact = np.strings.replace(np.datetime_as_string(days.astype("datetime64[D]")), "-", "")
        serial = np.strings.add(compact, serial)
    return np.strings.add(prefix, serial) if prefix else serial


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split an integer total by weights (largest remainder), giving each at least `minimum`."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    base = np.full(n, minimum if total >= minimum * n else 0, dtype=np.int64)
    rest = total - int(base.sum())
    share = weights / weights.sum() * rest
    out = np.floor(share).astype(np.int64)
    remainder = rest - int(out.sum())
    order = np.lexsort((np.arange(n), -(share - out)))
    out[order[:remainder]] += 1
    return base + out


def group_rank(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rank (0 = smallest value) of each row within its group of equal keys."""
    order = np.lexsort((values, keys))
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(keys)])
    rank_sorted = np.arange(len(keys)) - np.repeat(starts, sizes)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = rank_sorted
    return rank


def group_size(keys: np.ndarray) -> np.ndarray:
    """The size of each row's group of equal keys."""
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse]


def to_day(d: dt.date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


# ------------------------------------------------------------------------------------------ calendar

TEACHING_WEEKS = 18
# Card and dorm-access exports are sampled: every on-campus student, all seven days of teaching
# weeks 7 and 14 of each term (weeks clear of the national holidays), not every day of the term.
SAMPLE_WEEKS = (7, 14)
SIM_BEFORE = 2  # academic years simulated before the data years (cohorts that are in school then)
SPRING_EARLIEST = (2, 20)  # spring teaching starts on the first Monday on or after 20 February


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def teaching_start(start_year: int, kind: int) -> dt.date:
    """First day of teaching: the first Monday of September; in spring the first Monday on or after
    20 February (after the Spring Festival break in most years). A rule, not a table of years."""
    if kind == 1:
        return _monday_on_or_after(dt.date(start_year, 9, 1))
    return _monday_on_or_after(dt.date(start_year + 1, *SPRING_EARLIEST))


@dataclass(frozen=True)
class TermInfo:
    index: int  # 0.. over the simulated terms; the data terms start at index 2 * SIM_BEFORE
    start_year: int
    kind: int

    @property
    def code(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}-{self.kind}"

    @property
    def compact(self) -> str:
        return f"{self.start_year % 100:02d}{(self.start_year + 1) % 100:02d}{self.kind}"

    @property
    def data_index(self) -> int:
        return self.index - 2 * SIM_BEFORE

    @property
    def teaching_start(self) -> dt.date:
        return teaching_start(self.start_year, self.kind)

    def day(self, week: int, weekday: int = 0) -> dt.date:
        """Date of a weekday (0 = Monday) in teaching week `week` (1-based)."""
        return self.teaching_start + dt.timedelta(days=7 * (week - 1) + weekday)

    @property
    def exam_start(self) -> dt.date:
        return self.day(TEACHING_WEEKS + 1)

    @property
    def grades_published(self) -> dt.date:
        """The Monday after the two exam weeks: the term's first-attempt grades are in the 教务 system."""
        return self.day(TEACHING_WEEKS + 3)

    @property
    def evaluation_closed(self) -> dt.date:
        """学生评教 runs in teaching weeks 15–17 and closes on the Friday of week 17."""
        return self.day(17, 4)

    @property
    def makeup_start(self) -> dt.date:
        """补考: first week of the next term for autumn courses, the last week of August for spring ones."""
        if self.kind == 1:
            return teaching_start(self.start_year, 2)
        return dt.date(self.start_year + 1, 8, 24)

    @property
    def makeup_published(self) -> dt.date:
        return self.makeup_start + dt.timedelta(days=7)

    def semester_of(self, cohort: int) -> int:
        return 2 * (self.start_year - cohort) + self.kind


@dataclass(frozen=True)
class Timeline:
    """The demo college's calendar, built from the day the demo is opened (`zhengai demo --today`).

    Three academic years of data end with the current one (the 学年 containing `today`); two more
    years are simulated before them so that the older cohorts have a history. Every record is
    dated before `today`: the data runs up to yesterday.
    """

    today: dt.date

    @property
    def year(self) -> int:
        """Start year of the current 学年 (1 September – 31 August)."""
        return self.today.year if self.today.month >= 9 else self.today.year - 1

    @property
    def yesterday(self) -> dt.date:
        return self.today - dt.timedelta(days=1)

    @property
    def data_years(self) -> tuple[int, ...]:
        return (self.year - 2, self.year - 1, self.year)

    @property
    def sim_years(self) -> tuple[int, ...]:
        return tuple(range(self.year - 2 - SIM_BEFORE, self.year + 1))

    @property
    def cohorts(self) -> tuple[int, ...]:
        return self.sim_years

    @property
    def window_start(self) -> dt.date:
        return dt.date(self.data_years[0], 9, 1)

    @property
    def export_moment(self) -> dt.datetime:
        """When the source systems wrote their exports (file properties): 08:00 on `today`."""
        return dt.datetime.combine(self.today, dt.time(8, 0))

    @property
    def sim_terms(self) -> tuple[TermInfo, ...]:
        pairs = [(y, k) for y in self.sim_years for k in (1, 2)]
        return tuple(TermInfo(i, y, k) for i, (y, k) in enumerate(pairs))

    @property
    def data_terms(self) -> tuple[TermInfo, ...]:
        """The terms of the data years whose teaching has begun."""
        return tuple(t for t in self.sim_terms if t.data_index >= 0 and t.teaching_start < self.today)

    @property
    def graded_terms(self) -> tuple[TermInfo, ...]:
        """The data terms whose first-attempt grades are published."""
        return tuple(t for t in self.data_terms if t.grades_published < self.today)

    @property
    def last_graded_term(self) -> TermInfo:
        return self.graded_terms[-1]

    @property
    def evaluated_terms(self) -> tuple[TermInfo, ...]:
        return tuple(t for t in self.data_terms if t.evaluation_closed < self.today)

    def term(self, code: str) -> TermInfo:
        return next(t for t in self.sim_terms if t.code == code)

    def first_term(self, year: int) -> TermInfo:
        return next(t for t in self.sim_terms if t.start_year == year and t.kind == 1)

    def graduated(self, cohort: int) -> bool:
        """Three-year programmes graduate on 30 June of their third year."""
        return graduation_day(cohort) < self.today

    def semester_matrix(self, cohorts: np.ndarray) -> np.ndarray:
        """Semester number (1..6 while in school) of each student in each simulated term."""
        years = np.array([t.start_year for t in self.sim_terms])
        kinds = np.array([t.kind for t in self.sim_terms])
        return 2 * (years[None, :] - cohorts[:, None]) + kinds[None, :]

    def before_today(self, days: np.ndarray) -> np.ndarray:
        """Mask of the dates (or timestamps) that fall before `today`."""
        return np.asarray(days).astype("datetime64[D]") < to_day(self.today)


def graduation_day(cohort: int) -> dt.date:
    return dt.date(cohort + 3, 6, 30)


def frame_filter(frame: Frame, mask: np.ndarray) -> Frame:
    return {k: v[mask] for k, v in frame.items()}
