"""Subtitle formats as pure `to_string` / `from_string`, with thin `load` / `save` around them.

SRT is written UTF-8 without BOM, numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after
each cue; WebVTT carries the same cues with markup read by `pipeline.markup`. Whatever a line holds,
every client reads the written cues alike (no raw line separators, no blank line inside a cue).
Reading is strict by default (`srt_from_string`); `read_srt` / `load_srt` are lenient on purpose where
the meaning is certain (BOM, CRLF, UTF-16/32, legacy code pages told apart with certainty, missing blank
lines or numbers, `.` for `,`, unpadded fields) and log each leniency; anything else is a `SubtitleParseError`
naming the file, the line and what was expected, never another exception, whatever the bytes.
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

import charset_normalizer

from pipeline import markup
from pipeline.cache import atomic_write_text
from pipeline.errors import SubtitleParseError
from pipeline.types import Cue, format_timestamp

log = logging.getLogger(__name__)

EXPECTED_TIMING = "a timecode line 'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
# ASCII digits only (str.isdigit and \\d accept '²', '①', Arabic-Indic digits), and bounded: no int() of a
# 5,000-digit field, no regular expression run over a 100 KB line of text.
_STRICT = re.compile(r"(\d{2,3}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,3}):([0-5]\d):([0-5]\d),(\d{3})",
                     re.ASCII)
# Sloppy but certain: one-digit fields, '.' or ':' before milliseconds, odd spacing, '->', trailing position.
_TIME = r"(\d{1,3}):(\d{1,2}):(\d{1,2})[,.:](\d{3})"
_LENIENT = re.compile(rf"\s*{_TIME}\s*-{{1,2}}>\s*{_TIME}(\s+[A-Za-z].*)?\s*", re.ASCII)
_BARE_TIME = re.compile(r"\s*\d+:\d+:\d+\S*\s*", re.ASCII)
_DIGIT = re.compile(r"\d", re.ASCII)
# A line of cue text that is a timecode gone wrong ("00:00:03,00 --> 00:00:04,00"): the start of a cue whose
# blank line was lost, never words to show.
_TIMECODE_LIKE = re.compile(r"\s*\d{1,3}:\d{1,2}\S*\s*-{1,2}>\s*\d{1,3}:\d{1,2}\S*.*", re.ASCII)
_NUMBER = re.compile(r"\s*(\d{1,9})\s*", re.ASCII)
_MAX_TIMING_LINE = 200  # characters: longer lines are text, whatever they contain


# Characters that end a line for some clients and not others (pysrt, Python's splitlines: U+2028, U+0085, VT,
# FF...) are written as spaces, as the burn draws them; a blank line inside a cue would end it, so none is
# written.
_LINE_BREAKERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _written_lines(lines: Iterable[str]) -> list[str]:
    """The lines as written: a '\\n' inside a line is a line break, blank lines are dropped."""
    out = [_LINE_BREAKERS.sub(" ", part.replace("\t", " ")).rstrip() for line in lines
           for part in line.split("\n")]
    return [line for line in out if line.strip()]


def srt_to_string(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms)} --> {format_timestamp(c.end_ms)}\n"
        + "".join(line + "\n" for line in _written_lines(c.lines))
        for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def save_srt(path: str | os.PathLike[str], cues: Iterable[Cue]) -> None:
    atomic_write_text(path, srt_to_string(cues))


# ----------------------------------------------------------------------------------------------------- WebVTT

def _vtt_text(line: str) -> str:
    """The line as WebVTT cue text, read as `pipeline.markup` reads it: style tags as lower-case <i> <b> <u>,
    <font> and ASS override blocks dropped (no WebVTT meaning), everything drawn escaped (so `-->` is
    `--&gt;`)."""
    out: list[str] = []
    for token in markup.tokens(line):
        if isinstance(token, str):
            out.append(token.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        elif token.kind == "style":
            out.append(f"<{'/' if token.closing else ''}{token.name}>")
    return "".join(out)


def vtt_to_string(cues: Iterable[Cue]) -> str:
    """WebVTT; a cue placed at the top ({\\an8}, as the burn places it) gets the setting `line:0`."""
    blocks = []
    for i, c in enumerate(cues, start=1):
        top, lines = markup.top_placed(c.lines)
        setting = " line:0" if top else ""
        text = [t for t in (_vtt_text(line) for line in _written_lines(lines)) if t.strip()]
        blocks.append(f"{i}\n{format_timestamp(c.start_ms, '.')} --> "
                      f"{format_timestamp(c.end_ms, '.')}{setting}\n"
                      + "".join(t + "\n" for t in text))
    return "WEBVTT\n\n" + "\n".join(blocks)


# ------------------------------------------------------------------------------------------------ decoding

# Legacy code pages are told apart by what their text looks like: the pipeline's languages are Arabic (cp1256)
# and French/English (cp1252); a detector (charset-normalizer) proposes the rest. When neither settles it, the
# reader says so instead of guessing: mojibake that passes QC is worse than an error.
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_WESTERN_LETTERS = "àâäæçéèêëîïôöœùûüÿÀÂÄÆÇÉÈÊËÎÏÔÖŒÙÛÜŸáíóúñÁÍÓÚÑãõÃÕåÅøØßì"
# Punctuation, symbols and spacing common in subtitles of any of our languages.
_COMMON = "«»‹›‘’‚“”„…–—•·°²³¹ºª½¼¾€£¥©®™§¶†‡‰¡¿×÷\u00a0\u00ad\u200c\u200d\u200e\u200f\u202f"
# What French and English text commonly carries beyond ASCII: anything else counts against a reading.
_USUAL_WESTERN = set("éèàçêâôîûùëïüœæÉÈÀÇÊÂÔÎÛÙËÏÜŒÆáíóúñ«»‘’“”…–—€°²³¹ºª\u00a0\u202f")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_ASCII_LETTERS = re.compile("[A-Za-z]")
# A word with Arabic letters and Latin ones: two code pages' letters read as one.
_MIXED_WORD = re.compile("[\u0600-\u06ff][A-Za-z\u00c0-\u024f]|[A-Za-z\u00c0-\u024f][\u0600-\u06ff]")
_DETECTOR_SAMPLE = 200_000  # bytes: enough to tell, bounded time on big files


def _fits_arabic(text: str) -> bool:
    """Arabic words (runs of Arabic letters), no Latin letter inside an Arabic word, no other script."""
    if not _ARABIC.search(text):
        return False
    if _MIXED_WORD.search(text):
        return False
    return all(_ARABIC.match(ch) or ch in _WESTERN_LETTERS or ch in _COMMON
               for ch in set(_NON_ASCII.findall(text)))


def _western_oddness(text: str) -> int | None:
    """How unusual `text` is as French or English (0: every character usual); None when it is not Latin-script
    text of Western Europe at all (another script, or accented letters outnumbering plain ones)."""
    high = _NON_ASCII.findall(text)  # the few characters that tell code pages apart: counted, not the rest
    if any(ch not in _WESTERN_LETTERS and ch not in _COMMON for ch in set(high)):
        return None
    accented = sum(ch.isalpha() for ch in high)
    if accented > 0.5 * (accented + len(_ASCII_LETTERS.findall(text))):
        return None
    odd = sum(ch not in _USUAL_WESTERN for ch in high)
    # An accented capital inside a lower-case word ("NoÎl") is a wrong code page, not French.
    return odd + len(re.findall("[a-z][\u00c0-\u00de]", text))


def _strict_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess_legacy(data: bytes, source: str) -> tuple[str, str]:
    """(text, encoding) of bytes that are not UTF-8; SubtitleParseError when the encoding cannot be told."""
    matches = charset_normalizer.from_bytes(data[:_DETECTOR_SAMPLE])
    detected = [m.encoding for m in matches]
    names: dict[str, list[str]] = {}  # each distinct reading, and the encodings that give it
    for encoding in ["cp1256", "cp1252", *detected[:8]]:
        text = _strict_decode(data, encoding)
        if text is not None:
            names.setdefault(text, []).append(encoding)
    arabic = [text for text in names if _fits_arabic(text)]
    if len(arabic) == 1 and "cp1256" in names[arabic[0]]:
        return arabic[0], "cp1256"
    western = sorted((n, text) for text in names if (n := _western_oddness(text)) is not None)
    if not arabic and western:
        odd, text = western[0]
        unusual = len(_NON_ASCII.findall(text))
        # A clear winner whose unusual characters are rare: a French or English file in a Western code page.
        if (len(western) == 1 or odd < western[1][0]) and odd <= 0.1 * unusual:
            return text, "cp1252" if "cp1252" in names[text] else names[text][0]
    ours = [names[text][0] for text in arabic] + [
        "cp1252" if "cp1252" in names[text] else names[text][0] for _, text in western]
    best = matches.best()
    if not ours and best is not None and best.language != "Unknown" and best.coherence >= 0.3:
        text = _strict_decode(data, best.encoding)
        if text is not None:
            return text, best.encoding
    tried = ", ".join(dict.fromkeys(ours or detected[:3]))
    raise SubtitleParseError(source, None,
                             f"could not tell the encoding (not "
                             f"UTF-8{'; perhaps ' if tried else ''}{tried}): re-save it as UTF-8 or pass "
                             f"--encoding NAME")


_LEGACY_NAMES = {"cp1256": "Arabic Windows", "cp1252": "Western Windows"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))  # UTF-32 LE before UTF-16 LE


def _unicode_without_bom(data: bytes) -> str | None:
    """UTF-32 or UTF-16 without a byte-order mark: NUL bytes where ASCII characters' high bytes are."""
    for encoding in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        text = _strict_decode(data, encoding)
        if text is not None and "\x00" not in text and "-->" in text:
            return encoding
    return None


