"""The campaign glossary: loading, protection through translation, the Whisper prompt."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import glossary as gl
from pipeline.errors import UsageError

CAMPAIGN = ["LibanTroc", "Moroccan Travelers Community", "I Make This!", "Cairo Runners", "Meta", "Facebook",
            "Instagram"]


@pytest.fixture(scope="module")
def default() -> gl.Glossary:
    return gl.load(None)


def test_default_glossary_has_the_campaign_names(default: gl.Glossary) -> None:
    assert [t.canonical for t in default.terms] == CAMPAIGN
    assert all(t.target(lang) == t.canonical for t in default.terms for lang in ("ar", "fr", "en"))


def test_custom_glossary_with_per_language_forms(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("en,fr,ar,aliases\n"
                    "Cairo Runners,keep,\u0643\u0627\u064a\u0631\u0648 \u0631\u0627\u0646\u0631\u0632,"
                    "Cairo runner\nThe Workshop,L'Atelier,keep,\n", encoding="utf-8")
    g = gl.load(path)
    runners, workshop = g.terms
    assert runners.target("fr") == "Cairo Runners"
    assert runners.target("ar") == "\u0643\u0627\u064a\u0631\u0648 \u0631\u0627\u0646\u0631\u0632"
    assert workshop.target("fr") == "L'Atelier" and workshop.target("ar") == "The Workshop"
    p = gl.protect("We met The Workshop and Cairo runner", g, "fr")
    assert gl.restore(p.text, p) == "We met L'Atelier and Cairo Runners"


def test_bad_header_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,language\nLibanTroc,en\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad\.csv:1: expected a header"):
        gl.load(path)


def test_row_with_only_keep_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("en,fr\nLibanTroc,keep\nkeep,keep\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad\.csv:3:"):
        gl.load(path)


def test_missing_glossary_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nothing.csv"):
        gl.load(tmp_path / "nothing.csv")


def test_names_hashtags_and_links_are_replaced_by_placeholders(default: gl.Glossary) -> None:
    text = "Follow LibanTroc and Cairo Runners on Instagram #SwapBeirut https://libantroc.example/x"
    p = default.pattern  # compiled once
    assert p is default.pattern
    protected = gl.protect(text, default, "fr")
    for term in ("LibanTroc", "Cairo Runners", "Instagram", "#SwapBeirut", "https://"):
        assert term not in protected.text
    assert protected.terms == ("LibanTroc", "Cairo Runners", "Instagram", "#SwapBeirut",
                               "https://libantroc.example/x")
    assert gl.restore(protected.text, protected) == text


def test_arabic_spelling_comes_back_as_the_brand(default: gl.Glossary) -> None:
    text = "تابعونا على انستغرام"
    protected = gl.protect(text, default, "en")
    assert gl.restore(protected.text, protected).endswith("Instagram")


def test_short_names_match_case_sensitively(default: gl.Glossary) -> None:
    protected = gl.protect("the meta data of Meta and metadata", default, "fr")
    assert protected.terms == ("Meta",)


def test_restore_tolerates_mangled_repeated_and_invented_placeholders(default: gl.Glossary) -> None:
    protected = gl.protect("I love LibanTroc and Facebook", default, "fr")
    assert gl.restore("J'adore Z X Q 0 et zxq1 ZXQ1 ZXQ7 ZXQ", protected) == "J'adore LibanTroc et Facebook"
    arabic_digits = gl.restore("\u0623\u062d\u0628 ZXQ\u0660 \u0648 ZXQ\u0661", protected)
    assert "LibanTroc" in arabic_digits and "Facebook" in arabic_digits


words = st.lists(st.sampled_from(["we", "run", "in", "Beirut", "every", "day", "avec", "nous", "\u0645\u0639",
                                  "\u0627\u0644\u0646\u0627\u0633"]), min_size=0, max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from(CAMPAIGN)), min_size=1, max_size=4), words,
       st.integers(0, 3), st.randoms())
def test_terms_survive_any_model_behaviour(chunks: list[tuple[list[str], str]], tail: list[str], mode: int,
                                           rnd: random.Random) -> None:
    """Whatever the model does with placeholders (keeps, drops, shuffles, garbles), every term comes back."""
    g = gl.load(None)
    text = " ".join([w for before, term in chunks for w in [*before, term]] + tail)
    protected = gl.protect(text, g, "fr")
    tokens = protected.text.split()
    if mode == 1:
        tokens = [t for t in tokens if not t.startswith("ZXQ")]
    elif mode == 2:
        rnd.shuffle(tokens)
    elif mode == 3:
        tokens = [re.sub(r"ZXQ", "Z X Q ", t) for t in tokens] + ["ZXQ99"]
    out = gl.restore(" ".join(tokens), protected)
    for term in {term for _, term in chunks}:
        assert out.count(term) >= sum(1 for _, t in chunks if t == term)
    assert "ZXQ" not in out
    if mode == 0:
        assert out == " ".join(text.split())


def test_whisper_prompt_names_every_term(default: gl.Glossary) -> None:
    for lang in ("ar", "fr", "en", None):
        prompt = gl.whisper_prompt(default, lang)
        assert all(name in prompt for name in CAMPAIGN)
        assert len(prompt) < 400  # well inside Whisper's 224-token prompt window
    assert "\u060c" in gl.whisper_prompt(default, "ar")  # the Arabic comma
    assert gl.whisper_prompt(gl.Glossary(), "en") == ""


@pytest.mark.parametrize("text", [
    "I make this bread every morning before work.",
    "Honestly, I make this trip every year.",
    "i make this cake for my kids",
    "Every day I make this!",
    "We saw the cairo runners club on a moroccan travelers community page",
    "Liban troc, as they say in French",
])
def test_common_phrases_are_never_turned_into_brands(default: gl.Glossary, text: str) -> None:
    protected = gl.protect(text, default, "fr")
    assert protected.terms == ()
    assert gl.restore(protected.text, protected) == text


def test_brand_inside_ordinary_english_is_protected_alone(default: gl.Glossary) -> None:
    text = "I make this bread for I Make This! and Cairo Runners"
    protected = gl.protect(text, default, "ar")
    assert protected.terms == ("I Make This!", "Cairo Runners")
    assert gl.restore(protected.text, protected) == text


def test_arabic_script_aliases_still_match(default: gl.Glossary) -> None:
    text = ("\u0634\u0627\u0631\u0643\u062a \u0641\u064a \u0643\u0627\u064a\u0631\u0648 "
            "\u0631\u0627\u0646\u0631\u0632 \u0648\u0641\u064a \u0644\u064a\u0628\u0627\u0646 "
            "\u062a\u0631\u0648\u0643")
    protected = gl.protect(text, default, "en")
    assert protected.terms == ("Cairo Runners", "LibanTroc")


# --- --glossary reaches every stage of a run (issue 10, point 10) ----------------------------------------

CUSTOM = ("en,fr,ar,aliases\n"
          "Zanzibar Harbour Team,Équipe du Port de Zanzibar,keep,\n"
          "We Did It!,keep,keep,\n")
SPOKEN_FR = ("Bravo à toute l'Équipe du Port de Zanzibar qui a crié We Did It! ce matin sur le quai, "
             "et merci encore à l'Équipe du Port de Zanzibar pour cette belle journée.")


def test_a_custom_glossary_reaches_segment_typography_translation_and_hotwords(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from argos_fixture import isolate, tiny_models
    from fake_stages import Fakes

    from pipeline import batch
    from pipeline.options import Options
    from pipeline.subtitles import load_srt
    from pipeline.types import Transcript, Word

    isolate(monkeypatch, tmp_path)
    glossary_csv = tmp_path / "our names.csv"
    glossary_csv.write_text(CUSTOM, encoding="utf-8")
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "quai.mp4").write_text(SPOKEN_FR)
    prompts: list[str | None] = []

    def transcribe(path: Path, opts: Options, cache: object, on_progress: object = None,
                   prompt: str | None = None, media_sha256: str | None = None) -> tuple[Transcript, bool]:
        prompts.append(prompt)  # the hotwords Whisper would be given
        words = tuple(Word(" " + w, i * 330, i * 330 + 300) for i, w in enumerate(path.read_text().split()))
        return Transcript("fr", words, len(words) * 330 + 500), False

    fakes = Fakes()
    stages = {"probe": fakes.probe, "transcribe": transcribe, "cached_transcript": lambda *a, **k: None,
              "burn": fakes.burn}  # segment, typography, QC, glossary, hotwords, translation: the real ones
    opts = Options(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, source="fr",
                   targets=("en",), preset="vertical", models_dir=tiny_models(), glossary=glossary_csv)
    [result] = batch.run_batch([videos], opts, stages=stages)
    assert not result.failed, result

    assert prompts and "We Did It!" in prompts[0] and "Équipe du Port de Zanzibar" in prompts[0]
    for lang, name in (("fr", "Équipe du Port de Zanzibar"), ("en", "Zanzibar Harbour Team")):
        cues = load_srt(opts.out_dir / f"quai.{lang}.srt")
        lines = [line for c in cues for line in c.lines]
        # translation: the target's form (the tiny model's own output is noise); line breaking: whole names
        assert sum(name in line for line in lines) == 2, (lang, lines)
        assert "We Did It!" in " ".join(lines), lines  # typography: not "We Did It !" in French
        first, *rest = name.split()
        assert not any(line.endswith((first, *rest[:-1])) for line in lines), lines
