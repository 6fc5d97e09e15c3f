"""Sentence joining, re-timing and the per-sentence cache (fake translator), then the six directions end to
end with tiny real packages (meaningless output: structure only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from argos_fixture import isolate, tiny_bpe_models, tiny_models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import mt, packages, retime, translate
from pipeline.cache import Cache
from pipeline.errors import TranslationError
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.types import Cue

SIX = [("ar", "en"), ("en", "ar"), ("fr", "en"), ("en", "fr"), ("ar", "fr"), ("fr", "ar")]


def cue(start: int, end: int, *lines: str) -> Cue:
    return Cue(start, end, tuple(lines))


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


# --- sentences ---------------------------------------------------------------------------------------

def test_sentences_join_across_cues_and_split_at_punctuation() -> None:
    cues = [cue(0, 1000, "Hello my name"), cue(1100, 2000, "is Omar."), cue(2100, 3000, "I run, every day!"),
            cue(3100, 4000, "Thanks")]
    got = retime.join_sentences(cues, "en")
    assert [(s.first, s.last, s.text) for s in got] == [
        (0, 2, "Hello my name is Omar."), (2, 3, "I run, every day!"), (3, 4, "Thanks")]


def test_sentences_split_at_pauses_dialogue_and_arabic_question_mark() -> None:
    cues = [cue(0, 1000, "\u0647\u0644 \u0623\u0646\u062a \u0628\u062e\u064a\u0631\u061f"),
            cue(1100, 2000, "\u0646\u0639\u0645"),
            cue(2000 + retime.PAUSE_MS + 1, 4000, "\u0634\u0643\u0631\u0627"),
            cue(4050, 5000, "- أهلا"), cue(5050, 6000, "- مرحبا")]
    spans = [(s.first, s.last) for s in retime.join_sentences(cues, "ar")]
    assert spans == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]


def test_long_unpunctuated_speech_is_cut_every_few_cues() -> None:
    cues = [cue(i * 1000, i * 1000 + 900, f"word{i}") for i in range(14)]
    spans = [s.last - s.first for s in retime.join_sentences(cues, "fr")]
    assert sum(spans) == 14 and max(spans) == retime.MAX_SENTENCE_CUES


cue_texts = st.lists(st.sampled_from(["bonjour", "et", "merci.", "ok?", "- oui", "voyage", "Beirut!", "..."]),
                     min_size=1, max_size=5).map(" ".join)


@st.composite
def cue_lists(draw: st.DrawFn, messy: bool = False) -> list[Cue]:
    """Cues in order without overlaps; `messy`: shuffled, some starting before the previous one ends (the
    untrusted timing of a hand-edited file)."""
    n = draw(st.integers(1, 14))
    cues, t = [], draw(st.integers(0, 5000))
    for _ in range(n):
        t += draw(st.sampled_from([0, 40, 120, 500, 900, 1500, 4000]))
        length = draw(st.integers(600, 6000))
        early = draw(st.sampled_from([0, 0, 300, 2000])) if messy else 0
        cues.append(cue(max(0, t - early), t + length, draw(cue_texts)))
        t += length
    return draw(st.permutations(cues)) if messy else cues


@settings(max_examples=120, deadline=None)
@given(cue_lists())
def test_sentences_partition_the_cues_in_order(cues: list[Cue]) -> None:
    sentences = retime.join_sentences(cues, "fr")
    assert [i for s in sentences for i in range(s.first, s.last)] == list(range(len(cues)))
    for s in sentences:
        inner = cues[s.first:s.last]
        pairs = zip(inner, inner[1:], strict=False)
        assert all(b.start_ms - a.end_ms <= retime.PAUSE_MS for a, b in pairs)
        assert s.text.split() == [w for c in inner for w in c.text.split()]


# --- re-timing ---------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("abcdé", min_size=1, max_size=9), max_size=30),
       st.lists(st.integers(0, 60), min_size=1, max_size=6))
def test_split_by_weight_keeps_every_word_in_order(words: list[str], weights: list[int]) -> None:
    chunks = retime.split_by_weight(words, weights)
    assert len(chunks) == len(weights)
    assert [w for c in chunks for w in c] == words
    if len(words) >= len(weights):
        assert all(chunks)


def test_split_by_weight_follows_the_weights() -> None:
    chunks = retime.split_by_weight(["aaaa"] * 12, [30, 10])
    assert [len(c) for c in chunks] == [9, 3]


def _fake(text: str) -> str:
    """A deterministic "translation": words upper-cased and every third one doubled (length changes)."""
    out = []
    for i, w in enumerate(text.split()):
        out += [w.upper()] * (2 if i % 3 == 0 else 1)
    return " ".join(out)


def _assert_structure(src: Sequence[Cue], out: Sequence[Cue],
                      sentences: Sequence[retime.Sentence]) -> None:
    """Every source cue overlapped by a translated cue; translated cues inside their sentence, in order."""
    spans = [(src[s.first].start_ms, src[s.last - 1].end_ms) for s in sentences]
    for c in src:
        assert any(o.start_ms < c.end_ms and o.end_ms > c.start_ms for o in out), f"{c} left uncovered"
    for o in out:
        assert o.end_ms > o.start_ms
        assert any(a <= o.start_ms and o.end_ms <= b for a, b in spans), f"{o} outside every source sentence"
    assert all(a.end_ms <= b.start_ms for a, b in zip(out, out[1:], strict=False))


@settings(max_examples=60, deadline=None)
@given(cue_lists(), st.sampled_from(["landscape", "vertical"]))
def test_retime_keeps_timing_words_and_limits(cues: list[Cue], preset: str) -> None:
    target = profile("en", preset)
    sentences = retime.join_sentences(cues, "fr")
    translations = [_fake(s.text) for s in sentences]
    out = retime.retime(cues, sentences, translations, target)
    _assert_structure(cues, out, sentences)
    # Nothing lost or added (spacing aside: typography attaches a lone "..." to the word before it).
    assert "".join(o.text for o in out).replace(" ", "") == "".join(translations).replace(" ", "")
    assert all(len(line) <= target.max_chars for o in out for line in o.lines)
    assert all(len(o.lines) <= target.max_lines for o in out)


def test_retime_a_one_word_translation_still_covers_every_source_cue() -> None:
    cues = [cue(0, 1000, "well"), cue(1050, 2000, "you"), cue(2050, 3000, "know")]
    sentences = retime.join_sentences(cues, "en")
    out = retime.retime(cues, sentences, ["Bon."], profile("fr"))
    _assert_structure(cues, out, sentences)
    assert [o.text for o in out] == ["Bon."]


def test_pseudo_words_follow_source_spans_proportionally() -> None:
    spans = [cue(0, 1000, "a" * 30), cue(5000, 6000, "b" * 10)]
    words = retime.pseudo_words("one two three four five six seven eight", spans)
    first = [w for w in words if w.end_ms <= 1000]
    second = [w for w in words if w.start_ms >= 5000]
    assert len(first) + len(second) == 8 and len(first) == 6
    assert first[0].start_ms == 0 and first[-1].end_ms == 1000 and second[-1].end_ms == 6000


# --- translate_cues with a fake translator: glossary and the per-sentence cache ---------------------------

@pytest.fixture(scope="module")
def models() -> Path:
    return tiny_models()


@pytest.fixture
def fake_translator(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    batches: list[list[str]] = []

    def fake(chain: Sequence[packages.Package], texts: list[str], opts: Options) -> list[str]:
        batches.append(list(texts))
        # Drops every placeholder: the glossary must still bring the names back.
        return [" ".join(w for w in _fake(t).split() if "ZXQ" not in w) for t in texts]

    monkeypatch.setitem(translate.TRANSLATORS, "fake", fake)
    return batches


SOURCE = [cue(0, 1800, "Je cours avec Cairo Runners"), cue(1900, 3500, "tous les vendredis."),
          cue(6000, 8000, "Suivez LibanTroc sur Instagram !"), cue(8100, 9900, "I Make This! est super.")]


def test_one_batch_and_per_sentence_cache(models: Path, tmp_path: Path,
                                          fake_translator: list[list[str]]) -> None:
    opts = Options(models_dir=models, cache_dir=tmp_path, translator="fake", preset="landscape")
    cache = Cache(tmp_path / "c")
    first = translate.translate_cues(SOURCE, "fr", "en", opts, cache)
    assert (first.sentences, first.translated) == (3, 3)
    assert len(fake_translator) == 1 and len(fake_translator[0]) == 3  # one batch for the whole video
    again = translate.translate_cues(SOURCE, "fr", "en", opts, cache)
    assert (again.translated, again.cues) == (0, first.cues)
    edited = [*SOURCE[:2], replace(SOURCE[2], lines=("Suivez donc LibanTroc sur Instagram !",)), SOURCE[3]]
    third = translate.translate_cues(edited, "fr", "en", opts, cache)
    assert third.translated == 1 and fake_translator[-1] == ["Suivez donc ZXQ0 sur ZXQ1 !"]
    assert third.cues[0] == first.cues[0]
    # Swapping one name for another changes no model input: served from the cache, with the new name.
    swapped = [*SOURCE[:2], replace(SOURCE[2], lines=("Suivez LibanTroc sur Facebook !",)), SOURCE[3]]
    fourth = translate.translate_cues(swapped, "fr", "en", opts, cache)
    assert fourth.translated == 0 and "Facebook" in " ".join(c.text for c in fourth.cues)


def test_glossary_names_survive_a_model_that_drops_them(models: Path, tmp_path: Path,
                                                        fake_translator: list[list[str]]) -> None:
    opts = Options(models_dir=models, cache_dir=tmp_path, translator="fake", preset="landscape")
    out = translate.translate_cues(SOURCE, "fr", "ar", opts, Cache(tmp_path / "c"))
    text = " ".join(c.text for c in out.cues)
    for name in ("Cairo Runners", "LibanTroc", "Instagram", "I Make This!"):
        assert name in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cue_lists(messy=True))
def test_translate_cues_never_leaves_the_source_spans_of_messy_input(
        models: Path, tmp_path: Path, fake_translator: list[list[str]], cues: list[Cue]) -> None:
    """Unsorted or partly overlapping cues are put in order and trimmed first; a cue nested in another (or
    sharing its start) is a clear error, as no timing for its text is certain."""
    opts = Options(models_dir=models, cache_dir=tmp_path, translator="fake", preset="landscape")
    ordered = sorted(cues, key=lambda c: c.start_ms)
    nested = any(b.start_ms == a.start_ms or b.end_ms <= a.end_ms
                 for a, b in zip(ordered, ordered[1:], strict=False) if b.start_ms < a.end_ms)
    if nested:
        with pytest.raises(TranslationError, match="overlap"):
            translate.translate_cues(cues, "fr", "en", opts, Cache(tmp_path / "c"))
        return
    out = translate.translate_cues(cues, "fr", "en", opts, Cache(tmp_path / "c")).cues
    trimmed = [replace(a, end_ms=min(a.end_ms, b.start_ms)) for a,
               b in zip(ordered, ordered[1:], strict=False)]
    trimmed.append(ordered[-1])
    _assert_structure(trimmed, out, retime.join_sentences(trimmed, "fr"))


def test_retime_refuses_cues_out_of_order() -> None:
    cues = [cue(5000, 7000, "b."), cue(1000, 3000, "a.")]
    with pytest.raises(ValueError, match="order"):
        retime.retime(cues, [retime.Sentence(0, 2, "b. a.")], ["B. A."], profile("en"))


def test_translate_cues_needs_a_concrete_preset(models: Path, tmp_path: Path,
                                                fake_translator: list[list[str]]) -> None:
    """"auto" depends on a frame size that cues do not have: callers resolve it, nothing guesses here."""
    opts = Options(models_dir=models, cache_dir=tmp_path, translator="fake")  # preset "auto", the default
    with pytest.raises(ValueError, match="auto"):
        translate.translate_cues(SOURCE, "fr", "en", opts, Cache(tmp_path / "c"))
    with pytest.raises(ValueError, match="auto"):
        translate.target_profile("en", Options(preset="auto"))
    vertical = translate.translate_cues(SOURCE, "fr", "en", replace(opts, preset="vertical"),
                                        Cache(tmp_path / "c"))
    assert all(len(line) <= profile("en", "vertical").max_chars for c in vertical.cues for line in c.lines)


def test_whisper_translation_is_english_only(tmp_path: Path) -> None:
    from pipeline.errors import UsageError

    with pytest.raises(UsageError, match="English only"):
        translate.whisper_to_english(tmp_path / "x.mp4", Options(preset="landscape"), "fr")


# --- six directions with tiny real packages ----------------------------------------------------------------

TEXTS = {
    "en": ["Hello, my name is Omar", "and I run with Cairo Runners.", "Follow LibanTroc on Instagram!",
           "Thank you very much."],
    "fr": ["Bonjour, je m'appelle Leila", "et je partage mes voyages.", "Suivez I Make This! sur Facebook !",
           "Merci beaucoup."],
    "ar": ["\u0645\u0631\u062d\u0628\u0627\u060c \u0627\u0633\u0645\u064a \u0639\u0645\u0631",
           "\u0648\u0623\u0631\u0643\u0636 \u0645\u0639 Cairo Runners.",
           "تابعوا LibanTroc على فيسبوك!",
           "\u0634\u0643\u0631\u0627 \u062c\u0632\u064a\u0644\u0627."],
}
NAMES = {"en": ["Cairo Runners", "LibanTroc", "Instagram"], "fr": ["I Make This!", "Facebook"],
         "ar": ["Cairo Runners", "LibanTroc", "Facebook"]}


@pytest.mark.parametrize(("src", "tgt"), SIX)
def test_six_directions_end_to_end(models: Path, tmp_path: Path, src: str, tgt: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cues = [cue(0, 2000, TEXTS[src][0]), cue(2100, 4200, TEXTS[src][1]), cue(5500, 8000, TEXTS[src][2]),
            cue(8100, 9500, TEXTS[src][3])]
    used: list[str] = []
    real = mt.run_package
    monkeypatch.setattr(mt, "run_package", lambda p, t, o: used.append(p.code) or real(p, t, o))
    opts = Options(models_dir=models, cache_dir=tmp_path, preset="landscape")
    result = translate.translate_cues(cues, src, tgt, opts, Cache(tmp_path / "c"))
    pivot = [f"translate-{src}_en", f"translate-en_{tgt}"]
    expected = [f"translate-{src}_{tgt}"] if "en" in (src, tgt) else pivot
    assert used == expected  # one batch per package, pivot through English
    assert (result.sentences, result.translated) == (3, 3)
    _assert_structure(cues, result.cues, retime.join_sentences(cues, src))
    text = " ".join(c.text for c in result.cues)
    for name in NAMES[src]:
        assert name in text
    limits = profile(tgt, "landscape")
    assert all(len(c.lines) <= limits.max_lines for c in result.cues)
    assert all(len(line) <= limits.max_chars for c in result.cues for line in c.lines if " " in line)


@pytest.mark.parametrize(("src", "tgt", "tokenizers"), [("ar", "fr", ["sentencepiece", "bpe"]),
                                                       ("fr", "ar", ["bpe", "sentencepiece"])])
def test_pivot_mixing_bpe_and_sentencepiece_packages(tmp_path: Path, src: str, tgt: str,
                                                     tokenizers: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    models = tiny_bpe_models()  # ar<->en SentencePiece; en->fr BPE unpacked, fr->en BPE zipped
    cues = [cue(0, 2000, TEXTS[src][0]), cue(2100, 4200, TEXTS[src][1]), cue(5500, 8000, TEXTS[src][2]),
            cue(8100, 9500, TEXTS[src][3])]
    used: list[tuple[str, str]] = []
    real = mt.run_package
    monkeypatch.setattr(mt, "run_package", lambda p, t, o: used.append((p.code, p.tokenizer))
                        or real(p, t, o))
    opts = Options(models_dir=models, cache_dir=tmp_path, preset="landscape")
    result = translate.translate_cues(cues, src, tgt, opts, Cache(tmp_path / "c"))
    assert used == list(zip([f"translate-{src}_en", f"translate-en_{tgt}"], tokenizers, strict=True))
    assert (result.sentences, result.translated) == (3, 3)
    _assert_structure(cues, result.cues, retime.join_sentences(cues, src))
    text = " ".join(c.text for c in result.cues)
    for name in NAMES[src]:
        assert name in text
    assert "@@" not in text


@pytest.mark.slow
def test_whisper_speech_translation_to_english(media: Path, tmp_path: Path) -> None:
    clip = media / "audio" / "fr_css10_lesmis_0153.wav"
    cues = translate.whisper_to_english(clip, Options(source="fr", cache_dir=tmp_path, preset="landscape"))
    text = " ".join(c.text for c in cues).lower()
    reference = (media / "audio" / "fr_css10_lesmis_0153.wav.en.txt").read_text(encoding="utf-8").lower()
    french = (media / "audio" / "fr_css10_lesmis_0153.wav.txt").read_text(encoding="utf-8").lower()

    def content(s: str) -> set[str]:
        return {w.strip(".,!?'") for w in s.split() if len(w.strip(".,!?'")) >= 4}

    assert len(content(text) & content(reference)) >= 3  # English, and about the right thing
    assert len(content(text) & (content(french) - content(reference))) <= 1  # not a French transcript
    limits = profile("en", "landscape")
    assert all(len(line) <= limits.max_chars for c in cues for line in c.lines)
    assert all(0 <= c.start_ms < c.end_ms <= 9000 for c in cues)


def test_cut_snaps_to_target_punctuation_nearby() -> None:
    words = ["Bonjour", "à", "tous,", "je", "suis", "Leila", "et", "je", "cours"]
    assert retime.split_by_weight(words, [20, 20])[0] == ["Bonjour", "à", "tous,", "je"]  # half the letters
    snapped = retime.split_by_weight(words, [20, 20], ",.")
    assert snapped[0] == ["Bonjour", "à", "tous,"] and sum(snapped, []) == words


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb,", "ccc", "dd.", "e"]), max_size=25),
       st.lists(st.integers(0, 40), min_size=1, max_size=6))
def test_snapping_keeps_every_word_and_a_word_per_chunk(words: list[str], weights: list[int]) -> None:
    chunks = retime.split_by_weight(words, weights, ",.")
    assert len(chunks) == len(weights) and [w for c in chunks for w in c] == words
    if len(words) >= len(weights):
        assert all(chunks)
