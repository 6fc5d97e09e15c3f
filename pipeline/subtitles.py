"""Subtitle formats as pure `to_string` / `from_string`, with thin `load` / `save` around them.

SRT is written UTF-8 without BOM, numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after each cue.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from pipeline.cache import atomic_write_text
from pipeline.types import Cue


def format_timestamp(ms: int, sep: str = ",") -> str:
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def srt_to_string(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms)} --> {format_timestamp(c.end_ms)}\n" + "\n".join(c.lines) + "\n"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def save_srt(path: str | os.PathLike[str], cues: Iterable[Cue]) -> None:
    atomic_write_text(path, srt_to_string(cues))
