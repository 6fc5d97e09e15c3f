"""Burn subtitles into video: one decode of the source, one `ass` overlay and one encoder per language.

The source is decoded once (ffmpeg autorotates phone video), padded to even dimensions when needed,
split, and each branch gets its language's ASS script and its own H.264 encoder; audio is copied.
Outputs appear atomically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ffmpeg
import tomllib

from pipeline import interrupt
from pipeline.ass import ass_to_string, font_of, latin_font_of
from pipeline.cache import atomic_path
from pipeline.errors import BurnError, UsageError
from pipeline.media import MediaInfo, ff_input, probe
from pipeline.options import Options
from pipeline.profiles import FONTS, PRESETS, language, resolve_preset
from pipeline.style import NO_STYLE, StyleSheet, parse_style
from pipeline.types import Burned, Cue, Word
from pipeline.word_captions import word_screens

log = logging.getLogger(__name__)

# Audio copied as it is into MP4 (players and social platforms take these); anything else (PCM, Vorbis, MP2,
# Opus...) is re-encoded to AAC, and the log says so.
MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac"})


# x264's veryfast made faster where it costs least: diamond motion search, subpixel refinement 1, a 5-frame
# lookahead, no weighted P-frames, fixed B-frames, no sub-partitions, one reference per macroblock. Measured
# against plain veryfast (CRF 20): on a 60 s 1280x720 test pattern (bench asr, end to end) the first three
# alone took 23% less time for 6% more bytes at the same SSIM, the rest 3-14% less again (SSIM -0.0007); on
# 30 s of animation (Big Buck Bunny at 1280x720) 35% less time, 13% fewer bytes, SSIM 0.9869 vs 0.9897 (x264
# medium at CRF 23, the naive peer: 0.9897). Other presets are x264's own.
X264_PARAMS = {"veryfast": "me=dia:subme=1:rc-lookahead=5:weightp=0:b-adapt=0:partitions=none:mixed-refs=0"}


def _x264(opts: Options) -> dict[str, Any]:
    args = {"vcodec": "libx264", "crf": opts.crf, "preset": opts.x264_preset, "pix_fmt": "yuv420p"}
    if opts.x264_preset in X264_PARAMS:
        args["x264-params"] = X264_PARAMS[opts.x264_preset]
    return args


def _nvenc(opts: Options) -> dict[str, Any]:
    # Constant-quality VBR: -cq plays the part of x264's -crf (similar scale, not identical).
    return {"vcodec": "h264_nvenc", "preset": "p5", "tune": "hq", "rc": "vbr", "cq": opts.crf, "b:v": 0,
            "pix_fmt": "yuv420p"}


ENCODERS = {"libx264": _x264, "h264_nvenc": _nvenc}


@dataclass(frozen=True)
class Plan:
    """What the graph does for one source, decided before running ffmpeg."""

    width: int  # output frame size: the displayed size, made even for H.264 4:2:0
    height: int
    preset: str
    pad: bool
    audio: str | None  # "copy", "aac" or None (no audio track)
    encoder: str


# --- checks before encoding ---------------------------------------------------------------------------------


@functools.cache
def font_installed(family: str) -> bool:
    """Does fontconfig resolve `family` to itself (not to a fallback font)?"""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}", family], capture_output=True, text=True,
                             timeout=30).stdout
    except FileNotFoundError:
        raise BurnError("fc-match not found: install fontconfig (sudo apt-get install fontconfig)") from None
    return family.casefold() in {name.strip().casefold() for name in out.split(",")}


def check_fonts(langs: Iterable[str], sheet: StyleSheet = NO_STYLE, presets: Iterable[str] = PRESETS) -> None:
    """BurnError naming the font and the package to install if a language's font is missing."""
    for lang in sorted(set(langs)):
        lg = language(lang)
        for pr in presets:
            style = sheet.resolve(lang, pr)
            for font in (font_of(lang, style), latin_font_of(style)) if lg.rtl else (font_of(lang, style),):
                if not font_installed(font):
                    package = FONTS[font].package if font in FONTS else "the package that provides it"
                    raise BurnError(f"font {font!r} for {lg.name} subtitles is not installed: install "
                                    f"{package} (sudo apt-get install {package}); refusing to render with a "
                                    f"fallback font")


def check_style_fonts(sheet: StyleSheet, where: str) -> None:
    """UsageError (exit 2, before any work) naming the first font of a style file that is not installed."""
    for style in sheet.all_styles():
        for font in (style.arabic_font, style.latin_font):
            if font and not font_installed(font):
                raise UsageError(f"{where}: font {font!r} is not installed (`fc-list : family` shows the "
                                 f"installed ones); install it or name another")


