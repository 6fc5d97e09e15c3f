"""Word timings -> subtitle cues that follow the style guide (pure functions).

Cue boundaries are chosen by dynamic programming over the words: every candidate cue is costed for where it
ends (sentence end < clause punctuation < pause < before a conjunction/preposition < anywhere else < after an
article/pronoun/preposition), for what it holds (a sentence end or long pause inside it), and for the
limits of the profile (characters per line, lines, reading speed, duration). Multi-word names and brands
are atoms that are never split. Lines are broken the same way, preferring balanced lines with a shorter
top line.

A pause of SPLIT_PAUSE_MS or more always ends a cue (a hard limit, like characters per line), except inside a
protected name.

Timing: a cue starts on its first word's start; it ends `linger_ms` after its last word at the latest, except
to close a gap to the next cue of `chain_ms` or less down to `min_gap_ms` (chaining) or to reach `min_ms` when
the silence is there; it never overlaps the next cue.
"""

from __future__ import annotations

import bisect
import logging
import math
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from pipeline import typography
from pipeline.profiles import (
    CLOSERS,
    LOCAL_MARKS,
    OPENING_QUOTES,
    Language,
    Profile,
    language,
)
from pipeline.types import Cue, Word

log = logging.getLogger(__name__)


# Costs of a break (line or cue) between two words: the order of preference of the style guides.
SENTENCE, CLAUSE, LONG_PAUSE, PAUSE, BEFORE_LINK, PLAIN, NAME, BAD = 0.0, 2.0, 3.0, 4.5, 6.0, 20.0, 35.0, 60.0
ORPHAN = 10.0  # a break that leaves one word alone beside punctuation ("Americans, ask | not what")
NEVER = math.inf
CUE = 8.0  # each cue costs this much: fewer, fuller cues unless something says otherwise
CUE_BREAK = 1.5  # a phrase cut across two cues reads worse than across two lines
INSIDE_SENTENCE_END = 12.0  # a sentence end inside a cue (split there first)
INSIDE_PAUSE = 15.0  # a pause over INSIDE_PAUSE_MS inside a cue
INSIDE_PAUSE_MS = 1500
# a cue never spans a pause this long: it would linger over it or run into the next line
SPLIT_PAUSE_MS = 2000
READING_SPEED = 10.0  # per character beyond the reading-speed budget of the cue's duration
# Hard limits (characters per line, lines, maximum duration) are compared before any preference: a cue
# breaks one only when no arrangement avoids it (a single word longer than a line or than a cue may last).

_EDGE = string.punctuation + OPENING_QUOTES + CLOSERS + LOCAL_MARKS + "¿¡—–"
_CLOSERS = CLOSERS


@dataclass(frozen=True)
class _Lang:
    lg: Language
    protected: tuple[tuple[str, ...], ...]  # normalised token sequences, two tokens or more


def _norm(token: str) -> str:
    """Lower case, no edge punctuation, no Arabic diacritics: the form word lists are matched in."""
    return typography.strip_invisible(token).replace("\u2019", "'").strip(_EDGE).casefold()


def _is_number(token: str) -> bool:
    core = token.strip(_EDGE)
    return bool(core) and any(ch.isdigit() for ch in core) and all(ch.isdigit() or ch in ".,:" for ch in core)


@lru_cache(maxsize=64)
def _lang_rules(lang: str, protected: tuple[str, ...]) -> _Lang:
    seqs = {tuple(_norm(t) for t in term.split()) for term in protected}
    return _Lang(language(lang), tuple(s for s in seqs if len(s) >= 2 and all(s)))


def _rules(profile: Profile) -> _Lang:
    return _lang_rules(profile.language, profile.protected)


def _hosts(norm: str, lg: Language) -> tuple[str, ...]:
    """`norm` and the word it carries after an elision (qu'il -> il) or an attached clitic (وفي -> في).

    A clitic is only stripped from a host of two letters or more: فك is a word, not ف + ك.
    """
    forms = [norm]
    if "'" in norm:
        forms.append(norm.split("'", 1)[1])
    forms += [norm[len(p):] for p in lg.clitic_prefixes if norm.startswith(p) and len(norm) - len(p) >= 2]
    return tuple(forms)


