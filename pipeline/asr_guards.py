"""Pure guards against Whisper's known failure modes, applied between the model and the Transcript.

- Phantom lines: credits and channel outros that Whisper learned from subtitled videos, per language.
- Repetition loops: segments whose text compresses too well.
- Swallowed pauses: words stretched over silence are clamped; segments are split at long gaps between words.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.profiles import CLOSERS, LANGUAGES
from pipeline.textnorm import normalize
from pipeline.types import Word


@dataclass(frozen=True)
class RawSegment:
    """What the guards need of a Whisper segment (times already on the file's own timeline)."""
    text: str
    words: tuple[Word, ...]
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure: raw bytes over zlib-compressed bytes (loops compress very well)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _phantom_match(text: str, phrase: str, language: str) -> bool:
    seg, ph = normalize(text, language), normalize(phrase, language)
    # The phrase must make up most of the segment: "thank you for watching" inside a long real sentence stays.
    return bool(ph) and ph in seg and len(ph) >= 0.6 * len(seg)


def is_phantom(segment: RawSegment, language: str, doubt_no_speech: float = 0.3,
               doubt_logprob: float = -0.7) -> str | None:
    """The phantom line this segment is, if any."""
    table = LANGUAGES.get(language)
    if table is None:
        return None
    for phrase in table.phantom_lines:
        if _phantom_match(segment.text, phrase, language):
            return phrase
    if segment.no_speech_prob >= doubt_no_speech or segment.avg_logprob <= doubt_logprob:
        for phrase in table.doubtful_lines:
            if normalize(segment.text, language) == normalize(phrase, language):
                return phrase
    return None


def phantom_sentences(words: Sequence[Word], language: str) -> list[tuple[int, int, str]]:
    """(first index, index past the last, phrase) of each sentence among the words that is (mostly) one of
    the language's phantom lines. Decoding a window without timestamps, Whisper may write a credit line
    right after real speech, in the same segment, so the segment as a whole is no phantom."""
    table = LANGUAGES.get(language)
    if table is None:
        return []
    out, start = [], 0
    for i, w in enumerate(words):
        if i + 1 < len(words) and w.text.strip().rstrip(CLOSERS)[-1:] not in table.sentence_end:
            continue
        text = " ".join(x.text.strip() for x in words[start:i + 1])
        phrase = next((p for p in table.phantom_lines if _phantom_match(text, p, language)), None)
        if phrase:
            out.append((start, i + 1, phrase))
        start = i + 1
    return out


def repeats_a_sentence(text: str, n: int = 6) -> bool:
    """Whether a run of `n` words comes back later in the text (case and punctuation aside): a sentence
    said twice, or written twice."""
    words = ["".join(ch for ch in w.casefold() if ch.isalnum()) for w in text.split()]
    words = [w for w in words if w]
    first: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - n + 1):
        run = tuple(words[i:i + n])
        if run in first and i - first[run] >= n:
            return True
        first.setdefault(run, i)
    return False


def is_nonverbal(text: str) -> bool:
    """Nothing but symbols and punctuation ("♪ ♪", "¶¶", "..."): what Whisper writes over music."""
    return not normalize(text, "en")


def clamp_word(word: Word, max_ms: int, keep_end: bool) -> Word:
    """A word longer than `max_ms` has swallowed a pause: cut it to a length fitting its text, keeping the
    edge that touches its neighbour (`keep_end`: the start is the edge inside the pause)."""
    if word.end_ms - word.start_ms <= max_ms:
        return word
    length = min(max_ms, max(400, 90 * len(word.text)))
    if keep_end:
        return Word(word.text, word.end_ms - length, word.end_ms, word.probability)
    return Word(word.text, word.start_ms, word.start_ms + length, word.probability)


def merge_pieces(words: Sequence[Word]) -> list[Word]:
    """Whisper marks a word start with a leading space; a piece without one continues the previous word
    (French elision "c" + "'est", split numbers). Join them so every Word is one written word. Apply per
    segment: the first word of a segment always starts a word."""
    out: list[Word] = []
    for w in words:
        if out and w.text and not w.text[0].isspace() and out[-1].text.strip():
            prev = out[-1]
            out[-1] = Word(prev.text + w.text, prev.start_ms, max(prev.end_ms, w.end_ms),
                           min(prev.probability, w.probability))
        else:
            out.append(w)
    return out


def tidy_words(words: Sequence[Word], max_word_ms: int) -> list[Word]:
    """Empty words dropped, over-long words clamped, times made monotonic (no overlaps, end >= start).
    Texts come out without surrounding spaces."""
    kept = [w for w in words if w.text.strip()]
    out: list[Word] = []
    for i, w in enumerate(kept):
        gap_before = w.start_ms - kept[i - 1].end_ms if i else 1 << 30
        gap_after = kept[i + 1].start_ms - w.end_ms if i + 1 < len(kept) else 1 << 30
        w = clamp_word(Word(w.text.strip(), w.start_ms, w.end_ms, w.probability), max_word_ms,
                       keep_end=gap_after <= gap_before)
        start = max(w.start_ms, out[-1].end_ms) if out else max(0, w.start_ms)
        out.append(Word(w.text, start, max(start, w.end_ms), w.probability))
    return out


def split_at_gaps(words: Sequence[Word], gap_ms: int) -> list[tuple[Word, ...]]:
    """Runs of words with no gap of `gap_ms` or more inside: a segment must not span a long pause."""
    runs: list[list[Word]] = []
    for w in words:
        if runs and w.start_ms - runs[-1][-1].end_ms < gap_ms:
            runs[-1].append(w)
        else:
            runs.append([w])
    return [tuple(r) for r in runs]


def spread_words(text: str, start_ms: int, end_ms: int) -> list[Word]:
    """Words of a segment that came without word times, spread over its span by length (probability 0:
    the times are estimates). Used so a segment's speech is never lost for want of an alignment."""
    tokens = text.split()
    total = sum(len(t) + 1 for t in tokens)
    out, at = [], 0
    span = max(0, end_ms - start_ms)
    for t in tokens:
        a = start_ms + span * at // total
        at += len(t) + 1
        out.append(Word(t, a, start_ms + span * at // total, 0.0))
    return out


def join_words(words: Sequence[Word]) -> str:
    """Text of a run of words. Whisper's word texts carry their own leading spaces; ours are stripped, so
    words are joined with one space (true for ar/fr/en, the languages handled)."""
    return " ".join(w.text for w in words)
