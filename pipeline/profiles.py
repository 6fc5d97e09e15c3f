"""Language rules and format presets as data: one table, no `if lang == "ar"` scattered around.

Numbers come from shared/docs/subtitle-standards.md (Netflix, BBC, Subtitle Edit). A `Profile` is one row of
language x preset, with any user overrides applied.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

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
    ellipsis: str = "\u2026"


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


LANGUAGES: dict[str, Language] = {
    "ar": Language("ar", "Arabic", 20.0, True, "Noto Naskh Arabic", "ar_AR",
                   punctuation=((",", "\u060c"), ("?", "\u061f"), (";", "\u061b"))),
    "fr": Language("fr", "French", 17.0, False, "Noto Sans", "fr_FR", space_before="!?:;"),
    "en": Language("en", "English", 20.0, False, "Noto Sans", "en_US"),
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


def profile(lang: str, preset_name: str = "landscape", overrides: dict[str, float] | None = None) -> Profile:
    """The limits for one language x preset, with user overrides (e.g. {"max_cps": 15}) applied."""
    lg, pr = language(lang), preset(preset_name)
    base = Profile(lang, preset_name, max_chars=pr.max_chars, max_lines=pr.max_lines, max_cps=lg.max_cps)
    if not overrides:
        return base
    known = {f.name for f in fields(Profile)} - {"language", "preset"}
    unknown = set(overrides) - known
    if unknown:
        raise UsageError(f"unknown profile setting(s) {sorted(unknown)}: known are {sorted(known)}")
    cast = {k: (float(v) if k == "max_cps" else int(v)) for k, v in overrides.items()}
    return replace(base, **cast)
