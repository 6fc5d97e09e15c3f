"""Word-by-word captions and campaign styles read back from rendered and burned frames (real ffmpeg/libass,
tesseract): words in order, the highlight moving right to left in Arabic (left to right in French/English),
brand names in place, nothing stale between screens, style colours and position followed."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from ocr import (
    BACKGROUND,
    TESSERACT_LANG,
    normalise_words,
    order_check,
    read_subtitle,
    reads_right,
    render_ass,
    subtitle_bands,
    tesseract,
)

from pipeline.ass import ass_to_string
from pipeline.bidi import strip_isolates
from pipeline.burn import burn
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.segment import break_lines
from pipeline.style import parse_style
from pipeline.types import Cue, Word
from pipeline.word_captions import word_screens

# The seed's four campaign names (the glossary holds them; given here as data).
NAMES = ("Cairo Runners", "LibanTroc", "I Make This!", "Moroccan Travelers Community")

pytestmark = pytest.mark.slow
W, H, FPS = 360, 640, 25  # a small 9:16 frame: enough pixels for OCR of 1-3 big words
# The seed's four campaign names inside Arabic sentences.
ARABIC = [
    "جربت LibanTroc وكانت تجربة رائعة",
    "انضممت إلى Moroccan Travelers Community منذ سنتين",
    "قلت لنفسي: I Make This! ثم بدأت",
    "أركض كل جمعة مع Cairo Runners في القاهرة",
]
LATIN = {"fr": "J'ai couru avec Cairo Runners hier soir", "en": "We ran with Cairo Runners last night"}
CUE_MS = 4000


def render_rgb(ass_text: str, times_ms: list[int], width: int = W, height: int = H) -> list[np.ndarray]:
    """Frames (RGB) of an ASS script rendered by libass on the dark test background at `times_ms`, one run."""
    last = max(times_ms) / 1000 + 0.2
    index = [round(t * FPS / 1000) for t in times_ms]
    wanted = sorted(set(index))  # select passes frames in time order, each once
    picks = "+".join(f"eq(n\\,{n})" for n in wanted)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.ass"
        path.write_text(ass_text, encoding="utf-8")
        cmd = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i",
               f"color=c={BACKGROUND}:s={width}x{height}:r={FPS}:d={last:.3f}",
               "-vf", f"ass={path},select='{picks}'", "-fps_mode", "passthrough",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
    assert len(frames) == len(wanted)
    return [frames[wanted.index(n)] for n in index]


def yellow_x(frame: np.ndarray) -> float | None:
    """Mean x of the highlight's yellow pixels (red and green high, blue low); None when there are none."""
    mask = (frame[..., 0] > 180) & (frame[..., 1] > 180) & (frame[..., 2] < 90)
    return float(np.nonzero(mask)[1].mean()) if mask.sum() > 20 else None


def luma(frame: np.ndarray) -> np.ndarray:
    return (frame @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)


def word_script(lang: str, sentences: list[str], style=None, words=None):
    cues = [Cue(i * CUE_MS, (i + 1) * CUE_MS - 500, (s,)) for i, s in enumerate(sentences)]
    sheet = style or parse_style({})
    screens, _ = word_screens(cues, words, 3, sheet.resolve(lang, "vertical").words_max_chars, NAMES)
    return cues, screens, ass_to_string(cues, lang, "vertical", W, H, sheet.resolve(lang, "vertical"),
                                        screens)


