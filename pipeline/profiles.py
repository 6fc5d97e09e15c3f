"""Language rules and format presets as data: one table, no `if lang == "ar"` scattered around.

Numbers come from shared/docs/subtitle-standards.md (Netflix, BBC, Subtitle Edit). A `Profile` is one row of
language x preset, with any user overrides applied.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipeline.errors import UsageError


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    max_cps: float  # reading speed, characters per second (spaces and punctuation count)
    rtl: bool
    font: str  # font family named explicitly at burn time (fonts-noto-core)
    facebook_locale: str  # social export naming: NAME.ll_CC.srt
    # Typography: ASCII punctuation replaced in this language's text, and what goes before some marks.
    punctuation: tuple[tuple[str, str], ...] = ()
    space_before: str = ""  # marks that take a (narrow no-break) space before them
    space_char: str = "\u202f"
    ellipsis: str = "\u2026"  # what "..." becomes; "" leaves ellipses as written
    space_inside_quotes: bool = False  # French: « text » with narrow no-break spaces inside
    no_space_before: str = ",.!?;:\u2026"  # marks that never take a space before them (unless space_before)
    # Line breaking (Netflix / BBC 3.4): where a sentence or clause ends, which words start a good break,
    # and which words must never end a line (article + noun, pronoun + verb, preposition + its phrase...).
    sentence_end: str = ".!?\u2026"
    clause_end: str = ",;:\u2014"
    break_before: frozenset[str] = frozenset()
    no_break_after: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()  # never split a number from these
    clitic_prefixes: tuple[str, ...] = ()  # written attached (Arabic و ف): "وفي" breaks like "في"
    capitalised_names: bool = True  # two capitalised words in a row are likely a name (not in Arabic script)
    # Telling the language of unlabelled text (`check` without --lang): letters only this language uses.
    telltale_letters: str = ""
    # Whisper: how the initial prompt introduces the campaign names, in this language.
    prompt_lead: str = ""
    # Lines Whisper produces over silence or music because its training subtitles ended with them: dropped
    # whenever a segment is (mostly) one of `phantom_lines`; `doubtful_lines` only when the model itself
    # doubts there was speech.
    phantom_lines: tuple[str, ...] = ()
    doubtful_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    name: str
    max_chars: int  # per line
    max_lines: int
    # Layout, as fractions of the frame (BBC 9.2.1; platform safe zones for 9:16).
    text_width: float
    line_height: float
    safe_top: float
    safe_bottom: float
    safe_sides: float


@dataclass(frozen=True)
class Profile:
    language: str
    preset: str
    max_chars: int
    max_lines: int
    max_cps: float
    min_ms: int = 833
    max_ms: int = 7000
    min_gap_ms: int = 83  # two frames at 24 fps
    chain_ms: int = 500  # gaps up to this are closed down to min_gap_ms ("chaining")
    linger_ms: int = 500  # a cue may stay up to this long after the end of speech
    # Names and brands (the campaign glossary's spellings, given by the caller): never split across lines or
    # cues, and left exactly as written by typography ("We Did It!" is not French prose).
    protected: tuple[str, ...] = ()


# The settings a user may override: their type, and whether 0 is allowed (a gap may be 0, a limit not).
_SETTINGS: dict[str, tuple[type, bool]] = {
    "max_chars": (int, False), "max_lines": (int, False), "max_cps": (float, False),
    "min_ms": (int, False), "max_ms": (int, False),
    "min_gap_ms": (int, True), "chain_ms": (int, True), "linger_ms": (int, True),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_BREAK_BEFORE = _words("and but or nor so yet because although though while whereas when whenever where "
                          "if unless until which who whom whose that than as after before since "
                          "of to in on at for with from by about into onto over under between through "
                          "during without within against among like")
_EN_NO_END = _words("a an the this that these those my your his her its our their some any no every each "
                    "and or but nor so of to in on at for with from by about into onto over under between "
                    "through during without within i you he she we they it i'm you're he's she's we're "
                    "they're it's i've we've i'll we'll i'd is are was were am be been being "
                    "will would shall should can could may might must don't doesn't didn't "
                    "won't can't couldn't wouldn't shouldn't isn't aren't wasn't weren't have has had "
                    "not very more most mr. mrs. ms. dr. mr mrs ms dr")
_FR_BREAK_BEFORE = _words("et ou mais donc or ni car parce puisque lorsque quand comme si que qui dont où "
                          "de du des à au aux en dans sur sous pour par avec sans chez vers entre pendant "
                          "depuis avant après contre selon malgré jusqu'à")
_FR_NO_END = _words("le la les l' un une des du de d' au aux à en dans sur sous pour par avec sans chez vers "
                    "entre et ou mais ni que qu' qui dont où je j' tu il elle on nous vous ils elles ce c' "
                    "cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs se s' "
                    "me m' te t' ne n' y est sont suis es sommes êtes était ai as a avons avez ont très "
                    "plus moins m. mme")
_AR_BREAK_BEFORE = _words("في من إلى الى على عن مع حتى منذ بين عند لدى ثم أو او أم بل لكن لكنّ ولكن لأن "
                          "لان أن إن ان كما حيث إذا اذا عندما بينما الذي التي الذين اللذان اللتان اللواتي "
                          "كي لكي")
_AR_NO_END = _words("و ف ب ل ك في من إلى الى على عن مع حتى منذ بين عند لدى أن ان إن لا لم لن ما قد "
                    "هذا هذه ذلك تلك هؤلاء الذي التي الذين يا أو او ثم بل لكن كل بعض أي كان كانت "
                    "هو هي هم نحن أنا انا أنت انت")
_UNITS = _words("% ‰ km m cm mm kg g mg l ml h min s ms € $ £ °c °f dh mad egp lbp usd eur "
                "kilomètres kilometres mètres euros dollars dirhams ans heures minutes secondes pour cent "
                "kilometers miles meters years hours minutes seconds percent pounds "
                "كم كيلو كيلومتر متر سنة سنوات عام أعوام ساعة ساعات دقيقة دقائق جنيه جنيهات درهم دراهم "
                "ليرة ليرات دولار دولارات يورو بالمئة بالمائة ٪")


LANGUAGES: dict[str, Language] = {
    "ar": Language("ar", "Arabic", 20.0, True, "Noto Naskh Arabic", "ar_AR",
                   punctuation=((",", "\u060c"), ("?", "\u061f"), (";", "\u061b")),
                   no_space_before=",.!?;:\u2026\u060c\u061f\u061b",
                   sentence_end=".!?\u2026\u061f", clause_end=",;:\u2014\u060c\u061b",
                   break_before=_AR_BREAK_BEFORE, no_break_after=_AR_NO_END, units=_UNITS,
                   clitic_prefixes=("و", "ف"), capitalised_names=False,
                   prompt_lead="\u0623\u0633\u0645\u0627\u0621: ",
                   phantom_lines=("ترجمة نانسي قنقر", "نانسي قنقر", "اشتركوا في القناة",
                                  "لا تنسوا الاشتراك في القناة", "شكرا للمشاهدة", "شكرا على المشاهدة",
                                  "شكرا لكم على المشاهدة", "ترجمة وتدقيق", "سبتايتل بواسطة",
                                  "المترجم للقناة"),
                   doubtful_lines=("شكرا", "موسيقى", "السلام عليكم")),
    "fr": Language("fr", "French", 17.0, False, "Noto Sans", "fr_FR", space_before="!?:;",
                   space_inside_quotes=True, no_space_before=",.\u2026",
                   break_before=_FR_BREAK_BEFORE, no_break_after=_FR_NO_END, units=_UNITS,
                   telltale_letters="éèêàçùœ", prompt_lead="Noms : ",
                   phantom_lines=("Sous-titres réalisés par la communauté d'Amara.org",
                                  "Sous-titrage Société Radio-Canada", "Sous-titrage ST' 501",
                                  "Sous-titres réalisés para la communauté d'Amara.org",
                                  "Merci d'avoir regardé cette vidéo", "Abonnez-vous à la chaîne",
                                  "N'oubliez pas de vous abonner", "Sous-titrage FR"),
                   doubtful_lines=("Merci", "Merci.", "Musique")),
    # English stays plain: ASCII punctuation kept as written, ellipses untouched.
    "en": Language("en", "English", 20.0, False, "Noto Sans", "en_US", ellipsis="",
                   break_before=_EN_BREAK_BEFORE, no_break_after=_EN_NO_END, units=_UNITS,
                   prompt_lead="Names: ",
                   phantom_lines=("Thanks for watching!", "Thank you for watching", "Thank you for watching!",
                                  "Subtitles by the Amara.org community", "Please subscribe to my channel",
                                  "Don't forget to like and subscribe", "Transcription by CastingWords",
                                  "Subtitles by Rev.com"),
                   doubtful_lines=("Thank you.", "Thank you", "you", "Bye.", "Music")),
}

# --- characters every language's text may hold: one definition each ----------------------------------------

# Arabic combining marks (harakat, tanween, shadda, sukun, superscript alef, Quranic marks): no width on
# screen, and not part of a word's spelling when comparing words. A regex character class.
ARABIC_DIACRITICS = "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]"
TATWEEL = "\u0640"  # a visible elongation (it takes width) that spelling ignores
BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, isolates: regex class body
ARABIC_LETTERS = "\u0600-\u06ff"  # the Arabic block, as a regex class body (telling Arabic text from Latin)
# Arabic-Indic and Eastern Arabic-Indic (Persian) digits, 0-9 each.
ARABIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
EASTERN_ARABIC_DIGITS = "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
TO_ASCII_DIGITS = str.maketrans(ARABIC_DIGITS + EASTERN_ARABIC_DIGITS, "0123456789" * 2)
OPENING_QUOTES = "\u00ab\u201c\u2018\u201e"  # « “ ‘ „
# What may close a sentence or clause after its final mark (`end." ` `fin. »`): quotes and brackets.
CLOSERS = "\"')]\u00bb\u201d\u2019"
# Every language's own marks (، ؟ ؛ …), for code that must recognise punctuation whatever the language.
LOCAL_MARKS = "".join(dict.fromkeys(
    [dst for lg in LANGUAGES.values() for _, dst in lg.punctuation]
    + [lg.ellipsis for lg in LANGUAGES.values()]))
RTL_MARKS = "".join(dst for lg in LANGUAGES.values() if lg.rtl for _, dst in lg.punctuation)  # ، ؟ ؛


@dataclass(frozen=True)
class Font:
    family: str
    package: str  # the Debian package that provides it (named in the error when it is missing)
    # libass sizes a font so that its ascent + descent (OS/2 winAscent + winDescent) equals the ASS font size,
    # so the letters of a font with tall metrics come out small: em / size, read from the font's own tables.
    em_per_size: float = 1000 / 1362


FONTS: dict[str, Font] = {f.family: f for f in (
    Font("Noto Naskh Arabic", "fonts-noto-core", 1000 / 1703),
    Font("Noto Sans", "fonts-noto-core", 1000 / 1362),
    Font("Noto Sans Arabic", "fonts-noto-core"),
    Font("Amiri", "fonts-hosny-amiri"),
)}
LATIN_FONT = "Noto Sans"  # Latin runs (brand names) inside right-to-left lines; the em reference for sizes

PRESETS: dict[str, Preset] = {
    "landscape": Preset("landscape", 42, 2, text_width=0.68, line_height=0.075,
                        safe_top=0.05, safe_bottom=0.05, safe_sides=0.05),
    # 9:16 Reels/TikTok: narrower lines, up to 3 (BBC), kept inside the platforms' safe zone.
    "vertical": Preset("vertical", 28, 3, text_width=0.88, line_height=0.042,
                       safe_top=0.14, safe_bottom=0.35, safe_sides=0.06),
    "square": Preset("square", 32, 2, text_width=0.90, line_height=0.06,
                     safe_top=0.05, safe_bottom=0.08, safe_sides=0.05),
}


def language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise UsageError(f"unsupported language {code!r}: choose one of {', '.join(LANGUAGES)}") from None


def preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None


def preset_for_size(width: int, height: int) -> str:
    """Pick a preset from the frame's aspect ratio (after rotation)."""
    ratio = width / height if height else 16 / 9
    if ratio < 0.8:
        return "vertical"
    if ratio < 1.25:
        return "square"
    return "landscape"


