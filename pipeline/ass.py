"""ASS (Advanced SubStation Alpha) text from cues, laid out for one language and one frame preset. Pure.

What makes Arabic right with Debian's libass (shared/docs/arabic-burn-in.md): `Encoding: -1` (automatic base
direction) for right-to-left languages, Latin runs wrapped in directional isolates, our own line breaks
(`\\N`, `WrapStyle: 2`, never libass's wrapping), the font named explicitly. `PlayResX/PlayResY` equal the
video's size so every size below is in real pixels of the frame.

Fonts, sizes, colours and position come from a `CaptionStyle` (pipeline/style.py; its defaults are the look
this module always had). Word-by-word captions (`screens`) are one event per word state, the spoken word
coloured with an override tag: with `Encoding: -1` libass lays the whole event out as one paragraph
(whole-text layout), so the tags do not split the Arabic run and the highlight moves right to left
(checked on frames).
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline import markup
from pipeline.bidi import LRI, PDI, direction, has_rtl, isolated_runs
from pipeline.profiles import FONTS, LATIN_FONT, Preset, language
from pipeline.profiles import preset as get_preset
from pipeline.style import DEFAULT, CaptionStyle, ass_colour
from pipeline.types import Cue, Screen

log = logging.getLogger(__name__)

# The Latin font is the reference: the standards' line heights are for Latin fonts.
_DEFAULT_EM_PER_SIZE = FONTS[LATIN_FONT].em_per_size
# Rough advance widths in em, used only to shrink a line that would not fit the text box.
_NARROW, _WIDE = set("ijlI.,:;'!|()[]ftr "), set("mwMW@%")

_STYLE_FORMAT = ("Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
                 "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
                 "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding")
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


def layout(pr: Preset, width: int, height: int, font: str = "", style: CaptionStyle = DEFAULT,
           words: bool = False) -> Layout:
    """Sizes from the preset's fractions of the frame (BBC 9.2.1 line height/width; 9:16 safe zones), scaled
    and moved by the style.

    The font size gives every font the em of a Latin font whose line is `line_height` of the frame, so Arabic
    in Noto Naskh (tall ascent/descent) is as large to the eye as French and English.
    """
    scale = (style.words_size_percent if words else style.size_percent) / 100
    font_px = max(8, round(pr.line_height * height * scale * _DEFAULT_EM_PER_SIZE / em_per_size(font)))
    if style.margin_sides is None:
        side = max(round(width * (1 - pr.text_width) / 2), math.ceil(width * pr.safe_sides))
    else:
        side = math.ceil(width * style.margin_sides)
    bottom = pr.safe_bottom if style.margin_bottom is None else style.margin_bottom
    top = pr.safe_top if style.margin_top is None else style.margin_top
    return Layout(
        font_size=font_px,
        outline=max(1, round(font_px * style.outline_percent / 100)) if style.outline_percent else 0,
        shadow=max(1, round(font_px * style.shadow_percent / 100)) if style.shadow_percent else 0,
        margin_side=side,
        margin_bottom=math.ceil(height * bottom),
        margin_top=math.ceil(height * top),
        text_width=width - 2 * side,
    )


def escape_text(text: str) -> str:
    """Make cue text literal for libass: `{` `}` would open override blocks, `\\` starts a tag (`\\N`...).

    A backslash is followed by WORD JOINER (invisible) so `\\N` in a cue stays two visible characters.
    """
    # Control characters and line/paragraph separators would end the Dialogue line or break it unasked.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


# Markup is read by `pipeline.markup` (as QC and the exports read it): <i> <b> <u> map to ASS overrides;
# <font> (colour, face) is the style's job; a leading {\an8} places the event at the top, other blocks are
# dropped.
TOP = markup.TOP
top_placed = markup.top_placed
visible = markup.visible


def srt_tags(line: str) -> tuple[str, dict[int, str]]:
    """The line without markup, and the ASS override blocks standing at each position of that text.

    Anything else in angle brackets (a lone `<`, `<script>`) or braces (`{b}`) is text and stays visible.
    """
    plain: list[str] = []
    marks: dict[int, str] = {}
    at = 0
    for token in markup.tokens(line):
        if isinstance(token, str):
            plain.append(token)
            at += len(token)
        elif token.kind == "style":
            marks[at] = marks.get(at, "") + f"{{\\{token.name}{0 if token.closing else 1}}}"
        elif token.kind == "override":
            log.warning("ASS override %r dropped: only a leading {\\an8} (top placement) is honoured",
                        token.raw)
        else:
            log.warning("SRT tag %r dropped: colour and font come from the style", token.raw)
    return "".join(plain), marks


def render_line(line: str, isolate: bool = False, extra: dict[int, str] | None = None) -> str:
    """Escaped line with SRT tags as overrides; `isolate`: Latin runs of a right-to-left line wrapped in
    LRI ... PDI. Runs are found on the text without its tags, so a tag never splits or hides a run.
    `extra`: more override blocks at positions of the text without tags (the word highlight)."""
    plain, marks = srt_tags(line)
    for at, block in (extra or {}).items():
        marks[at] = marks.get(at, "") + block
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
        for word in markup.split_at_spaces(line):  # never inside a tag, as the burn reads tags
            candidate = f"{piece} {word}" if piece else word
            if piece and estimate_width(visible(candidate), font, lay.font_size) > limit:
                out.append(piece)
                candidate = word
            piece = candidate
        out.append(piece)
    return out


def style_name(lang: str, preset: str) -> str:
    return f"{lang}-{preset}"


def font_of(lang: str, style: CaptionStyle = DEFAULT) -> str:
    """The font of a language's lines: the style's for its script, else the language's own."""
    lg = language(lang)
    return (style.arabic_font if lg.rtl else style.latin_font) or lg.font


