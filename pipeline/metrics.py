"""Word and character error rates after a normalisation that forgives what subtitles do not care about.

Normalised: case, punctuation, Arabic diacritics and tatweel, alef/ya/ta marbuta spelling variants, and numbers
(digits become words in the text's language, so "3" and "three" / "trois" / "ثلاثة" count as equal). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Arabic harakat, tanween, shadda, sukun, superscript alef, Quranic marks; and tatweel.
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"\d+(?:[.,]\d{3})*")



def _table(words: str) -> tuple[str, ...]:
    """A space-separated list; `_` joins a multi-word entry."""
    return tuple(w.replace("_", " ") for w in words.split())


_EN_ONES = _table("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen")
_EN_TENS = _table("_ _ twenty thirty forty fifty sixty seventy eighty ninety")
_FR_ONES = _table("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
            "dix-sept dix-huit dix-neuf")
_FR_TENS = _table("_ _ vingt trente quarante cinquante soixante soixante quatre-vingt quatre-vingt")
# Arabic in the masculine nominative; case/gender variants are folded by _AR_NUMBER_VARIANTS below.
_AR_ONES = _table("صفر واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة أحد_عشر اثنا_عشر ثلاثة_عشر أربعة_عشر "
            "خمسة_عشر ستة_عشر سبعة_عشر ثمانية_عشر تسعة_عشر")
_AR_TENS = _table("_ _ عشرون ثلاثون أربعون خمسون ستون سبعون ثمانون تسعون")
_AR_HUNDREDS = _table("_ مائة مائتان ثلاثمائة أربعمائة خمسمائة ستمائة سبعمائة ثمانمائة تسعمائة")


def _en(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        return _EN_TENS[n // 10] + ("" if n % 10 == 0 else " " + _EN_ONES[n % 10])
    if n < 1000:
        return _EN_ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + _en(n % 100))
    if n < 1_000_000:
        return _en(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + _en(n % 1000))
    return " ".join(_EN_ONES[int(d)] for d in str(n))


def _fr(n: int) -> str:
    if n < 20:
        return _FR_ONES[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        if tens in (7, 9):  # soixante-dix, quatre-vingt-dix: the unit counts from ten
            tens, unit = tens - 1, unit + 10
        word = _FR_TENS[tens]
        if unit == 0:
            return word + ("s" if tens == 8 else "")
        joiner = " et " if unit in (1, 11) and tens != 8 else " "
        return word + joiner + _FR_ONES[unit]
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else _FR_ONES[hundreds] + " cent" + ("s" if rest == 0 else "")
        return head + ("" if rest == 0 else " " + _fr(rest))
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mille" if thousands == 1 else _fr(thousands) + " mille"
        return head + ("" if rest == 0 else " " + _fr(rest))
    return " ".join(_FR_ONES[int(d)] for d in str(n))


def _ar(n: int) -> str:
    if n < 20:
        return _AR_ONES[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _AR_TENS[tens] if unit == 0 else f"{_AR_ONES[unit]} و{_AR_TENS[tens]}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _AR_HUNDREDS[hundreds] + ("" if rest == 0 else " و" + _ar(rest))
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = {1: "ألف", 2: "ألفان"}.get(thousands) or (
            f"{_ar(thousands)} آلاف" if thousands <= 10 else f"{_ar(thousands)} ألف")
        return head + ("" if rest == 0 else " و" + _ar(rest))
    return " ".join(_AR_ONES[int(d)] for d in str(n))


NUMBER_WORDS = {"en": _en, "fr": _fr, "ar": _ar}

# Accusative/genitive and feminine forms of Arabic number words, folded to one spelling (after letter folding).
_AR_NUMBER_VARIANTS = {"اثنين": "اثنان", "اثنتان": "اثنان", "اثنتين": "اثنان", "اثني": "اثنا", "ثلاث": "ثلاثه",
                       "اربع": "اربعه", "خمس": "خمسه", "ست": "سته", "سبع": "سبعه", "ثماني": "ثمانيه",
                       "ثمان": "ثمانيه", "تسع": "تسعه", "عشر": "عشره", "احدى": "احد", "واحده": "واحد",
                       "مئه": "مائه", "مئتان": "مائتان", "مائتين": "مائتان", "مئتين": "مائتان", "الفين": "الفان"}
_AR_TENS_FOLDED = {"عشرين", "ثلاثين", "اربعين", "خمسين", "ستين", "سبعين", "ثمانين", "تسعين"}


def _fold_ar_word(word: str) -> str:
    prefix = "و" if word.startswith("و") and len(word) > 2 and _fold_ar_core(word[1:]) != word[1:] else ""
    core = word[len(prefix):]
    return prefix + _fold_ar_core(core)


def _fold_ar_core(word: str) -> str:
    if word in _AR_TENS_FOLDED:
        return word[:-2] + "ون"
    return _AR_NUMBER_VARIANTS.get(word, word)


def normalize(text: str, language: str = "en") -> str:
    """Lower case, no punctuation, no Arabic diacritics, folded letter variants, numbers as words; one space."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    speak = NUMBER_WORDS.get(language[:2], _en)
    text = _NUMBER.sub(lambda m: " " + speak(int(re.sub(r"[.,]", "", m.group()))) + " ", text)
    text = _AR_DIACRITICS.sub("", text).translate(_AR_LETTERS).casefold()
    # Punctuation and symbols become spaces (so "c'est" -> "c est" on both sides, "quatre-vingt" splits alike).
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" or ch in "\u200c\u200d\u200e\u200f" else ch
                   for ch in text)
    words = text.split()
    if language.startswith("ar"):
        words = [_fold_ar_word(w) for w in words]
    return " ".join(words)


def edit_distance(ref: Sequence[object], hyp: Sequence[object]) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    if len(ref) < len(hyp):
        ref, hyp = hyp, ref
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str, language: str = "en") -> float:
    """Word error rate of `hypothesis` against `reference`, both normalised. An empty reference scores
    0.0 for an empty hypothesis and 1.0 otherwise."""
    ref, hyp = normalize(reference, language).split(), normalize(hypothesis, language).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def cer(reference: str, hypothesis: str, language: str = "en") -> float:
    """Character error rate over the normalised texts (spaces count as characters, single spaces only)."""
    ref, hyp = normalize(reference, language), normalize(hypothesis, language)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def words_found(reference: str, hypothesis: str, language: str = "en") -> float:
    """Share of the reference's words present in the hypothesis (order ignored): is a sentence there at all?
    Arabic words count by their first three letters, as the base model's spelling of endings varies."""
    ref = normalize(reference, language).split()
    hyp = normalize(hypothesis, language).split()
    if not ref:
        return 1.0
    if language == "ar":
        heads = {w[:3] for w in hyp}
        return sum(w[:3] in heads for w in ref) / len(ref)
    have = set(hyp)
    return sum(w in have for w in ref) / len(ref)
