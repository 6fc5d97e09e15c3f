"""The pure half of translation: source cues joined into sentences, and translated sentences laid back on
the source timing.

Cue-by-cue translation loses context and breaks timing, so the source cues are joined into sentences (by the
source language's sentence punctuation, pauses and dialogue dashes); each translation is laid back onto the
time spans of the cues it came from, split in proportion to their text length, and the interpolated
pseudo-words are segmented with the target language's profile. Translated cues never leave their sentence's
span, so nothing moves in time and nothing merges across a speaker's pause. No model, no file: `translate`
does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.errors import TranslationError
from pipeline.profiles import CLOSERS, Profile, language
from pipeline.segment import segment
from pipeline.subtitles import order_and_trim
from pipeline.types import Cue, Word, format_timestamp

log = logging.getLogger(__name__)

PAUSE_MS = 1000  # a longer silence between cues ends a sentence (a speaker's pause, or a new speaker)
SNAP_WORDS = 2  # how far a proportional cut may move to land on the target's punctuation
MAX_SENTENCE_CUES = 6  # bounds one model input when punctuation is missing (common in ASR output)
DIALOGUE_DASHES = ("-", "\u2013", "\u2014")  # a cue opening with a dash starts a new speaker's line


@dataclass(frozen=True)
class Sentence:
    first: int  # cues[first:last] make the sentence
    last: int
    text: str


# --- sentences -------------------------------------------------------------------------------------

def _ends_sentence(text: str, marks: str) -> bool:
    core = text.rstrip().rstrip(CLOSERS)
    return bool(core) and core[-1] in marks


def join_sentences(cues: Sequence[Cue], lang: str) -> list[Sentence]:
    """Group consecutive cues into sentences: split after sentence punctuation, at pauses over
    PAUSE_MS, before dialogue dashes, around blank cues, and every MAX_SENTENCE_CUES cues."""
    marks = language(lang).sentence_end
    sentences: list[Sentence] = []
    start = 0
    for i in range(1, len(cues) + 1):
        if i < len(cues):
            prev, cue = cues[i - 1], cues[i]
            if not (_ends_sentence(prev.text, marks) or cue.start_ms - prev.end_ms > PAUSE_MS
                    or cue.text.lstrip().startswith(DIALOGUE_DASHES) or not cue.text.strip()
                    or not prev.text.strip() or i - start >= MAX_SENTENCE_CUES):
                continue
        text = " ".join(" ".join(c.text.split()) for c in cues[start:i]).strip()
        sentences.append(Sentence(start, i, text))
        start = i
    return sentences


# --- re-timing -------------------------------------------------------------------------------------

def split_by_weight(words: Sequence[str], weights: Sequence[int], marks: str = "") -> list[list[str]]:
    """Cut `words` into len(weights) consecutive chunks whose lengths follow the weights.

    A cut moves by up to SNAP_WORDS words to fall after a word ending in one of `marks` (a clause
    or sentence end: the better alignment when there is one). Each chunk gets at least one word when
    there are enough words; order is always kept.
    """
    n, count = len(weights), len(words)
    total_weight = sum(weights) if sum(weights) > 0 else n
    weights = list(weights) if sum(weights) > 0 else [1] * n
    sizes = [len(w) + 1 for w in words]
    total = sum(sizes) or 1
    mids, acc = [], 0
    for size in sizes:
        mids.append((acc + size / 2) / total)
        acc += size
    bounds, cum = [0], 0
    for k in range(1, n):
        cum += weights[k - 1]
        ideal = sum(1 for m in mids if m < cum / total_weight)
        if count >= n:
            bounds.append(min(max(ideal, bounds[-1] + 1), count - (n - k)))
        else:
            bounds.append(min(max(ideal, bounds[-1]), count))
    bounds.append(count)
    if marks:
        _snap(bounds, words, marks, 1 if count >= n else 0)
    return [list(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def _snap(bounds: list[int], words: Sequence[str], marks: str, min_chunk: int) -> None:
    for k in range(1, len(bounds) - 1):
        lo, hi = bounds[k - 1] + min_chunk, bounds[k + 1] - min_chunk
        near = [c for c in range(max(lo, bounds[k] - SNAP_WORDS), min(hi, bounds[k] + SNAP_WORDS) + 1)
                if c > 0 and words[c - 1].rstrip(CLOSERS)[-1:] in marks]
        if near:
            bounds[k] = min(near, key=lambda c: abs(c - bounds[k]))


def _interpolate(words: Sequence[str], start: int, end: int) -> list[Word]:
    """Pseudo-words spread over [start, end] in proportion to their length, end to end."""
    sizes = [len(w) + 1 for w in words]
    total, acc = sum(sizes), 0
    times = [start]
    for size in sizes:
        acc += size
        times.append(start + round((end - start) * acc / total))
    # A leading space, as Whisper writes words; segment joins and strips them.
    return [Word(f" {w}", a, b) for w, a, b in zip(words, times, times[1:], strict=False)]


def pseudo_words(translation: str, spans: Sequence[Cue], marks: str = "") -> list[Word]:
    """The translation as timed words laid over the source cues' spans (no span left uncovered)."""
    chunks = split_by_weight(translation.split(), [len(c.text) for c in spans], marks)
    groups: list[tuple[list[str], int, int]] = []
    pending: int | None = None  # start of leading spans that got no words
    for chunk, cue in zip(chunks, spans, strict=True):
        if chunk:
            groups.append((chunk, cue.start_ms if pending is None else pending, cue.end_ms))
            pending = None
        elif groups:  # too few words: the previous chunk stretches over this span
            words, start, _ = groups[-1]
            groups[-1] = (words, start, cue.end_ms)
        elif pending is None:
            pending = cue.start_ms
    return [w for words, start, end in groups for w in _interpolate(words, start, end)]


