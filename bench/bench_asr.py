"""Transcription: ours (`asr.transcribe`, batched windows) against faster-whisper's sequential pipeline
with its VAD and against its `BatchedInferencePipeline` (batch 8), same embedded base model, int8, beam 5;
ours also with greedy decoding (--beam-size 1), to show what beam search costs and buys, and forced to the
input's language with the glossary's names as Whisper's prompt (what `make subtitles LANG_SRC=..` does).

Long-form inputs, one per language, of at least 3 minutes: that language's shared clips one after the other,
rotated so no clip follows itself, with pauses of 1-3 s between them (continuous speech: long music gaps would
flatter any VAD). Each candidate transcribes the three files in one fresh process (model load included):
audio seconds per wall second, peak memory, WER (CER for Arabic) against the clips' references, and coverage:
the share of clips found in the subtitles over their own time span (found = at least 40% of the clip's words).
Then WER/CER per shared clip (each on its own): ours batched, ours sequential (--batch-size 1), ours greedy,
plain.
Then end to end: transcribe + segment + burn one language of a 60 s 1280x720 video, against the naive peer
pipeline (faster-whisper defaults, one ffmpeg `subtitles` burn with x264 medium), with SSIM to the source.
"""

from __future__ import annotations

import json
import re
import resource
import statistics
import subprocess
from pathlib import Path

from bench.common import MEDIA
from bench.common import timed_subprocess as _timed_subprocess
from pipeline.metrics import cer, wer, words_found

MIN_SECONDS = 180.0
ROUNDS = 3
REPEATED = ("ours (asr.transcribe, batched, default)", "ours, --beam-size 1",
            "faster-whisper BatchedInferencePipeline (batch 8)",
            "BatchedInferencePipeline (batch 8), a thread per core")
PAUSES = (1.0, 2.0, 1.5, 3.0, 2.5)
CLIPS: dict[str, tuple[str, ...]] = {
    "ar": ("audio/ar-msa_asc_ARA-NORM-0001.wav", "audio/ar-msa_asc_ARA-NORM-0003.wav"),
    "fr": ("audio/fr_picovoice_test_fr_cv.wav", "audio/fr_css10_lesmis_0153.wav", "audio/fr_sr_french.aiff"),
    "en": ("audio/en_jfk_whisper.flac", "audio/en_picovoice_test_librispeech-1272-128104-0000.wav",
           "audio/en_ami_ES2011a_headset0_40-46s.wav", "audio/en_sr_english.wav", "video/en_grid_bbaf2n.mpg",
           "video/en_grid_lwbsza.mpg", "video/en_grid_swwp2s.mpg"),
}

# Each child prints {path: {"language": ..., "segments": [[start_ms, end_ms, text], ...]}}.
OURS = """
import json, re, sys
from pipeline import glossary
from pipeline.asr import transcribe
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.segment import segment
out = {}
for path in sys.argv[2:]:
    opts = json.loads(sys.argv[1])
    prompt = None
    if opts.pop("glossary_prompt", False):  # as `make subtitles LANG_SRC=..`: forced, the glossary's names
        lang = re.search(r"long_form_(\\w+)\\.", path).group(1)
        opts["source"], prompt = lang, glossary.whisper_prompt(glossary.load(), lang) or None
    t = transcribe(path, Options(**opts), prompt=prompt)
    cues = segment(t.words, profile(t.language)) if t.words else []
    out[path] = {"language": t.language, "segments": [[c.start_ms, c.end_ms, c.text] for c in cues]}
print(json.dumps(out, ensure_ascii=False))
"""

