"""ASS (Advanced SubStation Alpha) text from cues, laid out for one language and one frame preset. Pure.

What makes Arabic right with Debian's libass (shared/docs/arabic-burn-in.md): `Encoding: -1` (automatic base
direction) for right-to-left languages, Latin runs wrapped in directional isolates, our own line breaks (`\\N`,
`WrapStyle: 2`, never libass's wrapping), the font named explicitly. `PlayResX/PlayResY` equal the video's size
so every size below is in real pixels of the frame.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.bidi import LRI, PDI, direction, has_rtl, isolated_runs
from pipeline.profiles import FONTS, LATIN_FONT, Preset, language
from pipeline.profiles import preset as get_preset
from pipeline.types import Cue

log = logging.getLogger(__name__)

WHITE, BLACK, SHADOW = "&H00FFFFFF", "&H00000000", "&H80000000"  # &HAABBGGRR, AA=00 opaque
# The Latin font is the reference: the standards' line heights are for Latin fonts.
_DEFAULT_EM_PER_SIZE = FONTS[LATIN_FONT].em_per_size
# Rough advance widths in em, used only to shrink a line that would not fit the text box.
_NARROW, _WIDE = set("ijlI.,:;'!|()[]ftr "), set("mwMW@%")

_STYLE_FORMAT = ("Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
                 "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
                 "Alignment, MarginL, MarginR, MarginV, Encoding")
_EVENT_FORMAT = "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


@dataclass(frozen=True)
class Layout:
    """One preset applied to one frame size, in pixels."""

    font_size: int  # ASS font size = line height
    outline: int
    shadow: int
    margin_side: int
    margin_bottom: int
    margin_top: int  # for events placed at the top ({\\an8})
    text_width: int  # the box lines must fit in


def em_per_size(font: str) -> float:
    """em / ASS font size of `font` (profiles.FONTS; unknown fonts are taken as Latin-like)."""
    return FONTS[font].em_per_size if font in FONTS else _DEFAULT_EM_PER_SIZE


def layout(pr: Preset, width: int, height: int, font: str = "") -> Layout:
    """Sizes from the preset's fractions of the frame (BBC 9.2.1 line height/width; 9:16 safe zones).

    The font size gives every font the em of a Latin font whose line is `line_height` of the frame, so Arabic
    in Noto Naskh (tall ascent/descent) is as large to the eye as French and English.
    """
    font_px = max(8, round(pr.line_height * height * _DEFAULT_EM_PER_SIZE / em_per_size(font)))
    side = max(round(width * (1 - pr.text_width) / 2), math.ceil(width * pr.safe_sides))
    return Layout(
        font_size=font_px,
        outline=max(1, round(font_px * 0.07)),
        shadow=max(1, round(font_px * 0.03)),
        margin_side=side,
        margin_bottom=math.ceil(height * pr.safe_bottom),
        margin_top=math.ceil(height * pr.safe_top),
        text_width=width - 2 * side,
    )


def escape_text(text: str) -> str:
    """Make cue text literal for libass: `{` `}` would open override blocks, `\\` starts a tag (`\\N`...).

    A backslash is followed by WORD JOINER (invisible) so `\\N` in a cue stays two visible characters.
    """
    # Control characters and line/paragraph separators would end the Dialogue line or break it unasked.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


# The SRT tags players honour: <i> <b> <u> map to ASS overrides; <font> (colour, face) is the style's job.
# ASS override blocks `{\...}` that subtitle editors leave in SRT files are markup too (as in typography), never
# shown: a leading {\an8} places the event at the top (`top_placed`), any other block is dropped.
_OVERRIDE = r"\{\\[^{}]*\}"
_SRT_TAG = re.compile(rf"<\s*(/?)\s*([ibu])\s*>|<\s*/?\s*font(?:\s[^<>]*)?>|{_OVERRIDE}", re.IGNORECASE)
_LEADING_OVERRIDES = re.compile(rf"(?:{_OVERRIDE})+")
TOP = "{\\an8}"  # top centre: the one placement subtitle editors commonly write into SRT


def top_placed(lines: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    """Whether the cue asks for the top ({\\an8} among the override blocks opening its first line), and the
    lines without that block."""
    lead = _LEADING_OVERRIDES.match(lines[0]) if lines else None
    if not lead or TOP not in re.findall(_OVERRIDE, lead.group(0)):
        return False, tuple(lines)
    at = lead.group(0).index(TOP)
    return True, (lines[0][:at] + lines[0][at + len(TOP):], *lines[1:])


def visible(line: str) -> str:
    """The line as shown: without SRT tags and override blocks."""
    return _SRT_TAG.sub("", line)


def srt_tags(line: str) -> tuple[str, dict[int, str]]:
    """The line without SRT tags and override blocks, and the ASS override blocks standing at each position of
    that text.

    Anything else in angle brackets (a lone `<`, `<script>`) or braces (`{b}`) is text and stays visible.
    """
    plain: list[str] = []
    marks: dict[int, str] = {}
    at = last = 0
    for m in _SRT_TAG.finditer(line):
        plain.append(line[last:m.start()])
        at += m.start() - last
        last = m.end()
        if m.group(2):
            marks[at] = marks.get(at, "") + f"{{\\{m.group(2).lower()}{0 if m.group(1) else 1}}}"
        elif m.group(0).startswith("{"):
            log.warning("ASS override %r dropped: only a leading {\\an8} (top placement) is honoured", m.group(0))
        else:
            log.warning("SRT tag %r dropped: colour and font come from the style", m.group(0))
    plain.append(line[last:])
    return "".join(plain), marks


def render_line(line: str, isolate: bool = False) -> str:
    """Escaped line with SRT tags as overrides; `isolate`: Latin runs of a right-to-left line wrapped in
    LRI ... PDI. Runs are found on the text without its tags, so a tag never splits or hides a run."""
    plain, marks = srt_tags(line)
    runs = isolated_runs(plain) if isolate and has_rtl(plain) else []
    starts, ends = {a for a, _ in runs}, {b for _, b in runs}
    cuts = sorted(set(marks) | starts | ends | {len(plain)})
    out: list[str] = []
    last = 0
    for cut in cuts:
        out.append(escape_text(plain[last:cut]))
        # Close an isolate before a tag and open one after it, so overrides sit outside isolates.
        out += [PDI if cut in ends else "", marks.get(cut, ""), LRI if cut in starts else ""]
        last = cut
    return "".join(out)


def centiseconds(ms: int, round_up: bool) -> int:
    """Starts round up and ends round down, so nothing shows outside the cue's window."""
    return -(-max(0, ms) // 10) if round_up else max(0, ms) // 10


def ass_time(cs: int) -> str:
    """H:MM:SS.cc"""
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, cc = divmod(rem, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cc:02d}"


def estimate_width(line: str, font: str, font_size: int) -> float:
    """Approximate rendered width in pixels (a safety net against overflow, not typesetting)."""
    em = font_size * em_per_size(font)
    total = 0.0
    for ch in line:
        if unicodedata.category(ch) in ("Mn", "Cf"):
            continue  # combining marks, isolates: no advance
        if direction(ch) == "R":
            total += 0.45  # joined Arabic letters are narrow on average
        else:
            total += 0.3 if ch in _NARROW else 0.85 if ch in _WIDE else 0.68 if ch.isupper() else 0.55
    return total * em


def fit_scale(lines: Sequence[str], font: str, lay: Layout) -> int:
    """Percentage (<= 100) the cue must be scaled to so its longest line fits the text box.

    No floor: a line that does not fit is drawn smaller rather than cut off at the frame's edge (lines too
    long to shrink well are wrapped first, see `wrap_overlong`).
    """
    widest = max((estimate_width(line, font, lay.font_size) for line in lines), default=0.0)
    if widest <= lay.text_width:
        return 100
    return max(1, math.floor(100 * lay.text_width / widest))


MIN_READABLE_SCALE = 75  # a line that would need more shrinking than this is wrapped instead
_BREAKABLE_SPACE = re.compile(r" +(?![^<>]*>)(?![^{}]*\})")  # a space outside <tags> and {\overrides}


def wrap_overlong(lines: Sequence[str], font: str, lay: Layout) -> list[str]:
    """Lines (a reviewer's, typically) too wide for the text box even slightly shrunk, wrapped at spaces
    greedily so each piece fits; the others as they are. The safe area wins over the line count."""
    out: list[str] = []
    limit = lay.text_width
    for line in lines:
        if estimate_width(visible(line), font, lay.font_size) * MIN_READABLE_SCALE / 100 <= limit:
            out.append(line)
            continue
        piece = ""
        for word in _BREAKABLE_SPACE.split(line.strip()):
            candidate = f"{piece} {word}" if piece else word
            if piece and estimate_width(visible(candidate), font, lay.font_size) > limit:
                out.append(piece)
                candidate = word
            piece = candidate
        out.append(piece)
    return out


def style_name(lang: str, preset: str) -> str:
    return f"{lang}-{preset}"


def style_line(lang: str, preset: str, width: int, height: int) -> str:
    lg = language(lang)
    lay = layout(get_preset(preset), width, height, lg.font)
    encoding = -1 if lg.rtl else 1  # -1: libass picks the base direction per line (first strong character)
    fields = [style_name(lang, preset), lg.font, lay.font_size, WHITE, WHITE, BLACK, SHADOW, 0, 0, 0, 0,
              100, 100, 0, 0, 1, lay.outline, lay.shadow, 2, lay.margin_side, lay.margin_side,
              lay.margin_bottom, encoding]
    return "Style: " + ",".join(str(f) for f in fields)


def latin_in_rtl(line: str, font: str, font_size: int) -> str:
    """Escaped line with each isolated Latin run set in LATIN_FONT at the em of the line's own font.

    Otherwise libass falls back to some Latin font sized by its own (smaller) metrics at the Arabic size, and
    brand names come out a quarter larger than the Arabic around them.
    """
    size = round(font_size * em_per_size(font) / em_per_size(LATIN_FONT))
    text = render_line(line, isolate=True)
    return text.replace(LRI, f"{{\\fn{LATIN_FONT}\\fs{size}}}{LRI}").replace(PDI, f"{PDI}{{\\fn\\fs}}")


def dialogue(cue: Cue, lang: str, lay: Layout) -> tuple[int, str]:
    """(MarginV, Text) of the cue's event: MarginV 0 keeps the style's bottom margin."""
    lg = language(lang)
    top, lines = top_placed(cue.lines)
    lines = wrap_overlong(lines, lg.font, lay)
    if lg.rtl:
        rendered = [latin_in_rtl(line, lg.font, lay.font_size) for line in lines]
    else:
        rendered = [render_line(line) for line in lines]
    text = "\\N".join(rendered)
    scale = fit_scale([visible(line) for line in lines], lg.font, lay)
    text = text if scale == 100 else f"{{\\fscx{scale}\\fscy{scale}}}{text}"
    return (lay.margin_top, TOP + text) if top else (0, text)


def ass_to_string(cues: Sequence[Cue], lang: str, preset: str, width: int, height: int) -> str:
    """A complete ASS script for one language's cues on a `width` x `height` frame with `preset`'s layout."""
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    lay = layout(get_preset(preset), width, height, language(lang).font)
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 2",  # only our \N breaks: libass's own wrapping misplaces RTL punctuation
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        f"Format: {_STYLE_FORMAT}",
        style_line(lang, preset, width, height),
        "",
        "[Events]",
        f"Format: {_EVENT_FORMAT}",
    ]
    events = []
    for cue in cues:
        start, end = centiseconds(cue.start_ms, round_up=True), centiseconds(cue.end_ms, round_up=False)
        if not any(line.strip() for line in cue.lines) or start >= end:
            continue  # empty, or shorter than one centisecond
        margin_v, text = dialogue(cue, lang, lay)
        events.append(f"Dialogue: 0,{ass_time(start)},{ass_time(end)},{style_name(lang, preset)},,0,0,{margin_v},,"
                      f"{text}")
    return "\n".join(header + events) + "\n"
