"""Subtitle formats as pure `to_string` / `from_string`, with thin `load` / `save` around them.

SRT is written UTF-8 without BOM, numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after each cue.
Reading is strict by default (`srt_from_string`); `load_srt` is lenient on purpose where the meaning is certain
(BOM, CRLF, cp1256/cp1252 files, missing blank lines or numbers, `.` for `,`, unpadded fields) and logs each
leniency; anything else is a `SubtitleParseError` naming the file, the line and what was expected.
`parse_srt_blocks` keeps numbering, raw timecodes and problems per block, for QC.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.cache import atomic_write_text
from pipeline.errors import SubtitleParseError
from pipeline.types import Cue, format_timestamp

log = logging.getLogger(__name__)

EXPECTED_TIMING = "a timecode line 'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
_STRICT = re.compile(r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d),(\d{3})")
# Sloppy but certain: one-digit fields, '.' or ':' before milliseconds, odd spacing, '->', trailing position.
_TIME = r"(\d{1,3}):(\d{1,2}):(\d{1,2})[,.:](\d{3})"
_LENIENT = re.compile(rf"\s*{_TIME}\s*-{{1,2}}>\s*{_TIME}(\s+[A-Za-z].*)?\s*")
_LOOKS_TIMED = re.compile(r".*\d.*-+>.*\d.*|\s*\d+:\d+:\d+\S*\s*$")


def srt_to_string(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms)} --> {format_timestamp(c.end_ms)}\n" + "\n".join(c.lines) + "\n"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def save_srt(path: str | os.PathLike[str], cues: Iterable[Cue]) -> None:
    atomic_write_text(path, srt_to_string(cues))


# ----------------------------------------------------------------------------------------------------- WebVTT

_VTT_TAG = re.compile(r"</?[ibu]>")


def _vtt_text(line: str) -> str:
    """Escape for WebVTT, keeping <i> <b> <u>; <font> has no WebVTT meaning and is dropped."""
    line = re.sub(r"</?font[^>]*>", "", line)
    parts = _VTT_TAG.split(line)
    tags = _VTT_TAG.findall(line)
    escaped = [p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in parts]
    out = escaped[0]
    for tag, part in zip(tags, escaped[1:], strict=True):
        out += tag + part
    return out.replace("--&gt;", "\u2192")


def vtt_to_string(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms, '.')} --> {format_timestamp(c.end_ms, '.')}\n"
        + "\n".join(_vtt_text(line) for line in c.lines) + "\n"
        for i, c in enumerate(cues, start=1)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


# ------------------------------------------------------------------------------------------------ decoding

_CP1252_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _guess_legacy(data: bytes) -> str:
    """cp1256 (Arabic Windows) or cp1252 (Western Windows) for bytes that are not UTF-8.

    Arabic words are runs of high bytes; accented Latin letters sit alone between ASCII letters.
    """
    if any(b in _CP1252_HOLES for b in data):
        return "cp1256"
    high = [i for i, b in enumerate(data) if b >= 0x80]
    if not high:
        return "cp1252"
    marks = set(high)
    in_runs = sum(1 for i in high if i - 1 in marks or i + 1 in marks)
    return "cp1256" if in_runs / len(high) > 0.5 else "cp1252"


def reject_binary(data: bytes, source: str) -> None:
    """NUL bytes outside UTF-16 mean a video or other binary file: one error, not a page of mojibake."""
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SubtitleParseError(source, None, "not a text subtitle file (binary data)")


def decode_srt(data: bytes, source: str = "<bytes>") -> tuple[str, list[str]]:
    """Text with '\\n' line ends, and the leniencies used to get it (BOM, legacy encoding, CRLF).

    Binary data (NUL bytes, not UTF-16 with a byte-order mark) is a SubtitleParseError.
    """
    reject_binary(data, source)
    notes: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8"
        notes.append("UTF-8 byte-order mark ignored")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        notes.append("UTF-16 file (with byte-order mark) read")
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8" or notes:
            line = data[:exc.start].count(b"\n") + 1
            raise SubtitleParseError(source, line, f"expected valid {encoding} text") from None
        encoding = _guess_legacy(data)
        text = data.decode(encoding)
        notes.append(f"not UTF-8: read as {encoding} ({'Arabic' if encoding == 'cp1256' else 'Western'} Windows)")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("CRLF line ends read as LF")
    return text, notes


def read_srt_text(path: str | os.PathLike[str]) -> str:
    """A subtitle file's text, whatever its (BOM, legacy) encoding; each leniency is logged."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SubtitleParseError(str(path), None, f"cannot be read ({exc.strerror or exc})") from None
    text, notes = decode_srt(data, str(path))
    for note in notes:
        log.warning("%s: %s", path, note)
    return text


# ------------------------------------------------------------------------------------------------- parsing