def _clamp(cues: Sequence[Cue], start: int, end: int) -> list[Cue]:
    """Cues cut to [start, end]; one left without time (zero-length words at the very end) joins the
    cue before it rather than being dropped or moved."""
    out: list[Cue] = []
    for c in cues:
        s, e = max(c.start_ms, start), min(c.end_ms, end)
        if e > s or not out:
            out.append(Cue(s, max(e, s + 1), c.lines))
        else:
            log.info("translated cue %r has no time left in its sentence: joined to the one before", c.text)
            out[-1] = Cue(out[-1].start_ms, out[-1].end_ms, (*out[-1].lines, *c.lines))
    return out


def _require_ordered(cues: Sequence[Cue]) -> None:
    """A sentence's span is its first cue's start to its last cue's end: only true of ordered cues."""
    for k, (a, b) in enumerate(zip(cues, cues[1:], strict=False), start=1):
        if b.start_ms < a.end_ms:
            raise ValueError(f"source cues must be in time order without overlaps: cue {k + 1} starts at "
                             f"{format_timestamp(b.start_ms)}, before cue {k} ends "
                             f"({format_timestamp(a.end_ms)})")


def normalise(cues: Sequence[Cue]) -> list[Cue]:
    """Cues sorted by start, a partial overlap trimmed (the earlier cue ends where the next starts), as
    `subtitles.load_srt` reads them; a cue sharing its start with another or nested in it is a
    TranslationError (which text goes when is not certain)."""
    _, fixed, overlaps = order_and_trim(cues)
    for o in overlaps:
        a, b = cues[o.earlier], cues[o.later]
        if o.nested:
            raise TranslationError(
                f"source cue {b.text[:30]!r} at {format_timestamp(b.start_ms)} overlaps {a.text[:30]!r} at "
                f"{format_timestamp(a.start_ms)} (same start, or wholly inside it): fix the timing")
    if overlaps or fixed != list(cues):
        log.warning("source cues out of order or overlapping: sorted by start, overlaps trimmed")
    return fixed


def retime(cues: Sequence[Cue], sentences: Sequence[Sentence], translations: Sequence[str],
           target: Profile) -> list[Cue]:
    """Translated cues, each sentence segmented with `target` and kept inside its source span.

    `cues` must be in time order without overlaps (see `normalise`); ValueError otherwise.
    """
    _require_ordered(cues)
    out: list[Cue] = []
    for sentence, text in zip(sentences, translations, strict=True):
        spans = cues[sentence.first:sentence.last]
        start, end = spans[0].start_ms, spans[-1].end_ms
        if not text.strip():  # a blank source cue: nothing to translate, kept as it was
            out.extend(spans)
            continue
        lg = language(target.language)
        laid = segment(pseudo_words(text, spans, lg.sentence_end + lg.clause_end), target)
        out.extend(_clamp(laid, start, end))
    return out
