"""All run options in one dataclass, built once by the CLI and passed down unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

AUTO_SOURCE = "auto"  # --source auto: detect from speech, and forget a language forced for a video before


@dataclass(frozen=True)
class Options:
    # Transcription
    model: str = "base"  # "base" = the embedded model; a size name (small, large-v3, turbo...) or a folder
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "auto"  # auto = int8 on CPU, float16 on CUDA
    # forced source language; None = detect (or what was forced before); "auto" = detect
    source: str | None = None
    beam_size: int = 5
    batch_size: int | None = None  # speech windows decoded at once; None = by device (1 = one at a time)
    # Translation
    targets: tuple[str, ...] | None = None  # None = every supported language except the source
    translator: str = "argos"  # argos | whisper
    models_dir: Path | None = None  # extra folder of Argos packages
    glossary: Path | None = None  # None = the shipped campaign glossary
    # Subtitles
    preset: str = "auto"  # auto (from the video's aspect ratio) | landscape | vertical | square
    profile_overrides: tuple[tuple[str, float], ...] = ()
    # Burning
    burn: bool = True
    crf: int = 20
    x264_preset: str = "veryfast"
    encoder: str = "auto"  # auto = h264_nvenc when a GPU is usable, else libx264
    caption_style: str = "phrase"  # phrase (whole cues) | words (1-3 words, the spoken one highlighted)
    style: Path | None = None  # campaign style file (TOML/YAML); None = the shipped look
    # Batch
    out_dir: Path = field(default=Path("subtitles"))
    cache_dir: Path | None = None  # None = $PIPELINE_CACHE_DIR or ~/.cache/campaign-captions
    jobs: int | None = None  # None = fit the machine
    force: bool = False
    progress: bool = True
    # Where videos run: "local" (threads in this process) or "ray" (a cluster; see pipeline/executors)
    executor: str = "local"
    ray_address: str | None = None  # None = $RAY_ADDRESS, else a Ray started on this machine for the run
