"""Social (Facebook-named) and WebVTT exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import export, naming, review
from pipeline.types import Cue

CUES = [Cue(0, 1500, ("مرحبا بكم",)), Cue(1600, 3000, ("LibanTroc", "سطر ثان"))]


@pytest.mark.parametrize(("lang", "locale"), [("ar", "ar_AR"), ("fr", "fr_FR"), ("en", "en_US")])
def test_social_name_uses_facebook_locale(tmp_path: Path, lang: str, locale: str) -> None:
    assert (naming.social_path(tmp_path, "عمر: \"x\"", lang)
            == tmp_path / "social" / f"عمر: \"x\".{locale}.srt")


def test_export_writes_utf8_without_bom_and_records_both(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    outcomes = export.export(m, tmp_path, "clip", "ar", CUES, srt_sha="s1")
    assert [o.status for o in outcomes] == ["written", "written"]
    social = (tmp_path / "social" / "clip.ar_AR.srt").read_bytes()
    assert not social.startswith(b"\xef\xbb\xbf")
    text = social.decode("utf-8")
    assert "00:00:01,600 --> 00:00:03,000" in text and "LibanTroc\nسطر ثان" in text
    vtt = (tmp_path / "clip.ar.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "00:00:01.600 --> 00:00:03.000" in vtt
    assert m.entry(tmp_path / "clip.ar.vtt")["from_srt"] == "s1"


def test_hand_fixed_export_is_kept(tmp_path: Path) -> None:
    m = review.Manifest(tmp_path)
    export.export(m, tmp_path, "clip", "fr", CUES, srt_sha="s1")
    social = tmp_path / "social" / "clip.fr_FR.srt"
    social.write_text("fixed by hand\n", encoding="utf-8")
    outcomes = export.export(m, tmp_path, "clip", "fr", CUES[:1], srt_sha="s2")
    assert [o.status for o in outcomes] == ["written", "kept"]
    assert social.read_text(encoding="utf-8") == "fixed by hand\n"