def states(screens):
    """(screen index, word index, middle of that word state in ms)."""
    return [(i, k, (a + b) // 2) for i, s in enumerate(screens) for a, b, k in s.spans()]


@pytest.fixture(scope="module")
def arabic_words():
    cues, screens, script = word_script("ar", ARABIC)
    picks = states(screens)
    frames = render_rgb(script, [t for *_, t in picks])
    return screens, picks, frames


def test_arabic_highlight_moves_right_to_left(arabic_words):
    screens, picks, frames = arabic_words
    by_screen: dict[int, list[float]] = {}
    for (i, _, _), frame in zip(picks, frames, strict=True):
        x = yellow_x(frame)
        assert x is not None, f"no highlight on screen {i}"
        by_screen.setdefault(i, []).append(x)
    moved = 0
    for i, xs in by_screen.items():
        assert all(a > b + 10 for a, b in zip(xs, xs[1:], strict=False)), (screens[i].words, xs)
        moved += len(xs) > 1
    assert moved >= 5  # most screens hold two or three words


def read_highlight(frame: np.ndarray, model: str, scale: int = 3, pad: int = 12) -> str:
    """OCR of the highlighted word alone: its yellow pixels as black on white."""
    mask = (frame[..., 0] > 150) & (frame[..., 1] > 150) & (frame[..., 2] < 120)
    ys, xs = np.nonzero(mask)
    img = np.where(mask, 0, 255).astype(np.uint8)
    img = img[max(0, ys.min() - pad):ys.max() + pad, max(0, xs.min() - pad):xs.max() + pad]
    return tesseract(np.repeat(np.repeat(img, scale, axis=0), scale, axis=1), model)


def test_arabic_words_read_in_order_and_brands_in_place(arabic_words):
    """Every screen OCR'd in Arabic: together they give the four sentences' Arabic words in order (tesseract
    reads Latin inside Arabic poorly, so brands are checked apart). Each brand, when highlighted, is read back
    from its highlight alone with the English model: the name whole, at an x between its neighbours' (the
    right-to-left test above)."""
    screens, picks, frames = arabic_words
    first: dict[int, np.ndarray] = {}
    for (i, _, _), frame in zip(picks, frames, strict=True):
        first.setdefault(i, frame)
    read: list[str] = []
    for i in sorted(first):
        read += normalise_words(tesseract(subtitle_bands(luma(first[i]), 1, scale=3)[0], "ara"), "ar")
    ok, detail = order_check(normalise_words(" ".join(ARABIC), "ar"), read, min_found=0.85)
    assert ok, detail
    brands = 0
    for (i, k, _), frame in zip(picks, frames, strict=True):
        unit = strip_isolates(screens[i].words[k].text)
        if unit in NAMES:
            brands += 1
            got = read_highlight(frame, "eng")
            assert normalise_words(got, "en") == normalise_words(unit, "en"), (unit, got)
    assert brands == 4


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_latin_highlight_moves_left_to_right(lang):
    _, screens, script = word_script(lang, [LATIN[lang]])
    picks = states(screens)
    frames = render_rgb(script, [t for *_, t in picks])
    xs: dict[int, list[float]] = {}
    for (i, _, _), frame in zip(picks, frames, strict=True):
        xs.setdefault(i, []).append(yellow_x(frame))
    assert any(len(v) > 1 for v in xs.values())
    for v in xs.values():
        assert None not in v and all(a + 10 < b for a, b in zip(v, v[1:], strict=False)), v
    raw = tesseract(subtitle_bands(luma(frames[0]), 1, scale=3)[0], TESSERACT_LANG[lang])
    ok, detail = order_check(normalise_words(" ".join(w.text for w in screens[0].words), lang),
                             normalise_words(raw, lang))
    assert ok, f"{detail}; raw {raw!r}"


def test_nothing_stale_between_screens_and_cues():
    """Whisper's times with a long pause inside a cue and a gap between cues: the frame in a pause is empty,
    and the next screen shows none of the previous screen's words."""
    cue1, cue2 = Cue(0, 3500, ("one two three four",)), Cue(4500, 6000, ("five six",))
    words = [Word("one", 0, 300), Word("two", 300, 600), Word("three", 2000, 2300), Word("four", 2300, 2600),
             Word("five", 4500, 4800), Word("six", 4800, 5200)]
    screens, exact = word_screens([cue1, cue2], words, 3, 24)
    assert exact and [[w.text for w in s.words] for s in screens] == [["one", "two"], ["three", "four"],
                                                                       ["five", "six"]]
    script = ass_to_string([cue1, cue2], "en", "vertical", W, H, screens=screens)
    # 1500 ms: after "two" ended (600) + 700 ms linger; 4000 ms: between the cues
    pause, gap, second = render_rgb(script, [1500, 4000, 2400])
    assert luma(pause).max() < 120 and luma(gap).max() < 120
    got, raw = read_subtitle(luma(second), "en")
    assert "three" in got and "four" in got and not {"one", "two"} & set(got), raw


def test_style_file_colour_and_position_followed():
    """Green text (highlight magenta) placed at the top of the safe zone; the shipped look is white at the
    bottom. Measured on the rendered frames of phrase and word captions."""
    sheet = parse_style({"text_colour": "#00FF00", "highlight_colour": "#FF00FF", "position": "top",
                         "margin_top": 0.10})
    cue = Cue(0, 2000, ("I tried LibanTroc",))
    for screens in (None, word_screens([cue], None, 3, 24)[0]):
        styled = ass_to_string([cue], "en", "vertical", W, H, sheet.resolve("en", "vertical"), screens)
        shipped = ass_to_string([cue], "en", "vertical", W, H, screens=screens)
        t = 1500  # the last word is highlighted: the others show the text colour
        [frame], [plain] = render_rgb(styled, [t]), render_rgb(shipped, [t])
        green = (frame[..., 1] > 200) & (frame[..., 0] < 80) & (frame[..., 2] < 80)
        assert green.sum() > 100
        ys = np.nonzero(green)[0]
        assert ys.min() >= int(0.10 * H) - 2 and ys.max() < H // 3  # below the top margin, in the top third
        white = (plain.min(axis=2) > 220)
        assert np.nonzero(white)[0].min() > H // 2  # the shipped look: bottom half, white
        if screens is not None:
            magenta = (frame[..., 0] > 200) & (frame[..., 2] > 200) & (frame[..., 1] < 80)
            assert magenta.sum() > 50


def test_box_highlight_moves_right_to_left():
    sheet = parse_style({"highlight": "box", "box_colour": "#0050FF"})
    _, screens, script = word_script("ar", ARABIC[:1], style=sheet)
    picks = states(screens)
    xs: dict[int, list[float]] = {}
    for (i, _, _), frame in zip(picks, render_rgb(script, [t for *_, t in picks]), strict=True):
        box = (frame[..., 2] > 200) & (frame[..., 0] < 60) & (frame[..., 1] > 50) & (frame[..., 1] < 120)
        xs.setdefault(i, []).append(float(np.nonzero(box)[1].mean()))
    assert any(len(v) > 1 for v in xs.values())
    for v in xs.values():
        assert all(a > b + 10 for a, b in zip(v, v[1:], strict=False)), v


@pytest.mark.parametrize("sentence", [*ARABIC[:1], "أحب Moroccan Travelers Community كثيرا", *ARABIC[2:]])
def test_phrase_captions_with_brands_read_right(sentence):
    """The phrase style (today's) keeps each campaign sentence in reading order, brand in place (one line of a
    landscape frame: tesseract reads one line at a time; the Moroccan one shortened to fit)."""
    assert break_lines(sentence, profile("ar", "landscape", None, NAMES)) == (sentence,)
    script = ass_to_string([Cue(0, 2000, (sentence,))], "ar", "landscape", 1280, 720)
    _, raw = read_subtitle(render_ass(script, 1280, 720, 1000), "ar", mixed=True)
    ok, detail = reads_right(sentence, raw, "ar", mixed=True)
    assert ok, detail


def test_burn_in_words_style_end_to_end(tmp_path):
    """The real burn (H.264) of a 9:16 clip with Whisper-like word times in Arabic and none in English: the
    Arabic highlight moves right to left in the decoded video, English is spread and reported approximate, and
    the returned ASS is what was burned."""
    from test_burn import make_video

    source = make_video(tmp_path / "reel.mp4", f"{W}x{H}", seconds=3.0)
    text = ARABIC[0]
    tokens = text.split()
    words = [Word(w, 200 + 500 * i, 600 + 500 * i) for i, w in enumerate(tokens)]
    tracks = {"ar": [Cue(200, 2900, (text,))], "en": [Cue(200, 2900, ("I tried LibanTroc",))]}
    opts = Options(x264_preset="ultrafast", crf=23, encoder="libx264", caption_style="words")
    outputs = {lang: tmp_path / f"reel.{lang}.mp4" for lang in tracks}
    burned = burn(source, tracks, outputs, opts, words={"ar": words})
    assert burned.approximate == ("en",)
    assert "-words," in burned.scripts["ar"]
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-ss", "0.4", "-i", str(outputs["ar"]), "-vf", "fps=2",
           "-frames:v", "2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)
    # 0.4 s, 0.9 s: words 1 and 2 of the first screen ("جربت LibanTroc"; with "وكانت" it is over 18
    # characters)
    xs = [yellow_x(f) for f in frames]
    assert None not in xs and all(a > b + 10 for a, b in zip(xs, xs[1:], strict=False)), xs


def test_words_default_style_is_big_and_bold():
    cue = Cue(0, 1000, ("hi",))
    words = ass_to_string([cue], "en", "vertical", 1080, 1920, screens=word_screens([cue], None, 3, 24)[0])
    phrase = ass_to_string([cue], "en", "vertical", 1080, 1920)
    w, p = ([line for line in script.splitlines() if line.startswith("Style:")][0].split(",")
            for script in (words, phrase))
    assert int(w[2]) >= 1.5 * int(p[2])  # font size
    assert w[7] == "-1" and p[7] == "0"  # bold words, regular phrases