PLAIN = """
import json, os, sys
from faster_whisper import BatchedInferencePipeline, WhisperModel
from pipeline.models import resolve_model
# its default is CTranslate2's 4 threads, more than this machine's cores: "-per-core" gives it one per core
threads = len(os.sched_getaffinity(0)) if sys.argv[1].endswith("-per-core") else 0
model = WhisperModel(resolve_model("base").path, device="cpu", compute_type="int8", cpu_threads=threads)
batched = sys.argv[1].startswith("batched")
runner = BatchedInferencePipeline(model) if batched else model
out = {}
for path in sys.argv[2:]:
    kwargs = {"batch_size": 8} if batched else {"vad_filter": True}
    if sys.argv[1] == "batched-words":
        kwargs["word_timestamps"] = True
    segments, info = runner.transcribe(path, **kwargs)
    out[path] = {"language": info.language,
                 "segments": [[round(s.start * 1000), round(s.end * 1000), s.text.strip()] for s in segments]}
print(json.dumps(out, ensure_ascii=False))
"""

PER_CLIP = """
import json, sys
from faster_whisper import WhisperModel
from pipeline.asr import transcribe
from pipeline.models import resolve_model
from pipeline.options import Options
plain = WhisperModel(resolve_model("base").path, device="cpu", compute_type="int8")
out = {}
for path in sys.argv[1:]:
    batched = " ".join(w.text for w in transcribe(path, Options(batch_size=8)).words)
    sequential = " ".join(w.text for w in transcribe(path, Options(batch_size=1)).words)
    greedy = " ".join(w.text for w in transcribe(path, Options(batch_size=8, beam_size=1)).words)
    segments, _ = plain.transcribe(path, vad_filter=True)
    out[path] = [batched, sequential, " ".join(s.text.strip() for s in segments), greedy]
print(json.dumps(out, ensure_ascii=False))
"""


def timed_subprocess(code: str, *args: str) -> tuple[float, int, str, float]:
    """`bench.common.timed_subprocess` plus the child's CPU seconds: on a machine shared with other work the
    wall time says as much about the neighbours as about the code, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak, stdout = _timed_subprocess(code, *args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, peak, stdout, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def reference(path: Path) -> str:
    text = (Path(str(path) + ".txt")).read_text(encoding="utf-8")
    return " ".join(re.sub(r"\[[^\]]*\]", " ", line) for line in text.splitlines()).strip()


def duration_s(path: Path) -> float:
    return float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                 "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout)


def order(lang: str) -> list[tuple[Path, float]]:
    """(clip, pause after it) until MIN_SECONDS: the clip list again and again, each round rotated by one, so
    no clip ever follows itself."""
    clips = [MEDIA / c for c in CLIPS[lang]]
    out: list[tuple[Path, float]] = []
    total, k = 0.0, 0
    while total < MIN_SECONDS:
        rnd = k // len(clips)
        clip = clips[(k + rnd) % len(clips)]
        if out and out[-1][0] == clip:
            clip = clips[(k + rnd + 1) % len(clips)]
        pause = PAUSES[k % len(PAUSES)]
        out.append((clip, pause))
        total += duration_s(clip) + pause
        k += 1
    return out


def build_long_form(out: Path, lang: str) -> list[tuple[int, int, str]]:
    """Write the long-form input; (start_ms, end_ms, reference) of each clip in it."""
    plan = order(lang)
    args, parts, spans, t = [], [], [], 0.0
    for i, (clip, pause) in enumerate(plan):
        args += ["-i", str(clip)]
        parts.append(f"[{i}:a]aformat=sample_rates=16000:channel_layouts=mono,apad=pad_dur={pause}[a{i}]")
        d = duration_s(clip)
        spans.append((round(t * 1000), round((t + d) * 1000), reference(clip)))
        t += d + pause
    graph = ";".join(parts) + ";" + "".join(f"[a{i}]" for i in range(len(plan))) + \
        f"concat=n={len(plan)}:v=0:a=1[out]"
    if not out.is_file():
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, "-filter_complex", graph, "-map",
                        "[out]", "-c:a", "flac", str(out)], check=True)
    return spans


def coverage(segments: list[list], spans: list[tuple[int, int, str]], lang: str) -> float:
    """Share of clips whose words (40% or more) are in the segments overlapping the clip's time span."""
    found = 0
    for start, end, ref in spans:
        text = " ".join(s[2] for s in segments if s[0] < end and start < s[1])
        found += words_found(ref, text, lang) >= 0.4
    return found / len(spans)


