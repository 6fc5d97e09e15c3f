"""Directional isolates around Latin runs in right-to-left text (pure)."""

from __future__ import annotations

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
    assert isolated_segments(isolate_ltr_runs("اشتريت iPhone 15 أمس")) == ["iPhone 15"]


def test_text_without_right_to_left_letters_is_unchanged():
    assert isolate_ltr_runs("I Make This! great") == "I Make This! great"
    assert isolate_ltr_runs("Le marché était génial !") == "Le marché était génial !"


def test_arabic_comma_is_not_pulled_into_the_latin_run():
    assert isolated_segments(isolate_ltr_runs("جربت LibanTroc، وكانت رائعة")) == ["LibanTroc"]


_ALPHABET = st.sampled_from(list("جربتوكانرئعةهلسي") + list("LibanTrocIMkeThs") + list("0123456789 !?.,:،؟'\n"))
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
        assert segment and direction(segment[0]) == "L"
        assert not has_rtl(segment) and "\n" not in segment
    if not has_rtl(text):
        assert out == text


@given(texts)
def test_every_latin_letter_of_rtl_text_ends_up_isolated(text):
    if not has_rtl(text):
        return
    covered = {i for start, end in ltr_runs(text) for i in range(start, end)}
    assert all(i in covered for i, ch in enumerate(text) if direction(ch) == "L")
