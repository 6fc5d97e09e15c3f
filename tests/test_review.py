"""The review manifest: what we wrote is ours to replace; anything else is a reviewer's and is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import review
from pipeline.cache import text_sha256
from pipeline.errors import SubtitleParseError


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
def test_only_the_last_write_counts_as_ours(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    root = tmp_path_factory.mktemp("m")
    m = review.Manifest(root)
    f = root / "v.ar.srt"
    for t in texts:
        assert review.write_text(m, f, t).status in ("written", "unchanged")
    assert f.read_bytes() == texts[-1].encode("utf-8")
    assert review.Manifest(root).state(f) is review.FileState.OURS
