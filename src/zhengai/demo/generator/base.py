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

COHORTS = (2021, 2022, 2023, 2024, 2025)
SIM_YEARS = (2021, 2022, 2023, 2024, 2025)  # terms simulated (attrition, engagement)
DATA_YEARS = (2023, 2024, 2025)  # academic years with data in the exports
WINDOW_START = dt.date(2023, 9, 1)
WINDOW_END = dt.date(2026, 8, 31)
EXPORT_MOMENT = dt.datetime(2026, 9, 1, 8, 0, 0)  # the day after the data window: file properties

# First Monday of teaching in each term (autumn: early September; spring: after the Spring Festival).
_TEACHING_START = {
    (2021, 1): dt.date(2021, 9, 6),
    (2021, 2): dt.date(2022, 2, 21),
    (2022, 1): dt.date(2022, 9, 5),
    (2022, 2): dt.date(2023, 2, 20),
    (2023, 1): dt.date(2023, 9, 4),
    (2023, 2): dt.date(2024, 2, 26),
    (2024, 1): dt.date(2024, 9, 2),
    (2024, 2): dt.date(2025, 2, 17),
    (2025, 1): dt.date(2025, 9, 1),
    (2025, 2): dt.date(2026, 3, 2),
}
TEACHING_WEEKS = 18
# Card and dorm-access exports are sampled: every on-campus student, all seven days of teaching
# weeks 7 and 14 of each term (weeks clear of the national holidays), not every day of the term.
SAMPLE_WEEKS = (7, 14)


@dataclass(frozen=True)
class TermInfo:
    index: int  # 0..9 over the simulated terms; data terms are 4..9
    start_year: int
    kind: int

    @property
    def code(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}-{self.kind}"

    @property
    def compact(self) -> str:
        return f"{self.start_year % 100:02d}{(self.start_year + 1) % 100:02d}{self.kind}"

    @property
    def is_data(self) -> bool:
        return self.start_year in DATA_YEARS

    @property
    def data_index(self) -> int:
        return self.index - 4

    @property
    def teaching_start(self) -> dt.date:
        return _TEACHING_START[(self.start_year, self.kind)]

    def day(self, week: int, weekday: int = 0) -> dt.date:
        """Date of a weekday (0 = Monday) in teaching week `week` (1-based)."""
        return self.teaching_start + dt.timedelta(days=7 * (week - 1) + weekday)

    @property
    def exam_start(self) -> dt.date:
        return self.day(TEACHING_WEEKS + 1)

    @property
    def makeup_start(self) -> dt.date:
        """补考: first week of the next term for autumn courses, the last week of August for spring ones."""
        if self.kind == 1:
            return _TEACHING_START[(self.start_year, 2)]
        return dt.date(self.start_year + 1, 8, 24)

    def semester_of(self, cohort: int) -> int:
        return 2 * (self.start_year - cohort) + self.kind


SIM_TERMS: tuple[TermInfo, ...] = tuple(
    TermInfo(i, year, kind) for i, (year, kind) in enumerate((y, k) for y in SIM_YEARS for k in (1, 2))
)
DATA_TERMS: tuple[TermInfo, ...] = tuple(t for t in SIM_TERMS if t.is_data)
TERM_BY_CODE = {t.code: t for t in SIM_TERMS}


def semester_matrix(cohorts: np.ndarray) -> np.ndarray:
    """Semester number (1..6 while in school) of each student in each simulated term."""
    years = np.array([t.start_year for t in SIM_TERMS])
    kinds = np.array([t.kind for t in SIM_TERMS])
    return 2 * (years[None, :] - cohorts[:, None]) + kinds[None, :]
