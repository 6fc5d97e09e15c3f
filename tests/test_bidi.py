"""Directional isolates around Latin runs in right-to-left text (pure)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from pipeline.bidi import LRI, PDI, direction, has_rtl, isolate_ltr_runs, ltr_runs, strip_isolates


def isolated_segments(text: str) -> list[str]:
    segments, depth, current = [], 0, []
    for ch in text:
        if ch == LRI:
            depth += 1
            current = []
        elif ch == PDI:
            depth -= 1
            segments.append("".join(current))
        elif depth:
            current.append(ch)
    return segments


def test_brand_inside_arabic_is_isolated():
    out = isolate_ltr_runs("جربت LibanTroc وكانت تجربة رائعة!")
    assert isolated_segments(out) == ["LibanTroc"]
    assert out.startswith("جربت ") and out.endswith(" وكانت تجربة رائعة!")


def test_glued_punctuation_joins_the_latin_run_only_when_arabic_follows():
    # The '!' belongs to the brand "I Make This!"; the final '.' belongs to the Arabic sentence.
    assert isolated_segments(isolate_ltr_runs("قلت لنفسي: I Make This! ثم بدأت.")) == ["I Make This!"]
    out = isolate_ltr_runs("جربت LibanTroc.")
    assert isolated_segments(out) == ["LibanTroc"] and out.endswith(PDI + ".")


def test_line_starting_with_a_brand_and_numbers_after_latin():
    assert isolated_segments(isolate_ltr_runs("LibanTroc هو موقع")) == ["LibanTroc"]
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15 Pro أمس")) == ["iPhone 15 Pro"]


def test_a_number_before_arabic_words_stays_outside_the_latin_run():
    # "3" counts the Arabic "مرات" (times), not the brand: inside the isolate it would show beside "جربت".
    out = isolate_ltr_runs("جربت LibanTroc 3 مرات")
    assert out == "جربت " + LRI + "LibanTroc" + PDI + " 3 مرات"
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15 أمس")) == ["iPhone"]
    # The percentage stays out of the brand's isolate, in one of its own (libass shows a bare "50%" as "%50").
    assert isolated_segments(isolate_ltr_runs("خصم LibanTroc 50% على كل شيء")) == ["LibanTroc", "50%"]
    assert isolated_segments(isolate_ltr_runs("جربت LibanTroc ٣ مرات")) == ["LibanTroc"]
    assert isolated_segments(isolate_ltr_runs("جربت LibanTroc 2.5 ساعة")) == ["LibanTroc"]


def test_a_model_number_with_no_arabic_after_it_stays_with_the_brand():
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15")) == ["iPhone 15"]
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15، وكان رائعا")) == ["iPhone 15"]
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15! ثم بعته")) == ["iPhone 15!"]
    # Glued to the Latin letters, digits are part of the name whatever follows.
    assert isolated_segments(isolate_ltr_runs("اشتريت Galaxy S24 أمس")) == ["Galaxy S24"]


def test_arabic_punctuation_never_joins_a_latin_run():
    out = isolate_ltr_runs("Cairo Runners، 10 كم في 2024…")
    assert out == LRI + "Cairo Runners" + PDI + "، 10 كم في 2024…"
    assert isolated_segments(isolate_ltr_runs("زرت Cairo، Paris؛ Rome؟ نعم")) == ["Cairo", "Paris", "Rome"]


def test_text_without_right_to_left_letters_is_unchanged():
    assert isolate_ltr_runs("I Make This! great") == "I Make This! great"
    assert isolate_ltr_runs("Le marché était génial !") == "Le marché était génial !"


def test_arabic_comma_is_not_pulled_into_the_latin_run():
    assert isolated_segments(isolate_ltr_runs("جربت LibanTroc، وكانت رائعة")) == ["LibanTroc"]


ARABIC_PUNCTUATION = "\u060c\u061b\u061f"  # ، ؛ ؟
_ALPHABET = st.sampled_from(list("جربتوكانرئعةهلسي") + list("LibanTrocIMkeThs")
                            + list("0123456789 !?.,:،؛؟%'\n"))
texts = st.text(_ALPHABET, max_size=60)


@given(texts)
def test_only_isolates_are_added(text):
    assert strip_isolates(isolate_ltr_runs(text)) == text


@given(texts)
def test_idempotent(text):
    once = isolate_ltr_runs(text)
    assert isolate_ltr_runs(once) == once


@given(texts)
def test_isolated_runs_are_left_to_right_and_balanced(text):
    out = isolate_ltr_runs(text)
    assert out.count(LRI) == out.count(PDI)
    for segment in isolated_segments(out):
        # A Latin run (a handle's or hashtag's sign may lead it), or a percentage in Western digits.
        starts_latin = (direction(segment.lstrip("@#")[:1]) == "L"
                        and len(segment) - len(segment.lstrip("@#")) <= 1)
        assert segment and (starts_latin or re.fullmatch(r"[0-9]+(?:[.,][0-9]+)*%", segment)), segment
        assert not has_rtl(segment) and "\n" not in segment
    if not has_rtl(text):
        assert out == text


@given(texts)
def test_no_number_before_arabic_words_and_no_arabic_punctuation_inside_a_run(text):
    out = isolate_ltr_runs(text)
    for segment in isolated_segments(out):
        assert not set(segment) & set(ARABIC_PUNCTUATION)
    for start, end in ltr_runs(text):
        # A run that ends in a space-separated number: no Arabic word may follow that number.
        if re.search(r"\s\d+$", text[start:end]):
            rest = text[end:].lstrip(" %")
            assert not rest or direction(rest[0]) != "R", (text, text[start:end])


@given(texts)
def test_every_latin_letter_of_rtl_text_ends_up_isolated(text):
    if not has_rtl(text):
        return
    covered = {i for start, end in ltr_runs(text) for i in range(start, end)}
    assert all(i in covered for i, ch in enumerate(text) if direction(ch) == "L")


def test_handles_and_hashtags_keep_their_sign_and_tail_inside_the_isolate():
    out = isolate_ltr_runs("تابعوا @campaign_2024 و #Vote2024 اليوم")
    assert isolated_segments(out) == ["@campaign_2024", "#Vote2024"]
    assert isolated_segments(isolate_ltr_runs("خصم 50% و 2.5% اليوم")) == ["50%", "2.5%"]
    assert isolate_ltr_runs(out) == out  # idempotent
    assert isolated_segments(isolate_ltr_runs("راسلونا على a@b.com")) == ["a@b.com"]  # an address: one run