def read_style_file(path: Path) -> StyleSheet:
    """Read and validate a `.toml` or `.yaml`/`.yml` style file (pipeline/style.py checks every key)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise UsageError(f"--style {path}: cannot read it ({reason})") from None
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        import yaml  # only when the user writes YAML

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"--style {path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"--style {path}: not valid TOML: {exc}") from None
    return parse_style(data, f"--style {path}")


def load_style(opts: Options) -> StyleSheet:
    return read_style_file(opts.style) if opts.style is not None else NO_STYLE


@functools.lru_cache(maxsize=1)
def nvenc_usable() -> bool:
    """A GPU is present and this ffmpeg can open h264_nvenc on it (a 0.1 s test encode)."""
    if shutil.which("nvidia-smi") is None and not Path("/dev/nvidia0").exists():
        return False
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "color=s=256x256:d=0.1",
           "-c:v", "h264_nvenc", "-f", "null", "-"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pick_encoder(opts: Options) -> str:
    """`opts.encoder`, or for "auto" h264_nvenc when a usable GPU is present, else libx264."""
    if opts.encoder == "auto":
        chosen = "h264_nvenc" if nvenc_usable() else "libx264"
        log.info("encoder: %s", chosen)
        return chosen
    if opts.encoder not in ENCODERS:
        raise UsageError(f"unknown encoder {opts.encoder!r}: choose auto or one of {', '.join(ENCODERS)}")
    return opts.encoder


# --- planning (pure) ----------------------------------------------------------------------------------------




def plan_for(info: MediaInfo, opts: Options) -> Plan:
    """`opts.preset` "auto" picks from the displayed (rotation-applied) frame size."""
    if not info.has_video or info.width <= 0 or info.height <= 0:
        raise BurnError(f"{info.path}: no video stream to burn subtitles into")
    width, height = info.width + info.width % 2, info.height + info.height % 2
    audio = None
    if info.has_audio:
        audio = "copy" if info.audio_codec in MP4_AUDIO else "aac"
        if audio == "aac":
            log.info("%s: %s audio cannot go into MP4 as it is: re-encoding it to AAC", info.path,
                     info.audio_codec)
    return Plan(width=width, height=height, preset=resolve_preset(opts.preset, info.width, info.height),
                pad=(width, height) != (info.width, info.height), audio=audio, encoder=pick_encoder(opts))


# --- the ffmpeg graph ---------------------------------------------------------------------------------------


def build_command(video: Path, ass_files: Mapping[str, Path], temps: Mapping[str, Path], plan: Plan,
                  opts: Options) -> list[str]:
    """ffmpeg argv: decode once -> [pad] -> split -> ass per language -> one encoder + copied audio each."""
    source = ffmpeg.input(ff_input(video))
    picture = source.video
    if plan.pad:  # odd sizes: H.264 4:2:0 needs even dimensions; one black row/column, nothing scaled
        picture = picture.filter("pad", w=plan.width, h=plan.height)
    langs = list(ass_files)
    if len(langs) == 1:
        branches = [picture]
    else:
        split = picture.split()
        branches = [split[i] for i in range(len(langs))]
    video_args = ENCODERS[plan.encoder](opts)
    outputs = []
    for lang, branch in zip(langs, branches, strict=True):
        # ffmpeg-python escapes filter arguments; the .ass paths are our own plain temporary names anyway.
        rendered = branch.filter("ass", filename=str(ass_files[lang]), shaping="complex")
        streams = [rendered] if plan.audio is None else [rendered, source.audio]
        audio_args = {} if plan.audio is None else (
            {"acodec": "copy"} if plan.audio == "copy" else {"acodec": "aac", "b:a": "192k"})
        outputs.append(ffmpeg.output(*streams, ff_input(temps[lang]), format="mp4", movflags="+faststart",
                                     fps_mode="vfr", max_muxing_queue_size=4096, **video_args, **audio_args))
    graph = ffmpeg.merge_outputs(*outputs).global_args("-hide_banner", "-nostdin", "-loglevel", "error")
    return graph.overwrite_output().compile()


ProgressFn = Callable[[int, int], None]  # (done_ms, total_ms)


def _run_ffmpeg(cmd: Sequence[str], video: Path, on_progress: ProgressFn | None = None,
                total_ms: int = 0) -> None:
    log.debug("running %s", " ".join(cmd))
    on_line = None
    if on_progress is not None:  # ffmpeg reports "out_time_us=..." (microseconds) on stdout as it encodes
        cmd = [cmd[0], "-progress", "pipe:1", "-nostats", *cmd[1:]]

        def on_line(line: str) -> None:
            key, _, value = line.strip().partition("=")
            if key in ("out_time_us", "out_time_ms") and value.isdigit():
                on_progress(min(int(value) // 1000, total_ms), total_ms)
    try:
        proc = interrupt.run(cmd, on_line=on_line)  # Ctrl-C stops the encode at once, not after it
    except FileNotFoundError:
        raise BurnError("ffmpeg not found: install ffmpeg (sudo apt-get install ffmpeg)") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.decode("utf-8", "replace").strip().splitlines() if line.strip()]
        raise BurnError(f"{video}: ffmpeg failed while burning subtitles: "
                        f"{lines[-1] if lines else 'no message'}")


def burn_ass(video: Path, scripts: Mapping[str, str], outputs: Mapping[str, Path], opts: Options,
             plan: Plan, on_progress: ProgressFn | None = None, total_ms: int = 0) -> list[str]:
    """Render ready ASS scripts (language -> text) onto `video` in one ffmpeg run; outputs written atomically.

    An NVENC encode that fails (no encoder session left, a frame size it does not take) is done again with
    libx264: the outputs come out, with a note saying so. Returns the notes."""
    if set(scripts) != set(outputs):
        raise UsageError(f"languages with subtitles {sorted(scripts)} differ from outputs {sorted(outputs)}")
    if not scripts:
        raise UsageError("nothing to burn: no subtitle tracks given")
    resolved = {Path(out).resolve() for out in outputs.values()}
    if Path(video).resolve() in resolved or len(resolved) != len(outputs):
        raise UsageError(f"{video}: each output must be a new file, distinct from the source and each other")
    with tempfile.TemporaryDirectory(prefix="burn-") as tmp, contextlib.ExitStack() as stack:
        ass_files = {}
        for i, (lang, text) in enumerate(scripts.items()):
            ass_files[lang] = Path(tmp) / f"{i}-{lang}.ass"
            ass_files[lang].write_text(text, encoding="utf-8")
        temps = {lang: stack.enter_context(atomic_path(outputs[lang])) for lang in scripts}
        try:
            _run_ffmpeg(build_command(Path(video), ass_files, temps, plan, opts), Path(video), on_progress,
                        total_ms)
        except BurnError as exc:
            if plan.encoder == "libx264":
                raise
            note = (f"{plan.encoder} encode failed ({str(exc).rpartition(': ')[2]}): "
                    f"encoded with libx264 instead")
            log.warning("%s: %s", video, note)
            _run_ffmpeg(build_command(Path(video), ass_files, temps, replace(plan, encoder="libx264"), opts),
                        Path(video), on_progress, total_ms)
            return [note]
    return []


def scripts_for(tracks: Mapping[str, Sequence[Cue]], width: int, height: int, preset: str, opts: Options,
                words: Mapping[str, Sequence[Word]] | None = None, names: Sequence[str] = ()) -> Burned:
    """The ASS script of each language, in `opts.caption_style`; `words`: Whisper's words per language;
    `names`: the glossary's campaign names (a multi-word name is never split across word screens)."""
    sheet = load_style(opts)
    scripts, approximate = {}, []
    for lang, cues in tracks.items():
        style = sheet.resolve(lang, preset)
        screens = None
        if opts.caption_style == "words":
            screens, exact = word_screens(cues, (words or {}).get(lang), style.words_max,
                                          style.words_max_chars, names)
            if not exact:
                approximate.append(lang)
        scripts[lang] = ass_to_string(cues, lang, preset, width, height, style, screens)
    return Burned(scripts, tuple(approximate))


