"""Transcription: our `asr.transcribe` against plain faster-whisper (default settings, same embedded model).

Long-form inputs, one per language as a campaign video has one: that language's shared clips (twice for
en and fr), 3 s of silence between clips and the 30 s of Big Buck Bunny music (no speech) after the first pass. Each candidate transcribes the three files in one fresh process (model load included):
audio seconds per wall second, peak memory, words invented over the music. Then WER/CER per clip (each clip
on its own, both candidates in one process).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from bench.common import MEDIA, timed_subprocess
from pipeline.metrics import cer, wer

GAP_S = 3.0
CLIPS: tuple[tuple[str, str], ...] = (
    ("audio/en_jfk_whisper.flac", "en"),
    ("audio/en_picovoice_test_librispeech-1272-128104-0000.wav", "en"),
    ("audio/en_ami_ES2011a_headset0_40-46s.wav", "en"),
    ("audio/en_sr_english.wav", "en"),
    ("audio/fr_picovoice_test_fr_cv.wav", "fr"),
    ("audio/fr_css10_lesmis_0153.wav", "fr"),
    ("audio/fr_sr_french.aiff", "fr"),
    ("audio/ar-msa_asc_ARA-NORM-0001.wav", "ar"),
    ("audio/ar-msa_asc_ARA-NORM-0003.wav", "ar"),
)
MUSIC = "video/bbb_0_30_moviepy_NO-SPEECH.webm"

OURS = """
import json, sys
from pipeline.asr import transcribe
from pipeline.options import Options
out = {}
for path in sys.argv[1:]:
    t = transcribe(path, Options())
    out[path] = {"segments": [list(s) for s in t.segments], "language": t.language}
print(json.dumps(out))
"""

PLAIN = """
import json, sys
from faster_whisper import WhisperModel
from pipeline.models import resolve_model
model = WhisperModel(resolve_model("base").path)
out = {}
for path in sys.argv[1:]:
    segments, info = model.transcribe(path)
    out[path] = {"segments": [[round(s.start * 1000), round(s.end * 1000), s.text] for s in segments],
                 "language": info.language}
print(json.dumps(out))
"""

PER_CLIP = """
import json, sys
from faster_whisper import WhisperModel
from pipeline.asr import transcribe, load_model
from pipeline.models import resolve_model
from pipeline.options import Options
plain = WhisperModel(resolve_model("base").path)
out = {}
for path in sys.argv[1:]:
    ours = " ".join(w.text for w in transcribe(path, Options()).words)
    segments, _ = plain.transcribe(path)
    out[path] = [ours, " ".join(s.text.strip() for s in segments)]
print(json.dumps(out, ensure_ascii=False))
"""


def reference(path: Path) -> str:
    text = (Path(str(path) + ".txt")).read_text(encoding="utf-8")
    return " ".join(re.sub(r"\[[^\]]*\]", " ", line) for line in text.splitlines()).strip()


def long_form_references(lang: str) -> str:
    clips = [MEDIA / c for c, lg in CLIPS if lg == lang]
    return " ".join(reference(p) for p in [*clips, *(clips[1:] + clips[:1] if len(clips) > 2 else [])])


def build_long_form(out: Path, lang: str) -> tuple[float, tuple[float, float]]:
    """Concatenate one language's clips (music in the middle) with silences; (duration, music span) in s."""
    clips = [MEDIA / c for c, lg in CLIPS if lg == lang]
    # The second pass is rotated so no clip follows itself once VAD has cut the music out (Whisper would see a
    # repeated sentence in one window); Arabic has two clips only, so it plays once.
    order = [*clips, MEDIA / MUSIC, *(clips[1:] + clips[:1] if len(clips) > 2 else [])]
    args: list[str] = []
    for p in order:
        args += ["-i", str(p)]
    parts, spans, t = [], [], 0.0
    for i, p in enumerate(order):
        dur = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                    str(p)], capture_output=True, text=True, check=True).stdout)
        parts.append(f"[{i}:a]aformat=sample_rates=16000:channel_layouts=mono,"
                     f"apad=pad_dur={GAP_S}[a{i}]")
        spans.append((t, t + dur))
        t += dur + GAP_S
    graph = ";".join(parts) + ";" + "".join(f"[a{i}]" for i in range(len(order))) + \
        f"concat=n={len(order)}:v=0:a=1[out]"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, "-filter_complex", graph, "-map", "[out]",
                    "-c:a", "flac", str(out)], check=True)
    return t, spans[len(clips)]


def invented_over(segments: list[list], span: tuple[float, float]) -> int:
    """Words of segments lying mostly inside the music span (there is no speech there)."""
    lo, hi = span[0] * 1000, span[1] * 1000
    n = 0
    for start, end, text in segments:
        overlap = max(0.0, min(end, hi) - max(start, lo))
        if end > start and overlap / (end - start) > 0.5:
            n += len(text.split())
    return n


def main(workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for lang in ("ar", "fr", "en"):
        inputs[str(workdir / f"long_form_{lang}.flac")] = build_long_form(workdir / f"long_form_{lang}.flac", lang)
    duration = sum(d for d, _ in inputs.values())
    rows, results = [], {}
    for name, code in (("plain faster-whisper (defaults)", PLAIN), ("ours (asr.transcribe)", OURS)):
        wall, peak, stdout = timed_subprocess(code, *inputs)
        results[name] = (wall, peak, json.loads(stdout))
    (plain_wall, plain_peak, _), (our_wall, our_peak, _) = results.values()
    for name, (wall, peak, out) in results.items():
        invented = sum(invented_over(out[f]["segments"], music) for f, (_, music) in inputs.items())
        langs = "/".join(out[f]["language"] for f in inputs)
        errors = []
        for f, lang in zip(inputs, ("ar", "fr", "en"), strict=True):
            hyp = " ".join(seg[2] for seg in out[f]["segments"])
            errors.append(f"{(cer if lang == 'ar' else wer)(long_form_references(lang), hyp, lang):.3f}")
        rows.append(f"| {name} | {duration / wall:.2f} | {peak} | {invented} | {langs} | {' / '.join(errors)} |")
    _, _, stdout = timed_subprocess(PER_CLIP, *(str(MEDIA / c) for c, _ in CLIPS))
    per_clip = json.loads(stdout)
    clip_rows = []
    for clip, lang in CLIPS:
        ours, plain = per_clip[str(MEDIA / clip)]
        ref = reference(MEDIA / clip)
        metric, score = ("CER", cer) if lang == "ar" else ("WER", wer)
        clip_rows.append(f"| {Path(clip).name} | {metric} | {score(ref, plain, lang):.3f} | "
                         f"{score(ref, ours, lang):.3f} |")
    return "\n".join([
        f"Long-form inputs: ar, fr, en, {duration:.0f} s in all ({GAP_S:.0f} s silences between clips, 30 s of "
        "music without speech in each). One fresh process per candidate, model load included.",
        "",
        "| candidate | audio s / wall s | peak RSS MiB | words invented over music | languages found "
        "| long-form ar CER / fr WER / en WER |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Ratios, ours / plain: speed x{(duration / our_wall) / (duration / plain_wall):.2f}, "
        f"peak memory x{our_peak / plain_peak:.2f}.",
        "",
        "| clip | metric | plain | ours |",
        "|---|---|---|---|",
        *clip_rows,
    ])
