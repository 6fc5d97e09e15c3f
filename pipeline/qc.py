"""Quality control of subtitles against the style guide: pure rules over cues and parsed SRT blocks.

Reading files and telling their language is the edge's job (`pipeline.srtcheck`).

Cue numbers in findings are positions in the file (1-based), whatever number the file wrote. A finding about
two cues (overlap, gap) is reported on the earlier one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from pipeline import markup, typography
from pipeline.asr_windows import uncovered
from pipeline.profiles import Profile
from pipeline.types import Cue, format_timestamp

if TYPE_CHECKING:
    from pipeline.subtitles import SrtBlock

# code -> default severity (errors make `check` exit 1)
CODES: dict[str, str] = {
    "chars_per_line": "error",
    "too_many_lines": "error",
    "reading_speed": "warning",
    "too_short": "warning",
    "too_long": "warning",
    "overlap": "error",
    "gap_too_small": "warning",
    "gap_not_chained": "warning",
    "no_cues": "error",
    "empty_cue": "error",
    "bad_timecode": "error",
    "reversed_timecode": "error",
    "timecode_format": "warning",
    "numbering": "warning",
    "format": "warning",
    "unbalanced_tags": "error",
    "typography": "warning",
    "speech_without_subtitle": "warning",
}


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    code: str
    cue: int | None  # 1-based position of the cue in the file
    start_ms: int | None
    message: str
    # end of the span a finding is about, when it is a span (speech without subtitle)
    end_ms: int | None = None


def _finding(code: str, cue: int | None, start_ms: int | None, message: str,
             end_ms: int | None = None) -> Finding:
    return Finding(CODES[code], code, cue, start_ms, message, end_ms)


@dataclass(frozen=True)
class Report:
    path: str
    language: str
    preset: str
    cues: int
    findings: tuple[Finding, ...]
    conformity: dict[str, float]
    notes: tuple[str, ...] = field(default=())  # leniencies used to read the file (BOM, encoding...)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["errors"], data["warnings"] = self.errors, self.warnings
        return data


# ------------------------------------------------------------------------------------------------ measures

def chars(cue: Cue) -> int:
    """Characters counted for reading speed: what is shown, a line break counting as a space."""
    return typography.display_length(" ".join(cue.lines))


def cps(cue: Cue) -> float:
    return chars(cue) * 1000 / cue.duration_ms if cue.duration_ms > 0 else float("inf")


def _within(cue: Cue, p: Profile) -> tuple[bool, bool, bool]:
    """(chars per line, reading speed, line count) within the profile's limits."""
    return (all(typography.display_length(line) <= p.max_chars for line in cue.lines),
            cps(cue) <= p.max_cps,
            len(cue.lines) <= p.max_lines)


def conformity(cues: Sequence[Cue], profile: Profile) -> dict[str, float]:
    """% of cues within the characters-per-line, reading-speed and line-count limits (100 when no cues)."""
    shown = [c for c in cues if any(line.strip() for line in c.lines)]
    if not shown:
        return {"chars_per_line": 100.0, "reading_speed": 100.0, "line_count": 100.0}
    flags = [_within(c, profile) for c in shown]
    pct = [round(100.0 * sum(f[k] for f in flags) / len(flags), 1) for k in range(3)]
    return {"chars_per_line": pct[0], "reading_speed": pct[1], "line_count": pct[2]}


# -------------------------------------------------------------------------------------------------- checks

def check_cues(cues: Sequence[Cue], profile: Profile) -> list[Finding]:
    """Every style-guide problem of `cues` (numbered from 1)."""
    return _check(list(enumerate(cues, start=1)), profile)


def _check(numbered: list[tuple[int, Cue]], p: Profile) -> list[Finding]:
    findings: list[Finding] = []
    for k, (number, cue) in enumerate(numbered):
        findings += _check_one(number, cue, p)
        if k + 1 < len(numbered):
            findings += _check_pair(number, cue, numbered[k + 1], p)
    return findings + _distant_overlaps(numbered)


