"""Text folded for comparing what was said: case, punctuation, Arabic diacritics and tatweel, alef/ya/ta
marbuta spelling variants, and numbers (digits become words in the text's language, so "3" and "three" /
"trois" / "ثلاثة" compare equal). Pure.

Production code (the ASR guards matching phantom lines) and evaluation (`metrics`: WER/CER) both use it; it
lives here so that tuning an evaluation never changes what the pipeline drops.
"""

from __future__ import annotations

import re
import unicodedata

from num2words import num2words

from pipeline.profiles import ARABIC_DIACRITICS, TATWEEL, TO_ASCII_DIGITS

_AR_DIACRITICS = re.compile(f"{ARABIC_DIACRITICS}|{TATWEEL}")
_AR_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_NUMBER = re.compile(r"\d+(?:[.,]\d{3})*")
_AR_SPACED_AND = re.compile(r"(?<=\s)و\s+")  # num2words writes "ثلاثة و عشرون"; Arabic attaches the و


def number_words(n: int, language: str) -> str:
    """`n` spoken in `language` (num2words; en/fr/ar), digit by digit beyond what it can say."""
    lang = language[:2] if language[:2] in ("en", "fr", "ar") else "en"
    try:
        words = num2words(n, lang=lang)
    except (OverflowError, NotImplementedError, ValueError, IndexError, KeyError):
        words = " ".join(num2words(int(d), lang=lang) for d in str(n))
    return _AR_SPACED_AND.sub("و", words) if lang == "ar" else words


# Accusative/genitive and feminine forms of Arabic number words, folded to one spelling (after letter
# folding).
_AR_NUMBER_VARIANTS = {"اثنين": "اثنان", "اثنتان": "اثنان", "اثنتين": "اثنان", "اثني": "اثنا",
                       "ثلاث": "ثلاثه", "اربع": "اربعه", "خمس": "خمسه", "ست": "سته", "سبع": "سبعه",
                       "ثماني": "ثمانيه", "ثمان": "ثمانيه", "تسع": "تسعه", "عشر": "عشره", "احدى": "احد",
                       "واحده": "واحد", "مئه": "مائه", "مئتان": "مائتان", "مائتين": "مائتان",
                       "مئتين": "مائتان",
                       # num2words' construct forms of 200 and 2000
                       "الفين": "الفان", "مئتا": "مائتان", "الفا": "الفان"}
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
    """Lower case, no punctuation, no Arabic diacritics, folded letter
    variants, numbers as words; one space."""
    text = unicodedata.normalize("NFKC", text).translate(TO_ASCII_DIGITS)
    text = _NUMBER.sub(lambda m: " " + number_words(int(re.sub(r"[.,]", "", m.group())), language) + " ",
                       text)
    text = _AR_DIACRITICS.sub("", text).translate(_AR_LETTERS).casefold()
    # Punctuation and symbols become spaces (so "c'est" -> "c est" on both sides, "quatre-vingt" splits
    # alike).
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" or ch in "\u200c\u200d\u200e\u200f" else ch
                   for ch in text)
    words = text.split()
    if language.startswith("ar"):
        words = [_fold_ar_word(w) for w in words]
    return " ".join(words)


