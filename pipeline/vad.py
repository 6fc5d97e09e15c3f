"""Where a media file has speech (Silero VAD, as shipped with faster-whisper), and which of it no cue covers.

The one place the pipeline asks "is someone speaking here?": transcription cuts its windows at these pauses,
`check --media` and the review page compare them with the cues. `uncovered_speech(media, cues)` is the
function other modules call; the speech spans of a file are cached by its content.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from pipeline.asr_windows import Span, uncovered
from pipeline.cache import Cache, file_sha256, key_of
from pipeline.media import SAMPLE_RATE, decode_audio
from pipeline.types import Cue

THRESHOLD = 0.5
MIN_SILENCE_MS = 1000  # chunks are separated by at least this much non-speech
PAD_MS = 400
MAX_SPEECH_MS = 29_000  # a longer run of speech is split at its quietest short pause (fits one window)
MIN_UNCOVERED_MS = 1000  # shorter speech without a cue is not reported (a breath, a click)
VAD_VERSION = 1
CACHE_STAGE = "vad"


def speech_chunks(audio: np.ndarray, threshold: float = THRESHOLD, min_silence_ms: int = MIN_SILENCE_MS,
                  pad_ms: int = PAD_MS, max_speech_ms: int = MAX_SPEECH_MS) -> list[Span]:
    """Speech chunks (ms) of 16 kHz mono audio, sorted and disjoint, within the audio."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms,
                     max_speech_duration_s=max_speech_ms / 1000)
    duration_ms = len(audio) * 1000 // SAMPLE_RATE
    chunks = [(c["start"] * 1000 // SAMPLE_RATE, min(duration_ms, c["end"] * 1000 // SAMPLE_RATE))
              for c in get_speech_timestamps(audio, vad)]
    return [(a, b) for a, b in chunks if b > a]


def speech_spans(media: str | os.PathLike[str], cache: Cache | None = None) -> list[Span]:
    """The speech chunks of a media file (default VAD settings), cached under the file's content."""
    cache = cache or Cache()
    key = key_of(CACHE_STAGE, VAD_VERSION, file_sha256(media), THRESHOLD, MIN_SILENCE_MS, PAD_MS,
                 MAX_SPEECH_MS)
    hit = cache.get(CACHE_STAGE, key)
    if isinstance(hit, list):
        return [(int(a), int(b)) for a, b in hit]
    spans = speech_chunks(decode_audio(media))
    cache.put(CACHE_STAGE, key, [list(s) for s in spans])
    return spans


def uncovered_speech(media: str | os.PathLike[str], cues: Sequence[Cue], cache: Cache | None = None,
                     min_ms: int = MIN_UNCOVERED_MS) -> list[Span]:
    """Speech spans (start_ms, end_ms) of `min_ms` or more that no cue overlaps, and stretches of 2 s or more
    without a cue inside the others (asr_windows.uncovered): what the review page marks on the waveform and
    what the QC rule `speech_without_subtitle` reports."""
    return uncovered(speech_spans(media, cache), [(c.start_ms, c.end_ms) for c in cues], min_ms)
