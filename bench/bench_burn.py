"""Burning three languages into a 60 s 1280x720 video: one pass (one decode, three encoders) vs three
ffmpeg runs.

Both sides use the same `pipeline.burn.burn` call and encoder settings; only the grouping differs. Wall
time and the CPU time of the ffmpeg children are measured in this one run, and reported as ratios.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

from pipeline.burn import ENCODERS, burn, pick_encoder
from pipeline.options import Options
from pipeline.types import Cue

SECONDS, SIZE, FPS = 60, "1280x720", 25
TEXT = {
    "ar": ("جربت LibanTroc وكانت تجربة رائعة!", "قلت لنفسي: I Make This! ثم بدأت."),
    "fr": ("J'ai essayé LibanTroc et c'était génial\u202f!", "Je me suis dit\u202f: I Make This!"),
    "en": ("I tried LibanTroc and it was great!", "I told myself: I Make This!"),
}


def make_source(workdir: Path, size: str = SIZE, seconds: int = SECONDS, fps: int = FPS) -> Path:
    """testsrc2 (moving picture, so the encoders have real work) with a sine tone as AAC audio."""
    path = workdir / f"source-{size}-{seconds}s.mp4"
    if not path.is_file():
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y",
                        "-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}:d={seconds}",
                        "-f", "lavfi", "-i", f"sine=f=330:d={seconds}",
                        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def tracks() -> dict[str, list[Cue]]:
    """A two-line cue every 3 s, on screen 2.5 s, for each language."""
    return {lang: [Cue(t, t + 2500, lines) for t in range(0, SECONDS * 1000 - 3000, 3000)]
            for lang, lines in TEXT.items()}


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of child processes) spent in fn()."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(workdir: Path) -> str:
    opts = Options()  # the defaults a user gets: --crf 20, --x264-preset veryfast, --encoder auto
    source, subs = make_source(workdir), tracks()
    one_dir, sep_dir = workdir / "one-pass", workdir / "separate"
    one = _timed(lambda: burn(source, subs, {lang: one_dir / f"v.{lang}.mp4" for lang in subs}, opts))

    def separate() -> None:
        for lang, cues in subs.items():
            burn(source, {lang: cues}, {lang: sep_dir / f"v.{lang}.mp4"}, opts)

    sep = _timed(separate)
    settings = " ".join(f"{k}={v}" for k, v in ENCODERS[pick_encoder(opts)](opts).items())
    rows = [
        "| run | wall s | ffmpeg CPU s |",
        "|---|---|---|",
        f"| one pass: 1 decode, 3 encoders | {one[0]:.1f} | {one[1]:.1f} |",
        f"| three separate ffmpeg runs | {sep[0]:.1f} | {sep[1]:.1f} |",
        f"| **separate / one pass** | **{sep[0] / one[0]:.2f}x** | **{sep[1] / one[1]:.2f}x** |",
    ]
    return "\n".join([
        f"Input: {SECONDS} s {SIZE} {FPS} fps testsrc2 + AAC audio (copied); 3 languages (ar, fr, en), "
        f"{len(subs['ar'])} two-line cues each. Encoder: {pick_encoder(opts)} ({settings}), "
        f"`-movflags +faststart`. Machine: {os.cpu_count()} CPUs.",
        "",
        *rows,
    ])


if __name__ == "__main__":
    import sys

    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/out/burn")))
