"""QC: each planted fault is found on its cue; legacy files are read
without mojibake; safe fixes keep words."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import langid, naming, qc, srtcheck
from pipeline.cli import main
from pipeline.profiles import profile
from pipeline.subtitles import format_timestamp
from pipeline.types import Cue

# Five clean cues: 2 s each, 8.5 s apart, short lines (the control file has no finding at all).
BASE = [(k * 8500, k * 8500 + 2000, [f"This is line {k + 1}."]) for k in range(5)]
FAULTY = 3  # the cue (1-based) every fault is planted on


def srt(blocks: list[tuple[str, str, list[str]]]) -> str:
    return "\n".join(f"{num}\n{timing}\n" + "".join(f"{line}\n" for line in lines)
                     for num, timing, lines in blocks)


def timing(start: int, end: int) -> str:
    return f"{format_timestamp(start)} --> {format_timestamp(end)}"


def planted(change: dict[str, object]) -> str:
    """The base file with cue 3's number, timing or lines replaced."""
    blocks = []
    for k, (start, end, lines) in enumerate(BASE, start=1):
        num, time_line, text = str(k), timing(start, end), lines
        if k == FAULTY:
            num = str(change.get("num", num))
            time_line = str(change.get("timing", timing(int(change.get("start", start)),  # type: ignore[arg-type]
                                                        int(change.get("end", end)))))  # type: ignore[arg-type]
            text = list(change.get("lines", text))  # type: ignore[call-overload]
        blocks.append((num, time_line, text))
    return srt(blocks)


S3, E3, S4 = BASE[2][0], BASE[2][1], BASE[3][0]
FAULTS: dict[str, dict[str, object]] = {
    "chars_per_line": {"lines": ["This line is far too long to be read comfortably here"], "end": S3 + 4000},
    "too_many_lines": {"lines": ["One", "two", "three"]},
    "reading_speed": {"lines": ["This cue holds far too many characters",
                                "to be read within a single second!"],
                      "end": S3 + 1000},
    "too_short": {"end": S3 + 400, "lines": ["Hi."]},
    "too_long": {"end": S3 + 7500},  # 1 s before cue 4: no gap to chain
    "overlap": {"start": S4 - 1500, "end": S4 + 300},
    "gap_too_small": {"start": S4 - 2000, "end": S4 - 20},
    "gap_not_chained": {"start": S4 - 2000, "end": S4 - 300},
    "empty_cue": {"lines": []},
    "bad_timecode": {"timing": "00:00:0x,000 --> 00:00:08,000"},
    "reversed_timecode": {"start": E3, "end": S3},
    "numbering": {"num": 7},
    "unbalanced_tags": {"lines": ["<i>This is line 3."]},
    "typography": {"lines": ["This is line 3 , indeed ."]},
}


