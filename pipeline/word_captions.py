"""Word-by-word captions (Reels, TikTok, Shorts): each cue cut into screens of 1-3 words, each word timed.
Pure.

A cue's words take Whisper's times when the transcript has exactly the cue's words in its span (the source
language); otherwise (translations, a reviewer's rewording) they are spread over the cue by length and marked
approximate. Units, not raw tokens, are what a screen holds and what gets highlighted:
- punctuation standing alone (French `!` after a narrow no-break space, `«`) sticks to its word;
- a campaign name ("Moroccan Travelers Community") is one unit, never split across screens;
- inside right-to-left text, a Latin run ("iPhone 15 Pro") is one unit, isolated (LRI ... PDI) as it is in the
  whole line, so a screen ending inside the sentence keeps "I Make This!" whole, and a highlight
  boundary never cuts an isolate (that would reorder the run).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.bidi import LRI, PDI, has_rtl, isolate_ltr_runs, strip_isolates
from pipeline.markup import top_placed, visible
from pipeline.types import Cue, Screen, Word

LINGER_MS = 700  # a screen stays this long after its last word when nothing follows at once
MIN_WORD_MS = 50  # each word starts at least this long after the one before: every state lasts whole frames
_LETTER = re.compile(r"[^\W_]")


def _tokens(cue: Cue) -> tuple[bool, list[str]]:
    """(top placement asked, the cue's visible words with lone punctuation glued to a neighbour)."""
    top, lines = top_placed(cue.lines)
    # Isolates are found on each whole line (what the phrase caption shows), before the line is cut in words.
    raw = " ".join(isolate_ltr_runs(visible(line)) for line in lines).split()
    tokens: list[str] = []
    pending = ""  # opening punctuation waiting for its word («, ¿)
    for tok in raw:
        if _LETTER.search(tok):
            tokens.append(pending + tok)
            pending = ""
        elif tokens:
            # Keep the non-breaking space French typography put before ! ? : ; (it stays inside the unit).
            tokens[-1] += "\u202f" + tok if tok[:1] in "!?:;»" and not has_rtl(tokens[-1]) else tok
        else:
            pending += tok + "\u202f"
    if pending:
        tokens.append(pending.rstrip("\u202f"))
    return top, tokens


def _norm(text: str) -> str:
    return "".join(_LETTER.findall(text.casefold()))


def _merge(tokens: list[str], protected: Sequence[str]) -> list[list[int]]:
    """Groups of token indexes shown and highlighted together: campaign names, Latin runs inside Arabic."""
    groups = [[i] for i in range(len(tokens))]
    names = sorted({tuple(_norm(w) for w in name.split()) for name in protected if len(name.split()) > 1},
                   key=len, reverse=True)
    i = 0
    while i < len(groups):
        t0 = groups[i][0]  # groups from i on are still single tokens: names are merged left to right
        for name in names:
            here = tuple(_norm(tokens[j]) for j in range(t0, min(len(tokens), t0 + len(name))))
            if here == name:
                groups[i:i + len(name)] = [[j for g in groups[i:i + len(name)] for j in g]]
                break
        i += 1
    merged: list[list[int]] = []
    depth = 0
    for g in groups:  # tokens inside one isolate (LRI in a token, PDI in a later one) join one group
        if depth > 0:
            merged[-1] += g
        else:
            merged.append(list(g))
        depth += sum(tokens[j].count(LRI) - tokens[j].count(PDI) for j in g)
    return merged


def _spread(cue: Cue, units: list[str]) -> list[Word]:
    """Units laid over the cue in proportion to their length (plus one for the space): approximate."""
    weights = [len(u) + 1 for u in units]
    total, span = sum(weights), cue.end_ms - cue.start_ms
    out, done = [], 0
    for unit, w in zip(units, weights, strict=True):
        start = cue.start_ms + span * done // total
        done += w
        out.append(Word(unit, start, cue.start_ms + span * done // total))
    return out


def _spaced(cue: Cue, words: list[Word]) -> list[Word] | None:
    """Starts moved so each word starts MIN_WORD_MS after the previous one, inside the cue (Whisper gives
    words the same start at times); None when the cue is too short for that."""
    n = len(words)
    if n * MIN_WORD_MS > cue.end_ms - cue.start_ms:
        return None
    starts, last = [], cue.start_ms - MIN_WORD_MS
    for w in words:
        last = max(w.start_ms, last + MIN_WORD_MS)
        starts.append(last)
    limit = cue.end_ms
    for k in range(n - 1, -1, -1):  # and back from the cue's end, so the last ones fit too
        limit = min(starts[k], limit - MIN_WORD_MS)
        starts[k] = limit
    return [Word(w.text, a, max(a, min(w.end_ms, cue.end_ms))) for w, a in zip(words, starts, strict=True)]


def cue_words(cue: Cue, transcript: Sequence[Word] | None,
              protected: Sequence[str] = ()) -> tuple[list[Word], bool]:
    """The cue's units with times, and whether those times are Whisper's (False: spread by length).

    Whisper's words are those whose middle falls inside the cue; they are used when there are as many as the
    cue has words (typography may have changed punctuation, a reviewer a spelling: the times still hold).
    """
    _, tokens = _tokens(cue)
    groups = _merge(tokens, protected)
    units = [" ".join(tokens[j] for j in g) for g in groups]
    heard = [w for w in transcript or () if cue.start_ms <= (w.start_ms + w.end_ms) // 2 < cue.end_ms
             and _LETTER.search(w.text)]
    if tokens and len(heard) == len(tokens):
        timed = _spaced(cue, [Word(unit, heard[g[0]].start_ms, heard[g[-1]].end_ms)
                              for unit, g in zip(units, groups, strict=True)])
        if timed is not None:
            return timed, True
    spread = _spread(cue, units)
    return _spaced(cue, spread) or spread, False


def screens_of(cue: Cue, words: Sequence[Word], max_words: int, max_chars: int,
               linger_ms: int = LINGER_MS) -> list[Screen]:
    """The cue's words cut into screens: at most `max_words` units and `max_chars` characters each (a
    longer unit stands alone), a new screen after a pause longer than `linger_ms`. Screens never overlap
    and stay inside the cue, so no word is left on screen when the next screen comes."""
    top, _ = _tokens(cue)
    groups: list[list[Word]] = []
    for w in words:
        cur = groups[-1] if groups else None
        fits = cur is not None and len(cur) < max_words and \
            len(strip_isolates(" ".join(x.text for x in [*cur, w]))) <= max_chars and \
            w.start_ms - cur[-1].end_ms <= linger_ms
        if fits:
            cur.append(w)  # type: ignore[union-attr]
        else:
            groups.append([w])
    out = []
    for i, g in enumerate(groups):
        start = max(g[0].start_ms, out[-1].end_ms if out else cue.start_ms)
        # The last screen keeps the cue's end (the segmenter's linger); others give way to the next screen.
        end = min(groups[i + 1][0].start_ms, g[-1].end_ms + linger_ms) if i + 1 < len(groups) else cue.end_ms
        end = min(max(end, start), cue.end_ms)
        out.append(Screen(start, end, tuple(g), top))
    return out


def word_screens(cues: Sequence[Cue], transcript: Sequence[Word] | None, max_words: int, max_chars: int,
                 protected: Sequence[str] = ()) -> tuple[list[Screen], bool]:
    """Every cue's screens, and whether all word times came from Whisper
    (False: some were spread by length)."""
    screens: list[Screen] = []
    exact = True
    for cue in cues:
        words, timed = cue_words(cue, transcript, protected)
        exact = exact and (timed or not words)
        screens += [s for s in screens_of(cue, words, max_words, max_chars) if s.end_ms > s.start_ms]
    return screens, exact