def burn(video: Path, tracks: Mapping[str, Sequence[Cue]], outputs: Mapping[str, Path],
         opts: Options, *, on_progress: ProgressFn | None = None,
         words: Mapping[str, Sequence[Word]] | None = None, names: Sequence[str] | None = None) -> Burned:
    """Burn each language's cues into its own output video, decoding `video` once.

    `opts.preset` "auto" picks from the displayed (rotation-applied) frame size.
    `on_progress(done_ms, total_ms)`: how far the encode is, as ffmpeg reports it.
    `words`: Whisper's word times per language, for `opts.caption_style == "words"`; `names`: the campaign
    names kept whole on word screens (None: those of `opts.glossary`, or the shipped glossary).
    """
    check_fonts(tracks, load_style(opts), PRESETS)
    info = probe(video)
    plan = plan_for(info, opts)
    log.info("%s: burning %s (%s, %dx%d, %s, %s captions)", video, ", ".join(tracks), plan.preset, plan.width,
             plan.height, plan.encoder, opts.caption_style)
    if names is None and opts.caption_style == "words":
        from pipeline import glossary  # the glossary reader: only when a caller did not pass the names

        names = glossary.load(opts.glossary).names()
    burned = scripts_for(tracks, plan.width, plan.height, plan.preset, opts, words, names or ())
    notes = burn_ass(video, burned.scripts, outputs, opts, plan, on_progress, info.duration_ms)
    return dataclasses.replace(burned, notes=tuple(notes or ()))