def build_corpus(folder: Path) -> dict[str, Path]:
    """One SRT file per planted fault (plus clean.en.srt), all in English."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"clean": folder / "clean.en.srt"}
    files["clean"].write_text(srt([(str(k), timing(s, e), t) for k, (s, e, t) in enumerate(BASE, 1)]))
    for code, change in FAULTS.items():
        files[code] = folder / f"{code}.en.srt"
        files[code].write_text(planted(change))
    return files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def test_clean_file_has_no_finding(corpus: dict[str, Path]) -> None:
    report = srtcheck.check_file(corpus["clean"])
    assert report.findings == () and report.cues == 5 and report.language == "en"
    assert report.conformity == {"chars_per_line": 100.0, "reading_speed": 100.0, "line_count": 100.0}


# From the style guide (subtitle-standards.md) and the README: what no viewer can read, or no player can show
# right, is an error (check exits 1); what reads worse but still works is a warning.
SEVERITY = {
    "chars_per_line": "error", "too_many_lines": "error", "overlap": "error", "no_cues": "error",
    "empty_cue": "error", "bad_timecode": "error", "reversed_timecode": "error", "unbalanced_tags": "error",
    "reading_speed": "warning", "too_short": "warning", "too_long": "warning", "gap_too_small": "warning",
    "gap_not_chained": "warning", "timecode_format": "warning", "numbering": "warning", "format": "warning",
    "typography": "warning",
}


@pytest.mark.parametrize("code", sorted(FAULTS))
def test_each_planted_fault_is_found_on_its_cue(corpus: dict[str, Path], code: str) -> None:
    report = srtcheck.check_file(corpus[code])
    assert {f.code for f in report.findings} == {code}, report.findings
    assert FAULTY in {f.cue for f in report.findings}
    assert all(f.severity == SEVERITY[code] for f in report.findings)
    assert (report.errors > 0) == (SEVERITY[code] == "error")


def test_cp1256_arabic_file_is_read_without_mojibake(tmp_path: Path) -> None:
    text = ("1\r\n00:00:01,000 --> 00:00:03,000\r\nمرحبا , كيف حالك ?\r\n\r\n"
            "2\r\n00:00:04,000 --> 00:00:06,000\r\nبخير\r\n")
    path = tmp_path / "legacy.srt"
    path.write_bytes(text.encode("cp1256"))
    report = srtcheck.check_file(path)
    assert report.language == "ar"
    assert any("cp1256" in note for note in report.notes)
    typo, = report.findings
    assert typo.code == "typography" and typo.cue == 1
    assert "مرحبا، كيف حالك؟" in typo.message


def test_bom_file_is_read_and_language_from_name(tmp_path: Path) -> None:
    path = tmp_path / "talk.fr_FR.srt"
    path.write_bytes(b"\xef\xbb\xbf" + "1\n00:00:01,000 --> 00:00:03,000\nÇa va\u202f?\n".encode())
    report = srtcheck.check_file(path)
    assert report.language == "fr" and report.findings == ()
    assert any("byte-order mark" in note for note in report.notes)


def test_language_from_script_and_words() -> None:
    assert langid.guess_language("مرحبا بكم في القاهرة") == "ar"
    assert langid.guess_language("Nous sommes à la maison et je suis très content") == "fr"
    assert langid.guess_language("We are at home and I am very happy") == "en"
    assert naming.language_from_name("talk.ar.srt") == "ar" and naming.language_from_name("talk.srt") is None


def test_check_cues_numbers_cues_from_one_and_measures_conformity() -> None:
    p = profile("en")
    cues = [Cue(0, 2000, ("Fine.",)), Cue(2000 + p.min_gap_ms, 2500, ("x" * 50,))]
    findings = qc.check_cues(cues, p)
    assert {(f.cue, f.code) for f in findings} == {(2, "chars_per_line"), (2, "reading_speed"),
                                                   (2, "too_short")}
    assert qc.conformity(cues, p) == {"chars_per_line": 50.0, "reading_speed": 50.0, "line_count": 100.0}
    assert qc.conformity([], p)["reading_speed"] == 100.0


def test_safe_fixes_change_typography_and_gaps_never_words() -> None:
    p = profile("fr")
    cues = [Cue(0, 1500, ("Bonjour !",)), Cue(1510, 3000, ("Ça va ?",)), Cue(5000, 6000, ("Oui.",))]
    fixed, changes = qc.safe_fixes(cues, p)
    assert [c.lines for c in fixed] == [("Bonjour\u202f!",), ("Ça va\u202f?",), ("Oui.",)]
    assert fixed[0].end_ms == 1510 - p.min_gap_ms and fixed[1].end_ms == 3000
    assert [c.start_ms for c in fixed] == [c.start_ms for c in cues]
    assert len(changes) == 3
    assert qc.check_cues(fixed, p) == []


def test_gap_within_the_chaining_threshold_is_reported_and_fixed() -> None:
    p = profile("en")
    cues = [Cue(0, 2000, ("One.",)), Cue(2000 + p.min_gap_ms + 1, 4000, ("Two.",)),
            Cue(4000 + p.chain_ms, 6000, ("Three.",)), Cue(6000 + p.chain_ms + 1, 8000, ("Four.",))]
    found = [(f.cue, f.code, f.severity) for f in qc.check_cues(cues, p)]
    assert found == [(1, "gap_not_chained", "warning"), (2, "gap_not_chained", "warning")]
    message = qc.check_cues(cues, p)[1].message
    assert f"{p.chain_ms} ms" in message and f"{p.min_gap_ms} ms" in message
    fixed, _ = qc.safe_fixes(cues, p)
    assert qc.check_cues(fixed, p) == []


def test_gap_is_not_chained_when_the_cue_would_last_too_long() -> None:
    p = profile("en")
    cues = [Cue(0, p.max_ms - 100, ("One.",)), Cue(p.max_ms + 100, p.max_ms + 2000, ("Two.",))]
    assert qc.check_cues(cues, p) == []
    fixed, changes = qc.safe_fixes(cues, p)
    assert fixed == cues and changes == []


@pytest.mark.parametrize("content", [b"", b"   \r\n\n\t", b"\xef\xbb\xbf\n"])
def test_file_without_cues_is_an_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.en.srt"
    path.write_bytes(content)
    report = srtcheck.check_file(path)
    assert [(f.code, f.severity, f.cue) for f in report.findings] == [("no_cues", "error", None)]
    assert report.errors == 1
    assert main(["check", str(path)]) == 1
