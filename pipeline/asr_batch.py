"""Windows decoded in batches through CTranslate2 (the edge below asr.transcribe's batched path).

Per batch of windows: the encoder (one pass on a GPU, window by window on a CPU); the language, when not
forced, read off the first window's encoding (no separate 30 s encode for detection); one beam-search generate
without timestamp tokens; words aligned on the same encoding, then split into one segment per piece of the
window (a VAD chunk: a sentence or so), which the guards judge one by one. Times come back on the file's
timeline through each window's map (a window may leave out part of a pause).

Why no timestamp tokens: with them Whisper often ends a window a sentence early, as if it would go on in the
next window (a window cut at pauses has none): on the long-form bench inputs 7 chunks came out without words
and needed a second pass each (an encoder pass apiece, 16% of the time); without them, 1 chunk, and the run
took 20% less time (61 vs 77 s, two interleaved runs; ar CER 0.069 -> 0.065, fr WER 0.175 -> 0.166, en WER
0.056 -> 0.060: one "Mr." lost).

Why a shorter encoder input: the encoder costs per frame of its input (attention: per frame squared), and a
window cut at pauses is rarely a full 30 s (the long-form bench's Arabic windows hold 23 s). A batch is
encoded over its longest window plus `context_margin_ms` of padding (so Whisper still hears the speech end),
never under `min_context_ms` (on a 3 s clip a 4 s context made Whisper say the sentence twice). Measured on
the long-form bench inputs, two interleaved rounds against the full 30 s: 37.4 / 36.9 vs 40.2 / 40.6 s (only
the Arabic windows are shorter there), ar CER 0.070 vs 0.065, fr and en the same words; per shared clip,
Arabic and Les Misérables better (0.057 / 0.067 / 0.200 vs 0.094 / 0.083 / 0.350), the others the same but one
GRID clip of letter codes ("bin blue at f two now": "Bbf tuner" vs "Bimble F-Tuner", WER 1.0 vs 0.83).
Language detection alone is judged on a full 30 s encoding of the first window when the batch's is under 20 s:
on 10 s, a 3 s GRID clip swung from English to French.

faster-whisper's BatchedInferencePipeline does the same steps with a separate detection pass and takes only
contiguous clips, hence this module; it reuses the model's own prompt, splitting and alignment code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pipeline.asr_windows import Window
from pipeline.media import SAMPLE_RATE

# faster-whisper's defaults for attaching punctuation to the word before or after it.
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class Decode:
    """What every window of one file is decoded with."""
    language: str | None  # None: detected on the first window, among `languages`
    languages: tuple[str, ...]
    task: str
    beam_size: int
    temperature: float
    prompts: tuple[tuple[str, str], ...]  # (language, initial prompt)
    hotwords: str | None
    batch_size: int
    context_margin_ms: int  # encoder input: the batch's longest window plus this much padding,
    min_context_ms: int  # never less than this, never more than 30 s


@dataclass(frozen=True)
class Detected:
    language: str
    probability: float
    top: tuple[tuple[str, float], ...]  # the three likeliest of all Whisper's languages


def _samples(ms: int) -> int:
    return ms * SAMPLE_RATE // 1000


def window_audio(audio: np.ndarray, window: Window) -> np.ndarray:
    return np.concatenate([audio[_samples(a):_samples(b)] for a, b in window.pieces])


FRAMES_PER_SECOND = 100  # Whisper's mel frames; the encoder halves them
FULL_FRAMES = 3000  # Whisper's 30 s input
# Language detection needs at least this much context: on 10 s a 3 s GRID clip swung from English to French
# (p 0.17 -> fr 0.28) and another fell from 0.69 to 0.45; on 25 s the long-form Arabic gave 1.00 either way.
DETECT_MIN_FRAMES = 2000


def context_frames(batch: Sequence[Window], margin_ms: int, min_ms: int) -> int:
    """Mel frames the encoder takes for a batch: its longest window plus `margin_ms`, at least `min_ms`,
    at most 30 s; in whole seconds."""
    seconds = -(-(max(w.length_ms for w in batch) + margin_ms) // 1000)
    return min(FULL_FRAMES, max(seconds, -(-min_ms // 1000)) * FRAMES_PER_SECOND)


def _features(model: Any, audio: np.ndarray, batch: list[Window]) -> np.ndarray:
    """Each window's 30 s of mel frames (the encoder may take fewer: see context_frames)."""
    from faster_whisper.audio import pad_or_trim

    # As the batched pipeline does: the extractor's last frame is padding.
    return np.stack([pad_or_trim(model.feature_extractor(window_audio(audio, w))[..., :-1]) for w in batch])


