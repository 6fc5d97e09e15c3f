"""Word-by-word captions cost: burning a 60 s 1080x1920 video in `words` style vs `phrase` style (target <=
1.2x).

Same source, same Arabic and English cues, same encoder settings; only `--caption-style` differs. Words
style has one ASS event per word state (several per cue), so libass renders more, smaller events; the
encoder dominates. Wall time and ffmpeg CPU time are measured in this one run and reported as ratios.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from bench.bench_burn import _timed
from bench.bench_burn import make_source as _make_source
from pipeline.burn import ENCODERS, burn, pick_encoder
from pipeline.options import Options
from pipeline.types import Cue

SECONDS, SIZE, FPS = 60, "1080x1920", 30
TEXT = {
    "ar": ("جربت LibanTroc وكانت تجربة رائعة", "أركض كل جمعة مع Cairo Runners"),
    "en": ("I tried LibanTroc and it was great", "I run every Friday with Cairo Runners"),
}


def tracks() -> dict[str, list[Cue]]:
    """A one-line cue every 3 s, on screen 2.8 s, for each language
    (words spread by length: no transcript)."""
    return {lang: [Cue(t, t + 2800, (lines[(t // 3000) % 2],)) for t in range(0, SECONDS * 1000 - 3000, 3000)]
            for lang, lines in TEXT.items()}


def main(workdir: Path) -> str:
    opts = Options()
    source, subs = _make_source(workdir, SIZE, SECONDS, FPS), tracks()
    runs = {}
    for style in ("phrase", "words"):
        o = dataclasses.replace(opts, caption_style=style)
        out = {lang: workdir / style / f"v.{lang}.mp4" for lang in subs}
        runs[style] = _timed(lambda o=o, out=out: burn(source, subs, out, o))
    phrase, words = runs["phrase"], runs["words"]
    settings = " ".join(f"{k}={v}" for k, v in ENCODERS[pick_encoder(opts)](opts).items())
    return "\n".join([
        f"Input: {SECONDS} s {SIZE} {FPS} fps testsrc2 + AAC audio; ar and en burned in one pass, "
        f"{len(subs['ar'])} cues each. Encoder: {pick_encoder(opts)} ({settings}). Machine: "
        f"{os.cpu_count()} CPUs.", "",
        "| caption style | wall s | ffmpeg CPU s |",
        "|---|---|---|",
        f"| phrase | {phrase[0]:.1f} | {phrase[1]:.1f} |",
        f"| words | {words[0]:.1f} | {words[1]:.1f} |",
        f"| **words / phrase** (target <= 1.2x) | **{words[0] / phrase[0]:.2f}x** | "
        f"**{words[1] / phrase[1]:.2f}x** |",
    ])


if __name__ == "__main__":
    import sys

    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/out/words")))
