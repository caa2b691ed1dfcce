"""Detect a CSV file's encoding: UTF-8 (with or without BOM), GBK / GB18030, UTF-16 with BOM.

Two steps. `detect` looks only at the start of the file (cheap, so a million-row file is not
decoded twice): it refuses what is not text at all (an .xls, .xlsx, .doc or PDF with a .csv name,
binary junk), UTF-16 without a BOM and text that reads as mojibake in GBK (Big5, Shift-JIS), and
says which codec the CSV reader should use. When the reader then meets a byte that does not fit,
`decode` goes through the whole file and names the first line that is wrong: a mixed file (UTF-8
lines and GBK lines), an unknown encoding, or a file cut off in the middle of a character.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass

from zhengai.datacenter.connectors import SourceError

Bytes = bytes | mmap.mmap
_SAMPLE_LINES = 2000
_HEAD = 1 << 16
_REENCODE = "请用 Excel 或记事本“另存为”UTF-8 或 GBK 编码的 CSV 后重新上传"


@dataclass(frozen=True)
class Detected:
    encoding: str  # what we tell the clerk: UTF-8, UTF-8（带 BOM）, GBK/GB18030, UTF-16
    codec: str  # what the reader decodes with: "utf-8" or "gb18030"
    payload: bytes | memoryview  # the bytes to read with that codec (without a BOM)


@dataclass(frozen=True)
class Decoded:
    encoding: str
    utf8: bytes  # the content as UTF-8, without BOM
    truncated_line: int | None = None  # the file ends inside a character on this line (dropped)


def _line_of(data: bytes | memoryview, pos: int) -> int:
    return bytes(data[:pos]).count(b"\n") + 1


_MISREAD = re.compile("[\u0080-\u07ff]")  # what GBK bytes look like when they pass as UTF-8
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")
_PUA = re.compile("[\ue000-\uf8ff]")
_BLANK = re.compile(rb"[ \t\r\n\x00\x0b\x0c]*\Z")
_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003 工作簿（.xls）或 Word 文档（.doc）等旧版 Office 文件"),
    (b"PK\x03\x04", "xlsx、docx 等压缩格式的文件"),
    (b"%PDF", "PDF 文件"),
    (b"{\\rtf", "RTF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
)


def _is_utf8(line: bytes) -> bool:
    """A line is UTF-8 text if it decodes and reads as Chinese, not as the Latin/Cyrillic soup GBK makes."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _MISREAD.search(text) or bool(_CJK.search(text))


