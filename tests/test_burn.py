"""Burned subtitles read back from the pixels: OCR in reading order, safe zones, timing, awkward inputs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
from ocr import (
    BACKGROUND,
    bright_box,
    frame_at,
    read_frames,
    read_subtitle,
    reads_right,
    render_ass,
    subtitle_bands,
    tesseract,
)

from pipeline import burn as burn_mod
from pipeline import profiles
from pipeline.ass import ass_to_string
from pipeline.burn import BurnError, burn, burn_ass, check_fonts, pick_encoder, plan_for
from pipeline.media import probe
from pipeline.options import Options
from pipeline.subtitles import srt_from_string
from pipeline.types import Cue

OPTS = Options(x264_preset="ultrafast", crf=23, encoder="libx264")
ODD_NAME = "Rania's video: take 2, [final].mp4"
START, END = 520, 1480  # frame-aligned at 25 fps: frames 13..36 carry the cue
LINES = {
    "ar": ("جربت LibanTroc وكانت تجربة رائعة!",),
    "fr": ("Le marché du samedi était génial !",),
    "en": ("I tried LibanTroc and it was great!",),
}
pytestmark = pytest.mark.slow


def make_video(path: Path, size: str, seconds: float = 2.4, audio: bool = True, extra: list[str] = (),
               pix_fmt: str = "yuv420p") -> Path:
    """A small synthetic clip on the dark test background (sine audio), H.264 ultrafast."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
           f"color=c={BACKGROUND}:s={size}:r=25:d={seconds},format={pix_fmt}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}", "-c:a", "aac", "-shortest"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt, *extra, f"file:{path}"]
    subprocess.run(cmd, check=True)
    return path


def ffprobe_streams(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", f"file:{path}"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"]


def audio_md5(path: Path) -> str:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", f"file:{path}", "-map", "0:a", "-c", "copy", "-f",
           "md5", "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def cues(lang: str, lines: tuple[str, ...] | None = None) -> list[Cue]:
    return [Cue(START, END, lines or LINES[lang])]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("burn")


@pytest.fixture(scope="module")
def landscape(workdir) -> dict[str, Path]:
    """ar, fr and en burned in one pass into a 640x360 clip with an awkward file name."""
    source = make_video(workdir / ODD_NAME, "640x360")
    outputs = {lang: workdir / f"out [{lang}], it's: {lang}.mp4" for lang in LINES}
    burn(source, {lang: cues(lang) for lang in LINES}, outputs, OPTS)
    return {"source": source, **outputs}


@pytest.fixture(scope="module")
def vertical(workdir) -> dict[str, Path]:
    """A 540x960 (9:16) clip without audio, Arabic on two lines and English, preset chosen automatically."""
    source = make_video(workdir / "reel.mp4", "540x960", audio=False)
    tracks = {"ar": cues("ar", ("جربت LibanTroc وكانت", "تجربة رائعة ومفيدة!")),
              "en": cues("en", ("I tried LibanTroc", "and it was great!"))}
    outputs = {lang: workdir / f"reel.{lang}.mp4" for lang in tracks}
    burn(source, tracks, outputs, OPTS)
    return outputs


# --- one pass, three languages ------------------------------------------------------------------------------


