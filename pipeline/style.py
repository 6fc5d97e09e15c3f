"""The campaign's caption style: fonts, sizes, colours, position, highlight; read from a TOML or YAML file.

Pure: `parse_style` takes the parsed file (burn.read_style_file reads TOML or YAML). Everything is validated
there, so a bad file stops the run with one line naming the key before any work: an unknown key, a bad
colour, a value out of range. Fonts are checked by the caller (fontconfig is an edge:
`burn.check_style_fonts`).

File shape (every key optional; a missing key keeps the shipped default, which is today's look):

    text_colour = "#FFFFFF"          # "#RRGGBB" or "#RRGGBBAA" (AA = opacity, FF opaque)
    highlight_colour = "#FFFF00"
    [presets.vertical]               # per preset: landscape | vertical | square
    size_percent = 120
    [languages.ar]                   # per language: ar | fr | en (wins over the preset)
    arabic_font = "Noto Kufi Arabic"

Precedence: shipped defaults < top level < [presets.NAME] < [languages.CODE].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pipeline.errors import UsageError
from pipeline.profiles import LANGUAGES, PRESETS

CAPTION_STYLES = ("phrase", "words")
HIGHLIGHTS = ("text", "box")
POSITIONS = ("bottom", "middle", "top")
WEIGHTS = ("regular", "bold")


@dataclass(frozen=True)
class CaptionStyle:
    """One language x preset's look. Sizes are relative (percent of the preset's size, fractions of the
    frame), so one file fits every frame size. None: the preset's own value."""

    arabic_font: str | None = None  # right-to-left script; None = the language's font (profiles)
    latin_font: str | None = None  # French, English, Latin brand names inside Arabic; None = Noto Sans
    arabic_weight: str = "regular"
    latin_weight: str = "regular"
    size_percent: float = 100.0  # of the preset's line height (phrase captions)
    words_size_percent: float = 170.0  # word-by-word captions: big
    words_weight: str = "bold"  # word-by-word captions: bold, whatever the script's weight
    outline_percent: float = 7.0  # of the font size
    shadow_percent: float = 3.0
    text_colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    shadow_colour: str = "#0000007F"  # half-transparent black
    highlight: str = "text"  # word being spoken: "text" (its colour) or "box" (a box behind it)
    highlight_colour: str = "#FFFF00"  # yellow
    box_colour: str = "#1E64DCE6"  # the box behind the spoken word when highlight = "box"
    position: str = "bottom"  # bottom | middle | top of the safe zone
    margin_bottom: float | None = None  # fractions of the frame height/width; None = the preset's safe zone
    margin_top: float | None = None
    margin_sides: float | None = None
    words_max: int = 3  # word-by-word: at most this many words on one screen
    words_max_chars: int = 18  # ... and at most this many characters (one longer word or name stands alone);
    # 18 fills the 9:16 text box at the words size without shrinking (Latin, 0.55 em a character)

    def bold(self, rtl: bool) -> bool:
        return (self.arabic_weight if rtl else self.latin_weight) == "bold"


DEFAULT = CaptionStyle()
_FIELDS = {f.name: f for f in fields(CaptionStyle)}
_COLOUR = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")
_CHOICES = {"arabic_weight": WEIGHTS, "latin_weight": WEIGHTS, "words_weight": WEIGHTS,
            "highlight": HIGHLIGHTS, "position": POSITIONS}
# (low, high) inclusive limits of the numbers
_RANGES: dict[str, tuple[float, float]] = {
    "size_percent": (10, 500), "words_size_percent": (10, 500), "outline_percent": (0, 50),
    "shadow_percent": (0, 50), "margin_bottom": (0, 0.5), "margin_top": (0, 0.5), "margin_sides": (0, 0.45),
    "words_max": (1, 3), "words_max_chars": (4, 80),
}
_INTS = {"words_max", "words_max_chars"}


@dataclass(frozen=True)
class StyleSheet:
    """A style file, validated: the top level, then overrides per preset and per language."""

    base: tuple[tuple[str, Any], ...] = ()
    presets: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    languages: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    def resolve(self, lang: str, preset: str) -> CaptionStyle:
        style = replace(DEFAULT, **dict(self.base))
        style = replace(style, **dict(dict(self.presets).get(preset, ())))
        return replace(style, **dict(dict(self.languages).get(lang, ())))

    def all_styles(self) -> list[CaptionStyle]:
        return [self.resolve(lang, preset) for lang in LANGUAGES for preset in PRESETS]


NO_STYLE = StyleSheet()


def ass_colour(colour: str) -> str:
    """"#RRGGBB[AA]" (AA = opacity) as ASS "&HAABBGGRR" (AA = transparency, 00 opaque)."""
    m = _COLOUR.fullmatch(colour)
    if not m:
        raise ValueError(f"not a colour: {colour!r}")
    rgb, opacity = m.group(1).upper(), int(m.group(2) or "FF", 16)
    return f"&H{255 - opacity:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def _value(where: str, key: str, value: Any) -> Any:
    """`value` checked for `key`, or a UsageError naming where it is and what is allowed."""
    if key not in _FIELDS:
        raise UsageError(f"{where}: unknown key {key!r} (known: {', '.join(_FIELDS)})")
    if key.endswith("_colour"):
        if not isinstance(value, str) or not _COLOUR.fullmatch(value):
            raise UsageError(f"{where}: {key} = {value!r} is not a colour: "
                             f"write \"#RRGGBB\" or \"#RRGGBBAA\"")
        return value.upper()
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise UsageError(f"{where}: {key} = {value!r}: choose one of {', '.join(_CHOICES[key])}")
        return value
    if key.endswith("_font"):
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where}: {key} = {value!r}: write a font family name, e.g. \"Noto Sans\"")
        return value.strip()
    low, high = _RANGES[key]
    number_ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not number_ok or not low <= value <= high or (key in _INTS and value != int(value)):
        kind = "a whole number" if key in _INTS else "a number"
        raise UsageError(f"{where}: {key} = {value!r}: must be {kind} from {low:g} to {high:g}")
    return int(value) if key in _INTS else float(value)


def _table(where: str, data: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(data, Mapping):
        raise UsageError(f"{where}: expected a table of style keys, got {data!r}")
    return tuple((str(k), _value(where, str(k), v)) for k, v in data.items())


def _sections(where: str, data: Any, known: Mapping[str, Any], what: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(data, Mapping):
        raise UsageError(f"{where}: expected tables named after {what}s, got {data!r}")
    out = []
    for name, table in data.items():
        if name not in known:
            raise UsageError(f"{where}: unknown {what} {name!r} (known: {', '.join(known)})")
        out.append((str(name), _table(f"{where}.{name}", table)))
    return tuple(out)


def parse_style(data: Mapping[str, Any], source: str = "style") -> StyleSheet:
    """A StyleSheet from a parsed file (a dict), every key and value checked."""
    if not isinstance(data, Mapping):
        raise UsageError(f"{source}: expected a table of style keys at the top level")
    base = {k: v for k, v in data.items() if k not in ("presets", "languages")}
    return StyleSheet(
        base=_table(source, base),
        presets=_sections(f"{source}: presets", data.get("presets", {}), PRESETS, "preset"),
        languages=_sections(f"{source}: languages", data.get("languages", {}), LANGUAGES, "language"),
    )
