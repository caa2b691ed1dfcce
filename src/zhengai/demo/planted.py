"""The demo's planted problems as worklist items: which indicator must find each, on which entity.

Read from the `ground_truth.json` of the newest demo build, for `zhengai status` and the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from zhengai.lib.status import Planted

# (problem id in ground_truth.json, indicator, entity kind, field of the entity key)
PLANTED = [
    ("major_student_teacher_ratio", "ZY-SSB", "major", "major_code"),
    ("course_low_pass_rate", "KC-TGL", "course", "course_code"),
    ("class_sliding", "XS-BJXH", "class", "class_code"),
    ("teacher_training_short", "JS-PXXS", "teacher", "staff_no"),
    ("teacher_no_enterprise_practice", "JS-QYSJ", "teacher", "staff_no"),
    ("teacher_low_evaluation", "JS-PJ", "teacher", "staff_no"),
    ("plan_breaks_rules", "ZY-FA-ZXS", "major", "major_code"),
    ("major_low_report_rate", "ZY-BDL", "major", "major_code"),
    ("major_low_employment", "ZY-JYL", "major", "major_code"),
    ("student_red_warning", "XS-GK", "student", "student_no"),
]


def planted_items(truth: dict) -> list[Planted]:
    problems = {p["id"]: p for p in truth.get("problems", [])}
    out: list[Planted] = []
    seen: set[tuple[str, str]] = set()
    for problem, code, kind, field in PLANTED:
        for entity in problems.get(problem, {}).get("entities", []):
            if (code, entity[field]) not in seen:  # a problem may list one entity once per period or part
                seen.add((code, entity[field]))
                out.append(Planted(problem, code, kind, entity[field]))
    return out


def planted_of_latest_build() -> list[Planted]:
    from zhengai.demo.models import DemoBuild

    build = DemoBuild.objects.order_by("-created").first()
    if build is None:
        return []
    path = Path(build.out_dir) / "ground_truth.json"
    if not path.exists():
        return []
    return planted_items(json.loads(path.read_text(encoding="utf-8")))
