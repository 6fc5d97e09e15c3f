"""faster-whisper at the edge: media file -> Transcript (words with integer-ms times), with guards and a
cache.

Flow: decode once (ffmpeg) -> Silero VAD (the model loads meanwhile) -> speech chunks packed into 30 s
windows cut at pauses, the pauses between chunks left out (asr_windows) -> windows batched through CTranslate2
(asr_batch; on a CPU a model worker per core, one batch more in flight; --batch-size 1: one at a time), the
language read off the first window unless forced, among the languages the pipeline handles -> guards (phantom
lines, loops, swallowed pauses) -> second pass over speech left without words -> what is still uncovered
becomes a note -> Transcript.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from pipeline import asr_batch, devices, vad
from pipeline import asr_guards as guards
from pipeline import asr_windows as aw
from pipeline.cache import Cache, file_sha256, key_of
from pipeline.errors import ModelError, UsageError
from pipeline.media import SAMPLE_RATE, decode_audio, probe
from pipeline.models import resolve_model
from pipeline.options import Options
from pipeline.profiles import LANGUAGES
from pipeline.types import Transcript, Word, seconds_to_ms

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CACHE_STAGE = "asr"
ASR_VERSION = 10  # bump when the code changes what a transcript holds, so cached ones are recomputed
NO_SPEECH = "no speech detected"


@dataclass(frozen=True)
class AsrSettings:
    """Decoding and guard settings (Options carries the user-facing ones). Chosen by measurement on the
    shared clips and the long-form bench (bench/bench_asr.py); every field is part of the cache key."""
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # fallback when a decode loops or doubts
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    # Off: on long inputs a wrong line conditions the next ones (the classic loop). Measured on the long-form
    # bench inputs: on = one French word better, Arabic and English the same; the robustness is worth it.
    condition_on_previous_text: bool = False
    hallucination_silence_threshold: float | None = 2.0
    vad_threshold: float = vad.THRESHOLD
    vad_min_silence_ms: int = vad.MIN_SILENCE_MS
    vad_pad_ms: int = vad.PAD_MS
    window_ms: int = aw.WINDOW_MS  # windows are cut at VAD pauses and never exceed this
    # A chunk in a window keeps at most this much of the pause before it (a lead-in: the VAD finds soft onsets
    # late); the rest of a pause is left out, so windows hold speech, not silence. Measured on the long-form
    # bench (windows; ar CER / fr WER / en WER): 0 -> 15; 0.076 / 0.169 / 0.064, and JFK's "ask not" after
    # his pause lost its "ask"; 200 -> 17; 0.081 / 0.247 / 0.056 with a French clip below the found bar;
    # 400 -> 17; 0.069 / 0.175 / 0.056, every clip found; whole pauses (<= 4 s) -> 21; 0.072 / 0.228 / 0.060.
    window_max_pause_ms: int = 400
    # The encoder hears a batch's longest window plus this margin of padding, not always 30 s (see asr_batch).
    context_margin_ms: int = 2000
    min_context_ms: int = 10_000
    second_pass_min_ms: int = 1000  # speech this long left without words is decoded again, then reported
    second_pass_gap_ms: int = aw.GAP_MS  # ... and so is a stretch this long in a chunk (a skipped sentence)
    # The second pass decodes with at least this beam: a greedy first pass (--beam-size 1) ends windows
    # early more often, and greedy again on the speech it skipped fell back through every temperature there.
    second_pass_beam_size: int = 5
    max_word_ms: int = 2500  # a longer "word" swallowed a pause
    split_gap_ms: int = 1500  # a segment never spans a pause this long
    # Per-language initial prompt, e.g. (("ar", "..."),). Empty: an Arabic style prompt measured worse
    # (long-form CER 0.088 vs 0.061), a French one changed nothing.
    prompts: tuple[tuple[str, str], ...] = field(default=())


SETTINGS = AsrSettings()


def batch_size(opts: Options) -> int:
    """Windows decoded at once: --batch-size, else by device (1 = one window at a time)."""
    if opts.batch_size is not None:
        return opts.batch_size
    return devices.default_batch_size(resolve_device(opts)[0])


def resolve_device(opts: Options) -> tuple[str, str]:
    """(device, compute_type): see pipeline.devices (auto -> every GPU
    CTranslate2 sees, float16; else CPU, int8)."""
    p = devices.machine_plan(opts.device, opts.compute_type)
    return p.kind, p.compute_type


def _steady_features(extractor: Any) -> Any:
    """faster-whisper's log-mel extractor, its filter bank applied in float64: in float32 numpy's BLAS sums
    in another order on one thread than on several, and the features, hence a few words, changed with
    OPENBLAS_NUM_THREADS (or a one-core machine). Returned in float32, as CTranslate2 takes them."""
    from faster_whisper.feature_extractor import FeatureExtractor

    class SteadyFeatures(FeatureExtractor):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> np.ndarray:
            return np.asarray(super().__call__(*args, **kwargs), dtype=np.float32)

    steady = SteadyFeatures.__new__(SteadyFeatures)
    steady.__dict__.update(extractor.__dict__)
    steady.mel_filters = np.asarray(extractor.mel_filters, dtype=np.float64)
    return steady


@functools.lru_cache(maxsize=1)
def _model_class() -> type:
    from faster_whisper import WhisperModel

    class SafeWhisperModel(WhisperModel):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.feature_extractor = _steady_features(self.feature_extractor)

        def find_alignment(self, tokenizer: Any, text_tokens: Any, *args: Any, **kwargs: Any) -> Any:
            # faster-whisper 1.2 raises IndexError when CTranslate2 returns an empty alignment (very short
            # windows; upstream PR SYSTRAN/faster-whisper#1460, open). Such segments get no word times here
            # and transcribe() spreads their words over the segment instead of failing the whole file.
            try:
                return super().find_alignment(tokenizer, text_tokens, *args, **kwargs)
            except IndexError:
                log.warning("word alignment failed for a segment; its word times are estimated")
                return [[] for _ in text_tokens]

    return SafeWhisperModel


@functools.lru_cache(maxsize=8)  # one per GPU on a multi-GPU box
def _load(path: str, device: str, index: int, compute_type: str, workers: int) -> Any:
    """On a CPU, `workers` of one thread each (see devices.cpu_workers)."""
    threads = {"cpu_threads": 1, "num_workers": workers} if device == "cpu" else {}
    try:
        return _model_class()(path, device=device, device_index=index, compute_type=compute_type, **threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"Whisper model {path}: cannot load on {device}/{compute_type} ({exc})") from None


def _workers(device: str) -> int:
    """Model workers: on a CPU one per core (a GPU's parallelism is the batch)."""
    return devices.cpu_workers(devices.cpu_budget()) if device == "cpu" else 1


def streams(opts: Options) -> int:
    """Batches of windows in flight at once (devices.cpu_streams: the model's workers, plus one when there
    are several); --batch-size 1 keeps its promise of one window at a time."""
    return 1 if batch_size(opts) == 1 else devices.cpu_streams(_workers(resolve_device(opts)[0]))


def load_model(opts: Options) -> Any:
    """The WhisperModel for these options, loaded once per (model, device, GPU, compute type): on a GPU box,
    the GPU this thread holds from the batch's DevicePool, else the first GPU of the choice."""
    return _loader(opts)()


_LOADING = threading.Lock()


def _loader(opts: Options) -> Callable[[], Any]:
    """What loads the model for these options; the GPU is chosen here, by the calling thread's hold."""
    p = devices.machine_plan(opts.device, opts.compute_type)
    held = devices.DevicePool.current()
    index = held if held is not None and p.kind == "cuda" else p.indices[0]
    workers = _workers(p.kind)

    def load() -> Any:
        with _LOADING:  # a second load of the same model waits for the first, then finds it cached
            return _load(resolve_model(opts.model).path, p.kind, index, p.compute_type, workers)

    return load


def _model_soon(opts: Options) -> Callable[[], Any]:
    """The model, loading in a thread of its own while the audio is decoded and searched for speech (a
    fresh process's first file waited 0.6 s for it); call the result to wait for it. A load that fails
    raises then, and only then: a file without speech needs no model."""
    load = _loader(opts)
    result: Future[Any] = Future()

    def run() -> None:
        try:
            result.set_result(load())
        except BaseException as exc:  # raised by the caller, if it needs the model
            result.set_exception(exc)

    threading.Thread(target=run, name="whisper-load", daemon=True).start()
    return result.result


def _note_language(path: str, found: asr_batch.Detected, notes: list[str]) -> None:
    log.info("%s: language %s (p=%.2f; top: %s)", path, found.language, found.probability,
             ", ".join(f"{lg} {p:.2f}" for lg, p in found.top))
    if found.probability < 0.5:
        notes.append(f"language uncertain: {found.language} p={found.probability:.2f}; "
                     "force it with --source")


@dataclass(frozen=True)
class _Job:
    """What every decode of one file shares."""
    model: Any
    audio: np.ndarray
    language: str | None  # None until detected
    task: str
    beam_size: int
    prompt: str | None
    s: AsrSettings
    on_progress: ProgressFn | None = None
    duration_ms: int = 0
    streams: int = 1  # batches in flight at once (asr_batch.decode, devices.cpu_streams)


def _progress(job: _Job, seg: Any) -> None:
    if job.on_progress:
        job.on_progress(min(seconds_to_ms(seg.end), job.duration_ms), job.duration_ms)


def _loop(job: _Job, window: aw.Window, silence_skip: bool = True, timestamps: bool = False) -> list[Any]:
    """faster-whisper's own loop (temperature fallback) over one window's audio, on the file's timeline, one
    segment per piece of the window. Without timestamp tokens, as the batched decode (see asr_batch); with
    them (`timestamps`), Whisper may stop before the end and the loop seeks on from there."""
    s = job.s
    segments, _ = job.model.transcribe(
        asr_batch.window_audio(job.audio, window), language=job.language, task=job.task,
        beam_size=job.beam_size, temperature=list(s.temperature),
        compression_ratio_threshold=s.compression_ratio_threshold, log_prob_threshold=s.log_prob_threshold,
        no_speech_threshold=s.no_speech_threshold, condition_on_previous_text=s.condition_on_previous_text,
        initial_prompt=dict(s.prompts).get(job.language or "") or None, hotwords=job.prompt or None,
        word_timestamps=True, vad_filter=False, without_timestamps=not timestamps,
        hallucination_silence_threshold=s.hallucination_silence_threshold if silence_skip else None,
    )
    # Without timestamps a decode gives one segment, for the whole window. The loop would then seek to the
    # last word's end and decode the few hundred ms of pause left, falling back to temperature 1.0 there
    # ("Great." or "Thank you." after JFK's last word, a different one each run): the segments come lazily,
    # so taking the first one stops the loop before that decode.
    got = list(segments) if timestamps else list(itertools.islice(segments, 1))
    return asr_batch.on_file(window, asr_batch.by_piece(window, got))


def _doubtful(segments: list[Any], s: AsrSettings) -> bool:
    """A window the one-temperature batched decode got wrong: a loop, or text the model itself doubts. The
    window's text is judged whole too: a loop of one sentence per piece hides in each piece's own ratio."""
    if guards.compression_ratio("".join(seg.text for seg in segments)) > s.compression_ratio_threshold:
        return True
    return any(seg.compression_ratio > s.compression_ratio_threshold
               or (seg.avg_logprob < s.log_prob_threshold and seg.no_speech_prob <= s.no_speech_threshold)
               for seg in segments)


def _batched(job: _Job, wins: list[aw.Window], batch_size: int, notes: list[str],
             path: str) -> tuple[_Job, list[Any]]:
    """All windows through CTranslate2 `batch_size` at a time (one temperature; 1: window after window),
    the language found on the first window unless forced; a window whose decode loops or is doubted is
    decoded again by faster-whisper's loop, which has the temperature fallback. Under the glossary's names
    (hotwords), a window that says a sentence twice is decoded again without them. (job with the language,
    segments)."""
    s = job.s
    d = asr_batch.Decode(job.language, tuple(LANGUAGES), job.task, job.beam_size, s.temperature[0], s.prompts,
                         job.prompt or None, batch_size, s.context_margin_ms, s.min_context_ms)
    found: list[asr_batch.Detected] = []
    out: list[Any] = []
    unprompted: list[aw.Window] = []
    for window, got in asr_batch.decode(job.model, job.audio, wins, d, found.append, job.streams):
        if job.language is None:
            job = replace(job, language=found[0].language)
            _note_language(path, found[0], notes)
        for seg in got:
            _progress(job, seg)
        if job.prompt and guards.repeats_a_sentence("".join(seg.text for seg in got)):
            # The names can make Whisper write a sentence of the window again over the next ones: on the
            # French bench input (AMD CPU) "Et ça va trouver moyen ..." three times over 25 s, two clips
            # lost without a note. Speech that really repeats comes out the same without them.
            unprompted.append(window)
            continue
        out.extend(_unless_doubtful(job, window, got))
    if unprompted:
        log.info("%d window(s) decoded again without the glossary's names", len(unprompted))
        for window, got in asr_batch.decode(job.model, job.audio, unprompted,
                                            replace(d, language=job.language, hotwords=None),
                                            streams=job.streams):
            out.extend(_unless_doubtful(job, window, got))
    return job, out


def _unless_doubtful(job: _Job, window: aw.Window, got: list[Any]) -> list[Any]:
    """A window's segments, or, when doubtful, those of faster-whisper's loop with temperature fallback."""
    if not _doubtful(got, job.s):
        return got
    a, b = window.span
    log.info("window %.1f-%.1f s decoded again with temperature fallback", a / 1000, b / 1000)
    # Without the glossary's names: under them one French bench window looped on a sentence; the fallback
    # with them took 58.9 s for the three inputs, fr WER 0.237; without, 38.3 s, 0.209.
    return _loop(replace(job, prompt=None), window)


def _guarded(raw: guards.RawSegment, seg: Any, language: str, s: AsrSettings) -> str | None:
    """Why this segment is dropped, or None to keep it."""
    if guards.is_nonverbal(raw.text):
        return f"dropped symbols without words ({raw.text.strip()!r}) at {seg.start:.1f} s"
    phantom = guards.is_phantom(raw, language)
    if phantom:
        return f"dropped a phantom line ({phantom!r}) at {raw.words[0].start_ms / 1000:.1f} s" if raw.words \
            else f"dropped a phantom line ({phantom!r})"
    # Whisper's own ratio is over the whole 30 s window (a speaker repeating a sentence raises it); a loop
    # that survived every temperature fallback shows in the segment's own text.
    if guards.compression_ratio(seg.text) > s.compression_ratio_threshold:
        return f"dropped a repetition loop at {seg.start:.1f} s"
    if seg.no_speech_prob > s.no_speech_threshold and seg.avg_logprob < s.log_prob_threshold:
        return f"dropped a segment over non-speech at {seg.start:.1f} s"
    return None


def _damage_note(expected_ms: int, decoded_ms: int) -> tuple[str, ...]:
    """A note when the audio stops well before the file says it should (a truncated or damaged file).
    `expected_ms`: the audio track's own length where the file says it (a phone clip's sound may end before
    its picture: not damage), else the file's."""
    if expected_ms - decoded_ms > max(1000, expected_ms // 20):
        return (f"audio decodes to {decoded_ms / 1000:.1f} s of {expected_ms / 1000:.1f} s: "
                "file damaged or truncated? the rest has no subtitles",)
    return ()


def transcribe(path: str | os.PathLike[str], opts: Options, on_progress: ProgressFn | None = None,
               prompt: str | None = None, task: str = "transcribe",
               settings: AsrSettings = SETTINGS) -> Transcript:
    """Transcribe (or, with task="translate", translate to English) the speech in a media file.

    `prompt`: hotwords (e.g. brand names from the campaign glossary) biasing every window. A file with no
    speech gives a Transcript without words and the note "no speech detected".
    """
    if task not in ("transcribe", "translate"):
        raise UsageError(f"unknown ASR task {task!r}: expected transcribe or translate")
    info = probe(path)
    model = _model_soon(opts)
    audio = decode_audio(path, info)
    duration_ms = seconds_to_ms(len(audio) / SAMPLE_RATE)
    damaged = _damage_note(info.audio_duration_ms or info.duration_ms, duration_ms)
    if on_progress:
        on_progress(0, duration_ms)  # show the bar (and the total) before the model loads
    chunks = vad.speech_chunks(audio, settings.vad_threshold, settings.vad_min_silence_ms,
                               settings.vad_pad_ms, settings.window_ms - 1000)
    if not chunks:
        log.info("%s: %s", path, NO_SPEECH)
        if on_progress:
            on_progress(duration_ms, duration_ms)
        return Transcript(language=opts.source or "und", words=(), duration_ms=duration_ms,
                          notes=(*damaged, NO_SPEECH))
    notes: list[str] = list(damaged)
    job = _Job(model(), audio, opts.source, task, opts.beam_size, prompt, settings, on_progress,
               duration_ms, streams(opts))
    wins = aw.windows(chunks, settings.window_ms, settings.window_max_pause_ms)
    batch = batch_size(opts)
    job, raw = _batched(job, wins, batch, notes, str(path))
    language = job.language or "und"  # always set by now: forced or detected
    text_language = "en" if task == "translate" else language
    words = _kept_words(raw, text_language, settings, notes, str(path))
    words = _second_pass(job, chunks, words, text_language, notes, str(path), batch)
    if on_progress:
        on_progress(duration_ms, duration_ms)
    tidy = guards.tidy_words(aw.snap_to_speech(words, chunks), settings.max_word_ms)
    for span in aw.uncovered(chunks, [(w.start_ms, w.end_ms) for w in tidy], settings.second_pass_min_ms,
                             settings.second_pass_gap_ms):
        note = aw.no_subtitle_note(span)
        log.warning("%s: %s", path, note)
        notes.append(note)
    segments = tuple((run[0].start_ms, run[-1].end_ms, guards.join_words(run))
                     for run in guards.split_at_gaps(tidy, settings.split_gap_ms))
    if not tidy:
        notes.append(NO_SPEECH)
    if task == "translate":
        notes.append(f"translated by Whisper from {language}")
    return Transcript(language=text_language, words=tuple(tidy), duration_ms=duration_ms,
                      segments=segments, notes=tuple(notes))


def _second_pass(job: _Job, chunks: list[aw.Span], words: list[Word], language: str, notes: list[str],
                 path: str, batch: int) -> list[Word]:
    """Speech the first pass left (nearly) without words, or with a stretch without any inside (a skipped
    sentence), is decoded again; its words replace the first pass's there when there are more of them.
    First all such chunks at once, packed into windows of their own and batched (Whisper stopped early in
    a window: the chunks after the stop get a window of their own, where they come first; a single chunk
    too, heard over its own length rather than 30 s: the French bench input's second pass took 0.9 s, not
    1.3 s); then each chunk still short on its own window through the seeking loop with timestamps, twice
    at most: words a first pass misplaced into a neighbouring chunk leave their own chunk short in turn."""
    s, redone = job.s, set()
    job = replace(job, beam_size=max(job.beam_size, s.second_pass_beam_size))

    def short() -> list[aw.Span]:
        return [c for c in aw.second_pass_spans(chunks, guards.tidy_words(words, s.max_word_ms),
                                                s.second_pass_min_ms, s.second_pass_gap_ms)
                if c not in redone]

    def better(span: aw.Span, again: list[Word]) -> None:
        nonlocal words
        again = aw.words_in(span, again)
        if len(again) > len(aw.words_in(span, words)):
            log.info("%s: second pass found %d words at %.1f-%.1f s", path, len(again), span[0] / 1000,
                     span[1] / 1000)
            words = aw.replace_words(words, span, again)

    todo = short()
    if batch > 1 and todo:
        quiet = replace(job, on_progress=None)  # the bar has passed these times already
        _, raw = _batched(quiet, aw.windows(todo, s.window_ms, s.window_max_pause_ms), batch, notes, path)
        again = _kept_words(raw, language, s, notes, path)
        for span in todo:
            better(span, again)
    for _ in range(2):
        for span in short():
            redone.add(span)
            # with timestamps: not the first pass's way again, and the loop seeks on past an early stop
            raw = _loop(job, aw.Window((span,)), silence_skip=False, timestamps=True)
            better(span, _kept_words(raw, language, s, notes, path))
    return words


def _kept_words(raw_segments: list[Any], language: str, s: AsrSettings, notes: list[str],
                path: str) -> list[Word]:
    """Words of the segments the guards keep (why each other one was dropped goes to `notes`)."""
    words: list[Word] = []
    for seg in raw_segments:
        seg_words = tuple(guards.merge_pieces(
            [Word(w.word, seconds_to_ms(w.start), seconds_to_ms(w.end), round(float(w.probability), 4))
             for w in seg.words or ()]))
        if not seg_words and seg.text.strip():
            seg_words = tuple(guards.spread_words(seg.text, seconds_to_ms(seg.start), seconds_to_ms(seg.end)))
        raw = guards.RawSegment(seg.text, seg_words, seg.no_speech_prob, seg.avg_logprob)
        reason = _guarded(raw, seg, language, s)
        if reason:
            log.warning("%s: %s: %r", path, reason, seg.text.strip())
            notes.append(reason)
            continue
        phantoms = guards.phantom_sentences(seg_words, language)  # a credit line after real speech
        for a, b, phrase in phantoms:
            reason = f"dropped a phantom line ({phrase!r}) at {seg_words[a].start_ms / 1000:.1f} s"
            log.warning("%s: %s: %r", path, reason, guards.join_words(seg_words[a:b]))
            notes.append(reason)
        dropped = {i for a, b, _ in phantoms for i in range(a, b)}
        words.extend(w for i, w in enumerate(seg_words) if i not in dropped)
    return sorted(words, key=lambda w: (w.start_ms, w.end_ms))


def cache_key(path: str | os.PathLike[str], opts: Options, prompt: str | None = None,
              task: str = "transcribe", settings: AsrSettings = SETTINGS,
              media_sha256: str | None = None) -> str:
    """Content of the file, identity of the model, and every option that changes the transcript.

    `media_sha256`: the file's sha256 when the caller already knows it (a batch rerun of an unchanged file),
    which saves reading the whole file again.
    """
    device, compute = resolve_device(opts)
    return key_of("asr", ASR_VERSION, media_sha256 or file_sha256(path), resolve_model(opts.model).identity,
                  device, compute, opts.source, opts.beam_size, batch_size(opts), prompt or "", task,
                  asdict(settings))


def _stored(cache: Cache, key: str, path: str | os.PathLike[str]) -> Transcript | None:
    hit = cache.get(CACHE_STAGE, key)
    if hit is None:
        return None
    try:
        return Transcript.from_json(hit)
    except (KeyError, TypeError, ValueError):
        log.warning("%s: cached transcript unreadable, transcribing again", path)
        return None


def cached_transcript(path: str | os.PathLike[str], opts: Options, cache: Cache, prompt: str | None = None,
                      task: str = "transcribe", media_sha256: str | None = None) -> Transcript | None:
    """The stored transcript, or None: no model is loaded (a batch asks
    this before taking the model's lock)."""
    return _stored(cache, cache_key(path, opts, prompt, task, media_sha256=media_sha256), path)


def transcribe_cached(path: str | os.PathLike[str], opts: Options, cache: Cache,
                      on_progress: ProgressFn | None = None, prompt: str | None = None,
                      task: str = "transcribe", media_sha256: str | None = None) -> tuple[Transcript, bool]:
    """(transcript, cache hit). A hit skips decoding and the model entirely."""
    key = cache_key(path, opts, prompt, task, media_sha256=media_sha256)
    transcript = _stored(cache, key, path)
    if transcript is not None:
        if on_progress:
            on_progress(transcript.duration_ms, transcript.duration_ms)
        return transcript, True
    transcript = transcribe(path, opts, on_progress, prompt, task)
    cache.put(CACHE_STAGE, key, transcript.to_json())
    return transcript, False
