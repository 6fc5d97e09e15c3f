"""Our SRT and WebVTT files read alike in other clients: `srt`, pysubs2, pysrt, ffmpeg and webvtt-py find
the same cues, times and visible text as our own reading (`pipeline.markup`), reviewer markup included."""

from __future__ import annotations

import html
import io
import subprocess
from datetime import timedelta
from pathlib import Path

import pysrt
import pysubs2
import pytest
import srt
import webvtt
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import ordered_cues

from pipeline import markup
from pipeline.subtitles import _TIMECODE_LIKE, parse_srt_blocks, read_srt, srt_to_string, vtt_to_string
from pipeline.types import Cue

# What reviewers' files carry: placement, upper-case and spaced tags, <font>, &, <3, comparisons, an arrow,
# Arabic with a line separator, French with its narrow no-break spaces, a cue ending on an odd millisecond.
CUES = [
    Cue(0, 1500, ("{\\an8}ask what you can do",)),
    Cue(1500, 3000, ("<I>for your country.</I>", "Tom & Jerry <3")),
    Cue(3000, 4500, ("Room 5 --> floor 6", "3 < 5 et 7 > 2")),
    Cue(4500, 6001, ('<font color="red">red</font> < b >bold</b >',)),
    Cue(7000, 8000, ("أتاحت للبائع\u2028المتجول",)),
    Cue(8040, 9999, ("Bonjour\u202f! «\u202fOui\u202f»", "- Non\u202f?")),
]


def _ours(cues: list[Cue]) -> list[tuple[int, int, str]]:
    """Our reading of what we wrote: times, and the text as drawn (lines joined by newlines)."""
    return [(c.start_ms, c.end_ms, "\n".join(markup.visible(line) for line in c.lines)) for c in cues]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("interop")
    (folder / "a.srt").write_text(srt_to_string(CUES), encoding="utf-8")
    (folder / "a.vtt").write_text(vtt_to_string(CUES), encoding="utf-8")
    return {"srt": folder / "a.srt", "vtt": folder / "a.vtt"}


@pytest.fixture(scope="module")
def expected(written: dict[str, Path]) -> list[tuple[int, int, str]]:
    ours = _ours(read_srt(written["srt"].read_bytes(), lenient=False))
    assert len(ours) == len(CUES)
    assert ours[0][2] == "ask what you can do" and ours[2][2] == "Room 5 --> floor 6\n3 < 5 et 7 > 2"
    assert ours[4][2] == "أتاحت للبائع المتجول"  # the separator is drawn as a space everywhere
    return ours


def test_srt_library(written: dict[str, Path], expected: list[tuple[int, int, str]]) -> None:
    subs = list(srt.parse(written["srt"].read_text(encoding="utf-8")))
    got = [(s.start // srt.timedelta(milliseconds=1), s.end // srt.timedelta(milliseconds=1),
            "\n".join(markup.visible(line) for line in s.content.split("\n"))) for s in subs]
    assert got == expected


def test_pysubs2_srt_and_vtt(written: dict[str, Path], expected: list[tuple[int, int, str]]) -> None:
    # pysubs2 turns SRT tags into ASS overrides and drops them from plaintext: its own reading, not ours.
    for kind in ("srt", "vtt"):
        subs = pysubs2.SSAFile.from_string(written[kind].read_text(encoding="utf-8"), format_=kind)
        assert [(e.start, e.end, html.unescape(e.plaintext)) for e in subs] == expected, kind


def test_pysrt(written: dict[str, Path], expected: list[tuple[int, int, str]]) -> None:
    items = pysrt.from_string(written["srt"].read_text(encoding="utf-8"))
    got = [(i.start.ordinal, i.end.ordinal, "\n".join(markup.visible(line) for line in i.text.split("\n")))
           for i in items]
    assert got == expected
    # pysrt's own tag stripping is naive: it takes "< 5 et 7 >" for a tag. Cue count and text are the same.
    assert items[2].text_without_tags.endswith("3  2")


def test_webvtt_py(written: dict[str, Path], expected: list[tuple[int, int, str]]) -> None:
    captions = list(webvtt.from_buffer(io.StringIO(written["vtt"].read_text(encoding="utf-8"))))
    got = [(_ms(c.start), _ms(c.end), html.unescape(c.text)) for c in captions]  # start_in_seconds is whole
    assert got == expected
    # {\an8}: at the top
    assert [str(c.settings).strip() for c in captions] == ["line:0"] + [""] * (len(CUES) - 1)


def _ms(stamp: str) -> int:
    h, m, s = stamp.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


@pytest.mark.parametrize("kind", ["srt", "vtt"])
def test_ffmpeg_reads_what_we_read(written: dict[str, Path], expected: list[tuple[int, int, str]],
                                   kind: str) -> None:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(written[kind]), "-f", "srt", "-"],
                         capture_output=True, check=True).stdout
    assert _ours(read_srt(out, "ffmpeg", lenient=False)) == expected


any_line = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)


def any_cues() -> st.SearchStrategy[list[Cue]]:
    return ordered_cues(any_line, 1, 5, 3000, 100_000)


@settings(max_examples=300, deadline=timedelta(seconds=1))
@given(any_cues())
def test_any_text_is_written_so_that_readers_find_the_same_cues(cues: list[Cue]) -> None:
    # A line that is itself a timecode cannot be told from one in any SRT reader: not ours to write.
    assume(not any(_TIMECODE_LIKE.fullmatch(line.strip()) for c in cues for line in c.lines))
    text = srt_to_string(cues)
    blocks = parse_srt_blocks(text)
    assert [(b.start_ms, b.end_ms) for b in blocks] == [(c.start_ms, c.end_ms) for c in cues]
    assert all(b.error is None and not b.leniencies for b in blocks)
    shown = [b.lines for b in blocks if b.lines]
    assert [(s.start // srt.timedelta(milliseconds=1), tuple(s.content.split("\n"))) for s in srt.parse(text)
            if s.content] == [(b.start_ms, b.lines) for b in blocks if b.lines] and len(shown) <= len(cues)
    vtt = list(webvtt.from_buffer(io.StringIO(vtt_to_string(cues))))
    assert [_ms(c.start) for c in vtt] == [c.start_ms for c in cues]