def test_one_pass_writes_h264_with_the_audio_copied_and_faststart(landscape):
    source_md5 = audio_md5(landscape["source"])
    for lang in LINES:
        out = landscape[lang]
        kinds = {s["codec_type"]: s["codec_name"] for s in ffprobe_streams(out)}
        assert kinds == {"video": "h264", "audio": "aac"}
        assert audio_md5(out) == source_md5, "audio must be copied, not re-encoded"
        head = out.read_bytes()[:200_000]
        assert 0 <= head.find(b"moov") < head.find(b"mdat"), "+faststart puts the index first"
    leftovers = [p.name for p in landscape["source"].parent.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


@pytest.mark.parametrize("lang", list(LINES))
def test_ocr_reads_each_language_in_order(landscape, lang):
    frames, times = read_frames(landscape[lang])
    raw = read_subtitle(frame_at(frames, times, (START + END) // 2), lang)[1]
    ok, detail = reads_right(" ".join(LINES[lang]), raw, lang)
    assert ok, detail


@pytest.mark.parametrize("lang", list(LINES))
def test_no_subtitle_pixels_outside_the_cue_window(landscape, lang):
    frames, times = read_frames(landscape[lang])
    shown = [bright_box(f) is not None for f in frames]
    assert shown == [START <= t < END for t in times]


def test_left_to_right_base_direction_is_caught(workdir, landscape):
    """The check fails on libass's default rendering (Encoding 0), with and without our isolates."""
    source = landscape["source"]
    plan = plan_for(probe(source), dataclasses.replace(OPTS, preset="landscape"))
    ours = ass_to_string(cues("ar"), "ar", "landscape", plan.width, plan.height)
    assert ",-1\n" in ours
    scripts = {"isolated": ours.replace(",-1\n", ",0\n"),
               "plain": ours.replace(",-1\n", ",0\n").replace("\u2066", "").replace("\u2069", "")}
    outputs = {name: workdir / f"ltr-{name}.mp4" for name in scripts}
    burn_ass(source, scripts, outputs, OPTS, plan)
    for name, out in outputs.items():
        frames, times = read_frames(out)
        raw = read_subtitle(frame_at(frames, times, (START + END) // 2), "ar")[1]
        ok, detail = reads_right(LINES["ar"][0], raw, "ar")
        assert not ok, f"{name}: the check missed a left-to-right rendering: {detail}"


NUMBERS = ("جربت LibanTroc 3 مرات", "مع Cairo Runners، 10 كم")


def test_a_number_after_a_brand_stays_beside_the_arabic_word_it_counts(workdir, landscape):
    """"3" reads between the brand and "مرات" (times), "10" before "كم"
    (km): OCR of the brand, digits and words."""
    out = workdir / "numbers.ar.mp4"
    burn(landscape["source"], {"ar": cues("ar", NUMBERS)}, {"ar": out}, OPTS)
    frames, times = read_frames(out)
    frame = frame_at(frames, times, (START + END) // 2)
    raws = read_subtitle(frame, "ar", n_lines=2, mixed=True)[1].split("\n")
    for line, raw in zip(NUMBERS, raws, strict=True):
        ok, detail = reads_right(line, raw, "ar", mixed=True)
        assert ok, detail


def test_an8_from_an_srt_is_burned_at_the_top_and_not_shown(workdir, landscape):
    """A reviewer's `{\\an8}Top line please`: placed at the top of the
    frame, the block itself never visible."""
    srt = "1\n00:00:00,520 --> 00:00:01,480\n{\\an8}Top line please\n"
    out = workdir / "top.en.mp4"
    burn(landscape["source"], {"en": srt_from_string(srt)}, {"en": out}, OPTS)
    frames, times = read_frames(out)
    frame = frame_at(frames, times, (START + END) // 2)
    h = frame.shape[0]
    _, top, _, bottom = bright_box(frame)
    assert top >= profiles.PRESETS["landscape"].safe_top * h and bottom <= h / 3, (top, bottom)
    raw = read_subtitle(frame, "en")[1]
    assert "{" not in raw and "\\" not in raw and "an8" not in raw.lower(), raw
    ok, detail = reads_right("Top line please", raw, "en")
    assert ok, detail


# --- vertical -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_vertical_text_reads_right_inside_the_safe_zone(vertical, lang):
    frames, times = read_frames(vertical[lang])
    h, w = frames.shape[1:]
    frame = frame_at(frames, times, (START + END) // 2)
    left, top, right, bottom = bright_box(frame)
    pr = profiles.PRESETS["vertical"]
    assert top >= pr.safe_top * h and bottom <= (1 - pr.safe_bottom) * h
    assert left >= pr.safe_sides * w and right <= (1 - pr.safe_sides) * w
    lines = {"ar": ("جربت LibanTroc وكانت", "تجربة رائعة ومفيدة!"),
             "en": ("I tried LibanTroc", "and it was great!")}
    raw = read_subtitle(frame, lang, n_lines=2)[1]
    ok, detail = reads_right(" ".join(lines[lang]), raw, lang)
    assert ok, detail


LONG = {"fr": "Le marché du samedi était vraiment génial, merci à tous ! " * 2,
        "ar": "كانت تجربة رائعة في السوق مع الأصدقاء والعائلة يوم السبت " * 2}


@pytest.mark.parametrize("lang", list(LONG))
@pytest.mark.parametrize("preset, size", [("landscape", (1280, 720)), ("vertical", (540, 960))])
def test_lines_at_the_length_limit_fit_the_text_box(lang, preset, size):
    """A line of the preset's max_chars rendered by libass stays inside the side margins (no wrapping)."""
    (w, h), pr = size, profiles.PRESETS[preset]
    text = LONG[lang][:pr.max_chars].strip()
    frame = render_ass(ass_to_string([Cue(0, 1000, (text,))], lang, preset, w, h), w, h, 500)
    left, top, right, bottom = bright_box(frame)
    assert left >= pr.safe_sides * w and right <= (1 - pr.safe_sides) * w, (left, right)
    assert bottom - top < 2.5 * pr.line_height * h, "one line, not wrapped"


# --- awkward inputs -----------------------------------------------------------------------------------------


def test_missing_font_fails_before_encoding(workdir, monkeypatch):
    lang = profiles.LANGUAGES["ar"]
    monkeypatch.setitem(profiles.LANGUAGES, "ar", dataclasses.replace(lang, font="No Such Arabic Font"))

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("ffmpeg started although a font is missing")

    monkeypatch.setattr(burn_mod, "_run_ffmpeg", must_not_run)
    out = workdir / "nofont.ar.mp4"
    with pytest.raises(BurnError, match="No Such Arabic Font.*install"):
        burn(workdir / "does-not-matter.mp4", {"ar": cues("ar")}, {"ar": out}, OPTS)
    assert not out.exists()
    check_fonts(["fr", "en"])  # the real fonts are there


def test_odd_frame_size_without_audio(workdir):
    # 4:4:4 allows odd
    source = make_video(workdir / "odd size.mp4", "641x361", audio=False, pix_fmt="yuv444p")
    assert (probe(source).width, probe(source).height) == (641, 361)
    out = workdir / "odd size.en.mp4"
    burn(source, {"en": cues("en")}, {"en": out}, OPTS)
    (stream,) = ffprobe_streams(out)
    assert (stream["codec_type"], stream["width"], stream["height"]) == ("video", 642, 362)
    frames, times = read_frames(out)
    assert bright_box(frame_at(frames, times, 1000)) is not None


def test_rotated_phone_video_gets_the_vertical_preset(workdir):
    stored = make_video(workdir / "stored.mp4", "640x360", seconds=1.6)
    rotated = workdir / "phone.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(stored), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(rotated)], check=True)
    assert (probe(rotated).width, probe(rotated).height) == (360, 640)
    out = workdir / "phone.en.mp4"
    burn(rotated, {"en": cues("en", ("Filmed upright",))}, {"en": out}, OPTS)
    info = probe(out)
    assert (info.width, info.height, info.rotation) == (360, 640, 0)  # turned upright once, not twice
    frames, times = read_frames(out)
    _, _, _, bottom = bright_box(frame_at(frames, times, 1000))
    assert bottom <= (1 - profiles.PRESETS["vertical"].safe_bottom) * 640


def test_variable_frame_rate_keeps_every_frame_time(workdir):
    source = make_video(workdir / "vfr.mp4", "320x180", audio=False,
                        extra=["-vf", "select='not(mod(n\\,3))+eq(n\\,20)'", "-fps_mode", "vfr"])
    out = workdir / "vfr.fr.mp4"
    burn(source, {"fr": cues("fr", ("Cadence variable",))}, {"fr": out}, OPTS)
    _, source_times = read_frames(source)
    frames, times = read_frames(out)
    assert len(set(b - a for a, b in zip(source_times, source_times[1:], strict=False))) > 1, "source is VFR"
    assert times == source_times
    assert [bright_box(f) is not None for f in frames] == [START <= t < END for t in times]


def test_very_short_clip(workdir):
    source = make_video(workdir / "blink.mp4", "320x180", seconds=0.2)
    out = workdir / "blink.en.mp4"
    burn(source, {"en": [Cue(0, 200, ("Hi",))]}, {"en": out}, OPTS)
    frames, times = read_frames(out)
    assert len(frames) == 5 and all(bright_box(f) is not None for f in frames)


def test_ffmpeg_failure_is_a_burn_error_and_leaves_nothing(workdir):
    out = workdir / "bad.en.mp4"
    bad = Options(x264_preset="no-such-preset", encoder="libx264")
    source = make_video(workdir / "bad.mp4", "320x180", seconds=0.4, audio=False)
    with pytest.raises(BurnError, match="bad.mp4: ffmpeg failed"):
        burn(source, {"en": cues("en")}, {"en": out}, bad)
    assert not out.exists() and not [p for p in workdir.iterdir() if p.name.startswith(".bad.en")]


# --- encoder choice (no GPU needed) -------------------------------------------------------------------------


def test_a_failing_nvenc_encode_falls_back_to_libx264_with_a_note(workdir, monkeypatch):
    """NVENC faked to fail as it does with no session left (GPU 99 does not exist on any machine, and this
    one may have no GPU at all): every output still comes out, encoded by libx264, and a note says so."""
    monkeypatch.setitem(burn_mod.ENCODERS, "h264_nvenc",
                        lambda opts: {"vcodec": "h264_nvenc", "gpu": 99, "pix_fmt": "yuv420p"})
    source = make_video(workdir / "nvenc.mp4", "320x180", seconds=0.8, audio=False)
    outputs = {lang: workdir / f"nvenc.{lang}.mp4" for lang in ("fr", "en")}
    opts = dataclasses.replace(OPTS, encoder="h264_nvenc")
    notes = burn(source, {lang: cues(lang) for lang in outputs}, outputs, opts).notes
    assert len(notes) == 1 and "h264_nvenc encode failed" in notes[0] and "libx264 instead" in notes[0]
    for out in outputs.values():
        video = next(s for s in ffprobe_streams(out) if s["codec_type"] == "video")
        assert video["codec_name"] == "h264" and video["nb_frames"] == "20"
        assert b"x264 - core" in out.read_bytes()  # libx264 signs its stream (an SEI message)
    assert burn(source, {"en": cues("en")}, {"en": workdir / "x264.en.mp4"}, OPTS).notes == ()


@pytest.mark.parametrize("gpu, expected", [(True, "h264_nvenc"), (False, "libx264")])
def test_auto_encoder_follows_the_gpu(monkeypatch, gpu, expected):
    monkeypatch.setattr(burn_mod, "nvenc_usable", lambda: gpu)
    assert pick_encoder(Options(encoder="auto")) == expected
    assert pick_encoder(Options(encoder="libx264")) == "libx264"


# --- the command --------------------------------------------------------------------------------------------


def test_burn_command_names_outputs_by_language(workdir, landscape, capsys):
    from pipeline.cli import main
    from pipeline.subtitles import save_srt

    stem = landscape["source"].stem
    srts = [workdir / f"{stem}.{lang}.srt" for lang in ("ar", "en")]
    for srt, lang in zip(srts, ("ar", "en"), strict=True):
        save_srt(srt, cues(lang))
    out_dir = workdir / "cli out"
    argv = ["burn", str(landscape["source"]), *map(str, srts), "-o", str(out_dir), "--x264-preset",
            "ultrafast"]
    assert main(argv) == 0
    written = {out_dir / f"{stem}.{lang}.{ext}" for lang in ("ar", "en") for ext in ("mp4", "ass")}
    assert set(capsys.readouterr().out.splitlines()) == {str(p) for p in written}
    assert "[Events]" in (out_dir / f"{stem}.ar.ass").read_text(encoding="utf-8")  # the .ass export
    frames, times = read_frames(out_dir / f"{stem}.ar.mp4")
    ok, detail = reads_right(LINES["ar"][0], read_subtitle(frame_at(frames, times, 1000), "ar")[1], "ar")
    assert ok, detail


def test_burn_command_refuses_an_srt_without_language(workdir, landscape, capsys):
    from pipeline.cli import main
    from pipeline.subtitles import save_srt

    srt = workdir / "nolang.srt"
    save_srt(srt, cues("en"))
    assert main(["burn", str(landscape["source"]), str(srt), "-o", str(workdir / "x")]) == 2
    assert "nolang.srt: cannot tell its language" in capsys.readouterr().err
    assert main(["burn", str(landscape["source"]), str(srt), "--lang", "en,fr"]) == 2


# --- planning (pure) ----------------------------------------------------------------------------------------


def test_plan_pads_odd_sizes_and_copies_only_mp4_audio():
    from pipeline.media import MediaInfo

    def info(w, h, codec):
        return MediaInfo(Path("v.mp4"), 1000, bool(codec), True, width=w, height=h, audio_codec=codec)

    plan = plan_for(info(641, 361, "aac"), OPTS)
    assert (plan.width, plan.height, plan.pad, plan.audio, plan.preset) == (642, 362, True, "copy",
                                                                            "landscape")
    assert plan_for(info(1080, 1920, "vorbis"), OPTS).audio == "aac"
    assert plan_for(info(1080, 1920, ""), OPTS).audio is None
    assert plan_for(info(1080, 1920, ""), OPTS).preset == "vertical"
    assert plan_for(info(1080, 1080, ""), OPTS).preset == "square"
    assert plan_for(info(1080, 1920, ""), dataclasses.replace(OPTS, preset="landscape")).preset == "landscape"
    with pytest.raises(BurnError, match="no video stream"):
        plan_for(MediaInfo(Path("a.wav"), 1000, True, False), OPTS)


# --- a reviewer's over-long line (issue 10, point 11) -------------------------------------------------------

OVERLONG = {
    "en": "Thank you all for coming to the Saturday swap market in Beirut, see you again next week with more",
    "ar": "شكرا لكم جميعا على الحضور إلى سوق التبادل يوم السبت في بيروت ونراكم الأسبوع القادم مع المزيد",
}


@pytest.mark.parametrize("lang", list(OVERLONG))
@pytest.mark.parametrize("preset, size", [("landscape", (1280, 720)), ("vertical", (540, 960))])
def test_a_reviewers_overlong_line_is_wrapped_inside_the_safe_area(lang, preset, size):
    """Three times the preset's line length on one line: wrapped inside the side margins, every word on
    screen (read back by OCR: the first and the last word)."""
    (w, h), pr = size, profiles.PRESETS[preset]
    script = ass_to_string([Cue(0, 1000, (OVERLONG[lang],))], lang, preset, w, h)
    frame = render_ass(script, w, h, 500)
    left, top, right, bottom = bright_box(frame)
    assert left >= pr.safe_sides * w - 1 and right <= (1 - pr.safe_sides) * w + 1, (left, right)
    if lang == "en":
        words, raw = read_subtitle(frame, "en", n_lines=script.splitlines()[-1].count("\\N") + 1)
        assert "Thank" in raw and "more" in raw, raw


def test_burn_command_exits_1_when_style_guide_errors_were_burned(workdir, landscape, capsys):
    from pipeline.cli import main
    from pipeline.subtitles import save_srt

    srt = workdir / "long.en.srt"
    save_srt(srt, [Cue(START, END, (OVERLONG["en"],))])
    out = workdir / "long.en.mp4"
    assert main(["burn", str(landscape["source"]), str(srt), "-o", str(out), "--x264-preset",
                 "ultrafast"]) == 1
    assert out.is_file()  # made, as asked; the exit status says it is not ready to publish
    err = capsys.readouterr().err
    assert "long.en.srt" in err and "error" in err and "characters" in err, err


# --- handles, hashtags and percentages inside Arabic (issue 10, point 13) -----------------------------------

def test_handles_hashtags_and_percentages_burn_in_reading_order_inside_arabic(workdir):
    """Read back left to right by the English model, each keeps its sign where it is written:
    "@campaign_2024", not "campaign_2024@" nor "2024_campaign@"; "#Vote2024", not "Vote2024#"; "50%",
    not "%50"."""
    source = make_video(workdir / "handles.mp4", "1280x720", seconds=1.2, audio=False)
    lines = {"handles": "تابعوا @campaign_2024 و #Vote2024 اليوم", "percent": "وفرنا 50% مع @cairo_runners"}
    for name, line in lines.items():
        out = workdir / f"handles.{name}.mp4"
        burn(source, {"ar": [Cue(0, 1200, (line,))]}, {"ar": out}, OPTS)
        frames, times = read_frames(out)
        band = subtitle_bands(frame_at(frames, times, 600))[0]
        physical = tesseract(band, "eng")  # Latin tokens as they sit on screen, left to right
        for token in ("@campaign_2024", "#Vote2024") if name == "handles" else ("50%", "@cairo_runners"):
            assert token in physical, (token, physical)
        if name == "handles":  # and the Arabic reads right to left around them
            assert physical.index("#Vote2024") < physical.index("@campaign_2024"), physical


def test_burning_reports_its_progress(workdir):
    """ffmpeg's own progress, in media milliseconds: rising, ending at the clip's length (the burn bar)."""
    source = make_video(workdir / "progress.mp4", "640x360", seconds=2.4, audio=False)
    calls: list[tuple[int, int]] = []
    burn(source, {"en": cues("en")}, {"en": workdir / "progress.en.mp4"}, OPTS,
         on_progress=lambda done, total: calls.append((done, total)))
    assert calls and all(total == 2400 for _, total in calls), calls
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] >= 2000, calls


def test_default_x264_preset_is_tuned_and_others_are_x264s_own() -> None:
    # veryfast (the default) gets the measured faster motion search; an explicit other preset is left alone.
    assert burn_mod._x264(Options())["x264-params"] == \
        "me=dia:subme=1:rc-lookahead=5:weightp=0:b-adapt=0:partitions=none:mixed-refs=0"
    assert "x264-params" not in burn_mod._x264(Options(x264_preset="slow"))
