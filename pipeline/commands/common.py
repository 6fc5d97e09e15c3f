"""Argument groups shared by several subcommands, and the one place args become `Options`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.executors import EXECUTORS
from pipeline.options import Options
from pipeline.profiles import LANGUAGES, PRESETS, profile


def _lang(value: str) -> str:
    if value not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"unsupported language {value!r} (choose from {', '.join(LANGUAGES)})")
    return value


def _lang_list(value: str) -> tuple[str, ...]:
    langs = tuple(v.strip() for v in value.split(",") if v.strip())
    for lg in langs:
        _lang(lg)
    return langs


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


def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("transcription")
    g.add_argument("--model", default=os.environ.get("PIPELINE_MODEL") or "base",
                   help="Whisper model: 'base' (embedded, default), a size name (small, medium, large-v3, turbo...) "
                        "or a folder holding a faster-whisper model")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    g.add_argument("--compute-type", default="auto", help="auto = int8 on CPU, float16 on CUDA")
    g.add_argument("--source", type=_lang, default=None, help="force the spoken language (ar, fr, en)")
    g.add_argument("--beam-size", type=_positive_int, default=5, help="Whisper beam search width (>= 1)")


def add_subtitle_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("subtitles")
    g.add_argument("--preset", choices=["auto", *PRESETS], default="auto",
                   help="line layout: auto picks from the video's aspect ratio")
    g.add_argument("--set", dest="profile_overrides", type=_override, action="append", default=[],
                   metavar="NAME=NUMBER", help="override a profile limit, e.g. --set max_cps=15 --set max_chars=37")


def add_translation_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("translation")
    g.add_argument("--targets", type=_lang_list, default=None,
                   help="comma-separated target languages (default: all of ar,fr,en except the source)")
    g.add_argument("--translator", choices=["argos", "whisper"], default="argos")
    g.add_argument("--models-dir", type=Path, default=None, help="extra folder of Argos packages")
    g.add_argument("--glossary", type=Path, default=None, help="campaign glossary CSV (default: the shipped one)")


def add_burn_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("burning")
    g.add_argument("--crf", type=int, default=20)
    g.add_argument("--x264-preset", default="veryfast")
    g.add_argument("--encoder", choices=["auto", "libx264", "h264_nvenc"], default="auto")


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
                   help="with --executor ray: the cluster to join, e.g. 10.0.0.5:6379 (default: $RAY_ADDRESS, "
                        "else a one-machine Ray started for this run)")


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
    return opts
