"""The review manifest: what we wrote is ours to replace; anything else
is a reviewer's and is never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import review
from pipeline.cache import file_sha256, text_sha256
from pipeline.cli import main
from pipeline.errors import SubtitleParseError
from pipeline.report import RunState
from pipeline.subtitles import load_srt, srt_to_string
from pipeline.types import Cue

ROOT = Path(__file__).resolve().parent.parent


def test_absent_then_ours_then_edited(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    f = tmp_path / "a.ar.srt"
    assert m.state(f) is review.FileState.ABSENT
    assert review.write_text(m, f, "one\n", lang="ar").status == "written"
    assert m.state(f) is review.FileState.OURS
    assert review.write_text(m, f, "two\n").status == "written"  # ours: replaced
    assert f.read_text() == "two\n"
    f.write_text("reviewer\n")
    assert m.state(f) is review.FileState.EDITED
    assert review.write_text(m, f, "three\n").kept
    assert f.read_text() == "reviewer\n"


def test_manifest_survives_reload_and_keeps_metadata(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    f = tmp_path / "sub" / "x.en.srt"
    review.write_text(m, f, "hello\n", from_srt="abc")
    again = review.Manifest(tmp_path)
    assert again.state(f) is review.FileState.OURS
    assert again.entry(f) == {"sha256": text_sha256("hello\n"), "from_srt": "abc"}
    assert again.key(f) == "sub/x.en.srt"


def test_unrecorded_file_is_foreign_unless_it_already_holds_our_text(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    hand = tmp_path / "hand.fr.srt"
    hand.write_text("made by hand\n")
    assert m.state(hand) is review.FileState.FOREIGN
    assert review.write_text(m, hand, "generated\n").kept
    # A run killed between the rename and the manifest update left our own text unrecorded: heal it.
    ours = tmp_path / "ours.fr.srt"
    ours.write_text("generated\n")
    assert review.write_text(m, ours, "generated\n").status == "unchanged"
    assert m.state(ours) is review.FileState.OURS


def test_corrupt_manifest_protects_every_existing_file(tmp_path: Path) -> None:
    f = tmp_path / "a.ar.srt"
    m = review.Manifest(tmp_path)
    review.write_text(m, f, "ours\n")
    m.path.write_text("{not json")
    m2 = review.Manifest(tmp_path)
    assert m2.state(f) is review.FileState.FOREIGN
    assert review.write_text(m2, f, "new\n").kept
    assert f.read_text() == "ours\n"


def test_update_meta_keeps_the_edit_detectable(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    f = tmp_path / "a.en.srt"
    review.write_text(m, f, "ours\n", from_srt="old")
    f.write_text("edited\n")
    m.update_meta(f, from_srt="new")
    assert m.entry(f)["from_srt"] == "new"
    assert m.state(f) is review.FileState.EDITED


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n \n"])
def test_emptied_reviewer_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "a.ar.srt"
    f.write_bytes(content)
    with pytest.raises(SubtitleParseError, match="a.ar.srt.*empty"):
        review.read_reviewed(f)
    assert f.read_bytes() == content


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=5))
def test_only_the_last_write_counts_as_ours(tmp_path_factory: pytest.TempPathFactory,
                                            texts: list[str]) -> None:
    root = tmp_path_factory.mktemp("m")
    m = review.Manifest(root)
    f = root / "v.ar.srt"
    for t in texts:
        assert review.write_text(m, f, t).status in ("written", "unchanged")
    assert f.read_bytes() == texts[-1].encode("utf-8")
    assert review.Manifest(root).state(f) is review.FileState.OURS


# --- the whole round trip with the real stages (Whisper, tiny real Argos packages, ffmpeg, OCR) ------------

AR_SENTENCES = ["مرحبا بكم في ليبان تروك.", "نحن نتبادل الأشياء في بيروت.", "تابعونا على إنستغرام."]


def _srt_bytes(cues: list[tuple[int, int, str]]) -> bytes:
    """A reviewer's file as some editors save it: BOM and CRLF."""
    text = srt_to_string([Cue(a, b, (t,)) for a, b, t in cues])
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def _run(videos: Path, out: Path, cache: Path, models: Path) -> int:
    return main(["run", str(videos), "-o", str(out), "--cache-dir", str(cache), "--models-dir", str(models),
                 "--targets", "en,fr", "--source", "ar", "--x264-preset", "ultrafast", "--no-progress"])


