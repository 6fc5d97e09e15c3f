"""Exports derived from a language's final cues: WebVTT for the web, Facebook-named SRT for social posting.

`<out_dir>/<stem>.<lang>.vtt` and `<out_dir>/social/<stem>.<ll_CC>.srt` (UTF-8 without BOM). Both go through
the review manifest like every other file we write, so a hand-fixed export is not overwritten either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline import review
from pipeline.profiles import language
from pipeline.subtitles import srt_to_string, vtt_to_string
from pipeline.types import Cue

SOCIAL_DIR = "social"


def social_path(out_dir: Path, stem: str, lang: str) -> Path:
    """Facebook's caption file naming: NAME.ll_CC.srt (e.g. ar_AR, fr_FR, en_US)."""
    return out_dir / SOCIAL_DIR / f"{stem}.{language(lang).facebook_locale}.srt"


def vtt_path(out_dir: Path, stem: str, lang: str) -> Path:
    return out_dir / f"{stem}.{lang}.vtt"


def export(manifest: review.Manifest, out_dir: Path, stem: str, lang: str, cues: Sequence[Cue],
           srt_sha: str) -> list[review.WriteOutcome]:
    """Write the VTT and the social SRT for one language; `srt_sha` names the SRT they were derived from."""
    return [
        review.write_text(manifest, vtt_path(out_dir, stem, lang), vtt_to_string(cues), from_srt=srt_sha),
        review.write_text(manifest, social_path(out_dir, stem, lang), srt_to_string(cues), from_srt=srt_sha),
    ]
