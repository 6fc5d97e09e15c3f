"""Reading burned subtitles back from the pixels: grab frames, find bright subtitle pixels, OCR them.

Test videos use a dark plain background, so "subtitle pixels" are simply bright luma pixels (white text).
"""

from __future__ import annotations

import difflib
import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.media import probe

BRIGHT = 200  # luma of white text; the test backgrounds stay far below it
BACKGROUND = "0x203040"  # dark blue-grey test background (luma about 60)


def read_frames(video: Path) -> tuple[np.ndarray, list[int]]:
    """Every frame of `video` as luma (n, height, width) uint8, and each frame's presentation time in ms."""
    info = probe(video)
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(video), "-map", "0:v:0", "-fps_mode", "passthrough",
           "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, info.height, info.width)
    times = frame_times_ms(video)
    if len(times) != len(frames):
        raise AssertionError(f"{video}: {len(frames)} frames decoded but {len(times)} timestamps")
    return frames, times


def frame_times_ms(video: Path) -> list[int]:
    """Presentation time (ms) of each frame, in decode order of display."""
    cmd = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
           "-of", "csv=p=0", str(video)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [round(float(v.strip(",")) * 1000) for v in out.split() if v.strip(",")]


def frame_at(frames: np.ndarray, times_ms: Sequence[int], t_ms: int) -> np.ndarray:
    """The frame on screen at time t_ms (the last one starting at or before it)."""
    index = max(i for i, t in enumerate(times_ms) if t <= t_ms)
    return frames[index]


def bright_box(frame: np.ndarray, threshold: int = BRIGHT) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the bright pixels (exclusive right/bottom), None if there are none."""
    ys, xs = np.nonzero(frame >= threshold)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def line_rows(frame: np.ndarray, n_lines: int) -> list[tuple[int, int]]:
    """Row ranges of `n_lines` text lines: the bright rows split at the n_lines - 1 widest dark gaps."""
    rows = np.nonzero((frame >= BRIGHT).any(axis=1))[0]
    if len(rows) == 0:
        raise AssertionError("no subtitle pixels in the frame")
    gaps = sorted(range(1, len(rows)), key=lambda i: rows[i] - rows[i - 1], reverse=True)[:n_lines - 1]
    cuts = [0, *sorted(gaps), len(rows)]
    return [(int(rows[a]), int(rows[b - 1]) + 1) for a, b in zip(cuts, cuts[1:], strict=False)]


def subtitle_bands(frame: np.ndarray, n_lines: int = 1, pad: int = 10, scale: int = 2) -> list[np.ndarray]:
    """Each subtitle line cropped with a margin, inverted to dark-on-light and enlarged for tesseract."""
    h, w = frame.shape
    bands = []
    for top, bottom in line_rows(frame, n_lines):
        strip = frame[top:bottom]
        cols = np.nonzero((strip >= BRIGHT).any(axis=0))[0]
        crop = frame[max(0, top - pad):min(h, bottom + pad), max(0, cols[0] - pad):min(w, cols[-1] + 1 + pad)]
        crop = 255 - crop
        bands.append(np.repeat(np.repeat(crop, scale, axis=0), scale, axis=1))
    return bands


def write_pgm(image: np.ndarray, path: Path) -> Path:
    h, w = image.shape
    path.write_bytes(f"P5\n{w} {h}\n255\n".encode() + np.ascontiguousarray(image, np.uint8).tobytes())
    return path


def tesseract(image: np.ndarray, lang: str) -> str:
    """One line of text (`--psm 7`) read from a grayscale image."""
    with tempfile.TemporaryDirectory() as tmp:
        src = write_pgm(image, Path(tmp) / "band.pgm")
        cmd = ["tesseract", str(src), "stdout", "-l", lang, "--psm", "7"]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


TESSERACT_LANG = {"ar": "ara", "fr": "fra", "en": "eng"}

_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def normalise_words(text: str, lang: str, mixed: bool = False) -> list[str]:
    """Words to compare: lower-cased, no punctuation; Arabic keeps only Arabic words, folded (alef, ya, ta).

    `mixed`: Arabic also keeps Latin words and numbers (Arabic-Indic digits as ASCII), to check where a brand
    and a number sit among the Arabic words.
    """
    text = unicodedata.normalize("NFKC", text)
    if lang != "ar":
        return re.findall(r"[^\W_]+", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn" and ch != "\u0640")
    text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text).translate(_ARABIC_FOLD)
    if mixed:
        return re.findall(r"[\u0621-\u064a]{2,}|[a-z]+|[0-9]+", text.lower())
    return re.findall(r"[\u0621-\u064a]{2,}", text)


def order_check(expected: Sequence[str], got: Sequence[str], min_ratio: float = 0.7,
                min_found: float = 0.75) -> tuple[bool, str]:
    """Are the expected words found in OCR output, in the same order?

    Each expected word is matched to its most similar OCR word (OCR noise tolerated by `min_ratio`);
    enough of them must be found, and their positions in the OCR text must strictly increase: one word
    out of order fails.
    """
    positions: list[int] = []
    for word in expected:
        scored = [(difflib.SequenceMatcher(None, word, g).ratio(), i) for i, g in enumerate(got)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= min_ratio:
            positions.append(best[1])
    found = len(positions) / max(1, len(expected))
    in_order = all(a < b for a, b in zip(positions, positions[1:], strict=False))
    detail = f"expected {list(expected)}, OCR {list(got)}, matched positions {positions}"
    return found >= min_found and in_order, detail


def read_subtitle(frame: np.ndarray, lang: str, n_lines: int = 1,
                  mixed: bool = False) -> tuple[list[str], str]:
    """OCR each subtitle line of a frame, top to bottom: (normalised words, raw OCR text).

    `mixed`: Arabic is read with the English model too, so Latin brand names come back as words.
    """
    model = TESSERACT_LANG[lang] + ("+eng" if mixed and lang == "ar" else "")
    raw = "\n".join(tesseract(band, model) for band in subtitle_bands(frame, n_lines))
    return normalise_words(raw, lang, mixed), raw


def reads_right(expected_text: str, raw: str, lang: str, mixed: bool = False) -> tuple[bool, str]:
    """Words in order (OCR noise tolerated) and the final punctuation mark on the reading end of the line.

    Wrong base direction shows either as words out of order or as the final `!`/`.` on the wrong side: for a
    right-to-left line tesseract then reads it first instead of last. `mixed`: see `normalise_words`.
    """
    ok, detail = order_check(normalise_words(expected_text, lang, mixed), normalise_words(raw, lang, mixed))
    last = expected_text.rstrip()[-1:]
    if last and unicodedata.category(last).startswith("P"):
        end_ok = raw.rstrip().endswith(last)
        ok = ok and end_ok
        detail += f"; OCR ends with {last!r}: {end_ok}"
    return ok, f"{detail}; raw OCR {raw!r}"


def render_ass(ass_text: str, width: int, height: int, t_ms: int) -> np.ndarray:
    """One luma frame of an ASS script rendered by ffmpeg/libass on the dark test background (no encoding)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.ass"
        path.write_text(ass_text, encoding="utf-8")
        cmd = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i",
               f"color=c={BACKGROUND}:s={width}x{height}:r=25:d={t_ms / 1000 + 0.2:.3f}",
               "-vf", f"ass={path}", "-ss", f"{t_ms / 1000:.3f}", "-frames:v", "1",
               "-f", "rawvideo", "-pix_fmt", "gray", "-"]
        raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width)