@pytest.mark.slow
def test_reviewer_edits_survive_and_flow_downstream(tmp_path: Path) -> None:
    import ocr
    from argos_fixture import build_package_dir

    models, videos, out, cache = (tmp_path / n for n in ("models", "videos", "out", "cache"))
    build_package_dir(models, "ar", "en", seed=1)
    build_package_dir(models, "en", "fr", seed=2)  # ar->fr goes through English
    videos.mkdir()
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "clip.mp4")
    assert _run(videos, out, cache, models) == 0
    ar, en, fr = (out / f"clip.{lang}.srt" for lang in ("ar", "en", "fr"))
    assert ar.is_file() and en.is_file() and fr.is_file()

    # Edit 1: the reviewer rewrites the Arabic into three sentences; both translations follow.
    ar.write_bytes(_srt_bytes([(0, 2000, AR_SENTENCES[0]), (2200, 4500, AR_SENTENCES[1]),
                               (4700, 7000, AR_SENTENCES[2])]))
    assert _run(videos, out, cache, models) == 0
    manifest = review.Manifest(out)
    assert manifest.entry(fr)["translated"] == 3 and len(load_srt(fr)) >= 3

    # Edit 2: one Arabic sentence changes, and the reviewer also fixes the English by hand.
    edited_ar = ar.read_bytes().replace("الأشياء".encode(), "الكتب".encode())
    ar.write_bytes(edited_ar)
    en_cues = load_srt(en)
    edited_en = srt_to_string([Cue(en_cues[0].start_ms, en_cues[0].end_ms, ("REVIEWED BY LEILA",)),
                               *en_cues[1:]]).encode("utf-8")
    en.write_bytes(edited_en)
    assert _run(videos, out, cache, models) == 0

    assert ar.read_bytes() == edited_ar and en.read_bytes() == edited_en
    manifest = review.Manifest(out)
    assert manifest.entry(fr)["translated"] == 1  # only the changed sentence went through the model
    state = RunState(out).videos["clip"]
    assert state.langs["fr"].stages["translate"] == "1/3 new"
    assert state.langs["en"].stages["translate"] == "reviewer's"
    assert any(n.startswith("needs a look") for n in state.langs["en"].notes)
    for srt, lang in ((ar, "ar"), (en, "en")):
        assert manifest.entry(out / f"clip.{lang}.mp4")["from_srt"] == file_sha256(srt)
    frames, times = ocr.read_frames(out / "clip.en.mp4")
    frame = ocr.frame_at(frames, times, (en_cues[0].start_ms + en_cues[0].end_ms) // 2)
    assert "REVIEWED" in ocr.tesseract(ocr.subtitle_bands(frame)[0], "eng").upper()

    # Nothing changed: nothing translated or burned again, and the reviewer's files stay as they are.
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("clip.*")}
    assert _run(videos, out, cache, models) == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("clip.*")} == mtimes
    state = RunState(out).videos["clip"]
    assert {lr.stages["burn"] for lr in state.langs.values()} == {"up to date"}
    assert state.langs["fr"].stages["translate"] == "cached"