def reject_binary(data: bytes, source: str) -> None:
    """NUL bytes outside UTF-16/32 mean a video or other binary file: one error, not a page of mojibake."""
    wide = tuple(b for b, enc in _BOMS if enc != "utf-8")
    if b"\x00" in data and not data.startswith(wide) and not _unicode_without_bom(data):
        raise SubtitleParseError(source, None, "not a text subtitle file (binary data)")


def _decode_as(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubtitleParseError(source, line, f"expected valid {encoding} text: re-save it as UTF-8 or pass "
                                 "--encoding NAME") from None


def decode_srt(data: bytes, source: str = "<bytes>", encoding: str | None = None) -> tuple[str, list[str]]:
    """Text with '\\n' line ends, and the leniencies used to get it (BOM, encoding, CRLF).

    `encoding` (a Python codec name) is used as given; otherwise UTF-8/16/32 with or without a
    byte-order mark, then the legacy code pages (see `_guess_legacy`). Binary data and an encoding that
    cannot be told are a SubtitleParseError.
    """
    notes: list[str] = []
    if encoding is not None:
        text = _decode_as(data, encoding, source)
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        reject_binary(data, source)
        bom = next(((b, enc) for b, enc in _BOMS if data.startswith(b)), None)
        bare = None if bom or b"\x00" not in data else _unicode_without_bom(data)
        if bom:
            text = _decode_as(data[len(bom[0]):], bom[1], source)
            notes.append("UTF-8 byte-order mark ignored" if bom[1] == "utf-8"
                         else f"{bom[1].upper()[:6]} file (with byte-order mark) read")
        elif bare:
            text = _decode_as(data, bare, source)
            notes.append(f"{bare.upper()} file without byte-order mark read")
        else:
            utf8 = _strict_decode(data, "utf-8")
            if utf8 is not None:
                text = utf8
            else:
                text, legacy = _guess_legacy(data, source)
                kind = _LEGACY_NAMES.get(legacy, "detected")
                notes.append(f"not UTF-8: read as {legacy} ({kind})")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("CRLF line ends read as LF")
    return text, notes


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SubtitleParseError(str(path), None, f"cannot be read ({exc.strerror or exc})") from None


def read_srt_text(path: str | os.PathLike[str], encoding: str | None = None) -> str:
    """A subtitle file's text, whatever its (BOM, legacy) encoding; each leniency is logged."""
    text, notes = decode_srt(_read_bytes(path), str(path), encoding)
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
    if len(line) > _MAX_TIMING_LINE:
        raise ValueError(EXPECTED_TIMING)
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


def _looks_timed(line: str) -> bool:
    """A timecode line gone wrong: a digit, an arrow, a digit (found in one pass; as a regular expression,
    `.*\\d.*->.*\\d.*` backtracked for milliseconds on each line), or a bare `H:M:S`."""
    if len(line) > _MAX_TIMING_LINE:
        return False
    first = _DIGIT.search(line)
    arrow = line.find("->", first.end()) if first else -1
    return (arrow >= 0 and _DIGIT.search(line, arrow + 2) is not None) or bool(_BARE_TIME.fullmatch(line))


def _number(line: str) -> int | None:
    m = _NUMBER.fullmatch(line)
    return int(m.group(1)) if m else None


def _starts_block(lines: list[str], k: int) -> bool:
    """A cue number followed by a timecode, or a timecode (readable or not): a new cue even without a blank
    line. A broken timecode inside text is not kept as words: its block is reported."""
    if _is_timing(lines[k]) or (len(lines[k]) <= _MAX_TIMING_LINE and _TIMECODE_LIKE.fullmatch(lines[k])):
        return True
    return _number(lines[k]) is not None and k + 1 < len(lines) and _is_timing(lines[k + 1])


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
    number = _number(lines[k])
    if number is not None and not _is_timing(lines[k]):
        k += 1
    elif not _is_timing(lines[k]) and not _looks_timed(lines[k]):
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


def _broken(lines: list[str], first: int, bad: int, number: int | None,
            expected: str) -> tuple[SrtBlock, int]:
    """A block that cannot be read: keep its text, skip to the next blank line or cue."""
    k = bad + 1 if bad < len(lines) else bad
    while k < len(lines) and lines[k].strip() and not _starts_block(lines, k):
        k += 1
    raw = tuple(line.rstrip() for line in lines[bad + 1:k]) if bad < len(lines) else ()
    timing = lines[bad].strip() if bad < len(lines) else ""
    return SrtBlock(first + 1, number, bad + 1, timing, None, None, raw,
                    error=f"expected {expected}, found {timing[:40]!r}" if timing
                    else f"expected {expected}"), k


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
    """Cues in time order: lenient sorts (logged) and trims partial
    overlaps (logged); anything else raises."""
    order, fixed, overlaps = order_and_trim(cues)
    if not lenient:
        wrong = next((k for k in range(1, len(cues)) if cues[k].start_ms < cues[k - 1].start_ms), None)
        if wrong is not None:
            raise SubtitleParseError(source, _timing_line(blocks[wrong]),
                                     "expected cues in time order (this one starts before the cue above)")
        if overlaps:
            o = overlaps[0]
            raise SubtitleParseError(source, _timing_line(blocks[o.later]),
                                     "expected no overlap with the cue "
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


def load_srt(path: str | os.PathLike[str], lenient: bool = True, encoding: str | None = None) -> list[Cue]:
    """Cues of an SRT file (see `read_srt`)."""
    return read_srt(_read_bytes(path), str(path), lenient, encoding)


def read_srt(data: bytes, source: str = "<bytes>", lenient: bool = True,
             encoding: str | None = None) -> list[Cue]:
    """Cues of an SRT file's bytes. Lenient (default) where meaning is certain, logging each repair; strict
    (UTF-8, or `encoding`, and well-formed) otherwise. Any problem is a SubtitleParseError naming `source`.

    Lenient reading also sorts cues by start time and trims partial overlaps; same-start or nested cues are
    an error either way (`qc.check_text` reports them as findings instead).
    """
    if not lenient:
        if encoding is None:
            reject_binary(data, source)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise SubtitleParseError(source, None, "expected UTF-8 text") from None
        else:
            text = decode_srt(data, source, encoding)[0]
        return srt_from_string(text, source)
    text, notes = decode_srt(data, source, encoding)
    for note in notes:
        log.warning("%s: %s", source, note)
    kept: list[SrtBlock] = []
    blocks = parse_srt_blocks(text)
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
        log.warning("%s: cue numbers are not 1..%d in order; they are renumbered on writing", source,
                    len(blocks))
    return _check_timing(kept, [b.cue() for b in kept], source, lenient=True)
