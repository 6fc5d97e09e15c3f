"""ffprobe/ffmpeg at the edge: probe a file, decode its audio, quote paths for filter graphs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from pipeline import interrupt
from pipeline.errors import MediaError
from pipeline.types import seconds_to_ms

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # what Whisper (and Silero VAD) expect


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    duration_ms: int
    has_audio: bool
    has_video: bool
    width: int = 0  # as displayed, i.e. after rotation metadata is applied
    height: int = 0
    rotation: int = 0  # degrees, from the display matrix or the legacy `rotate` tag
    fps: float = 0.0
    video_codec: str = ""
    audio_codec: str = ""
    audio_duration_ms: int = 0  # the audio track's own length, where the file says (0: not said)


def ff_input(path: str | os.PathLike[str]) -> str:
    """A path as ffmpeg should see it: absolute, so `a:b.mp4` is not read as protocol `a:` and `-x.mp4`
    not as an option."""
    return os.path.abspath(os.fspath(path))


def _ffprobe(path: Path) -> dict:
    cmd = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", ff_input(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise MediaError("ffprobe not found: install ffmpeg (make subtitles does it on Debian)") from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: ffprobe timed out (file unreadable?)") from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["unreadable"])[-1]
        # ffprobe prefixes its message with the path; keep only the cause.
        detail = detail.split(": ", 1)[-1] if ff_input(path) in detail else detail
        raise MediaError(f"{path}: not a readable media file ({detail})")
    return json.loads(proc.stdout or "{}")


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag and tag.lstrip("-").isdigit() else 0


def _fps(stream: dict) -> float:
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            value = Fraction(stream.get(key) or "0/0")
        except (ValueError, ZeroDivisionError):
            continue
        if value > 0:
            return float(value)
    return 0.0


def _stream_ms(stream: dict) -> int:
    """A stream's own duration: `duration` (MP4, WAV, FLAC...) or Matroska's DURATION tag; 0 when neither."""
    try:
        if stream.get("duration"):
            return seconds_to_ms(float(stream["duration"]))
        tag = next((v for k, v in (stream.get("tags") or {}).items() if k.upper() == "DURATION"), "")
        if not tag:
            return 0
        h, m, sec = tag.split(":")
        return seconds_to_ms(int(h) * 3600 + int(m) * 60 + float(sec))
    except ValueError:
        return 0


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a media file, or raise MediaError with a one-line cause (missing, empty, not media)."""
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise MediaError(f"{p}: empty file (0 bytes)")
    data = _ffprobe(p)
    streams = data.get("streams", [])
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    # Cover art in audio files is a "video" stream with attached_pic: not a picture to subtitle.
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    if audio is None and video is None:
        raise MediaError(f"{p}: no audio or video stream")
    try:
        duration = float((data.get("format") or {}).get("duration") or (audio or video or {}).get("duration")
                         or 0)
    except ValueError:
        duration = 0.0
    width = height = rotation = 0
    if video is not None:
        width, height, rotation = (int(video.get("width") or 0), int(video.get("height") or 0),
                                   _rotation(video))
        if rotation in (90, 270):
            width, height = height, width
    return MediaInfo(
        path=p, duration_ms=seconds_to_ms(duration), has_audio=audio is not None, has_video=video is not None,
        width=width, height=height, rotation=rotation, fps=_fps(video) if video else 0.0,
        video_codec=(video or {}).get("codec_name", ""), audio_codec=(audio or {}).get("codec_name", ""),
        audio_duration_ms=_stream_ms(audio) if audio else 0,
    )


def decode_audio(path: str | os.PathLike[str], info: MediaInfo | None = None) -> np.ndarray:
    """The first audio track as float32 mono at 16 kHz, decoded once through an ffmpeg pipe.

    Raises MediaError (one line: the file and the cause) for a missing, empty or non-media file, a file
    without audio, or one ffmpeg cannot decode. A file that decodes only in part is accepted with a warning:
    the speech that is there is still worth transcribing.
    """
    info = info or probe(path)
    p = info.path
    if not info.has_audio:
        raise MediaError(f"{p}: no audio track (nothing to transcribe)")
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-i", ff_input(p), "-map", "0:a:0", "-vn",
           "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    try:
        proc = interrupt.run(cmd, timeout=3600)  # stoppable by Ctrl-C
    except FileNotFoundError:
        raise MediaError("ffmpeg not found: install ffmpeg (make subtitles does it on Debian)") from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{p}: ffmpeg took over an hour to decode the audio") from None
    errors = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    audio = np.frombuffer(proc.stdout, dtype="<f4")
    if proc.returncode != 0 or audio.size == 0:
        detail = errors[-1] if errors else "no audio samples decoded"
        detail = detail.split(": ", 1)[-1] if ff_input(p) in detail else detail
        raise MediaError(f"{p}: cannot decode audio ({detail})")
    if errors:
        log.warning("%s: decoded with errors, the audio may be incomplete (%s)", p, errors[-1])
    return audio.astype(np.float32, copy=False)