def _link_word(token: str, lg: Language) -> bool:
    """A conjunction or preposition, also when written with an attached clitic (Arabic وفي، فمن)."""
    return any(form in lg.break_before for form in _hosts(_norm(token), lg))


def join_cost(left: str, right: str, lg: Language) -> float:
    """Cost of a line or cue break between two adjacent words (text only; pauses are added by `segment`)."""
    if left.casefold() in lg.no_break_after:  # abbreviations first: "Mr." ends no sentence
        return BAD
    tail = left.rstrip(_CLOSERS)[-1:]
    if tail and tail in lg.sentence_end:
        return SENTENCE
    if tail and tail in lg.clause_end:
        return CLAUSE
    norm_left, norm_right = _norm(left), _norm(right)
    if norm_left in lg.clitic_prefixes or any(form in lg.no_break_after for form in _hosts(norm_left, lg)):
        return BAD
    if _is_number(left) and (norm_right in lg.units or right[:1] in "%٪"):
        return BAD
    if (lg.capitalised_names and left[:1].isupper() and right[:1].isupper()
            and norm_left.isalpha() and norm_right.isalpha()):
        return NAME
    if _link_word(right, lg):
        return BEFORE_LINK
    return PLAIN


def _joins(tokens: Sequence[str], rules: _Lang) -> list[float]:
    """joins[k] = cost of breaking before tokens[k] (k >= 1); NEVER inside a protected term."""
    costs = [0.0] + [join_cost(tokens[k - 1], tokens[k], rules.lg) for k in range(1, len(tokens))]
    for k in range(1, len(tokens)):
        if costs[k] >= BEFORE_LINK:
            before = k >= 2 and costs[k - 1] <= CLAUSE
            after = k + 1 < len(tokens) and costs[k + 1] <= CLAUSE
            costs[k] += ORPHAN * (before + after)
    norms = [_norm(t) for t in tokens]
    for seq in rules.protected:
        size = len(seq)
        for k in range(len(tokens) - size + 1):
            # The first word may carry an elision or a clitic: "l'Équipe du Port", "وCairo Runners".
            if tuple(norms[k + 1:k + size]) == seq[1:] and seq[0] in _hosts(norms[k], rules.lg):
                for inner in range(k + 1, k + size):
                    costs[inner] = NEVER
    return costs


# ---------------------------------------------------------------------------------------------- line breaking

@dataclass(frozen=True)
class _Layout:
    lines: tuple[str, ...]
    overflow: int  # characters beyond max_chars plus lines beyond max_lines (weighted by the caller)
    cost: float


def _layout(text: str, profile: Profile, rules: _Lang) -> _Layout:
    tokens = [t for t in text.split(" ") if t]
    if not tokens:
        return _Layout((), 0, 0.0)
    sizes = [typography.display_length(t) for t in tokens]
    total = sum(sizes) + len(tokens) - 1
    if total <= profile.max_chars or len(tokens) == 1:
        return _Layout((" ".join(tokens),), max(0, total - profile.max_chars), 0.0)
    joins = _joins(tokens, rules)
    best: _Layout | None = None
    for count in range(2, max(2, profile.max_lines) + 1):
        candidate = _best_split(tokens, sizes, joins, count, profile)
        if candidate is not None and (
                best is None or (candidate.overflow, candidate.cost) < (best.overflow, best.cost)):
            best = candidate
        if best is not None and best.overflow == 0:
            break
    return best if best is not None else _Layout((" ".join(tokens),), total - profile.max_chars, 0.0)


def _best_split(tokens: list[str], sizes: list[int], joins: list[float], count: int,
                profile: Profile) -> _Layout | None:
    """The best way to cut tokens into exactly `count` lines (breaks at allowed joins only)."""
    n = len(tokens)
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    allowed = [k for k in range(1, n) if joins[k] != NEVER]
    if len(allowed) < count - 1:
        return None
    best: tuple[int, float, tuple[int, ...]] | None = None
    fitting = list(_fitting_cuts(allowed, prefix, 0, count - 1, profile.max_chars))
    for cuts in fitting or _cut_choices(allowed, count - 1):
        bounds = (0, *cuts, n)
        widths = [prefix[b] - prefix[a] + (b - a - 1) for a, b in pairwise(bounds)]
        overflow = sum(max(0, w - profile.max_chars) for w in widths) + max(0, count - profile.max_lines)
        cost = sum(joins[c] for c in cuts) + _shape_cost(widths, profile.max_chars)
        if best is None or (overflow, cost) < best[:2]:
            best = (overflow, cost, bounds)
    if best is None:
        return None
    overflow, cost, bounds = best
    lines = tuple(" ".join(tokens[a:b]) for a, b in pairwise(bounds))
    return _Layout(lines, overflow, cost)