@dataclass(frozen=True)
class SrtBlock:
    """One cue as written, for QC: its number and timecode as found, and what was wrong or lenient."""

    line: int  # 1-based line of the block's first line
    number: int | None  # None when missing or not a number
    timing_line: int | None
    timing: str  # the timecode line as written ("" when missing)
    start_ms: int | None  # None when the timecode cannot be read
    end_ms: int | None
    lines: tuple[str, ...]
    leniencies: tuple[str, ...] = ()  # repairs whose meaning is certain
    error: str | None = None  # what was expected, when the block cannot be read

    def cue(self) -> Cue:
        assert self.start_ms is not None and self.end_ms is not None
        return Cue(self.start_ms, self.end_ms, self.lines)


def _ms(h: str, m: str, s: str, milli: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(milli)


def parse_timing(line: str) -> tuple[int, int, bool]:
    """(start_ms, end_ms, sloppy) of a timecode line; ValueError when it is not one."""
    strict = _STRICT.fullmatch(line)
    if strict:
        g = strict.groups()
        return _ms(*g[:4]), _ms(*g[4:]), False
    loose = _LENIENT.fullmatch(line)
    if loose:
        g = loose.groups()
        if all(int(x) < 60 for x in (g[1], g[2], g[5], g[6])):
            return _ms(*g[:4]), _ms(*g[4:8]), True
    raise ValueError(EXPECTED_TIMING)


def _is_timing(line: str) -> bool:
    try:
        parse_timing(line)
    except ValueError:
        return False
    return True


def _starts_block(lines: list[str], k: int) -> bool:
    """A cue number followed by a timecode, or a bare timecode: a new cue even without a blank line."""
    if _is_timing(lines[k]):
        return True
    return lines[k].strip().isdigit() and k + 1 < len(lines) and _is_timing(lines[k + 1])


def parse_srt_blocks(text: str) -> list[SrtBlock]:
    """Every block of an SRT text, readable or not; never raises (problems are kept on the blocks)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    blocks: list[SrtBlock] = []
    k = 0
    while k < len(lines):
        if not lines[k].strip():
            k += 1
            continue
        block, k = _read_block(lines, k, separated=not blocks or not lines[k - 1].strip())
        blocks.append(block)
    return blocks


def _read_block(lines: list[str], k: int, separated: bool) -> tuple[SrtBlock, int]:
    first = k
    notes: list[str] = [] if separated else ["missing blank line before this cue"]
    head = lines[k].strip()
    number: int | None = None
    if head.isdigit() and not _is_timing(lines[k]):
        number, k = int(head), k + 1
    elif not _is_timing(lines[k]) and not _LOOKS_TIMED.fullmatch(lines[k]):
        return _broken(lines, first, k, None, "a cue number")
    else:
        notes.append("cue number missing")
    if k >= len(lines) or not lines[k].strip():
        return _broken(lines, first, k, number, EXPECTED_TIMING)
    timing_line, timing = k, lines[k]
    try:
        start, end, sloppy = parse_timing(timing)
    except ValueError:
        return _broken(lines, first, timing_line, number, EXPECTED_TIMING)
    if sloppy:
        notes.append(f"sloppy timecode {timing.strip()!r} read as {format_timestamp(start)} --> "
                     f"{format_timestamp(end)}")
    k += 1
    text: list[str] = []
    while k < len(lines) and lines[k].strip() and not _starts_block(lines, k):
        text.append(lines[k].rstrip())
        k += 1
    return SrtBlock(first + 1, number, timing_line + 1, timing.strip(), start, end, tuple(text),
                    tuple(notes)), k


def _broken(lines: list[str], first: int, bad: int, number: int | None, expected: str) -> tuple[SrtBlock, int]:
    """A block that cannot be read: keep its text, skip to the next blank line or cue."""
    k = bad + 1 if bad < len(lines) else bad
    while k < len(lines) and lines[k].strip() and not _starts_block(lines, k):
        k += 1
    raw = tuple(line.rstrip() for line in lines[bad + 1:k]) if bad < len(lines) else ()
    timing = lines[bad].strip() if bad < len(lines) else ""
    return SrtBlock(first + 1, number, bad + 1, timing, None, None, raw,
                    error=f"expected {expected}, found {timing[:40]!r}" if timing else f"expected {expected}"), k


def _block_problem(block: SrtBlock) -> tuple[int, str] | None:
    """(line, expected) for what no leniency can repair."""
    if block.error is not None:
        return block.timing_line or block.line, block.error
    assert block.start_ms is not None and block.end_ms is not None
    if block.end_ms <= block.start_ms:
        return block.timing_line or block.line, "expected an end time after the start time"
    return None


# ------------------------------------------------------------------------------------- order and overlaps

@dataclass(frozen=True)
class Overlap:
    """Two cues shown at once, by their positions in the input."""

    earlier: int
    later: int
    nested: bool  # same start, or the later one ends inside the earlier one: no certain repair


def order_and_trim(cues: Sequence[Cue]) -> tuple[list[int], list[Cue], list[Overlap]]:
    """Input positions sorted by start time (stable), the cues in that order with each partial overlap
    trimmed (the earlier cue ends where the next starts), and every overlap found. Pure.

    Nested overlaps are reported and left as they are: which text belongs where is not certain.
    """
    order = sorted(range(len(cues)), key=lambda i: cues[i].start_ms)
    out = [cues[i] for i in order]
    overlaps: list[Overlap] = []
    for k in range(len(order) - 1):
        a, b = cues[order[k]], cues[order[k + 1]]
        if b.start_ms >= a.end_ms:
            continue
        nested = b.start_ms == a.start_ms or b.end_ms <= a.end_ms
        overlaps.append(Overlap(order[k], order[k + 1], nested))
        if not nested:
            out[k] = Cue(out[k].start_ms, b.start_ms, out[k].lines)
    return order, out, overlaps


def _timing_line(block: SrtBlock) -> int:
    return block.timing_line or block.line


def _check_timing(blocks: Sequence[SrtBlock], cues: Sequence[Cue], source: str, lenient: bool) -> list[Cue]:
    """Cues in time order: lenient sorts (logged) and trims partial overlaps (logged); anything else raises."""
    order, fixed, overlaps = order_and_trim(cues)
    if not lenient:
        wrong = next((k for k in range(1, len(cues)) if cues[k].start_ms < cues[k - 1].start_ms), None)
        if wrong is not None:
            raise SubtitleParseError(source, _timing_line(blocks[wrong]),
                                     "expected cues in time order (this one starts before the cue above)")
        if overlaps:
            o = overlaps[0]
            raise SubtitleParseError(source, _timing_line(blocks[o.later]), "expected no overlap with the cue "
                                     f"at line {_timing_line(blocks[o.earlier])}")
        return list(cues)
    for o in overlaps:
        if o.nested:
            raise SubtitleParseError(source, _timing_line(blocks[o.later]), "overlaps the cue at line "
                                     f"{_timing_line(blocks[o.earlier])} (same start, or wholly inside it): "
                                     "expected one to end before the next starts")
    if order != sorted(order):
        log.warning("%s: cues not in time order: sorted by start time", source)
    for o in overlaps:
        a, b = cues[o.earlier], cues[o.later]
        log.warning("%s:%d: overlaps the cue at line %d: now ends at %s instead of %s", source,
                    _timing_line(blocks[o.earlier]), _timing_line(blocks[o.later]),
                    format_timestamp(b.start_ms), format_timestamp(a.end_ms))
    return fixed


def srt_from_string(text: str, source: str = "<string>") -> list[Cue]:
    """Cues of a well-formed SRT text (LF or CRLF); the first problem raises SubtitleParseError."""
    blocks = parse_srt_blocks(text)
    for block in blocks:
        problem = _block_problem(block)
        if problem:
            raise SubtitleParseError(source, *problem)
        if block.leniencies:
            note = block.leniencies[0]
            line = block.timing_line if note.startswith("sloppy") and block.timing_line else block.line
            raise SubtitleParseError(source, line, f"expected a well-formed cue ({note})")
        if not block.lines:
            raise SubtitleParseError(source, (block.timing_line or block.line) + 1, "expected subtitle text")
    return _check_timing(blocks, [b.cue() for b in blocks], source, lenient=False)


def load_srt(path: str | os.PathLike[str], lenient: bool = True) -> list[Cue]:
    """Cues of an SRT file. Lenient (default) where meaning is certain, logging each repair; strict otherwise.

    Lenient reading also sorts cues by start time and trims partial overlaps; same-start or nested cues are
    an error either way.
    """
    source = str(path)
    if not lenient:
        try:
            data = Path(path).read_bytes()
            reject_binary(data, source)
            return srt_from_string(data.decode("utf-8"), source)
        except UnicodeDecodeError:
            raise SubtitleParseError(source, None, "expected UTF-8 text") from None
        except OSError as exc:
            raise SubtitleParseError(source, None, f"cannot be read ({exc.strerror or exc})") from None
    kept: list[SrtBlock] = []
    blocks = parse_srt_blocks(read_srt_text(path))
    for block in blocks:
        problem = _block_problem(block)
        if problem:
            raise SubtitleParseError(source, *problem)
        for note in block.leniencies:
            log.warning("%s:%d: %s", source, block.line, note)
        if not block.lines:
            log.warning("%s:%d: empty cue skipped", source, block.line)
            continue
        kept.append(block)
    numbers = [b.number for b in blocks]
    if numbers != list(range(1, len(blocks) + 1)):
        log.warning("%s: cue numbers are not 1..%d in order; they are renumbered on writing", source, len(blocks))
    return _check_timing(kept, [b.cue() for b in kept], source, lenient=True)
