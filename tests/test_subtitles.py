"""SRT and WebVTT: round trips, strict parsing with located errors, lenient reading of legacy files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import ordered_cues

from pipeline.errors import SubtitleParseError
from pipeline.subtitles import (
    decode_srt,
    load_srt,
    parse_srt_blocks,
    read_srt_text,
    save_srt,
    srt_from_string,
    srt_to_string,
    vtt_to_string,
)
from pipeline.types import Cue

ARABIC = "أتاحت للبائع المتجول أن يكون جاذبا"
line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                    max_size=30).map(
    str.strip).filter(lambda s: s and not s.isdigit() and "-->" not in s)


def cue_lists() -> st.SearchStrategy[list[Cue]]:
    return ordered_cues(line_text, 0, 8, 5000, 10_000_000)


@given(cue_lists())
def test_srt_round_trip(cues: list[Cue]) -> None:
    text = srt_to_string(cues)
    assert srt_from_string(text) == cues
    assert srt_from_string(text.replace("\n", "\r\n")) == cues


@given(cue_lists())
def test_vtt_has_header_and_dotted_times(cues: list[Cue]) -> None:
    text = vtt_to_string(cues)
    assert text.startswith("WEBVTT\n\n")
    assert text.count(" --> ") == len(cues)
    assert "," not in "".join(line for line in text.split("\n") if " --> " in line)


def test_vtt_escapes_and_keeps_simple_tags() -> None:
    body = vtt_to_string([Cue(0, 1500, ("<i>Tom & Jerry</i> <font color=red>x</font>", "a --> b"))])
    assert "00:00:00.000 --> 00:00:01.500" in body
    assert "<i>Tom &amp; Jerry</i> x" in body and "a --&gt; b" in body


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("1\n00:00:01,000 -> 00:00:02,000\nHi\n", 2, "well-formed"),
    ("1\n00:00:0x,000 --> 00:00:02,000\nHi\n", 2, "HH:MM:SS,mmm"),
    ("1\n00:00:03,000 --> 00:00:02,000\nHi\n", 2, "end time after the start"),
    ("1\n00:00:01,000 --> 00:00:02,000\n\n", 3, "subtitle text"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nHo\n", 4, "blank line"),
    ("hello\n00:00:01,000 --> 00:00:02,000\nHi\n", 1, "cue number"),
])
def test_strict_errors_name_the_line_and_what_was_expected(text: str, line: int, expected: str) -> None:
    with pytest.raises(SubtitleParseError) as err:
        srt_from_string(text, "talk.srt")
    assert err.value.path == "talk.srt" and err.value.line == line
    assert expected in err.value.detail


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


SAMPLE = f"1\n00:00:01,000 --> 00:00:02,500\n{ARABIC}\n\n2\n00:00:03,000 --> 00:00:04,000\nمرحبا\n"


def test_reads_cp1256_arabic_without_mojibake(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "legacy.srt", SAMPLE.replace("\n", "\r\n").encode("cp1256"))
    with caplog.at_level(logging.WARNING):
        cues = load_srt(path)
    assert cues[0].lines == (ARABIC,) and cues[1].lines == ("مرحبا",)
    assert "cp1256" in caplog.text and "CRLF" in caplog.text


def test_reads_cp1252_french(tmp_path: Path) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nÉté à Noël, très château\n"
    assert load_srt(_write(tmp_path, "fr.srt",
                           text.encode("cp1252")))[0].lines == ("Été à Noël, très château",)


def test_bom_and_missing_final_blank_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "bom.srt", b"\xef\xbb\xbf" + SAMPLE.rstrip("\n").encode("utf-8"))
    with caplog.at_level(logging.WARNING):
        assert read_srt_text(path).startswith("1\n")
        cues = load_srt(path)
    assert [c.lines for c in cues] == [(ARABIC,), ("مرحبا",)]
    assert "byte-order mark" in caplog.text
    utf16 = _write(tmp_path, "u16.srt", SAMPLE.encode("utf-16"))
    assert load_srt(utf16)[0].lines == (ARABIC,)


def test_lenient_repairs_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sloppy = ("1\n0:0:1.5 --> 0:0:2,000\nnot certain\n\n"
              "2\n0:00:03.000->00:00:04,000\nsloppy\n3\n00:00:05,000 --> 00:00:06,000\nno blank line\n\n"
              "00:00:07,000 --> 00:00:08,000\nno number\n\n9\n00:00:09,000 --> 00:00:10,000\n\n")
    with pytest.raises(SubtitleParseError) as err:  # "1.5": 5 or 500 ms? Not certain: refused.
        load_srt(_write(tmp_path, "a.srt", sloppy.encode()))
    assert err.value.line == 2
    path = _write(tmp_path, "b.srt", sloppy.split("\n\n", 1)[1].encode())
    with caplog.at_level(logging.WARNING):
        cues = load_srt(path)
    assert [(c.start_ms, c.end_ms, c.lines) for c in cues] == [
        (3000, 4000, ("sloppy",)), (5000, 6000, ("no blank line",)), (7000, 8000, ("no number",))]
    for note in ("sloppy timecode", "missing blank line", "cue number missing", "empty cue skipped",
                 "renumbered"):
        assert note in caplog.text
    with pytest.raises(SubtitleParseError):
        load_srt(path, lenient=False)


def test_lenient_still_refuses_what_is_uncertain(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.srt", b"1\n00:00:05,000 --> 00:00:04,000\nreversed\n")
    with pytest.raises(SubtitleParseError) as err:
        load_srt(path)
    assert err.value.path == str(path) and err.value.line == 2
    with pytest.raises(SubtitleParseError):
        load_srt(tmp_path / "missing.srt")


def test_blocks_keep_numbers_and_raw_timecodes() -> None:
    blocks = parse_srt_blocks("7\n00:00:01,000 --> 00:00:02,000\nA\n\n3\nbroken\nB\n\n8\n00:00:03,000 --> "
                              "00:00:04,000\nC\n")
    assert [b.number for b in blocks] == [7, 3, 8]
    assert blocks[1].error is not None and blocks[1].timing == "broken" and blocks[1].lines == ("B",)
    assert blocks[2].start_ms == 3000 and blocks[2].timing_line == 10


def test_save_srt_writes_utf8_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "out.srt"
    save_srt(path, [Cue(0, 1000, (ARABIC,))])
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    assert decode_srt(data)[1] == []


# --- order and overlaps: reviewer files are untrusted ---------------------------------------------------

def _srt(*cues: tuple[str, str]) -> str:
    return "\n".join(f"{i}\n{t}\n{text}\n" for i, (t, text) in enumerate(cues, start=1))


UNSORTED = _srt(("00:00:05,000 --> 00:00:07,000", "third"), ("00:00:01,000 --> 00:00:02,000", "first"),
                ("00:00:03,000 --> 00:00:04,000", "second"))
OVERLAP = _srt(("00:00:01,000 --> 00:00:03,000", "first"), ("00:00:02,500 --> 00:00:04,000", "second"))


def test_lenient_sorts_cues_out_of_order_with_a_warning(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "x.ar.srt"
    path.write_text(UNSORTED, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.subtitles"):
        cues = load_srt(path)
    assert [c.text for c in cues] == ["first", "second", "third"]
    assert [c.start_ms for c in cues] == [1000, 3000, 5000]
    assert any(str(path) in r.getMessage() and "sorted" in r.getMessage() for r in caplog.records)


def test_lenient_trims_a_partial_overlap_naming_file_and_line(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "x.ar.srt"
    path.write_text(OVERLAP, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.subtitles"):
        cues = load_srt(path)
    assert [(c.start_ms, c.end_ms) for c in cues] == [(1000, 2500), (2500, 4000)]
    assert any(f"{path}:2:" in r.getMessage() and "overlap" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("second, line", [
    ("00:00:01,000 --> 00:00:02,000", 6),  # same start as the first cue
    ("00:00:01,500 --> 00:00:02,500", 6),  # wholly inside the first cue
    ("00:00:01,500 --> 00:00:03,000", 6),  # inside, ending with it
])
def test_same_start_or_nested_cues_are_an_error_even_lenient(tmp_path: Path, second: str, line: int) -> None:
    path = tmp_path / "x.fr.srt"
    path.write_text(_srt(("00:00:01,000 --> 00:00:03,000", "outer"), (second, "inner")), encoding="utf-8")
    with pytest.raises(SubtitleParseError) as err:
        load_srt(path)
    assert (err.value.path, err.value.line) == (str(path), line)
    assert "overlap" in err.value.detail


def test_nested_cue_listed_first_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "x.fr.srt"
    path.write_text(_srt(("00:00:02,000 --> 00:00:02,500", "inner"),
                         ("00:00:01,000 --> 00:00:03,000", "outer")),
                    encoding="utf-8")
    with pytest.raises(SubtitleParseError) as err:
        load_srt(path)
    assert err.value.line == 2


@pytest.mark.parametrize("text, line", [(UNSORTED, 6), (OVERLAP, 6)])
def test_strict_rejects_cues_out_of_order_or_overlapping(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(SubtitleParseError) as err:
        srt_from_string(text, "x.srt")
    assert (err.value.path, err.value.line) == ("x.srt", line)
    path = tmp_path / "x.srt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubtitleParseError) as err:
        load_srt(path, lenient=False)
    assert err.value.line == line


def test_binary_data_is_not_read_as_a_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "clip.webm"
    path.write_bytes(b"\x1aE\xdf\xa3" + bytes(range(256)) * 8)
    with pytest.raises(SubtitleParseError) as err:
        load_srt(path)
    assert str(err.value) == f"{path}: not a text subtitle file (binary data)"
    with pytest.raises(SubtitleParseError, match="binary data"):
        load_srt(path, lenient=False)
    with pytest.raises(SubtitleParseError, match="binary data"):
        decode_srt(b"1\n00:00:01,000 --> 00:00:02,000\nhi\x00\n", "x.srt")