def latin_font_of(style: CaptionStyle = DEFAULT) -> str:
    """The font of Latin runs (brand names) inside right-to-left lines."""
    return style.latin_font or LATIN_FONT


_ALIGN = {"bottom": 2, "middle": 5, "top": 8}  # centred horizontally


def style_line(lang: str, preset: str, width: int, height: int, style: CaptionStyle = DEFAULT,
               words: bool = False, name: str = "", box: bool = False) -> str:
    """`box`: the style of the layer drawing a box behind the spoken word (BorderStyle 3: the outline colour
    fills a box around the text, `Outline` pixels larger)."""
    lg = language(lang)
    font = font_of(lang, style)
    lay = layout(get_preset(preset), width, height, font, style, words)
    encoding = -1 if lg.rtl else 1  # -1: libass picks the base direction per line (first strong character)
    bold = -1 if (style.words_weight == "bold" if words else style.bold(lg.rtl)) else 0
    text = ass_colour(style.text_colour)
    outline, back = ass_colour(style.outline_colour), ass_colour(style.shadow_colour)
    border, width_px, shadow = 1, lay.outline, lay.shadow
    if box:
        outline, back, border, width_px, shadow = ass_colour(style.box_colour), "&HFF000000", 3, \
            max(2, round(lay.font_size * 0.12)), 0
    margin_v = {"bottom": lay.margin_bottom, "top": lay.margin_top, "middle": 0}[style.position]
    fields = [name or style_name(lang, preset), font, lay.font_size, text, text, outline, back, bold, 0, 0, 0,
              100, 100, 0, 0, border, width_px, shadow, _ALIGN[style.position], lay.margin_side,
              lay.margin_side, margin_v, encoding]
    return "Style: " + ",".join(str(f) for f in fields)


def latin_in_rtl(line: str, font: str, font_size: int, extra: dict[int, str] | None = None,
                 latin_font: str = LATIN_FONT, latin_bold: bool | None = None) -> str:
    """Escaped line with each isolated Latin run set in `latin_font` at the em of the line's own font.

    Otherwise libass falls back to some Latin font sized by its own (smaller) metrics at the Arabic size, and
    brand names come out a quarter larger than the Arabic around them.
    """
    size = round(font_size * em_per_size(font) / em_per_size(latin_font))
    weight = "" if latin_bold is None else f"\\b{int(latin_bold)}"
    text = render_line(line, isolate=True, extra=extra)
    reset = "\\b" if weight else ""
    return text.replace(LRI, f"{{\\fn{latin_font}\\fs{size}{weight}}}{LRI}").replace(
        PDI, f"{PDI}{{\\fn\\fs{reset}}}")


def _latin_bold(style: CaptionStyle) -> bool | None:
    """An explicit weight for Latin runs inside right-to-left phrases when it differs from the line's (word
    captions are all one weight)."""
    return None if style.bold(True) == style.bold(False) else style.bold(False)


def dialogue(cue: Cue, lang: str, lay: Layout, style: CaptionStyle = DEFAULT) -> tuple[int, str]:
    """(MarginV, Text) of the cue's event: MarginV 0 keeps the style's bottom margin."""
    lg = language(lang)
    font = font_of(lang, style)
    top, lines = top_placed(cue.lines)
    lines = wrap_overlong(lines, lg.font, lay)
    if lg.rtl:
        rendered = [latin_in_rtl(line, font, lay.font_size, latin_font=latin_font_of(style),
                                 latin_bold=_latin_bold(style)) for line in lines]
    else:
        rendered = [render_line(line) for line in lines]
    text = "\\N".join(rendered)
    scale = fit_scale([visible(line) for line in lines], font, lay)
    text = text if scale == 100 else f"{{\\fscx{scale}\\fscy{scale}}}{text}"
    return (lay.margin_top, TOP + text) if top else (0, text)