def _fitting_cuts(allowed: list[int], prefix: list[int], start: int, k: int, max_chars: int):
    """Cuts after `start` giving k more breaks where every line fits (most layouts are pruned early)."""
    n = len(prefix) - 1
    if k == 0:
        if prefix[n] - prefix[start] + (n - start - 1) <= max_chars:
            yield ()
        return
    for c in allowed[bisect.bisect_right(allowed, start):]:
        if prefix[c] - prefix[start] + (c - start - 1) > max_chars:
            break  # lines only get longer
        for rest in _fitting_cuts(allowed, prefix, c, k - 1, max_chars):
            yield (c, *rest)


def _cut_choices(allowed: list[int], k: int):
    if k == 1:
        for c in allowed:
            yield (c,)
        return
    for i, c in enumerate(allowed):
        for rest in _cut_choices(allowed[i + 1:], k - 1):
            yield (c, *rest)


def _shape_cost(widths: list[int], max_chars: int) -> float:
    """Balanced lines, and a top line shorter than the one below (pyramid) when it reads as well."""
    cost = 10.0 * (max(widths) - min(widths)) / max_chars
    if len(widths) == 2 and widths[0] > widths[1]:
        cost += 1.5
    return cost


def break_lines(text: str, profile: Profile, protected: Sequence[str] | None = None) -> tuple[str, ...]:
    """`text` (already typeset) on as few lines as fit, broken where the style guide prefers.

    `protected`: multi-word names never split (default: `profile.protected`, the glossary's names).
    """
    if protected is not None:
        profile = replace(profile, protected=tuple(protected))
    return _layout(" ".join(text.split()), profile, _rules(profile)).lines


# ----------------------------------------------------------------------------------------------- segmentation

def _clean(words: Sequence[Word]) -> list[Word]:
    """Stripped, non-empty words with non-decreasing starts and end >= start."""
    out: list[Word] = []
    last_start = 0
    for w in words:
        text = " ".join(w.text.split())
        if not text:
            continue
        start = max(int(w.start_ms), last_start)
        out.append(Word(text, start, max(int(w.end_ms), start), w.probability))
        last_start = start
    return out


