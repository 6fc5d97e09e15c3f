"""`python -m pipeline transcribe MEDIA -o OUT.srt`: one file to an SRT in the language spoken."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from pipeline import glossary, review
from pipeline.asr import transcribe_cached
from pipeline.cache import Cache
from pipeline.commands.common import (
    add_model_args,
    add_subtitle_args,
    check_model_options,
    existing_file,
    options_from_args,
)
from pipeline.errors import PipelineError, UsageError
from pipeline.media import probe
from pipeline.naming import srt_path
from pipeline.options import AUTO_SOURCE
from pipeline.profiles import profile, resolve_preset
from pipeline.segment import segment
from pipeline.subtitles import save_srt, srt_to_string
from pipeline.types import Cue, Transcript


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("media", type=Path, help="video or audio file")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="SRT to write (default: subtitles/<stem>.<lang>.srt)")
    add_model_args(p)
    add_subtitle_args(p)
    p.add_argument("--glossary", type=existing_file, default=None,
                   help="campaign glossary CSV: names kept whole and as written (default: the shipped one)")
    p.add_argument("--cache-dir", type=Path, default=None, help="default: $PIPELINE_CACHE_DIR or ~/.cache")
    p.add_argument("--no-progress", dest="progress", action="store_false")


class _Bar:
    """tqdm over audio seconds: done / total and an ETA from the rate so far."""

    def __init__(self, name: str, enabled: bool) -> None:
        self.name, self.enabled, self.bar = name, enabled, None

    def __call__(self, done_ms: int, total_ms: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=round(total_ms / 1000, 1), desc=self.name, unit="s audio", file=sys.stderr,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                                       "[{elapsed}<{remaining}]")
        self.bar.update(max(0.0, round(done_ms / 1000, 1) - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cues_for(transcript: Transcript, preset: str, overrides: dict[str, float] | None = None,
             names: tuple[str, ...] = ()) -> list[Cue]:
    """Style-guide cues from the words (`names` kept whole and as written); none when nothing was said."""
    if not transcript.words:
        return []
    return segment(transcript.words, profile(transcript.language, preset, overrides, names))


def _reviewer_kept(out: Path) -> str:
    return (f"{out}: edited by a reviewer, left as it is; pass -o OTHER.srt to write a fresh transcript "
            "elsewhere")


def handle(args: argparse.Namespace) -> int:
    opts = options_from_args(args)
    if opts.source == AUTO_SOURCE:  # one file, nothing remembered: auto is plain detection
        opts = dataclasses.replace(opts, source=None)
    if not args.media.is_file():
        raise UsageError(f"{args.media}: no such file")
    check_model_options(opts)
    # Into the output folder (the default, or any folder a run wrote to) the batch's manifest rules hold:
    # a reviewer's SRT is never replaced. Known before transcribing when the name does not hang on the
    # language.
    early = args.output or (Path("subtitles") / f"{args.media.stem}.{opts.source}.srt" if opts.source
                            else None)
    if early is not None and (args.output is None or review.has_manifest(early.parent)) \
            and review.Manifest(early.parent).state(early).reviewer_owned:
        raise UsageError(_reviewer_kept(early))
    terms = glossary.load(args.glossary)
    prompt = glossary.whisper_prompt(terms, opts.source) or None if opts.source else None  # as `run` does
    info = probe(args.media)
    preset = resolve_preset(opts.preset, info.width, info.height)
    bar = _Bar(args.media.name, opts.progress and sys.stderr.isatty())
    try:
        transcript, hit = transcribe_cached(args.media, opts, Cache(opts.cache_dir), on_progress=bar,
                                            prompt=prompt)
    finally:
        bar.close()
    cues = cues_for(transcript, preset, dict(opts.profile_overrides) or None, terms.names())
    out = args.output or srt_path(Path("subtitles"), args.media.stem, transcript.language)
    if args.output is None or review.has_manifest(out.parent):
        if review.write_output(out, srt_to_string(cues), lang=transcript.language).kept:
            raise PipelineError(_reviewer_kept(out))
    else:
        save_srt(out, cues)
    for note in transcript.notes:
        print(f"note: {args.media}: {note}", file=sys.stderr)
    print(f"{out}: {len(cues)} cues, language {transcript.language}, {len(transcript.words)} words"
          f"{' (cached transcript)' if hit else ''}")
    return 0
