"""Other names a source system gives a standard field's column: English, pinyin, pinyin initials.

Campus systems export headers such as `student_no`, `StudentID`, `xh` or `XH` for 学号 and `xm`
for 姓名. `SYNONYMS` lists, per standard field name (the same name means the same thing in every
table), the spellings seen in exports; matching ignores case, spaces, `_` and `-`. On top of these
every field also answers to the pinyin initials of its Chinese label (学号 → xh, 出生日期 → csrq).

The initials come from the GB2312 order of the commonly used characters (its first level is sorted
by pinyin), so no dictionary is needed; a character outside that level has no initial and the
label then gives none.
"""

from __future__ import annotations

import bisect

# field name → other headers for it (lower case, without spaces, "_" or "-").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "student_no": ("studentid", "studentno", "studentnumber", "stuno", "stuid", "sno", "xuehao", "xsbh"),
    "staff_no": ("staffid", "staffno", "employeeid", "employeeno", "empno", "empid", "teacherid", "teacherno",
                 "gonghao", "zgh", "jsgh"),
    "name": ("xingming", "fullname", "studentname", "teachername", "stuname"),
    "gender": ("sex", "xingbie"),
    "birth_date": ("birthday", "birthdate", "dateofbirth", "dob", "chushengriqi"),
    "birth_year": ("birthyear", "yearofbirth"),
    "dept_code": ("deptid", "deptno", "departmentid", "departmentcode", "bmbh", "yxdm"),
    "dept_name": ("dept", "department", "departmentname", "bumen"),
    "major_code": ("majorid", "majorno", "specialtycode", "zyh", "zybh"),
    "major_name": ("major", "specialty", "zhuanye"),
    "class_code": ("classid", "classno", "bjh", "bjbh"),
    "class_name": ("class", "classname", "banji"),
    "cohort": ("enrollyear", "entryyear", "intake", "nianji", "rxnf"),
    "course_code": ("courseid", "courseno", "kch", "kcbh"),
    "course_name": ("course", "coursename", "kecheng"),
    "term": ("semester", "xueqi", "xnxq"),
    "score": ("mark", "marks", "chengji"),
    "credits": ("credit", "xuefen"),
    "status": ("xjzt",),
    "card_no": ("cardid", "cardno", "cardnumber", "kahao"),
    "amount": ("money", "jine"),
    "txn_id": ("txnid", "transactionid", "serialno", "lsh"),
    "txn_time": ("txntime", "transactiontime", "jysj"),
    "hire_date": ("hiredate", "entrydate", "rzrq"),
    "title_level": ("titlelevel",),
    "degree": ("xuewei",),
    "education": ("xueli",),
    "academic_year": ("academicyear", "schoolyear", "xuenian"),
}  # fmt: skip

# First GB2312 code of each initial (level one, 0xB0A1–0xD7F9, is in pinyin order; no i, u, v).
_BOUNDS = [
    (0xB0A1, "a"), (0xB0C5, "b"), (0xB2C1, "c"), (0xB4EE, "d"), (0xB6EA, "e"), (0xB7A2, "f"), (0xB8C1, "g"),
    (0xB9FE, "h"), (0xBBF7, "j"), (0xBFA6, "k"), (0xC0AC, "l"), (0xC2E8, "m"), (0xC4C3, "n"), (0xC5B6, "o"),
    (0xC5BE, "p"), (0xC6DA, "q"), (0xC8BB, "r"), (0xC8F6, "s"), (0xCBFA, "t"), (0xCDDA, "w"), (0xCEF4, "x"),
    (0xD1B9, "y"), (0xD4D1, "z"),
]  # fmt: skip
_CODES = [code for code, _ in _BOUNDS]
_LAST = 0xD7F9


def initial(char: str) -> str | None:
    """The pinyin initial of one commonly used character ('学' → 'x'); ASCII letters and digits stand for themselves."""
    if char.isascii():
        return char.lower() if char.isalnum() else None
    try:
        raw = char.encode("gb2312")
    except UnicodeEncodeError:
        return None
    if len(raw) != 2:
        return None
    code = raw[0] << 8 | raw[1]
    if not _CODES[0] <= code <= _LAST:
        return None
    return _BOUNDS[bisect.bisect_right(_CODES, code) - 1][1]


def initials(label: str) -> str | None:
    """'出生日期' → 'csrq'; None when a character has no known initial."""
    out = []
    for char in label:
        if char.isspace():
            continue
        letter = initial(char)
        if letter is None:
            return None
        out.append(letter)
    return "".join(out) or None


def other_names(field_name: str, label: str) -> list[str]:
    """What else a header for this field may say: the synonyms, then the initials of the label."""
    names = list(SYNONYMS.get(field_name, ()))
    short = label.split("（")[0]
    for text in (short, label):
        abbreviation = initials(text)
        if abbreviation and len(abbreviation) >= 2 and abbreviation not in names:
            names.append(abbreviation)
    return names
