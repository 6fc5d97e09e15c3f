"""Exports derived from a language's final cues: WebVTT for the web, Facebook-named SRT for social posting.

`<out_dir>/<stem>.<lang>.vtt` and `<out_dir>/social/<stem>.<ll_CC>.srt` (UTF-8 without BOM). Both go through
the review manifest like every other file we write, so a hand-fixed export is not overwritten either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline import review
from pipeline.naming import social_path, vtt_path
from pipeline.subtitles import srt_to_string, vtt_to_string
from pipeline.types import Cue


def export(manifest: review.Manifest, out_dir: Path, stem: str, lang: str, cues: Sequence[Cue],
           srt_sha: str) -> list[review.WriteOutcome]:
    """Write the VTT and the social SRT for one language; `srt_sha` names the SRT they were derived from."""
    return [
        review.write_text(manifest, vtt_path(out_dir, stem, lang), vtt_to_string(cues), from_srt=srt_sha),
        review.write_text(manifest, social_path(out_dir, stem, lang), srt_to_string(cues), from_srt=srt_sha),
    ]
