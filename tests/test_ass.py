"""ASS generation from cues (pure): sizes from the frame, fonts and direction from the profiles table."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ass import LATIN_FONT, ass_to_string, em_per_size, escape_text, fit_scale, layout
from pipeline.bidi import strip_isolates
from pipeline.profiles import LANGUAGES, PRESETS
from pipeline.types import Cue

AR = "جربت LibanTroc وكانت تجربة رائعة!"


def section(ass: str, name: str) -> list[str]:
    body = ass.split(f"[{name}]\n", 1)[1].split("\n\n", 1)[0]
    return [line for line in body.split("\n") if line]


def fields(ass: str, kind: str) -> list[dict[str, str]]:
    """Style or Dialogue lines as dicts keyed by the section's Format line."""
    sect = "V4+ Styles" if kind == "Style" else "Events"
    lines = section(ass, sect)
    names = [n.strip() for n in lines[0].removeprefix("Format:").split(",")]
    rows = [line.split(":", 1)[1].lstrip() for line in lines if line.startswith(kind + ":")]
    return [dict(zip(names, row.split(",", len(names) - 1), strict=True)) for row in rows]


def unescape(text: str) -> list[str]:
    """What libass shows, line by line: inverse of our escaping (override blocks and isolates removed)."""
    text = re.sub(r"(?<!\\)\{[^}]*\}", "", text)  # leading \fscx block
    lines = text.split("\\N")
    return [strip_isolates(line.replace("\\{", "{").replace("\\}", "}").replace("\\\u2060", "\\"))
            for line in lines]


# Hand-worked: the line height is the preset's fraction of the frame (landscape 7.5% of 720 = 54 px,
# vertical 4.2% of 1920 = 80.64 px, square 6% of 720 = 43.2 px); a Latin line is set at that size, and Noto
# Naskh Arabic, whose ascent + descent is 1703 units per 1000-unit em against Noto Sans' 1362 (the fonts'
# OS/2 tables), gets the same em: 54 x 1703 / 1362 = 67.5 -> 68, 80.64 -> 100.8 -> 101, 43.2 -> 54.0 -> 54.
FONT_SIZE = {("landscape", False): 54, ("landscape", True): 68, ("vertical", False): 81,
             ("vertical", True): 101, ("square", False): 43, ("square", True): 54}


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("preset", list(PRESETS))
def test_style_follows_profiles_and_frame(lang, preset):
    width, height = (1080, 1920) if preset == "vertical" else (1280, 720)
    ass = ass_to_string([Cue(0, 1000, ("x",))], lang, preset, width, height)
    info = dict(line.split(": ", 1) for line in section(ass, "Script Info") if ": " in line)
    assert (info["PlayResX"], info["PlayResY"], info["WrapStyle"]) == (str(width), str(height), "2")
    (style,) = fields(ass, "Style")
    pr = PRESETS[preset]
    assert style["Name"] == f"{lang}-{preset}"
    assert style["Fontname"] == LANGUAGES[lang].font
    assert style["Encoding"] == ("-1" if LANGUAGES[lang].rtl else "1")
    # Every font gets the em of a Latin (Noto Sans) line of `line_height`: Arabic's tall metrics get a bigger
    # size.
    assert int(style["Fontsize"]) == FONT_SIZE[preset, LANGUAGES[lang].rtl]
    assert style["PrimaryColour"] == "&H00FFFFFF" and int(style["Outline"]) >= 1
    assert int(style["Alignment"]) == 2  # bottom centre
    assert int(style["MarginV"]) >= pr.safe_bottom * height
    assert int(style["MarginL"]) == int(style["MarginR"]) >= pr.safe_sides * width


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_vertical_layout_keeps_clear_of_the_platform_zones(lang):
    pr = PRESETS["vertical"]
    lay = layout(pr, 1080, 1920, LANGUAGES[lang].font)
    assert lay.margin_bottom >= 0.35 * 1920 and lay.margin_side >= 0.06 * 1080
    # The most lines the preset allows, stacked up from the bottom margin, stay below the top 14%.
    assert 1920 - lay.margin_bottom - pr.max_lines * lay.font_size >= 0.14 * 1920


