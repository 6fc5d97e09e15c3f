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
                          "لان أن إن ان كما حيث إذا اذا عندما بينما الذي التي الذين اللذان اللتان اللواتي كي لكي")
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
                   clitic_prefixes=("و", "ف"), capitalised_names=False),
    "fr": Language("fr", "French", 17.0, False, "Noto Sans", "fr_FR", space_before="!?:;",
                   space_inside_quotes=True, no_space_before=",.\u2026",
                   break_before=_FR_BREAK_BEFORE, no_break_after=_FR_NO_END, units=_UNITS),
    # English stays plain: ASCII punctuation kept as written, ellipses untouched.
    "en": Language("en", "English", 20.0, False, "Noto Sans", "en_US", ellipsis="",
                   break_before=_EN_BREAK_BEFORE, no_break_after=_EN_NO_END, units=_UNITS),
}

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
    """The preset to use: `requested`, or for "auto" the one fitting the frame (no frame, e.g. audio: landscape)."""
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