def resolve_preset(requested: str, width: int, height: int) -> str:
    """The preset to use: `requested`, or for "auto" the one fitting the
    frame (no frame, e.g. audio: landscape)."""
    name = preset_for_size(width, height) if requested == "auto" else requested
    if name not in PRESETS:
        raise UsageError(f"unknown preset {requested!r}: choose auto or one of {', '.join(PRESETS)}")
    return name


def profile(lang: str, preset_name: str = "landscape", overrides: dict[str, float] | None = None,
            names: Iterable[str] = ()) -> Profile:
    """The limits for one language x preset, with user overrides (e.g. {"max_cps": 15}) applied.

    `names`: the glossary's names and brands (`Glossary.names()`), protected on screen.
    """
    lg, pr = language(lang), preset(preset_name)
    base = Profile(lang, preset_name, max_chars=pr.max_chars, max_lines=pr.max_lines, max_cps=lg.max_cps,
                   protected=tuple(names))
    if not overrides:
        return base
    unknown = set(overrides) - set(_SETTINGS)
    if unknown:
        raise UsageError(f"unknown profile setting(s) {sorted(unknown)}: known are {sorted(_SETTINGS)}")
    result = replace(base, **{k: _checked(k, v, getattr(base, k)) for k, v in overrides.items()})
    if result.min_ms > result.max_ms:
        raise UsageError(f"profile settings min_ms={result.min_ms} and max_ms={result.max_ms}: "
                         "min_ms (shortest cue) must not exceed max_ms (longest cue)")
    return result


def _checked(name: str, value: float, default: float) -> int | float:
    """`value` as the setting's type, or a UsageError naming the setting and its valid range."""
    kind, zero_ok = _SETTINGS[name]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    in_range = math.isfinite(number) and (number >= 0 if zero_ok else number > 0)
    if not in_range or (kind is int and not number.is_integer()):
        what = "a whole number" if kind is int else "a finite number"
        shown = f"{value:g}" if isinstance(value, int | float) else repr(value)
        raise UsageError(f"profile setting {name}={shown}: must be {what} {'>= 0' if zero_ok else '> 0'} "
                         f"(default {default:g})")
    return kind(number)
