"""`python -m pipeline burn VIDEO SRT... [-o OUT_OR_DIR] [--preset] [--crf] [--x264-preset] [--encoder]`.

Each SRT's language comes from `--lang` or from its name, `<stem>.<lang>.srt`. All languages are burned in one
ffmpeg run (one decode); outputs are `<dir>/<video stem>.<lang>.mp4`, or the `-o` file when one SRT is given.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import burn as burner
from pipeline import glossary, qc
from pipeline.cache import atomic_write_text
from pipeline.commands import common
from pipeline.errors import UsageError
from pipeline.media import probe
from pipeline.naming import language_from_name, mp4_path
from pipeline.options import Options
from pipeline.profiles import LANGUAGES, PRESETS, profile, resolve_preset
from pipeline.subtitles import load_srt
from pipeline.types import Cue

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", type=Path, help="the video to burn subtitles into")
    p.add_argument("srts", type=Path, nargs="+", metavar="SRT",
                   help="subtitle files, named <stem>.<lang>.srt")
    p.add_argument("-o", "--out", type=Path, default=None,
                   help="output folder (default: subtitles/), or an .mp4 file when one SRT is given")
    p.add_argument("--lang", default=None, metavar="LANGS",
                   help="languages of the SRT files in order, comma-separated (default: from the file names)")
    p.add_argument("--preset", choices=["auto", *PRESETS], default="auto",
                   help="layout: auto picks from the video's displayed aspect ratio")
    common.add_burn_args(p)
    common.add_encoding_arg(p)


def languages_of(srts: Sequence[Path], given: str | None) -> list[str]:
    """One language per SRT: from `--lang` (in order) or from `<stem>.<lang>.srt`; no language twice."""
    if given is not None:
        langs = [v.strip() for v in given.split(",") if v.strip()]
        if len(langs) != len(srts):
            raise UsageError(f"--lang names {len(langs)} language(s) for {len(srts)} SRT file(s)")
    else:
        langs = []
        for srt in srts:
            code = language_from_name(srt)
            if code is None:
                raise UsageError(f"{srt}: cannot tell its language; name it <stem>.<lang>.srt "
                                 f"({', '.join(LANGUAGES)}) or pass --lang")
            langs.append(code)
    for code in langs:
        if code not in LANGUAGES:
            raise UsageError(f"unsupported language {code!r}: choose from {', '.join(LANGUAGES)}")
    if len(set(langs)) != len(langs):
        raise UsageError(f"each language once per burn, got {', '.join(langs)}")
    return langs


def output_paths(video: Path, langs: Sequence[str], out: Path | None, default_dir: Path) -> dict[str, Path]:
    if out is not None and out.suffix.lower() == ".mp4":
        if len(langs) != 1:
            raise UsageError(f"-o {out} is one file but {len(langs)} languages are burned: give a folder")
        return {langs[0]: out}
    folder = out if out is not None else default_dir
    return {lang: mp4_path(folder, video.stem, lang) for lang in langs}


def handle(args: argparse.Namespace) -> int:
    opts = common.options_from_args(args)
    langs = languages_of(args.srts, args.lang)
    outputs = output_paths(args.video, langs, args.out, opts.out_dir)
    tracks = {}
    for lang, srt in zip(langs, args.srts, strict=True):
        tracks[lang] = load_srt(srt, encoding=args.encoding)
        if not tracks[lang]:
            log.warning("%s: no cues; its video will have no subtitles", srt)
    burned = burner.burn(args.video, tracks, outputs, opts)
    for lang, out in outputs.items():  # the .ass export of what was burned, beside each video
        ass = out.with_suffix(".ass")
        atomic_write_text(ass, burned.scripts[lang])
        print(out)
        print(ass)
    if burned.approximate:
        log.warning("word timing approximate for %s: an SRT has no word times, so words are spread over each "
                    "cue by length", ", ".join(burned.approximate))
    return _qc_verdict(args, tracks, opts)


def _qc_verdict(args: argparse.Namespace, tracks: dict[str, list[Cue]], opts: Options) -> int:
    """1 when a burned track breaks the style guide (an over-long line, say): the video is made, as asked,
    but it is not one to publish without a look."""
    info = probe(args.video)
    preset = resolve_preset(opts.preset, info.width, info.height)
    names = glossary.load(None).names()
    status = 0
    for (lang, cues), srt in zip(tracks.items(), args.srts, strict=True):
        errors = [f for f in qc.check_cues(cues, profile(lang, preset, None, names)) if f.severity == "error"]
        if errors:
            status = 1
            print(f"error: {srt}: {len(errors)} style-guide error(s) burned in, e.g. {errors[0].message} "
                  f"(see `python -m pipeline check {srt} --preset {preset}`)", file=sys.stderr)
    return status