def score(ref: str, hyp: str, lang: str) -> float:
    return (cer if lang == "ar" else wer)(ref, hyp, lang)


def windows_decoded(path: Path) -> str:
    """Whisper's cost is mostly per 30 s window (the encoder always sees 30 s): how many windows, and how much
    audio in them, ours and BatchedInferencePipeline's own VAD packing give for this input."""
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    from pipeline import asr_windows, vad
    from pipeline.asr import SETTINGS as s
    from pipeline.media import SAMPLE_RATE, decode_audio

    audio = decode_audio(path)
    peer_vad = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160)  # as the peer's transcribe()
    chunks = vad.speech_chunks(audio, s.vad_threshold, s.vad_min_silence_ms, s.vad_pad_ms, s.window_ms - 1000)
    ours = asr_windows.windows(chunks, s.window_ms, s.window_max_pause_ms)
    peer, _ = collect_chunks(audio, get_speech_timestamps(audio, peer_vad), max_duration=30)
    return (f"ours {len(ours)} ({sum(w.length_ms for w in ours) / 1000:.0f} s), peer {len(peer)} "
            f"({sum(len(c) for c in peer) / SAMPLE_RATE:.0f} s)")


def long_form(workdir: Path) -> list[str]:
    inputs = {lang: workdir / f"long_form_{lang}.flac" for lang in CLIPS}
    spans = {lang: build_long_form(path, lang) for lang, path in inputs.items()}
    seconds = {lang: duration_s(path) for lang, path in inputs.items()}
    total = sum(seconds.values())
    files = [str(p) for p in inputs.values()]
    candidates = {
        "ours (asr.transcribe, batched, default)": (OURS, "{}"),
        # The same with greedy decoding: what beam search costs us, at what accuracy.
        "ours, --beam-size 1": (OURS, '{"beam_size": 1}'),
        # What `make subtitles LANG_SRC=xx` does: the language forced and the glossary's names as Whisper's
        # prompt (under them a French window once looped and lost 5 clips without a note).
        "ours, forced language + glossary prompt": (OURS, '{"glossary_prompt": true}'),
        "faster-whisper sequential + VAD": (PLAIN, "sequential"),
        "faster-whisper BatchedInferencePipeline (batch 8)": (PLAIN, "batched"),
        # The peer at its best thread count here (measured: 1 thread 26.6 s, 2 22.8 s, default 30.3 s).
        "BatchedInferencePipeline (batch 8), a thread per core": (PLAIN, "batched-per-core"),
        # Ours always aligns words (cues need them), the peer's default does not: this row does the same work.
        "BatchedInferencePipeline (batch 8) + word timestamps": (PLAIN, "batched-words"),
    }
    # Ours and the three peers' fast ones run ROUNDS times, interleaved (this machine's speed drifts by 10-20%
    # over minutes); their median wall and CPU time are the figures, each run's wall time is listed too.
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in candidates}
    results: dict[str, tuple[int, str]] = {}
    for rnd in range(ROUNDS):
        for name, (code, arg) in candidates.items():
            if rnd and name not in REPEATED:
                continue
            wall, peak, stdout, cpu = timed_subprocess(code, arg, *files)
            timings[name].append((wall, cpu))
            results[name] = (peak, stdout)
    rows, walls, cpus = [], {}, {}
    for name, (peak, stdout) in results.items():
        out = json.loads(stdout)
        wall, cpu = (statistics.median(x) for x in zip(*timings[name], strict=True))
        walls[name], cpus[name] = wall, cpu
        errors, covered = [], []
        for lang, path in inputs.items():
            segs = out[str(path)]["segments"]
            ref = " ".join(r for _, _, r in spans[lang])
            errors.append(f"{score(ref, ' '.join(s[2] for s in segs), lang):.3f}")
            covered.append(f"{100 * coverage(segs, spans[lang], lang):.0f}%")
        runs = " (" + ", ".join(f"{w:.1f}" for w, _ in timings[name]) + ")" if len(timings[name]) > 1 else ""
        rows.append(f"| {name} | {total / wall:.2f} | {wall:.1f}{runs} | {cpu:.1f} | {peak} | "
                    f"{' / '.join(errors)} | {' / '.join(covered)} |")
    ours, greedy, _, seq, bat, bat_cores, bat_words = walls.values()
    ours_cpu, greedy_cpu, _, seq_cpu, bat_cpu, bat_cores_cpu, bat_words_cpu = cpus.values()
    return [
        "Long-form inputs: "
        + ", ".join(f"{lang} {s:.0f} s ({len(spans[lang])} clips)" for lang, s in seconds.items())
        + f"; pauses {', '.join(f'{p:g}' for p in PAUSES)} s between clips. One fresh process per candidate "
        f"(model load included), base int8 beam 5, CPU; ours and BatchedInferencePipeline: median of "
        f"{ROUNDS} interleaved runs (each run's wall time in brackets).",
        "",
        "| candidate | audio s / wall s | wall s | CPU s | peak RSS MiB | ar CER / fr WER / en WER "
        "| coverage ar / fr / en |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Wall time ratios: ours / sequential x{ours / seq:.2f}; ours / BatchedInferencePipeline "
        f"x{ours / bat:.2f}, with a thread per core x{ours / bat_cores:.2f}; BatchedInferencePipeline / "
        f"sequential x{bat / seq:.2f}. CPU time ratios: ours "
        f"/ sequential x{ours_cpu / seq_cpu:.2f}; ours / BatchedInferencePipeline "
        f"x{ours_cpu / bat_cpu:.2f} (a thread per core x{ours_cpu / bat_cores_cpu:.2f}); "
        f"ours / BatchedInferencePipeline + word timestamps: wall "
        f"x{ours / bat_words:.2f}, CPU x{ours_cpu / bat_words_cpu:.2f}. Greedy: ours --beam-size 1 / "
        f"BatchedInferencePipeline wall x{greedy / bat:.2f}, CPU x{greedy_cpu / bat_cpu:.2f}.",
        "",
        "30 s windows decoded (audio in them), ours vs BatchedInferencePipeline's VAD packing: "
        + "; ".join(f"{lang} {windows_decoded(path)}" for lang, path in inputs.items()) + ".",
    ]


