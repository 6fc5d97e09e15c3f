"""Pure: which stretches of a file Whisper decodes (windows cut at VAD pauses) and which speech ended up
with no words (coverage). Times are integer milliseconds on the file's own timeline.

Why windows and not one stitched stream: stitching every VAD region of a file end to end, with the pauses
cut to nothing and decoded by faster-whisper's seeking loop, made Whisper hear two sentences as one run (a
repeated line merged into one, the last word stretched over the next sentence) and whole clips vanished. A
window is decoded on its own, whole; its pieces are cut only in pauses the VAD found, so no word is ever cut
in two; each chunk keeps the VAD's padding, so Whisper still hears a pause (at least twice the padding)
between two sentences; and the map back to the file puts every word in its own chunk. Windows are
independent, so they can be batched.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.types import Word

Span = tuple[int, int]

WINDOW_MS = 30_000  # Whisper's input length: a window never exceeds it


@dataclass(frozen=True)
class Window:
    """One input for Whisper: pieces of the file's audio played one after the other. Each piece is a speech
    chunk, perhaps with the end of the pause before it; what a window leaves out of a pause is silence the
    encoder would otherwise pay for (its cost is per 30 s window, whatever they hold)."""

    pieces: tuple[Span, ...]

    @property
    def span(self) -> Span:
        """The stretch of the file the window's pieces come from."""
        return self.pieces[0][0], self.pieces[-1][1]

    @property
    def length_ms(self) -> int:
        return sum(b - a for a, b in self.pieces)

    def piece_at(self, ms: int) -> int:
        """Index of the piece holding a time in the window's audio (ms from its start); past its end, the
        last."""
        at = 0
        for k, (a, b) in enumerate(self.pieces):
            at += b - a
            if ms < at:
                return k
        return len(self.pieces) - 1

    def to_file(self, ms: int) -> int:
        """A time in the window's audio (ms from its start) on the file's timeline; past its end, the end."""
        at = 0
        for a, b in self.pieces:
            if ms < at + b - a:
                return a + max(0, ms - at)
            at += b - a
        return self.pieces[-1][1]