def _gbk_mojibake(text: str) -> bool:
    """Text decoded as GBK that is really Big5, Shift-JIS or similar: private-use and rare characters.

    Clerks' GBK files are nearly all GB2312 characters (rare name characters aside); Big5 read as
    GBK yields private-use code points and kana, Shift-JIS yields almost only rare characters.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if len(wide) < 6:
        return False
    pua = len(_PUA.findall(text))
    rare = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return (pua >= 2 and pua * 20 > len(wide)) or rare * 10 > len(wide) * 6


def _reads_as_utf8(prefix: bytes) -> bool:
    """Valid UTF-8 that reads as Chinese (GBK bytes can pass as UTF-8 for a few characters, as Cyrillic)."""
    try:
        text = prefix.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(_CJK.search(text))


def _not_gbk(data: bytes, pos: int, file: str) -> SourceError:
    """GB18030 stopped at `pos`: a UTF-8 line among GBK ones, or an encoding that is neither."""
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    line = data[start : end if end >= 0 else len(data)]
    number = _line_of(data, pos)
    if _reads_as_utf8(line.rstrip(b"\r")) and not data[:start].isascii():
        return SourceError(f"文件“{file}”编码混杂：大部分行是 GBK 编码，第 {number} 行却是 UTF-8 编码。{_REENCODE}")
    return SourceError(
        f"文件“{file}”无法识别编码：既不是 UTF-8 也不是 GBK/GB18030（第 {number} 行出现无法解码的字节）。{_REENCODE}"
    )


def _refuse_binary(data: Bytes, file: str) -> None:
    for magic, what in _MAGIC:
        if data[: len(magic)] == magic:
            raise SourceError(
                f"文件“{file}”不是 CSV 文本文件：它实际上是{what}，只是扩展名是 .csv。"
                "请在原软件中另存为 CSV（或直接上传 xlsx 工作簿）后重新上传"
            )
    head = data[:4096]
    nul = head.count(b"\x00")
    if nul:
        even, odd = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
        if nul * 10 >= len(head) and max(even, odd) * 10 >= 9 * nul:
            raise SourceError(
                f"文件“{file}”看起来是 UTF-16 编码，但开头没有 BOM 标记，无法可靠识别。{_REENCODE}"
                "（Excel 中选“CSV UTF-8（逗号分隔）”）"
            )
        raise SourceError(f"文件“{file}”不是 CSV 文本文件（含有二进制内容），请确认上传的是 CSV 文件")


def detect(data: Bytes, *, file: str) -> Detected:
    """Decide the encoding from the start of the file; raise SourceError for what cannot be CSV text.

    `data` may be a memory map of the file: only its start is read here.
    """
    if _BLANK.match(data):
        raise SourceError(f"文件“{file}”是空的，没有任何内容")
    start = data[:4]
    if start.startswith(b"\xef\xbb\xbf"):
        return Detected("UTF-8（带 BOM）", "utf-8", memoryview(data)[3:])
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = bytes(data).decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"文件“{file}”标明为 UTF-16 编码，但内容无法按 UTF-16 解码（第 {exc.start} 个字节处），"
                f"文件可能已损坏。{_REENCODE}"
            ) from None
        return Detected("UTF-16", "utf-8", text.encode("utf-8"))
    _refuse_binary(data, file)
    head = data[:_HEAD]
    if len(data) > _HEAD:
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    try:
        text = head.decode("utf-8")
        if _CJK.search(text) or not _MISREAD.search(text):
            return Detected("UTF-8", "utf-8", data)
    except UnicodeDecodeError as exc:
        if _reads_as_utf8(head[: exc.start]):
            # UTF-8 Chinese first, then a byte that is not: let the full decode name the line.
            return Detected("UTF-8", "utf-8", data)
    try:
        text = head.decode("gb18030")
    except UnicodeDecodeError as exc:
        if exc.reason == "incomplete multibyte sequence" and exc.end >= len(head) == len(data):
            return Detected("GBK/GB18030", "gb18030", data)  # cut off inside a character: decode() says so
        raise _not_gbk(head, exc.start, file) from None
    if _gbk_mojibake(text):
        raise SourceError(
            f"文件“{file}”无法识别编码：既不是 UTF-8 也不是 GBK/GB18030（按 GBK 读出来是乱码，"
            f"可能是繁体 Big5 或日文 Shift-JIS 编码）。{_REENCODE}"
        )
    _refuse_utf8_lines_in_gbk(data, file=file)
    return Detected("GBK/GB18030", "gb18030", data)


def decode(data: Bytes, *, file: str) -> Decoded:
    """Decode the whole file, naming the first line that does not fit (slow path, exact messages)."""
    detected = detect(data, file=file)
    if detected.encoding == "UTF-16":
        return Decoded("UTF-16", bytes(detected.payload))
    body = bytes(detected.payload)
    if detected.codec == "utf-8":
        try:
            body.decode("utf-8")
            return Decoded(detected.encoding, body)
        except UnicodeDecodeError as exc:
            if exc.end >= len(body) and exc.reason == "unexpected end of data":
                return Decoded(detected.encoding, body[: exc.start], truncated_line=_line_of(body, exc.start))
            line = _line_of(body, exc.start)
            if detected.encoding.startswith("UTF-8（带 BOM）") or _reads_as_utf8(body[: exc.start]):
                raise SourceError(
                    f"文件“{file}”编码混杂：前 {line - 1} 行是 UTF-8 编码，第 {line} 行不是"
                    f"（可能混入了 GBK 编码的内容）。{_REENCODE}"
                ) from None
        # Only ASCII before the first non-UTF-8 byte: a GBK file whose Chinese starts late.
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError as exc:
        if exc.end >= len(body) and exc.reason == "incomplete multibyte sequence":
            cut = body[: exc.start]
            return Decoded(
                "GBK/GB18030", cut.decode("gb18030").encode("utf-8"), truncated_line=_line_of(body, exc.start)
            )
        raise _not_gbk(body, exc.start, file) from None
    if _gbk_mojibake(text[:_HEAD]) or _gbk_mojibake(text[-_HEAD:]):
        raise SourceError(
            f"文件“{file}”无法识别编码：既不是 UTF-8 也不是 GBK/GB18030（按 GBK 读出来是乱码，"
            f"可能是繁体 Big5 或日文 Shift-JIS 编码）。{_REENCODE}"
        )
    _refuse_utf8_lines_in_gbk(body, file=file)
    return Decoded("GBK/GB18030", text.encode("utf-8"))


def _line_at(data: Bytes, pos: int) -> tuple[int, bytes]:
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    return start, data[start : end if end >= 0 else len(data)]


def _refuse_utf8_lines_in_gbk(data: Bytes, *, file: str) -> None:
    """A GBK file with a block of UTF-8 lines pasted in decodes as GB18030 into mojibake: find it.

    Lines are sampled at evenly spaced byte positions (no pass over the whole file); the ones with
    Chinese are judged UTF-8 or not. When the samples disagree, the first line of the minority
    encoding is located exactly by scanning the lines between the last agreeing sample and it.
    """
    size = len(data)
    step = max(1, size // _SAMPLE_LINES)
    samples: list[tuple[bool, int]] = []  # (is UTF-8, line start)
    seen: set[int] = set()
    for pos in range(0, size, step):
        start, line = _line_at(data, pos)
        if start in seen or line.isascii():
            continue
        seen.add(start)
        samples.append((_is_utf8(line), start))
    verdicts = [v for v, _ in samples]
    if len(samples) < 2 or all(verdicts) or not any(verdicts):
        return
    majority_utf8 = sum(verdicts) * 2 > len(verdicts)
    previous = 0
    for verdict, start in samples:
        if verdict != majority_utf8:
            pos = previous
            while pos <= start:
                end = data.find(b"\n", pos)
                end = size if end < 0 else end
                line = data[pos:end]
                if not line.isascii() and _is_utf8(line) != majority_utf8:
                    start = pos
                    break
                pos = end + 1
            kinds = ("UTF-8", "GBK") if majority_utf8 else ("GBK", "UTF-8")
            raise SourceError(
                f"文件“{file}”编码混杂：大部分行是 {kinds[0]} 编码，第 {_line_of(data, start)} 行却是 {kinds[1]} 编码。"
                f"{_REENCODE}"
            )
        previous = start
