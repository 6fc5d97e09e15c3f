"""Typography per language: Arabic marks, French narrow no-break
spaces, English plain; never words or digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import glossary, typography
from pipeline.typography import apply

NNBSP = "\u202f"
NAMES = glossary.load().names()  # the shipped glossary, read here: typography takes names, never reads a file


def test_arabic_punctuation_and_no_space_before_it() -> None:
    assert apply("مرحبا , كيف حالك ? جيد ; شكرا ...", "ar") == "مرحبا، كيف حالك؟ جيد؛ شكرا\u2026"
    assert apply("نعم ! حسنا ،", "ar") == "نعم! حسنا،"


def test_arabic_keeps_numbers_and_digits_as_written() -> None:
    assert apply("1,5 مليون و ٣٠ ألفا", "ar") == "1,5 مليون و ٣٠ ألفا"
    assert apply("في عام 2024 ، ربحنا", "ar") == "في عام 2024، ربحنا"


def test_french_narrow_no_break_spaces() -> None:
    assert apply("Bonjour ! Ça va ? Oui : très bien ; merci", "fr") == (
        f"Bonjour{NNBSP}! Ça va{NNBSP}? Oui{NNBSP}: très bien{NNBSP}; merci")
    assert apply("Il a dit «bonjour»", "fr") == f"Il a dit «{NNBSP}bonjour{NNBSP}»"
    assert apply("Quoi?!", "fr") == f"Quoi{NNBSP}?!"
    assert apply("Rendez-vous à 10:30 sur https://example.org", "fr") == "Rendez-vous à 10:30 sur https://example.org"
    assert apply("Eh bien...", "fr") == "Eh bien\u2026"


def test_english_stays_plain() -> None:
    assert apply("Wait... what ?", "en") == "Wait... what?"
    assert apply("I Make This!", "en") == "I Make This!"


@pytest.mark.parametrize(("text", "expected"), [
    ("J'ai rejoint I Make This! hier.", "J'ai rejoint I Make This! hier."),
    ("Rejoignez I Make This!", "Rejoignez I Make This!"),
    ("Le lien : libantroc.com/?ref=fb", f"Le lien{NNBSP}: libantroc.com/?ref=fb"),
    ("Voir https://libantroc.com/troc?ref=fb;x=1 !", f"Voir https://libantroc.com/troc?ref=fb;x=1{NNBSP}!"),
    ("Vous êtes sur https://libantroc.com/a?", f"Vous êtes sur https://libantroc.com/a{NNBSP}?"),
    ("Écrivez à contact@libantroc.org!", f"Écrivez à contact@libantroc.org{NNBSP}!"),
    ("Suivez @cairo_runners et #LibanTroc !", f"Suivez @cairo_runners et #LibanTroc{NNBSP}!"),
    ("Vous connaissez LibanTroc?", f"Vous connaissez LibanTroc{NNBSP}?"),
    ("Vraiment ?", f"Vraiment{NNBSP}?"),
    ("Vraiment?", f"Vraiment{NNBSP}?"),
])
def test_french_leaves_names_links_and_handles_untouched(text: str, expected: str) -> None:
    assert apply(text, "fr", NAMES) == expected
    assert typography.problems(expected, "fr", NAMES) == []


def test_problems_do_not_flag_a_brand_or_a_link() -> None:
    assert typography.problems("J'ai rejoint I Make This! hier.", "fr", NAMES) == []
    assert typography.problems("libantroc.com/?ref=fb", "fr") == []
    assert typography.problems("Vraiment ?", "fr") != []  # a plain space, not a narrow no-break one


def test_names_are_data_a_custom_one_is_kept_and_none_is_assumed() -> None:
    assert apply("Ils ont crié We Did It! ensemble", "fr",
                 ("We Did It!",)) == "Ils ont crié We Did It! ensemble"
    assert apply("Ils ont crié We Did It! ensemble", "fr") == f"Ils ont crié We Did It{NNBSP}! ensemble"


def test_arabic_links_keep_their_ascii_marks() -> None:
    assert apply("زوروا libantroc.com/?a=1,2 , شكرا", "ar") == "زوروا libantroc.com/?a=1,2، شكرا"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
@given(st.text(alphabet="ab éعم ,.;:!?«»…/@#0123456789٣\u00a0", max_size=40)
       | st.lists(st.sampled_from(["I Make This!", "LibanTroc", "libantroc.com/?r=1", "a@b.fr", "#x", "@y",
                                   "Vraiment", "?", "!", " ", "ab", ":", ",", "https://x.org/a?b"]),
                  max_size=8).map("".join))
def test_idempotent_and_only_punctuation_changes(lang: str, text: str) -> None:
    once = apply(text, lang)
    assert apply(once, lang) == once
    assert typography.plain(once) == typography.plain(text)


def test_display_length_ignores_tags_diacritics_and_bidi_marks() -> None:
    assert typography.display_length("<i>abc</i>") == 3
    assert typography.display_length("أَتاحَت") == len("أتاحت")
    assert typography.display_length("\u2067abc\u2069") == 3