def _distant_overlaps(numbered: list[tuple[int, Cue]]) -> list[Finding]:
    """Cues shown while a cue that is not their neighbour in the file is still on screen (sign captions nested
    in a long cue, cues out of order): each one is a finding. Neighbours are `_check_pair`'s."""
    out: list[Finding] = []
    showing: tuple[int, int, Cue] | None = None  # (position, number, cue) of the latest-ending cue so far
    for k in sorted(range(len(numbered)), key=lambda i: (numbered[i][1].start_ms, i)):
        n, cue = numbered[k]
        if showing is not None and cue.start_ms < showing[2].end_ms and abs(showing[0] - k) != 1:
            m, other = showing[1], showing[2]
            how = "starts with" if cue.start_ms == other.start_ms else (
                "is shown inside" if cue.end_ms <= other.end_ms else "overlaps")
            out.append(_finding("overlap", n, cue.start_ms, f"{how} cue {m} "
                                f"({format_timestamp(other.start_ms)} --> {format_timestamp(other.end_ms)})"))
        if showing is None or cue.end_ms > showing[2].end_ms:
            showing = (k, n, cue)
    return out


def _check_one(n: int, cue: Cue, p: Profile) -> list[Finding]:
    at = cue.start_ms
    if not any(line.strip() for line in cue.lines):
        return [_finding("empty_cue", n, at, "cue has no text")]
    out: list[Finding] = []
    for i, line in enumerate(cue.lines, start=1):
        size = typography.display_length(line)
        if size > p.max_chars:
            out.append(_finding("chars_per_line", n, at,
                                f"line {i} has {size} characters (max {p.max_chars})"))
        out += [_finding("typography", n, at, msg)
                for msg in typography.problems(line, p.language, p.protected)]
    if len(cue.lines) > p.max_lines:
        out.append(_finding("too_many_lines", n, at, f"{len(cue.lines)} lines (max {p.max_lines})"))
    out += _check_tags(n, cue)
    if cue.end_ms <= cue.start_ms:
        out.append(_finding("reversed_timecode", n, at, f"ends at {format_timestamp(cue.end_ms)}, "
                                                        f"not after its start {format_timestamp(at)}"))
        return out
    speed = cps(cue)
    if speed > p.max_cps:
        out.append(_finding("reading_speed", n, at, f"{speed:.1f} characters/s (max {p.max_cps:g})"))
    if cue.duration_ms < p.min_ms:
        out.append(_finding("too_short", n, at, f"on screen {cue.duration_ms} ms (min {p.min_ms})"))
    if cue.duration_ms > p.max_ms:
        out.append(_finding("too_long", n, at, f"on screen {cue.duration_ms} ms (max {p.max_ms})"))
    return out


def _check_pair(n: int, cue: Cue, following: tuple[int, Cue], p: Profile) -> list[Finding]:
    m, nxt = following
    gap = nxt.start_ms - cue.end_ms
    if gap < 0:
        return [_finding("overlap", n, cue.start_ms, f"overlaps cue {m} by {-gap} ms")]
    if gap < p.min_gap_ms:
        return [_finding("gap_too_small", n, cue.start_ms,
                         f"gap to cue {m} is {gap} ms (min {p.min_gap_ms}; chain or open it)")]
    if gap != p.min_gap_ms and _chained_end(cue, nxt, p) is not None:
        return [_finding("gap_not_chained", n, cue.start_ms,
                         f"gap of {gap} ms to cue {m}: chain it to {p.min_gap_ms} ms "
                         f"(gaps up to {p.chain_ms} ms are closed)")]
    return []


def _chained_end(cue: Cue, nxt: Cue, p: Profile) -> int | None:
    """The end that chains `cue` to `nxt` (gap of min_gap_ms), or None when the gap is no chaining case:
    wider than chain_ms, an overlap, or closing it would leave the cue empty or too long."""
    gap = nxt.start_ms - cue.end_ms
    end = nxt.start_ms - p.min_gap_ms
    if not 0 <= gap <= p.chain_ms or end <= cue.start_ms:
        return None
    if end > cue.end_ms and end - cue.start_ms > p.max_ms:
        return None  # lengthening it past the maximum duration trades one problem for another
    return end