def _alpha(colour: str) -> str:
    return "&H" + ass_colour(colour)[2:4] + "&"


def _rgb(colour: str) -> str:
    return "&H" + ass_colour(colour)[4:] + "&"


def word_text(screen: Screen, k: int, lang: str, lay: Layout, style: CaptionStyle, box: bool = False) -> str:
    """Text of one word state: the screen's words with word `k` highlighted (coloured, or for `box` the one
    word whose box is drawn, everything else transparent)."""
    lg = language(lang)
    font = font_of(lang, style)
    plain, spans, at = [], [], 0
    for w in screen.words:
        spans.append((at, at + len(w.text)))
        plain.append(w.text)
        at += len(w.text) + 1
    line = " ".join(plain)
    a, b = spans[k]
    if box:
        on, off = f"{{\\3a{_alpha(style.box_colour)}}}", "{\\3a&HFF&}"
    elif style.highlight == "text":
        on = f"{{\\1c{_rgb(style.highlight_colour)}\\1a{_alpha(style.highlight_colour)}}}"
        off = f"{{\\1c{_rgb(style.text_colour)}\\1a{_alpha(style.text_colour)}}}"
    else:
        on = off = ""
    extra = {a: on, b: off} if on else {}
    # The words are visible text already (word_captions took the tags out), so positions in `line` are
    # positions in the text render_line escapes.
    if lg.rtl and has_rtl(line):
        text = latin_in_rtl(line, font, lay.font_size, extra, latin_font_of(style))
    elif lg.rtl:  # a screen holding only a brand name: in the Latin font at the em of the Arabic one
        size = round(lay.font_size * em_per_size(font) / em_per_size(latin_font_of(style)))
        text = f"{{\\fn{latin_font_of(style)}\\fs{size}}}" + render_line(line, extra=extra)
    else:
        text = render_line(line, extra=extra)
    scale = fit_scale([line], font, lay)
    text = text if scale == 100 else f"{{\\fscx{scale}\\fscy{scale}}}{text}"
    prefix = "{\\alpha&HFF&}" if box else ""
    return (TOP if screen.top else "") + prefix + text


def word_events(screens: Sequence[Screen], lang: str, preset: str, lay: Layout,
                style: CaptionStyle) -> list[str]:
    """One Dialogue per word state; with a box highlight, a box event
    under each (layer 0, text on layer 1)."""
    events = []
    name = style_name(lang, preset) + "-words"
    for screen in screens:
        margin_v = lay.margin_top if screen.top else 0
        for start_ms, end_ms, k in screen.spans():
            start, end = centiseconds(start_ms, round_up=True), centiseconds(end_ms, round_up=False)
            if start >= end:
                continue
            when = f"{ass_time(start)},{ass_time(end)}"
            if style.highlight == "box":
                events.append(f"Dialogue: 0,{when},{name}-box,,0,0,{margin_v},,"
                              f"{word_text(screen, k, lang, lay, style, box=True)}")
            events.append(f"Dialogue: 1,{when},{name},,0,0,{margin_v},,"
                          f"{word_text(screen, k, lang, lay, style)}")
    return events


def ass_to_string(cues: Sequence[Cue], lang: str, preset: str, width: int, height: int,
                  style: CaptionStyle = DEFAULT, screens: Sequence[Screen] | None = None) -> str:
    """A complete ASS script for one language's cues on a `width` x `height` frame with `preset`'s layout.

    `screens` given: word-by-word captions (pipeline/word_captions.py) instead of the cues' phrases.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    words = screens is not None
    lay = layout(get_preset(preset), width, height, font_of(lang, style), style, words)
    if words:
        name = style_name(lang, preset) + "-words"
        styles = [style_line(lang, preset, width, height, style, True, name)]
        if style.highlight == "box":
            styles.append(style_line(lang, preset, width, height, style, True, name + "-box", box=True))
    else:
        styles = [style_line(lang, preset, width, height, style)]
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
        *styles,
        "",
        "[Events]",
        f"Format: {_EVENT_FORMAT}",
    ]
    if words:
        return "\n".join(header + word_events(screens or (), lang, preset, lay, style)) + "\n"
    events = []
    for cue in cues:
        start, end = centiseconds(cue.start_ms, round_up=True), centiseconds(cue.end_ms, round_up=False)
        if not any(line.strip() for line in cue.lines) or start >= end:
            continue  # empty, or shorter than one centisecond
        margin_v, text = dialogue(cue, lang, lay, style)
        events.append(f"Dialogue: 0,{ass_time(start)},{ass_time(end)},{style_name(lang, preset)},,0,0,"
                      f"{margin_v},,{text}")
    return "\n".join(header + events) + "\n"
