#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU (under 5 minutes): float16 batched transcription of the long-form
# bench inputs (audio seconds per wall second, WER/CER, coverage), an NVENC burn of three languages in one
# graph, and checks of the outputs (H.264 from NVENC, not the libx264 fallback; every frame; audio kept).
# Usage: bench/gpu_check.sh [PYTHON]   (default .venv/bin/python); SHARED_MEDIA as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
OUT=${GPU_CHECK_OUT:-bench/out/gpu_check}
mkdir -p "$OUT"
export PIPELINE_CACHE_DIR=${PIPELINE_CACHE_DIR:-$OUT/cache}

nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader || {
  echo "gpu_check: nvidia-smi failed: no NVIDIA GPU or driver here" >&2; exit 2; }

timeout 290 "$PY" - "$OUT" <<'EOF'
import json, subprocess, sys, time
from pathlib import Path

import ctranslate2

from bench.bench_asr import CLIPS, build_long_form, coverage, duration_s, score
from pipeline import asr, devices
from pipeline.burn import burn
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.segment import segment

out = Path(sys.argv[1])
gpus = ctranslate2.get_cuda_device_count()
plan = devices.machine_plan("auto", "auto")
print(f"CTranslate2 sees {gpus} GPU(s); plan: {plan}; default batch {devices.default_batch_size(plan.kind)}; "
      f"default jobs {devices.default_jobs(gpus, __import__('os').cpu_count() or 2)}")
assert plan.kind == "cuda" and plan.compute_type == "float16", plan
failures = []

# 1. float16 batched transcription of the long-form inputs (model loaded before the clock starts).
opts = Options(device="cuda")
asr.load_model(opts)
rows = []
for lang in CLIPS:
    path = out / f"long_form_{lang}.flac"
    spans = build_long_form(path, lang)
    seconds = duration_s(path)
    started = time.perf_counter()
    t = asr.transcribe(path, opts)
    wall = time.perf_counter() - started
    cues = segment(t.words, profile(lang))
    segs = [[c.start_ms, c.end_ms, c.text] for c in cues]
    err = score(" ".join(r for _, _, r in spans), " ".join(c.text for c in cues), lang)
    cov = coverage(segs, spans, lang)
    rows.append(f"| {lang} | {seconds:.0f} | {wall:.1f} | {seconds / wall:.1f} | "
                f"{'CER' if lang == 'ar' else 'WER'} {err:.3f} | {100 * cov:.0f}% |")
    if cov < 1.0:
        failures.append(f"{lang}: coverage {cov:.0%}")
print("| lang | audio s | wall s | audio s / wall s | error | coverage |\n|---|---|---|---|---|---|")
print("\n".join(rows))

# 2. NVENC burn of three languages of a 60 s 1280x720 video in one graph.
source = out / "nvenc-source.mp4"
subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=60",
                "-f", "lavfi", "-i", "sine=f=330:d=60", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                "yuv420p", "-c:a", "aac", "-shortest", str(source)], check=True)
lines = {"ar": ("جربت LibanTroc وكانت تجربة رائعة!",), "fr": ("J'ai essayé LibanTroc, c'était génial !",),
         "en": ("I tried LibanTroc and it was great!",)}
from pipeline.types import Cue
tracks = {lg: [Cue(t, t + 2500, ln) for t in range(0, 57_000, 3000)] for lg, ln in lines.items()}
outputs = {lg: out / f"nvenc.{lg}.mp4" for lg in lines}
started = time.perf_counter()
notes = burn(source, tracks, outputs, Options(encoder="h264_nvenc"))
wall = time.perf_counter() - started
print(f"\nNVENC burn, 3 languages, 60 s 1280x720: {wall:.1f} s wall ({60 / wall:.1f}x real time); notes: {notes}")
if notes:
    failures.append(f"NVENC fell back: {notes}")

# 3. Output checks.
for lg, path in outputs.items():
    streams = json.loads(subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json",
                                         str(path)], capture_output=True, text=True, check=True).stdout)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    ok = (video["codec_name"] == "h264" and int(video["nb_read_frames"]) == 1500
          and any(s["codec_type"] == "audio" for s in streams) and b"x264 - core" not in path.read_bytes())
    print(f"{path.name}: {video['codec_name']} {video['width']}x{video['height']} "
          f"{video['nb_read_frames']} frames, {'ok' if ok else 'WRONG'}")
    if not ok:
        failures.append(f"{path.name}: unexpected output")
print("\ngpu_check:", "all checks passed" if not failures else "FAILED: " + "; ".join(failures))
sys.exit(1 if failures else 0)
EOF
