"""Directional isolates for left-to-right runs (brand names, Latin words) inside right-to-left text.

Without them, punctuation next to a Latin run inside Arabic is resolved to the paragraph's direction and
lands on the wrong side ("I Make This!" shows as "!I Make This"), and a line that starts with a Latin
brand name gets a left-to-right base direction. Wrapping each Latin run in LRI (U+2066) ... PDI (U+2069)
keeps the run's inside left-to-right and makes it one neutral unit for the Arabic around it (UAX #9, also the
paragraph-direction rule: text inside isolates is skipped when guessing the base direction). Pure
functions over strings.

What a run takes: Latin letters and what lies between them ("I Make This", "iPhone 15 Pro"), never Arabic
punctuation (، ؛ ؟ belong to the Arabic sentence and end the run). A number after the last Latin letter:
- glued to it, it is part of the name whatever follows ("Galaxy S24", "iPhone15");
- separated by a space and followed by an Arabic word (after spaces or `%`), it counts that word, not
  the brand, and stays outside ("جربت LibanTroc 3 مرات": inside the isolate "3" would show beside جربت,
  away from مرات);
- separated by a space with nothing Arabic after it (end of line, punctuation, ، before a new clause), it is a
  model number and stays with the brand ("اشتريت iPhone 15", "iPhone 15، ثم").
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.profiles import RTL_MARKS

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_OPENERS = LRI + RLI + FSI
ISOLATES = frozenset(_OPENERS + PDI)
# Latin punctuation that belongs to the Latin run when glued to it and more right-to-left text follows
# ("I Make This! ثم بدأت"); at the end of a line it is the Arabic sentence's own punctuation.
_ATTACHED = frozenset("!?.…'\"”’)]%+")
_ARABIC_PUNCTUATION = frozenset(RTL_MARKS)  # ، ؛ ؟: the Arabic sentence's, never the run's
_NUMBER_SEPARATORS = frozenset(".,:\u066b\u066c")  # inside one number: "2.5", "1,000", "10:30"
_NUMBER_SUFFIX = frozenset("%\u066a")  # "50% خصم": the number still counts the Arabic word after the sign
_SIGILS = frozenset("@#")  # a handle's or hashtag's sign, glued before its first letter


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


def _ends_run(ch: str) -> bool:
    return direction(ch) == "R" or ch in ISOLATES or ch in _ARABIC_PUNCTUATION or ch == "\n"


def _number_end(text: str, end: int) -> int:
    """`end` moved past a number that follows the run's last Latin
    letter, when the number belongs to the run."""
    j = end
    while j < len(text) and direction(text[j]) == "N":  # glued: "S24"
        j += 1
    if j > end:
        return j
    while j < len(text) and text[j] == " ":
        j += 1
    digits = j
    while j < len(text) and (direction(text[j]) == "N" or j > digits and text[j] in _NUMBER_SEPARATORS
                             and j + 1 < len(text) and direction(text[j + 1]) == "N"):
        j += 1
    if j == digits:
        return end
    k = j
    while k < len(text) and (text[k] == " " or text[k] in _NUMBER_SUFFIX):
        k += 1
    counts_arabic_word = k < len(text) and direction(text[k]) == "R"
    return end if counts_arabic_word else j


def _glued_end(text: str, end: int) -> int:
    """`end` moved past what is glued to the run's last letter in one token: "campaign_2024", "Vote2024"."""
    while end < len(text) and (text[end] == "_" or direction(text[end]) in ("L", "N")):
        end += 1
    return end


def _run_end(text: str, start: int) -> int:
    """End (exclusive) of the left-to-right run starting at the strong-L
    character `start` (rule: module doc)."""
    end = j = start + 1
    while j < len(text) and not _ends_run(text[j]):
        if direction(text[j]) == "L":  # digits between Latin letters stay with them ("iPhone 15 Pro")
            end = j + 1
        j += 1
    end = _number_end(text, _glued_end(text, end))
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
            # A handle's or hashtag's sign belongs to it: "@campaign_2024", "#Vote2024" (not
            # "campaign_2024@").
            start = i - 1 if i > 0 and text[i - 1] in _SIGILS and (i == 1 or not text[i - 2].isalnum()) else i
            runs.append((start, end))
            i = end
        else:
            i += 1
    return runs


# A Western-digit percentage: "50%" reads left to right. Unicode's rules make it so (W5), but libass shows it
# as "%50" inside Arabic unless it is isolated (seen in burned frames), so it gets its own isolate.
_PERCENT = re.compile(r"(?<![\w\u2066])[0-9]+(?:[.,][0-9]+)*%")


def _percent_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each percentage outside the left-to-right runs and existing isolates."""
    taken = ltr_runs(text)
    depth, inside = 0, []
    for ch in text:  # isolate depth at each character: an isolated "50%" is left alone
        depth += (ch in _OPENERS) - (ch == PDI)
        inside.append(depth > 0)
    return [(m.start(), m.end()) for m in _PERCENT.finditer(text)
            if not inside[m.start()] and not any(a <= m.start() < b for a, b in taken)]


def isolated_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every span a right-to-left line isolates: Latin runs and percentages, in order."""
    return sorted(ltr_runs(text) + _percent_runs(text))


def isolate_ltr_runs(text: str) -> str:
    """Wrap each left-to-right run of a right-to-left line in LRI ... PDI; other text is returned unchanged.

    Idempotent: runs already inside isolates are left alone.
    """
    if not has_rtl(text):
        return text
    out: list[str] = []
    last = 0
    for start, end in isolated_runs(text):
        out += [text[last:start], LRI, text[start:end], PDI]
        last = end
    out.append(text[last:])
    return "".join(out)


def strip_isolates(text: str) -> str:
    return "".join(ch for ch in text if ch not in ISOLATES)
