"""The campaign glossary: names kept intact through translation, and a prompt biasing Whisper to them.

CSV, one row per term, a column per language (`ar`, `fr`, `en`); a cell `keep` (or empty) means the
term stays as written in the row's first given form (English when present). An optional `aliases`
column lists other spellings met in transcripts ("|"-separated), replaced by the target's form.
Long single words match in any case; short names and multi-word names match only as written,
because they are made of ordinary words ("I make this bread" is not the brand).
Hashtags, @handles and links are protected too.

Protection swaps each term for a placeholder before translation and puts the target form back after.
A model that drops or mangles a placeholder does not lose the term: it is re-inserted at the same
relative position in the sentence, and that leniency is logged.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.profiles import ARABIC_DIGITS, LANGUAGES, TO_ASCII_DIGITS
from pipeline.typography import names_regex

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "glossary.csv"
KEEP = "keep"
EXTRA_COLUMNS = ("aliases", "note")
# Always protected, whatever the glossary: hashtags, @handles, links.
ALWAYS = r"#\w+|@\w+|https?://\S+"
_PLACEHOLDER = "ZXQ{}"
_PLACEHOLDER_RE = re.compile(rf"Z\s?X\s?Q\s?([0-9{ARABIC_DIGITS}]{{1,3}})", re.IGNORECASE)
_CANONICAL_RE = re.compile(r"ZXQ(\d+)")
_RESIDUE_RE = re.compile(r"(?<!\w)Z\s?X\s?Q(?!\w)", re.IGNORECASE)  # a placeholder stripped of its number
# Whisper prompt lead per language: keeps the prompt in the spoken language so it does not sway detection.


@dataclass(frozen=True)
class Term:
    canonical: str
    forms: tuple[tuple[str, str], ...] = ()  # (language, form) where the form differs from `keep`
    aliases: tuple[str, ...] = ()

    def target(self, lang: str) -> str:
        return dict(self.forms).get(lang, self.canonical)

    def spellings(self) -> tuple[str, ...]:
        seen = dict.fromkeys([self.canonical, *(f for _, f in self.forms), *self.aliases])
        return tuple(s for s in seen if s)


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    source: str = "<none>"

    def spellings(self) -> frozenset[str]:
        return frozenset(s for t in self.terms for s in t.spellings())

    def names(self) -> tuple[str, ...]:
        """Every spelling of every term, sorted: what a `Profile` protects on screen (never split, never
        re-punctuated)."""
        return tuple(sorted(self.spellings()))

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        names = names_regex(self.spellings())
        return re.compile(f"{names}|{ALWAYS}" if names else ALWAYS, re.IGNORECASE)

    def term_for(self, text: str) -> Term | None:
        lowered = text.casefold()
        return next((t for t in self.terms if lowered in (s.casefold() for s in t.spellings())), None)


@dataclass(frozen=True)
class Protected:
    text: str  # the source with placeholders
    terms: tuple[str, ...]  # target form for placeholder i
    positions: tuple[float, ...]  # where each term sat in the source, 0..1, for re-insertion


def _parse_row(row: dict[str, str], langs: list[str], where: str) -> Term:
    cells = {lg: (row.get(lg) or "").strip() for lg in langs}
    given = [cells[lg] for lg in ("en", *langs) if cells.get(lg) and cells[lg].casefold() != KEEP]
    if not given:
        raise UsageError(f"{where}: a term needs at least one written form (not only 'keep')")
    canonical = given[0]
    forms = tuple((lg, v) for lg, v in cells.items() if v and v.casefold() != KEEP and v != canonical)
    aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
    return Term(canonical, forms, aliases)


def loads(text: str, source: str = "<string>") -> Glossary:
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    langs = [h for h in header if h in LANGUAGES]
    unknown = [h for h in header if h not in LANGUAGES and h not in EXTRA_COLUMNS]
    if not langs or unknown:
        raise UsageError(f"{source}:1: expected a header of language columns ({', '.join(LANGUAGES)}) "
                         f"and optionally {', '.join(EXTRA_COLUMNS)}; got {', '.join(header) or 'nothing'}")
    terms = []
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            terms.append(_parse_row(row, langs, f"{source}:{reader.line_num}"))
    return Glossary(tuple(terms), source)


def load(path: Path | None = None) -> Glossary:
    """The glossary at `path`, or the shipped campaign glossary when None."""
    target = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = target.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{target}: cannot read glossary ({exc.strerror or exc})") from None
    return loads(text, str(target))


def protect(text: str, glossary: Glossary, tgt: str) -> Protected:
    """Swap glossary terms, hashtags and links for placeholders the model copies through."""
    terms: list[str] = []
    positions: list[float] = []

    def swap(m: re.Match[str]) -> str:
        term = glossary.term_for(m.group(0))
        terms.append(term.target(tgt) if term else m.group(0))
        positions.append(m.start() / max(1, len(text)))
        return _PLACEHOLDER.format(len(terms) - 1)

    return Protected(glossary.pattern.sub(swap, text), tuple(terms), tuple(positions))


def _insert_all(text: str, missing: list[tuple[float, str]]) -> str:
    """Insert each (fraction, term) at the word boundary nearest that fraction of the text, in order."""
    spaces = [0, *(i for i, ch in enumerate(text) if ch == " "), len(text)]
    pieces, last = [], 0
    for fraction, term in sorted(missing, key=lambda m: m[0]):
        cut = max(last, min(spaces, key=lambda i: abs(i - round(fraction * len(text)))))
        pieces += [text[last:cut], f" {term} "]
        last = cut
    return "".join([*pieces, text[last:]])


def restore(translated: str, protected: Protected) -> str:
    """Put each term back; terms whose placeholder the model lost are re-inserted where they were."""
    used: set[int] = set()

    def normalise(m: re.Match[str]) -> str:
        idx = int(m.group(1).translate(TO_ASCII_DIGITS))
        if idx >= len(protected.terms) or idx in used:
            return ""  # a placeholder the model invented or repeated
        used.add(idx)
        return _PLACEHOLDER.format(idx)

    text = _RESIDUE_RE.sub("", _PLACEHOLDER_RE.sub(normalise, translated))
    missing = [(protected.positions[i], _PLACEHOLDER.format(i)) for i in range(len(protected.terms))
               if i not in used]
    if missing:
        log.info("glossary: the model dropped %d term(s) of %r; re-inserted", len(missing), protected.text)
        text = _insert_all(text, missing)
    text = _CANONICAL_RE.sub(lambda m: protected.terms[int(m.group(1))], text)
    return " ".join(text.split())


def whisper_prompt(glossary: Glossary, lang: str | None) -> str:
    """A short initial prompt / hotwords naming the campaign's terms as written in `lang` (None: as listed).

    Names only, after a one-word lead in the spoken language, so it biases spelling without swaying
    language detection.
    """
    if not glossary.terms:
        return ""
    comma = dict(LANGUAGES[lang].punctuation).get(",", ",") if lang in LANGUAGES else ","
    names = f"{comma} ".join(t.target(lang) for t in glossary.terms)
    return f"{LANGUAGES[lang].prompt_lead if lang in LANGUAGES else ''}{names}."
