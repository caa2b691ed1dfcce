"""Detect a CSV file's encoding: UTF-8 (with or without BOM), GBK / GB18030; refuse mixed files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhengai.datacenter.connectors import SourceError

_SAMPLE_LINES = 600


@dataclass(frozen=True)
class Decoded:
    encoding: str  # what we tell the clerk: UTF-8, UTF-8（带 BOM）, GBK/GB18030
    utf8: bytes  # the content as UTF-8, without BOM


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


_MISREAD = re.compile("[\u0080-\u07ff]")  # what GBK bytes look like when they pass as UTF-8
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")


def _is_utf8(line: bytes) -> bool:
    """A line is UTF-8 text if it decodes and reads as Chinese, not as the Latin/Cyrillic soup GBK makes."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _MISREAD.search(text) or bool(_CJK.search(text))


def decode(data: bytes, *, file: str) -> Decoded:
    if not data.strip(b" \t\r\n\x00"):
        raise SourceError(f"文件“{file}”是空的，没有任何内容")
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = _line_of(body, exc.start)
            raise SourceError(
                f"文件“{file}”编码混杂：文件标明为 UTF-8（带 BOM），但第 {line} 行不是 UTF-8 编码"
                "（可能混入了 GBK 编码的内容），请统一另存为一种编码后重新上传"
            ) from None
        return Decoded("UTF-8（带 BOM）", body)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise SourceError(f"文件“{file}”标明为 UTF-16 编码但内容无法解码") from None
        return Decoded("UTF-16", text.encode("utf-8"))
    try:
        text = data.decode("utf-8")
        # A short GBK file can happen to be valid UTF-8; it then reads as Latin/Cyrillic, not Chinese.
        if _CJK.search(text) or not _MISREAD.search(text):
            return Decoded("UTF-8", data)
        first_bad = 0
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    prefix = data[:first_bad]
    if any(b >= 0x80 for b in prefix[-65536:]) or not prefix.isascii():
        line = _line_of(data, first_bad)
        raise SourceError(
            f"文件“{file}”编码混杂：前 {line - 1} 行是 UTF-8 编码，第 {line} 行不是"
            "（可能混入了 GBK 编码的内容），请统一另存为一种编码后重新上传"
        )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise SourceError(
            f"文件“{file}”无法识别编码：既不是 UTF-8 也不是 GBK/GB18030（第 {line} 行出现无法解码的字节）"
        ) from None
    _refuse_utf8_lines_in_gbk(data, file=file)
    return Decoded("GBK/GB18030", text.encode("utf-8"))


def _refuse_utf8_lines_in_gbk(data: bytes, *, file: str) -> None:
    """A GBK file with a block of UTF-8 lines pasted in decodes as GB18030 into mojibake: find it.

    Lines with non-ASCII bytes are sampled evenly; a UTF-8-valid line among GBK ones is then
    located exactly by scanning from the last GBK sample before it.
    """
    lines = data.split(b"\n")
    candidates = [i for i, line in enumerate(lines) if not line.isascii()]
    if len(candidates) < 2:
        return
    step = max(1, len(candidates) // _SAMPLE_LINES)
    sample = candidates[::step]
    verdicts = [(_is_utf8(lines[i]), i) for i in sample]
    if not any(v for v, _ in verdicts) or all(v for v, _ in verdicts):
        return
    majority_utf8 = sum(v for v, _ in verdicts) * 2 > len(verdicts)
    previous = 0
    for verdict, i in verdicts:
        if verdict != majority_utf8:
            for j in candidates:
                if previous <= j <= i and _is_utf8(lines[j]) != majority_utf8:
                    i = j
                    break
            kinds = ("UTF-8", "GBK") if majority_utf8 else ("GBK", "UTF-8")
            raise SourceError(
                f"文件“{file}”编码混杂：大部分行是 {kinds[0]} 编码，第 {i + 1} 行却是 {kinds[1]} 编码，"
                "请统一另存为一种编码后重新上传"
            )
        previous = i
