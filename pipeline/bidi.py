"""Directional isolates for left-to-right runs (brand names, Latin words) inside right-to-left text.

Without them, punctuation next to a Latin run inside Arabic is resolved to the paragraph's direction and lands on
the wrong side ("I Make This!" shows as "!I Make This"), and a line that starts with a Latin brand name gets a
left-to-right base direction. Wrapping each Latin run in LRI (U+2066) ... PDI (U+2069) keeps the run's inside
left-to-right and makes it one neutral unit for the Arabic around it (UAX #9, also the paragraph-direction rule:
text inside isolates is skipped when guessing the base direction). Pure functions over strings.
"""

from __future__ import annotations

import unicodedata

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_OPENERS = LRI + RLI + FSI
ISOLATES = frozenset(_OPENERS + PDI)
# Latin punctuation that belongs to the Latin run when glued to it and more right-to-left text follows
# ("I Make This! ثم بدأت"); at the end of a line it is the Arabic sentence's own punctuation.
_ATTACHED = frozenset("!?.…'\"”’)]%+")


def direction(ch: str) -> str:
    """'L' (strong left-to-right), 'R' (strong right-to-left), 'N' (digits) or '' (neutral/weak)."""
    kind = unicodedata.bidirectional(ch)
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    if kind in ("EN", "AN"):
        return "N"
    return ""


def has_rtl(text: str) -> bool:
    return any(direction(ch) == "R" for ch in text)


def _skip_isolate(text: str, i: int) -> int:
    """Index just past the PDI matching the isolate opener at `i` (or the end of the text)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in _OPENERS:
            depth += 1
        elif text[j] == PDI:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def _run_end(text: str, start: int) -> int:
    """End (exclusive) of the left-to-right run starting at the strong-L character `start`."""
    end = start + 1
    j = end
    while j < len(text):
        ch = text[j]
        d = direction(ch)
        if d == "R" or ch in ISOLATES or ch == "\n":
            break
        if d in ("L", "N"):  # digits after Latin stay with it ("iPhone 15")
            end = j + 1
        j += 1
    # Glued Latin punctuation joins the run only when right-to-left text follows on the line.
    k = end
    while k < len(text) and text[k] in _ATTACHED:
        k += 1
    if k > end and has_rtl(text[k:].split("\n", 1)[0]):
        end = k
    return end


def ltr_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each left-to-right run outside existing isolates."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _OPENERS:
            i = _skip_isolate(text, i)
        elif direction(ch) == "L":
            end = _run_end(text, i)
            runs.append((i, end))
            i = end
        else:
            i += 1
    return runs


def isolate_ltr_runs(text: str) -> str:
    """Wrap each left-to-right run of a right-to-left line in LRI ... PDI; other text is returned unchanged.

    Idempotent: runs already inside isolates are left alone.
    """
    if not has_rtl(text):
        return text
    out: list[str] = []
    last = 0
    for start, end in ltr_runs(text):
        out += [text[last:start], LRI, text[start:end], PDI]
        last = end
    out.append(text[last:])
    return "".join(out)


def strip_isolates(text: str) -> str:
    return "".join(ch for ch in text if ch not in ISOLATES)
