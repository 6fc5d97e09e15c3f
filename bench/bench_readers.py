"""Subtitle reading and `check` scale linearly: time at 16x the size over time at 1x, in the same run.

A linear path gives a ratio near 16, a quadratic one near 256 (a 137 KB line without spaces once took 90 s).
Inputs: one cue holding a line without spaces (names and links are searched in it), a file of many cues
(UTF-8), and the same file in cp1252 (the encoding is told from its bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.common import best_of
from pipeline import srtcheck
from pipeline.subtitles import decode_srt, read_srt
from pipeline.types import format_timestamp

LINE, CUES = 8_000, 1_000  # characters of the long line, cues of the long file, at 1x


def _long_line(n: int) -> bytes:
    return f"1\n00:00:01,000 --> 00:00:02,000\n{'a-' * (n // 2)}\n".encode()


def _many_cues(n: int, encoding: str = "utf-8") -> bytes:
    return "\n".join(f"{k + 1}\n{format_timestamp(k * 1000)} --> {format_timestamp(k * 1000 + 900)}\n"
                     "Été à Noël, très château !\n" for k in range(n)).encode(encoding)


def _check(data: bytes) -> None:
    text, notes = decode_srt(data, "bench.fr.srt")
    srtcheck.check_text(text, "bench.fr.srt", notes=notes)


def main(workdir: Path) -> str:
    rows = ["| input | 1x (s) | 16x (s) | ratio (linear ~16, quadratic ~256) |", "|---|---|---|---|"]
    cases: list[tuple[str, int, Callable[[int], bytes], Callable[[bytes], object]]] = [
        ("check: one line without spaces", LINE, _long_line, _check),
        ("lenient read: many cues, UTF-8", CUES, _many_cues, lambda d: read_srt(d, "bench.srt")),
        ("check: many cues, cp1252", CUES, lambda n: _many_cues(n, "cp1252"), _check),
    ]
    for name, unit, make, run in cases:
        small, big = make(unit), make(16 * unit)
        t1 = best_of(lambda d=small, r=run: r(d))  # type: ignore[misc]
        t16 = best_of(lambda d=big, r=run: r(d), 1)  # type: ignore[misc]
        rows.append(f"| {name} | {t1:.3f} | {t16:.3f} | {t16 / t1:.1f} |")
    return "\n".join(rows)
