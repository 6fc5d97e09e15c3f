"""Output names and the language a file name says (README: "What comes out where")."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import naming


def test_every_output_of_a_video_is_named_as_the_readme_says() -> None:
    out = Path("subtitles")
    assert naming.srt_path(out, "clip", "ar") == Path("subtitles/clip.ar.srt")
    assert naming.vtt_path(out, "clip", "fr") == Path("subtitles/clip.fr.vtt")
    assert naming.mp4_path(out, "clip", "en") == Path("subtitles/clip.en.mp4")
    # Facebook's naming for the social export: ar_AR, fr_FR, en_US
    assert naming.social_path(out, "clip", "ar") == Path("subtitles/social/clip.ar_AR.srt")
    assert naming.social_path(out, "clip", "fr") == Path("subtitles/social/clip.fr_FR.srt")
    assert naming.social_path(out, "clip", "en") == Path("subtitles/social/clip.en_US.srt")
    assert naming.manifest_path(out) == Path("subtitles/.pipeline/manifest.jsonl")
    assert naming.run_record_path(out) == Path("subtitles/.pipeline/state.jsonl")


@pytest.mark.parametrize(("name", "expected"), [
    ("talk.ar.srt", ("talk", "ar")),
    ("talk.fr_FR.srt", ("talk", "fr")),  # the social export's naming
    ("my.talk.EN.srt", ("my.talk", "en")),
    ("talk.ar.v2.srt", ("talk", "ar")),
    ("talk.srt", ("talk", None)),
    ("talk.de.srt", ("talk.de", None)),  # not one of ours
    ("ar.srt", ("ar", None)),  # a bare stem is a name, not a language
    ("folder/en_grid.fr.srt", ("en_grid", "fr")),
])
def test_language_and_base_from_a_file_name(name: str, expected: tuple[str, str | None]) -> None:
    assert naming.split_name(name) == expected
    assert naming.language_from_name(name) == expected[1]


@given(st.text(alphabet=st.characters(blacklist_characters="/.\x00"), min_size=1, max_size=40),
       st.sampled_from(["ar", "fr", "en"]))
def test_a_written_srt_name_reads_back_as_its_stem_and_language(stem: str, lang: str) -> None:
    path = naming.srt_path(Path("out"), stem, lang)
    assert naming.split_name(path) == (stem, lang)


def test_stems_are_unique_and_stable() -> None:
    a, b = Path("/in/one/clip.mp4"), Path("/in/two/clip.mp4")
    first = naming.output_stems([a, b])
    assert first[a] == "clip" and first[b].startswith("clip-") and len(first[b]) == len("clip-") + 8
    # run alone later, the second video keeps the name the record gave it
    assert naming.output_stems([b], {s: str(v) for v, s in first.items()})[b] == first[b]
