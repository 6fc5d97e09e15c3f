"""Conformity of our cues next to Whisper's raw segments, on the same transcripts of the shared media.

Per language, the clips are joined (1 s of silence between) into one longer recording and transcribed
once with the embedded model (`pipeline.asr.transcribe_cached`, cached under the bench's work folder).
Three candidates get the same words: Whisper's raw segments as they come (one line each), the same
segments wrapped to the preset's line width (what a tool that only wraps would show), and
`pipeline.segment.segment`. Conformity = % of cues within the characters-per-line, reading-speed and
line-count limits.
"""

from __future__ import annotations

import tempfile
import textwrap
import time
import wave
from pathlib import Path

import numpy as np

from bench.common import MEDIA
from pipeline import qc
from pipeline.asr import transcribe_cached
from pipeline.cache import Cache, atomic_path
from pipeline.media import SAMPLE_RATE, decode_audio
from pipeline.options import Options
from pipeline.profiles import Profile, profile
from pipeline.segment import segment
from pipeline.types import Cue, Transcript

PRESETS = ("landscape", "vertical", "square")


def _clips(lang: str) -> list[Path]:
    return sorted(p for p in (MEDIA / "audio").iterdir()
                  if p.name.split("_")[0].split("-")[0] == lang and p.suffix in (".wav", ".flac", ".aiff"))


def _joined_audio(lang: str, workdir: Path) -> Path:
    """All of a language's clips in one 16 kHz mono WAV, 1 s of silence between them."""
    out = workdir / f"joined_{lang}.wav"
    if out.exists():
        return out
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = [piece for clip in _clips(lang) for piece in (decode_audio(clip), silence)]
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes()
    with atomic_path(out) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return out


def _raw(t: Transcript) -> list[Cue]:
    return [Cue(start, end, (text.strip(),)) for start, end, text in t.segments if text.strip()]


def _wrapped(t: Transcript, p: Profile) -> list[Cue]:
    return [Cue(c.start_ms, c.end_ms, tuple(textwrap.wrap(c.text, p.max_chars) or [c.text])) for c in _raw(t)]


def _row(name: str, cues: list[Cue], p: Profile) -> str:
    share = qc.conformity(cues, p)
    errors = sum(f.severity == "error" for f in qc.check_cues(cues, p))
    mean_s = sum(c.duration_ms for c in cues) / len(cues) / 1000 if cues else 0.0
    return (f"| {p.language} | {p.preset} | {name} | {len(cues)} | {share['chars_per_line']:.0f} | "
            f"{share['reading_speed']:.0f} | {share['line_count']:.0f} | {errors} | {mean_s:.1f} |")


def main(workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    # A fresh transcript cache every run: the transcription time is the baseline the segmentation is compared
    # to.
    scratch = tempfile.TemporaryDirectory(prefix="bench-seg-")
    cache = Cache(scratch.name)
    rows = ["| lang | preset | cues from | cues | chars/line % | reading speed % | lines % | QC errors | "
            "mean s |", "|---|---|---|---|---|---|---|---|---|"]
    seg_s, asr_s, words = 0.0, 0.0, 0
    for lang in ("ar", "fr", "en"):
        started = time.perf_counter()
        transcript, _hit = transcribe_cached(_joined_audio(lang, workdir), Options(source=lang), cache)
        asr_s += time.perf_counter() - started
        words += len(transcript.words)
        for preset in PRESETS:
            p = profile(lang, preset)
            started = time.perf_counter()
            ours = segment(transcript.words, p)
            seg_s += time.perf_counter() - started
            rows += [_row("Whisper segments", _raw(transcript), p),
                     _row("segments wrapped", _wrapped(transcript, p), p),
                     _row("**pipeline.segment**", ours, p)]
    rows.append("")
    rows.append(f"Segmentation of {words} words x {len(PRESETS)} presets took {seg_s * 1000:.0f} ms "
                f"({seg_s / max(asr_s, 1e-9) * 100:.2f}% of the transcription time, {asr_s:.1f} s).")
    scratch.cleanup()
    return "\n".join(rows)