def per_clip() -> list[str]:
    clips = [(MEDIA / c, lang) for lang, cs in CLIPS.items() for c in cs]
    _, _, stdout, _ = timed_subprocess(PER_CLIP, *(str(p) for p, _ in clips))
    out = json.loads(stdout)
    rows = []
    for path, lang in clips:
        ref = reference(path)
        b, s, p, g = (score(ref, hyp, lang) for hyp in out[str(path)])
        metric = "CER" if lang == "ar" else "WER"
        rows.append(f"| {path.name} | {metric} | {b:.3f} | {s:.3f} | {g:.3f} | {p:.3f} |")
    return ["", "| clip | metric | ours batched | ours sequential | ours batched, --beam-size 1 "
            "| faster-whisper sequential + VAD |", "|---|---|---|---|---|---|", *rows]


E2E_OURS = """
import sys
from pathlib import Path
from pipeline.asr import transcribe
from pipeline.burn import burn
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.segment import segment
opts = Options(encoder="libx264")
t = transcribe(sys.argv[1], opts)
cues = {t.language: segment(t.words, profile(t.language))}
burn(Path(sys.argv[1]), cues, {t.language: Path(sys.argv[2])}, opts)
"""

E2E_NAIVE = """
import subprocess, sys
from faster_whisper import WhisperModel
from pipeline.models import resolve_model
model = WhisperModel(resolve_model("base").path)
segments, _ = model.transcribe(sys.argv[1])
def ts(s):
    ms = round(s * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
srt = sys.argv[2] + ".srt"
with open(srt, "w", encoding="utf-8") as f:
    for i, s in enumerate(segments, 1):
        f.write(f"{i}\\n{ts(s.start)} --> {ts(s.end)}\\n{s.text.strip()}\\n\\n")
subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", sys.argv[1], "-vf", f"subtitles={srt}",
                "-c:v", "libx264", "-preset", "medium", "-c:a", "copy", sys.argv[2]], check=True)
"""