class _Segmenter:
    def __init__(self, words: list[Word], profile: Profile) -> None:
        self.words, self.profile, self.rules = words, profile, _rules(profile)
        texts = [w.text for w in words]
        text_joins = _joins(texts, self.rules)
        self.joins = [self._with_pause(k, c) for k, c in enumerate(text_joins)]
        n = len(words)
        # Atoms: maximal runs that may not be split (protected terms, words joined by a NEVER join).
        self.cuts = [k for k in range(1, n) if self.joins[k] != NEVER] + [n]
        self.sizes = [typography.display_length(t) + 1 for t in texts]
        self.sentence_ends = [0] * (n + 1)
        self.long_pauses = [0] * (n + 1)
        self.split_pauses = [0] * (n + 1)
        for k in range(1, n + 1):
            inner = k < n and text_joins[k] == SENTENCE
            gap = words[k].start_ms - words[k - 1].end_ms if k < n else 0
            self.sentence_ends[k] = self.sentence_ends[k - 1] + inner
            self.long_pauses[k] = self.long_pauses[k - 1] + (gap > INSIDE_PAUSE_MS)
            # a name is still never split, whatever the pause inside it
            self.split_pauses[k] = self.split_pauses[k - 1] + (gap >= SPLIT_PAUSE_MS
                                                               and self.joins[k] != NEVER)

    def _with_pause(self, k: int, cost: float) -> float:
        if k == 0 or cost == NEVER:
            return cost
        pause = self.words[k].start_ms - self.words[k - 1].end_ms
        if cost >= BAD:  # a hesitation after "the" is still no place to break, unless it is long
            return PLAIN if pause >= 2000 else cost
        if pause >= 700:
            return min(cost, LONG_PAUSE)
        if pause >= 300:
            return min(cost, PAUSE)
        return cost

    def end_of(self, i: int, j: int, start: int | None = None) -> int:
        """The latest end of a cue holding words[i:j] (see the module doc)."""
        p, words = self.profile, self.words
        start = words[i].start_ms if start is None else start
        last = words[j - 1].end_ms
        end = last + p.linger_ms
        if j < len(words):
            limit = words[j].start_ms - p.min_gap_ms
            end = max(end, start + p.min_ms)  # then chain what gap the minimum duration leaves
            end = limit if limit - end <= p.chain_ms else min(end, limit)
        else:
            end = max(end, start + p.min_ms)
        end = min(end, max(start + p.max_ms, last))  # lingering never makes a cue too long
        return max(end, start + 1)

    def cost(self, i: int, j: int) -> tuple[tuple[float, float], _Layout]:
        """((hard, soft) cost, layout) of a cue holding words[i:j]."""
        p = self.profile
        text = typography.apply(" ".join(w.text for w in self.words[i:j]), p.language, p.protected)
        layout = _layout(text, p, self.rules)
        duration = self.end_of(i, j) - self.words[i].start_ms
        hard = float(layout.overflow) + self.split_pauses[j - 1] - self.split_pauses[i]
        cost = CUE + CUE_BREAK * (self.joins[j] if j < len(self.words) else 0.0) + layout.cost
        # Reading speed: a cost per character beyond what the cue's duration allows, with no flat step per
        # cue, so a small unavoidable overrun spread over sentence-aligned cues beats one concentrated in a
        # cue cut mid-phrase; four characters over weigh about one cue break inside a phrase.
        over = typography.display_length(text) - p.max_cps * duration / 1000
        if over > 0:
            cost += READING_SPEED * over
        if duration < p.min_ms:
            cost += 25 + 25 * (1 - duration / p.min_ms)
        if duration > p.max_ms:
            hard += 1 + (duration - p.max_ms) / 1000
        cost += INSIDE_SENTENCE_END * (self.sentence_ends[j - 1] - self.sentence_ends[i])
        cost += INSIDE_PAUSE * (self.long_pauses[j - 1] - self.long_pauses[i])
        return (hard, cost), layout

    def run(self) -> list[Cue]:
        n, p = len(self.words), self.profile
        capacity = p.max_chars * p.max_lines + 8
        best = [(math.inf, math.inf)] * (n + 1)
        back: list[tuple[int, _Layout] | None] = [None] * (n + 1)
        best[0] = (0.0, 0.0)
        starts = [0] + self.cuts[:-1]
        for i in starts:
            if best[i][0] == math.inf:
                continue
            chars = 0
            for j in self.cuts[bisect.bisect_right(self.cuts, i):]:
                chars = sum(self.sizes[i:j])
                (hard, soft), layout = self.cost(i, j)
                total = (best[i][0] + hard, best[i][1] + soft)
                if total < best[j]:
                    best[j], back[j] = total, (i, layout)
                speech = self.words[j - 1].end_ms - self.words[i].start_ms
                if chars > capacity or speech > 2 * p.max_ms:
                    break  # longer cues only get worse
        return self._cues(back)

    def _cues(self, back: list[tuple[int, _Layout] | None]) -> list[Cue]:
        spans: list[tuple[int, int, _Layout]] = []
        j = len(self.words)
        while j > 0:
            entry = back[j]
            assert entry is not None
            i, layout = entry
            spans.append((i, j, layout))
            j = i
        spans.reverse()
        cues: list[Cue] = []
        for i, j, layout in spans:
            start = self.words[i].start_ms
            if cues and cues[-1].end_ms > start:  # only with degenerate (zero-length) word timings
                start = cues[-1].end_ms
            end = self.end_of(i, j, start)
            cues.append(Cue(start, end, layout.lines))
        return cues


def segment(words: Sequence[Word], profile: Profile, protected: Sequence[str] | None = None) -> list[Cue]:
    """Cues for `words` (any words: transcribed or interpolated), typeset for `profile.language`.

    `protected`: multi-word names never split (default: `profile.protected`, the glossary's names).
    """
    if protected is not None:
        profile = replace(profile, protected=tuple(protected))
    cleaned = _clean(words)
    if not cleaned:
        return []
    return _Segmenter(cleaned, profile).run()
