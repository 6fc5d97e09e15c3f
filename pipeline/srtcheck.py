"""QC of SRT files and text: read leniently, tell the language (`--lang`, else the file name, else the text),
then run the pure `qc` rules. The edge around `qc`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline import qc
from pipeline.errors import SubtitleParseError
from pipeline.langid import guess_language
from pipeline.naming import language_from_name
from pipeline.profiles import profile
from pipeline.subtitles import decode_srt, parse_srt_blocks


def check_text(text: str, source: str, lang: str | None = None, preset: str = "landscape",
               overrides: dict[str, float] | None = None, notes: Iterable[str] = (),
               names: Iterable[str] = (), speech: Sequence[tuple[int, int]] | None = None) -> qc.Report:
    """`names`: the glossary's names (kept whole and as written: not typography errors). `speech`: speech
    spans of the media the text subtitles (vad.speech_spans), for speech_without_subtitle."""
    blocks = parse_srt_blocks(text)
    lang = lang or language_from_name(source) or guess_language(" ".join(" ".join(b.lines) for b in blocks))
    return qc.check_blocks(blocks, profile(lang, preset, overrides, names), source, notes, speech)


def check_file(path: str | os.PathLike[str], lang: str | None = None, preset: str = "landscape",
               overrides: dict[str, float] | None = None, names: Iterable[str] = (),
               encoding: str | None = None, speech: Sequence[tuple[int, int]] | None = None) -> qc.Report:
    """Read any SRT leniently (BOM, CRLF, legacy encodings, or `encoding`) and report every problem per cue;
    `speech`: the speech spans of its media, for speech_without_subtitle."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SubtitleParseError(str(path), None, f"cannot be read ({exc.strerror or exc})") from None
    text, notes = decode_srt(data, str(path), encoding)
    return check_text(text, str(path), lang, preset, overrides, notes, names, speech)