def windows(chunks: Sequence[Span], max_ms: int = WINDOW_MS, max_pause_ms: int = 0) -> list[Window]:
    """Consecutive VAD speech chunks packed into windows of at most `max_ms` of audio.

    Each piece is a chunk with up to `max_pause_ms` of the pause before it (the lead-in: the VAD finds a soft
    onset late, and without it Whisper hears "ask" as "sk" and drops it); the rest of a pause is left out,
    however long (music, silence). So every cut lies in a pause the VAD found, never inside a word. A new
    window starts when the next piece would overflow `max_ms`. A chunk longer than `max_ms` (the VAD is asked
    for none) is split into equal parts, the one case a cut can fall in speech.
    """
    out: list[list[Span]] = []
    previous_end = 0
    for start, end in sorted(chunks):
        if end <= start:
            continue
        # the lead-in, shortened so that a chunk fitting a window still fits with it
        lead = max(0, min(max_pause_ms, start - previous_end, max_ms - (end - start)))
        previous_end = max(previous_end, end)
        start -= lead
        if out:
            pieces = out[-1]
            last_start, last_end = pieces[-1]
            if sum(b - a for a, b in pieces) + end - max(start, last_end) <= max_ms:
                if start <= last_end:  # the whole pause kept: one piece
                    pieces[-1] = (last_start, max(last_end, end))
                else:
                    pieces.append((start, end))
                continue
        parts = -(-(end - start) // max_ms)
        for k in range(parts):
            out.append([(start + (end - start) * k // parts, start + (end - start) * (k + 1) // parts)])
    return [Window(tuple(pieces)) for pieces in out]


def words_in(span: Span, words: Sequence[Word]) -> list[Word]:
    """Words whose middle lies inside the span."""
    return [w for w in words if span[0] <= (w.start_ms + w.end_ms) // 2 < span[1]]


def sparse(span: Span, words: Sequence[Word], ms_per_word: int = 1500) -> bool:
    """True when the span got fewer words than slow speech gives (one per `ms_per_word`, at least one;
    ar/fr/en speech runs at 2-3 words a second): its speech was skipped, or a neighbour's words were stretched
    over it."""
    return len(words_in(span, words)) < max(1, (span[1] - span[0]) // ms_per_word)


# Inside one VAD chunk no pause is as long as the VAD's minimum silence (1 s) plus its padding on each side,
# so a longer stretch of a chunk without a word (or a cue) over it is speech left out: a sentence skipped
# between two that were written, the words around it aligned as if it were not there. On the long-form
# bench inputs the longest stretch otherwise is under 1.2 s.
GAP_MS = 2000


def wordless(span: Span, covered: Sequence[Span], gap_ms: int = GAP_MS) -> list[Span]:
    """Stretches of `gap_ms` or more inside a speech chunk that no covered span (word or cue) overlaps."""
    out, at = [], span[0]
    for a, b in sorted((a, b) for a, b in covered if b > span[0] and a < span[1]):
        if a - at >= gap_ms:
            out.append((at, a))
        at = max(at, b)
    if span[1] - at >= gap_ms:
        out.append((at, span[1]))
    return out


def _spans(words: Sequence[Word]) -> list[Span]:
    return [(w.start_ms, w.end_ms) for w in words]


def second_pass_spans(chunks: Sequence[Span], words: Sequence[Word], min_ms: int = 1000,
                      gap_ms: int = GAP_MS) -> list[Span]:
    """Speech chunks of `min_ms` or more that the first pass left (nearly) without words, or with a stretch
    of `gap_ms` or more without any; when that stretch runs to the chunk's end, the next chunk too: after a
    skipped sentence the alignment pulls the next sentence's first words back into the gap (the French
    bench input: "Et c" at the end of the skipped sentence, "'est la dictée numéro 1." in its own chunk)."""
    picked: list[Span] = []
    spans = _spans(words)
    for k, c in enumerate(chunks):
        if c[1] - c[0] < min_ms:
            continue
        if sparse(c, words):
            picked.append(c)
        elif gaps := wordless(c, spans, gap_ms):
            picked += [c, *chunks[k + 1:k + 2]] if gaps[-1][1] == c[1] else [c]
    return list(dict.fromkeys(picked))  # a neighbour may be picked for itself too


def uncovered(speech: Sequence[Span], covered: Sequence[Span], min_ms: int = 1000,
              gap_ms: int = GAP_MS) -> list[Span]:
    """What the covered spans (cues or words) leave out of the speech, in order: chunks of `min_ms` or more
    that none overlaps, and stretches of `gap_ms` or more that none overlaps inside the other chunks."""
    out: list[Span] = []
    for chunk in speech:
        if any(a < chunk[1] and chunk[0] < b for a, b in covered):
            out.extend(wordless(chunk, covered, gap_ms))
        elif chunk[1] - chunk[0] >= min_ms:
            out.append(chunk)
    return out


def replace_words(words: Sequence[Word], span: Span, new: Sequence[Word]) -> list[Word]:
    """The words with those inside `span` replaced by `new` (the second
    pass's words for that span), sorted."""
    kept = [w for w in words if not span[0] <= (w.start_ms + w.end_ms) // 2 < span[1]]
    return sorted([*kept, *new], key=lambda w: (w.start_ms, w.end_ms))


def snap_to_speech(words: Sequence[Word], chunks: Sequence[Span]) -> list[Word]:
    """Each word kept inside the speech chunk holding its middle (else the nearest one): Whisper's word times
    stretch a word over the pause before or after it, and a cue built on such a word runs through the pause.
    A word overlapping that chunk is cut to the overlap; one lying wholly in a pause moves into the
    nearest chunk, keeping its length where the chunk allows."""
    if not chunks:
        return list(words)
    starts = [a for a, _ in chunks]
    out = []
    for w in words:
        mid = (w.start_ms + w.end_ms) // 2
        k = max(0, bisect.bisect_right(starts, mid) - 1)
        if mid >= chunks[k][1] and k + 1 < len(chunks) and chunks[k + 1][0] - mid < mid - chunks[k][1]:
            k += 1  # in a pause, nearer the next chunk
        a, b = chunks[k]
        length = w.end_ms - w.start_ms
        if w.start_ms < b and w.end_ms > a or a <= w.start_ms <= b:  # overlaps it: cut to the overlap
            start, end = max(a, w.start_ms), min(b, w.end_ms)
        elif mid < a:
            start, end = a, min(b, a + length)
        else:
            start, end = max(a, b - length), b
        out.append(Word(w.text, start, end, w.probability))
    return out


def clock(ms: int) -> str:
    """m:ss (h:mm:ss past an hour), as a note shows a time to a user."""
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def no_subtitle_note(span: Span) -> str:
    return f"speech at {clock(span[0])}–{clock(span[1])} has no subtitle"