def test_arabic_brand_is_isolated_and_lines_are_ours():
    cue = Cue(1000, 2500, (AR, "ثم بدأت العمل"))
    ass = ass_to_string([cue], "ar", "landscape", 1280, 720)
    (event,) = fields(ass, "Dialogue")
    (style,) = fields(ass, "Style")
    assert event["Style"] == "ar-landscape"
    assert unescape(event["Text"]) == list(cue.lines)
    # The brand is isolated and set in the Latin font at the em of the Arabic one, then the style comes back.
    latin_size = round(int(style["Fontsize"]) * em_per_size(style["Fontname"]) / em_per_size(LATIN_FONT))
    assert f"{{\\fn{LATIN_FONT}\\fs{latin_size}}}\u2066LibanTroc\u2069{{\\fn\\fs}}" in event["Text"]
    assert event["Text"].count("\\N") == 1


def test_latin_languages_get_no_isolates():
    (event,) = fields(ass_to_string([Cue(0, 900, ("I tried LibanTroc!",))], "en", "landscape", 640, 360),
                      "Dialogue")
    assert event["Text"] == "I tried LibanTroc!"


def test_override_characters_are_literal():
    assert escape_text("{\\b1}bold") == "\\{\\\u2060b1\\}bold"
    (event,) = fields(ass_to_string([Cue(0, 900, ("a {b} c\\N d",))], "fr", "landscape", 640, 360),
                      "Dialogue")
    assert unescape(event["Text"]) == ["a {b} c\\N d"]


def _event_text(line: str, lang: str) -> str:
    (event,) = fields(ass_to_string([Cue(0, 900, (line,))], lang, "landscape", 1280, 720), "Dialogue")
    return event["Text"]


def test_srt_style_tags_become_overrides():
    text = _event_text("a <i>second</i> <B>bold</B> <u>under</U> < i>x</ i>", "fr")
    assert text == "a {\\i1}second{\\i0} {\\b1}bold{\\b0} {\\u1}under{\\u0} {\\i1}x{\\i0}"
    assert unescape(text) == ["a second bold under x"]