ENGLISH_ONLY = Detected("en", 1.0, (("en", 1.0),))  # what an English-only model (base.en, ...) hears


def likeliest(probs: list[tuple[str, float]], languages: tuple[str, ...]) -> Detected:
    """The likeliest of `languages` in Whisper's (language, probability) list."""
    ours = max(((lang, p) for lang, p in probs if lang in languages), key=lambda lp: lp[1])
    return Detected(ours[0], ours[1], tuple(sorted(probs, key=lambda lp: -lp[1])[:3]))


def _storage(array: np.ndarray) -> Any:
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array))


def _encode(model: Any, features: np.ndarray) -> Any:
    """The encoder's output for a batch of windows. On a CPU one window at a time: a batched pass costs
    15% more per window there (measured on the long-form Arabic input, 7 windows: 1.20 vs 0.98 s a window,
    medians of 3 interleaved runs; its attention matrices, 72 MB a window, outgrow the caches); a GPU gains
    from the batch."""
    if model.model.device != "cpu" or len(features) == 1:
        return model.encode(features)
    return _storage(np.concatenate([np.asarray(model.encode(features[k:k + 1]))
                                    for k in range(len(features))]))


def _detect(model: Any, features: np.ndarray, encoded: Any, languages: tuple[str, ...]) -> Detected:
    """The likeliest of `languages` on the first window of the batch, judged on the batch's encoding, or,
    when that heard under DETECT_MIN_FRAMES, on a full 30 s encoding of the window's `features`."""
    if not model.model.is_multilingual:
        return ENGLISH_ONLY
    if encoded.shape[1] * 2 < DETECT_MIN_FRAMES:  # the encoder halves the frames
        encoded = model.encode(features[:1])
    elif encoded.device == "cpu" and encoded.shape[0] > 1:  # detection costs a decoder step per window
        encoded = _storage(np.asarray(encoded)[:1])
    return likeliest([(token[2:-2], p) for token, p in model.model.detect_language(encoded)[0]], languages)


def _seconds(window: Window, t: float) -> float:
    return window.to_file(round(t * 1000)) / 1000


def on_file(window: Window, segments: list[Any]) -> list[Any]:
    """faster-whisper Segments decoded from the window's audio, their times and their words' on the file's
    timeline."""
    return [replace(seg, start=_seconds(window, seg.start), end=_seconds(window, seg.end),
                    words=[replace(w, start=_seconds(window, w.start), end=_seconds(window, w.end))
                           for w in seg.words or ()])
            for seg in segments]


class _Language:
    """The file's language as the streams share it: forced, or found by the stream holding the first
    window; the others wait for it once their first batch is encoded."""

    def __init__(self, language: str | None) -> None:
        self.value = language
        self._known = threading.Event()
        if language is not None:
            self._known.set()

    def found(self, language: str | None) -> None:
        """`language`, or None: the finder failed, so the waiting streams stop too."""
        self.value = self.value or language
        self._known.set()

    def wait(self) -> str:
        self._known.wait()
        if self.value is None:
            raise _Abandoned
        return self.value


class _Abandoned(Exception):
    """A stream stops: the stream meant to find the language failed (its own error is the one reported)."""


def decode(model: Any, audio: np.ndarray, windows: list[Window], d: Decode,
           on_detected: Callable[[Detected], None] | None = None,
           streams: int = 1) -> Iterator[tuple[Window, list[Any]]]:
    """(window, its faster-whisper Segments on the file's timeline), in file order. The windows go in batches
    of `d.batch_size`, in file order; with `streams` > 1 (a CPU model with several workers) that many
    threads decode them side by side, each taking the next batch when done with its own; their model calls
    go to whichever worker is free: on a CPU a worker per core beats the cores sharing one window (see
    devices.cpu_workers, devices.cpu_streams). A transcript depends on the batches, not on the streams."""
    batches = [windows[k:k + d.batch_size] for k in range(0, len(windows), d.batch_size)]
    language = _Language(d.language)
    if streams <= 1 or len(batches) <= 1:
        for k, batch in enumerate(batches):
            yield from zip(batch, _batch(model, audio, batch, d, language, k == 0, on_detected), strict=True)
        return
    stop, taking, ready = threading.Event(), threading.Lock(), threading.Condition()
    order = iter(range(len(batches)))
    done: dict[int, list[list[Any]]] = {}
    failed: dict[int, BaseException] = {}

    def run() -> None:
        while not stop.is_set():
            with taking:
                k = next(order, None)
            if k is None:
                return
            try:
                got = _batch(model, audio, batches[k], d, language, k == 0, on_detected)
            except BaseException as exc:  # handed to the reader at this batch, in file order
                stop.set()
                with ready:
                    failed[k] = exc
                    ready.notify_all()
                return
            finally:
                if k == 0:
                    language.found(None)  # no-op once found: releases the other streams if this one failed
            with ready:
                done[k] = got
                ready.notify_all()

    for n in range(min(streams, len(batches))):  # daemons: an abandoned decode must not hold the process
        threading.Thread(target=run, name=f"whisper-stream-{n}", daemon=True).start()
    try:
        for k, batch in enumerate(batches):
            with ready:  # batches are taken in order: each one before a failed one is done or failed too
                ready.wait_for(lambda k=k: k in done or k in failed)
                if k in failed:
                    raise failed[k]
                got = done.pop(k)
            yield from zip(batch, got, strict=True)
    finally:
        stop.set()  # the streams stop after the batch in hand (Ctrl-C, or a failure raised above)