def _check_tags(n: int, cue: Cue) -> list[Finding]:
    problem = markup.unbalanced(cue.lines)
    return [_finding("unbalanced_tags", n, cue.start_ms, problem)] if problem else []


def speech_without_subtitle(speech: Sequence[tuple[int, int]], cues: Sequence[Cue],
                            min_ms: int = 1000) -> list[Finding]:
    """One finding per speech span (from the VAD, in ms) of `min_ms` or more that no cue overlaps, and per
    stretch of 2 s or more without a cue inside the others (a sentence left out)."""
    return [_finding("speech_without_subtitle", None, a,
                     f"speech at {format_timestamp(a)}–{format_timestamp(b)} has no subtitle", b)
            for a, b in uncovered(speech, [(c.start_ms, c.end_ms) for c in cues], min_ms)]


def _check_blocks(blocks: Sequence[SrtBlock]) -> list[Finding]:
    """What only the file shows: unreadable timecodes, numbering, format leniencies."""
    out: list[Finding] = []
    expected = 1
    for n, b in enumerate(blocks, start=1):
        if b.error is not None:
            out.append(_finding("bad_timecode", n, None, f"line {b.timing_line or b.line}: {b.error}"))
        if b.number is None:
            out.append(_finding("numbering", n, b.start_ms, f"line {b.line}: cue number missing"))
        elif b.number != expected:
            out.append(_finding("numbering", n, b.start_ms,
                                f"line {b.line}: number {b.number}, expected {expected}"))
        expected = (b.number if b.number is not None else expected) + 1
        for note in b.leniencies:
            if note.startswith("sloppy"):
                out.append(_finding("timecode_format", n, b.start_ms, f"line {b.timing_line}: {note}"))
            elif note.startswith("missing blank"):
                out.append(_finding("format", n, b.start_ms, f"line {b.line}: {note}"))
    return out


# ---------------------------------------------------------------------------------------------------- files

def check_blocks(blocks: Sequence[SrtBlock], profile: Profile, source: str = "",
                 notes: Iterable[str] = (), speech: Sequence[tuple[int, int]] | None = None) -> Report:
    """The report on one file's parsed blocks: what only the file shows, then every cue's problems.
    `speech`: the speech spans of the media the file subtitles (`check --media`), to find speech with no
    cue."""
    readable = [(n, b.cue()) for n, b in enumerate(blocks, start=1) if b.error is None]
    findings = _check_blocks(blocks) + _check(readable, profile)
    if speech is not None:
        findings += speech_without_subtitle(speech, [c for _, c in readable])
    if not blocks:  # an empty or blank file: nothing to show is no pass
        findings.append(_finding("no_cues", None, None, "no cues (the file is empty or blank)"))
    findings.sort(key=lambda f: (f.cue or 0, f.severity != "error", f.code))
    return Report(source, profile.language, profile.preset, len(blocks), tuple(findings),
                  conformity([c for _, c in readable], profile), tuple(notes))


# ------------------------------------------------------------------------------------------------ safe fixes

def safe_fixes(cues: Sequence[Cue], profile: Profile) -> tuple[list[Cue], list[str]]:
    """Typography and gap chaining only: the words and in-times are never touched. Returns (cues, changes)."""
    fixed: list[Cue] = []
    changes: list[str] = []
    for n, cue in enumerate(cues, start=1):
        lines = tuple(typography.apply(line, profile.language, profile.protected) for line in cue.lines)
        if (lines != cue.lines
                and [typography.plain(x) for x in lines] == [typography.plain(x) for x in cue.lines]):
            changes.append(f"cue {n}: typography")
            cue = replace(cue, lines=lines)
        end = _chained_end(cue, cues[n], profile) if n < len(cues) else None
        if end is not None and end != cue.end_ms:
            gap = cues[n].start_ms - cue.end_ms
            changes.append(f"cue {n}: gap of {gap} ms to the next cue set to {profile.min_gap_ms} ms")
            cue = replace(cue, end_ms=end)
        fixed.append(cue)
    return fixed, changes
