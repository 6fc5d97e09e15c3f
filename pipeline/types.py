"""The small frozen types every stage passes along. Times are integer milliseconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    text: str
    start_ms: int
    end_ms: int
    probability: float = 1.0


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The cue's text on one line (lines joined by a space)."""
        return " ".join(self.lines)

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class Transcript:
    language: str
    words: tuple[Word, ...]
    duration_ms: int
    # Whisper's own segments as (start_ms, end_ms, text): kept for benchmarks against raw output.
    segments: tuple[tuple[int, int, str], ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            language=data["language"],
            words=tuple(Word(**w) for w in data["words"]),
            duration_ms=int(data["duration_ms"]),
            segments=tuple(tuple(s) for s in data.get("segments", ())),  # type: ignore[misc]
            notes=tuple(data.get("notes", ())),
        )


def seconds_to_ms(seconds: float) -> int:
    """The one place float seconds (Whisper, ffprobe) become integer milliseconds."""
    return int(round(seconds * 1000))


def format_timestamp(ms: int, sep: str = ",") -> str:
    """HH:MM:SS,mmm (SRT; `sep="."` for WebVTT and messages alike)."""
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


@dataclass(frozen=True)
class Screen:
    """One screen of word-by-word captions (pipeline/word_captions.py): `words` (units: a word, a campaign
    name, a Latin run inside Arabic) on screen from start_ms to end_ms, each highlighted from its own
    start_ms."""

    start_ms: int
    end_ms: int
    words: tuple[Word, ...]
    top: bool = False  # the cue asked for the top of the frame ({\an8})

    def spans(self) -> list[tuple[int, int, int]]:
        """(start_ms, end_ms, index of the highlighted unit) of each word state: a word is highlighted from
        its start (the first from the screen's start) until the next word starts or the screen ends."""
        out = []
        for k, w in enumerate(self.words):
            start = self.start_ms if k == 0 else max(w.start_ms, self.start_ms)
            end = self.words[k + 1].start_ms if k + 1 < len(self.words) else self.end_ms
            end = min(max(end, start), self.end_ms)
            if end > start:
                out.append((start, end, k))
        return out


@dataclass(frozen=True)
class Burned:
    """What the burn stage rendered: each language's ASS script (the `.ass` export) and the languages whose
    word times were spread by length (no Whisper times: translations), to say so in the run summary."""

    scripts: dict[str, str]
    approximate: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # for the run summary (e.g. an NVENC encode redone with libx264)
