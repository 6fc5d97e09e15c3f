"""Argument groups shared by several subcommands, and the one place args become `Options`."""

from __future__ import annotations

import argparse
import codecs
import os
from collections.abc import Callable
from pathlib import Path

from pipeline import devices
from pipeline.errors import ModelError, UsageError
from pipeline.executors import EXECUTORS
from pipeline.options import AUTO_SOURCE, Options
from pipeline.profiles import LANGUAGES, PRESETS, profile


def _lang(value: str) -> str:
    if value not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"unsupported language {value!r} (choose from "
                                         f"{', '.join(LANGUAGES)})")
    return value


def _source(value: str) -> str:
    return value if value == AUTO_SOURCE else _lang(value)


def _lang_list(value: str) -> tuple[str, ...]:
    langs = tuple(v.strip() for v in value.split(",") if v.strip())
    for lg in langs:
        _lang(lg)
    return langs


def _encoding(value: str) -> str:
    """A Python text codec name (cp1256, cp1252, utf-16...), checked before any file is read."""
    try:
        info = codecs.lookup(value)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise argparse.ArgumentTypeError(f"unknown text encoding {value!r} (e.g. utf-8, cp1256, cp1252, "
                                         f"cp1251)")
    return info.name


def add_encoding_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", type=_encoding, default=None, metavar="NAME",
                   help="read the subtitle files in this encoding (default: UTF-8/16/32, else detected; "
                        "a file whose encoding cannot be told is refused)")


def _override(value: str) -> tuple[str, float]:
    key, sep, num = value.partition("=")
    try:
        if not sep:
            raise ValueError
        return key.strip().replace("-", "_"), float(num)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER (e.g. max_cps=15), got {value!r}") from None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer (e.g. 5), got {value!r}")
    return number


def _device(value: str) -> str:
    try:
        devices.parse(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value.strip().lower()


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {value!r}")
        return number
    return parse


def existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value}: no such file")
    return path


def existing_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: no such folder")
    return path


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow", "placebo")
# CTranslate2's compute types ("default" = the model's own); which of them a device runs is checked later.
COMPUTE_TYPES = ("auto", "default", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
                 "float16", "bfloat16", "float32")


def check_model_options(opts: Options) -> None:
    """The Whisper model, device and compute type usable here: a UsageError (exit 2) before any work,
    not a failure recorded on every video (and over the record of videos finished before)."""
    from pipeline.asr import resolve_device
    from pipeline.models import resolve_model

    resolve_device(opts)
    try:
        resolve_model(opts.model)
    except ModelError as exc:
        raise UsageError(f"--model {opts.model}: {exc}") from None


def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("transcription")
    g.add_argument("--model", default=os.environ.get("PIPELINE_MODEL") or "base",
                   help="Whisper model: 'base' (embedded, default), a size name (small, medium, large-v3, "
                        "turbo...) or a folder holding a faster-whisper model")
    g.add_argument("--device", type=_device, default="auto",
                   help="auto (every GPU seen, else CPU), cpu, cuda, or cuda:N for one GPU; translation "
                        "follows (default: auto)")
    g.add_argument("--compute-type", choices=COMPUTE_TYPES, default="auto",
                   help="auto = int8 on CPU, float16 on CUDA")
    g.add_argument("--source", type=_source, default=None,
                   help="force the spoken language (ar, fr, en); remembered per video by `run`, so later "
                        "runs of the folder keep it; 'auto' detects it again and forgets (default: detect)")
    g.add_argument("--beam-size", type=_positive_int, default=5, help="Whisper beam search width (>= 1)")
    g.add_argument("--batch-size", type=_positive_int, default=None,
                   help="speech windows decoded at once (default: 16 on a GPU; 2 on CPU, batches shared out "
                        "among a worker per core; 1 = one at a time)")


def add_subtitle_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("subtitles")
    g.add_argument("--preset", choices=["auto", *PRESETS], default="auto",
                   help="line layout: auto picks from the video's aspect ratio")
    g.add_argument("--set", dest="profile_overrides", type=_override, action="append", default=[],
                   metavar="NAME=NUMBER",
                   help="override a profile limit, e.g. --set max_cps=15 --set max_chars=37")


def add_translation_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("translation")
    g.add_argument("--targets", type=_lang_list, default=None,
                   help="comma-separated target languages (default: all of ar,fr,en except the source)")
    g.add_argument("--translator", choices=["argos", "whisper"], default="argos")
    g.add_argument("--models-dir", type=existing_dir, default=None, help="extra folder of Argos packages")
    g.add_argument("--glossary", type=existing_file, default=None,
                   help="campaign glossary CSV (default: the shipped one)")


def add_burn_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("burning")
    g.add_argument("--crf", type=_int_in(0, 51), default=20,
                   help="quality, 0 (lossless) to 51 (worst); 18-23 looks clean (default: 20)")
    g.add_argument("--x264-preset", choices=X264_PRESETS, default="veryfast")
    g.add_argument("--encoder", choices=["auto", "libx264", "h264_nvenc"], default="auto")
    g.add_argument("--caption-style", choices=["phrase", "words"], default="phrase",
                   help="phrase: whole cues (default); words: 1-3 big words at a time, the spoken one "
                        "highlighted (Reels/TikTok/Shorts)")
    g.add_argument("--style", type=Path, default=None, metavar="FILE",
                   help="campaign style file (TOML or YAML): fonts, sizes, colours, position, "
                        "per preset and language")


def add_batch_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("batch")
    g.add_argument("-o", "--out-dir", type=Path, default=Path("subtitles"))
    g.add_argument("--cache-dir", type=Path, default=None)
    g.add_argument("--jobs", type=int, default=None)
    g.add_argument("--force", action="store_true", help="regenerate everything that is not reviewer-edited")
    g.add_argument("--no-burn", dest="burn", action="store_false", help="write subtitles only")
    g.add_argument("--no-progress", dest="progress", action="store_false")
    g.add_argument("--executor", choices=list(EXECUTORS), default="local",
                   help="where videos run: local (threads on this machine, default) or ray (a Ray cluster; "
                        "needs pip install '.[ray]')")
    g.add_argument("--ray-address", default=None, metavar="ADDRESS",
                   help="with --executor ray: the cluster to join, e.g. 10.0.0.5:6379 (default: "
                        "$RAY_ADDRESS, else a one-machine Ray started for this run)")


def options_from_args(args: argparse.Namespace) -> Options:
    """Build Options from whatever argument groups this subcommand has; absent groups keep defaults."""
    names = Options.__dataclass_fields__
    values = {k: v for k, v in vars(args).items() if k in names}
    if "profile_overrides" in values:
        values["profile_overrides"] = tuple(values["profile_overrides"])
    opts = Options(**values)
    if opts.jobs is not None and opts.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if opts.ray_address and opts.executor != "ray":
        raise UsageError("--ray-address needs --executor ray")
    if opts.profile_overrides:  # refuse a nonsense --set now, not after hours of transcription
        profile("en", "landscape", dict(opts.profile_overrides))
    if opts.style is not None:  # a bad key, colour or font stops the run here, before any work
        from pipeline.burn import check_style_fonts, load_style

        check_style_fonts(load_style(opts), f"--style {opts.style}")
    return opts