def test_font_tags_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="pipeline.ass"):
        text = _event_text('<font color="#ff0000">rouge</font> et <FONT face=x>noir</FONT>', "fr")
    assert text == "rouge et noir"
    assert any("font" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("line", ["3 < 5 et 7 > 2", "a <b", "<script>x</script>", "x<i", "<>"])
def test_angle_brackets_that_are_not_tags_stay_text(line: str):
    assert unescape(_event_text(line, "en")) == [line]


def test_tagged_latin_brand_in_arabic_keeps_its_isolate():
    text = _event_text("جربت <i>LibanTroc</i> وكانت تجربة رائعة!", "ar")
    assert "<i>" not in text and "</i>" not in text
    assert re.search(r"\{\\i1\}\{\\fnNoto Sans\\fs\d+\}\u2066LibanTroc\u2069\{\\fn\\fs\}\{\\i0\}", text)
    assert unescape(text) == ["جربت LibanTroc وكانت تجربة رائعة!"]
    # A tag inside the brand, and glued punctuation, leave one isolate around the whole Latin run.
    text = _event_text("جربت Liban<b>Troc</b> و<i>I Make This!</i> ثم بدأت", "ar")
    assert unescape(text) == ["جربت LibanTroc وI Make This! ثم بدأت"]
    runs = re.findall("\u2066(.*?)\u2069", re.sub(r"\{[^}]*\}", "", text))
    assert runs == ["LibanTroc", "I Make This!"]


def test_leading_an8_places_the_event_at_the_top(caplog: pytest.LogCaptureFixture):
    """`{\\an8}` from subtitle editors: top centre, inside the preset's top margin; nothing of it shown."""
    with caplog.at_level(logging.WARNING, logger="pipeline.ass"):
        for lang, line in (("en", "{\\an8}Top line please"), ("ar", "{\\an8}جربت LibanTroc في الأعلى")):
            ass = ass_to_string([Cue(0, 900, (line, "second")), Cue(1000, 1900, ("bottom",))], lang,
                                "vertical", 540, 960)
            top, bottom = fields(ass, "Dialogue")
            assert top["Text"].startswith("{\\an8}") and top["Text"].count("an8") == 1
            assert int(top["MarginV"]) >= PRESETS["vertical"].safe_top * 960
            assert unescape(top["Text"]) == [line.removeprefix("{\\an8}"), "second"]
            assert "an8" not in bottom["Text"] and bottom["MarginV"] == "0"
    assert not caplog.records, "a placement we honour is not worth a warning"
    # Among other leading blocks (dropped with a warning) it still places the event.
    with caplog.at_level(logging.WARNING, logger="pipeline.ass"):
        (event,) = fields(ass_to_string([Cue(0, 900, ("{\\pos(9,9)}{\\an8}x",))], "en", "landscape", 640,
                                        360),
                          "Dialogue")
    assert event["Text"] == "{\\an8}x" and int(event["MarginV"]) > 0 and caplog.records


@pytest.mark.parametrize("line, shown", [
    ("{\\b1}Bold{\\b0} words", "Bold words"),
    ("Mid {\\an8}placement", "Mid placement"),
    ("{\\an8\\b1}not only placement", "not only placement"),
    ("{\\an2}bottom anyway", "bottom anyway"),
])
def test_other_override_blocks_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture, line: str,
                                                          shown: str):
    with caplog.at_level(logging.WARNING, logger="pipeline.ass"):
        text = _event_text(line, "fr")
    assert text == shown  # not shown, not honoured: only a leading {\an8} is
    assert any("override" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("line", ["a {b} c", "{not a tag}", "{ \\an8}x", "}{", "{\\", "a \\N b {"])
def test_braces_that_are_not_override_blocks_stay_text(line: str):
    assert unescape(_event_text(line, "en")) == [line]


def test_control_characters_cannot_break_the_event():
    assert escape_text("a\nb\rc\x1ed\u2028e") == "a b c d e"


def test_times_stay_inside_the_cue_window():
    (event,) = fields(ass_to_string([Cue(1234, 5678, ("x",))], "en", "landscape", 640, 360), "Dialogue")
    assert (event["Start"], event["End"]) == ("0:00:01.24", "0:00:05.67")


def test_empty_and_sub_centisecond_cues_are_skipped():
    cues = [Cue(0, 1000, ("",)), Cue(2001, 2009, ("x",)), Cue(3000, 4000, ("kept",))]
    events = fields(ass_to_string(cues, "en", "landscape", 640, 360), "Dialogue")
    assert [unescape(e["Text"]) for e in events] == [["kept"]]


def test_a_line_too_wide_for_the_box_is_scaled_down():
    lay = layout(PRESETS["landscape"], 1280, 720)
    assert fit_scale(["Le marché du samedi était vraiment génial !"], "Noto Sans", lay) == 100
    assert fit_scale(["W" * 60], "Noto Sans", lay) < 100
    (event,) = fields(ass_to_string([Cue(0, 900, ("W" * 60,))], "en", "landscape", 1280, 720), "Dialogue")
    assert event["Text"].startswith("{\\fscx") and unescape(event["Text"]) == ["W" * 60]


def test_rejects_an_empty_frame():
    with pytest.raises(ValueError, match="frame size"):
        ass_to_string([], "ar", "landscape", 0, 720)


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                              blacklist_characters="\u2060\u2066\u2067\u2068\u2069"), max_size=30)


@given(st.lists(_text, min_size=1, max_size=3), st.sampled_from(list(LANGUAGES)),
       st.integers(0, 10_000_000), st.integers(1, 60_000))
def test_lines_round_trip_and_windows_nest(lines, lang, start, duration):
    cue = Cue(start, start + duration, tuple(lines))
    events = fields(ass_to_string([cue], lang, "vertical", 540, 960), "Dialogue")
    if not any(line.strip() for line in lines) or duration < 10 and start // 10 == (start + duration) // 10:
        return
    if not events:  # only when no whole centisecond fits inside the window
        assert -(-start // 10) >= (start + duration) // 10
        return
    (event,) = events

    def ms(t: str) -> int:
        h, m, s = t.split(":")
        return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(s) * 1000)

    assert start <= ms(event["Start"]) < ms(event["End"]) <= start + duration
    # Override blocks `{\\...}` are never shown (a leading {\\an8} places the event, others are dropped).
    assert unescape(event["Text"]) == [re.sub(r"\{\\[^{}]*\}", "", line) for line in lines]