def _batch(model: Any, audio: np.ndarray, batch: list[Window], d: Decode, language: _Language, finder: bool,
           on_detected: Callable[[Detected], None] | None) -> list[list[Any]]:
    """Each window's Segments, for one batch. The batch holding the file's first window finds the language
    (when not forced) on its encoding; the others wait for it once encoded."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import Segment, Word, get_compression_ratio, get_suppressed_tokens

    features = _features(model, audio, batch)
    frames = context_frames(batch, d.context_margin_ms, d.min_context_ms)
    encoded = _encode(model, np.ascontiguousarray(features[..., :frames]))
    if finder and language.value is None:
        found = _detect(model, features, encoded, d.languages)
        language.found(found.language)
        if on_detected:
            on_detected(found)
    lang = language.wait()
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=d.task, language=lang)
    initial = dict(d.prompts).get(lang)
    previous = tokenizer.encode(" " + initial.strip()) if initial else []
    prompt = model.get_prompt(tokenizer, previous, without_timestamps=True, hotwords=d.hotwords)
    results = model.model.generate(
        encoded, [list(prompt) for _ in batch], beam_size=d.beam_size, patience=1, length_penalty=1,
        max_length=model.max_length, suppress_blank=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])), return_scores=True,
        return_no_speech_prob=True, sampling_temperature=d.temperature, repetition_penalty=1,
        no_repeat_ngram_size=0,
    )
    parts, sizes = [], []
    for window, result in zip(batch, results, strict=True):
        tokens = result.sequences_ids[0]
        seconds = window.length_ms / 1000
        # the whole window's scores, as the batched pipeline gives them
        parts.append([{"seek": 0, "start": 0.0, "end": seconds, "tokens": tokens,
                       "avg_logprob": result.scores[0] * len(tokens) / (len(tokens) + 1),
                       "no_speech_prob": result.no_speech_prob}])
        sizes.append(min(frames, int(np.ceil(seconds) * model.frames_per_second)))
    model.add_word_timestamps(parts, tokenizer, encoded, sizes, PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS,
                              0.0)
    out = []
    for window, (part,) in zip(batch, parts, strict=True):
        text = tokenizer.decode([t for t in part["tokens"] if t < tokenizer.eot])
        words = [Word(start=w["start"], end=w["end"], word=w["word"], probability=w["probability"])
                 for w in part.get("words", ())]
        whole = Segment(id=0, seek=0, start=0.0, end=window.length_ms / 1000, text=text,
                        tokens=part["tokens"], avg_logprob=part["avg_logprob"],
                        compression_ratio=get_compression_ratio(text),
                        no_speech_prob=part["no_speech_prob"], words=words, temperature=d.temperature)
        out.append(on_file(window, by_piece(window, [whole])))
    return out


def by_piece(window: Window, segments: Sequence[Any]) -> list[Any]:
    """faster-whisper Segments of a window (times in seconds of the window's audio) split so that each holds
    the words of one piece of the window (a VAD chunk: a sentence or so; a word goes to the piece holding
    its middle), for the guards to judge one by one; the scores stay the segment's. A segment without word
    times (a failed alignment) stays whole."""
    from faster_whisper.transcribe import get_compression_ratio

    out = []
    for seg in segments:
        if not seg.words:
            out.append(seg)
            continue
        groups: dict[int, list[Any]] = {}
        for w in seg.words:
            groups.setdefault(window.piece_at(round((w.start + w.end) * 500)), []).append(w)
        for k in sorted(groups):
            words = groups[k]
            text = "".join(w.word for w in words)
            out.append(replace(seg, start=words[0].start, end=words[-1].end, text=text, words=words,
                               compression_ratio=get_compression_ratio(text)))
    return out