@pytest.mark.parametrize("earlier", [None, "our earlier text\n"])
def test_a_write_killed_after_the_rename_is_still_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       earlier: str | None) -> None:
    f = tmp_path / "a.fr.srt"
    if earlier:
        review.write_text(review.Manifest(tmp_path), f, earlier)
    real = review._replace_if_unchanged

    def killed_after_rename(path: Path, data: bytes, expected: str | None) -> bool:
        assert real(path, data, expected)
        if Path(path) == f:
            raise KeyboardInterrupt  # the run dies before the manifest says what it wrote
        return True

    monkeypatch.setattr(review, "_replace_if_unchanged", killed_after_rename)
    with pytest.raises(KeyboardInterrupt):
        review.write_text(review.Manifest(tmp_path), f, "new text\n", from_srt="src1")
    monkeypatch.setattr(review, "_replace_if_unchanged", real)
    m = review.Manifest(tmp_path)  # the next run
    assert f.read_text() == "new text\n" and m.state(f) is review.FileState.OURS
    assert review.write_text(m, f, "newer text\n", from_srt="src2").status == "written"
    assert m.entry(f) == {"sha256": text_sha256("newer text\n"), "from_srt": "src2"}
    f.write_text("new text\n")  # a reviewer's file holding an old text of ours is theirs again
    assert m.state(f) is review.FileState.EDITED


# --- no command overwrites a reviewer's file (issue 10, point 2) ------------------------------------------

class _ReviewerSavesDuringTheWrite(review.Manifest):
    """The reviewer's editor saves right after our check, before our file
    lands (the check-then-write window)."""

    def __init__(self, out_dir: Path, reviewer_text: str) -> None:
        super().__init__(out_dir)
        self.reviewer_text = reviewer_text

    def intend(self, path: object, sha256: str) -> None:
        super().intend(path, sha256)  # type: ignore[arg-type]
        Path(path).write_text(self.reviewer_text)  # type: ignore[arg-type]


@pytest.mark.parametrize("ours_first", [True, False])
def test_a_save_between_check_and_write_is_kept(tmp_path: Path, ours_first: bool) -> None:
    f = tmp_path / "a.fr.srt"
    if ours_first:
        review.write_text(review.Manifest(tmp_path), f, "ours\n")
    m = _ReviewerSavesDuringTheWrite(tmp_path, "reviewer, just saved\n")
    assert review.write_text(m, f, "new run\n").kept
    assert f.read_text() == "reviewer, just saved\n"
    assert review.Manifest(tmp_path).state(f).reviewer_owned
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pipeline", "a.fr.srt"]  # no temp left


def test_transcribe_keeps_a_reviewers_srt(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.commands import transcribe as command
    from pipeline.types import Transcript, Word

    monkeypatch.chdir(tmp_path)
    clip = tmp_path / "clip.flac"
    shutil.copy(media / "audio/en_jfk_whisper.flac", clip)
    reviewed = tmp_path / "subtitles" / "clip.en.srt"
    reviewed.parent.mkdir()
    reviewed.write_text("1\n00:00:00,500 --> 00:00:02,000\nAsk not, said the reviewer.\n", encoding="utf-8")
    # The language is forced: the file is known before transcribing, so nothing is transcribed (exit 2).
    assert main(["transcribe", str(clip), "--source", "en", "--no-progress"]) == 2
    assert "reviewer" in capsys.readouterr().err
    # Detected language: found after transcribing (a fake transcript here), still kept, exit 1.
    said = Transcript("en", (Word("Ask", 500, 900), Word("not.", 900, 1400)), 11_000)
    monkeypatch.setattr(command, "transcribe_cached", lambda *a, **k: (said, False))
    assert main(["transcribe", str(clip), "--no-progress"]) == 1
    assert "said the reviewer" in reviewed.read_text(encoding="utf-8")
    assert "reviewer" in capsys.readouterr().err
    # Our own earlier output is ours to replace.
    reviewed.unlink()
    assert main(["transcribe", str(clip), "--no-progress"]) == 0
    assert main(["transcribe", str(clip), "--no-progress"]) == 0
    assert "Ask not." in reviewed.read_text(encoding="utf-8")
