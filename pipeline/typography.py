"""Language typography at output, driven by the `Language` rows of `pipeline.profiles`.

Arabic: ، ؟ ؛ and a single-character ellipsis, no space before them. French: a narrow no-break space (U+202F)
before ; : ! ? and inside « ». English: plain. Only punctuation and spaces change: never words, never digits
(Arabic-Indic digits stay as the speaker's script had them). Names and brands (the glossary's, passed in by
the caller as `names`), links, e-mail addresses, @handles and #hashtags are left exactly as written:
"I Make This!" and "libantroc.com/?ref=fb" are not prose.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache, lru_cache

from pipeline import markup
from pipeline.profiles import ARABIC_DIACRITICS, BIDI_CONTROLS, LANGUAGES, Language, language

log = logging.getLogger(__name__)

_SPACES = " \u00a0\u202f"  # regular, no-break, narrow no-break
# Arabic diacritics and bidi controls take no width on screen.
_INVISIBLE = re.compile(f"{ARABIC_DIACRITICS}|[{BIDI_CONTROLS}]")
# Each language's own marks back to the ASCII they replace (typography undone).
_PLAIN = tuple(dict.fromkeys([(dst, src) for lg in LANGUAGES.values() for src, dst in lg.punctuation]
                             + [(lg.ellipsis, "...") for lg in LANGUAGES.values() if lg.ellipsis]))
_DOTS = re.compile(r"\.\.\.")
# Links (trailing sentence punctuation is prose, not part of the link), e-mail, @handles, #hashtags.
_LINK_END = r"(?=[.,;:!?\u2026\u00bb\"')\]]*(?:\s|$))"
_LINKS = "|".join([
    rf"(?:https?://|www\.)\S+?{_LINK_END}",
    # Each starts only where its run of characters starts: tried at every character of a long run, it was
    # quadratic (a 137 KB line without spaces took 90 s).
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail
    # site.com/x
    rf"(?<![\w@.-])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[a-z]{{2,6}}(?!\w)(?:/\S*?)?{_LINK_END}",
    r"[@#]\w+",
])
_MASK = "\ue000"  # stands in for a protected span while the rules run: one non-space character


class _Rules:
    """The compiled regular expressions of one language (built once)."""

    def __init__(self, lg: Language) -> None:
        self.lg = lg
        self.swaps = [(src, dst, _swap_pattern(src)) for src, dst in lg.punctuation]
        tight = "".join(ch for ch in lg.no_space_before if ch not in lg.space_before)
        self.tight = re.compile(f"(?<=[^\\s])[{_SPACES}]+(?=[{re.escape(tight)}])") if tight else None
        marks = re.escape(lg.space_before)
        # A space before the mark unless it follows another mark (?!) or sits in 10:30 / http://.
        self.spaced = (re.compile(f"(?<=[^\\s{marks}])[{_SPACES}]*([{marks}])(?![\\d/])")
                       if lg.space_before else None)


def _swap_pattern(src: str) -> re.Pattern[str]:
    # A comma between digits is a number (1,5), not punctuation.
    if src in ",.":
        return re.compile(f"(?<!\\d){re.escape(src)}|{re.escape(src)}(?!\\d)")
    return re.compile(re.escape(src))


@cache
def _rules(lang: str) -> _Rules:
    return _Rules(language(lang))


def _any_case(spelling: str) -> bool:
    """Whether a spelling may match in any letter case: only long single words ("libantroc").

    Short names ("Meta") and several words ("I Make This!", "Cairo Runners") are made of ordinary words
    ("meta data", "I make this bread"), so they match only as written. Arabic has no case: unaffected.
    """
    return len(spelling) > 4 and len(spelling.split()) == 1


def names_regex(spellings: Iterable[str]) -> str:
    """An alternation matching each spelling as whole words, longest first, under `_any_case`'s rule.

    Compile it with re.IGNORECASE: spellings that must match as written carry their own (?-i:...).
    """
    ordered = sorted(set(spellings), key=len, reverse=True)
    alts = (re.escape(s) if _any_case(s) else f"(?-i:{re.escape(s)})" for s in ordered if s)
    return "|".join(f"(?<!\\w){a}(?!\\w)" for a in alts)


@lru_cache(maxsize=32)
def _untouchable(names: frozenset[str]) -> re.Pattern[str]:
    """Links first (so "libantroc.com/?x" is one link, not the name "libantroc"), then the names."""
    # Markup first: punctuation inside a tag (<font face="a, b">) is not prose. Every name starts at a word
    # boundary: said once outside the alternation, the other positions of a long word fail fast.
    spelled = names_regex(names)
    return re.compile(f"{markup.SPAN}|{_LINKS}|(?<!\\w)(?:{spelled})" if spelled
                      else f"{markup.SPAN}|{_LINKS}", re.IGNORECASE)


def apply(text: str, lang: str, names: Iterable[str] = ()) -> str:
    """`text` with `lang`'s punctuation and spacing; idempotent; lines (\\n) are handled one by one.

    `names`: the glossary's names and brands, left exactly as written.
    """
    rules, keep = _rules(lang), _untouchable(frozenset(names))
    return "\n".join(_apply_masked(line, rules, keep) for line in text.split("\n"))


def _apply_masked(line: str, rules: _Rules, keep: re.Pattern[str]) -> str:
    """The rules applied around names, links and handles, which come back unchanged."""
    if _MASK in line:  # a private-use character we cannot tell from our own: no masking
        return _apply_line(line, rules)
    kept = keep.findall(line)
    if not kept:
        return _apply_line(line, rules)
    out = _apply_line(keep.sub(_MASK, line), rules)
    spans = iter(kept)
    return re.sub(_MASK, lambda _m: next(spans), out)


def _apply_line(line: str, rules: _Rules) -> str:
    lg = rules.lg
    line = re.sub(" {2,}", " ", line.strip(_SPACES))
    for _src, dst, pattern in rules.swaps:
        line = pattern.sub(dst, line)
    if rules.tight is not None:
        line = rules.tight.sub("", line)
    if lg.ellipsis:  # after the tight rule, which can join dots (".. ." -> "..."): idempotent
        line = _DOTS.sub(lg.ellipsis, line)
    if rules.spaced is not None:
        line = rules.spaced.sub(lg.space_char + r"\1", line)
    if lg.space_inside_quotes:
        line = re.sub(f"«[{_SPACES}]*", "«" + lg.space_char, line)
        line = re.sub(f"[{_SPACES}]*»", lg.space_char + "»", line)
    return line


def problems(text: str, lang: str, names: Iterable[str] = ()) -> list[str]:
    """Human-readable typography problems of one line (empty when `apply` would not change it)."""
    fixed = apply(text, lang, names)
    if fixed == text:
        return []
    return [f"{text!r} should read {fixed!r}"]


def plain(text: str) -> str:
    """Text with typography undone (for comparing words modulo punctuation style): no spaces, ASCII marks."""
    for src, dst in _PLAIN:
        text = text.replace(src, dst)
    return re.sub(r"\s+", "", text)


def strip_invisible(text: str) -> str:
    """Text without Arabic diacritics and bidi marks (how word lists and lengths see it)."""
    return _INVISIBLE.sub("", text)


def display_length(text: str) -> int:
    """Characters a viewer sees: markup (as `pipeline.markup` reads it), Arabic diacritics and bidi marks
    do not count; spaces and marks do."""
    return len(_INVISIBLE.sub("", markup.visible(text)))
