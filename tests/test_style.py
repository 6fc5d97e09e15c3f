"""The campaign style file: validation (one line, exit 2, before any
work), precedence, and the shipped look."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ass import ass_to_string
from pipeline.burn import read_style_file as load_style_file
from pipeline.errors import UsageError
from pipeline.style import DEFAULT, ass_colour, parse_style
from pipeline.types import Cue

DATA = Path(__file__).parent / "data"


def test_ass_colour_hand_worked():
    assert ass_colour("#FFFF00") == "&H0000FFFF"  # yellow: BBGGRR = 00FFFF, opaque
    assert ass_colour("#0000007F") == "&H80000000"  # opacity 7F -> transparency 80
    assert ass_colour("#123456ff") == "&H00563412"


@given(st.integers(0, 0xFFFFFFFF))
def test_ass_colour_keeps_every_channel(value):
    rrggbbaa = f"#{value:08X}"
    out = ass_colour(rrggbbaa)
    r, g, b, a = (int(rrggbbaa[i:i + 2], 16) for i in (1, 3, 5, 7))
    assert out == f"&H{255 - a:02X}{b:02X}{g:02X}{r:02X}"


def test_precedence_language_over_preset_over_top():
    sheet = parse_style({"size_percent": 110, "text_colour": "#EEEEEE",
                         "presets": {"vertical": {"size_percent": 130, "highlight": "box"}},
                         "languages": {"ar": {"size_percent": 150}}})
    assert sheet.resolve("fr", "landscape").size_percent == 110
    assert sheet.resolve("fr", "vertical").size_percent == 130
    assert sheet.resolve("ar", "vertical").size_percent == 150
    assert sheet.resolve("ar", "vertical").highlight == "box"
    assert sheet.resolve("en", "square").text_colour == "#EEEEEE"
    assert parse_style({}).resolve("ar", "vertical") == DEFAULT


@pytest.mark.parametrize("data, named", [
    ({"text_color": "#FFFFFF"}, "unknown key 'text_color'"),
    ({"highlight_colour": "yellow"}, "highlight_colour = 'yellow' is not a colour"),
    ({"highlight_colour": "#FFF"}, "is not a colour"),
    ({"languages": {"de": {}}}, "unknown language 'de'"),
    ({"presets": {"vertical": {"sise_percent": 3}}}, "presets.vertical: unknown key 'sise_percent'"),
    ({"words_max": 4}, "words_max = 4: must be a whole number from 1 to 3"),
    ({"size_percent": "big"}, "size_percent = 'big'"),
    ({"highlight": "glow"}, "choose one of text, box"),
])
def test_bad_values_name_the_key(data, named):
    with pytest.raises(UsageError, match=named.replace("(", r"\(").replace(")", r"\)")):
        parse_style(data, "s.toml")


def test_default_style_reproduces_the_ass_written_before_styles_existed():
    """tests/data/ass_before_styles.txt was written by main's ass.py without styles (regenerated at main
    cda5147, after issue 10 changed how over-long lines wrap)."""
    cues = {
        "ar": [Cue(0, 2000, ("جربت LibanTroc وكانت تجربة رائعة!",)),
               Cue(2500, 5000, ("قلت لنفسي: I Make This!", "ثم بدأت مع Cairo Runners.")),
               Cue(5100, 6000, ("{\\an8}في الأعلى",))],
        "fr": [Cue(0, 2000, ("J'ai essayé <i>LibanTroc</i>\u202f!",)),
               Cue(2500, 5000,
                   ("Une ligne très très longue qui déborde sûrement de la largeur du cadre vertical",))],
        "en": [Cue(0, 2000, ("I tried LibanTroc", "and it was great!")),
               Cue(2500, 5000, ("{\\an8}Moroccan Travelers Community",))],
    }
    out = []
    for lang, cs in cues.items():
        for preset, (w, h) in {"landscape": (1280, 720), "vertical": (1080, 1920),
                               "square": (720, 720)}.items():
            out.append(f"### {lang} {preset} {w}x{h}\n" + ass_to_string(cs, lang, preset, w, h, DEFAULT))
    assert "".join(out) == (DATA / "ass_before_styles.txt").read_text(encoding="utf-8")


def test_toml_file_read(tmp_path):
    path = tmp_path / "campaign.toml"
    path.write_text('highlight_colour = "#00FF00"\n[languages.ar]\narabic_font = "Noto Kufi Arabic"\n',
                    encoding="utf-8")
    sheet = load_style_file(path)
    assert sheet.resolve("ar", "vertical").arabic_font == "Noto Kufi Arabic"
    assert sheet.resolve("fr", "vertical").highlight_colour == "#00FF00"


def _run(argv, capsys):
    from pipeline.cli import main

    code = main(argv)
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("content, named", [
    ('text_colour = "#GG0000"\n', "text_colour = '#GG0000' is not a colour"),
    ('colour = "#FF0000"\n', "unknown key 'colour'"),
    ('latin_font = "Comic Campaign Sans"\n', "font 'Comic Campaign Sans' is not installed"),
    ('size_percent = \n', "not valid TOML"),
])
def test_cli_refuses_a_bad_style_file_before_any_work(tmp_path, capsys, content, named):
    style = tmp_path / "bad.toml"
    style.write_text(content, encoding="utf-8")
    # The video does not exist: the style error must come first, before anything looks at the inputs.
    for argv in (["run", str(tmp_path / "none.mp4"), "--style", str(style), "-o", str(tmp_path / "out")],
                 ["burn", str(tmp_path / "none.mp4"), str(tmp_path / "x.ar.srt"), "--style", str(style)]):
        code, err = _run(argv, capsys)
        assert code == 2, err
        assert len(err.splitlines()) == 1 and named in err and "bad.toml" in err
    assert not (tmp_path / "out").exists()


def test_readme_example_is_a_valid_style_file(tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "campaign.toml"
    path.write_text(example, encoding="utf-8")
    sheet = load_style_file(path)
    assert sheet.resolve("ar", "vertical").highlight_colour == "#00E0FF"
    assert sheet.resolve("fr", "vertical").size_percent == 120
    from pipeline.burn import check_style_fonts

    check_style_fonts(sheet, "README example")  # its fonts are the ones fonts-noto-core installs


def test_yaml_file_read_and_checked(tmp_path):
    path = tmp_path / "campaign.yaml"
    path.write_text("highlight: box\npresets:\n  vertical:\n    words_max: 2\n", encoding="utf-8")
    assert load_style_file(path).resolve("ar", "vertical").words_max == 2
    path.write_text("highlight: box\npresets:\n  vertical:\n    words_max: 2.5\n", encoding="utf-8")
    with pytest.raises(UsageError, match="presets.vertical: words_max = 2.5: must be a whole number"):
        load_style_file(path)


def test_weight_per_script():
    """Bold Latin (brand names) inside regular Arabic: the Latin run alone switches to bold and back."""
    style = parse_style({"latin_weight": "bold"}).resolve("ar", "landscape")
    script = ass_to_string([Cue(0, 1000, ("جربت LibanTroc اليوم",))], "ar", "landscape", 1280, 720, style)
    style_fields = [line for line in script.splitlines() if line.startswith("Style:")][0].split(",")
    assert style_fields[7] == "0"  # the Arabic line: regular
    event = script.splitlines()[-1]
    assert "\\b1}\u2066LibanTroc\u2069{\\fn\\fs\\b}" in event
    fr = ass_to_string([Cue(0, 1000, ("J'ai essayé",))], "fr", "landscape", 1280, 720,
                       parse_style({"latin_weight": "bold"}).resolve("fr", "landscape"))
    assert [line for line in fr.splitlines() if line.startswith("Style:")][0].split(",")[7] == "-1"
