"""Cue markup, read one way for QC, segmentation, burning and every export. Pure.

What a subtitle line may carry besides its words, as players read SRT:
- style tags `<i>` `<b>` `<u>` and their closings, in any case, with spaces inside the brackets
  (`< i >`, `</I >`);
- `<font ...>` ... `</font>` (colour, face): markup, never drawn; colour and font are the style's job;
- ASS override blocks `{\\...}` that subtitle editors leave in SRT files; a leading `{\\an8}` places the
  cue at the top of the frame, any other block is dropped.
Anything else in angle brackets or braces (`3 < 5 et 7 > 2`, `<3`, `<script>`, `{b}`) is text and is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_OVERRIDE = r"\{\\[^{}]*\}"
_MARKUP = re.compile(rf"<\s*(/?)\s*([ibu])\s*>|<\s*(/?)\s*font(?:\s[^<>]*)?>|{_OVERRIDE}", re.IGNORECASE)
# The same markup as one pattern without groups (case-insensitive), for modules that must step around it.
SPAN = rf"<\s*/?\s*[ibu]\s*>|<\s*/?\s*font(?:\s[^<>]*)?>|{_OVERRIDE}"
_LEADING_OVERRIDES = re.compile(rf"(?:{_OVERRIDE})+")
TOP = "{\\an8}"  # top centre: the one placement subtitle editors commonly write into SRT


@dataclass(frozen=True)
class Tag:
    """One piece of markup: a style tag (`i` `b` `u`), a `font` tag, or an ASS `override` block."""

    kind: str  # "style" | "font" | "override"
    name: str  # "i" "b" "u" (lower case) for style, "font", or "" for an override
    closing: bool
    raw: str  # as written


Token = str | Tag


def tokens(line: str) -> list[Token]:
    """The line as text runs (str, never empty) and markup (Tag), in order."""
    out: list[Token] = []
    last = 0
    for m in _MARKUP.finditer(line):
        if m.start() > last:
            out.append(line[last:m.start()])
        last = m.end()
        if m.group(2):
            out.append(Tag("style", m.group(2).lower(), bool(m.group(1)), m.group(0)))
        elif m.group(0).startswith("{"):
            out.append(Tag("override", "", False, m.group(0)))
        else:
            out.append(Tag("font", "font", bool(m.group(3)), m.group(0)))
    if last < len(line):
        out.append(line[last:])
    return out


def visible(line: str) -> str:
    """The line as drawn: without markup."""
    return _MARKUP.sub("", line)


def top_placed(lines: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    """Whether the cue asks for the top ({\\an8} among the override blocks opening its first line), and the
    lines without that block."""
    lead = _LEADING_OVERRIDES.match(lines[0]) if lines else None
    if not lead or TOP not in re.findall(_OVERRIDE, lead.group(0)):
        return False, tuple(lines)
    at = lead.group(0).index(TOP)
    return True, (lines[0][:at] + lines[0][at + len(TOP):], *lines[1:])


def unbalanced(lines: Sequence[str]) -> str | None:
    """What is wrong with the cue's style and font tags (opened and closed
    in order across its lines), or None."""
    stack: list[str] = []
    for token in tokens("\n".join(lines)):
        if not isinstance(token, Tag) or token.kind == "override":
            continue
        if not token.closing:
            stack.append(token.name)
        elif stack and stack[-1] == token.name:
            stack.pop()
        else:
            return f"</{token.name}> without a matching <{token.name}>"
    return f"<{stack[-1]}> is never closed" if stack else None


def split_at_spaces(line: str) -> list[str]:
    """The line cut at its runs of spaces, never inside markup (`<font color="a b">` stays whole); each piece
    keeps the markup written in it, so joining the pieces with one space gives the line back."""
    pieces = [""]
    for token in tokens(line.strip()):
        if isinstance(token, Tag):
            pieces[-1] += token.raw
            continue
        first, *rest = re.split(" +", token)
        pieces[-1] += first
        pieces += rest
    return pieces