def ssim(source: Path, out: Path) -> float:
    proc = subprocess.run(["ffmpeg", "-nostdin", "-i", str(out), "-i", str(source), "-lavfi", "ssim", "-f",
                           "null", "-"], capture_output=True, text=True, check=True)
    return float(re.findall(r"All:([0-9.]+)", proc.stderr)[-1])


def end_to_end(workdir: Path) -> list[str]:
    """60 s of English long-form speech over a 1280x720 moving picture."""
    source = workdir / "e2e-1280x720-60s.mp4"
    if not source.is_file():
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=s=1280x720:r=25:d=60", "-i", str(workdir / "long_form_en.flac"), "-t", "60",
                        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-shortest", str(source)],
                       check=True)
    ours_out, naive_out = workdir / "e2e-ours.en.mp4", workdir / "e2e-naive.mp4"
    runs: dict[str, list[tuple[float, int, float]]] = {"ours": [], "naive": []}
    for _ in range(ROUNDS):  # interleaved, medians (as for the long-form inputs)
        for p in (ours_out, naive_out):
            p.unlink(missing_ok=True)
        wall, peak, _, cpu = timed_subprocess(E2E_OURS, str(source), str(ours_out))
        runs["ours"].append((wall, peak, cpu))
        wall, peak, _, cpu = timed_subprocess(E2E_NAIVE, str(source), str(naive_out))
        runs["naive"].append((wall, peak, cpu))
    (ours_wall, ours_peak, ours_cpu), (naive_wall, naive_peak, naive_cpu) = (
        (statistics.median(x) for x in zip(*runs[k], strict=True)) for k in ("ours", "naive"))
    ours_ssim, naive_ssim = ssim(source, ours_out), ssim(source, naive_out)
    return [
        "",
        "End to end, one language of a 60 s 1280x720 video "
        "(transcribe + segment + burn, fresh process each):",
        "",
        "| pipeline | wall s | CPU s (with ffmpeg) | peak RSS MiB | SSIM to source | output MiB |",
        "|---|---|---|---|---|---|",
        "| ours (batched ASR, segment, one-graph burn, x264 veryfast tuned as in pipeline/burn.py, crf 20) | "
        f"{ours_wall:.1f} | {ours_cpu:.1f} | {ours_peak:.0f} | {ours_ssim:.4f} | "
        f"{ours_out.stat().st_size / 2**20:.1f} |",
        "| naive (faster-whisper defaults, ffmpeg subtitles filter, x264 medium, crf 23) | "
        f"{naive_wall:.1f} | {naive_cpu:.1f} | {naive_peak:.0f} | {naive_ssim:.4f} | "
        f"{naive_out.stat().st_size / 2**20:.1f} |",
        "",
        f"Ratios ours / naive: wall x{ours_wall / naive_wall:.2f}, CPU x{ours_cpu / naive_cpu:.2f}; SSIM "
        f"difference {ours_ssim - naive_ssim:+.4f}.",
    ]


def main(workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    return "\n".join([*long_form(workdir), *per_clip(), *end_to_end(workdir)])
